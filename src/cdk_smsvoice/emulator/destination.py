"""An event destination as both emulated APIs keep it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class EventDestination:
    """One event destination of a configuration set: exactly one sink, its event types."""

    name: str
    matching_event_types: list[str]
    sink_type: str  # CloudWatchLogsDestination, KinesisFirehoseDestination or SnsDestination
    sink: dict[str, str]
    enabled: bool

    def to_api(self, name_member: str) -> dict[str, Any]:
        """Render as the API's structure; v1 names the destination ``Name``, v2
        ``EventDestinationName``.
        """
        return {
            name_member: self.name,
            "Enabled": self.enabled,
            "MatchingEventTypes": list(self.matching_event_types),
            self.sink_type: dict(self.sink),
        }

    def to_state(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "name": self.name,
            "matching_event_types": list(self.matching_event_types),
            "sink_type": self.sink_type,
            "sink": dict(self.sink),
            "enabled": self.enabled,
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> EventDestination:
        """Read back what :meth:`to_state` wrote."""
        return cls(
            name=state["name"],
            matching_event_types=list(state["matching_event_types"]),
            sink_type=state["sink_type"],
            sink=dict(state["sink"]),
            enabled=bool(state["enabled"]),
        )

    def receives(self, event_type: str) -> bool:
        """Whether this destination is enabled and its event types match ``event_type``: the
        type itself, ``ALL``, or the channel's ``<CHANNEL>_ALL``.
        """
        channel = event_type.split("_", 1)[0]
        wanted = {"ALL", f"{channel}_ALL", event_type}
        return self.enabled and bool(wanted & set(self.matching_event_types))
