"""Event destinations: where a configuration set sends its events, and the IAM they need.

Use the factories, ``EventDestination.sns_topic(...)``, ``.cloud_watch_logs(...)`` and
``.firehose(...)``, and pass the result to ``add_event_destination``.
"""

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct, IDependable

from .destination_role import SERVICE_PRINCIPAL, DestinationRole
from .lookups import (
    account_of,
    addr_of,
    attribute,
    memo,
    node_of,
    recall,
    ref_of,
    remember,
    stack_of,
)
from .readable import readable
from .tokens import is_unresolved

if TYPE_CHECKING:
    from .configuration_set_base import ConfigurationSetBase


@dataclass(frozen=True)
class EventDestinationConfig:
    """What a bound destination renders and needs."""

    sink_kind: str
    """``CloudWatchLogsDestination``, ``KinesisFirehoseDestination`` or ``SnsDestination``."""
    sink: dict[str, str]
    """The sink's properties, as the API takes them."""
    role: iam.IRole | None = None
    """The role the service assumes, if the sink needs one."""
    dependencies: Sequence[IDependable] = field(default_factory=tuple)
    """What must exist before the destination is created (roles, policies)."""


def service_conditions(
    configuration_set: "ConfigurationSetBase", scope: IConstruct
) -> dict[str, Any]:
    """The confused-deputy conditions for ``sms-voice.amazonaws.com``, valid in ``scope``'s
    stack: the account always, and the set's ARN where the API generation has one.
    """
    stack = stack_of(scope)
    conditions: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_of(stack)}}
    arn = configuration_set._source_arn_in(stack)
    if arn is not None:
        conditions["ArnLike"] = {"aws:SourceArn": arn}
    return conditions


def _service_role(
    scope: Construct, configuration_set: "ConfigurationSetBase", description: str
) -> iam.Role:
    # The roles of one set in one stack trust the same principal: one jsii object for them all.
    principal = memo(
        (ref_of(configuration_set), ref_of(stack_of(scope)), "trust"),
        lambda: iam.ServicePrincipal(
            SERVICE_PRINCIPAL, conditions=service_conditions(configuration_set, scope)
        ),
    )
    return iam.Role(scope, "Role", assumed_by=principal, description=description)


def _plain_service_principal(scope: IConstruct) -> iam.ServicePrincipal:
    """``sms-voice.amazonaws.com`` without conditions (they go in the statement): immutable,
    so one object serves every statement of ``scope``'s stack.
    """
    return memo(
        (ref_of(stack_of(scope)), "sms-voice principal"),
        lambda: iam.ServicePrincipal(SERVICE_PRINCIPAL),
    )


class EventDestination(ABC):
    """Where a configuration set sends events. Create one with a static factory."""

    @staticmethod
    def sns_topic(topic: sns.ITopic) -> "EventDestination":
        """Publish events to a standard SNS topic.

        The topic's access policy gets a statement that lets ``sms-voice.amazonaws.com``
        publish, for this set only; a customer-managed KMS key gets one that lets the service
        use the key. FIFO topics and AWS-managed keys fail at synth.
        """
        return _SnsTopicDestination(topic)

    @staticmethod
    def cloud_watch_logs(
        log_group: logs.ILogGroup, role: iam.IRole | None = None
    ) -> "EventDestination":
        """Write events to a CloudWatch Logs log group.

        :param role: the role the service assumes. Default: a new role, trusted by
            ``sms-voice.amazonaws.com`` for this set only, that may create log streams and
            put events in this log group and nowhere else. A :class:`DestinationRole` (one
            role for many sets) is given that permission and trusts this set too; any other
            role is used as it is.
        """
        return _CloudWatchLogsDestination(log_group, role)

    @staticmethod
    def firehose(
        stream: firehose.IDeliveryStream, role: iam.IRole | None = None
    ) -> "EventDestination":
        """Send events to an Amazon Data Firehose delivery stream.

        :param role: the role the service assumes. Default: a new role, trusted by
            ``sms-voice.amazonaws.com`` for this set only, that may put records into this
            stream and nowhere else. A :class:`DestinationRole` (one role for many sets) is
            given that permission and trusts this set too; any other role is used as it is.
        """
        return _FirehoseDestination(stream, role)

    @abstractmethod
    def bind(
        self, scope: Construct, configuration_set: "ConfigurationSetBase"
    ) -> EventDestinationConfig:
        """Create what the destination needs under ``scope`` and describe the sink."""


class _SnsTopicDestination(EventDestination):
    def __init__(self, topic: sns.ITopic) -> None:
        self.topic = topic

    def bind(
        self, scope: Construct, configuration_set: "ConfigurationSetBase"
    ) -> EventDestinationConfig:
        topic = self.topic
        if attribute(topic, "fifo"):
            raise ValueError(
                f"{_where(scope)}: topic {node_of(topic).path!r} is a FIFO topic, and SMS and "
                "Voice event destinations support standard topics only. Pass a standard "
                "(non-FIFO) topic."
            )
        topic_arn: str = attribute(topic, "topic_arn")
        dependencies: list[IDependable] = []
        statement = iam.PolicyStatement(
            sid=_sid("SmsVoicePublish", configuration_set),
            principals=[_plain_service_principal(topic)],
            actions=["sns:Publish"],
            resources=[topic_arn],
            conditions=service_conditions(configuration_set, topic),
        )
        added, policy = _add_to_topic_policy(topic, statement)
        if added:
            if policy is not None:
                dependencies.append(policy)
        else:
            shown = node_of(topic).path if is_unresolved(topic_arn) else topic_arn
            Annotations.of(scope).add_warning_v2(
                "cdk-smsvoice:ImportedTopic",
                f"Topic {shown} is imported, so its access policy cannot be changed here. "
                "Add this statement to it, or SMS and Voice cannot publish events"
                + _paste_hint(statement, scope),
            )
        key: kms.IKey | None = attribute(topic, "master_key")
        if key is not None:
            dependencies.extend(_allow_key(scope, key, configuration_set))
        return EventDestinationConfig(
            sink_kind="SnsDestination",
            sink={"TopicArn": topic_arn},
            dependencies=(topic, *dependencies),
        )


def _add_to_topic_policy(
    topic: sns.ITopic, statement: iam.PolicyStatement
) -> tuple[bool, IDependable | None]:
    """``topic.add_to_resource_policy(statement)``: whether it was added, and the policy.

    The call returns a struct whose two fields jsii reads in two more round trips. Once a
    topic has answered with its ``sns.TopicPolicy``, later statements go straight into that
    policy's document, which is all ``TopicBase.add_to_resource_policy`` does for a topic that
    has a policy (aws-cdk-lib 2.275); a subclass that overrides the method is always called.
    """
    known: tuple[sns.TopicPolicy, iam.PolicyDocument] | None = recall((ref_of(topic), "policy"))
    if known is not None:
        known[1].add_statements(statement)
        return True, known[0]
    added = topic.add_to_resource_policy(statement)
    policy = added.policy_dependable
    inherited = type(topic).add_to_resource_policy is sns.TopicBase.add_to_resource_policy
    if added.statement_added and inherited and isinstance(policy, sns.TopicPolicy):
        remember((ref_of(topic), "policy"), (policy, policy.document))
    return bool(added.statement_added), policy


def _where(scope: IConstruct) -> str:
    return f"[{node_of(scope).path}] EventDestination.sns_topic()"


def _allow_key(
    scope: Construct, key: kms.IKey, configuration_set: "ConfigurationSetBase"
) -> list[IDependable]:
    alias = getattr(key, "alias_name", None)
    for text in (alias, attribute(key, "key_arn")):
        if isinstance(text, str) and not is_unresolved(text) and "alias/aws/" in text:
            raise ValueError(
                f"{_where(scope)}: the topic is encrypted with the AWS-managed key {text!r}. Its "
                "key policy cannot be changed, so SMS and Voice could never publish to the topic. "
                "Encrypt the topic with a customer-managed kms.Key instead."
            )
    statement = iam.PolicyStatement(
        sid=_sid("SmsVoiceUseKey", configuration_set),
        principals=[_plain_service_principal(key)],
        actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        resources=["*"],
        conditions=service_conditions(configuration_set, key),
    )
    added = key.add_to_resource_policy(statement, allow_no_op=True)
    if not added.statement_added:
        Annotations.of(scope).add_warning_v2(
            "cdk-smsvoice:ImportedKey",
            f"The topic's KMS key {node_of(key).path} is imported, so its key policy cannot be "
            "changed here. Add this statement to it, or SMS and Voice cannot publish events "
            "to the topic" + _paste_hint(statement, scope),
        )
        return []
    return [key]


class _CloudWatchLogsDestination(EventDestination):
    def __init__(self, log_group: logs.ILogGroup, role: iam.IRole | None) -> None:
        self.log_group = log_group
        self.role = role

    def bind(
        self, scope: Construct, configuration_set: "ConfigurationSetBase"
    ) -> EventDestinationConfig:
        role = self.role
        log_group_arn: str = attribute(self.log_group, "log_group_arn")
        if role is None:
            created = _service_role(
                scope, configuration_set, "Lets SMS and Voice write events to one log group"
            )
            # The statement add_to_principal_policy would add, in one round trip.
            iam.Grant.add_to_principal(
                grantee=created,
                actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                resource_arns=[log_group_arn],
            )
            role = created
        elif isinstance(role, DestinationRole):
            role.trust(configuration_set)
            role.allow_log_group(log_group_arn)
        return EventDestinationConfig(
            sink_kind="CloudWatchLogsDestination",
            sink={"IamRoleArn": attribute(role, "role_arn"), "LogGroupArn": log_group_arn},
            role=role,
            dependencies=(role, self.log_group),
        )


class _FirehoseDestination(EventDestination):
    def __init__(self, stream: firehose.IDeliveryStream, role: iam.IRole | None) -> None:
        self.stream = stream
        self.role = role

    def bind(
        self, scope: Construct, configuration_set: "ConfigurationSetBase"
    ) -> EventDestinationConfig:
        role = self.role
        if role is None:
            created = _service_role(
                scope, configuration_set, "Lets SMS and Voice put events into one stream"
            )
            self.stream.grant_put_records(created)
            role = created
        elif isinstance(role, DestinationRole):
            role.trust(configuration_set)
            role.allow_stream(self.stream)
        return EventDestinationConfig(
            sink_kind="KinesisFirehoseDestination",
            sink={
                "IamRoleArn": attribute(role, "role_arn"),
                "DeliveryStreamArn": attribute(self.stream, "delivery_stream_arn"),
            },
            role=role,
            dependencies=(role, self.stream),
        )


def _paste_hint(statement: iam.PolicyStatement, scope: Construct) -> str:
    """The statement, ready to paste into a policy: values known at synth as they are,
    pseudo parameters as placeholders such as ``<account-id>``.
    """
    text = json.dumps(readable(statement.to_statement_json(), scope), sort_keys=True)
    placeholders = sorted(set(re.findall(r"<[a-z-]+>", text)))
    hint = f" (replace {', '.join(placeholders)})" if placeholders else ""
    return f"{hint}: {text}"


def _sid(prefix: str, configuration_set: "ConfigurationSetBase") -> str:
    digest = addr_of(configuration_set)[:12]
    return f"{prefix}{digest}"


def event_type_values(events: Sequence[Enum | str]) -> list[str]:
    """Event types as the API takes them, duplicates dropped, order kept."""
    values: list[str] = []
    for event in events:
        value = event.value if isinstance(event, Enum) else str(event)
        if value not in values:
            values.append(value)
    return values
