"""Imports by name, ARN and attributes, and the typed send grants of both generations."""

from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from cdk_smsvoice import ConfigurationSet, VoiceConfigurationSet

ARN = "arn:aws:sms-voice:eu-west-1:111122223333:configuration-set/shared-alerts"
SEND_ACTIONS = [
    "sms-voice:SendTextMessage",
    "sms-voice:SendVoiceMessage",
    "sms-voice:SendMediaMessage",
]


def _statements(stack: Stack) -> list[dict[str, Any]]:
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    return [
        s
        for policy in policies.values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(a.startswith("sms-voice:Send") for a in _listed(s["Action"]))
    ]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sender(stack: Stack) -> iam.Role:
    return iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


@pytest.mark.parametrize(
    ("method", "actions"),
    [
        ("grant_send_text_message", ["sms-voice:SendTextMessage"]),
        ("grant_send_voice_message", ["sms-voice:SendVoiceMessage"]),
        ("grant_send_media_message", ["sms-voice:SendMediaMessage"]),
        ("grant_send", SEND_ACTIONS),
    ],
)
def test_v2_grants_are_on_the_set_arn(method: str, actions: list[str]) -> None:
    stack = Stack(App(), "Grants")
    cs = ConfigurationSet(stack, "Alerts")
    grant = getattr(cs, method)(_sender(stack))
    assert isinstance(grant, iam.Grant)
    assert grant.success
    (statement,) = _statements(stack)
    assert _listed(statement["Action"]) == actions
    logical_id = stack.resolve(cs.configuration_set_name)["Ref"]
    assert statement["Resource"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    doc = getattr(ConfigurationSet, method).__doc__
    assert "origination identity" in doc and "grant of its own" in doc


def test_v1_grant_is_on_star_and_says_why() -> None:
    stack = Stack(App(), "VoiceGrant")
    calls = VoiceConfigurationSet(stack, "Calls")
    grant = calls.grant_send_voice_message(_sender(stack))
    assert isinstance(grant, iam.Grant)
    (statement,) = _statements(stack)
    assert statement["Action"] == "sms-voice:SendVoiceMessage"
    assert statement["Resource"] == "*"
    doc = VoiceConfigurationSet.grant_send_voice_message.__doc__ or ""
    assert "no IAM resource types" in doc and "``*``" in doc


def test_import_by_arn_reads_the_name_and_environment_and_grants() -> None:
    stack = Stack(App(), "ByArn")
    imported = ConfigurationSet.from_configuration_set_arn(stack, "Shared", ARN)
    assert imported.configuration_set_name == "shared-alerts"
    assert imported.configuration_set_arn == ARN
    assert imported.env.account == "111122223333"  # type: ignore[attr-defined]
    assert imported.env.region == "eu-west-1"  # type: ignore[attr-defined]
    imported.grant_send(_sender(stack))
    (statement,) = _statements(stack)
    assert statement["Resource"] == ARN
    assert Template.from_stack(stack).find_resources("Custom::SmsVoiceV2ConfigurationSet") == {}


def test_import_by_a_token_arn_splits_it_at_deploy() -> None:
    stack = Stack(App(), "TokenArn")
    arn = CfnParameter(stack, "SetArn").value_as_string
    imported = ConfigurationSet.from_configuration_set_arn(stack, "Shared", arn)
    resolved = stack.resolve(imported.configuration_set_name)
    assert resolved["Fn::Select"][0] == 1
    assert resolved["Fn::Select"][1]["Fn::Split"][0] == "/"


@pytest.mark.parametrize(
    "bad",
    [
        "arn:aws:sns:eu-west-1:111122223333:topic",
        "arn:aws:sms-voice:eu-west-1:111122223333:pool/pool-1",
        "shared-alerts",
    ],
)
def test_import_by_arn_refuses_what_is_not_a_set_arn(bad: str) -> None:
    with pytest.raises(
        ValueError, match=r"\[BadArn/Shared\].*is not the ARN of a v2 configuration"
    ):
        ConfigurationSet.from_configuration_set_arn(Stack(App(), "BadArn"), "Shared", bad)


def test_import_by_attributes() -> None:
    env = Environment(account="444455556666", region="us-west-2")
    stack = Stack(App(), "ByAttributes", env=env)
    by_name = ConfigurationSet.from_configuration_set_attributes(
        stack, "ByName", configuration_set_name="alerts"
    )
    resolved = str(stack.resolve(by_name.configuration_set_arn))
    assert ":sms-voice:us-west-2:444455556666:configuration-set/alerts" in resolved
    by_arn = ConfigurationSet.from_configuration_set_attributes(
        stack, "ByArn", configuration_set_arn=ARN
    )
    assert by_arn.configuration_set_name == "shared-alerts"
    both = ConfigurationSet.from_configuration_set_attributes(
        stack, "Both", configuration_set_name="shared-alerts", configuration_set_arn=ARN
    )
    assert (both.configuration_set_name, both.configuration_set_arn) == ("shared-alerts", ARN)
    with pytest.raises(ValueError, match=r"\[ByAttributes/Neither\].*give configuration_set_name"):
        ConfigurationSet.from_configuration_set_attributes(stack, "Neither")
    with pytest.raises(ValueError, match=r"'not valid!' is not a set name.*1 to 64"):
        ConfigurationSet.from_configuration_set_attributes(
            stack, "Invalid", configuration_set_name="not valid!"
        )


def test_import_by_name_of_either_generation_grants() -> None:
    stack = Stack(App(), "ByName")
    sender = _sender(stack)
    ConfigurationSet.from_configuration_set_name(stack, "Texts", "texts").grant_send_text_message(
        sender
    )
    VoiceConfigurationSet.from_configuration_set_name(
        stack, "Calls", "calls"
    ).grant_send_voice_message(sender)
    statements = _statements(stack)
    resources = sorted(str(stack.resolve(s["Resource"])) for s in statements)
    assert len(resources) == 2
    assert "*" in resources
    assert any("configuration-set/texts" in r for r in resources)
    with pytest.raises(
        ValueError, match=r"\[ByName/Bad\] import of a v1 .*'a b' is not a set name"
    ):
        VoiceConfigurationSet.from_configuration_set_name(stack, "Bad", "a b")
