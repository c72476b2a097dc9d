"""A realistic, environment-agnostic stack: a v2 configuration set that sends its events to an
encrypted SNS topic, a CloudWatch Logs log group and a Firehose stream into an encrypted
S3 bucket, and a v1 voice configuration set that sends call events to the log group and to the
stream.
"""

from typing import Any

from aws_cdk import (
    Acknowledgment,
    Aws,
    CfnElement,
    CfnResource,
    Duration,
    RemovalPolicy,
    Stack,
    Tags,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
    EventType,
    MessageType,
    VoiceConfigurationSet,
    VoiceEventType,
)


class ReferenceStack(Stack):
    """The reference app's stack."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        key = kms.Key(
            self,
            "EventsKey",
            description="Encrypts the SMS and Voice events topic",
            enable_key_rotation=True,
        )
        topic = sns.Topic(self, "DeliveryEvents", master_key=key, enforce_ssl=True)
        log_key = kms.Key(
            self,
            "EventLogKey",
            description="Encrypts the SMS and Voice event log",
            enable_key_rotation=True,
        )
        log_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsUse",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )
        log_group = logs.LogGroup(
            self,
            "EventLog",
            encryption_key=log_key,
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            versioned=True,
        )
        no_recursion = (
            "This bucket receives the event lake's server access logs; logging its own access "
            "would recurse."
        )
        Validations.of(access_logs).acknowledge(
            Acknowledgment(id="AwsSolutions-S1", reason=no_recursion)
        )
        cfn_access_logs = access_logs.node.default_child
        assert isinstance(cfn_access_logs, CfnResource)
        cfn_access_logs.add_metadata(
            "checkov", {"skip": [{"id": "CKV_AWS_18", "comment": no_recursion}]}
        )
        lake = s3.Bucket(
            self,
            "EventLake",
            encryption=s3.BucketEncryption.KMS_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="event-lake/",
            versioned=True,
        )
        stream = firehose.DeliveryStream(
            self,
            "EventStream",
            destination=firehose.S3Bucket(
                lake,
                data_output_prefix="sms-voice/",
                buffering_interval=Duration.seconds(60),
                logging_config=firehose.EnableLogging(
                    logs.LogGroup(
                        self,
                        "EventStreamLog",
                        encryption_key=log_key,
                        retention=logs.RetentionDays.THREE_MONTHS,
                        removal_policy=RemovalPolicy.DESTROY,
                    )
                ),
            ),
            encryption=firehose.StreamEncryption.aws_owned_key(),
        )
        Validations.of(stream).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Action::s3:Abort*]",
                reason="CDK's grant to Firehose on the one lake bucket (multipart uploads).",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Action::s3:DeleteObject*]",
                reason="CDK's grant to Firehose on the one lake bucket.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Action::s3:GetBucket*]",
                reason="CDK's grant to Firehose on the one lake bucket.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Action::s3:GetObject*]",
                reason="CDK's grant to Firehose on the one lake bucket.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Action::s3:List*]",
                reason="CDK's grant to Firehose on the one lake bucket.",
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{_logical_id(lake)}.Arn>/*]",
                reason="Firehose writes objects anywhere under the lake bucket's prefix.",
            ),
        )
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="CloudFormation-Validate::W7001",
                reason="aws-cdk-lib's Firehose module always adds its CIDR-block mapping.",
            )
        )

        self.configuration_set = ConfigurationSet(
            self,
            "Notifications",
            default_message_type=MessageType.TRANSACTIONAL,
            message_feedback_enabled=True,
        )
        self.configuration_set.add_event_destination(
            "Delivery",
            destination=EventDestination.sns_topic(topic),
            events=[EventType.TEXT_DELIVERED, EventType.TEXT_BLOCKED, EventType.TEXT_TTL_EXPIRED],
        )
        self.configuration_set.add_event_destination(
            "AllEventsLog",
            destination=EventDestination.cloud_watch_logs(log_group),
            events=[EventType.ALL],
        )
        self.configuration_set.add_event_destination(
            "Lake",
            destination=EventDestination.firehose(stream),
            events=[EventType.TEXT_ALL, EventType.VOICE_ALL, EventType.MEDIA_ALL],
            event_destination_name="to-lake",
        )
        Tags.of(self.configuration_set).add("cost-center", "messaging")

        self.voice_configuration_set = VoiceConfigurationSet(self, "Calls")
        self.voice_configuration_set.add_event_destination(
            "CallLog",
            destination=EventDestination.cloud_watch_logs(log_group),
        )
        self.voice_configuration_set.add_event_destination(
            "UnansweredCalls",
            destination=EventDestination.firehose(stream),
            events=[VoiceEventType.BUSY, VoiceEventType.NO_ANSWER, VoiceEventType.FAILED],
        )


def _logical_id(construct: Construct) -> str:
    stack = Stack.of(construct)
    cfn = construct.node.default_child
    assert isinstance(cfn, CfnElement)
    return str(stack.resolve(stack.get_logical_id(cfn)))
