"""Delivery of event records into real sink APIs (a moto server): SNS to a subscribed SQS queue,
CloudWatch Logs, Firehose into S3; order per destination, retries, failures that are recorded
and visible through the control API but never fail a send; the CLI's --sinks-endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import jsonschema
import pytest
from events_support import MotoSinks, client, control
from silent_endpoint import silent_endpoint

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.emulator.events import DELIVERY_OFF
from cdk_smsvoice.emulator.records import record_schema
from cdk_smsvoice.emulator.sinks import SinkPublisher

VALIDATOR = jsonschema.Draft202012Validator(record_schema())
ROLE = "arn:aws:iam::123456789012:role/sms-events"
SUCCESS, FAILURE = "+14254147755", "+14254147167"
EMULATOR = (sys.executable, "-m", "cdk_smsvoice.emulator")


def _wait_for(read: Any, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Poll ``read()`` until it has ``count`` records (the sinks are asynchronous)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = read()
        if len(got) >= count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"expected {count} records, got {len(got)}: {got}")


@pytest.fixture
def sinks(moto_url: str) -> MotoSinks:
    return MotoSinks(moto_url)


@pytest.fixture
def names() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {k: f"{k}-{tag}" for k in ("topic", "group", "stream", "bucket", "queue", "set")}


@pytest.fixture
def emulator(moto_url: str) -> Iterator[Emulator]:
    with Emulator(sinks_endpoint=moto_url) as emu:
        yield emu


def _set(emu: Emulator, name: str, **sinks: dict[str, str]) -> Any:
    v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
    v2.create_configuration_set(ConfigurationSetName=name)
    for dest, sink in sinks.items():
        kind = {
            "TopicArn": "SnsDestination",
            "LogGroupArn": "CloudWatchLogsDestination",
            "DeliveryStreamArn": "KinesisFirehoseDestination",
        }[next(k for k in sink if k != "IamRoleArn")]
        v2.create_event_destination(
            ConfigurationSetName=name,
            EventDestinationName=dest,
            MatchingEventTypes=["ALL"],
            **{kind: sink},
        )
    return v2


def _lake_in_order(sinks: MotoSinks, bucket: str, queue_name: str) -> Any:
    """Have ``bucket`` notify a new SQS queue of each object created; returns a reader of the
    records in the order the objects were created (object keys only order by the second).
    """
    queue_url = sinks.sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sinks.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sinks.s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": queue_arn["Attributes"]["QueueArn"], "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    objects: list[tuple[str, list[dict[str, Any]]]] = []  # (eventTime, its records)

    def read() -> list[dict[str, Any]]:
        while True:
            answer = sinks.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            if not answer.get("Messages"):
                # by S3's clock: a standard queue need not keep the order (moto's does)
                ordered = sorted(objects, key=lambda item: item[0])
                return [record for _, records in ordered for record in records]
            for message in answer["Messages"]:
                for note in json.loads(message["Body"]).get("Records", []):  # not s3:TestEvent
                    key = urllib.parse.unquote_plus(note["s3"]["object"]["key"])
                    body = sinks.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
                    lines = body.decode().splitlines()
                    objects.append((note["eventTime"], [json.loads(line) for line in lines]))
                sinks.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    return read


def test_records_reach_sns_logs_and_firehose_in_order(
    emulator: Emulator, sinks: MotoSinks, names: dict[str, str]
) -> None:
    topic = sinks.topic(names["topic"])
    sinks.subscribe_queue(topic, names["queue"])
    group = sinks.log_group(names["group"])
    stream = sinks.stream_to_bucket(names["stream"], names["bucket"], ROLE)
    lake_in_order = _lake_in_order(sinks, names["bucket"], f"{names['queue']}-lake")
    v2 = _set(
        emulator,
        names["set"],
        topic={"TopicArn": topic},
        logs={"IamRoleArn": ROLE, "LogGroupArn": group},
        lake={"IamRoleArn": ROLE, "DeliveryStreamArn": stream},
    )
    ids = [
        v2.send_text_message(
            ConfigurationSetName=names["set"],
            DestinationPhoneNumber=number,
            OriginationIdentity="+12065550100",
            MessageBody=f"message {i}",
        )["MessageId"]
        for i, number in enumerate([SUCCESS, FAILURE, SUCCESS, FAILURE, SUCCESS])
    ]
    expected = 4 + 3 + 4 + 3 + 4
    topic_records = _wait_for(lambda: sinks.topic_records(topic), expected)
    log_records = _wait_for(lambda: sinks.log_records(names["group"]), expected)
    lake_records = _wait_for(lake_in_order, expected)
    emitted = emulator.v2().events[-expected:]
    counts = [4, 3, 4, 3, 4]
    assert [r["messageId"] for r in emitted] == [
        i for i, n in zip(ids, counts, strict=True) for _ in range(n)
    ]
    # each destination receives the records in the order they were emitted: the topic's
    # queue, the log stream and the objects behind the delivery stream, in creation order
    assert sorted(map(json.dumps, topic_records)) == sorted(map(json.dumps, emitted))
    published = sinks.publish_times(emitted)  # SNS's own clock, whatever the queue's order
    assert published == sorted(published)
    assert log_records == emitted
    assert lake_records == emitted
    assert sorted(map(json.dumps, sinks.bucket_records(names["bucket"]))) == sorted(
        map(json.dumps, emitted)
    )
    for record in emitted:
        assert VALIDATOR.is_valid(record)
    (stream_info,) = sinks.logs.describe_log_streams(logGroupName=names["group"])["logStreams"]
    assert stream_info["logStreamName"].startswith("sms-voice-events/")
    status, deliveries = control(emulator.endpoint_url, "GET", "/_emulator/deliveries")
    assert status == 200 and deliveries["enabled"] is True and deliveries["failed"] == []
    assert deliveries["delivered"] >= 3 * expected


def test_a_sink_that_does_not_exist_is_a_recorded_failure_not_a_failed_send(
    emulator: Emulator, sinks: MotoSinks, names: dict[str, str], moto_url: str
) -> None:
    assert emulator.events.publisher is not None
    emulator.events.publisher.close()  # replaced by one that gives up sooner
    emulator.events.publisher = SinkPublisher(moto_url, attempts=3, backoff=0.01)
    missing = f"arn:aws:sns:us-east-1:123456789012:{names['topic']}"
    v2 = _set(emulator, names["set"], topic={"TopicArn": missing})
    message_id = v2.send_text_message(
        ConfigurationSetName=names["set"], DestinationPhoneNumber=FAILURE, MessageBody="hi"
    )["MessageId"]
    assert emulator.events.publisher.wait_idle(30)
    status, deliveries = control(emulator.endpoint_url, "GET", "/_emulator/deliveries")
    assert status == 200
    failed = [f for f in deliveries["failed"] if f["messageId"] == message_id]
    assert [f["eventType"] for f in failed] == ["TEXT_PENDING", "TEXT_QUEUED", "TEXT_UNREACHABLE"]
    assert all(f["attempts"] == 3 and f["arn"] == missing for f in failed)
    assert "NotFound" in failed[0]["error"]
    emulator.events.publisher.close()


def test_a_delivery_is_retried_until_the_sink_exists(
    sinks: MotoSinks, names: dict[str, str], moto_url: str
) -> None:
    publisher = SinkPublisher(moto_url, attempts=50, backoff=0.05, max_backoff=0.05)
    group_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{names['group']}:*"
    sink = {"IamRoleArn": ROLE, "LogGroupArn": group_arn}
    try:
        publisher.publish("CloudWatchLogsDestination", sink, {"eventType": "TEXT_QUEUED"})
        time.sleep(0.2)  # a few attempts fail: the group is not there yet
        sinks.log_group(names["group"])
        assert publisher.wait_idle(30)
        assert sinks.log_records(names["group"]) == [{"eventType": "TEXT_QUEUED"}]
        assert publisher.failures == [] and publisher.status()["delivered"] == 1
    finally:
        publisher.close()


class _SlowSns:
    """A client stand-in whose publish waits for a gate: lets the test fill a queue."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.published: list[str] = []

    def publish(self, TopicArn: str, Message: str) -> None:  # noqa: N803 - boto3's names
        self.gate.wait(30)
        self.published.append(Message)


def test_a_full_queue_drops_and_records_instead_of_blocking_the_send() -> None:
    gate = threading.Event()
    slow = _SlowSns(gate)
    publisher = SinkPublisher("http://127.0.0.1:9", queue_size=2, client_factory=lambda s, r: slow)
    sink = {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}
    try:
        for i in range(10):
            publisher.publish("SnsDestination", sink, {"messageId": str(i), "eventType": "E"})
        # every publish returned while the sink still held its first record: none waited
        assert slow.published == [] and not gate.is_set()
        dropped = [f.message_id for f in publisher.failures]
        assert len(dropped) >= 7 and all("queue full" in f.error for f in publisher.failures)
        gate.set()
        assert publisher.wait_idle(30)
        delivered = [json_id(m) for m in slow.published]
        assert delivered == sorted(delivered, key=int)  # in the order they were queued
        assert set(delivered).isdisjoint(dropped) and len(delivered) + len(dropped) == 10
    finally:
        gate.set()
        publisher.close()


def json_id(message: str) -> str:
    value: str = json.loads(message)["messageId"]
    return value


def test_a_blocked_sink_never_holds_up_a_send(tmp_path: Path) -> None:
    with silent_endpoint() as url, Emulator(data_dir=tmp_path, sinks_endpoint=url) as emu:
        publisher = emu.events.publisher
        assert publisher is not None
        v2 = _set(emu, "s", topic={"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"})
        for sent in range(1, 6):
            answer = v2.send_text_message(ConfigurationSetName="s", DestinationPhoneNumber=SUCCESS)
            assert answer["MessageId"]
            # the send has returned while its records wait for an endpoint that never answers
            status = publisher.status()
            assert status["delivered"] == 0 and status["failedRecords"] == 0
            assert status["pending"] == 4 * sent
        # the JSON lines are written whatever happens to the sinks
        lines = (tmp_path / "123456789012/us-east-1/events/v2/s/topic.jsonl").read_text()
        assert lines.count("\n") == 20


def test_a_delivery_that_finally_fails_is_written_down(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path, sinks_endpoint="http://127.0.0.1:9") as emu:
        assert emu.events.publisher is not None
        emu.events.publisher.attempts, emu.events.publisher.backoff = 2, 0.01
        v2 = _set(emu, "s", topic={"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"})
        v2.send_text_message(ConfigurationSetName="s", DestinationPhoneNumber=SUCCESS)
        assert emu.events.publisher.wait_idle(60)
        assert [f.attempts for f in emu.events.publisher.failures] == [2] * 4
        # written down too, beside the state
        logged = (tmp_path / "deliveries-failed.jsonl").read_text().splitlines()
        assert [json.loads(line)["attempts"] for line in logged] == [2] * 4
        assert all("EndpointConnectionError" in json.loads(line)["error"] for line in logged)


def test_without_an_endpoint_records_only_go_to_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_LOGS", "AWS_ENDPOINT_URL_FIREHOSE"):
        monkeypatch.delenv(variable, raising=False)
    with Emulator(data_dir=tmp_path) as emu:
        assert emu.events.publisher is None
        status, deliveries = control(emu.endpoint_url, "GET", "/_emulator/deliveries")
        assert status == 200 and deliveries == DELIVERY_OFF  # its fields: test_events_records
        assert deliveries["enabled"] is False and deliveries["destinations"] == []
        assert control(emu.endpoint_url, "POST", "/_emulator/deliveries")[0] == 405


def test_a_per_service_endpoint_variable_turns_delivery_on(
    monkeypatch: pytest.MonkeyPatch, moto_url: str, sinks: MotoSinks, names: dict[str, str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", moto_url)
    topic = sinks.topic(names["topic"])
    sinks.subscribe_queue(topic, names["queue"])
    with Emulator() as emu:
        assert emu.events.publisher is not None
        v2 = _set(emu, names["set"], topic={"TopicArn": topic})
        v2.send_voice_message(
            ConfigurationSetName=names["set"],
            DestinationPhoneNumber=FAILURE,
            OriginationIdentity="+12065550100",
            MessageBody="hello",
        )
        records = _wait_for(lambda: sinks.topic_records(topic), 2)
    records.sort(key=lambda r: r["eventTimestamp"])
    assert [r["eventType"] for r in records] == ["VOICE_INITIATED", "VOICE_FAILED"]


def test_the_cli_delivers_with_sinks_endpoint(
    tmp_path: Path, moto_url: str, sinks: MotoSinks, names: dict[str, str]
) -> None:
    topic = sinks.topic(names["topic"])
    sinks.subscribe_queue(topic, names["queue"])
    process = subprocess.Popen(
        [*EMULATOR, "--data-dir", str(tmp_path), "--sinks-endpoint", moto_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    try:
        stdout: IO[str] = process.stdout  # type: ignore[assignment]
        url = stdout.readline().strip()
        v1 = client("pinpoint-sms-voice", url)
        v1.create_configuration_set(ConfigurationSetName="calls")
        v1.create_configuration_set_event_destination(
            ConfigurationSetName="calls",
            EventDestinationName="topic",
            EventDestination={
                "Enabled": True,
                "MatchingEventTypes": ["INITIATED_CALL", "ANSWERED", "COMPLETED_CALL"],
                "SnsDestination": {"TopicArn": topic},
            },
        )
        v1.send_voice_message(
            ConfigurationSetName="calls",
            OriginationPhoneNumber="+12065550100",
            DestinationPhoneNumber=SUCCESS,
            Content={"PlainTextMessage": {"Text": "hello"}},
        )
        records = _wait_for(lambda: sinks.topic_records(topic), 3)
        records.sort(key=lambda r: r["eventTimestamp"])
        assert [r["eventType"] for r in records] == ["INITIATED_CALL", "ANSWERED", "COMPLETED_CALL"]
        assert all(VALIDATOR.is_valid(r) for r in records)
    finally:
        process.terminate()
        process.wait(30)
