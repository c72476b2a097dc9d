"""Synthesized apps shared by the construct, snapshot and gate tests."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from app import build_app
from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
    EventDestinationOptions,
    EventType,
    MessageType,
    VoiceConfigurationSet,
    VoiceEventType,
)


@dataclass
class Synthesized:
    """A synthesized app: its output directory and each stack's template."""

    outdir: Path
    templates: dict[str, dict[str, Any]]

    def template(self, stack_name: str) -> Template:
        return Template.from_json(self.templates[stack_name])


def synthesize(app: App) -> Synthesized:
    assembly = app.synth()
    templates = {s.stack_name: s.template for s in assembly.stacks}
    return Synthesized(Path(assembly.directory), templates)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The reference app, synthesized with cdk-nag's AwsSolutions pack enforced."""
    outdir = tmp_path_factory.mktemp("reference")
    return synthesize(build_app(App(outdir=str(outdir))))


@pytest.fixture(scope="session")
def reference_template(reference: Synthesized) -> Template:
    return reference.template("SmsVoiceReference")


def new_stack(name: str = "Test") -> Stack:
    return Stack(App(), name)


def _stream(stack: Stack, cid: str, key: kms.IKey) -> firehose.DeliveryStream:
    """A stream into a private, versioned bucket, logging to an encrypted log group: sinks
    that the Checkov gate passes, so that its findings are about the constructs under test.
    """
    bucket = s3.Bucket(
        stack,
        f"{cid}Bucket",
        enforce_ssl=True,
        versioned=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )
    cfn_bucket = bucket.node.default_child
    assert isinstance(cfn_bucket, CfnResource)
    cfn_bucket.add_metadata(
        "checkov",
        {
            "skip": [
                {
                    "id": "CKV_AWS_18",
                    "comment": "A test fixture that only receives Firehose output; access "
                    "logs would need yet another bucket.",
                }
            ]
        },
    )
    stream_logs = logs.LogGroup(
        stack, f"{cid}Logs", encryption_key=key, retention=logs.RetentionDays.ONE_WEEK
    )
    return firehose.DeliveryStream(
        stack,
        cid,
        destination=firehose.S3Bucket(
            bucket,
            buffering_interval=Duration.seconds(60),
            logging_config=firehose.EnableLogging(stream_logs),
        ),
    )


@dataclass
class Sinks:
    """One of each sink in a stack, and a role of the user's own."""

    topic: sns.Topic
    log_group: logs.LogGroup
    stream: firehose.DeliveryStream
    given_role: iam.Role


def _sinks(stack: Stack) -> Sinks:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    return Sinks(
        topic=sns.Topic(stack, "Topic", master_key=key),
        log_group=logs.LogGroup(
            stack, "Logs", encryption_key=key, retention=logs.RetentionDays.ONE_WEEK
        ),
        stream=_stream(stack, "Stream", key),
        given_role=iam.Role(
            stack, "GivenRole", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com")
        ),
    )


@pytest.fixture(scope="session")
def scenarios() -> Synthesized:
    """One app, one synth, several stacks that each show a feature."""
    app = App()

    full = Stack(app, "Full")
    sinks = _sinks(full)
    cs = ConfigurationSet(
        full,
        "Alerts",
        configuration_set_name="alerts",
        default_message_type=MessageType.PROMOTIONAL,
        default_sender_id="ACME",
        message_feedback_enabled=False,
        protect_configuration_id="protect-0123456789abcdef",
        removal_policy=RemovalPolicy.RETAIN,
        event_destinations={
            "Logs": EventDestinationOptions(
                destination=EventDestination.cloud_watch_logs(sinks.log_group)
            ),
        },
    )
    cs.add_event_destination(
        "Topic",
        destination=EventDestination.sns_topic(sinks.topic),
        events=[EventType.TEXT_DELIVERED, EventType.TEXT_BLOCKED, EventType.TEXT_DELIVERED],
        enabled=False,
    )
    cs.add_event_destination(
        "Stream",
        destination=EventDestination.firehose(sinks.stream, role=sinks.given_role),
        event_destination_name="to-lake",
    )
    Tags.of(full).add("team", "messaging")
    Tags.of(cs).add("app", "alerts")

    shared = Stack(app, "Shared")
    ConfigurationSet(shared, "One")
    ConfigurationSet(shared, "Two")

    producer = Stack(app, "Producer")
    producer_topic = sns.Topic(
        producer, "Topic", master_key=kms.Key(producer, "Key", enable_key_rotation=True)
    )
    consumer = Stack(app, "Consumer")
    consumer_set = ConfigurationSet(consumer, "Set", configuration_set_name="consumer-set")
    consumer_set.add_event_destination(
        "Topic", destination=EventDestination.sns_topic(producer_topic)
    )
    imported = Stack(app, "Imported")
    imported_set = ConfigurationSet(imported, "Set")
    imported_set.add_event_destination(
        "Topic",
        destination=EventDestination.sns_topic(
            sns.Topic.from_topic_arn(imported, "T", "arn:aws:sns:us-east-1:123456789012:ext")
        ),
    )

    voice = Stack(app, "Voice")
    voice_sinks = _sinks(voice)
    calls = VoiceConfigurationSet(
        voice,
        "Calls",
        configuration_set_name="calls",
        removal_policy=RemovalPolicy.RETAIN,
        event_destinations={
            "Logs": EventDestinationOptions(
                destination=EventDestination.cloud_watch_logs(voice_sinks.log_group)
            )
        },
    )
    calls.add_event_destination(
        "Topic",
        destination=EventDestination.sns_topic(voice_sinks.topic),
        events=[VoiceEventType.ANSWERED, VoiceEventType.COMPLETED_CALL],
        enabled=False,
    )
    calls.add_event_destination(
        "Stream",
        destination=EventDestination.firehose(voice_sinks.stream, role=voice_sinks.given_role),
        event_destination_name="to-lake",
    )
    VoiceConfigurationSet(voice, "Generated")
    ConfigurationSet(voice, "Texts")  # v1 and v2 sets share the stack's one provider
    Tags.of(voice).add("team", "voice")
    return synthesize(app)
