"""Stateful in-memory fake of the ``pinpoint-sms-voice-v2`` API for real botocore clients.

``V2Service().attach(client)`` answers every call made through ``client`` from the
``before-call`` event, the same hook ``botocore.stub.Stubber`` uses, so:

* botocore's own parameter validation still runs first (required members, types, unknown
  members, minimum lengths/values). Such requests raise ``ParamValidationError`` and never
  reach the fake.
* botocore does not check maximum lengths, patterns or enums; the real service does, and so
  does the fake: violations come back as ``ValidationException`` (Reason
  ``FIELD_VALIDATION_FAILED``). Patterns are applied as full matches.
* Every successful response and every modeled error field is validated against the service
  model; a mismatch raises ``AssertionError``.
* Calls are answered before botocore's retry machinery, so an injected ``ThrottlingException``
  reaches the caller at once instead of being retried (as with ``Stubber``).

Requests are recorded as decoded from the serialized JSON body, i.e. exactly what the service
would receive, including the ``ClientToken`` that botocore generates for Create* calls.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.model import OperationModel, ServiceModel
from botocore.validate import ParamValidationDecorator

from cdk_smsvoice.emulator.model_checks import (
    constraint_violations,
    validate_response,
    validate_shape,
)

SERVICE_NAME = "pinpoint-sms-voice-v2"
EVENT_NAME = "before-call.pinpoint-sms-voice-v2.*"
SINK_MEMBERS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
MAX_EVENT_DESTINATIONS = 5
MAX_TAGS = 200
DEFAULT_STATUS = {
    "AccessDeniedException": 403,
    "ConflictException": 409,
    "InternalServerException": 500,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 400,
    "ValidationException": 400,
}

Params = dict[str, Any]
Response = dict[str, Any]


@cache
def service_model() -> ServiceModel:
    """Return botocore's (cached) service model for ``pinpoint-sms-voice-v2``."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


class _ServiceError(Exception):
    """An API error the fake returns to the client."""

    def __init__(self, code: str, message: str, status: int | None = None, **fields: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = DEFAULT_STATUS.get(code, 400) if status is None else status
        self.fields = {k: v for k, v in fields.items() if v is not None}


def _not_found(resource_type: str, resource_id: str) -> _ServiceError:
    return _ServiceError(
        "ResourceNotFoundException",
        f"The {resource_type} '{resource_id}' does not exist.",
        ResourceType=resource_type,
        ResourceId=resource_id,
    )


def _invalid(message: str, reason: str = "INVALID_PARAMETER", **fields: Any) -> _ServiceError:
    return _ServiceError("ValidationException", message, Reason=reason, **fields)


@dataclass
class EventDestination:
    """One event destination of a configuration set."""

    name: str
    matching_event_types: list[str]
    sink_type: str  # one of SINK_MEMBERS
    sink: dict[str, str]
    enabled: bool = True

    def to_api(self) -> Response:
        """Render as the API's ``EventDestination`` structure."""
        return {
            "EventDestinationName": self.name,
            "Enabled": self.enabled,
            "MatchingEventTypes": list(self.matching_event_types),
            self.sink_type: dict(self.sink),
        }


@dataclass
class ConfigurationSet:
    """State of one configuration set; ``event_destinations`` keeps insertion order."""

    name: str
    arn: str
    created: datetime
    event_destinations: dict[str, EventDestination] = field(default_factory=dict)
    default_message_type: str | None = None
    default_sender_id: str | None = None
    message_feedback_enabled: bool = False
    protect_configuration_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> Response:
        """Render as the API's ``ConfigurationSetInformation`` structure."""
        info: Response = {
            "ConfigurationSetArn": self.arn,
            "ConfigurationSetName": self.name,
            "EventDestinations": [d.to_api() for d in self.event_destinations.values()],
            "DefaultMessageFeedbackEnabled": self.message_feedback_enabled,
            "CreatedTimestamp": self.created,
        }
        optional = {
            "DefaultMessageType": self.default_message_type,
            "DefaultSenderId": self.default_sender_id,
            "ProtectConfigurationId": self.protect_configuration_id,
        }
        info.update({k: v for k, v in optional.items() if v is not None})
        return info


@dataclass
class _Fault:
    code: str
    message: str
    status: int
    reason: str | None
    first: int  # 1-based, counted over calls of the operation after fail() was called
    last: int
    seen: int = 0


class V2Service:
    """In-memory ``pinpoint-sms-voice-v2`` for configuration sets; see the module docstring."""

    def __init__(
        self,
        account: str = "123456789012",
        region: str = "us-east-1",
        protect_configuration_ids: Iterable[str] = ("protect-0123456789abcdef",),
        *,
        default_max_results: int = 100,
    ) -> None:
        self.account = account
        self.region = region
        self.partition = _partition(region)
        self.protect_configuration_ids: set[str] = set(protect_configuration_ids)
        self.default_max_results = default_max_results
        self.sets: dict[str, ConfigurationSet] = {}
        self.calls: list[tuple[str, Params]] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._lock = threading.RLock()
        self._handlers: dict[str, Callable[[Params], Response]] = {
            "CreateConfigurationSet": self._create_configuration_set,
            "DeleteConfigurationSet": self._delete_configuration_set,
            "DescribeConfigurationSets": self._describe_configuration_sets,
            "CreateEventDestination": self._create_event_destination,
            "UpdateEventDestination": self._update_event_destination,
            "DeleteEventDestination": self._delete_event_destination,
            "SetDefaultMessageType": self._set_default_message_type,
            "DeleteDefaultMessageType": self._delete_default_message_type,
            "SetDefaultSenderId": self._set_default_sender_id,
            "DeleteDefaultSenderId": self._delete_default_sender_id,
            "SetDefaultMessageFeedbackEnabled": self._set_default_message_feedback_enabled,
            "AssociateProtectConfiguration": self._associate_protect_configuration,
            "DisassociateProtectConfiguration": self._disassociate_protect_configuration,
            "TagResource": self._tag_resource,
            "UntagResource": self._untag_resource,
            "ListTagsForResource": self._list_tags_for_resource,
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
            EVENT_NAME, self._on_before_call, unique_id=f"fake-smsvoice-v2-{id(self)}"
        )
        return client

    def detach(self, client: Any) -> None:
        """Stop answering calls made through ``client``."""
        client.meta.events.unregister(
            EVENT_NAME, self._on_before_call, unique_id=f"fake-smsvoice-v2-{id(self)}"
        )

    def _on_before_call(
        self, model: OperationModel, params: Mapping[str, Any], **_: Any
    ) -> tuple[AWSResponse, Response]:
        op = model.name
        request = _decode_body(params.get("body"))
        with self._lock:
            self.calls.append((op, copy.deepcopy(request)))
            handler = self._handlers.get(op)
            if handler is None:
                raise AssertionError(f"V2Service does not implement operation {op}")
            try:
                self._raise_injected_fault(op)
                violations = constraint_violations(model.input_shape, request)
                if violations:
                    raise _invalid(
                        "; ".join(f"{name} {msg}" for name, msg in violations),
                        "FIELD_VALIDATION_FAILED",
                        Fields=[{"Name": name, "Message": msg} for name, msg in violations],
                    )
                result = copy.deepcopy(handler(request))
            except _ServiceError as err:
                return self._error_response(err)
        validate_response(model, result)
        result["ResponseMetadata"] = _metadata(200)
        return AWSResponse(None, 200, {}, None), result

    def _error_response(self, err: _ServiceError) -> tuple[AWSResponse, Response]:
        parsed: Response = {
            "Error": {"Code": err.code, "Message": err.message},
            "ResponseMetadata": _metadata(err.status),
        }
        shape = service_model().shape_for_error_code(err.code)
        if shape is not None:
            fields = dict(err.fields)
            if "Message" in shape.members:
                fields["Message"] = err.message
            validate_shape(shape, fields, f"{err.code} error fields")
            parsed.update(fields)
        elif err.fields:
            raise AssertionError(f"{err.code} is not a modeled error; cannot add {err.fields}")
        return AWSResponse(None, err.status, {}, None), parsed

    # --------------------------------------------------------- fault injection

    def fail(
        self,
        operation: str,
        code: str,
        message: str = "Injected failure",
        status: int | None = None,
        times: int = 1,
        on_call: int | None = None,
        reason: str | None = None,
    ) -> None:
        """Make calls of ``operation`` fail with error ``code``, without changing any state.

        Counting starts at this call: the next ``times`` calls fail or, with ``on_call=N``,
        calls N .. N+times-1 (1-based). ``operation`` is the API or the client method name.
        ``status`` defaults per code (Throttling/Validation 400, AccessDenied 403,
        ResourceNotFound 404, Conflict 409, InternalServer 500). ``reason`` fills the
        modeled ``Reason`` field.
        """
        op = self._operation_name(operation)
        if times < 1 or (on_call is not None and on_call < 1):
            raise ValueError("times and on_call must be >= 1")
        if reason is not None:
            shape = service_model().shape_for_error_code(code)
            if shape is None or "Reason" not in shape.members:
                raise ValueError(f"{code} has no modeled Reason field")
        first = 1 if on_call is None else on_call
        fault = _Fault(
            code=code,
            message=message,
            status=DEFAULT_STATUS.get(code, 400) if status is None else status,
            reason=reason,
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
            raise _ServiceError(hit.code, hit.message, hit.status, Reason=hit.reason)

    # --------------------------------------------------------- call inspection

    def call_names(self) -> list[str]:
        """Return the operation names received so far, in order."""
        return [op for op, _ in self.calls]

    def count(self, operation: str) -> int:
        """Return how many calls of ``operation`` (API or method name) were received."""
        op = self._operation_name(operation)
        return sum(1 for name, _ in self.calls if name == op)

    def params_of(self, operation: str) -> list[Params]:
        """Return the parameters of every received call of ``operation``, in order."""
        op = self._operation_name(operation)
        return [params for name, params in self.calls if name == op]

    # ------------------------------------------------- out-of-band mutations

    def set_arn(self, name: str) -> str:
        """Return the ARN of the configuration set ``name``."""
        return (
            f"arn:{self.partition}:sms-voice:{self.region}:{self.account}:configuration-set/{name}"
        )

    def add_set(self, name: str, tags: Mapping[str, str] | None = None) -> ConfigurationSet:
        """Create a set as if someone else had; no call is recorded."""
        with self._lock:
            if name in self.sets:
                raise ValueError(f"configuration set {name} already exists")
            conf = ConfigurationSet(
                name=name, arn=self.set_arn(name), created=_now(), tags=dict(tags or {})
            )
            self.sets[name] = conf
            return conf

    def add_destination(
        self,
        set_name: str,
        name: str,
        sink: Mapping[str, Mapping[str, str]],
        matching_event_types: Iterable[str] = ("ALL",),
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

    def _set(self, name_or_arn: str) -> ConfigurationSet:
        prefix = self.set_arn("")
        name = name_or_arn.removeprefix(prefix) if name_or_arn.startswith(prefix) else name_or_arn
        conf = None if name.startswith("arn:") else self.sets.get(name)
        if conf is None:
            raise _not_found("configuration-set", name_or_arn)
        return conf

    def _set_by_resource_arn(self, arn: str) -> ConfigurationSet:
        prefix = self.set_arn("")
        conf = self.sets.get(arn.removeprefix(prefix)) if arn.startswith(prefix) else None
        if conf is None:
            raise _ServiceError(
                "ResourceNotFoundException",
                f"The resource '{arn}' does not exist.",
                ResourceId=arn,
            )
        return conf

    def _protect_arn(self, protect_id: str) -> str:
        return (
            f"arn:{self.partition}:sms-voice:{self.region}:{self.account}"
            f":protect-configuration/{protect_id}"
        )

    def _protect_id(self, id_or_arn: str) -> str:
        protect_id = id_or_arn.removeprefix(self._protect_arn(""))
        if protect_id not in self.protect_configuration_ids:
            raise _not_found("protect-configuration", id_or_arn)
        return protect_id

    @staticmethod
    def _sink(params: Params) -> tuple[str, dict[str, str]] | None:
        given = [name for name in SINK_MEMBERS if params.get(name) is not None]
        if len(given) > 1:
            raise _invalid(
                f"Only one of {', '.join(SINK_MEMBERS)} may be specified.",
                "PARAMETERS_CANNOT_BE_USED_TOGETHER",
            )
        return (given[0], dict(params[given[0]])) if given else None

    @staticmethod
    def _check_event_types(event_types: list[str]) -> None:
        if "TEXT_SENT" in event_types:
            raise _invalid(
                "TEXT_SENT is not a supported MatchingEventTypes value for event destinations.",
                Fields=[{"Name": "MatchingEventTypes", "Message": "TEXT_SENT is not supported"}],
            )

    # -------------------------------------------------------------- operations

    def _create_configuration_set(self, params: Params) -> Response:
        name = params["ConfigurationSetName"]
        if name in self.sets:
            raise _ServiceError(
                "ConflictException",
                f"Configuration set '{name}' already exists.",
                Reason="RESOURCE_ALREADY_EXISTS",
                ResourceType="configuration-set",
                ResourceId=name,
            )
        tags = {t["Key"]: t["Value"] for t in params.get("Tags", [])}
        conf = ConfigurationSet(name=name, arn=self.set_arn(name), created=_now(), tags=tags)
        self.sets[name] = conf
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "Tags": _tag_list(conf.tags),
            "CreatedTimestamp": conf.created,
        }

    def _delete_configuration_set(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        del self.sets[conf.name]
        info = conf.to_api()
        info.pop("ProtectConfigurationId", None)
        return info

    def _describe_configuration_sets(self, params: Params) -> Response:
        names = params.get("ConfigurationSetNames")
        if names:
            found = [self._set(name) for name in names]
            selected = list({conf.name: conf for conf in found}.values())
        else:
            selected = list(self.sets.values())
        for flt in params.get("Filters", []):
            values = flt["Values"]
            self._check_filter_values(flt["Name"], values)
            selected = [conf for conf in selected if _filter_matches(conf, flt["Name"], values)]
        start = _decode_token(params["NextToken"]) if "NextToken" in params else 0
        size = params.get("MaxResults", self.default_max_results)
        page = selected[start : start + size]
        result: Response = {"ConfigurationSets": [conf.to_api() for conf in page]}
        if start + size < len(selected):
            result["NextToken"] = _encode_token(start + size)
        return result

    @staticmethod
    def _check_filter_values(name: str, values: list[str]) -> None:
        allowed: dict[str, list[str]] = {
            "matching-event-types": service_model().shape_for("EventType").enum,
            "default-message-type": service_model().shape_for("MessageType").enum,
            "default-message-feedback-enabled": ["true", "false"],
        }
        bad = [v for v in values if name in allowed and v not in allowed[name]]
        if bad:
            raise _invalid(f"Invalid values for filter {name}: {bad}", "INVALID_FILTER_VALUES")

    def _create_event_destination(self, params: Params) -> Response:
        sink = self._sink(params)
        if sink is None:
            raise _invalid(
                f"Exactly one of {', '.join(SINK_MEMBERS)} must be specified.",
                "MISSING_PARAMETER",
            )
        self._check_event_types(params["MatchingEventTypes"])
        conf = self._set(params["ConfigurationSetName"])
        name = params["EventDestinationName"]
        if name in conf.event_destinations:
            raise _ServiceError(
                "ConflictException",
                f"Event destination '{name}' already exists in '{conf.name}'.",
                Reason="RESOURCE_ALREADY_EXISTS",
                ResourceType="event-destination",
                ResourceId=name,
            )
        if len(conf.event_destinations) >= MAX_EVENT_DESTINATIONS:
            raise _ServiceError(
                "ServiceQuotaExceededException",
                f"A configuration set can have at most {MAX_EVENT_DESTINATIONS} destinations.",
                Reason="EVENT_DESTINATIONS_PER_CONFIGURATION_SET",
            )
        dest = EventDestination(name, list(params["MatchingEventTypes"]), *sink)
        conf.event_destinations[name] = dest
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "EventDestination": dest.to_api(),
        }

    def _destination(self, conf: ConfigurationSet, name: str) -> EventDestination:
        dest = conf.event_destinations.get(name)
        if dest is None:
            raise _not_found("event-destination", name)
        return dest

    def _update_event_destination(self, params: Params) -> Response:
        sink = self._sink(params)
        if "MatchingEventTypes" in params:
            self._check_event_types(params["MatchingEventTypes"])
        conf = self._set(params["ConfigurationSetName"])
        dest = self._destination(conf, params["EventDestinationName"])
        if sink is not None and sink[0] != dest.sink_type:
            raise _ServiceError(
                "ConflictException",
                f"Event destination '{dest.name}' is a {dest.sink_type}; "
                f"its destination type cannot be changed to {sink[0]}.",
                Reason="EVENT_DESTINATION_MISMATCH",
                ResourceType="event-destination",
                ResourceId=dest.name,
            )
        if "Enabled" in params:
            dest.enabled = params["Enabled"]
        if "MatchingEventTypes" in params:
            dest.matching_event_types = list(params["MatchingEventTypes"])
        if sink is not None:
            dest.sink = sink[1]
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "EventDestination": dest.to_api(),
        }

    def _delete_event_destination(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        dest = self._destination(conf, params["EventDestinationName"])
        del conf.event_destinations[dest.name]
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "EventDestination": dest.to_api(),
        }

    def _set_default_message_type(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        conf.default_message_type = params["MessageType"]
        return _set_result(conf, MessageType=conf.default_message_type)

    def _delete_default_message_type(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        previous, conf.default_message_type = conf.default_message_type, None
        return _set_result(conf, MessageType=previous)

    def _set_default_sender_id(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        conf.default_sender_id = params["SenderId"]
        return _set_result(conf, SenderId=conf.default_sender_id)

    def _delete_default_sender_id(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        previous, conf.default_sender_id = conf.default_sender_id, None
        return _set_result(conf, SenderId=previous)

    def _set_default_message_feedback_enabled(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        conf.message_feedback_enabled = params["MessageFeedbackEnabled"]
        return _set_result(conf, MessageFeedbackEnabled=conf.message_feedback_enabled)

    def _associate_protect_configuration(self, params: Params) -> Response:
        protect_id = self._protect_id(params["ProtectConfigurationId"])
        conf = self._set(params["ConfigurationSetName"])
        if conf.protect_configuration_id is not None:
            raise _ServiceError(
                "ConflictException",
                f"Configuration set '{conf.name}' already has protect configuration "
                f"'{conf.protect_configuration_id}' associated.",
                Reason="RESOURCE_ALREADY_ASSOCIATED",
                ResourceType="configuration-set",
                ResourceId=conf.name,
            )
        conf.protect_configuration_id = protect_id
        return self._protect_result(conf, protect_id)

    def _disassociate_protect_configuration(self, params: Params) -> Response:
        protect_id = self._protect_id(params["ProtectConfigurationId"])
        conf = self._set(params["ConfigurationSetName"])
        if conf.protect_configuration_id != protect_id:
            raise _ServiceError(
                "ConflictException",
                f"Protect configuration '{protect_id}' is not associated with '{conf.name}'.",
                Reason="PROTECT_CONFIGURATION_NOT_ASSOCIATED_WITH_CONFIGURATION_SET",
                ResourceType="protect-configuration",
                ResourceId=protect_id,
            )
        conf.protect_configuration_id = None
        return self._protect_result(conf, protect_id)

    def _protect_result(self, conf: ConfigurationSet, protect_id: str) -> Response:
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "ProtectConfigurationArn": self._protect_arn(protect_id),
            "ProtectConfigurationId": protect_id,
        }

    def _tag_resource(self, params: Params) -> Response:
        conf = self._set_by_resource_arn(params["ResourceArn"])
        merged = {**conf.tags, **{t["Key"]: t["Value"] for t in params["Tags"]}}
        if len(merged) > MAX_TAGS:
            raise _ServiceError(
                "ServiceQuotaExceededException",
                f"A resource can have at most {MAX_TAGS} tags.",
                Reason="TAGS_PER_RESOURCE",
            )
        conf.tags = merged
        return {}

    def _untag_resource(self, params: Params) -> Response:
        conf = self._set_by_resource_arn(params["ResourceArn"])
        for key in params["TagKeys"]:
            conf.tags.pop(key, None)
        return {}

    def _list_tags_for_resource(self, params: Params) -> Response:
        conf = self._set_by_resource_arn(params["ResourceArn"])
        return {"ResourceArn": params["ResourceArn"], "Tags": _tag_list(conf.tags)}


def _filter_matches(conf: ConfigurationSet, name: str, values: list[str]) -> bool:
    dests = conf.event_destinations.values()
    if name == "event-destination-name":
        return any(d.name in values for d in dests)
    if name == "matching-event-types":
        return any(set(d.matching_event_types) & set(values) for d in dests)
    if name == "default-message-type":
        return conf.default_message_type in values
    if name == "default-sender-id":
        return conf.default_sender_id in values
    if name == "default-message-feedback-enabled":
        return str(conf.message_feedback_enabled).lower() in values
    if name == "protect-configuration-id":
        return conf.protect_configuration_id in values
    raise AssertionError(f"unhandled filter {name}")


def _set_result(conf: ConfigurationSet, **fields: Any) -> Response:
    result: Response = {"ConfigurationSetArn": conf.arn, "ConfigurationSetName": conf.name}
    result.update({k: v for k, v in fields.items() if v is not None})
    return result


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _decode_body(body: bytes | str | None) -> Params:
    if not body:
        return {}
    return json.loads(body.decode() if isinstance(body, bytes) else body)


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise _invalid("The NextToken is invalid.", "INVALID_NEXT_TOKEN") from exc
    if not isinstance(offset, int) or offset < 0:
        raise _invalid("The NextToken is invalid.", "INVALID_NEXT_TOKEN")
    return offset


def _metadata(status: int) -> dict[str, Any]:
    return {
        "RequestId": str(uuid.uuid4()),
        "HTTPStatusCode": status,
        "HTTPHeaders": {},
        "RetryAttempts": 0,
    }


def _now() -> datetime:
    return datetime.now(UTC)


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
