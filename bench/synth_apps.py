"""The apps that the benchmarks synthesize: our sets and the native L1 with hand-written IAM,
on the same sinks. Imported by ``bench/synth_cost.py`` (part 1 of ``bench/run.py``) and
``bench/jsii_roundtrips.py`` (also by its child processes, so it imports nothing but
``bench_env``, aws-cdk-lib and cdk_smsvoice).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

sys.dont_write_bytecode = True  # leave no __pycache__ in src/ that others are editing

# jsii starts Node.js when aws_cdk is imported, so the environment is set before any import.
import bench_env  # noqa: E402, F401  # isort: split
from aws_cdk import (  # noqa: E402
    Acknowledgment,
    App,
    ArnFormat,
    CfnTag,
    Duration,
    Stack,
    Tags,
    Validations,
)
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kinesisfirehose as firehose  # noqa: E402
from aws_cdk import aws_logs as logs  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk import aws_smsvoice as smsvoice  # noqa: E402
from aws_cdk import aws_sns as sns  # noqa: E402

from cdk_smsvoice import (  # noqa: E402
    ConfigurationSet,
    DestinationRole,
    EventDestination,
    EventDestinationOptions,
    EventType,
    VoiceConfigurationSet,
    VoiceEventType,
)

SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"


@dataclass(frozen=True)
class Sinks:
    """What the destinations point at; the same in both stacks, and shared by every set."""

    topic: sns.Topic
    log_group: logs.LogGroup
    stream: firehose.DeliveryStream

    @classmethod
    def create(cls, stack: Stack) -> Sinks:
        bucket = s3.Bucket(stack, "Lake", enforce_ssl=True)
        stream = firehose.DeliveryStream(
            stack,
            "Stream",
            destination=firehose.S3Bucket(bucket, buffering_interval=Duration.seconds(60)),
        )
        topic = sns.Topic(stack, "Events")
        log_group = logs.LogGroup(stack, "EventLog", retention=logs.RetentionDays.ONE_MONTH)
        return cls(topic=topic, log_group=log_group, stream=stream)


def set_name(index: int) -> str:
    return f"bench-set-{index}"


TOPIC_EVENTS = [EventType.TEXT_DELIVERED, EventType.TEXT_BLOCKED]
LAKE_EVENTS = [EventType.TEXT_ALL, EventType.VOICE_ALL]


def add_ours(stack: Stack, sinks: Sinks, index: int) -> None:
    """One set with 3 destinations (SNS, Logs, Firehose), feedback on and one tag: the L2."""
    _add_set(stack, sinks, index)


def _add_set(
    stack: Stack,
    sinks: Sinks,
    index: int,
    logs_role: DestinationRole | None = None,
    lake_role: DestinationRole | None = None,
) -> None:
    """The set of :func:`add_ours`; the Logs and Firehose destinations use ``logs_role`` and
    ``lake_role`` (default: a role each, made for them).
    """
    configuration_set = ConfigurationSet(
        stack,
        f"Set{index}",
        configuration_set_name=set_name(index),
        message_feedback_enabled=True,
        event_destinations={
            "Topic": EventDestinationOptions(
                destination=EventDestination.sns_topic(sinks.topic), events=TOPIC_EVENTS
            ),
            "Logs": EventDestinationOptions(
                destination=EventDestination.cloud_watch_logs(sinks.log_group, role=logs_role)
            ),
            "Lake": EventDestinationOptions(
                destination=EventDestination.firehose(sinks.stream, role=lake_role),
                events=LAKE_EVENTS,
            ),
        },
    )
    Tags.of(configuration_set).add("team", "messaging")


def add_native(stack: Stack, sinks: Sinks, index: int) -> None:
    """The same set with the L1 and the IAM written by hand, as least-privileged as ours: a role
    per destination trusted by SMS and Voice for this set only, a topic policy statement.

    (The L1 has no DefaultMessageType property, so neither stack sets one.)
    """
    name = set_name(index)
    arn = stack.format_arn(
        service="sms-voice",
        resource="configuration-set",
        resource_name=name,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
    conditions: dict[str, Any] = {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": arn},
    }
    sinks.topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"SmsVoicePublish{index}",
            principals=[iam.ServicePrincipal(SERVICE_PRINCIPAL)],
            actions=["sns:Publish"],
            resources=[sinks.topic.topic_arn],
            conditions=conditions,
        )
    )
    logs_role = iam.Role(
        stack,
        f"Set{index}LogsRole",
        assumed_by=iam.ServicePrincipal(SERVICE_PRINCIPAL, conditions=conditions),
    )
    logs_role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            resources=[sinks.log_group.log_group_arn],
        )
    )
    lake_role = iam.Role(
        stack,
        f"Set{index}LakeRole",
        assumed_by=iam.ServicePrincipal(SERVICE_PRINCIPAL, conditions=conditions),
    )
    sinks.stream.grant_put_records(lake_role)
    prop = smsvoice.CfnConfigurationSet
    cfn = prop(
        stack,
        f"Set{index}",
        configuration_set_name=name,
        message_feedback_enabled=True,
        event_destinations=[
            prop.EventDestinationProperty(
                event_destination_name="Topic",
                enabled=True,
                matching_event_types=[e.value for e in TOPIC_EVENTS],
                sns_destination=prop.SnsDestinationProperty(topic_arn=sinks.topic.topic_arn),
            ),
            prop.EventDestinationProperty(
                event_destination_name="Logs",
                enabled=True,
                matching_event_types=[EventType.ALL.value],
                cloud_watch_logs_destination=prop.CloudWatchLogsDestinationProperty(
                    iam_role_arn=logs_role.role_arn,
                    log_group_arn=sinks.log_group.log_group_arn,
                ),
            ),
            prop.EventDestinationProperty(
                event_destination_name="Lake",
                enabled=True,
                matching_event_types=[e.value for e in LAKE_EVENTS],
                kinesis_firehose_destination=prop.KinesisFirehoseDestinationProperty(
                    iam_role_arn=lake_role.role_arn,
                    delivery_stream_arn=sinks.stream.delivery_stream_arn,
                ),
            ),
        ],
        tags=[CfnTag(key="team", value="messaging")],
    )
    # The roles' policies and the topic policy must exist before the destinations are created.
    cfn.node.add_dependency(logs_role, lake_role, sinks.topic)


VOICE_TOPIC_EVENTS = [VoiceEventType.BUSY, VoiceEventType.NO_ANSWER, VoiceEventType.FAILED]
VOICE_LAKE_EVENTS = [
    VoiceEventType.INITIATED_CALL,
    VoiceEventType.RINGING,
    VoiceEventType.ANSWERED,
    VoiceEventType.COMPLETED_CALL,
]


def add_voice(stack: Stack, sinks: Sinks, index: int) -> None:
    """One v1 voice set with 3 destinations (SNS, Logs, Firehose) on the same sinks; no tag
    (v1 sets cannot carry one) and no settings (v1 has none). There is no L1 to compare with:
    CloudFormation has no resource type for v1 configuration sets.
    """
    VoiceConfigurationSet(
        stack,
        f"Voice{index}",
        configuration_set_name=f"bench-voice-{index}",
        event_destinations={
            "Unanswered": EventDestinationOptions(
                destination=EventDestination.sns_topic(sinks.topic), events=VOICE_TOPIC_EVENTS
            ),
            "CallLog": EventDestinationOptions(
                destination=EventDestination.cloud_watch_logs(sinks.log_group)
            ),
            "Lake": EventDestinationOptions(
                destination=EventDestination.firehose(sinks.stream), events=VOICE_LAKE_EVENTS
            ),
        },
    )


Builder = Callable[[Stack, Sinks, int], None]


def new_stack(outdir: str) -> tuple[App, Stack, Sinks]:
    """A fresh app with one stack and its sinks, as every benchmark app starts."""
    app = App(outdir=outdir)
    stack = Stack(app, "Bench")
    Validations.of(stack).acknowledge(
        Acknowledgment(
            id="CloudFormation-Validate::W7001",
            reason="aws-cdk-lib's Firehose module always adds its CIDR-block mapping.",
        )
    )
    return app, stack, Sinks.create(stack)


def add_ours_shared_roles(stack: Stack, sinks: Sinks, index: int) -> None:
    """As :func:`add_ours`, but the Logs and Firehose destinations of every set use the same
    two ``DestinationRole``s (one per sink), created with the first set.
    """
    _add_set(stack, sinks, index, *_shared_roles(stack))


_SHARED_ROLES: dict[int, tuple[Stack, DestinationRole, DestinationRole]] = {}
"""Each stack's shared roles, by id(stack) (the stack is kept, so its id is not reused)."""


def _shared_roles(stack: Stack) -> tuple[DestinationRole, DestinationRole]:
    if id(stack) not in _SHARED_ROLES:
        _SHARED_ROLES[id(stack)] = (
            stack,
            DestinationRole(stack, "EventLogRole"),
            DestinationRole(stack, "LakeRole"),
        )
    _, logs_role, lake_role = _SHARED_ROLES[id(stack)]
    return logs_role, lake_role
