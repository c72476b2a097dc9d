"""What happens to a message after it is accepted: delivered, or one of the failures.

The outcome of a send is decided by its destination number, in this order:

1. a rule added through the control API (``POST /_emulator/outcomes``) or
   :meth:`OutcomeRules.add`: an exact ``number`` wins over a ``prefix``, the newest rule of
   each kind first, and a rule may be limited to some ``channels`` (TEXT, MEDIA, VOICE);
2. the destination simulator phone numbers of AWS End User Messaging SMS
   (:data:`SIMULATOR_NUMBERS`): a *success* number is delivered, a *failure* number fails;
3. anything else is delivered.

Each outcome becomes the sequence of event types the channel emits (:func:`lifecycle`):
the intermediate events first, the final one (``isFinal: true``) last. As AWS's documented
records show, a text or media message accepted by the carrier (``SUCCESSFUL``) is already final,
and the ``DELIVERED`` that follows it is final too (:func:`is_final`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

OUTCOMES: dict[str, str] = {
    "delivered": "the message is delivered (a call is answered and completed)",
    "failed": "the phone is unreachable (a call fails)",
    "blocked": "the phone blocks the message (a call fails)",
    "carrier-unreachable": "the carrier is unreachable (a call fails)",
    "carrier-blocked": "the carrier blocks the message (a call fails)",
    "spam": "the carrier blocks the message as spam (a call fails)",
    "invalid": "the number is invalid (a call fails)",
    "unknown": "no final status comes back from the carrier (a call fails)",
    "ttl-expired": "the message's time to live runs out before delivery",
    "busy": "the line is busy (text and media: the phone is unreachable)",
    "no-answer": "the call is not answered (text and media: the phone is unreachable)",
}
"""Every outcome a rule may name, with what it does."""

_E164_START = re.compile(r"\+[0-9]{1,15}", re.ASCII)

CHANNELS = ("TEXT", "MEDIA", "VOICE")
"""The channels of v2 sends; v1 ``SendVoiceMessage`` is the VOICE channel too."""

# The destination simulator phone numbers, from "Simulator phone numbers in AWS End User
# Messaging SMS" (https://docs.aws.amazon.com/sms-voice/latest/userguide/test-phone-numbers.html):
# number -> (ISO country, "success" | "failure").
SIMULATOR_NUMBERS: dict[str, tuple[str, str]] = {
    "+43676800442031": ("AT", "success"),
    "+43676800442032": ("AT", "failure"),
    "+61455944038": ("AU", "success"),
    "+61455944039": ("AU", "failure"),
    "+32460213922": ("BE", "success"),
    "+32460213923": ("BE", "failure"),
    "+41798075872": ("CH", "success"),
    "+41798075874": ("CH", "failure"),
    "+56229140630": ("CL", "success"),
    "+56229140631": ("CL", "failure"),
    "+420790542286": ("CZ", "success"),
    "+420790542287": ("CZ", "failure"),
    "+4525919410": ("DK", "success"),
    "+4525919215": ("DK", "failure"),
    "+37282720792": ("EE", "success"),
    "+37282720793": ("EE", "failure"),
    "+34683783440": ("ES", "success"),
    "+34683783442": ("ES", "failure"),
    "+3584573979110": ("FI", "success"),
    "+3584573979111": ("FI", "failure"),
    "+33755512501": ("FR", "success"),
    "+33755512502": ("FR", "failure"),
    "+447860019066": ("GB", "success"),
    "+447860019067": ("GB", "failure"),
    "+85257048426": ("HK", "success"),
    "+85257048854": ("HK", "failure"),
    "+36707178770": ("HU", "success"),
    "+36707178772": ("HU", "failure"),
    "+394390009172": ("IT", "success"),
    "+394390009174": ("IT", "failure"),
    "+447937404990": ("JE", "success"),
    "+447937404992": ("JE", "failure"),
    "+352691385880": ("LU", "success"),
    "+352691385882": ("LU", "failure"),
    "+3197008100148": ("NL", "success"),
    "+3197008100150": ("NL", "failure"),
    "+4759449384": ("NO", "success"),
    "+4759449387": ("NO", "failure"),
    "+48732141440": ("PL", "success"),
    "+48732141442": ("PL", "failure"),
    "+351927946948": ("PT", "success"),
    "+351927946950": ("PT", "failure"),
    "+40783900330": ("RO", "success"),
    "+40783900332": ("RO", "failure"),
    "+46790645100": ("SE", "success"),
    "+46790645102": ("SE", "failure"),
    "+886903444630": ("TW", "success"),
    "+886903444632": ("TW", "failure"),
    "+14254147755": ("US", "success"),
    "+14254147167": ("US", "failure"),
}

_TEXT_FAILURES = {
    "failed": "UNREACHABLE",
    "busy": "UNREACHABLE",
    "no-answer": "UNREACHABLE",
    "blocked": "BLOCKED",
    "carrier-unreachable": "CARRIER_UNREACHABLE",
    "carrier-blocked": "CARRIER_BLOCKED",
    "spam": "SPAM",
    "invalid": "INVALID",
    "unknown": "UNKNOWN",
    "ttl-expired": "TTL_EXPIRED",
}


def lifecycle(api: str, channel: str, outcome: str) -> list[str]:
    """The event types a message of ``channel`` ("TEXT", "MEDIA" or "VOICE") sent through
    ``api`` ("v1" or "v2") emits for ``outcome``, in order; the last one is final.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
    if api == "v1":
        return _v1_call(outcome)
    if channel == "VOICE":
        return [f"VOICE_{step}" for step in _v2_call(outcome)]
    if channel not in ("TEXT", "MEDIA"):
        raise ValueError(f"unknown channel {channel!r}")
    if outcome == "delivered":
        steps = ["PENDING", "QUEUED", "SUCCESSFUL", "DELIVERED"]
    else:
        steps = ["PENDING", "QUEUED", _TEXT_FAILURES[outcome]]
    return [f"{channel}_{step}" for step in steps]


FINAL_BEFORE_THE_END = frozenset({"TEXT_SUCCESSFUL", "MEDIA_SUCCESSFUL"})
"""Event types whose records are final although another record may follow: AWS's documented
records show ``TEXT_SUCCESSFUL`` and then ``TEXT_DELIVERED`` of one message, both final."""


def is_final(event_type: str, last: bool) -> bool:
    """The ``isFinal`` of a record of ``event_type``; ``last``: it ends its message's sequence."""
    return last or event_type in FINAL_BEFORE_THE_END


def _v2_call(outcome: str) -> list[str]:
    if outcome == "delivered":
        return ["INITIATED", "RINGING", "ANSWERED", "COMPLETED"]
    if outcome == "busy":
        return ["INITIATED", "RINGING", "BUSY"]
    if outcome == "no-answer":
        return ["INITIATED", "RINGING", "NO_ANSWER"]
    if outcome == "ttl-expired":
        return ["INITIATED", "TTL_EXPIRED"]
    return ["INITIATED", "FAILED"]


def _v1_call(outcome: str) -> list[str]:
    if outcome == "delivered":
        return ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"]
    if outcome == "busy":
        return ["INITIATED_CALL", "RINGING", "BUSY"]
    if outcome == "no-answer":
        return ["INITIATED_CALL", "RINGING", "NO_ANSWER"]
    return ["INITIATED_CALL", "FAILED"]


@dataclass(frozen=True)
class OutcomeRule:
    """Send ``outcome`` to ``number`` (exact) or to every number starting with ``prefix``;
    ``channels`` limits the rule (default: every channel).
    """

    outcome: str
    number: str | None = None
    prefix: str | None = None
    channels: tuple[str, ...] = CHANNELS

    def matches(self, channel: str, number: str) -> bool:
        """Whether the rule applies to a message of ``channel`` to ``number``."""
        if channel not in self.channels:
            return False
        if self.number is not None:
            return number == self.number
        return self.prefix is not None and number.startswith(self.prefix)

    def to_api(self) -> dict[str, Any]:
        """As the control API shows it."""
        target = {"number": self.number} if self.number is not None else {"prefix": self.prefix}
        return {**target, "outcome": self.outcome, "channels": list(self.channels)}

    @classmethod
    def from_api(cls, spec: Any) -> OutcomeRule:
        """Read a rule from the control API; ``ValueError`` names what is wrong."""
        if not isinstance(spec, Mapping):
            raise ValueError("an outcome rule is a JSON object")
        unknown = set(spec) - {"number", "prefix", "outcome", "channels"}
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
        outcome = spec.get("outcome")
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
        number, prefix = spec.get("number"), spec.get("prefix")
        if (number is None) == (prefix is None):
            raise ValueError("give exactly one of number (E.164, e.g. +14255550100) or prefix")
        target = number if number is not None else prefix
        if not isinstance(target, str) or _E164_START.fullmatch(target) is None:
            raise ValueError(f"number/prefix must be '+' and 1 to 15 digits 0-9, got {target!r}")
        channels = spec.get("channels", list(CHANNELS))
        if (
            not isinstance(channels, list)
            or not channels
            or any(c not in CHANNELS for c in channels)
        ):
            raise ValueError(f"channels must be a non-empty list of {', '.join(CHANNELS)}")
        return cls(outcome, number, prefix, tuple(channels))


class OutcomeRules:
    """The outcome rules of one emulator, safe to use from several threads."""

    MAX_RULES = 1000

    def __init__(self) -> None:
        self._rules: list[OutcomeRule] = []
        self._lock = threading.Lock()

    def add(self, *rules: OutcomeRule) -> None:
        """Add ``rules`` (all or none); each takes precedence over older rules of its kind."""
        with self._lock:
            if len(self._rules) + len(rules) > self.MAX_RULES:
                raise ValueError(f"at most {self.MAX_RULES} outcome rules; DELETE them first")
            self._rules.extend(rules)

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[OutcomeRule]:
        """The rules, oldest first."""
        with self._lock:
            return list(self._rules)

    def resolve(self, channel: str, number: str) -> str:
        """The outcome of a message of ``channel`` to ``number``; see the module docstring."""
        rules = self.rules[::-1]
        for rule in [r for r in rules if r.number is not None] + [
            r for r in rules if r.prefix is not None
        ]:
            if rule.matches(channel, number):
                return rule.outcome
        simulated = SIMULATOR_NUMBERS.get(number)
        if simulated is not None and simulated[1] == "failure":
            return "failed"
        return "delivered"

    def control(self, method: str, body: bytes) -> tuple[int, Any]:
        """Answer ``GET``/``POST``/``DELETE /_emulator/outcomes``: ``(status, JSON body)``."""
        if method == "POST":
            try:
                spec = json.loads(body or b"null")
                rules: Sequence[Any] = spec if isinstance(spec, list) else [spec]
                if len(rules) > self.MAX_RULES:
                    raise ValueError(f"at most {self.MAX_RULES} outcome rules")
                self.add(*[OutcomeRule.from_api(item) for item in rules])
            except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
                return HTTPStatus.BAD_REQUEST, {"message": f"bad outcome rule: {error}"}
        elif method == "DELETE":
            self.clear()
        elif method != "GET":
            return HTTPStatus.METHOD_NOT_ALLOWED, {"message": f"{method} is not allowed here"}
        return HTTPStatus.OK, {
            "rules": [rule.to_api() for rule in self.rules],
            "outcomes": OUTCOMES,
            "simulatorNumbers": {
                number: {"isoCountryCode": iso, "result": result}
                for number, (iso, result) in SIMULATOR_NUMBERS.items()
            },
        }
