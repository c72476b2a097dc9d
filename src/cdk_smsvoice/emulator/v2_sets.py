"""The ``pinpoint-sms-voice-v2`` configuration set data model (:class:`ConfigurationSet`: its
API rendering and saved state) and the module-level helpers the operations of :mod:`.v2` use:
error builders, request checks (one sink per destination, no ``TEXT_SENT``, filter values),
``DescribeConfigurationSets`` filter matching, tag lists, ``NextToken`` decoding, model enum
lookup and the partition of a region.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .destination import EventDestination
from .errors import ServiceError
from .model_checks import service_model
from .service import Params, Response, decode_token

SERVICE_NAME = "pinpoint-sms-voice-v2"
SINK_MEMBERS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
DEFAULT_STATUS = {
    "AccessDeniedException": 403,
    "ConflictException": 409,
    "InternalServerException": 500,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 400,
    "ValidationException": 400,
}


def service_error(code: str, message: str, **fields: Any) -> ServiceError:
    """The v2 error ``code`` with its HTTP status (:data:`DEFAULT_STATUS`; default 400)."""
    return ServiceError(code, message, DEFAULT_STATUS.get(code, 400), **fields)


def not_found(resource_type: str, resource_id: str) -> ServiceError:
    """``ResourceNotFoundException`` naming the missing resource."""
    return service_error(
        "ResourceNotFoundException",
        f"The {resource_type} '{resource_id}' does not exist.",
        ResourceType=resource_type,
        ResourceId=resource_id,
    )


def invalid_parameter(
    message: str, reason: str = "INVALID_PARAMETER", **fields: Any
) -> ServiceError:
    """A ``ValidationException`` with its ``reason`` (default ``INVALID_PARAMETER``)."""
    return service_error("ValidationException", message, Reason=reason, **fields)


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
            "EventDestinations": [
                d.to_api("EventDestinationName") for d in self.event_destinations.values()
            ],
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

    def to_state(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "name": self.name,
            "arn": self.arn,
            "created": self.created.isoformat(),
            "event_destinations": [d.to_state() for d in self.event_destinations.values()],
            "default_message_type": self.default_message_type,
            "default_sender_id": self.default_sender_id,
            "message_feedback_enabled": self.message_feedback_enabled,
            "protect_configuration_id": self.protect_configuration_id,
            "tags": dict(self.tags),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ConfigurationSet:
        """Read back what :meth:`to_state` wrote."""
        dests = [EventDestination.from_state(d) for d in state["event_destinations"]]
        return cls(
            name=state["name"],
            arn=state["arn"],
            created=datetime.fromisoformat(state["created"]),
            event_destinations={d.name: d for d in dests},
            default_message_type=state["default_message_type"],
            default_sender_id=state["default_sender_id"],
            message_feedback_enabled=state["message_feedback_enabled"],
            protect_configuration_id=state["protect_configuration_id"],
            tags=dict(state["tags"]),
        )


def sink_of(params: Params) -> tuple[str, dict[str, str]] | None:
    """The one sink of a destination request, ``(member, fields)``; ``None`` if it names none."""
    given = [name for name in SINK_MEMBERS if params.get(name) is not None]
    if len(given) > 1:
        raise invalid_parameter(
            f"Only one of {', '.join(SINK_MEMBERS)} may be specified.",
            "PARAMETERS_CANNOT_BE_USED_TOGETHER",
        )
    return (given[0], dict(params[given[0]])) if given else None


def check_event_types(event_types: list[str]) -> None:
    """Refuse ``TEXT_SENT``, which event destinations do not take."""
    if "TEXT_SENT" in event_types:
        raise invalid_parameter(
            "TEXT_SENT is not a supported MatchingEventTypes value for event destinations.",
            Fields=[{"Name": "MatchingEventTypes", "Message": "TEXT_SENT is not supported"}],
        )


def check_filter_values(name: str, values: list[str]) -> None:
    """Refuse values a ``DescribeConfigurationSets`` filter ``name`` cannot have."""
    allowed: dict[str, list[str]] = {
        "matching-event-types": _enum("EventType"),
        "default-message-type": _enum("MessageType"),
        "default-message-feedback-enabled": ["true", "false"],
    }
    bad = [v for v in values if name in allowed and v not in allowed[name]]
    if bad:
        raise invalid_parameter(f"Invalid values for filter {name}: {bad}", "INVALID_FILTER_VALUES")


def field_of(problem: str) -> dict[str, str]:
    """A ``ValidationException`` field entry for ``problem`` (``"Name: message"`` or not)."""
    name, sep, message = problem.partition(": ")
    if not sep or " " in name:
        return {"Name": "request", "Message": problem}
    return {"Name": name, "Message": message}


def filter_matches(conf: ConfigurationSet, name: str, values: list[str]) -> bool:
    """Whether ``conf`` passes the ``DescribeConfigurationSets`` filter ``name``."""
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


def set_result(conf: ConfigurationSet, **fields: Any) -> Response:
    """A response naming ``conf`` (ARN and name) with ``fields`` that are not ``None``."""
    result: Response = {"ConfigurationSetArn": conf.arn, "ConfigurationSetName": conf.name}
    result.update({k: v for k, v in fields.items() if v is not None})
    return result


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """``tags`` as the API lists them."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def page_offset(token: str) -> int:
    """The list offset a ``NextToken`` stands for; a bad token is a ``ValidationException``."""
    offset = decode_token(token)
    if offset is None:
        raise invalid_parameter("The NextToken is invalid.", "INVALID_NEXT_TOKEN")
    return offset


def _enum(shape: str) -> list[str]:
    enum: list[str] = getattr(service_model(SERVICE_NAME).shape_for(shape), "enum", [])
    return enum


def utc_now() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def partition_of(region: str) -> str:
    """The AWS partition of ``region``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
