"""API calls with pacing, retries and errors that say what to do.

Every call goes through :class:`ApiCaller`. It keeps each operation under the service's rate
(about one request a second), retries throttling, 5xx, network and IAM-propagation errors with
backoff until the deadline, and turns any other error into an :class:`ApiCallError` that names
the set, the destination, the call and what AWS said.
"""

import logging
import random
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore import xform_name
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

LOG = logging.getLogger(__name__)

_THROTTLING_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}
)
_SERVER_CODES = frozenset(
    {
        "InternalServerException",
        "InternalServerErrorException",
        "InternalServiceErrorException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
_IAM_HINT = re.compile(
    r"(?i)(\biam\b|\brole\b|assume|passrole|permission|not authori[sz]ed|could not access)"
)
_PERMANENT_DENIALS = frozenset({"ACCOUNT_DISABLED", "INSUFFICIENT_ACCOUNT_REPUTATION"})
"""AccessDeniedException Reasons (v2 model) that waiting does not change."""
_NETWORK_ERRORS = (
    EndpointConnectionError,
    ConnectionClosedError,
    ReadTimeoutError,
    ConnectTimeoutError,
)

_HINTS = {
    "AccessDeniedException": (
        "the provider's role may not call this, or IAM has not yet propagated; check the "
        "role's policy, permission boundaries and SCPs"
    ),
    "ServiceQuotaExceededException": (
        "an account or per-set limit is reached; remove unused resources or request a quota "
        "increase"
    ),
    "LimitExceededException": (
        "an account or per-set limit is reached; remove unused resources or request a quota "
        "increase"
    ),
    "ValidationException": "AWS rejected a value; correct it in the construct's props",
    "BadRequestException": "AWS rejected a value; correct it in the construct's props",
    "ResourceNotFoundException": "a resource it refers to does not exist in this account/Region",
    "NotFoundException": "a resource it refers to does not exist in this account/Region",
}


class Clock(Protocol):
    """Time source, injectable so that tests run on virtual time."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""

    def sleep(self, seconds: float) -> None:
        """Wait."""


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """Seconds on the system's monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Defaults suit a 1-request-per-second API behind a 10-minute Lambda."""

    min_interval: float = 1.0
    """Least time between two paced calls, in seconds."""
    base_delay: float = 1.0
    """First backoff delay, doubled on each retry."""
    max_delay: float = 20.0
    """Longest backoff delay."""
    iam_window: float = 120.0
    """How long IAM-propagation errors are retried, from the first one."""


@dataclass(frozen=True)
class AlreadyDone:
    """How one mutating call recognises that an earlier attempt of it already took effect.

    An error whose code is in :attr:`codes` ("already exists", "not found", "not associated")
    counts as success only when an earlier attempt of the same call ended without an answer
    (network error, timeout or 5xx), or always with :attr:`on_first_attempt` (deletes, whose
    goal is absence), and only after :attr:`confirm` (one read) shows the live state is what
    the call asked for.
    """

    codes: tuple[str, ...]
    confirm: Callable[[], bool]
    """One read of the live state: True when it equals what the call asked for."""
    on_first_attempt: bool = False


class ApiCallError(RuntimeError):
    """An API call failed for good. The message is written for the person who deploys."""

    def __init__(
        self, message: str, *, operation: str, code: str | None, status: int | None
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code
        self.status = status


@dataclass
class ApiCaller:
    """Calls one client's operations for one configuration set."""

    client: Any
    subject: str
    """How errors name the set, e.g. ``v2 configuration set 'alerts'``."""
    deadline: float
    """``clock.monotonic()`` value after which no retry starts."""
    clock: Clock = field(default_factory=SystemClock)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    rng: random.Random = field(default_factory=random.Random)
    max_call_seconds: float = 0.0
    """The longest one attempt can take (the client's timeouts): no attempt starts unless it
    can end by :attr:`deadline`."""
    pace_all_operations: bool = False
    """Pace every call against the previous one of any operation (v1's account-wide rate),
    instead of each operation against its own previous call (v2's per-operation rate)."""
    reserve_deadline: float | None = None
    """Later deadline that :meth:`use_reserve` switches to, e.g. for cleanup after a failure."""
    _last_call: dict[str, float] = field(default_factory=dict)
    calls_made: int = 0
    last_call_ambiguous: bool = False
    """Whether an attempt of the latest :meth:`call` failed without saying if it took effect
    (a network error or a 5xx)."""

    def use_reserve(self) -> None:
        """Let retries run on into the time kept in reserve (cleanup after a failed Create).

        Without this, a Create that gave up at :attr:`deadline` (typically because the API kept
        throttling) could not retry a single throttled call of its own cleanup.
        """
        if self.reserve_deadline is not None and self.reserve_deadline > self.deadline:
            self.deadline = self.reserve_deadline

    def call(
        self,
        operation: str,
        params: Mapping[str, Any],
        *,
        destination: str | None = None,
        tolerate: Collection[str] = (),
        already_done: AlreadyDone | None = None,
    ) -> dict[str, Any] | None:
        """Call ``operation`` (its API name) with ``params``.

        Returns the response; ``{}`` when ``already_done`` recognised an earlier attempt's
        effect; None when the error code is one of ``tolerate``.
        """
        method = getattr(self.client, xform_name(operation))
        attempt = 0
        iam_since: float | None = None
        self.last_call_ambiguous = False
        while True:
            self._pace(operation)
            if attempt == 0 and self.clock.monotonic() + self.max_call_seconds > self.deadline:
                raise ApiCallError(
                    f"{self.subject}: no time left to call {operation} before the Lambda "
                    "function times out; the earlier calls used it up (see the log)",
                    operation=operation,
                    code=None,
                    status=None,
                )
            attempt += 1
            self.calls_made += 1
            try:
                response: dict[str, Any] = method(**params)
                return response
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if already_done and self._in_place(
                    already_done, operation, destination, error, attempt, tolerate
                ):
                    return {}
                if code in tolerate:
                    return None
                kind = _retryable_kind(error)
                if kind == "iam":
                    iam_since = iam_since if iam_since is not None else self.clock.monotonic()
                    if self.clock.monotonic() - iam_since > self.policy.iam_window:
                        kind = None
                if kind is None:
                    raise self._error(operation, destination, error, attempt) from error
                self.last_call_ambiguous |= kind == "server"
                self._backoff(operation, destination, error, attempt, kind)
            except _NETWORK_ERRORS as error:
                self.last_call_ambiguous = True
                self._backoff(operation, destination, error, attempt, "network")

    def _in_place(
        self,
        already_done: AlreadyDone,
        operation: str,
        destination: str | None,
        error: ClientError,
        attempt: int,
        tolerate: Collection[str],
    ) -> bool:
        """Whether ``error`` is ``already_done``'s answer and a read confirms the change is in
        place. Raises when the read does not confirm it (unless the code is tolerated).
        """
        code = error.response.get("Error", {}).get("Code", "")
        applies = self.last_call_ambiguous or already_done.on_first_attempt
        if code not in already_done.codes or not applies:
            return False
        if already_done.confirm():
            LOG.info(
                "%s: %s answered %s and a read confirms the live state is as asked: the "
                "change is already in place",
                self.subject,
                operation,
                code,
            )
            return True
        if code in tolerate:
            return False
        raise self._error(operation, destination, error, attempt, unconfirmed=True) from error

    def _pace(self, operation: str) -> None:
        operation = "*" if self.pace_all_operations else operation
        last = self._last_call.get(operation)
        if last is not None:
            wait = last + self.policy.min_interval - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self._last_call[operation] = self.clock.monotonic()

    def _backoff(
        self, operation: str, destination: str | None, error: Exception, attempt: int, kind: str
    ) -> None:
        delay = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1))
        delay = delay / 2 + self.rng.uniform(0, delay / 2)
        if self.clock.monotonic() + delay + self.max_call_seconds > self.deadline:
            raise self._error(operation, destination, error, attempt, gave_up=True) from error
        LOG.warning(
            "%s: %s %s error on attempt %d, retrying in %.1fs: %s",
            self.subject,
            operation,
            kind,
            attempt,
            delay,
            error,
        )
        self.clock.sleep(delay)

    def _error(
        self,
        operation: str,
        destination: str | None,
        error: Exception,
        attempt: int,
        gave_up: bool = False,
        unconfirmed: bool = False,
    ) -> ApiCallError:
        code: str | None = None
        status: int | None = None
        said = str(error)
        if isinstance(error, ClientError):
            err = error.response.get("Error", {})
            code = err.get("Code")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            said = f"{code}: {err.get('Message', '')}"
            reason = error.response.get("Reason") or err.get("Reason")
            if reason:
                said += f" (Reason: {reason})"
        where = self.subject + (f", event destination '{destination}'" if destination else "")
        message = f"{where}: {operation} failed: {said}"
        if unconfirmed:
            message += (
                ". A read of the live state does not show the change this call asked for, so "
                "the answer is not taken for an earlier attempt's success"
            )
        elif gave_up:
            message += f". Gave up after {attempt} attempts: the Lambda's time is nearly out"
        elif code in _HINTS:
            message += f". {_HINTS[code][0].upper()}{_HINTS[code][1:]}"
        return ApiCallError(message, operation=operation, code=code, status=status)


def _retryable_kind(error: ClientError) -> str | None:
    err = error.response.get("Error", {})
    code = err.get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    reason = error.response.get("Reason") or err.get("Reason")
    if code in _THROTTLING_CODES or status == 429:
        return "throttling"
    if code in _SERVER_CODES or status >= 500:
        return "server"
    if code in ("AccessDeniedException", "AccessDenied"):
        # A Reason such as ACCOUNT_DISABLED is a standing refusal, not IAM propagation.
        return None if reason in _PERMANENT_DENIALS else "iam"
    if code in ("ValidationException", "BadRequestException"):
        # A new role the service cannot assume yet; any other Reason (INVALID_ARN, ...) is the
        # value's fault and retrying cannot help.
        if reason == "RESOURCE_NOT_ACCESSIBLE":
            return "iam"
        if reason is None and _IAM_HINT.search(str(err.get("Message", ""))):
            return "iam"
    return None
