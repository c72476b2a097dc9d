"""One end-to-end test of "send, then event, then consumer", on two targets.

An app with a v2 set (destinations: an SNS topic, a log group, a Firehose stream into S3) and a
v1 voice set (the topic and the log group) is deployed; each set sends to a simulator success
number and to a failure number; the test reads what arrived (an SQS queue subscribed to the
topic, the log group's events, the objects in the bucket), checks every record against the
schema and the outcomes, then destroys the app.

* local (always, also in ``make test``): ``cdk-smsvoice local deploy`` to the emulator, which
  delivers to a moto server started by the tests (``conftest.moto_url``); the test creates the
  sinks in moto under the ARNs local deploy resolves.
* aws (skipped, with the reason, unless ``CDK_SMSVOICE_E2E=aws`` with credentials, and
  ``CDK_SMSVOICE_E2E_ORIGINATION``: an origination simulator number of the account):
  ``cdk deploy`` / ``cdk destroy`` on the account; the senders and readers are the same
  code, with AWS's endpoints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import boto3
import jsonschema
import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from events_support import MotoSinks, client

from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
    EventType,
    VoiceConfigurationSet,
    VoiceEventType,
)
from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.emulator.records import record_schema

TARGET = os.environ.get("CDK_SMSVOICE_E2E", "local")
"""``aws`` also runs the AWS target; anything else runs the local one only."""
ROOT = Path(__file__).resolve().parents[2]
SUCCESS, FAILURE = "+14254147755", "+14254147167"
VALIDATOR = jsonschema.Draft202012Validator(record_schema())
EXPECTED = {
    ("v2", SUCCESS): ["TEXT_PENDING", "TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"],
    ("v2", FAILURE): ["TEXT_PENDING", "TEXT_QUEUED", "TEXT_UNREACHABLE"],
    ("v1", SUCCESS): ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"],
    ("v1", FAILURE): ["INITIATED_CALL", "FAILED"],
}


@dataclass(frozen=True)
class Names:
    """The physical names of the app's resources, unique per run."""

    run: str

    @property
    def topic(self) -> str:
        return f"smsvoice-e2e-{self.run}"

    @property
    def log_group(self) -> str:
        return f"/smsvoice-e2e/{self.run}"

    @property
    def stream(self) -> str:
        return f"smsvoice-e2e-{self.run}"

    @property
    def bucket(self) -> str:
        return f"smsvoice-e2e-lake-{self.run}"

    @property
    def texts(self) -> str:
        return f"e2e-texts-{self.run}"

    @property
    def calls(self) -> str:
        return f"e2e-calls-{self.run}"


def synth(outdir: Path, names: Names) -> Path:
    """The app under test, synthesized into ``outdir``."""
    app = App(outdir=str(outdir))
    stack = Stack(app, f"SmsVoiceEventsE2E-{names.run}")
    topic = sns.Topic(stack, "Events", topic_name=names.topic)
    log_group = logs.LogGroup(
        stack, "EventLog", log_group_name=names.log_group, removal_policy=RemovalPolicy.DESTROY
    )
    bucket = s3.Bucket(
        stack,
        "Lake",
        bucket_name=names.bucket,
        removal_policy=RemovalPolicy.DESTROY,
        auto_delete_objects=True,
        enforce_ssl=True,
    )
    stream = firehose.DeliveryStream(
        stack, "ToLake", delivery_stream_name=names.stream, destination=firehose.S3Bucket(bucket)
    )
    texts = ConfigurationSet(stack, "Texts", configuration_set_name=names.texts)
    texts.add_event_destination(
        "Topic", destination=EventDestination.sns_topic(topic), events=[EventType.ALL]
    )
    texts.add_event_destination(
        "Log", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.ALL]
    )
    texts.add_event_destination(
        "Lake", destination=EventDestination.firehose(stream), events=[EventType.ALL]
    )
    calls = VoiceConfigurationSet(stack, "Calls", configuration_set_name=names.calls)
    every_call_event = list(VoiceEventType)
    calls.add_event_destination(
        "Topic", destination=EventDestination.sns_topic(topic), events=every_call_event
    )
    calls.add_event_destination(
        "Log", destination=EventDestination.cloud_watch_logs(log_group), events=every_call_event
    )
    app.synth()
    return outdir


class Target(Protocol):
    """Where the app is deployed; the only part of the test specific to a target."""

    sms_voice_url: str | None
    sinks_url: str | None
    origination: str

    def deploy(self, cdk_out: Path, names: Names) -> None: ...

    def destroy(self, cdk_out: Path) -> None: ...


def _run(command: list[str], **env: str) -> None:
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=3600,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"


class LocalTarget:
    """``cdk-smsvoice local`` to the emulator, whose sinks are in a moto server."""

    origination = "+12065550100"

    def __init__(self, emulator: Emulator, moto_url: str, state_dir: Path) -> None:
        self.emulator = emulator
        self.sms_voice_url: str | None = emulator.endpoint_url
        self.sinks_url: str | None = moto_url
        self.state_dir = state_dir

    def deploy(self, cdk_out: Path, names: Names) -> None:
        # What local deploy takes as existing, made real in moto under the ARNs it resolves.
        sinks = MotoSinks(self.sinks_url)
        created = {
            sinks.topic(names.topic),
            sinks.log_group(names.log_group),
            sinks.stream_to_bucket(
                names.stream, names.bucket, "arn:aws:iam::123456789012:role/lake"
            ),
        }
        self._local("deploy", cdk_out)
        deployed = [
            *self.emulator.v2().sets[names.texts].event_destinations.values(),
            *self.emulator.v1().sets[names.calls].event_destinations.values(),
        ]
        resolved = {arn for d in deployed for k, arn in d.sink.items() if k != "IamRoleArn"}
        assert resolved == created, f"local deploy resolved {resolved}, moto has {created}"

    def destroy(self, cdk_out: Path) -> None:
        self._local("destroy", cdk_out)

    def _local(self, command: str, cdk_out: Path) -> None:
        assert self.sms_voice_url is not None
        local = (sys.executable, "-m", "cdk_smsvoice.local", command)
        endpoint = ("--endpoint", self.sms_voice_url, "--state-dir", str(self.state_dir))
        _run([*local, "--cdk-out", str(cdk_out), *endpoint])


class AwsTarget:
    """``cdk deploy`` / ``cdk destroy`` with the pinned CDK CLI, on the credentials' account."""

    sms_voice_url = None
    sinks_url = None

    def __init__(self, origination: str) -> None:
        self.origination = origination

    def deploy(self, cdk_out: Path, names: Names) -> None:
        _run(
            ["npx", "cdk", "deploy", "--app", str(cdk_out), "--all", "--require-approval", "never"]
        )

    def destroy(self, cdk_out: Path) -> None:
        _run(["npx", "cdk", "destroy", "--app", str(cdk_out), "--all", "--force"])


@pytest.fixture(scope="module", params=["local", "aws"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    if request.param == "local":
        moto_url: str = request.getfixturevalue("moto_url")
        emulator_dir = tmp_path_factory.mktemp("emulator")
        with Emulator(data_dir=emulator_dir, sinks_endpoint=moto_url) as emulator:
            yield LocalTarget(emulator, moto_url, tmp_path_factory.mktemp("state"))
        return
    origination = os.environ.get("CDK_SMSVOICE_E2E_ORIGINATION")
    if TARGET != "aws":
        pytest.skip("AWS target: set CDK_SMSVOICE_E2E=aws (with AWS credentials) to run it")
    if boto3.session.Session().get_credentials() is None or not origination:
        pytest.skip(
            "AWS target: CDK_SMSVOICE_E2E=aws needs AWS credentials and "
            "CDK_SMSVOICE_E2E_ORIGINATION (an origination simulator phone number of the account)"
        )
    yield AwsTarget(origination)


def test_events_reach_consumers_through_sns_logs_and_firehose(
    target: Target, tmp_path: Path
) -> None:
    names = Names(uuid.uuid4().hex[:8])
    cdk_out = synth(tmp_path / "cdk.out", names)
    target.deploy(cdk_out, names)
    sinks = MotoSinks(target.sinks_url)
    try:
        topic_arn = sinks.sns.create_topic(Name=names.topic)["TopicArn"]  # idempotent: its ARN
        sinks.subscribe_queue(topic_arn, f"smsvoice-e2e-consumer-{names.run}")
        sent = _send_everything(target, names)

        texts = [m for m in sent.values() if m[0] == "v2"]
        calls = [m for m in sent.values() if m[0] == "v1"]
        on_topic = sum(len(EXPECTED[m]) for m in texts + calls)
        in_log = on_topic
        in_lake = sum(len(EXPECTED[m]) for m in texts)
        timeout = 60.0 if isinstance(target, LocalTarget) else 900.0
        records = {
            "topic": _wait_for(lambda: sinks.topic_records(topic_arn), on_topic, timeout),
            "log": _wait_for(lambda: sinks.log_records(names.log_group), in_log, timeout),
            "lake": _wait_for(lambda: sinks.bucket_records(names.bucket), in_lake, timeout),
        }
        for sink, got in records.items():
            _check(sink, got, sent, texts_only=sink == "lake")
    finally:
        try:
            sinks.delete_queues()
        finally:
            target.destroy(cdk_out)
    if isinstance(target, LocalTarget):
        assert names.texts not in target.emulator.v2().sets
        assert names.calls not in target.emulator.v1().sets


def _send_everything(target: Target, names: Names) -> dict[str, tuple[str, str]]:
    """Send through each set to the success and the failure number: message id -> (api,
    number)."""
    v2 = client("pinpoint-sms-voice-v2", target.sms_voice_url)
    v1 = client("pinpoint-sms-voice", target.sms_voice_url)
    sent: dict[str, tuple[str, str]] = {}
    for number in (SUCCESS, FAILURE):
        answer = v2.send_text_message(
            ConfigurationSetName=names.texts,
            DestinationPhoneNumber=number,
            OriginationIdentity=target.origination,
            MessageBody="cdk-smsvoice end-to-end test",
            Context={"test": names.run},
        )
        sent[answer["MessageId"]] = ("v2", number)
        answer = v1.send_voice_message(
            ConfigurationSetName=names.calls,
            OriginationPhoneNumber=target.origination,
            DestinationPhoneNumber=number,
            Content={"PlainTextMessage": {"LanguageCode": "en-US", "Text": "end-to-end test"}},
        )
        sent[answer["MessageId"]] = ("v1", number)
    return sent


def _wait_for(
    read: Callable[[], list[dict[str, Any]]], count: int, timeout: float
) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = read()
        if len(got) >= count:
            return got
        time.sleep(min(5.0, timeout / 100))
    raise AssertionError(f"expected {count} records, got {len(got)}: {got}")


def _check(
    sink: str,
    records: list[dict[str, Any]],
    sent: dict[str, tuple[str, str]],
    *,
    texts_only: bool,
) -> None:
    by_message: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        errors = [e.message for e in VALIDATOR.iter_errors(record)]
        assert not errors, f"{sink}: {record} breaks the schema: {errors}"
        assert record["messageId"] in sent, f"{sink}: a record of no message sent: {record}"
        by_message.setdefault(record["messageId"], []).append(record)
    expected_ids = {m for m, (api, _) in sent.items() if api == "v2" or not texts_only}
    assert set(by_message) == expected_ids, sink
    for message_id, got in by_message.items():
        got.sort(key=lambda r: r["eventTimestamp"])
        api, number = sent[message_id]
        assert [r["eventType"] for r in got] == EXPECTED[(api, number)], (sink, api, number)
        assert [r["isFinal"] for r in got] == [False] * (len(got) - 1) + [True], sink
        assert {r["destinationPhoneNumber"] for r in got} == {number}, sink
