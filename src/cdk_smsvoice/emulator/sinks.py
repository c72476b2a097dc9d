"""Delivery of event records into the real sink APIs, as the service delivers them.

* ``SnsDestination``: ``sns:Publish`` of the record (JSON) to the topic;
* ``CloudWatchLogsDestination``: ``logs:PutLogEvents`` of the record to the log group, into a
  log stream the publisher creates (again, if it disappears) in the group; a missing group is
  a failure: the publisher never creates one;
* ``KinesisFirehoseDestination``: ``firehose:PutRecord`` of the record (JSON and a newline) to
  the delivery stream.

Each destination has its own worker thread and bounded queue, so records reach a destination in
the order they were emitted, and a slow or failing destination holds up no other one and no
send. A delivery is retried with exponential backoff. A record that still fails, finds its queue
full, has no endpoint for its service (:mod:`.sink_clients`: never AWS by default), or is still
queued when the publisher closes, is a failure (:mod:`.sink_failures`: counted, kept, logged and
written down, bounded), never an exception. Closing never waits longer than its timeout,
whatever the endpoints do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .sink_clients import (
    ClientFactory,
    make_client,
    missing_endpoint,
    sink_endpoints,
    sinks_configured,
)
from .sink_failures import DeliveryFailure, FailureLedger, FailureLog

__all__ = ["DeliveryFailure", "SinkPublisher", "sinks_configured"]

LOG = logging.getLogger("cdk_smsvoice.emulator.sinks")
SERVICE_OF_SINK = {
    "SnsDestination": "sns",
    "CloudWatchLogsDestination": "logs",
    "KinesisFirehoseDestination": "firehose",
}
ARN_MEMBER = {
    "SnsDestination": "TopicArn",
    "CloudWatchLogsDestination": "LogGroupArn",
    "KinesisFirehoseDestination": "DeliveryStreamArn",
}
STOPPED = "emulator stopped before delivery"


class SinkPublisher:
    """Delivers records to sinks in the background; see the module docstring.

    ``endpoint_url`` (default: none) is where the sink APIs are, unless a variable of
    :mod:`.sink_clients` names another; ``attempts`` (default 5) and ``backoff`` (default 0.2 s,
    doubling, at most ``max_backoff`` 5 s) shape the retries; ``queue_size`` (default 1000)
    bounds each destination's queue, ``max_destinations`` (default 256) the number of worker
    threads, ``max_failures`` (default 1000) the failure entries kept in memory;
    ``failure_log`` (default: none) also writes them down; ``summary_interval`` (default 10 s)
    is the interval of :mod:`.sink_failures`. ``client_factory`` builds the boto3 clients
    (default: :func:`~.sink_clients.make_client` at the service's endpoint).
    """

    def __init__(
        self,
        endpoint_url: str | None = None,
        *,
        attempts: int = 5,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        queue_size: int = 1000,
        max_destinations: int = 256,
        max_failures: int = 1000,
        client_factory: ClientFactory | None = None,
        failure_log: FailureLog | None = None,
        summary_interval: float = 10.0,
    ) -> None:
        if attempts < 1 or backoff < 0 or queue_size < 1 or max_destinations < 1:
            raise ValueError(
                "attempts, queue_size and max_destinations must be >= 1 and backoff >= 0"
            )
        self.endpoint_url = endpoint_url
        self.endpoints = sink_endpoints(endpoint_url)
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.queue_size = queue_size
        self.max_destinations = max_destinations
        self.stopping = threading.Event()
        self._client_factory = client_factory or self._default_client
        self._ledger = FailureLedger(failure_log, keep=max_failures, interval=summary_interval)
        self._clients: dict[tuple[str, str], Any] = {}
        self._workers: dict[tuple[str, str], _Worker] = {}
        self._lock = threading.Lock()
        self._clients_lock = threading.Lock()  # a client takes long to build: not under _lock
        self._closed = False
        self._told: set[str] = set()  # services whose missing endpoint was logged

    # ------------------------------------------------------------------ API

    def publish(self, sink_type: str, sink: Mapping[str, str], record: Mapping[str, Any]) -> None:
        """Queue ``record`` for the destination ``sink`` (its API structure); never blocks
        and never does I/O: a record that cannot be queued is a failure.
        """
        arn = sink.get(ARN_MEMBER.get(sink_type, ""), "")
        if sink_type not in SERVICE_OF_SINK or not arn.startswith("arn:"):
            self._fail(sink_type, arn or "?", record, 0, "no sink ARN in the destination")
            return
        service = SERVICE_OF_SINK[sink_type]
        if self.endpoints[service] is None:
            with self._lock:
                tell = service not in self._told
                self._told.add(service)
            if tell:
                LOG.warning("%s; %s records are not delivered", missing_endpoint(service), service)
            self._fail(sink_type, arn, record, 0, missing_endpoint(service), quiet=True)
            return
        dropped = False
        with self._lock:
            worker = self._workers.get((sink_type, arn))
            if self._closed:
                error = STOPPED
            elif worker is None and len(self._workers) >= self.max_destinations:
                error = f"more than {self.max_destinations} destinations"
            else:
                if worker is None:
                    worker = _Worker(self, sink_type, arn)
                    self._workers[(sink_type, arn)] = worker
                if worker.add(dict(record)):
                    return
                error, dropped = f"queue full ({self.queue_size} records)", True
        self._fail(sink_type, arn, record, 0, error, dropped=dropped)

    def status(self) -> dict[str, Any]:
        """What ``GET /_emulator/deliveries`` answers (see the README)."""
        with self._lock:
            workers = dict(self._workers)
        counts = self._ledger.counts()
        destinations: list[dict[str, Any]] = []
        for key in sorted(set(workers) | set(counts)):
            worker = workers.get(key)
            failed = counts.get(key, {"failed": 0, "dropped": 0})
            destinations.append(
                {
                    "sinkType": key[0],
                    "arn": key[1],
                    "delivered": worker.delivered if worker else 0,
                    "pending": worker.pending if worker else 0,
                    **failed,
                }
            )
        return {
            "enabled": True,
            "endpoint": self.endpoint_url,
            "endpoints": dict(self.endpoints),
            "delivered": sum(d["delivered"] for d in destinations),
            "pending": sum(d["pending"] for d in destinations),
            "failed": [f.to_api() for f in self._ledger.entries()],
            "failedRecords": sum(d["failed"] + d["dropped"] for d in destinations),
            "destinations": destinations,
        }

    @property
    def failures(self) -> list[DeliveryFailure]:
        """The failure entries kept, oldest first."""
        return self._ledger.entries()

    @property
    def clients(self) -> dict[tuple[str, str], Any]:
        """The clients made so far, by service and Region."""
        with self._clients_lock:
            return dict(self._clients)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is pending and every failure so far is written down (``True``),
        or ``timeout`` seconds (``False``).
        """
        deadline = time.monotonic() + timeout
        while self.status()["pending"]:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return self._ledger.flush(max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 5.0) -> None:
        """Stop delivering, within ``timeout`` seconds whatever the endpoints do: the records
        still queued, and the ones published later, are failures (:data:`STOPPED`); a delivery
        under way gets the first three quarters of ``timeout`` to finish.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
        self.stopping.set()
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.thread.join(max(0.0, deadline - timeout / 4 - time.monotonic()))
        for worker in workers:
            worker.abandon()
        self._ledger.flush(max(0.0, deadline - time.monotonic()), summarize=True)

    # ------------------------------------------------------------ delivery

    def client(self, service: str, region: str) -> Any:
        """The (shared) client of ``service`` in ``region``."""
        with self._clients_lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._client_factory(service, region)
            return self._clients[key]

    def _default_client(self, service: str, region: str) -> Any:
        endpoint = self.endpoints[service]
        if endpoint is None:  # publish() queues nothing for such a service
            raise ValueError(missing_endpoint(service))
        return make_client(service, region, endpoint)

    def _fail(
        self,
        sink_type: str,
        arn: str,
        record: Mapping[str, Any],
        attempts: int,
        error: str,
        *,
        dropped: bool = False,
        quiet: bool = False,
    ) -> None:
        failure = DeliveryFailure(
            sink_type,
            arn,
            str(record.get("messageId", "")),
            str(record.get("eventType", "")),
            attempts,
            error,
            time.time(),
        )
        self._ledger.record(failure, dropped=dropped, quiet=quiet)


class _Worker:
    """Delivers the records of one destination, in order."""

    def __init__(self, publisher: SinkPublisher, sink_type: str, arn: str) -> None:
        self.publisher = publisher
        self.sink_type = sink_type
        self.arn = arn
        self.region = arn.split(":")[3]
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue(publisher.queue_size)
        self.delivered = 0
        self.pending = 0  # queued or under way
        self.log_stream: str | None = None
        self._current: dict[str, Any] | None = None  # taken by the worker, or by abandon()
        self._lock = threading.Lock()
        self.thread = threading.Thread(
            target=self._run, name=f"sink {sink_type} {arn}", daemon=True
        )
        self.thread.start()

    def add(self, record: dict[str, Any]) -> bool:
        """Queue ``record``; ``False`` if the queue is full."""
        with self._lock:
            try:
                self.queue.put_nowait(record)
            except queue.Full:
                return False
            self.pending += 1
            return True

    def stop(self) -> None:
        """Fail the records queued (:data:`STOPPED`) and wake the worker to end."""
        while True:
            try:
                record = self.queue.get_nowait()
            except queue.Empty:
                break
            if record is not None:
                with self._lock:
                    self.pending -= 1
                self.publisher._fail(self.sink_type, self.arn, record, 0, STOPPED)
        with contextlib.suppress(queue.Full):  # publish() queues nothing once closed
            self.queue.put_nowait(None)

    def abandon(self) -> None:
        """Fail the delivery still under way (its endpoint has not answered)."""
        with self._lock:
            record, self._current = self._current, None
            self.pending -= record is not None
        if record is not None:
            self.publisher._fail(self.sink_type, self.arn, record, 0, f"{STOPPED} (no answer)")

    def _run(self) -> None:
        while True:
            record = self.queue.get()
            if record is None:
                return
            with self._lock:
                self._current = record
            attempts, error = self._deliver_with_retries(record)
            with self._lock:
                if self._current is None:  # abandoned
                    return
                self._current = None
                self.pending -= 1
                if error is None:
                    self.delivered += 1
            if error is not None:
                self.publisher._fail(self.sink_type, self.arn, record, attempts, error)

    def _deliver_with_retries(self, record: dict[str, Any]) -> tuple[int, str | None]:
        """``(attempts, None)`` once delivered, else ``(attempts, why not)``."""
        publisher = self.publisher
        delay = publisher.backoff
        error = ""
        for attempt in range(1, publisher.attempts + 1):
            if publisher.stopping.is_set():
                return attempt - 1, f"{STOPPED}{error and f' (last error: {error})'}"
            try:
                self._deliver(record)
            except Exception as problem:  # any client or connection error is retried
                error = repr(problem)
                if attempt == publisher.attempts:
                    return attempt, error
                publisher.stopping.wait(delay)
                delay = min(delay * 2, publisher.max_backoff)
            else:
                return attempt, None
        return publisher.attempts, error  # not reached: the last attempt returns

    def _deliver(self, record: dict[str, Any]) -> None:
        body = json.dumps(record)
        service = SERVICE_OF_SINK[self.sink_type]
        client = self.publisher.client(service, self.region)
        if service == "sns":
            client.publish(TopicArn=self.arn, Message=body)
        elif service == "firehose":
            name = self.arn.split(":deliverystream/", 1)[1]
            client.put_record(DeliveryStreamName=name, Record={"Data": (body + "\n").encode()})
        else:
            self._put_log_event(client, record, body)

    def _put_log_event(self, client: Any, record: dict[str, Any], body: str) -> None:
        """Put the record into this worker's log stream, creating the stream first (and
        again once, if it or its group was deleted since); a missing group raises.
        """
        group = _log_group_name(self.arn)
        stamp = int(record.get("eventTimestamp") or time.time() * 1000)
        for fresh in (False, True):
            if self.log_stream is None:
                stream = f"sms-voice-events/{uuid.uuid4().hex}"
                try:
                    client.create_log_stream(logGroupName=group, logStreamName=stream)
                except ClientError as error:
                    if _code(error) == "ResourceNotFoundException":
                        raise LookupError(f"log group {group} does not exist: {error}") from error
                    raise
                self.log_stream = stream
            try:
                answer = client.put_log_events(
                    logGroupName=group,
                    logStreamName=self.log_stream,
                    logEvents=[{"timestamp": stamp, "message": body}],
                )
            except ClientError as error:
                if _code(error) != "ResourceNotFoundException" or fresh:
                    raise
                self.log_stream = None  # deleted, or its group deleted and created again
                continue
            if answer.get("rejectedLogEventsInfo"):
                raise ValueError(f"log event rejected: {answer['rejectedLogEventsInfo']}")
            return


def _code(error: ClientError) -> str:
    code: str = error.response.get("Error", {}).get("Code", "")
    return code


def _log_group_name(arn: str) -> str:
    """``arn:aws:logs:r:a:log-group:NAME`` or ``...:log-group:NAME:*`` -> ``NAME``."""
    name = arn.split(":log-group:", 1)[1]
    return name.removesuffix(":*")
