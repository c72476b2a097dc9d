"""DestinationRole: one role for the Logs and Firehose destinations of many sets, whose trust
policy names every set that uses it, within IAM's trust-policy length quota."""

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from cdk_smsvoice import (
    ConfigurationSet,
    DestinationRole,
    EventDestination,
    EventDestinationOptions,
    VoiceConfigurationSet,
)
from cdk_smsvoice.constructs.destination_role import TRUST_POLICY_LENGTH_QUOTA

ENV = Environment(account="123456789012", region="eu-west-1")


def _stack() -> tuple[Stack, logs.LogGroup, firehose.DeliveryStream]:
    stack = Stack(App(), "Shared", env=ENV)
    bucket = s3.Bucket(stack, "Bucket", enforce_ssl=True)
    stream = firehose.DeliveryStream(
        stack,
        "Stream",
        destination=firehose.S3Bucket(bucket, buffering_interval=Duration.seconds(60)),
    )
    return stack, logs.LogGroup(stack, "Logs"), stream


def _sets(stack: Stack, log_group: logs.ILogGroup, stream: Any, count: int, **role: Any) -> Any:
    logs_role = DestinationRole(stack, "LogsRole", **role)
    lake_role = DestinationRole(stack, "LakeRole", **role)
    for index in range(count):
        ConfigurationSet(
            stack,
            f"Set{index}",
            configuration_set_name=f"set-{index}",
            event_destinations={
                "Logs": EventDestinationOptions(
                    destination=EventDestination.cloud_watch_logs(log_group, role=logs_role)
                ),
                "Lake": EventDestinationOptions(
                    destination=EventDestination.firehose(stream, role=lake_role)
                ),
            },
        )
    return logs_role, lake_role


def _logical_id(stack: Stack, construct: Any) -> str:
    return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))


def _trust(template: Template, logical_id: str) -> dict[str, Any]:
    role = template.to_json()["Resources"][logical_id]
    statement: dict[str, Any] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    return statement


def _arn(name: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":sms-voice:eu-west-1:123456789012:configuration-set/{name}",
            ],
        ]
    }


def test_three_sets_share_two_roles_whose_trust_names_each_set() -> None:
    stack, log_group, stream = _stack()
    logs_role, lake_role = _sets(stack, log_group, stream, 3)
    template = Template.from_stack(stack)
    # Two roles in all (plus the provider's two and the stream's own): none per set.
    roles = template.find_resources("AWS::IAM::Role")
    assert len(roles) == 2 + 2 + 1
    for role in (logs_role, lake_role):
        trust = _trust(template, _logical_id(stack, role))
        assert trust["Principal"] == {"Service": "sms-voice.amazonaws.com"}
        assert trust["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": [_arn("set-0"), _arn("set-1"), _arn("set-2")]},
        }
    # Each sink's permission once, on that sink only.
    policies = template.to_json()["Resources"]
    logs_policy = policies[_logical_id(stack, logs_role.node.find_child("DefaultPolicy"))]
    statements = logs_policy["Properties"]["PolicyDocument"]["Statement"]
    assert len(statements) == 1
    assert statements[0]["Action"] == [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    lake_policy = policies[_logical_id(stack, lake_role.node.find_child("DefaultPolicy"))]
    assert len(lake_policy["Properties"]["PolicyDocument"]["Statement"]) == 1
    # The handler may pass each role once; every set waits for both roles and their policies.
    handler_policy = json.dumps(template.find_resources("AWS::IAM::Policy"))
    assert handler_policy.count("iam:PassRole") == 2
    for cs in template.find_resources("Custom::SmsVoiceV2ConfigurationSet").values():
        for role in (logs_role, lake_role):
            assert _logical_id(stack, role) in cs["DependsOn"]
            assert _logical_id(stack, role.node.find_child("DefaultPolicy")) in cs["DependsOn"]


def test_one_set_is_named_as_a_single_arn() -> None:
    stack, log_group, stream = _stack()
    logs_role, _ = _sets(stack, log_group, stream, 1)
    trust = _trust(Template.from_stack(stack), _logical_id(stack, logs_role))
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": _arn("set-0")}


def test_v1_sets_are_trusted_by_account_only() -> None:
    stack, log_group, _ = _stack()
    role = DestinationRole(stack, "VoiceRole")
    for index in range(2):
        VoiceConfigurationSet(
            stack,
            f"Voice{index}",
            event_destinations={
                "Logs": EventDestinationOptions(
                    destination=EventDestination.cloud_watch_logs(log_group, role=role)
                )
            },
        )
    trust = _trust(Template.from_stack(stack), _logical_id(stack, role))
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_v1_and_v2_sets_cannot_share_a_role() -> None:
    stack, log_group, _ = _stack()
    role = DestinationRole(stack, "Role")
    destination = EventDestination.cloud_watch_logs(log_group, role=role)
    ConfigurationSet(stack, "Texts", configuration_set_name="texts").add_event_destination(
        "Logs", destination=destination
    )
    calls = VoiceConfigurationSet(stack, "Calls", configuration_set_name="calls")
    with pytest.raises(ValueError, match=r"Shared/Role.*'texts'.*'calls'.*of their own"):
        calls.add_event_destination("Logs", destination=destination)


def test_the_length_estimate_bounds_the_deployed_trust_policy() -> None:
    stack, log_group, stream = _stack()
    logs_role, _ = _sets(stack, log_group, stream, 5)
    trust = Template.from_stack(stack).to_json()["Resources"][_logical_id(stack, logs_role)]
    document = trust["Properties"]["AssumeRolePolicyDocument"]
    # As deployed in the commercial partition; the estimate allows for the longest one.
    deployed = json.dumps(document, separators=(",", ":"))
    deployed = re.sub(
        r'\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},"([^"]*)"\]\]\}',
        r'"arn:aws\1"',
        deployed,
    )
    assert "Fn::" not in deployed
    slack = 5 * (len("aws-us-gov") - len("aws"))
    assert len(deployed) <= logs_role.trust_policy_length() <= len(deployed) + slack


def test_too_many_sets_for_the_quota_fail_synth_with_the_fix() -> None:
    stack, log_group, stream = _stack()
    _sets(stack, log_group, stream, 25)
    with pytest.raises(RuntimeError) as raised:
        stack.node.root.synth()  # type: ignore[attr-defined]
    message = str(raised.value)
    assert "Shared/LogsRole" in message and "Shared/LakeRole" in message
    assert "names the 25 configuration sets" in message
    assert f"'Role trust policy length' quota of {TRUST_POLICY_LENGTH_QUOTA}" in message
    assert "trust_policy_length_quota" in message
    fits = int(re.search(r"among at most (\d+) of these sets", message).group(1))  # type: ignore[union-attr]
    # The number given is right: that many sets pass, one more does not.
    for count, errors in ((fits, 0), (fits + 1, 1)):
        stack, log_group, stream = _stack()
        logs_role, _ = _sets(stack, log_group, stream, count)
        assert len(logs_role.node.validate()) == errors, count


def test_a_raised_quota_lets_more_sets_share_the_role() -> None:
    stack, log_group, stream = _stack()
    logs_role, _ = _sets(stack, log_group, stream, 25, trust_policy_length_quota=4096)
    assert TRUST_POLICY_LENGTH_QUOTA < logs_role.trust_policy_length() <= 4096
    assert logs_role.node.validate() == []


@pytest.mark.parametrize("quota", [0, 4097])
def test_a_quota_iam_does_not_allow_is_refused(quota: int) -> None:
    stack, _, _ = _stack()
    with pytest.raises(ValueError, match=r"'Role'.*2048 \(the default\) to 4096"):
        DestinationRole(stack, "Role", trust_policy_length_quota=quota)


def test_readme_example_runs_where_it_says(tmp_path: Any) -> None:
    from test_readme import _example, _run, _usage_example

    head, tail = _usage_example().rsplit("app.synth()", 1)
    example = _example("### Many sets in one stack")
    template = json.loads(_run(head + example + "app.synth()" + tail, tmp_path))
    trusts = [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Role"
        and "ArnLike" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    shared = [c for c in trusts if isinstance(c["ArnLike"]["aws:SourceArn"], list)]
    assert len(shared) == 2
    for condition in shared:
        names = json.dumps(condition["ArnLike"]["aws:SourceArn"])
        assert all(
            f"configuration-set/{team}" in names for team in ("billing", "marketing", "support")
        )
