"""Stateful in-memory fake of the ``pinpoint-sms-voice`` (v1) API for real botocore clients.

``V1Service().attach(client)`` answers every call made through ``client`` from the
``before-call`` event, the same hook ``botocore.stub.Stubber`` uses, so:

* botocore's own parameter validation still runs first (types, unknown members). Such requests
  raise ``ParamValidationError`` and never reach the fake. The v1 model marks almost nothing as
  required and has no length or pattern constraints, so the fake enforces the members the API
  reference lists as required, the name rules and the remaining model constraints (the
  ``EventType`` enum) itself; violations come back as ``BadRequestException`` (400).
* The fake does not trust the pre-serialization parameters: it routes the *serialized* request
  (HTTP method and ``url_path``, URL-decoding the path parameters), reads ``PageSize`` and
  ``NextToken`` back from the encoded query string and the other members from the JSON body,
  and checks that this decodes to the operation botocore meant to call.
* Responses are rendered as the service would send them (JSON body, ``x-amzn-ErrorType``
  header on errors) and parsed by botocore's own ``rest-json`` parser, including its second
  pass for modeled error fields, so ``error.response["Error"]["Code"]`` and
  ``ResponseMetadata.HTTPStatusCode`` are what a real response would give. Every successful
  response is validated against the output shape first, and every error the fake raises by
  itself must be one the operation declares, with the model's HTTP status; a mismatch raises
  ``AssertionError``.
* Calls are answered before botocore's retry machinery, so an injected or rate-limit
  ``TooManyRequestsException`` reaches the caller at once instead of being retried.

Rules taken from the API reference and the model:

* Names of configuration sets and event destinations are 1-64 characters of
  ``[A-Za-z0-9_-]``. Every operation checks the names it receives (400), including lookups.
* At most 10,000 configuration sets per account and region and 10 event destinations per set;
  beyond that ``LimitExceededException`` (412).
* An event destination has exactly one sink (SNS, CloudWatch Logs or Kinesis Data Firehose)
  with all of its fields, and at least one of the seven voice event types.
* ``UpdateConfigurationSetEventDestination`` is a ``PUT`` of a complete
  ``EventDestinationDefinition`` (the reference marks the definition and its
  ``MatchingEventTypes`` as required), so it replaces the destination as a whole and needs
  exactly one sink too. It cannot change the kind of sink: that answers
  ``BadRequestException``; delete the destination and create it again instead.
* ``Enabled`` is optional and the reference states no default. It only says events are sent
  *if* the destination is enabled, so an omitted ``Enabled`` (on create and on the full-
  replacement update) leaves the destination disabled. ``default_enabled=True`` flips that for
  code that must not depend on the choice. ``GetConfigurationSetEventDestinations`` always
  reports ``Enabled``.
* ``SendVoiceMessage`` declares no ``NotFoundException``, so naming a configuration set that
  does not exist answers ``BadRequestException``. ``ConfigurationSetName`` itself is optional
  there (the reference's field table says ``Required: False``). Origination and destination
  numbers are required; a message ``Text`` must be non-empty and at most 6,000 characters.
* ``ListConfigurationSets`` returns names in creation order; ``PageSize`` (a string on the
  wire) must be a positive integer, ``NextToken`` an opaque token from an earlier page.
* Optional rate limit (``max_rps``): v1 allows about one request per second account-wide.
  A call arriving less than ``1 / max_rps`` seconds of ``clock`` after the last call that was
  let through answers ``TooManyRequestsException`` (429). Throttled calls are recorded in
  ``calls`` but do not move the window, and do not count towards ``fail(on_call=...)``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import botocore.session
from botocore import xform_name
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.model import (
    OperationModel,
    ServiceModel,
    Shape,
)
from botocore.parsers import create_parser
from botocore.validate import ParamValidationDecorator

from cdk_smsvoice.emulator.model_checks import (
    shape_problems,
    validate_response,
    validate_shape,
)

SERVICE_NAME = "pinpoint-sms-voice"
EVENT_NAME = "before-call.pinpoint-sms-voice.*"
EVENT_TYPES = (
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
)
SINK_FIELDS: dict[str, tuple[str, ...]] = {
    "CloudWatchLogsDestination": ("IamRoleArn", "LogGroupArn"),
    "KinesisFirehoseDestination": ("DeliveryStreamArn", "IamRoleArn"),
    "SnsDestination": ("TopicArn",),
}
SINK_MEMBERS = tuple(SINK_FIELDS)
MESSAGE_TYPES = ("CallInstructionsMessage", "PlainTextMessage", "SSMLMessage")
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_CONFIGURATION_SETS = 10_000
MAX_EVENT_DESTINATIONS = 10
MAX_MESSAGE_CHARACTERS = 6_000
# Named by the API reference but absent from botocore's model (which has
# InternalServiceErrorException); such codes reach the caller as a plain ClientError.
UNMODELED_STATUS = {"InternalServerErrorException": 500}
_RATE_EPSILON = 1e-9  # tolerate float error when a virtual clock steps by exactly 1/max_rps

Params = dict[str, Any]
Response = dict[str, Any]


@cache
def service_model() -> ServiceModel:
    """Return botocore's (cached) service model for ``pinpoint-sms-voice``."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def error_shape(code: str) -> Shape | None:
    """Return the model's shape for error ``code``, or ``None`` if it is not modeled."""
    # botocore-stubs annotate the code as int; botocore looks it up by name.
    shape: Shape | None = cast(Any, service_model()).shape_for_error_code(code)
    return shape


def default_status(code: str) -> int:
    """Return the HTTP status botocore's model gives error ``code`` (400 if unmodeled)."""
    shape = error_shape(code)
    if shape is not None:
        status: int = shape.metadata["error"]["httpStatusCode"]
        return status
    return UNMODELED_STATUS.get(code, 400)


# ------------------------------------------------------------------ wire decoding


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    path_members: tuple[str, ...]  # input members, in the order of the URI's {labels}
    query_members: dict[str, str]  # query key -> input member
    body_members: frozenset[str]


@cache
def _routes() -> tuple[_Route, ...]:
    routes = []
    for op in service_model().operation_names:
        model = service_model().operation_model(op)
        members = model.input_shape.members if model.input_shape else {}
        by_label = {
            m.serialization.get("name", name): name
            for name, m in members.items()
            if m.serialization.get("location") == "uri"
        }
        uri = model.http["requestUri"].split("?", 1)[0]
        regex, path_members = "", []
        for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", uri):
            regex += re.escape(literal)
            if label:
                greedy = label.endswith("+")
                path_members.append(by_label[label.rstrip("+")])
                regex += "(.*)" if greedy else "([^/]*)"
        routes.append(
            _Route(
                operation=op,
                method=model.http["method"],
                pattern=re.compile(regex),
                path_members=tuple(path_members),
                query_members={
                    m.serialization.get("name", name): name
                    for name, m in members.items()
                    if m.serialization.get("location") == "querystring"
                },
                body_members=frozenset(
                    name for name, m in members.items() if "location" not in m.serialization
                ),
            )
        )
    return tuple(routes)


@dataclass(frozen=True)
class WireRequest:
    """One request as serialized by the client: what the service would have received."""

    operation: str
    method: str
    path: str  # still URL-encoded
    query: tuple[tuple[str, str], ...]
    body: bytes


def _query_pairs(request: Mapping[str, Any]) -> list[tuple[str, str]]:
    url = request.get("url")
    if url:  # the final, encoded URL botocore would send
        return parse_qsl(urlsplit(url).query, keep_blank_values=True)
    query = request.get("query_string") or {}
    encoded = query if isinstance(query, str) else urlencode(query, doseq=True)
    return parse_qsl(encoded, keep_blank_values=True)


def decode_request(request: Mapping[str, Any]) -> tuple[str, Params, str | None]:
    """Decode a serialized request into ``(operation, params, problem)``.

    ``params`` are the input members recovered from the URI, query string and JSON body;
    ``problem`` describes a body the service could not read (``None`` if fine). Raises
    ``AssertionError`` when no v1 operation serves the request's method and path.
    """
    method, path = request["method"], request["url_path"]
    for route in _routes():
        match = route.pattern.fullmatch(path) if route.method == method else None
        if match is not None:
            break
    else:
        raise AssertionError(f"no {SERVICE_NAME} operation serves {method} {path}")
    params: Params = {}
    problem: str | None = None
    raw = request.get("body") or b""
    if raw:
        try:
            body = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        except (UnicodeDecodeError, ValueError):
            body, problem = {}, "The request body is not valid JSON."
        if not isinstance(body, dict):
            body, problem = {}, "The request body must be a JSON object."
        misplaced = sorted(k for k in body if k not in route.body_members)
        if misplaced and problem is None:
            problem = f"Unexpected fields in the request body: {', '.join(misplaced)}."
        params.update({k: v for k, v in body.items() if k in route.body_members})
    for key, value in _query_pairs(request):
        member = route.query_members.get(key)
        if member is not None:
            params.setdefault(member, value)
    for member, value in zip(route.path_members, match.groups(), strict=True):
        params[member] = unquote(value)
    return route.operation, params, problem


# ------------------------------------------------------------------ state


class _ServiceError(Exception):
    """An API error the fake returns to the client."""

    def __init__(
        self, code: str, message: str, status: int | None = None, *, injected: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = default_status(code) if status is None else status
        self.injected = injected


def _bad(message: str) -> _ServiceError:
    return _ServiceError("BadRequestException", message)


def _not_found(message: str) -> _ServiceError:
    return _ServiceError("NotFoundException", message)


@dataclass
class EventDestination:
    """One event destination of a configuration set."""

    name: str
    matching_event_types: list[str]
    sink_type: str  # one of SINK_MEMBERS
    sink: dict[str, str]
    enabled: bool = False

    def to_api(self) -> Response:
        """Render as the API's ``EventDestination`` structure."""
        return {
            "Name": self.name,
            "Enabled": self.enabled,
            "MatchingEventTypes": list(self.matching_event_types),
            self.sink_type: dict(self.sink),
        }


@dataclass
class ConfigurationSet:
    """State of one configuration set; ``event_destinations`` keeps insertion order."""

    name: str
    event_destinations: dict[str, EventDestination] = field(default_factory=dict)


@dataclass
class VoiceMessage:
    """A message accepted by ``SendVoiceMessage``."""

    message_id: str
    origination_phone_number: str
    destination_phone_number: str
    configuration_set_name: str | None = None
    caller_id: str | None = None
    content: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Fault:
    code: str
    message: str
    status: int
    first: int  # 1-based, counted over admitted calls of the operation after fail()
    last: int
    seen: int = 0


class V1Service:
    """In-memory ``pinpoint-sms-voice`` (v1); see the module docstring."""

    def __init__(
        self,
        account: str = "123456789012",
        region: str = "us-east-1",
        *,
        clock: Callable[[], float] | None = None,
        max_rps: float | None = None,
        default_page_size: int = 100,
        default_enabled: bool = False,
    ) -> None:
        if max_rps is not None and max_rps <= 0:
            raise ValueError("max_rps must be positive")
        if default_page_size < 1:
            raise ValueError("default_page_size must be >= 1")
        self.account = account
        self.region = region
        self.clock: Callable[[], float] = clock or time.monotonic
        self.max_rps = max_rps
        self.default_page_size = default_page_size
        self.default_enabled = default_enabled
        self.sets: dict[str, ConfigurationSet] = {}
        self.voice_messages: list[VoiceMessage] = []
        self.calls: list[tuple[str, Params]] = []
        self.requests: list[WireRequest] = []
        # (operation, HTTP status, error code or None), parallel to ``calls``
        self.outcomes: list[tuple[str, int, str | None]] = []
        self._last_admitted: float | None = None
        self._faults: dict[str, list[_Fault]] = {}
        self._lock = threading.RLock()
        self._handlers: dict[str, Callable[[Params], Response]] = {
            "CreateConfigurationSet": self._create_configuration_set,
            "DeleteConfigurationSet": self._delete_configuration_set,
            "ListConfigurationSets": self._list_configuration_sets,
            "GetConfigurationSetEventDestinations": self._get_event_destinations,
            "CreateConfigurationSetEventDestination": self._create_event_destination,
            "UpdateConfigurationSetEventDestination": self._update_event_destination,
            "DeleteConfigurationSetEventDestination": self._delete_event_destination,
            "SendVoiceMessage": self._send_voice_message,
        }

    # ------------------------------------------------------------------ wiring

    def attach(self, client: Any) -> Any:
        """Answer every call made through ``client`` from this fake; returns ``client``."""
        model = client.meta.service_model
        if model.service_name != SERVICE_NAME:
            raise ValueError(f"expected a {SERVICE_NAME} client, got {model.service_name}")
        # parameter_validation=False (config or profile) leaves a bare serializer behind.
        validating = isinstance(getattr(client, "_serializer", None), ParamValidationDecorator)
        if not validating:
            raise ValueError("the fake relies on botocore parameter validation; keep it enabled")
        client.meta.events.register(
            EVENT_NAME, self._on_before_call, unique_id=f"fake-smsvoice-v1-{id(self)}"
        )
        return client

    def detach(self, client: Any) -> None:
        """Stop answering calls made through ``client``."""
        client.meta.events.unregister(
            EVENT_NAME, self._on_before_call, unique_id=f"fake-smsvoice-v1-{id(self)}"
        )

    def _on_before_call(
        self, model: OperationModel, params: Mapping[str, Any], **_: Any
    ) -> tuple[AWSResponse, Response]:
        op, request, problem = decode_request(params)
        if op != model.name:
            raise AssertionError(
                f"{model.name} was serialized as {params['method']} {params['url_path']}, "
                f"which the service routes to {op}"
            )
        raw = params.get("body") or b""
        wire = WireRequest(
            operation=op,
            method=params["method"],
            path=params["url_path"],
            query=tuple(_query_pairs(params)),
            body=raw.encode() if isinstance(raw, str) else bytes(raw),
        )
        with self._lock:
            self.calls.append((op, copy.deepcopy(request)))
            self.requests.append(wire)
            try:
                self._throttle()
                self._raise_injected_fault(op)
                if problem is not None:
                    raise _bad(problem)
                self._check_request(model, request)
                result = copy.deepcopy(self._handlers[op](request))
            except _ServiceError as err:
                self.outcomes.append((op, err.status, err.code))
                return self._error_response(model, err, params)
            self.outcomes.append((op, 200, None))
        validate_response(model, result)
        return _wire_response(model, 200, result, params)

    def _error_response(
        self, model: OperationModel, err: _ServiceError, request: Mapping[str, Any]
    ) -> tuple[AWSResponse, Response]:
        shape = error_shape(err.code)
        if not err.injected:
            declared = {s.name: s.metadata["error"]["httpStatusCode"] for s in model.error_shapes}
            if declared.get(err.code) != err.status:
                raise AssertionError(
                    f"{model.name} does not declare {err.code} with status {err.status}"
                )
        body = {"Message": err.message}
        if shape is not None:
            validate_shape(shape, body, f"{err.code} error body")
        return _wire_response(model, err.status, body, request, error_code=err.code)

    def _check_request(self, model: OperationModel, request: Params) -> None:
        if model.input_shape is None:
            raise AssertionError(f"{model.name} has no input shape")
        problems = shape_problems(model.input_shape, request)
        if problems:
            raise _bad("; ".join(problems))

    def _throttle(self) -> None:
        if self.max_rps is None:
            return
        now = self.clock()
        last = self._last_admitted
        if last is not None and now - last < 1.0 / self.max_rps - _RATE_EPSILON:
            raise _ServiceError(
                "TooManyRequestsException",
                f"Rate exceeded: at most {self.max_rps:g} requests per second.",
            )
        self._last_admitted = now

    # --------------------------------------------------------- fault injection

    def fail(
        self,
        operation: str,
        code: str,
        message: str = "Injected failure",
        status: int | None = None,
        times: int = 1,
        on_call: int | None = None,
    ) -> None:
        """Make calls of ``operation`` fail with error ``code``, without changing any state.

        Counting starts at this call: the next ``times`` calls fail or, with ``on_call=N``,
        calls N .. N+times-1 (1-based). Calls refused by the rate limit are not counted.
        ``operation`` is the API or the client method name. ``status`` defaults to the
        model's status for ``code`` (TooManyRequests 429, InternalServiceError 500,
        BadRequest 400, NotFound 404, AlreadyExists 409, LimitExceeded 412; else 400).
        """
        op = self._operation_name(operation)
        if times < 1 or (on_call is not None and on_call < 1):
            raise ValueError("times and on_call must be >= 1")
        first = 1 if on_call is None else on_call
        fault = _Fault(
            code=code,
            message=message,
            status=default_status(code) if status is None else status,
            first=first,
            last=first + times - 1,
        )
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

    def _raise_injected_fault(self, op: str) -> None:
        hit: _Fault | None = None
        for fault in self._faults.get(op, []):
            fault.seen += 1
            if hit is None and fault.first <= fault.seen <= fault.last:
                hit = fault
        self._faults[op] = [f for f in self._faults.get(op, []) if f.seen < f.last]
        if hit is not None:
            raise _ServiceError(hit.code, hit.message, hit.status, injected=True)

    # --------------------------------------------------------- call inspection

    def call_names(self) -> list[str]:
        """Return the operation names received so far, in order."""
        return [op for op, _ in self.calls]

    def count(self, operation: str) -> int:
        """Return how many calls of ``operation`` (API or method name) were received."""
        op = self._operation_name(operation)
        return sum(1 for name, _ in self.calls if name == op)

    def params_of(self, operation: str) -> list[Params]:
        """Return the decoded parameters of every received call of ``operation``, in order."""
        op = self._operation_name(operation)
        return [params for name, params in self.calls if name == op]

    # ------------------------------------------------- out-of-band mutations

    def add_set(self, name: str) -> ConfigurationSet:
        """Create a set as if someone else had; no call is recorded."""
        with self._lock:
            if name in self.sets:
                raise ValueError(f"configuration set {name} already exists")
            conf = ConfigurationSet(name=name)
            self.sets[name] = conf
            return conf

    def add_destination(
        self,
        set_name: str,
        name: str,
        sink: Mapping[str, Mapping[str, str]],
        matching_event_types: Iterable[str] = EVENT_TYPES,
        enabled: bool = True,
    ) -> EventDestination:
        """Add a destination out of band, e.g. ``sink={"SnsDestination": {"TopicArn": ...}}``."""
        ((sink_type, fields),) = sink.items()
        if sink_type not in SINK_MEMBERS:
            raise ValueError(f"unknown sink {sink_type}")
        dest = EventDestination(name, list(matching_event_types), sink_type, dict(fields), enabled)
        with self._lock:
            self.sets[set_name].event_destinations[name] = dest
        return dest

    def remove_destination(self, set_name: str, dest_name: str) -> None:
        """Delete a destination out of band; no call is recorded."""
        with self._lock:
            del self.sets[set_name].event_destinations[dest_name]

    def remove_set(self, name: str) -> None:
        """Delete a set out of band; no call is recorded."""
        with self._lock:
            del self.sets[name]

    # ----------------------------------------------------------------- helpers

    def _operation_name(self, operation: str) -> str:
        names = service_model().operation_names
        if operation in names:
            return operation
        by_method = {xform_name(name): name for name in names}
        if operation in by_method:
            return by_method[operation]
        raise ValueError(f"{SERVICE_NAME} has no operation {operation}")

    def _set(self, name: str) -> ConfigurationSet:
        conf = self.sets.get(name)
        if conf is None:
            raise _not_found(f"Configuration set '{name}' does not exist.")
        return conf

    @staticmethod
    def _destination(conf: ConfigurationSet, name: str) -> EventDestination:
        dest = conf.event_destinations.get(name)
        if dest is None:
            raise _not_found(f"Event destination '{name}' does not exist in '{conf.name}'.")
        return dest

    def _definition(self, name: str, params: Params) -> EventDestination:
        definition = params.get("EventDestination")
        if definition is None:
            raise _bad("EventDestination is required.")
        types = definition.get("MatchingEventTypes")
        if not types:
            raise _bad("MatchingEventTypes must contain at least one event type.")
        unknown = [t for t in types if t not in EVENT_TYPES]
        if unknown:
            raise _bad(f"Unknown event types {unknown}; allowed: {', '.join(EVENT_TYPES)}.")
        given = [s for s in SINK_MEMBERS if definition.get(s) is not None]
        if len(given) != 1:
            raise _bad(
                f"Exactly one of {', '.join(SINK_MEMBERS)} must be specified; "
                f"got {', '.join(given) or 'none'}."
            )
        sink_type = given[0]
        sink = definition[sink_type]
        missing = [f for f in SINK_FIELDS[sink_type] if not sink.get(f)]
        if missing:
            raise _bad(f"{sink_type} requires {', '.join(missing)}.")
        enabled = definition.get("Enabled")
        return EventDestination(
            name=name,
            matching_event_types=list(types),
            sink_type=sink_type,
            sink={f: sink[f] for f in SINK_FIELDS[sink_type]},
            enabled=self.default_enabled if enabled is None else enabled,
        )

    # -------------------------------------------------------------- operations

    def _create_configuration_set(self, params: Params) -> Response:
        name = _name(params, "ConfigurationSetName", "configuration set")
        if name in self.sets:
            raise _ServiceError(
                "AlreadyExistsException", f"Configuration set '{name}' already exists."
            )
        if len(self.sets) >= MAX_CONFIGURATION_SETS:
            raise _ServiceError(
                "LimitExceededException",
                f"An account can have at most {MAX_CONFIGURATION_SETS} configuration sets "
                "per region.",
            )
        self.sets[name] = ConfigurationSet(name=name)
        return {}

    def _delete_configuration_set(self, params: Params) -> Response:
        conf = self._set(_name(params, "ConfigurationSetName", "configuration set"))
        del self.sets[conf.name]
        return {}

    def _list_configuration_sets(self, params: Params) -> Response:
        size = self.default_page_size
        if "PageSize" in params:
            raw = params["PageSize"]
            if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
                raise _bad(f"PageSize must be a positive integer, got '{raw}'.")
            size = int(raw)
        start = _decode_token(params["NextToken"]) if "NextToken" in params else 0
        names = list(self.sets)
        result: Response = {"ConfigurationSets": names[start : start + size]}
        if start + size < len(names):
            result["NextToken"] = _encode_token(start + size)
        return result

    def _get_event_destinations(self, params: Params) -> Response:
        conf = self._set(_name(params, "ConfigurationSetName", "configuration set"))
        return {"EventDestinations": [d.to_api() for d in conf.event_destinations.values()]}

    def _create_event_destination(self, params: Params) -> Response:
        set_name = _name(params, "ConfigurationSetName", "configuration set")
        name = _name(params, "EventDestinationName", "event destination")
        dest = self._definition(name, params)
        conf = self._set(set_name)
        if name in conf.event_destinations:
            raise _ServiceError(
                "AlreadyExistsException",
                f"Event destination '{name}' already exists in '{conf.name}'.",
            )
        if len(conf.event_destinations) >= MAX_EVENT_DESTINATIONS:
            raise _ServiceError(
                "LimitExceededException",
                f"A configuration set can have at most {MAX_EVENT_DESTINATIONS} "
                "event destinations.",
            )
        conf.event_destinations[name] = dest
        return {}

    def _update_event_destination(self, params: Params) -> Response:
        set_name = _name(params, "ConfigurationSetName", "configuration set")
        name = _name(params, "EventDestinationName", "event destination")
        new = self._definition(name, params)
        conf = self._set(set_name)
        old = self._destination(conf, name)
        if new.sink_type != old.sink_type:
            raise _bad(
                f"Event destination '{name}' is a {old.sink_type}; its destination type cannot "
                f"be changed to {new.sink_type}. Delete it and create it again."
            )
        conf.event_destinations[name] = new
        return {}

    def _delete_event_destination(self, params: Params) -> Response:
        conf = self._set(_name(params, "ConfigurationSetName", "configuration set"))
        dest = self._destination(conf, _name(params, "EventDestinationName", "event destination"))
        del conf.event_destinations[dest.name]
        return {}

    def _send_voice_message(self, params: Params) -> Response:
        numbers = ("OriginationPhoneNumber", "DestinationPhoneNumber")
        missing = [n for n in numbers if not params.get(n)]
        if missing:
            raise _bad(f"{', '.join(missing)} is required.")
        set_name = params.get("ConfigurationSetName")
        if set_name is not None:
            set_name = _name(params, "ConfigurationSetName", "configuration set")
            if set_name not in self.sets:  # SendVoiceMessage declares no NotFoundException
                raise _bad(f"Configuration set '{set_name}' does not exist.")
        content = params.get("Content") or {}
        for kind in (k for k in MESSAGE_TYPES if k in content):
            text = content[kind].get("Text")
            if not text:
                raise _bad(f"Content.{kind}.Text is required.")
            if len(text) > MAX_MESSAGE_CHARACTERS:
                raise _bad(
                    f"Content.{kind}.Text must be at most {MAX_MESSAGE_CHARACTERS} characters."
                )
        message = VoiceMessage(
            message_id=str(uuid.uuid4()),
            origination_phone_number=params["OriginationPhoneNumber"],
            destination_phone_number=params["DestinationPhoneNumber"],
            configuration_set_name=set_name,
            caller_id=params.get("CallerId"),
            content=copy.deepcopy(content),
        )
        self.voice_messages.append(message)
        return {"MessageId": message.message_id}


def _name(params: Params, member: str, kind: str) -> str:
    value = params.get(member)
    if value is None:
        raise _bad(f"{member} is required.")
    if not isinstance(value, str) or NAME_PATTERN.fullmatch(value) is None:
        raise _bad(f"Invalid {kind} name '{value}': use 1-64 characters of A-Z, a-z, 0-9, _ and -.")
    return value


def _wire_response(
    model: OperationModel,
    status: int,
    body: Mapping[str, Any],
    request: Mapping[str, Any],
    error_code: str | None = None,
) -> tuple[AWSResponse, Response]:
    """Render ``body`` as the service would and parse it the way botocore's endpoint does."""
    headers = HeadersDict(
        {
            "Content-Type": "application/json",
            "x-amzn-RequestId": str(uuid.uuid4()),
        }
    )
    if error_code is not None:
        headers["x-amzn-ErrorType"] = error_code
    payload = json.dumps(body).encode()
    response_dict: dict[str, Any] = {
        "headers": headers,
        "status_code": status,
        "body": payload,
        "context": {"operation_name": model.name},
    }
    if model.output_shape is None:
        raise AssertionError(f"{model.name} has no output shape")
    parser = create_parser(service_model().resolved_protocol)
    parsed: Response = parser.parse(response_dict, model.output_shape)
    if status >= 300:  # botocore's second pass for modeled error fields
        code = parsed.get("Error", {}).get("Code")
        shape = error_shape(code) if code else None
        if shape is not None:
            parsed.update(parser.parse(response_dict, shape))
    parsed["ResponseMetadata"]["RetryAttempts"] = 0
    # botocore only reads status_code from this object when before-call answers the call
    http = AWSResponse(request.get("url") or "", status, cast(Any, headers), None)
    return http, parsed


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise _bad("The NextToken is invalid.") from exc
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise _bad("The NextToken is invalid.")
    return offset
