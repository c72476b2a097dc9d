"""The provider: one Lambda-backed custom resource provider per stack, shared by every set."""

from aws_cdk import (
    Acknowledgment,
    Aws,
    CfnElement,
    CfnResource,
    Duration,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from ..handler_paths import HANDLER_DIR
from .lookups import attribute, node_of, ref_of, stack_of

PROVIDER_ID = "CdkSmsVoiceProvider"
"""The provider's construct id, directly under the stack. Never changes between releases."""

RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime that aws-cdk-lib offers."""

HANDLER_TIMEOUT = Duration.minutes(10)
"""Room for retries at about one request a second, well under CloudFormation's hour."""

LOG_RETENTION = logs.RetentionDays.ONE_YEAR
"""How long the provider's logs are kept."""

V2_ACTIONS_ON_SETS = (
    "sms-voice:DescribeConfigurationSets",
    "sms-voice:DeleteConfigurationSet",
    "sms-voice:CreateEventDestination",
    "sms-voice:UpdateEventDestination",
    "sms-voice:DeleteEventDestination",
    "sms-voice:SetDefaultMessageType",
    "sms-voice:DeleteDefaultMessageType",
    "sms-voice:SetDefaultSenderId",
    "sms-voice:DeleteDefaultSenderId",
    "sms-voice:SetDefaultMessageFeedbackEnabled",
    "sms-voice:TagResource",
    "sms-voice:UntagResource",
    "sms-voice:ListTagsForResource",
)
"""v2 actions that take a configuration-set ARN."""

V2_PROTECT_ACTIONS = (
    "sms-voice:AssociateProtectConfiguration",
    "sms-voice:DisassociateProtectConfiguration",
)
"""v2 actions that take both a configuration-set and a protect-configuration ARN."""


V1_ACTIONS = (
    "sms-voice:CreateConfigurationSet",
    "sms-voice:DeleteConfigurationSet",
    "sms-voice:GetConfigurationSetEventDestinations",
    "sms-voice:CreateConfigurationSetEventDestination",
    "sms-voice:UpdateConfigurationSetEventDestination",
    "sms-voice:DeleteConfigurationSetEventDestination",
)
"""v1 actions. The v1 API defines no resource types, so they can only be granted on '*'."""


def _arn(resource: str) -> str:
    return f"arn:{Aws.PARTITION}:sms-voice:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


class SmsVoiceProvider(Construct):
    """The stack's custom resource provider: our ``on_event`` handler behind the CDK Provider
    framework, with inline, scoped IAM and explicit log groups.

    Get it with :meth:`of`; do not create it directly.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        handler_logs = logs.LogGroup(
            self, "HandlerLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        framework_logs = logs.LogGroup(
            self, "FrameworkLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self._sets_policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="CreateOnlyOwnedSets",
                    actions=["sms-voice:CreateConfigurationSet"],
                    resources=["*"],
                    conditions={"Null": {"aws:RequestTag/cdk-smsvoice:owner": "false"}},
                ),
                iam.PolicyStatement(
                    sid="ManageSets",
                    actions=list(V2_ACTIONS_ON_SETS),
                    resources=[_arn("configuration-set/*")],
                ),
                iam.PolicyStatement(
                    sid="ProtectConfigurations",
                    actions=list(V2_PROTECT_ACTIONS),
                    resources=[
                        _arn("configuration-set/*"),
                        _arn("protect-configuration/*"),
                    ],
                ),
            ]
        )
        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="cdk-smsvoice handler: manages SMS and Voice configuration sets",
            inline_policies={
                "Logs": _write_logs(handler_logs),
                "ConfigurationSets": self._sets_policy,
            },
        )
        self.on_event = lambda_.Function(
            self,
            "OnEvent",
            description="cdk-smsvoice: manages SMS and Voice configuration sets",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.on_event",
            code=lambda_.Code.from_asset(
                str(HANDLER_DIR), exclude=["__pycache__", "*.pyc", "**/__pycache__"]
            ),
            timeout=HANDLER_TIMEOUT,
            memory_size=256,
            role=self.handler_role,
            log_group=handler_logs,
        )
        framework_role = iam.Role(
            self,
            "FrameworkRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="cdk-smsvoice provider framework: relays events to the handler",
            inline_policies={"Logs": _write_logs(framework_logs)},
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event,
            log_group=framework_logs,
            framework_on_event_role=framework_role,
        )
        self._service_token: str = self.provider.service_token
        self._passable: set[str] = set()
        self._v1_policy: iam.Policy | None = None
        self._acknowledge_findings()
        self._explain_to_scanners(handler_logs, framework_logs)

    def _acknowledge_findings(self) -> None:
        """Acknowledge the cdk-nag findings that least privilege cannot remove, with reasons."""
        stack = Stack.of(self)
        cfn = self.on_event.node.default_child
        assert isinstance(cfn, CfnElement)
        on_event_id = stack.resolve(stack.get_logical_id(cfn))
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="sms-voice:CreateConfigurationSet has no resource type, so it takes '*'; "
                "for v2 it is conditioned on the request carrying the cdk-smsvoice:owner tag. "
                "The v1 actions (granted only when the stack has a VoiceConfigurationSet) have "
                "no resource types at all.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:"
                "<AWS::AccountId>:configuration-set/*]",
                reason="Sets in this account and Region only. Names cannot be listed: a rename "
                "or its rollback must still reach the old set after the policy has changed.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sms-voice:<AWS::Region>:"
                "<AWS::AccountId>:protect-configuration/*]",
                reason="Association calls need the protect configuration's ARN; a change must "
                "still disassociate the previous one, which the new template no longer names.",
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{on_event_id}.Arn>:*]",
                reason="The CDK Provider framework may invoke any version of our handler.",
            ),
        )

    def _explain_to_scanners(self, *log_groups: logs.LogGroup) -> None:
        """Record, as Checkov skip metadata with reasons, the findings that do not apply."""
        functions = [self.on_event, self.provider.node.find_child("framework-onEvent")]
        for function in functions:
            _skip(
                function,
                CKV_AWS_115="CloudFormation sends one request per resource; a reserved "
                "concurrency would take capacity from the account and throttle deploys.",
                CKV_AWS_116="Invoked synchronously (CloudFormation, then the Provider "
                "framework): failures go back to CloudFormation, a DLQ would never receive one.",
                CKV_AWS_117="Calls only AWS APIs; a VPC would add NAT or endpoints for no gain.",
                CKV_AWS_173="The environment holds function names, never secrets.",
            )
        for log_group in log_groups:
            _skip(
                log_group,
                CKV_AWS_158="Holds request logs without secrets; encrypted at rest by "
                "CloudWatch Logs.",
            )
        _skip(
            self.handler_role,
            CKV_AWS_111="sms-voice:CreateConfigurationSet and the v1 actions have no resource "
            "types; v2 creation requires the cdk-smsvoice:owner request tag.",
        )

    @property
    def service_token(self) -> str:
        """The ServiceToken of the custom resources."""
        return self._service_token

    def allow_v1(self) -> iam.Policy:
        """The handler's permission to manage v1 voice sets, created with the first
        VoiceConfigurationSet of the stack; each v1 set depends on it.

        It is a policy of its own, not a statement of the role's inline policy: when the last
        voice set leaves the stack, CloudFormation deletes the set (cleanup) before the policy,
        instead of updating the permission away before the Delete runs.

        v1 defines no IAM resource types, so its actions are granted on '*'; that includes
        sms-voice:CreateConfigurationSet, which v1 and v2 share, without the v2 owner-tag
        condition (v1 requests carry no tags).
        """
        if self._v1_policy is None:
            self._v1_policy = iam.Policy(
                self,
                "VoiceSetsPolicy",
                roles=[self.handler_role],
                statements=[
                    iam.PolicyStatement(
                        sid="ManageVoiceSets", actions=list(V1_ACTIONS), resources=["*"]
                    )
                ],
            )
            _skip(
                self._v1_policy,
                CKV_AWS_111="The v1 API defines no IAM resource types, so its actions "
                "(sms-voice:CreateConfigurationSet among them, without the v2 owner-tag "
                "condition: v1 requests carry no tags) can only be granted on '*'.",
            )
        return self._v1_policy

    def grant_pass_role(self, role: iam.IRole) -> None:
        """Let the handler pass ``role`` to SMS and Voice, and to nothing else (once per
        role ARN).
        """
        role_arn: str = attribute(role, "role_arn")
        if role_arn in self._passable:
            return
        self._passable.add(role_arn)
        # One statement per role, as add_to_principal_policy would add it, in one round trip.
        iam.Grant.add_to_principal(
            grantee=self.handler_role,
            actions=["iam:PassRole"],
            resource_arns=[role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
        )

    @classmethod
    def of(cls, scope: Construct) -> "SmsVoiceProvider":
        """The provider of ``scope``'s stack, created on first use."""
        stack = stack_of(scope)
        known = _PROVIDERS.get(ref_of(stack))
        if known is not None:
            return known
        existing = node_of(stack).try_find_child(PROVIDER_ID)
        if isinstance(existing, SmsVoiceProvider):
            provider = existing
        elif existing is not None:
            raise ValueError(
                f"[{node_of(stack).path}] the construct id {PROVIDER_ID!r} is reserved for the "
                "cdk-smsvoice provider; rename your construct"
            )
        else:
            provider = cls(stack, PROVIDER_ID)
        _PROVIDERS[ref_of(stack)] = provider
        return provider


_PROVIDERS: dict[str, SmsVoiceProvider] = {}
"""Each stack's provider, by the stack's jsii reference: found once per stack."""


def _skip(construct: IConstruct, **reasons: str) -> None:
    cfn = construct.node.default_child
    assert isinstance(cfn, CfnResource)
    skips = [{"id": check, "comment": reason} for check, reason in reasons.items()]
    cfn.add_metadata("checkov", {"skip": skips})


def _write_logs(log_group: logs.ILogGroup) -> iam.PolicyDocument:
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        ]
    )
