"""Sink deliveries when things go wrong: an endpoint that never answers, a service without an
endpoint, an outage that floods, a log group deleted and created again. Stopping stays prompt,
every record that does not arrive is a recorded failure, and nothing goes to AWS."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from events_support import MotoSinks, client, control
from silent_endpoint import silent_endpoint

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.emulator.sinks import STOPPED, SinkPublisher

SUCCESS = "+14254147755"
ROLE = "arn:aws:iam::123456789012:role/sms-events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:{}"
GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:{}:*"
STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/{}"
PROMPT = 30.0
"""Seconds a stop is given before the test calls it hung (the old code took minutes)."""


@pytest.fixture
def silent_url() -> Iterator[str]:
    with silent_endpoint() as url:
        yield url


@pytest.fixture(autouse=True)
def _no_endpoint_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for service in ("", "_SNS", "_LOGS", "_FIREHOSE"):
        monkeypatch.delenv(f"AWS_ENDPOINT_URL{service}", raising=False)


def _stops_promptly(stop: Any) -> None:
    """Run ``stop()`` in a thread; it must have returned within :data:`PROMPT` seconds."""
    thread = threading.Thread(target=stop, daemon=True)
    thread.start()
    thread.join(PROMPT)
    assert not thread.is_alive(), "stopping hung on a sink endpoint that never answers"


def _set(emu: Emulator, name: str, **sinks: dict[str, str]) -> Any:
    v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
    v2.create_configuration_set(ConfigurationSetName=name)
    kinds = {"TopicArn": "SnsDestination", "LogGroupArn": "CloudWatchLogsDestination"}
    kinds["DeliveryStreamArn"] = "KinesisFirehoseDestination"
    for dest, sink in sinks.items():
        kind = kinds[next(k for k in sink if k != "IamRoleArn")]
        v2.create_event_destination(
            ConfigurationSetName=name,
            EventDestinationName=dest,
            MatchingEventTypes=["ALL"],
            **{kind: sink},
        )
    return v2


NOW_MS = int(time.time() * 1000)  # CloudWatch Logs rejects events older than 14 days


def _record(i: int) -> dict[str, Any]:
    return {"messageId": f"m{i}", "eventType": "TEXT_QUEUED", "eventTimestamp": NOW_MS + i}


def test_close_returns_promptly_when_the_endpoint_never_answers(silent_url: str) -> None:
    written: list[dict[str, Any]] = []
    publisher = SinkPublisher(silent_url, queue_size=5, failure_log=written.extend)
    sinks = [("SnsDestination", {"TopicArn": TOPIC.format(f"t{i}")}) for i in range(3)]
    sinks.append(("CloudWatchLogsDestination", {"LogGroupArn": GROUP.format("g")}))
    sinks.append(("KinesisFirehoseDestination", {"DeliveryStreamArn": STREAM.format("s")}))
    for i in range(50):
        for sink_type, sink in sinks:
            publisher.publish(sink_type, sink, _record(i))
    assert publisher.status()["delivered"] == 0
    _stops_promptly(publisher.close)

    # every record is accounted for: the queued and the one under way failed, the rest dropped
    status = publisher.status()
    assert status["pending"] == 0 and status["delivered"] == 0
    assert status["failedRecords"] == 50 * len(sinks)
    for destination in status["destinations"]:
        assert destination["failed"] + destination["dropped"] == 50
        assert destination["failed"] >= 5  # the full queue at least
    stopped = [f for f in status["failed"] if STOPPED in f["error"]]
    assert {f["arn"] for f in stopped} == {sink[next(iter(sink))] for _, sink in sinks}
    # written down too, coalesced: the entries stand for every record, and are few
    assert sum(entry["count"] for entry in written) == 50 * len(sinks)
    assert len(written) <= len(sinks) * 11

    # a record published after close is a failure too, not silence
    publisher.publish(*sinks[0], _record(99))
    assert publisher.wait_idle(30)
    late = [f for f in publisher.failures if f.message_id == "m99"]
    assert [(f.error, f.count) for f in late] == [(STOPPED, 1)]
    assert written[-1]["messageId"] == "m99" and written[-1]["error"] == STOPPED


def test_stopping_the_emulator_records_what_was_still_queued(
    silent_url: str, tmp_path: Path
) -> None:
    emu = Emulator(data_dir=tmp_path, sinks_endpoint=silent_url).start()
    v2 = _set(
        emu,
        "s",
        topic={"TopicArn": TOPIC.format("t")},
        logs={"IamRoleArn": ROLE, "LogGroupArn": GROUP.format("g")},
        lake={"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM.format("s")},
    )
    for _ in range(20):
        v2.send_text_message(ConfigurationSetName="s", DestinationPhoneNumber=SUCCESS)
    _stops_promptly(emu.stop)

    entries = [json.loads(line) for line in (tmp_path / "deliveries-failed.jsonl").open()]
    assert sum(e["count"] for e in entries) == 20 * 4 * 3  # four records, three destinations
    assert all(STOPPED in e["error"] for e in entries)
    assert {e["arn"] for e in entries} == {TOPIC.format("t"), GROUP.format("g"), STREAM.format("s")}


def test_a_service_without_an_endpoint_is_never_called(
    monkeypatch: pytest.MonkeyPatch,
    moto_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", moto_url)  # only SNS has an endpoint
    sinks = MotoSinks(moto_url)
    tag = uuid.uuid4().hex[:8]
    topic = sinks.topic(f"topic-{tag}")
    sinks.subscribe_queue(topic, f"queue-{tag}")
    caplog.set_level(logging.WARNING, "cdk_smsvoice.emulator.sinks")
    with Emulator() as emu:
        publisher = emu.events.publisher
        assert publisher is not None
        v2 = _set(
            emu,
            "s",
            topic={"TopicArn": topic},
            logs={"IamRoleArn": ROLE, "LogGroupArn": GROUP.format("g")},
            lake={"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM.format("s")},
        )
        for _ in range(2):
            v2.send_text_message(ConfigurationSetName="s", DestinationPhoneNumber=SUCCESS)
        assert publisher.wait_idle(30)
        assert len(sinks.topic_records(topic)) == 8  # SNS delivers as before
        status, deliveries = control(emu.endpoint_url, "GET", "/_emulator/deliveries")
        assert status == 200
        errors = {(f["sinkType"], f["error"]) for f in deliveries["failed"]}
        assert errors == {
            (
                "CloudWatchLogsDestination",
                "no endpoint for logs: set --sinks-endpoint or AWS_ENDPOINT_URL_LOGS",
            ),
            (
                "KinesisFirehoseDestination",
                "no endpoint for firehose: set --sinks-endpoint or AWS_ENDPOINT_URL_FIREHOSE",
            ),
        }
        # the only client made is SNS's, at the endpoint given: none at AWS
        clients = publisher.clients
        assert list(clients) == [("sns", "us-east-1")]
        assert clients["sns", "us-east-1"].meta.endpoint_url == moto_url
        assert publisher.endpoints == {"sns": moto_url, "logs": None, "firehose": None}
        assert deliveries["failedRecords"] == 16
    said = [r.getMessage() for r in caplog.records]
    assert sum("no endpoint for logs" in m for m in said) == 1
    assert sum("no endpoint for firehose" in m for m in said) == 1


def test_an_outage_writes_and_logs_a_bounded_number_of_lines(
    silent_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    writers: set[str] = set()
    written: list[dict[str, Any]] = []

    def write(entries: list[dict[str, Any]]) -> None:
        writers.add(threading.current_thread().name)
        written.extend(entries)

    caplog.set_level(logging.WARNING, "cdk_smsvoice.emulator.sinks")
    publisher = SinkPublisher(silent_url, queue_size=2, failure_log=write, summary_interval=3600)
    sinks = [("SnsDestination", {"TopicArn": TOPIC.format(f"t{i}")}) for i in range(2)]
    for i in range(1500):
        for sink_type, sink in sinks:
            publisher.publish(sink_type, sink, _record(i))
    status = publisher.status()
    assert status["pending"] <= 2 * 3  # a full queue and one under way, each
    assert status["failedRecords"] == 3000 - status["pending"]
    assert all(d["dropped"] >= 1500 - 3 for d in status["destinations"])
    _stops_promptly(publisher.close)

    assert publisher.status()["failedRecords"] == 3000
    assert sum(entry["count"] for entry in written) == 3000
    assert len(written) <= 2 * 11  # ten entries and one summary per destination and interval
    assert writers and threading.current_thread().name not in writers  # never the sender
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) <= 2 * 2  # the first failure and one summary per destination
    summaries = [e for e in written if e["count"] > 1]
    assert len(summaries) == 2 and all("records not delivered" in e["error"] for e in summaries)


def test_a_log_group_deleted_and_created_again_gets_a_new_stream(moto_url: str) -> None:
    sinks = MotoSinks(moto_url)
    name = f"group-{uuid.uuid4().hex[:8]}"
    sink = {"IamRoleArn": ROLE, "LogGroupArn": sinks.log_group(name)}
    publisher = SinkPublisher(moto_url, attempts=2, backoff=0.01)
    try:
        publisher.publish("CloudWatchLogsDestination", sink, _record(1))
        assert publisher.wait_idle(30)
        sinks.logs.delete_log_group(logGroupName=name)
        sinks.log_group(name)
        publisher.publish("CloudWatchLogsDestination", sink, _record(2))
        assert publisher.wait_idle(30)
        assert sinks.log_records(name) == [_record(2)]
        assert publisher.failures == [] and publisher.status()["delivered"] == 2

        # a group that is gone is a failure: the publisher never creates one
        sinks.logs.delete_log_group(logGroupName=name)
        publisher.publish("CloudWatchLogsDestination", sink, _record(3))
        assert publisher.wait_idle(30)
        (failure,) = publisher.failures
        assert failure.message_id == "m3" and failure.attempts == 2
        assert f"log group {name} does not exist" in failure.error
        assert sinks.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []
    finally:
        publisher.close()


def test_each_service_finds_its_endpoint_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    given, generic, logs = "http://127.0.0.1:4001", "http://127.0.0.1:4002", "http://127.0.0.1:4003"
    monkeypatch.setenv("AWS_ENDPOINT_URL_LOGS", logs)
    assert SinkPublisher(given).endpoints == {"sns": given, "logs": logs, "firehose": given}
    monkeypatch.setenv("AWS_ENDPOINT_URL", generic)
    assert SinkPublisher(None).endpoints == {"sns": generic, "logs": logs, "firehose": generic}
    assert SinkPublisher(given).endpoints == {"sns": given, "logs": logs, "firehose": given}
