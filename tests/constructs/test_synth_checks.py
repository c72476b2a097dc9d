"""Synth-time checks that catch what a deploy would: one name per account and Region across
the app, and messages that show what tokens stand for, never the tokens."""

import json
import re

import pytest
from aws_cdk import App, Aws, CfnParameter, Environment, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from cdk_smsvoice import ConfigurationSet, EventDestination, VoiceConfigurationSet
from cdk_smsvoice.constructs.readable import readable

EU = Environment(account="111122223333", region="eu-west-1")
US = Environment(account="111122223333", region="us-east-1")
PLACEHOLDER_ARN = "arn:<partition>:sms-voice:<region>:<account-id>"
TOKEN = re.compile(r"[$#]\{Token\[")


def _errors(app: App) -> str:
    with pytest.raises(Exception, match="Validation failed") as raised:
        app.synth()
    return str(raised.value)


def test_the_same_name_in_two_env_agnostic_stacks_fails_naming_both() -> None:
    app = App()
    ConfigurationSet(Stack(app, "Orders"), "Alerts", configuration_set_name="alerts")
    ConfigurationSet(Stack(app, "Billing"), "Alerts", configuration_set_name="alerts")
    errors = _errors(app)
    assert "[Orders/Alerts] configuration set name 'alerts' (v2) is also the name of " in errors
    assert "Billing/Alerts" in errors
    assert "[Billing/Alerts]" in errors and "Orders/Alerts" in errors
    assert "account <account-id>, Region <region>" in errors
    assert not TOKEN.search(errors)


def test_the_same_name_twice_in_one_stack_fails() -> None:
    app = App()
    stack = Stack(app, "One")
    VoiceConfigurationSet(stack, "A", configuration_set_name="calls")
    VoiceConfigurationSet(stack, "B", configuration_set_name="calls")
    errors = _errors(app)
    assert "[One/A] configuration set name 'calls' (v1) is also the name of One/B" in errors


def test_the_same_name_in_stages_of_one_environment_fails() -> None:
    app = App()
    for stage_id in ("Beta", "Prod"):
        stage = Stage(app, stage_id, env=EU)
        ConfigurationSet(Stack(stage, "Svc"), "Alerts", configuration_set_name="alerts")
    errors = _errors(app)
    assert "Beta/Svc/Alerts" in errors and "Prod/Svc/Alerts" in errors
    assert "account 111122223333, Region eu-west-1" in errors


def test_sets_that_cannot_meet_at_deploy_pass() -> None:
    app = App()
    # other Regions
    ConfigurationSet(Stack(app, "Eu", env=EU), "Alerts", configuration_set_name="alerts")
    ConfigurationSet(Stack(app, "Us", env=US), "Alerts", configuration_set_name="alerts")
    # v1 and v2 names are separate
    VoiceConfigurationSet(Stack(app, "Voice", env=US), "Alerts", configuration_set_name="alerts")
    # a literal environment and an unresolved one cannot be compared at synth
    ConfigurationSet(Stack(app, "Agnostic"), "Alerts", configuration_set_name="alerts")
    # a token name means a different name in each stack
    for stack_id in ("P1", "P2"):
        stack = Stack(app, stack_id)
        ConfigurationSet(stack, "Alerts", configuration_set_name=f"{Aws.STACK_NAME}-alerts")
    app.synth()


def test_a_token_name_repeated_in_one_stack_fails() -> None:
    app = App()
    stack = Stack(app, "Param")
    name = CfnParameter(stack, "Name").value_as_string
    ConfigurationSet(stack, "A", configuration_set_name=name)
    ConfigurationSet(stack, "B", configuration_set_name=name)
    errors = _errors(app)
    assert "'<Param/Name, resolved at deploy>'" in errors
    assert not TOKEN.search(errors)


def _generated_names(app: App) -> list[str]:
    assembly = app.synth()
    return [
        resource["Properties"]["ConfigurationSetName"]
        for stage in assembly.nested_assemblies
        for artifact in stage.nested_assembly.stacks
        for resource in artifact.template["Resources"].values()
        if resource["Type"] == "Custom::SmsVoiceV2ConfigurationSet"
    ]


def test_generated_names_never_collide() -> None:
    app = App()
    for stage_id in ("Beta", "Prod"):
        stage = Stage(app, stage_id, env=EU)
        for stack_id in ("A", "B"):
            stack = Stack(stage, stack_id)
            for set_id in ("Alerts", "alerts"):
                ConfigurationSet(stack, set_id)
    generated = _generated_names(app)
    assert len(generated) == 8
    assert len(set(generated)) == 8
    for name in generated:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name), name


def test_one_stack_name_twice_in_one_environment_fails_on_the_generated_names() -> None:
    app = App()
    for stage_id, env in (("Beta", EU), ("Prod", EU), ("Other", US)):
        stage = Stage(app, stage_id, env=env)
        ConfigurationSet(Stack(stage, "Svc", stack_name="svc"), "Alerts")
    errors = _errors(app)
    assert "[Beta/Svc/Alerts] configuration set name 'svc-Alerts-" in errors
    assert "is also the name of Prod/Svc/Alerts," in errors
    assert "give the stacks different stack names" in errors
    assert "Other/Svc/Alerts" not in errors


def test_validation_messages_name_what_tokens_stand_for() -> None:
    stack = Stack(App(), "Tokens")
    cs = ConfigurationSet(stack, "Alerts")
    log_group = logs.LogGroup(stack, "Logs")
    for i in range(6):
        cs.add_event_destination(
            f"D{i}",
            destination=EventDestination.cloud_watch_logs(log_group),
            event_destination_name=f"{Aws.REGION}-{i}",
        )
    errors = cs.node.validate()
    assert errors and any("6 items is more than the limit of 5" in e for e in errors)
    joined = "\n".join(errors)
    assert not TOKEN.search(joined), joined
    assert "resolved at deploy" in joined


def test_readable_names_constructs_and_placeholders() -> None:
    stack = Stack(App(), "Readable")
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    topic = sns.Topic(stack, "Topic")
    value = {
        "IamRoleArn": role.role_arn,
        "TopicArn": topic.topic_arn,
        "Arn": f"arn:{Aws.PARTITION}:sms-voice:{Aws.REGION}:{Aws.ACCOUNT_ID}:configuration-set/x",
        "List": ["literal", 3],
    }
    assert readable(value, stack) == {
        "IamRoleArn": "<Arn of Readable/Role, resolved at deploy>",
        "TopicArn": "<Readable/Topic, resolved at deploy>",
        "Arn": "arn:<partition>:sms-voice:<region>:<account-id>:configuration-set/x",
        "List": ["literal", 3],
    }


def _warning(stack: Stack, path: str) -> str:
    node = stack.node.find_child(path.split("/")[0])
    for part in path.split("/")[1:]:
        node = node.node.find_child(part)
    warnings = [m.data for m in node.node.metadata if m.type == "aws:cdk:warning"]
    assert len(warnings) == 1, warnings
    return str(warnings[0])


def _pasted_statement(warning: str) -> dict[str, object]:
    statement = json.loads(warning[warning.index(": {") + 2 :].split(" [ack:")[0])
    assert isinstance(statement, dict)
    return statement


def test_imported_topic_warning_prints_a_statement_ready_to_paste() -> None:
    stack = Stack(App(), "Imported")
    cs = ConfigurationSet(stack, "Set", configuration_set_name="alerts")
    topic = sns.Topic.from_topic_arn(stack, "T", "arn:aws:sns:us-east-1:123456789012:ext")
    cs.add_event_destination("Topic", destination=EventDestination.sns_topic(topic))
    warning = _warning(stack, "Set/Topic")
    assert "replace <account-id>, <partition>, <region>" in warning
    assert not TOKEN.search(warning) and "Fn::" not in warning and '"Ref"' not in warning
    statement = _pasted_statement(warning)
    assert statement["Resource"] == "arn:aws:sns:us-east-1:123456789012:ext"
    assert statement["Action"] == "sns:Publish"
    assert statement["Principal"] == {"Service": "sms-voice.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "<account-id>"},
        "ArnLike": {"aws:SourceArn": f"{PLACEHOLDER_ARN}:configuration-set/alerts"},
    }


def test_imported_topic_and_key_in_a_known_environment_get_exact_arns() -> None:
    stack = Stack(App(), "Known", env=EU)
    cs = ConfigurationSet(stack, "Set", configuration_set_name="alerts")
    key = kms.Key.from_key_arn(
        stack, "K", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    topic = sns.Topic.from_topic_attributes(
        stack, "T", topic_arn="arn:aws:sns:eu-west-1:111122223333:ext", key_arn=key.key_arn
    )
    cs.add_event_destination("Topic", destination=EventDestination.sns_topic(topic))
    node = stack.node.find_child("Set").node.find_child("Topic")
    warnings = [str(m.data) for m in node.node.metadata if m.type == "aws:cdk:warning"]
    assert len(warnings) == 2, warnings
    for warning in warnings:
        assert not TOKEN.search(warning)
        statement = _pasted_statement(warning)
        condition = statement["Condition"]
        assert condition["StringEquals"] == {"aws:SourceAccount": "111122223333"}  # type: ignore[index]
        source_arn = condition["ArnLike"]["aws:SourceArn"]  # type: ignore[index]
        assert source_arn.endswith(":sms-voice:eu-west-1:111122223333:configuration-set/alerts")
    assert any("kms:Decrypt" in w for w in warnings)
