"""``DestinationRole``: one IAM role that SMS and Voice assume for the event destinations of
many configuration sets, so that a stack of many sets does not need two roles per set.
"""

import json
import re
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import IResolvable, IResolveContext
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from constructs import Construct, IValidation

from .lookups import account_of, by_reference, node_of, placed_in, ref_of, stack_of
from .resolvable import PythonResolvable

if TYPE_CHECKING:
    from .configuration_set_base import ConfigurationSetBase

SERVICE_PRINCIPAL = "sms-voice.amazonaws.com"
"""The principal that delivers events, for both API generations."""

TRUST_POLICY_LENGTH_QUOTA = 2048
"""IAM's default quota on the length of a role trust policy, in characters, white space not
counted ("Role trust policy length", IAM and AWS STS quotas). It can be raised to 4096."""

TRUST_POLICY_LENGTH_MAX = 4096
"""The most that quota can be raised to."""

_TOKEN = re.compile(r"\$\{Token\[([A-Za-z0-9:._-]+)\]\}")
_TOKEN_LENGTHS = {"AWS.Partition": 10, "AWS.Region": 15, "AWS.AccountId": 12}
"""The longest value a pseudo parameter of an ARN takes at deploy time: ``aws-us-gov``,
``us-isof-south-1`` and a 12-digit account id."""
_OTHER_TOKEN_LENGTH = 64
"""Any other token in a set ARN is its name: at most 64 characters."""


class DestinationRole(iam.Role):
    """An IAM role for event destinations, shared by many configuration sets.

    Pass it as ``role=`` to ``EventDestination.cloud_watch_logs`` or ``.firehose`` of as many
    sets as you like. Each set that uses it joins its trust policy: the role trusts
    ``sms-voice.amazonaws.com`` under ``aws:SourceAccount`` and an ``aws:SourceArn`` list of
    every v2 set that uses it (v1 sets have no ARN, so a role that serves v1 sets is trusted
    under ``aws:SourceAccount`` only, and cannot also serve v2 sets). Each sink gets its
    permission once: the log-stream actions on that log group, ``firehose:PutRecord*`` on that
    stream. Synth fails if the trust policy could exceed IAM's length quota.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        description: str | None = None,
        trust_policy_length_quota: int = TRUST_POLICY_LENGTH_QUOTA,
    ) -> None:
        """:param description: the role's description. Default: says what the role is for.
        :param trust_policy_length_quota: the account's "Role trust policy length" quota, in
            characters (white space not counted). Default: 2048, IAM's default; it can be
            raised to 4096 through Service Quotas.
        """
        if not 1 <= trust_policy_length_quota <= TRUST_POLICY_LENGTH_MAX:
            raise ValueError(
                f"DestinationRole {construct_id!r}: trust_policy_length_quota "
                f"{trust_policy_length_quota} is not a length IAM allows. Pass the account's "
                f"'Role trust policy length' quota, {TRUST_POLICY_LENGTH_QUOTA} (the default) "
                f"to {TRUST_POLICY_LENGTH_MAX}."
            )
        self._quota = trust_policy_length_quota
        self._source_arns: list[str] = []
        self._v2_sets: list[str] = []
        self._v1_sets: list[str] = []
        self._allowed: set[str] = set()
        self._trust = _SharedTrust(self)
        self._account = account_of(stack_of(scope))
        super().__init__(
            scope,
            construct_id,
            assumed_by=iam.ServicePrincipal(
                SERVICE_PRINCIPAL,
                conditions={
                    "StringEquals": {"aws:SourceAccount": self._account},
                    "ArnLike": self._trust,
                },
            ),
            description=description
            or "Lets SMS and Voice deliver the events of the configuration sets it trusts",
        )
        placed_in(self, scope, construct_id)
        node_of(self).add_validation(by_reference(self._trust))

    def trust(self, configuration_set: "ConfigurationSetBase") -> None:
        """Let SMS and Voice assume this role for ``configuration_set`` (done for you when the
        role is given to one of its destinations).
        """
        arn = configuration_set._source_arn_in(stack_of(self))
        label = configuration_set._label()
        if arn is None:
            if self._v2_sets:
                raise self._mixed(label, self._v2_sets[0])
            if label not in self._v1_sets:
                self._v1_sets.append(label)
            return
        if self._v1_sets:
            raise self._mixed(self._v1_sets[0], label)
        if arn not in self._source_arns:
            self._source_arns.append(arn)
            self._v2_sets.append(label)

    def allow_log_group(self, log_group_arn: str) -> None:
        """Let the service write events to this log group (once per log group)."""
        if log_group_arn in self._allowed:
            return
        self._allowed.add(log_group_arn)
        iam.Grant.add_to_principal(
            grantee=self,
            actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            resource_arns=[log_group_arn],
        )

    def allow_stream(self, stream: firehose.IDeliveryStream) -> None:
        """Let the service put records into this stream (once per stream)."""
        key = ref_of(stream)
        if key in self._allowed:
            return
        self._allowed.add(key)
        stream.grant_put_records(self)

    @property
    def trusted_source_arns(self) -> list[str]:
        """The ARNs of the v2 sets the trust policy names, in the order they joined."""
        return list(self._source_arns)

    def trust_policy_length(self) -> int:
        """The most characters the trust policy can have once deployed (white space not
        counted, as IAM counts it): each token is counted at the longest value it can take.
        """
        condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": self._account}}
        if self._source_arns:
            arns = self._source_arns
            condition["ArnLike"] = {"aws:SourceArn": arns[0] if len(arns) == 1 else arns}
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Condition": condition,
                    "Effect": "Allow",
                    "Principal": {"Service": SERVICE_PRINCIPAL},
                }
            ],
        }
        return len(_TOKEN.sub(_longest, json.dumps(document, separators=(",", ":"))))

    def _validate(self) -> list[str]:
        length = self.trust_policy_length()
        if length <= self._quota:
            return []
        count = len(self._source_arns)
        each = (length - self._length_without_sets()) / max(count, 1)
        fits = max(int((self._quota - self._length_without_sets()) // each), 1)
        return [
            f"DestinationRole: its trust policy names the {count} configuration sets that use "
            f"it and could be {length} characters long once deployed, over the account's "
            f"'Role trust policy length' quota of {self._quota} (IAM's default is "
            f"{TRUST_POLICY_LENGTH_QUOTA}; white space is not counted). Share one "
            f"DestinationRole among at most {fits} of these sets and give the others another "
            f"one, or raise the quota (up to {TRUST_POLICY_LENGTH_MAX}) and pass "
            "trust_policy_length_quota."
        ]

    def _length_without_sets(self) -> int:
        """The trust policy's length with no ``aws:SourceArn`` condition."""
        arns, self._source_arns = self._source_arns, []
        try:
            return self.trust_policy_length()
        finally:
            self._source_arns = arns

    def _mixed(self, v1_set: str, v2_set: str) -> ValueError:
        return ValueError(
            f"[{node_of(self).path}] DestinationRole serves the v2 set {v2_set} and the v1 voice "
            f"set {v1_set}. Its trust names each v2 set by ARN (aws:SourceArn), and a v1 set "
            "has none, so SMS and Voice could not assume it for the v1 set. Give v1 voice sets "
            "a DestinationRole of their own."
        )


@jsii.implements(IResolvable, IValidation)
class _SharedTrust(PythonResolvable):
    """The ``ArnLike`` condition of a shared role's trust (every v2 set that uses it, rendered
    when the template is resolved), and the check of the trust policy's length at synth.
    """

    def __init__(self, role: DestinationRole) -> None:
        self._role = role

    def resolve(self, context: IResolveContext) -> Any:
        arns = self._role.trusted_source_arns
        if not arns:
            return None  # no ArnLike condition: v1 sets only, or no set yet
        return {"aws:SourceArn": arns[0] if len(arns) == 1 else arns}

    def to_string(self) -> str:
        return "<aws:SourceArn of a DestinationRole>"

    def validate(self) -> list[str]:
        return self._role._validate()


def _longest(token: re.Match[str]) -> str:
    name = token.group(1)
    for prefix, length in _TOKEN_LENGTHS.items():
        if name.startswith(prefix + "."):
            return "x" * length
    return "x" * _OTHER_TOKEN_LENGTH
