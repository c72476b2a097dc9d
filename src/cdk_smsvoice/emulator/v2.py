"""The emulated ``pinpoint-sms-voice-v2`` API (JSON 1.0): configuration sets, their event
destinations, defaults, protect configuration associations, tags, and sending.

Beyond what botocore validates (required members, types, minimums), every request is checked
against the model's maximums, patterns (as full matches) and enums; violations answer
``ValidationException`` with Reason ``FIELD_VALIDATION_FAILED`` and the offending ``Fields``.
Documented limits: 5 event destinations per set, 200 tags per resource, ``TEXT_SENT`` refused
in destinations, and a destination's sink type cannot change in place (``ConflictException``
``EVENT_DESTINATION_MISMATCH``). ``ConfigurationSetName`` accepts a name or an ARN.
Send operations resolve the configuration set (``ResourceNotFoundException`` if missing),
record the message and emit events (see :mod:`.events`); ``DryRun`` validates and sends
nothing. Origination identities are not checked: the emulator owns every number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.model import OperationModel

from .client_tokens import ClientTokens, TokenConflictError
from .destination import EventDestination
from .errors import ServiceError
from .events import Message
from .model_checks import shape_problems
from .records import SendFacts
from .service import (
    EmulatedService,
    Handler,
    Params,
    RateScope,
    Response,
    encode_token,
)
from .store import StateStore
from .v2_sets import (
    DEFAULT_STATUS,
    SERVICE_NAME,
    SINK_MEMBERS,
    ConfigurationSet,
    check_event_types,
    check_filter_values,
    field_of,
    filter_matches,
    invalid_parameter,
    not_found,
    page_offset,
    partition_of,
    service_error,
    set_result,
    sink_of,
    tag_list,
    utc_now,
)

MAX_EVENT_DESTINATIONS = 5
MAX_TAGS = 200
DEFAULT_ORIGINATION = "+18445550100"
"""The number a send without ``OriginationIdentity`` (nor the set's default sender id) goes
from, as the emulator owns every number."""


class V2Service(EmulatedService[ConfigurationSet]):
    """The emulated ``pinpoint-sms-voice-v2``; see the module docstring.

    ``store`` (default: none) makes the state durable and is read back at construction;
    ``clock``, ``tps`` and ``rate_scope`` set the rate limit (default: none), see
    :class:`EmulatedService`. ``protect_configuration_ids`` are the protect configurations the
    account has (default: one); ``default_max_results`` is DescribeConfigurationSets' page size.
    """

    service_name = SERVICE_NAME
    api = "v2"
    sink_members = SINK_MEMBERS
    all_event_types = ("ALL",)
    throttle_code = "ThrottlingException"

    def __init__(
        self,
        account: str = "123456789012",
        region: str = "us-east-1",
        protect_configuration_ids: Iterable[str] = ("protect-0123456789abcdef",),
        *,
        default_max_results: int = 100,
        clock: Any = None,
        tps: float | None = None,
        rate_scope: RateScope = "operation",
        store: StateStore | None = None,
    ) -> None:
        self.account = account
        self.region = region
        self.partition = partition_of(region)
        self.protect_configuration_ids: set[str] = set(protect_configuration_ids)
        self.default_max_results = default_max_results
        self.client_tokens = ClientTokens()
        super().__init__(clock=clock, tps=tps, rate_scope=rate_scope, store=store)
        self.load_saved()

    def handlers(self) -> dict[str, Handler]:
        """Operation name -> handler of the operations this service emulates."""
        return {
            "CreateConfigurationSet": lambda params: self._idempotent(
                "CreateConfigurationSet", params, self._create_configuration_set
            ),
            "DeleteConfigurationSet": self._delete_configuration_set,
            "DescribeConfigurationSets": self._describe_configuration_sets,
            "CreateEventDestination": lambda params: self._idempotent(
                "CreateEventDestination", params, self._create_event_destination
            ),
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
            "SendTextMessage": lambda params: self._send("SendTextMessage", "TEXT", params),
            "SendVoiceMessage": lambda params: self._send("SendVoiceMessage", "VOICE", params),
            "SendMediaMessage": lambda params: self._send("SendMediaMessage", "MEDIA", params),
        }

    def check_request(self, model: OperationModel, params: Params) -> None:
        """``ValidationException`` (FIELD_VALIDATION_FAILED) if ``params`` break the model."""
        if model.input_shape is None:
            return
        problems = shape_problems(model.input_shape, params)
        if problems:
            raise invalid_parameter(
                "; ".join(problems),
                "FIELD_VALIDATION_FAILED",
                Fields=[field_of(problem) for problem in problems],
            )

    def bad_request(self, message: str) -> ServiceError:
        """``ValidationException`` for a request body that cannot be read."""
        return invalid_parameter(message, "FIELD_VALIDATION_FAILED")

    def error_status(self, code: str) -> int:
        """The HTTP status of error ``code`` (the v2 model carries none)."""
        return DEFAULT_STATUS.get(code, 400)

    def to_state(self) -> dict[str, Any]:
        """The configuration sets, as JSON-ready data."""
        return {
            "sets": [conf.to_state() for conf in self.sets.values()],
            "client_tokens": self.client_tokens.to_state(),
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Replace the sets and ClientTokens with what :meth:`to_state` returned."""
        self.sets = {s["name"]: ConfigurationSet.from_state(s) for s in state["sets"]}
        self.client_tokens.load_state(state.get("client_tokens", {}))

    # --------------------------------------------------------- out-of-band

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
                name=name, arn=self.set_arn(name), created=utc_now(), tags=dict(tags or {})
            )
            self.sets[name] = conf
            self.persist()
            return conf

    # ----------------------------------------------------------------- helpers

    def _set(self, name_or_arn: str) -> ConfigurationSet:
        prefix = self.set_arn("")
        name = name_or_arn.removeprefix(prefix) if name_or_arn.startswith(prefix) else name_or_arn
        conf = None if name.startswith("arn:") else self.sets.get(name)
        if conf is None:
            raise not_found("configuration-set", name_or_arn)
        return conf

    def _set_by_resource_arn(self, arn: str) -> ConfigurationSet:
        prefix = self.set_arn("")
        conf = self.sets.get(arn.removeprefix(prefix)) if arn.startswith(prefix) else None
        if conf is None:
            raise service_error(
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
            raise not_found("protect-configuration", id_or_arn)
        return protect_id

    # -------------------------------------------------------------- operations

    def _create_configuration_set(self, params: Params) -> Response:
        name = params["ConfigurationSetName"]
        if name in self.sets:
            raise service_error(
                "ConflictException",
                f"Configuration set '{name}' already exists.",
                Reason="RESOURCE_ALREADY_EXISTS",
                ResourceType="configuration-set",
                ResourceId=name,
            )
        tags = {t["Key"]: t["Value"] for t in params.get("Tags", [])}
        conf = ConfigurationSet(name=name, arn=self.set_arn(name), created=utc_now(), tags=tags)
        self.sets[name] = conf
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "Tags": tag_list(conf.tags),
            "CreatedTimestamp": conf.created,
        }

    def _delete_configuration_set(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        del self.sets[conf.name]
        self.client_tokens.forget(conf.name)
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
            check_filter_values(flt["Name"], values)
            selected = [conf for conf in selected if filter_matches(conf, flt["Name"], values)]
        start = page_offset(params["NextToken"]) if "NextToken" in params else 0
        size = params.get("MaxResults", self.default_max_results)
        page = selected[start : start + size]
        result: Response = {"ConfigurationSets": [conf.to_api() for conf in page]}
        if start + size < len(selected):
            result["NextToken"] = encode_token(start + size)
        return result

    def _create_event_destination(self, params: Params) -> Response:
        sink = sink_of(params)
        if sink is None:
            raise invalid_parameter(
                f"Exactly one of {', '.join(SINK_MEMBERS)} must be specified.",
                "MISSING_PARAMETER",
            )
        check_event_types(params["MatchingEventTypes"])
        conf = self._set(params["ConfigurationSetName"])
        name = params["EventDestinationName"]
        if name in conf.event_destinations:
            raise service_error(
                "ConflictException",
                f"Event destination '{name}' already exists in '{conf.name}'.",
                Reason="RESOURCE_ALREADY_EXISTS",
                ResourceType="event-destination",
                ResourceId=name,
            )
        if len(conf.event_destinations) >= MAX_EVENT_DESTINATIONS:
            raise service_error(
                "ServiceQuotaExceededException",
                f"A configuration set can have at most {MAX_EVENT_DESTINATIONS} destinations.",
                Reason="EVENT_DESTINATIONS_PER_CONFIGURATION_SET",
            )
        dest = EventDestination(name, list(params["MatchingEventTypes"]), *sink, enabled=True)
        conf.event_destinations[name] = dest
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "EventDestination": dest.to_api("EventDestinationName"),
        }

    def _destination(self, conf: ConfigurationSet, name: str) -> EventDestination:
        dest = conf.event_destinations.get(name)
        if dest is None:
            raise not_found("event-destination", name)
        return dest

    def _update_event_destination(self, params: Params) -> Response:
        sink = sink_of(params)
        if "MatchingEventTypes" in params:
            check_event_types(params["MatchingEventTypes"])
        conf = self._set(params["ConfigurationSetName"])
        dest = self._destination(conf, params["EventDestinationName"])
        if sink is not None and sink[0] != dest.sink_type:
            raise service_error(
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
            "EventDestination": dest.to_api("EventDestinationName"),
        }

    def _delete_event_destination(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        dest = self._destination(conf, params["EventDestinationName"])
        del conf.event_destinations[dest.name]
        self.client_tokens.forget(conf.name, dest.name)
        return {
            "ConfigurationSetArn": conf.arn,
            "ConfigurationSetName": conf.name,
            "EventDestination": dest.to_api("EventDestinationName"),
        }

    def _set_default_message_type(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        conf.default_message_type = params["MessageType"]
        return set_result(conf, MessageType=conf.default_message_type)

    def _delete_default_message_type(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        previous, conf.default_message_type = conf.default_message_type, None
        return set_result(conf, MessageType=previous)

    def _set_default_sender_id(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        conf.default_sender_id = params["SenderId"]
        return set_result(conf, SenderId=conf.default_sender_id)

    def _delete_default_sender_id(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        previous, conf.default_sender_id = conf.default_sender_id, None
        return set_result(conf, SenderId=previous)

    def _set_default_message_feedback_enabled(self, params: Params) -> Response:
        conf = self._set(params["ConfigurationSetName"])
        conf.message_feedback_enabled = params["MessageFeedbackEnabled"]
        return set_result(conf, MessageFeedbackEnabled=conf.message_feedback_enabled)

    def _associate_protect_configuration(self, params: Params) -> Response:
        protect_id = self._protect_id(params["ProtectConfigurationId"])
        conf = self._set(params["ConfigurationSetName"])
        if conf.protect_configuration_id is not None:
            raise service_error(
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
            raise service_error(
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
            raise service_error(
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
        return {"ResourceArn": params["ResourceArn"], "Tags": tag_list(conf.tags)}

    def _idempotent(self, op: str, params: Params, create: Handler) -> Response:
        """A Create* with a ``ClientToken`` seen before answers as it did the first time,
        without creating anything; the same token with other parameters is a conflict (see
        :mod:`.client_tokens` for how long tokens are kept).
        """
        token = params.get("ClientToken")
        if token is None:
            return create(params)
        request = {k: v for k, v in params.items() if k != "ClientToken"}
        try:
            seen = self.client_tokens.replay(op, token, request)
        except TokenConflictError as err:
            raise service_error("ConflictException", str(err)) from None
        if seen is not None:
            return seen
        response = create(params)
        created = [response["ConfigurationSetName"]]
        if "EventDestination" in response:
            created.append(response["EventDestination"]["EventDestinationName"])
        self.client_tokens.remember(op, token, request, response, tuple(created))
        return response

    def _send(self, operation: str, channel: str, params: Params) -> Response:
        conf = (
            self._set(params["ConfigurationSetName"]) if "ConfigurationSetName" in params else None
        )
        if "ProtectConfigurationId" in params:
            self._protect_id(params["ProtectConfigurationId"])
        if channel == "VOICE" and params.get("MessageBodyTextType") == "SSML":
            body = params.get("MessageBody", "").strip()
            if not (body.startswith("<speak>") and body.endswith("</speak>")):
                raise invalid_parameter(
                    "An SSML MessageBody must be enclosed in <speak>...</speak>.",
                    Fields=[{"Name": "MessageBody", "Message": "not an SSML document"}],
                )
        message_id = self.emitter.new_message_id()
        if params.get("DryRun"):
            return {"MessageId": message_id}
        message = Message(
            message_id=message_id,
            api=self.api,
            operation=operation,
            configuration_set_name=conf.name if conf else None,
            request=dict(params),
        )
        facts = SendFacts(
            message_id=message_id,
            channel=channel,
            origination=params.get("OriginationIdentity")
            or (conf.default_sender_id if conf else None)
            or DEFAULT_ORIGINATION,
            destination=params["DestinationPhoneNumber"],
            request_timestamp_ms=message.timestamp_ms,
            message_type=params.get("MessageType", conf.default_message_type if conf else None)
            or "TRANSACTIONAL",
            body=params.get("MessageBody", ""),
            context=dict(params.get("Context", {})),
            protect_configuration_id=params.get("ProtectConfigurationId")
            or (conf.protect_configuration_id if conf else None),
        )
        destinations = list(conf.event_destinations.values()) if conf else []
        self.emitter.send(message, facts, destinations)
        return {"MessageId": message_id}
