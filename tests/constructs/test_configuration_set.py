"""ConfigurationSet (v2): what it renders, the IAM it creates, and how it composes."""

import re
from typing import Any

import pytest
from aws_cdk import App, Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template
from conftest import Synthesized

from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
)

V2 = "Custom::SmsVoiceV2ConfigurationSet"


def _one(template: Template, type_: str) -> dict[str, Any]:
    found = template.find_resources(type_)
    assert len(found) == 1, found
    return next(iter(found.values()))


def test_renders_every_property_with_the_contract_names(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    resource = _one(template, V2)
    props = resource["Properties"]
    assert props["ConfigurationSetName"] == "alerts"
    assert props["SchemaVersion"] == "1"
    assert props["DefaultMessageType"] == "PROMOTIONAL"
    assert props["DefaultSenderId"] == "ACME"
    assert props["MessageFeedbackEnabled"] is False
    assert props["ProtectConfigurationId"] == "protect-0123456789abcdef"
    names = [d["EventDestinationName"] for d in props["EventDestinations"]]
    assert names == ["Logs", "Topic", "to-lake"]
    logs_dest, topic_dest, stream_dest = props["EventDestinations"]
    assert logs_dest["MatchingEventTypes"] == ["ALL"]
    assert logs_dest["Enabled"] is True
    assert set(logs_dest["CloudWatchLogsDestination"]) == {"IamRoleArn", "LogGroupArn"}
    # duplicates dropped, order kept
    assert topic_dest["MatchingEventTypes"] == ["TEXT_DELIVERED", "TEXT_BLOCKED"]
    assert topic_dest["Enabled"] is False
    assert set(topic_dest["SnsDestination"]) == {"TopicArn"}
    assert set(stream_dest["KinesisFirehoseDestination"]) == {"IamRoleArn", "DeliveryStreamArn"}


def test_tags_of_becomes_the_tags_property(scenarios: Synthesized) -> None:
    props = _one(scenarios.template("Full"), V2)["Properties"]
    assert props["Tags"] == [
        {"Key": "app", "Value": "alerts"},
        {"Key": "team", "Value": "messaging"},
    ]
    shared = scenarios.template("Shared").find_resources(V2)
    assert all("Tags" not in r["Properties"] for r in shared.values())


def test_retain_keeps_the_set(scenarios: Synthesized) -> None:
    resource = _one(scenarios.template("Full"), V2)
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    shared = scenarios.template("Shared").find_resources(V2)
    assert {r["DeletionPolicy"] for r in shared.values()} == {"Delete"}


def test_snapshot_removal_policy_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[Test/Set\] removal_policy .*DESTROY or .*RETAIN"):
        ConfigurationSet(Stack(App(), "Test"), "Set", removal_policy=RemovalPolicy.SNAPSHOT)


def test_generated_names_are_valid_stable_and_distinct(scenarios: Synthesized) -> None:
    names = [
        r["Properties"]["ConfigurationSetName"]
        for r in scenarios.template("Shared").find_resources(V2).values()
    ]
    assert len(set(names)) == 2
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name), name
    # a very long path still gives a valid name of at most 64 characters
    long_set = ConfigurationSet(Stack(App(), "S" * 120), "X" * 200)
    assert long_set.validate_configuration() == []


def test_generated_name_is_deterministic_across_apps() -> None:
    def name_of() -> str:
        stack = Stack(App(), "Shared")
        ConfigurationSet(stack, "One")
        template = Template.from_stack(stack)
        (resource,) = template.find_resources(V2).values()
        return str(resource["Properties"]["ConfigurationSetName"])

    first = name_of()
    assert first == name_of()
    assert len(first) <= 64


def test_created_roles_trust_the_service_for_this_set_only(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "sms-voice.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {
                                "aws:SourceArn": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "arn:",
                                            {"Ref": "AWS::Partition"},
                                            ":sms-voice:",
                                            {"Ref": "AWS::Region"},
                                            ":",
                                            {"Ref": "AWS::AccountId"},
                                            ":configuration-set/alerts",
                                        ],
                                    ]
                                }
                            },
                        },
                    }
                ]
            }
        },
    )


def test_log_role_may_write_to_that_log_group_only(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    log_group_id = next(
        iter(template.find_resources("AWS::Logs::LogGroup", {"Properties": {"RetentionInDays": 7}}))
    )
    policies = template.find_resources("AWS::IAM::Policy")
    statements = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "logs:DescribeLogStreams" in s["Action"]
    ]
    assert statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        }
    ]


def test_topic_and_key_policies_admit_the_service_for_this_set(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    conditions = Match.object_like(
        {
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            "ArnLike": Match.any_value(),
        }
    )
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sns:Publish",
                                "Principal": {"Service": "sms-voice.amazonaws.com"},
                                "Condition": conditions,
                            }
                        )
                    ]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                                "Principal": {"Service": "sms-voice.amazonaws.com"},
                                "Condition": conditions,
                            }
                        )
                    ]
                )
            }
        },
    )


def test_given_role_is_used_as_is_and_passable(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    props = _one(template, V2)["Properties"]
    given = next(
        iter(
            template.find_resources(
                "AWS::IAM::Role",
                {
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Statement": [
                                {
                                    "Principal": {"Service": "sms-voice.amazonaws.com"},
                                    "Action": "sts:AssumeRole",
                                    "Effect": "Allow",
                                }
                            ]
                        }
                    }
                },
            )
        )
    )
    assert props["EventDestinations"][2]["KinesisFirehoseDestination"]["IamRoleArn"] == {
        "Fn::GetAtt": [given, "Arn"]
    }
    pass_role = [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "iam:PassRole"
    ]
    for statement in pass_role:
        assert statement["Condition"] == {
            "StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}
        }
    resources = [s["Resource"] for s in pass_role]
    created_log_role = props["EventDestinations"][0]["CloudWatchLogsDestination"]["IamRoleArn"]
    # exactly the destination roles: the created log role and the given role, nothing else
    assert sorted(map(str, resources)) == sorted(
        map(str, [created_log_role, {"Fn::GetAtt": [given, "Arn"]}])
    )


def test_custom_resource_depends_on_roles_and_policies(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    resource = _one(template, V2)
    depends = set(resource["DependsOn"])
    for type_ in ("AWS::SNS::TopicPolicy", "AWS::KMS::Key", "AWS::IAM::Role"):
        assert set(template.find_resources(type_)) & depends, type_
    log_role_policy = [
        k
        for k, p in template.find_resources("AWS::IAM::Policy").items()
        if any(
            "logs:PutLogEvents" in s["Action"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    assert set(log_role_policy) <= depends


def test_one_provider_per_stack(scenarios: Synthesized) -> None:
    shared = scenarios.template("Shared")
    shared.resource_count_is("AWS::Lambda::Function", 2)  # our handler + the framework's
    shared.resource_count_is(V2, 2)
    tokens = {str(r["Properties"]["ServiceToken"]) for r in shared.find_resources(V2).values()}
    assert len(tokens) == 1


def test_provider_iam_is_inline_and_scoped(scenarios: Synthesized) -> None:
    template = scenarios.template("Full")
    for role in template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Runtime": "python3.14", "Handler": "index.on_event", "Timeout": 600},
    )
    for log_group in template.find_resources("AWS::Logs::LogGroup").values():
        assert "RetentionInDays" in log_group["Properties"]
    functions = template.find_resources("AWS::Lambda::Function")
    for fn in functions.values():
        assert "LogGroup" in fn["Properties"]["LoggingConfig"]


def test_cross_stack_topic_gets_the_statement_in_its_own_stack(scenarios: Synthesized) -> None:
    producer = scenarios.template("Producer")
    producer.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": "sns:Publish",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {
                                    "aws:SourceArn": {
                                        "Fn::Join": [
                                            "",
                                            Match.array_with([":configuration-set/consumer-set"]),
                                        ]
                                    }
                                },
                            },
                        }
                    )
                ]
            }
        },
    )
    # no export from the consumer back to the producer: the producer deploys first
    assert "Outputs" not in scenarios.templates["Consumer"] or all(
        "Export" not in o for o in scenarios.templates["Consumer"]["Outputs"].values()
    )


def test_imported_topic_warns_with_the_statement_to_add() -> None:
    stack = Stack(App(), "Imported")
    cs = ConfigurationSet(stack, "Set")
    cs.add_event_destination(
        "Topic",
        destination=EventDestination.sns_topic(
            sns.Topic.from_topic_arn(stack, "T", "arn:aws:sns:us-east-1:123456789012:ext")
        ),
    )
    Annotations.from_stack(stack).has_warning(
        "/Imported/Set/Topic", Match.string_like_regexp("is imported.*sns:Publish")
    )


def test_fifo_topic_fails_at_synth_with_the_reason() -> None:
    stack = Stack(App(), "Fifo")
    topic = sns.Topic(stack, "T", fifo=True, topic_name="t.fifo")
    cs = ConfigurationSet(stack, "Set")
    with pytest.raises(ValueError, match=r"\[Fifo/Set/T\].*FIFO topic.*standard"):
        cs.add_event_destination("T", destination=EventDestination.sns_topic(topic))


def test_aws_managed_key_fails_at_synth_with_the_reason() -> None:
    stack = Stack(App(), "Managed")
    key = kms.Alias.from_alias_name(stack, "Aws", "alias/aws/sns")
    topic = sns.Topic(stack, "T", master_key=key)
    cs = ConfigurationSet(stack, "Set")
    with pytest.raises(ValueError, match=r"AWS-managed key 'alias/aws/sns'.*customer-managed"):
        cs.add_event_destination("T", destination=EventDestination.sns_topic(topic))


def test_import_by_name_manages_nothing() -> None:
    stack = Stack(App(), "Import")
    imported = ConfigurationSet.from_configuration_set_name(stack, "Existing", "existing-set")
    assert imported.configuration_set_name == "existing-set"
    assert stack.resolve(imported.configuration_set_arn) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":sms-voice:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":configuration-set/existing-set",
            ],
        ]
    }
    role = iam.Role(stack, "Sender", assumed_by=iam.AccountRootPrincipal())
    imported.grant(role, "sms-voice:SendTextMessage")
    template = Template.from_stack(stack)
    assert template.find_resources("Custom::SmsVoiceV2ConfigurationSet") == {}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [Match.object_like({"Action": "sms-voice:SendTextMessage"})]
            }
        },
    )


def test_attributes_are_tokens_of_the_custom_resource() -> None:
    stack = Stack(App(), "Attrs")
    cs = ConfigurationSet(stack, "Set")
    logical_id = stack.resolve(cs.configuration_set_name)["Ref"]
    assert stack.resolve(cs.configuration_set_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_provider_explains_the_scanner_findings_that_do_not_apply(
    scenarios: Synthesized,
) -> None:
    """Checkov reads ``Metadata.checkov.skip``; each skip carries its reason."""
    template = scenarios.template("Full")
    checked = {
        "AWS::Lambda::Function": {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"},
        "AWS::Logs::LogGroup": {"CKV_AWS_158"},
    }
    for type_, ids in checked.items():
        provider_resources = {
            k: v for k, v in template.find_resources(type_).items() if "CdkSmsVoice" in k
        }
        assert len(provider_resources) == 2, provider_resources
        for resource in provider_resources.values():
            skips = resource["Metadata"]["checkov"]["skip"]
            assert {s["id"] for s in skips} == ids
            assert all(len(s["comment"]) > 30 for s in skips)


def test_a_token_name_cannot_be_named_in_another_stack_s_policy() -> None:
    app = App()
    shared = Stack(app, "Shared")
    topic = sns.Topic(shared, "Topic")
    stack = Stack(app, "Sms")
    cs = ConfigurationSet(stack, "Alerts", configuration_set_name=f"{Aws.STACK_NAME}-alerts")
    with pytest.raises(ValueError, match=r"Sms/Alerts.*literal configuration_set_name"):
        cs.add_event_destination("Topic", destination=EventDestination.sns_topic(topic))
