"""Messages sent through the emulator, and the event records they emit to destinations.

Every message is delivered: a text or media message goes PENDING, QUEUED, SUCCESSFUL,
DELIVERED; a call is INITIATED, RINGING, ANSWERED, COMPLETED. Each event goes to every enabled
destination of the message's configuration set whose ``MatchingEventTypes`` match it (the
event type itself, ``ALL``, or the channel's ``<CHANNEL>_ALL``). With a data directory, records
are appended to ``events/<v1|v2>/<set>/<destination>.jsonl`` and messages to ``messages.jsonl``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .destination import EventDestination
from .store import StateStore

LIFECYCLES: dict[str, tuple[str, ...]] = {
    "TEXT": ("TEXT_PENDING", "TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"),
    "MEDIA": ("MEDIA_PENDING", "MEDIA_QUEUED", "MEDIA_SUCCESSFUL", "MEDIA_DELIVERED"),
    "VOICE": ("VOICE_INITIATED", "VOICE_RINGING", "VOICE_ANSWERED", "VOICE_COMPLETED"),
    "V1_VOICE": ("INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"),
}
MESSAGES_FILE = "messages.jsonl"


@dataclass
class Message:
    """One message accepted by a Send operation."""

    message_id: str
    api: str  # "v1" or "v2"
    operation: str
    configuration_set_name: str | None
    request: dict[str, Any]
    timestamp_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def to_record(self) -> dict[str, Any]:
        """As a line of ``messages.jsonl``."""
        return {
            "messageId": self.message_id,
            "api": self.api,
            "operation": self.operation,
            "configurationSetName": self.configuration_set_name,
            "timestamp": self.timestamp_ms,
            "request": self.request,
        }


class EventEmitter:
    """Records the messages of API ``api`` ("v1" or "v2") and emits their events; in memory,
    and on disk with a store.
    """

    def __init__(self, api: str, store: StateStore | None = None) -> None:
        self.store = store
        # v1 and v2 of one account and Region share the message log; each reads back its own
        saved = store.read_lines(MESSAGES_FILE) if store else []
        self.messages: list[dict[str, Any]] = [m for m in saved if m["api"] == api]
        self.events: list[dict[str, Any]] = []

    @staticmethod
    def new_message_id() -> str:
        """A fresh message id."""
        return str(uuid.uuid4())

    def send(
        self,
        message: Message,
        lifecycle: str,
        destinations: Iterable[EventDestination],
        fields: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        """Record ``message`` and emit the events of ``lifecycle``; returns the records."""
        stages = LIFECYCLES[lifecycle]
        emitted: list[dict[str, Any]] = []
        by_destination: dict[str, list[dict[str, Any]]] = {}
        for dest in destinations:
            for index, event_type in enumerate(stages):
                if not dest.receives(event_type):
                    continue
                record = {
                    "eventType": event_type,
                    "eventVersion": "1.0",
                    "eventTimestamp": message.timestamp_ms + index,
                    "isFinal": index == len(stages) - 1,
                    "messageId": message.message_id,
                    "messageRequestTimestamp": message.timestamp_ms,
                    "configurationSetName": message.configuration_set_name,
                    "eventDestinationName": dest.name,
                    "destination": {dest.sink_type: dict(dest.sink)},
                    **fields,
                }
                by_destination.setdefault(dest.name, []).append(record)
                emitted.append(record)
        if self.store is not None:
            self.store.append(MESSAGES_FILE, [message.to_record()])
            for name, records in by_destination.items():
                self.store.append(
                    events_file(message.api, message.configuration_set_name or "", name), records
                )
        self.messages.append(message.to_record())
        self.events.extend(emitted)
        return emitted


def events_file(api: str, set_name: str, destination_name: str) -> str:
    """Where the records of one destination go, relative to the data directory."""
    return f"events/{api}/{set_name}/{destination_name}.jsonl"
