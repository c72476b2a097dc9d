"""Delivery of event records into the real sink APIs, as the service delivers them.

* ``SnsDestination``: ``sns:Publish`` of the record (JSON) to the topic;
* ``CloudWatchLogsDestination``: ``logs:PutLogEvents`` of the record to the log group, into a
  log stream the publisher creates once per destination and process;
* ``KinesisFirehoseDestination``: ``firehose:PutRecord`` of the record (JSON and a newline) to
  the delivery stream.

Each destination has its own worker thread and bounded queue, so records reach a destination in
the order they were emitted, and a slow or failing destination holds up no other one and no
send. A delivery is retried with exponential backoff; one that still fails, or that finds its
queue full, is recorded in :meth:`SinkPublisher.status` (``GET /_emulator/deliveries``) and
logged, never raised. Clients use the endpoint given (``--sinks-endpoint``) unless the standard
``AWS_ENDPOINT_URL_SNS`` / ``_LOGS`` / ``_FIREHOSE`` variable names another one for its service,
the Region of the sink's ARN and the default credential chain (dummy keys when there are none,
as moto and LocalStack accept any).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

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
ENDPOINT_VARIABLES = tuple(f"AWS_ENDPOINT_URL_{s.upper()}" for s in ("sns", "logs", "firehose"))
ClientFactory = Callable[[str, str], Any]
"""``(service, region) -> boto3 client``."""
FailureLog = Callable[[dict[str, Any]], None]
"""Where a failed delivery is written down, as :meth:`DeliveryFailure.to_api` gives it."""


@dataclass(frozen=True)
class DeliveryFailure:
    """A record that did not reach its sink."""

    sink_type: str
    arn: str
    message_id: str
    event_type: str
    attempts: int
    error: str
    time: float

    def to_api(self) -> dict[str, Any]:
        """As the control API shows it."""
        return {
            "sinkType": self.sink_type,
            "arn": self.arn,
            "messageId": self.message_id,
            "eventType": self.event_type,
            "attempts": self.attempts,
            "error": self.error,
            "time": self.time,
        }


def sinks_configured(endpoint_url: str | None) -> bool:
    """Whether records go to sink APIs: an endpoint is given, or a per-service variable set."""
    return endpoint_url is not None or any(os.environ.get(v) for v in ENDPOINT_VARIABLES)


class SinkPublisher:
    """Delivers records to sinks in the background; see the module docstring.

    ``endpoint_url`` (default: each service's standard endpoint) is where the sink APIs are;
    ``attempts`` (default 5) and ``backoff`` (default 0.2 s, doubling, at most ``max_backoff``
    5 s) shape the retries; ``queue_size`` (default 1000) bounds each destination's queue,
    ``max_destinations`` (default 256) the number of worker threads, ``max_failures`` (default
    1000) the failures kept in memory; ``failure_log`` (default: none) also writes each one
    down. ``client_factory`` builds the boto3 clients (default: from the endpoint and the
    default credential chain).
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
    ) -> None:
        if attempts < 1 or backoff < 0 or queue_size < 1 or max_destinations < 1:
            raise ValueError("attempts, queue_size and max_destinations must be >= 1")
        self.endpoint_url = endpoint_url
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.queue_size = queue_size
        self.max_destinations = max_destinations
        self._client_factory = client_factory or self._default_client
        self._failure_log = failure_log
        self._clients: dict[tuple[str, str], Any] = {}
        self._workers: dict[tuple[str, str], _Worker] = {}
        self._failures: deque[DeliveryFailure] = deque(maxlen=max_failures)
        self._lock = threading.Lock()
        self._clients_lock = threading.Lock()  # a client takes long to build: not under _lock
        self._delivered = 0
        self._closed = False

    # ------------------------------------------------------------------ API

    def publish(self, sink_type: str, sink: Mapping[str, str], record: Mapping[str, Any]) -> None:
        """Queue ``record`` for the destination ``sink`` (its API structure); never blocks."""
        arn = sink.get(ARN_MEMBER.get(sink_type, ""), "")
        if sink_type not in SERVICE_OF_SINK or not arn.startswith("arn:"):
            self._fail(sink_type, arn or "?", record, 0, "no sink ARN in the destination")
            return
        with self._lock:
            if self._closed:
                return
            worker = self._workers.get((sink_type, arn))
            if worker is None:
                if len(self._workers) >= self.max_destinations:
                    worker = None
                else:
                    worker = _Worker(self, sink_type, arn)
                    self._workers[(sink_type, arn)] = worker
        if worker is None:
            message = f"more than {self.max_destinations} destinations"
            self._fail(sink_type, arn, record, 0, message)
            return
        try:
            worker.queue.put_nowait(dict(record))
        except queue.Full:
            self._fail(sink_type, arn, record, 0, f"queue full ({self.queue_size} records)")

    def status(self) -> dict[str, Any]:
        """Delivered and pending counts, and the failures kept (oldest first)."""
        with self._lock:
            pending = sum(w.pending for w in self._workers.values())
            return {
                "enabled": True,
                "endpoint": self.endpoint_url,
                "delivered": self._delivered,
                "pending": pending,
                "failed": [f.to_api() for f in self._failures],
            }

    @property
    def failures(self) -> list[DeliveryFailure]:
        """The deliveries that finally failed, oldest first."""
        with self._lock:
            return list(self._failures)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is pending (``True``), or ``timeout`` seconds (``False``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status()["pending"] == 0:
                return True
            time.sleep(0.02)
        return False

    def close(self, timeout: float = 5.0) -> None:
        """Stop the workers; records still queued after ``timeout`` seconds are dropped."""
        with self._lock:
            self._closed = True
            workers = list(self._workers.values())
        for worker in workers:
            worker.queue.put(None)
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.thread.join(max(0.0, deadline - time.monotonic()))

    # ------------------------------------------------------------ delivery

    def client(self, service: str, region: str) -> Any:
        """The (shared) client of ``service`` in ``region``."""
        with self._clients_lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._client_factory(service, region)
            return self._clients[key]

    def _default_client(self, service: str, region: str) -> Any:
        endpoint = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or self.endpoint_url
        session = boto3.session.Session()
        keys: dict[str, str] = {}
        if session.get_credentials() is None:
            keys = {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}
        config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=15)
        make: Any = session.client  # the service is a runtime value, not a stub literal
        return make(service, region_name=region, endpoint_url=endpoint, config=config, **keys)

    def _delivered_one(self) -> None:
        with self._lock:
            self._delivered += 1

    def _fail(
        self, sink_type: str, arn: str, record: Mapping[str, Any], attempts: int, error: str
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
        with self._lock:
            self._failures.append(failure)
        LOG.warning("event record not delivered to %s %s: %s", sink_type, arn, error)
        if self._failure_log is not None:
            try:
                self._failure_log(failure.to_api())
            except OSError as problem:  # a full disk must not stop the deliveries
                LOG.error("cannot write down a failed delivery: %s", problem)


class _Worker:
    """Delivers the records of one destination, in order."""

    def __init__(self, publisher: SinkPublisher, sink_type: str, arn: str) -> None:
        self.publisher = publisher
        self.sink_type = sink_type
        self.arn = arn
        self.region = arn.split(":")[3]
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue(publisher.queue_size)
        self.busy = False
        self.log_stream: str | None = None
        self.thread = threading.Thread(
            target=self._run, name=f"sink {sink_type} {arn}", daemon=True
        )
        self.thread.start()

    @property
    def pending(self) -> int:
        return self.queue.qsize() + (1 if self.busy else 0)

    def _run(self) -> None:
        while True:
            record = self.queue.get()
            if record is None:
                return
            self.busy = True
            try:
                self._deliver_with_retries(record)
            finally:
                self.busy = False

    def _deliver_with_retries(self, record: dict[str, Any]) -> None:
        publisher = self.publisher
        delay = publisher.backoff
        for attempt in range(1, publisher.attempts + 1):
            try:
                self._deliver(record)
            except Exception as error:  # any client or connection error is retried
                if attempt == publisher.attempts:
                    publisher._fail(self.sink_type, self.arn, record, attempt, repr(error))
                    return
                time.sleep(delay)
                delay = min(delay * 2, publisher.max_backoff)
            else:
                publisher._delivered_one()
                return

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
            group = _log_group_name(self.arn)
            if self.log_stream is None:
                stream = f"sms-voice-events/{uuid.uuid4().hex}"
                client.create_log_stream(logGroupName=group, logStreamName=stream)
                self.log_stream = stream
            stamp = int(record.get("eventTimestamp") or time.time() * 1000)
            answer = client.put_log_events(
                logGroupName=group,
                logStreamName=self.log_stream,
                logEvents=[{"timestamp": stamp, "message": body}],
            )
            if answer.get("rejectedLogEventsInfo"):
                raise ValueError(f"log event rejected: {answer['rejectedLogEventsInfo']}")


def _log_group_name(arn: str) -> str:
    """``arn:aws:logs:r:a:log-group:NAME`` or ``...:log-group:NAME:*`` -> ``NAME``."""
    name = arn.split(":log-group:", 1)[1]
    return name.removesuffix(":*")
