"""Typed views of the resource properties and of a live configuration set."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .constants import SINK_KINDS


def to_bool(value: Any) -> bool:
    """A CloudFormation boolean: ``True``/``False`` or the strings ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected true or false, got {value!r}")


@dataclass(frozen=True)
class Destination:
    """One event destination: a name, its event types, and exactly one sink."""

    name: str
    events: tuple[str, ...]
    sink_kind: str
    sink: tuple[tuple[str, str], ...]
    enabled: bool = True

    @property
    def sink_fields(self) -> dict[str, str]:
        """The sink's members, as the API takes them."""
        return dict(self.sink)

    def same_as(self, other: "Destination") -> bool:
        """Whether the two need no update (event order does not matter)."""
        return (
            self.enabled == other.enabled
            and frozenset(self.events) == frozenset(other.events)
            and self.sink_kind == other.sink_kind
            and self.sink == other.sink
        )

    @classmethod
    def from_api(cls, data: Mapping[str, Any], name_key: str) -> "Destination":
        """Parse a destination as the properties or an API response describe it."""
        kinds = [kind for kind in SINK_KINDS if data.get(kind)]
        kind = kinds[0] if kinds else "None"
        sink = data.get(kind) or {}
        return cls(
            name=str(data[name_key]),
            events=tuple(str(e) for e in data.get("MatchingEventTypes") or ()),
            sink_kind=kind,
            sink=tuple(sorted((str(k), str(v)) for k, v in sink.items())),
            enabled=to_bool(data.get("Enabled", True)),
        )


@dataclass(frozen=True)
class ConfigurationSetSpec:
    """What the template asks for."""

    name: str
    destinations: tuple[Destination, ...] = ()
    default_message_type: str | None = None
    default_sender_id: str | None = None
    message_feedback_enabled: bool | None = None
    protect_configuration_id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def destinations_by_name(self) -> dict[str, Destination]:
        """The destinations, keyed by name, in template order."""
        return {d.name: d for d in self.destinations}

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> "ConfigurationSetSpec":
        """Parse validated resource properties."""
        feedback = props.get("MessageFeedbackEnabled")
        return cls(
            name=str(props["ConfigurationSetName"]),
            destinations=tuple(
                Destination.from_api(d, "EventDestinationName")
                for d in props.get("EventDestinations") or ()
            ),
            default_message_type=props.get("DefaultMessageType") or None,
            default_sender_id=props.get("DefaultSenderId") or None,
            message_feedback_enabled=None if feedback is None else to_bool(feedback),
            protect_configuration_id=props.get("ProtectConfigurationId") or None,
            tags=tuple((str(t["Key"]), str(t["Value"])) for t in props.get("Tags") or ()),
        )


@dataclass
class LiveSet:
    """A configuration set as the API reports it."""

    name: str
    arn: str | None = None
    destinations: dict[str, Destination] = field(default_factory=dict)
    default_message_type: str | None = None
    default_sender_id: str | None = None
    message_feedback_enabled: bool | None = None
    protect_configuration_id: str | None = None
    tags: dict[str, str] | None = None
    """The user's tags (ownership tag excluded) when they were read; None when unknown."""
