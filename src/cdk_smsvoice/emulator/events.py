"""Messages sent through the emulator, and the event records they emit to destinations.

A send's outcome (:mod:`.outcomes`: delivered unless a rule or a failure simulator number says
otherwise) gives the sequence of event types; each becomes a record in AWS's documented shape
(:mod:`.records`). Each record goes to every enabled destination of the message's
configuration set whose ``MatchingEventTypes`` match it (the event type itself, ``ALL``, or
the channel's ``<CHANNEL>_ALL``), in the order of the sequence. With a data directory, records
are appended to ``events/<v1|v2>/<set>/<destination>.jsonl`` and messages to
``messages.jsonl``; with sinks configured (:mod:`.sinks`), they are also delivered to the
destination's topic, log group or delivery stream.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from .call_log import BoundedLog
from .destination import EventDestination
from .outcomes import OutcomeRules, is_final, lifecycle
from .records import SendFacts, v1_record, v2_record
from .sinks import SinkPublisher, sinks_configured
from .store import StateStore

MESSAGES_FILE = "messages.jsonl"
FAILED_DELIVERIES_FILE = "deliveries-failed.jsonl"
"""Under the data dir: the entries of records that did not reach their sink (one per record,
or one per destination and interval summing up the rest: see :mod:`.sink_failures`)."""
CONTROL_PATHS = ("/_emulator/outcomes", "/_emulator/deliveries")
DELIVERY_OFF: dict[str, Any] = {
    "enabled": False,
    "endpoint": None,
    "endpoints": {},
    "delivered": 0,
    "pending": 0,
    "failed": [],
    "failedRecords": 0,
    "destinations": [],
}
"""What ``GET /_emulator/deliveries`` answers without sinks: the fields of
:meth:`~.sinks.SinkPublisher.status`, empty."""


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


class EventRouting:
    """Where the events of one emulator go and how sends turn out: its outcome rules, and the
    publisher into sink APIs (``None``: JSON-lines files only).
    """

    def __init__(self, publisher: SinkPublisher | None = None) -> None:
        self.outcomes = OutcomeRules()
        self.publisher = publisher

    @classmethod
    def for_endpoint(cls, sinks_endpoint: str | None, data_dir: Path | None = None) -> EventRouting:
        """Routing that delivers to sink APIs when ``sinks_endpoint`` is given or a standard
        per-service endpoint variable is set (see :mod:`.sinks`); with ``data_dir`` (default:
        none), failed deliveries are also appended to :data:`FAILED_DELIVERIES_FILE` there, by a
        background thread, in batches and bounded as :mod:`.sink_failures` says.
        """
        if not sinks_configured(sinks_endpoint):
            return cls(None)
        log = None
        if data_dir is not None:
            store = StateStore(data_dir)

            def log(failures: list[dict[str, Any]]) -> None:
                store.append(FAILED_DELIVERIES_FILE, failures)

        return cls(SinkPublisher(sinks_endpoint, failure_log=log))

    def control(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Answer the control API's ``/_emulator/outcomes`` and ``/_emulator/deliveries``;
        ``None`` for any other path.
        """
        if path == "/_emulator/outcomes":
            status, answer = self.outcomes.control(method, body)
        elif path == "/_emulator/deliveries" and method == "GET":
            status = HTTPStatus.OK
            answer = self.publisher.status() if self.publisher is not None else DELIVERY_OFF
        elif path == "/_emulator/deliveries":
            status, answer = HTTPStatus.METHOD_NOT_ALLOWED, {"message": "use GET"}
        else:
            return None
        return status, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    def close(self) -> None:
        """Stop delivering."""
        if self.publisher is not None:
            self.publisher.close()


class EventEmitter:
    """Records the messages of API ``api`` ("v1" or "v2") and emits their events; on disk with
    a store, to sinks as ``routing`` says (default: outcomes by number only, no sinks), and in
    memory: the newest :data:`~.call_log.MAX_LOG_ENTRIES` messages and records (the files keep
    them all).
    """

    def __init__(self, api: str, store: StateStore | None = None) -> None:
        self.api = api
        self.store = store
        self.routing = EventRouting()
        self.messages: BoundedLog[dict[str, Any]] = BoundedLog()
        self.events: BoundedLog[dict[str, Any]] = BoundedLog()
        # v1 and v2 of one account and Region share the message log; each reads back its own
        saved = store.read_lines(MESSAGES_FILE) if store else []
        for line in saved:
            if line["api"] == api:
                self.messages.record(line, len(json.dumps(line)))

    @staticmethod
    def new_message_id() -> str:
        """A fresh message id."""
        return str(uuid.uuid4())

    def send(
        self,
        message: Message,
        facts: SendFacts,
        destinations: Iterable[EventDestination],
    ) -> list[dict[str, Any]]:
        """Record ``message``, build the records of its outcome and emit each to the
        destinations that receive it; returns the records, in order.
        """
        outcome = self.routing.outcomes.resolve(facts.channel, facts.destination)
        stages = lifecycle(self.api, facts.channel, outcome)
        call_id = str(uuid.uuid4())
        records = []
        for index, event_type in enumerate(stages):
            final = is_final(event_type, last=index == len(stages) - 1)
            timestamp = message.timestamp_ms + 1 + index
            records.append(
                v1_record(facts, event_type, timestamp, final, call_id)
                if self.api == "v1"
                else v2_record(facts, event_type, timestamp, final)
            )
        by_destination: dict[str, list[dict[str, Any]]] = {}
        for dest in destinations:
            for record in records:
                if dest.receives(record["eventType"]):
                    by_destination.setdefault(dest.name, []).append(record)
                    if self.routing.publisher is not None:
                        self.routing.publisher.publish(dest.sink_type, dest.sink, record)
        if self.store is not None:
            self.store.append(MESSAGES_FILE, [message.to_record()])
            for name, emitted in by_destination.items():
                path = events_file(message.api, message.configuration_set_name or "", name)
                self.store.append(path, emitted)
        line = message.to_record()
        self.messages.record(line, len(json.dumps(line)))
        for record in records:
            self.events.record(record, len(json.dumps(record)))
        return records


def events_file(api: str, set_name: str, destination_name: str) -> str:
    """Where the records of one destination go, relative to the data directory."""
    return f"events/{api}/{set_name}/{destination_name}.jsonl"
