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


def resource_id(id_or_arn: str) -> str:
    """The resource id that an id or an ARN names: its last ``/`` segment (empty when the value
    ends in ``/``, which names nothing).
    """
    return id_or_arn.rsplit("/", 1)[-1]


def _declared(props: Mapping[str, Any], key: str) -> str | None:
    """A declared string property: None only when absent, never dropped for being empty."""
    value = props.get(key)
    return None if value is None else str(value)


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
            default_message_type=_declared(props, "DefaultMessageType"),
            default_sender_id=_declared(props, "DefaultSenderId"),
            message_feedback_enabled=None if feedback is None else to_bool(feedback),
            protect_configuration_id=_declared(props, "ProtectConfigurationId"),
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

    def unapplied(self, spec: ConfigurationSetSpec) -> list[str]:
        """What ``spec`` declares that this set does not hold, each named for a message."""
        missing = [
            f"event destination '{d.name}'"
            for d in spec.destinations
            if d.name not in self.destinations or not self.destinations[d.name].same_as(d)
        ]
        declared = spec.default_message_type
        if declared is not None and self.default_message_type != declared:
            missing.append(f"DefaultMessageType {declared!r}")
        declared = spec.default_sender_id
        if declared is not None and self.default_sender_id != declared:
            missing.append(f"DefaultSenderId {declared!r}")
        feedback = spec.message_feedback_enabled
        if feedback is not None and bool(self.message_feedback_enabled) != feedback:
            missing.append(f"MessageFeedbackEnabled {str(feedback).lower()!r}")
        declared = spec.protect_configuration_id
        if declared is not None:
            wanted = resource_id(declared)
            if not wanted or self.protect_configuration_id != wanted:
                missing.append(f"ProtectConfigurationId {declared!r}")
        tags = self.tags or {}
        missing += [f"tag {k!r}={v!r}" for k, v in spec.tags if tags.get(k) != v]
        return missing
