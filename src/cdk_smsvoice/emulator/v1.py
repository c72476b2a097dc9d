"""The emulated ``pinpoint-sms-voice`` (v1) API (REST-JSON): every operation of the model.

The v1 model marks almost nothing as required and has no length or pattern constraints, so the
service enforces the members the API reference lists as required, the name rules and the
remaining model constraints (the ``EventType`` enum) itself; violations answer
``BadRequestException`` (400). Every error it raises by itself must be one the operation
declares, with the model's HTTP status.

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
* Optional rate limit (``tps``; v1 allows about one request per second account-wide, which is
  ``rate_scope="account"``): a call arriving less than ``1 / tps`` seconds of ``clock`` after
  the last call let through answers ``TooManyRequestsException`` (429). Throttled calls are
  recorded in ``calls`` but do not move the window, nor count towards ``fail(on_call=...)``.
* ``SendVoiceMessage`` records the message and emits call events (see :mod:`.events`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel, Shape

from .destination import EventDestination
from .errors import ServiceError
from .events import Message
from .model_checks import service_model, shape_problems
from .records import SendFacts
from .service import (
    EmulatedService,
    Handler,
    Params,
    RateScope,
    Response,
    decode_token,
    encode_token,
)
from .store import StateStore

SERVICE_NAME = "pinpoint-sms-voice"
EVENT_TYPES: tuple[str, ...] = tuple(
    getattr(service_model(SERVICE_NAME).shape_for("EventType"), "enum", ())
)
"""The seven voice event types, as the model enumerates them."""
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


def error_shape(code: str) -> Shape | None:
    """Return the model's shape for error ``code``, or ``None`` if it is not modeled."""
    # botocore-stubs annotate the code as int; botocore looks it up by name.
    shape: Shape | None = service_model(SERVICE_NAME).shape_for_error_code(code)  # type: ignore[arg-type]
    return shape


def default_status(code: str) -> int:
    """Return the HTTP status botocore's model gives error ``code`` (400 if unmodeled)."""
    shape = error_shape(code)
    if shape is not None:
        status: int = shape.metadata["error"]["httpStatusCode"]
        return status
    return UNMODELED_STATUS.get(code, 400)


# ------------------------------------------------------------------ state


def _error(code: str, message: str) -> ServiceError:
    return ServiceError(code, message, default_status(code))


def _bad(message: str) -> ServiceError:
    return _error("BadRequestException", message)


def _not_found(message: str) -> ServiceError:
    return _error("NotFoundException", message)


@dataclass
class ConfigurationSet:
    """State of one configuration set; ``event_destinations`` keeps insertion order."""

    name: str
    event_destinations: dict[str, EventDestination] = field(default_factory=dict)

    def to_state(self) -> dict[str, Any]:
        """As JSON-ready data."""
        dests = [d.to_state() for d in self.event_destinations.values()]
        return {"name": self.name, "event_destinations": dests}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ConfigurationSet:
        """Read back what :meth:`to_state` wrote."""
        dests = [EventDestination.from_state(d) for d in state["event_destinations"]]
        return cls(name=state["name"], event_destinations={d.name: d for d in dests})


@dataclass
class VoiceMessage:
    """A message accepted by ``SendVoiceMessage``."""

    message_id: str
    origination_phone_number: str
    destination_phone_number: str
    configuration_set_name: str | None = None
    caller_id: str | None = None
    content: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> VoiceMessage:
        """Read a line of the message log."""
        request = record["request"]
        return cls(
            message_id=record["messageId"],
            origination_phone_number=request["OriginationPhoneNumber"],
            destination_phone_number=request["DestinationPhoneNumber"],
            configuration_set_name=record["configurationSetName"],
            caller_id=request.get("CallerId"),
            content=copy.deepcopy(request.get("Content") or {}),
        )


class V1Service(EmulatedService[ConfigurationSet]):
    """The emulated ``pinpoint-sms-voice`` (v1); see the module docstring.

    ``store`` (default: none) makes the state durable and is read back at construction;
    ``clock``, ``tps`` and ``rate_scope`` set the rate limit (default: none), see
    :class:`EmulatedService`. ``default_page_size`` is ListConfigurationSets' page size;
    ``default_enabled`` is what an omitted ``Enabled`` means (default: disabled).
    """

    service_name = SERVICE_NAME
    api = "v1"
    sink_members = SINK_MEMBERS
    all_event_types = EVENT_TYPES
    throttle_code = "TooManyRequestsException"

    def __init__(
        self,
        account: str = "123456789012",
        region: str = "us-east-1",
        *,
        clock: Any = None,
        tps: float | None = None,
        rate_scope: RateScope = "operation",
        store: StateStore | None = None,
        default_page_size: int = 100,
        default_enabled: bool = False,
    ) -> None:
        if default_page_size < 1:
            raise ValueError("default_page_size must be >= 1")
        self.account = account
        self.region = region
        self.default_page_size = default_page_size
        self.default_enabled = default_enabled
        super().__init__(clock=clock, tps=tps, rate_scope=rate_scope, store=store)
        self.load_saved()

    def handlers(self) -> dict[str, Handler]:
        """Operation name -> handler, for every operation of the v1 model."""
        return {
            "CreateConfigurationSet": self._create_configuration_set,
            "DeleteConfigurationSet": self._delete_configuration_set,
            "ListConfigurationSets": self._list_configuration_sets,
            "GetConfigurationSetEventDestinations": self._get_event_destinations,
            "CreateConfigurationSetEventDestination": self._create_event_destination,
            "UpdateConfigurationSetEventDestination": self._update_event_destination,
            "DeleteConfigurationSetEventDestination": self._delete_event_destination,
            "SendVoiceMessage": self._send_voice_message,
        }

    def check_request(self, model: OperationModel, params: Params) -> None:
        """``BadRequestException`` if ``params`` break the model's input shape."""
        if model.input_shape is None:
            raise AssertionError(f"{model.name} has no input shape")
        problems = shape_problems(model.input_shape, params)
        if problems:
            raise _bad("; ".join(problems))

    def bad_request(self, message: str) -> ServiceError:
        """``BadRequestException`` for a request body that cannot be read."""
        return _bad(message)

    def error_status(self, code: str) -> int:
        """The model's HTTP status for error ``code``."""
        return default_status(code)

    def invoke(self, op: str, params: Params, wire: Any = None) -> Response:
        """As :meth:`EmulatedService.invoke`; an error the service raises by itself must be one
        ``op`` declares, with the model's status (an ``AssertionError`` otherwise).
        """
        try:
            return super().invoke(op, params, wire)
        except ServiceError as err:
            if not err.injected:
                model = self.model.operation_model(op)
                declared = {
                    s.name: s.metadata["error"]["httpStatusCode"] for s in model.error_shapes
                }
                if declared.get(err.code) != err.status:
                    raise AssertionError(
                        f"{op} does not declare {err.code} with status {err.status}"
                    ) from err
            raise

    def to_state(self) -> dict[str, Any]:
        """The configuration sets, as JSON-ready data."""
        return {"sets": [conf.to_state() for conf in self.sets.values()]}

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Replace the configuration sets with what :meth:`to_state` returned."""
        self.sets = {s["name"]: ConfigurationSet.from_state(s) for s in state["sets"]}

    @property
    def voice_messages(self) -> list[VoiceMessage]:
        """Every message sent, oldest first."""
        return [VoiceMessage.from_record(r) for r in self.emitter.messages]

    # ------------------------------------------------- out-of-band mutations

    def add_set(self, name: str) -> ConfigurationSet:
        """Create a set as if someone else had; no call is recorded."""
        with self._lock:
            if name in self.sets:
                raise ValueError(f"configuration set {name} already exists")
            conf = ConfigurationSet(name=name)
            self.sets[name] = conf
            self.persist()
            return conf

    # ----------------------------------------------------------------- helpers

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
            raise _error("AlreadyExistsException", f"Configuration set '{name}' already exists.")
        if len(self.sets) >= MAX_CONFIGURATION_SETS:
            raise _error(
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
            if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
                shown = raw if len(raw) <= 20 else f"{raw[:20]}... ({len(raw)} characters)"
                raise _bad(f"PageSize must be a positive integer, got '{shown}'.")
            size = int(raw)
        start = _decode_token(params["NextToken"]) if "NextToken" in params else 0
        names = list(self.sets)
        result: Response = {"ConfigurationSets": names[start : start + size]}
        if start + size < len(names):
            result["NextToken"] = encode_token(start + size)
        return result

    def _get_event_destinations(self, params: Params) -> Response:
        conf = self._set(_name(params, "ConfigurationSetName", "configuration set"))
        return {"EventDestinations": [d.to_api("Name") for d in conf.event_destinations.values()]}

    def _create_event_destination(self, params: Params) -> Response:
        set_name = _name(params, "ConfigurationSetName", "configuration set")
        name = _name(params, "EventDestinationName", "event destination")
        dest = self._definition(name, params)
        conf = self._set(set_name)
        if name in conf.event_destinations:
            raise _error(
                "AlreadyExistsException",
                f"Event destination '{name}' already exists in '{conf.name}'.",
            )
        if len(conf.event_destinations) >= MAX_EVENT_DESTINATIONS:
            raise _error(
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
        message = Message(
            message_id=self.emitter.new_message_id(),
            api=self.api,
            operation="SendVoiceMessage",
            configuration_set_name=set_name,
            request=copy.deepcopy(params),
        )
        facts = SendFacts(
            message_id=message.message_id,
            channel="VOICE",
            origination=params["OriginationPhoneNumber"],
            destination=params["DestinationPhoneNumber"],
            request_timestamp_ms=message.timestamp_ms,
        )
        conf = self.sets.get(set_name) if set_name is not None else None
        destinations = list(conf.event_destinations.values()) if conf else []
        self.emitter.send(message, facts, destinations)
        return {"MessageId": message.message_id}


def _name(params: Params, member: str, kind: str) -> str:
    value = params.get(member)
    if value is None:
        raise _bad(f"{member} is required.")
    if not isinstance(value, str) or NAME_PATTERN.fullmatch(value) is None:
        raise _bad(f"Invalid {kind} name '{value}': use 1-64 characters of A-Z, a-z, 0-9, _ and -.")
    return value


def _decode_token(token: str) -> int:
    offset = decode_token(token)
    if offset is None:
        raise _bad("The NextToken is invalid.")
    return offset
