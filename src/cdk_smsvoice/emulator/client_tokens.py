"""The ``ClientToken`` memory of the v2 Create* operations, bounded in time and size.

A Create* with a token seen before answers as it did the first time, without creating anything;
the same token with other parameters is a conflict. A token is kept for :data:`TOKEN_TTL_SECONDS`
(8 hours, the idempotency window most AWS APIs document; the SMS and Voice v2 reference states
none) and no longer than what it created exists: deleting a set forgets the tokens of the set and
its destinations, deleting a destination forgets that destination's. So the state holds at most
one token per live set and destination, and a create after a delete creates again.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

TOKEN_TTL_SECONDS = 8 * 3600

Response = dict[str, Any]


class TokenConflictError(Exception):
    """The token was used before with other parameters."""


class ClientTokens:
    """``<operation>:<token>`` -> the first answer, what it created and when it expires.

    ``clock`` (default: ``time.time``) gives the wall-clock time in seconds, kept across
    restarts.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._entries: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def replay(self, op: str, token: str, request: Mapping[str, Any]) -> Response | None:
        """The first answer to ``op`` with ``token``, or ``None`` if the token is new (or
        expired); raises :class:`TokenConflictError` if it came with other parameters.
        """
        entry = self._entries.get(f"{op}:{token}")
        if entry is None or entry["expires"] <= self.clock():
            return None
        if entry["digest"] != _digest(request):
            raise TokenConflictError(
                f"ClientToken '{token}' was already used for {op} with other parameters."
            )
        response: Response = copy.deepcopy(entry["response"])
        if "CreatedTimestamp" in response:
            response["CreatedTimestamp"] = datetime.fromisoformat(response["CreatedTimestamp"])
        return response

    def remember(
        self,
        op: str,
        token: str,
        request: Mapping[str, Any],
        response: Response,
        created: tuple[str, ...],
    ) -> None:
        """Keep ``response`` for ``token``; ``created`` names what it made: ``(set,)`` or
        ``(set, destination)``. Expired tokens are dropped here.
        """
        now = self.clock()
        self._entries = {k: e for k, e in self._entries.items() if e["expires"] > now}
        saved = copy.deepcopy(response)
        if "CreatedTimestamp" in saved:
            saved["CreatedTimestamp"] = saved["CreatedTimestamp"].isoformat()
        self._entries[f"{op}:{token}"] = {
            "digest": _digest(request),
            "response": saved,
            "created": list(created),
            "expires": now + TOKEN_TTL_SECONDS,
        }

    def forget(self, *created: str) -> None:
        """Drop the tokens of what is deleted: ``(set,)`` drops the set's and its
        destinations', ``(set, destination)`` that destination's.
        """
        prefix = list(created)
        self._entries = {
            k: e for k, e in self._entries.items() if e["created"][: len(prefix)] != prefix
        }

    def to_state(self) -> dict[str, Any]:
        """As JSON-ready data (a copy)."""
        return copy.deepcopy(self._entries)

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Read back what :meth:`to_state` wrote; raises ``ValueError`` if it is malformed."""
        entries: dict[str, dict[str, Any]] = {}
        for key, entry in state.items():
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("digest"), str)
                and isinstance(entry.get("response"), dict)
                and isinstance(entry.get("created"), list)
                and isinstance(entry.get("expires"), int | float)
            ):
                raise ValueError(f"client token {key!r} is malformed")
            entries[key] = copy.deepcopy(entry)
        self._entries = entries


def _digest(request: Mapping[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
