"""One end-to-end test of "send, then event, then consumer", on two targets.

An app with a v2 set (destinations: an SNS topic, a log group, a Firehose stream into S3) and a
v1 voice set (the topic and the log group) is deployed; each set sends to a simulator success
number and to a failure number; the test reads what arrived (an SQS queue subscribed to the
topic, the log group's events, the objects in the bucket), checks every record against the
schema and the outcomes, then destroys the app.

* local (always, also in ``make test``): ``cdk-smsvoice local deploy`` to the emulator, which
  delivers to a moto server started by the tests (``conftest.moto_url``); the test creates the
  sinks in moto under the ARNs local deploy resolves.
* aws (skipped, with the reason, unless ``CDK_SMSVOICE_E2E=aws`` with credentials and a
  Region, and the numbers: ``CDK_SMSVOICE_E2E_ORIGINATION``, an origination simulator number of
  the account, for texts to the SMS simulator's numbers; ``CDK_SMSVOICE_E2E_VOICE_ORIGINATION``,
  a voice-capable number of the account, calling ``CDK_SMSVOICE_E2E_VOICE_SUCCESS`` (a phone
  that answers) and ``CDK_SMSVOICE_E2E_VOICE_FAILURE`` (one that does not): AWS's simulator
  numbers take SMS and MMS only): ``cdk deploy`` / ``cdk destroy`` on the account.

The senders, the readers and the checks are the same code for both targets. The checks are
what AWS documents, not the emulator's exact sequences (those are checked in
``test_events_records.py``): every record matches the schema, a message's records end with a
final one of the types its outcome allows, and no record that is not final follows a final one.
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
from cdk_smsvoice.emulator.model_checks import service_model
from cdk_smsvoice.emulator.records import record_schema

TARGET = os.environ.get("CDK_SMSVOICE_E2E", "local")
"""``aws`` also runs the AWS target; anything else runs the local one only."""
ROOT = Path(__file__).resolve().parents[2]
SUCCESS, FAILURE = "+14254147755", "+14254147167"
VALIDATOR = jsonschema.Draft202012Validator(record_schema())
V2_TYPES = set(service_model("pinpoint-sms-voice-v2").shape_for("EventType").enum)  # type: ignore[attr-defined]
V1_TYPES = set(service_model("pinpoint-sms-voice").shape_for("EventType").enum)  # type: ignore[attr-defined]
TEXT_TYPES = {t for t in V2_TYPES if t.startswith("TEXT_")} - {"TEXT_ALL"}
TEXT_DELIVERED = {"TEXT_SUCCESSFUL", "TEXT_DELIVERED"}
FINALS = {
    ("v2", "success"): TEXT_DELIVERED,
    ("v2", "failure"): TEXT_TYPES - TEXT_DELIVERED - {"TEXT_PENDING", "TEXT_QUEUED"},
    ("v1", "success"): {"COMPLETED_CALL"},
    ("v1", "failure"): {"BUSY", "FAILED", "NO_ANSWER"},
}
"""(api, expected outcome) -> the event types its final record may have."""
ENDS = {**FINALS, ("v2", "success"): {"TEXT_DELIVERED"}}
"""(api, expected outcome) -> the event types that end what a sink receives of a message: a
text to the success number is final once SUCCESSFUL, and then DELIVERED follows (as in AWS's
documented pair for a US number); the test waits for it."""


@dataclass(frozen=True)
class Sent:
    """One message the test sent: through which API, to which number, expecting what."""

    api: str
    number: str
    outcome: str  # "success" or "failure"


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
    region: str
    origination: str
    voice_origination: str
    voice_numbers: tuple[str, str]  # (answers, does not)

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

    region = "us-east-1"
    origination = voice_origination = "+12065550100"
    voice_numbers = (SUCCESS, FAILURE)  # the emulator gives calls the simulator's outcomes too

    def __init__(self, emulator: Emulator, moto_url: str, state_dir: Path) -> None:
        self.emulator = emulator
        self.sms_voice_url: str | None = emulator.endpoint_url
        self.sinks_url: str | None = moto_url
        self.state_dir = state_dir

    def deploy(self, cdk_out: Path, names: Names) -> None:
        # What local deploy takes as existing, made real in moto under the ARNs it resolves.
        sinks = MotoSinks(self.sinks_url, self.region)
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
    """``cdk deploy`` / ``cdk destroy`` with the pinned CDK CLI, on the credentials' account
    and Region.
    """

    sms_voice_url = None
    sinks_url = None

    def __init__(self, region: str, numbers: dict[str, str]) -> None:
        self.region = region
        self.origination = numbers["ORIGINATION"]
        self.voice_origination = numbers["VOICE_ORIGINATION"]
        self.voice_numbers = (numbers["VOICE_SUCCESS"], numbers["VOICE_FAILURE"])

    def deploy(self, cdk_out: Path, names: Names) -> None:
        _run(
            ["npx", "cdk", "deploy", "--app", str(cdk_out), "--all", "--require-approval", "never"],
            AWS_REGION=self.region,
            CDK_DEFAULT_REGION=self.region,
        )

    def destroy(self, cdk_out: Path) -> None:
        _run(
            ["npx", "cdk", "destroy", "--app", str(cdk_out), "--all", "--force"],
            AWS_REGION=self.region,
            CDK_DEFAULT_REGION=self.region,
        )


AWS_NUMBERS = ("ORIGINATION", "VOICE_ORIGINATION", "VOICE_SUCCESS", "VOICE_FAILURE")
"""What the AWS target needs, as ``CDK_SMSVOICE_E2E_<name>`` variables."""


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
    if TARGET != "aws":
        pytest.skip("AWS target: set CDK_SMSVOICE_E2E=aws (with AWS credentials) to run it")
    session = boto3.session.Session()
    numbers = {n: os.environ.get(f"CDK_SMSVOICE_E2E_{n}", "") for n in AWS_NUMBERS}
    missing = [f"CDK_SMSVOICE_E2E_{n}" for n, value in numbers.items() if not value]
    if session.get_credentials() is None or session.region_name is None or missing:
        pytest.skip(
            "AWS target: CDK_SMSVOICE_E2E=aws needs AWS credentials, a Region (AWS_REGION) and "
            f"{', '.join(missing) or 'the numbers'} (see tests/e2e/test_events.py)"
        )
    yield AwsTarget(session.region_name, numbers)


def test_events_reach_consumers_through_sns_logs_and_firehose(
    target: Target, tmp_path: Path
) -> None:
    names = Names(uuid.uuid4().hex[:8])
    cdk_out = synth(tmp_path / "cdk.out", names)
    target.deploy(cdk_out, names)
    sinks = MotoSinks(target.sinks_url, target.region)
    try:
        topic_arn = sinks.sns.create_topic(Name=names.topic)["TopicArn"]  # idempotent: its ARN
        sinks.subscribe_queue(topic_arn, f"smsvoice-e2e-consumer-{names.run}")
        sent = _send_everything(target, names)

        texts = {m for m, s in sent.items() if s.api == "v2"}
        timeout = 60.0 if isinstance(target, LocalTarget) else 900.0
        lake = {m: s for m, s in sent.items() if m in texts}
        records = {
            "topic": _wait_for(lambda: sinks.topic_records(topic_arn), sent, timeout),
            "log": _wait_for(lambda: sinks.log_records(names.log_group), sent, timeout),
            "lake": _wait_for(lambda: sinks.bucket_records(names.bucket), lake, timeout),
        }
        for sink, got in records.items():
            _check(sink, got, lake if sink == "lake" else sent, names.run)
        # every destination matches ALL: each receives every event of its messages
        events = {
            sink: sorted((r["messageId"], r["eventType"]) for r in got)
            for sink, got in records.items()
        }
        assert events["topic"] == events["log"]
        assert events["lake"] == [e for e in events["topic"] if e[0] in texts]
    finally:
        try:
            sinks.delete_queues()
        finally:
            target.destroy(cdk_out)
    if isinstance(target, LocalTarget):
        assert names.texts not in target.emulator.v2().sets
        assert names.calls not in target.emulator.v1().sets


def _send_everything(target: Target, names: Names) -> dict[str, Sent]:
    """Send through each set to a number that succeeds and one that fails: message id ->
    what was sent.
    """
    v2 = client("pinpoint-sms-voice-v2", target.sms_voice_url, target.region)
    v1 = client("pinpoint-sms-voice", target.sms_voice_url, target.region)
    sent: dict[str, Sent] = {}
    for outcome, number, callee in zip(
        ("success", "failure"), (SUCCESS, FAILURE), target.voice_numbers, strict=True
    ):
        answer = v2.send_text_message(
            ConfigurationSetName=names.texts,
            DestinationPhoneNumber=number,
            OriginationIdentity=target.origination,
            MessageBody="cdk-smsvoice end-to-end test",
            Context={"test": names.run},
        )
        sent[answer["MessageId"]] = Sent("v2", number, outcome)
        answer = v1.send_voice_message(
            ConfigurationSetName=names.calls,
            OriginationPhoneNumber=target.voice_origination,
            DestinationPhoneNumber=callee,
            Content={"PlainTextMessage": {"LanguageCode": "en-US", "Text": "end-to-end test"}},
        )
        sent[answer["MessageId"]] = Sent("v1", callee, outcome)
    return sent


def _ended(records: list[dict[str, Any]], sent: dict[str, Sent]) -> bool:
    """Whether every message of ``sent`` has the record that ends it (:data:`ENDS`)."""
    ends = {(r.get("messageId"), r.get("eventType")) for r in records}
    return all(any((m, t) in ends for t in ENDS[(s.api, s.outcome)]) for m, s in sent.items())


def _wait_for(
    read: Callable[[], list[dict[str, Any]]], sent: dict[str, Sent], timeout: float
) -> list[dict[str, Any]]:
    """What ``read`` returns once every message of ``sent`` has its last record."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = read()
        if _ended(got, sent):
            return got
        time.sleep(min(5.0, timeout / 100))
    raise AssertionError(f"not every message of {sorted(sent)} ended: {got}")


def _check(sink: str, records: list[dict[str, Any]], sent: dict[str, Sent], run: str) -> None:
    by_message: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        errors = [e.message for e in VALIDATOR.iter_errors(record)]
        assert not errors, f"{sink}: {record} breaks the schema: {errors}"
        assert record["messageId"] in sent, f"{sink}: a record of no message sent: {record}"
        by_message.setdefault(record["messageId"], []).append(record)
    assert set(by_message) == set(sent), sink
    for message_id, got in by_message.items():
        got.sort(key=lambda r: r["eventTimestamp"])
        message = sent[message_id]
        types = [r["eventType"] for r in got]
        where = (sink, message, types)
        assert set(types) <= (V1_TYPES if message.api == "v1" else TEXT_TYPES), where
        finals = [r["isFinal"] for r in got]
        assert finals[-1] is True and types[-1] in FINALS[(message.api, message.outcome)], where
        assert finals == sorted(finals), where  # nothing that is not final after a final
        assert {r["destinationPhoneNumber"] for r in got} == {message.number}, where
        if message.api == "v2":
            assert all(r["context"] == {"test": run} for r in got), where  # the send's Context
            if message.outcome == "failure":  # what a consumer's failure path reads
                assert got[-1]["messageStatus"] and got[-1]["messageStatusDescription"], where
