"""What the v1 and v2 emulated services share: call recording, rate limit, fault injection,
persistence after each acknowledged change, and the in-process ``attach`` to a boto3 client.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidationDecorator

from .call_log import BoundedLog
from .destination import EventDestination
from .errors import INTERNAL_ERROR, ServiceError
from .events import EventEmitter
from .model_checks import service_model, shape_problems, validate_response
from .store import StateFileError, StateStore
from .wire import (
    UnknownOperationError,
    WireCall,
    decode_botocore_request,
    encode_response,
    parse_response,
)

Params = dict[str, Any]
Response = dict[str, Any]
Handler = Callable[[Params], Response]
RateScope = Literal["operation", "account"]

_RATE_EPSILON = 1e-9  # tolerate float error when a virtual clock steps by exactly 1/tps
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Send")
"""Operations that leave the configuration sets as they are (sends log messages themselves)."""


class HasDestinations(Protocol):
    """A configuration set as the services keep it."""

    event_destinations: dict[str, EventDestination]


SetT = TypeVar("SetT", bound=HasDestinations)


class NotEmulatedError(AssertionError):
    """The operation is in the model but not emulated (an assertion for in-process tests)."""


class ResponseLostError(Exception):
    """An injected fault: the call took effect, and its answer never reaches the client."""


@dataclass
class _Fault:
    code: str
    message: str
    status: int
    fields: dict[str, Any]
    first: int  # 1-based, counted over admitted calls of the operation after fail()
    last: int
    seen: int = 0
    lose_response: bool = False  # apply the call, then drop the connection instead of answering


class EmulatedService(ABC, Generic[SetT]):
    """Base of :class:`~.v1.V1Service` and :class:`~.v2.V2Service`.

    Every call goes through :meth:`invoke`: it is checked against botocore's model (before the
    service's lock is taken), recorded in bounded logs, rate limited (``tps`` calls a second per
    operation, or in all with ``rate_scope="account"``; default: unlimited), subjected to
    injected faults, answered, its response checked against the model, and a change is saved
    to ``store`` before it is acknowledged; if that fails, the state is put back as saved.
    """

    service_name: ClassVar[str]
    api: ClassVar[str]
    """``v1`` or ``v2``: how messages and event files name the API."""
    throttle_code: ClassVar[str]
    sink_members: ClassVar[tuple[str, ...]]
    all_event_types: ClassVar[tuple[str, ...]]
    """What an out-of-band destination matches unless told otherwise."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        tps: float | None = None,
        rate_scope: RateScope = "operation",
        store: StateStore | None = None,
    ) -> None:
        if tps is not None and tps <= 0:
            raise ValueError("tps must be positive")
        self.clock: Callable[[], float] = clock or time.monotonic
        self.tps = tps
        self.rate_scope: RateScope = rate_scope
        self.store = store
        self.emitter = EventEmitter(self.api, store)
        self.sets: dict[str, SetT] = {}
        # bounded: the newest calls only (see call_log)
        self.calls: BoundedLog[tuple[str, Params]] = BoundedLog()
        self.requests: BoundedLog[WireCall] = BoundedLog(max_entries=100)
        # (operation, HTTP status, error code or None), parallel to ``calls``
        self.outcomes: BoundedLog[tuple[str, int, str | None]] = BoundedLog()
        self._last_admitted: dict[str, float] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._lock = threading.RLock()
        self._handlers: dict[str, Handler] = self.handlers()
        self._saved: dict[str, Any] = {}

    # ------------------------------------------------------------ subclass API

    @abstractmethod
    def handlers(self) -> dict[str, Handler]:
        """Operation name -> handler of the operations this service emulates."""

    @abstractmethod
    def check_request(self, model: OperationModel, params: Params) -> None:
        """Raise the service's validation error if ``params`` break ``model``'s input shape."""

    @abstractmethod
    def to_state(self) -> dict[str, Any]:
        """The durable state, as JSON-ready data (fresh containers, sharing nothing)."""

    @abstractmethod
    def load_state(self, state: Mapping[str, Any]) -> None:
        """Replace the state with what :meth:`to_state` returned; raises ``KeyError``,
        ``TypeError`` or ``ValueError`` if ``state`` is malformed.
        """

    @abstractmethod
    def error_status(self, code: str) -> int:
        """The HTTP status the service answers error ``code`` with."""

    # ------------------------------------------------------------------- calls

    @property
    def model(self) -> ServiceModel:
        """Botocore's model of this service."""
        return service_model(self.service_name)

    def invoke(self, op: str, params: Params, wire: WireCall | None = None) -> Response:
        """Answer one call; raises :class:`ServiceError` as the service would answer it.

        Parsing and validation run before the service's lock is taken, so a large request
        never holds up the others; the outcome of the validation is raised in order, after the
        rate limit and injected faults. A change is visible, in memory and to clients, only
        once it is saved: if the handler or the save fails, the state is put back as it was.
        """
        handler = self._handlers.get(op)
        recorded = (op, copy.deepcopy(params))
        size = len(wire.body) if wire is not None else 0
        invalid: ServiceError | None = None
        if wire is not None and wire.problem is not None:
            invalid = self.bad_request(wire.problem)
        elif handler is not None:
            try:
                self.check_request(self.model.operation_model(op), params)
            except ServiceError as err:
                invalid = err
        with self._lock:
            self.calls.record(recorded, size)
            if wire is not None:
                self.requests.record(wire, size)
            try:
                if handler is None:
                    raise NotEmulatedError(f"the emulator lacks {self.service_name} {op}")
                self._throttle(op)
                lose_response = self._injected_fault(op)
                if invalid is not None:
                    raise invalid
                result = self._apply(op, handler, params)
            except ServiceError as err:
                self.outcomes.append((op, err.status, err.code))
                raise
            self.outcomes.append((op, 200, None))
            if lose_response:
                raise ResponseLostError(f"{op} took effect; its response is dropped as injected")
            return result

    def changes_state(self, op: str) -> bool:
        """Whether ``op`` may change the durable state (sends and reads do not)."""
        return not op.startswith(READ_ONLY_PREFIXES)

    def _apply(self, op: str, handler: Handler, params: Params) -> Response:
        """Run ``handler`` and, for a change, save it; with a store, any failure restores the
        state last saved (without one, handlers check everything before they change anything).
        """
        model = self.model.operation_model(op)
        if self.store is None or not self.changes_state(op):
            result = copy.deepcopy(handler(params))
            validate_response(model, result)
            return result
        try:
            result = copy.deepcopy(handler(params))
            validate_response(model, result)
            self.persist()
        except BaseException as err:
            self.load_state(self._saved)
            if isinstance(err, OSError):  # the save failed: the state is as it was
                raise ServiceError(
                    INTERNAL_ERROR[self.api],
                    f"The emulator could not save its state ({err}); nothing was changed.",
                    500,
                ) from err
            raise
        return result

    def load_saved(self) -> None:
        """Load the state saved in the store (if any): the baseline a failed change returns
        to. Raises :class:`~.store.StateFileError` if it cannot be read back.
        """
        if self.store is not None:
            saved = self.store.load(self.service_name)
            if saved is not None:
                try:
                    if not isinstance(saved, dict):
                        raise TypeError(f"expected a JSON object, got {type(saved).__name__}")
                    self.load_state(saved)
                except (KeyError, TypeError, ValueError, AttributeError) as err:
                    path = self.store.state_path(self.service_name)
                    raise StateFileError(path, f"not a valid state: {err!r}") from err
            self._saved = self.to_state()

    def persist(self) -> None:
        """Save the state (with a store) before a change is acknowledged. If the save fails,
        the state is put back as last saved and the ``OSError`` raised.
        """
        if self.store is None:
            return
        with self._lock:
            state = self.to_state()
            try:
                self.store.save(self.service_name, state)
            except OSError:
                self.load_state(self._saved)
                raise
            self._saved = state

    @abstractmethod
    def bad_request(self, message: str) -> ServiceError:
        """The service's error for a request it cannot read."""

    def _throttle(self, op: str) -> None:
        if self.tps is None:
            return
        key = op if self.rate_scope == "operation" else "*"
        now = self.clock()
        last = self._last_admitted.get(key)
        if last is not None and now - last < 1.0 / self.tps - _RATE_EPSILON:
            scope = f"{op} calls" if self.rate_scope == "operation" else "requests"
            raise ServiceError(
                self.throttle_code,
                f"Rate exceeded: at most {self.tps:g} {scope} per second.",
                self.error_status(self.throttle_code),
            )
        self._last_admitted[key] = now

    # --------------------------------------------------------- fault injection

    def fail(
        self,
        operation: str,
        code: str,
        message: str = "Injected failure",
        status: int | None = None,
        times: int = 1,
        on_call: int | None = None,
        **fields: Any,
    ) -> None:
        """Make calls of ``operation`` fail with error ``code``, without changing any state.

        Counting starts at this call: the next ``times`` calls fail or, with ``on_call=N``,
        calls N .. N+times-1 (1-based). Calls refused by the rate limit are not counted.
        ``operation`` is the API or the client method name. ``status`` defaults to the
        service's status for ``code``; ``fields`` fill modeled error members (v2 ``Reason``).
        """
        op = self.operation_name(operation)
        if times < 1 or (on_call is not None and on_call < 1):
            raise ValueError("times and on_call must be >= 1")
        shape = self.model.shape_for_error_code(code)  # type: ignore[arg-type]
        unknown = [f for f in fields if shape is None or f not in shape.members]  # type: ignore[attr-defined]
        if unknown:
            raise ValueError(f"{code} has no modeled field {', '.join(unknown)}")
        if shape is not None:
            members = {k: v for k, v in fields.items() if v is not None}
            if "Message" in shape.members:  # type: ignore[attr-defined]
                members["Message"] = message
            problems = shape_problems(shape, members)
            if problems:
                raise ValueError(f"{code} fields do not match its shape: {'; '.join(problems)}")
        first = 1 if on_call is None else on_call
        fault = _Fault(
            code=code,
            message=message,
            status=self.error_status(code) if status is None else status,
            fields={k: v for k, v in fields.items() if v is not None},
            first=first,
            last=first + times - 1,
        )
        self._add_fault(op, fault)

    def lose_response(self, operation: str, times: int = 1, on_call: int | None = None) -> None:
        """Let calls of ``operation`` take effect but drop their answers (the client sees the
        connection close), as when a response is lost on the network; counted as :meth:`fail`.
        """
        op = self.operation_name(operation)
        if times < 1 or (on_call is not None and on_call < 1):
            raise ValueError("times and on_call must be >= 1")
        first = 1 if on_call is None else on_call
        fault = _Fault("", "", 0, {}, first, first + times - 1, lose_response=True)
        self._add_fault(op, fault)

    def _add_fault(self, op: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(op, []).append(fault)

    def pending_faults(self) -> dict[str, int]:
        """Return operation -> number of injected failures not yet delivered."""
        with self._lock:
            pending = {
                op: sum(f.last - max(f.seen, f.first - 1) for f in faults)
                for op, faults in self._faults.items()
            }
        return {op: n for op, n in pending.items() if n}

    def _injected_fault(self, op: str) -> bool:
        """Raise the error injected for this call; ``True`` if its response is to be lost."""
        hit: _Fault | None = None
        for fault in self._faults.get(op, []):
            fault.seen += 1
            if hit is None and fault.first <= fault.seen <= fault.last:
                hit = fault
        self._faults[op] = [f for f in self._faults.get(op, []) if f.seen < f.last]
        if hit is not None and not hit.lose_response:
            raise ServiceError(hit.code, hit.message, hit.status, injected=True, **hit.fields)
        return hit is not None

    # --------------------------------------------------------- call inspection

    def call_names(self) -> list[str]:
        """Return the operation names received so far, in order."""
        return [op for op, _ in self.calls]

    def count(self, operation: str) -> int:
        """Return how many calls of ``operation`` (API or method name) were received."""
        op = self.operation_name(operation)
        return sum(1 for name, _ in self.calls if name == op)

    def params_of(self, operation: str) -> list[Params]:
        """Return the decoded parameters of every received call of ``operation``, in order."""
        op = self.operation_name(operation)
        return [params for name, params in self.calls if name == op]

    def operation_name(self, operation: str) -> str:
        """The API name of ``operation``, given as API or client method name."""
        names = self.model.operation_names
        if operation in names:
            return operation
        by_method = {xform_name(name): name for name in names}
        if operation in by_method:
            return by_method[operation]
        raise ValueError(f"{self.service_name} has no operation {operation}")

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message sent (not dry runs), oldest first, as in ``messages.jsonl``."""
        return self.emitter.messages

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event record this process emitted, oldest first."""
        return self.emitter.events

    # ------------------------------------------------- out-of-band mutations

    def add_destination(
        self,
        set_name: str,
        name: str,
        sink: Mapping[str, Mapping[str, str]],
        matching_event_types: Iterable[str] | None = None,
        enabled: bool = True,
    ) -> EventDestination:
        """Add a destination out of band, e.g. ``sink={"SnsDestination": {"TopicArn": ...}}``;
        no call is recorded. ``matching_event_types`` defaults to every event.
        """
        ((sink_type, fields),) = sink.items()
        if sink_type not in self.sink_members:
            raise ValueError(f"unknown sink {sink_type}")
        types = list(self.all_event_types if matching_event_types is None else matching_event_types)
        dest = EventDestination(name, types, sink_type, dict(fields), enabled)
        with self._lock:
            self.sets[set_name].event_destinations[name] = dest
            self.persist()
        return dest

    def remove_destination(self, set_name: str, dest_name: str) -> None:
        """Delete a destination out of band; no call is recorded."""
        with self._lock:
            del self.sets[set_name].event_destinations[dest_name]
            self.persist()

    def remove_set(self, name: str) -> None:
        """Delete a set out of band; no call is recorded."""
        with self._lock:
            del self.sets[name]
            self.persist()

    # ------------------------------------------------------- in-process wiring

    def attach(self, client: Any) -> Any:
        """Answer every call made through boto3 ``client`` in process; returns ``client``.

        The request botocore serialized is decoded as the HTTP server would decode it and the
        answer is rendered on the wire and parsed by botocore's own parser, so the client sees
        what it would see over HTTP, minus the socket and botocore's retries.
        """
        if client.meta.service_model.service_name != self.service_name:
            raise ValueError(
                f"expected a {self.service_name} client, "
                f"got {client.meta.service_model.service_name}"
            )
        # parameter_validation=False (config or profile) leaves a bare serializer behind.
        if not isinstance(getattr(client, "_serializer", None), ParamValidationDecorator):
            raise ValueError("attach relies on botocore parameter validation; keep it enabled")
        client.meta.events.register(
            f"before-call.{self.service_name}.*", self._on_before_call, unique_id=self._hook_id
        )
        return client

    def detach(self, client: Any) -> None:
        """Stop answering calls made through ``client``."""
        client.meta.events.unregister(
            f"before-call.{self.service_name}.*", self._on_before_call, unique_id=self._hook_id
        )

    @property
    def _hook_id(self) -> str:
        return f"cdk-smsvoice-emulator-{self.service_name}-{id(self)}"

    def _on_before_call(
        self, model: OperationModel, params: Mapping[str, Any], **_: Any
    ) -> tuple[AWSResponse, Response]:
        try:
            wire = decode_botocore_request(self.model, params)
        except UnknownOperationError as err:
            raise AssertionError(str(err)) from err
        if wire.operation != model.name:
            raise AssertionError(
                f"{model.name} was serialized as {wire.method} {wire.path}, "
                f"which the service routes to {wire.operation}"
            )
        try:
            result = self.invoke(wire.operation, wire.params, wire)
            status, headers, body = encode_response(model, result)
        except ResponseLostError:
            raise ConnectionClosedError(endpoint_url=params.get("url") or "") from None
        except ServiceError as err:
            status, headers, body = err.encode(self.model)
        parsed = parse_response(model, status, headers, body)
        return AWSResponse(params.get("url") or "", status, headers, None), parsed  # type: ignore[arg-type]


def encode_token(offset: int) -> str:
    """An opaque pagination token for the item at ``offset``."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str) -> int | None:
    """The offset in a token from :func:`encode_token`, or ``None`` if it is not one."""
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        return None
    return offset
