"""VoiceConfigurationSet (v1): what it renders, its IAM, its tags warning and its limits."""

from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack, Tags
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template
from conftest import Synthesized

from cdk_smsvoice import (
    EventDestination,
    EventType,
    VoiceConfigurationSet,
    VoiceEventType,
)
from cdk_smsvoice.constructs.provider import V1_ACTIONS

V1 = "Custom::SmsVoiceV1ConfigurationSet"
ALL_VOICE_EVENTS = [
    "INITIATED_CALL",
    "RINGING",
    "ANSWERED",
    "COMPLETED_CALL",
    "BUSY",
    "FAILED",
    "NO_ANSWER",
]


def _calls(template: Template) -> dict[str, Any]:
    found = template.find_resources(V1, {"Properties": {"ConfigurationSetName": "calls"}})
    assert len(found) == 1, found
    return next(iter(found.values()))


def test_renders_the_v1_contract(scenarios: Synthesized) -> None:
    resource = _calls(scenarios.template("Voice"))
    props = resource["Properties"]

    assert set(props) == {
        "ServiceToken",
        "SchemaVersion",
        "ConfigurationSetName",
        "EventDestinations",
    }
    logs_dest, topic_dest, stream_dest = props["EventDestinations"]
    assert logs_dest["EventDestinationName"] == "Logs"
    assert logs_dest["MatchingEventTypes"] == ALL_VOICE_EVENTS  # the default: every voice event
    assert set(logs_dest["CloudWatchLogsDestination"]) == {"IamRoleArn", "LogGroupArn"}
    assert topic_dest == {
        "EventDestinationName": "Topic",
        "Enabled": False,
        "MatchingEventTypes": ["ANSWERED", "COMPLETED_CALL"],
        "SnsDestination": {"TopicArn": {"Ref": topic_dest["SnsDestination"]["TopicArn"]["Ref"]}},
    }
    assert topic_dest["SnsDestination"]["TopicArn"]["Ref"].startswith("Topic")
    assert stream_dest["EventDestinationName"] == "to-lake"
    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"


def test_tags_are_left_off_with_a_warning(scenarios: Synthesized) -> None:
    template = scenarios.template("Voice")
    for resource in template.find_resources(V1).values():
        assert "Tags" not in resource["Properties"]
    # The v2 set in the same stack does carry the tag.
    template.has_resource_properties(
        "Custom::SmsVoiceV2ConfigurationSet", {"Tags": [{"Key": "team", "Value": "voice"}]}
    )


def test_the_tags_warning_names_the_tags_and_the_way_out() -> None:
    stack = Stack(App(), "Tagged")
    VoiceConfigurationSet(stack, "Calls")
    Tags.of(stack).add("team", "voice")
    Tags.of(stack).add("env", "prod")

    warnings = Annotations.from_stack(stack).find_warning("/Tagged/Calls", Match.any_value())

    assert len(warnings) == 1
    text = str(warnings[0].entry.data)
    assert "v1 voice configuration sets cannot carry tags" in text
    assert "env, team" in text
    assert "exclude_resource_types=['Custom::SmsVoiceV1ConfigurationSet']" in text


def test_no_warning_without_tags() -> None:
    stack = Stack(App(), "Untagged")
    VoiceConfigurationSet(stack, "Calls")
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []


def test_roles_trust_the_service_under_source_account_only(scenarios: Synthesized) -> None:
    """v1 sets have no ARN: no aws:SourceArn condition can name them."""
    template = scenarios.template("Voice")
    trusts = [
        role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
        for role in template.find_resources("AWS::IAM::Role").values()
        if "Condition" in role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    ]
    v1_roles = [t for t in trusts if "ArnLike" not in t["Condition"]]
    assert v1_roles, trusts
    for trust in v1_roles:
        assert trust == {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "sms-voice.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }


def test_topic_policy_admits_the_service_for_this_account(scenarios: Synthesized) -> None:
    template = scenarios.template("Voice")
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
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_provider_gets_the_v1_actions_only_where_a_voice_set_exists(
    scenarios: Synthesized,
) -> None:
    def voice_policies(stack: str) -> dict[str, Any]:
        template = scenarios.template(stack)
        return {
            logical_id: policy
            for logical_id, policy in template.find_resources("AWS::IAM::Policy").items()
            if logical_id.startswith("CdkSmsVoiceProviderVoiceSetsPolicy")
        }

    ((policy_id, policy),) = voice_policies("Voice").items()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Sid": "ManageVoiceSets", "Action": list(V1_ACTIONS), "Effect": "Allow", "Resource": "*"}
    ]
    ((role,),) = [policy["Properties"]["Roles"]]
    assert role["Ref"].startswith("CdkSmsVoiceProviderHandlerRole")
    # Each voice set depends on it, so a removed set is deleted before its permission is.
    voice_sets = scenarios.template("Voice").find_resources(V1)
    assert voice_sets and all(policy_id in r["DependsOn"] for r in voice_sets.values())
    assert voice_policies("Full") == {}


def test_v1_and_v2_sets_share_one_provider(scenarios: Synthesized) -> None:
    template = scenarios.template("Voice")
    template.resource_count_is("AWS::Lambda::Function", 2)
    tokens = {
        str(r["Properties"]["ServiceToken"])
        for type_ in (V1, "Custom::SmsVoiceV2ConfigurationSet")
        for r in template.find_resources(type_).values()
    }
    assert len(tokens) == 1


def test_a_given_role_is_passable_to_the_service_only(scenarios: Synthesized) -> None:
    template = scenarios.template("Voice")
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "iam:PassRole",
                            "Condition": {
                                "StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}
                            },
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::GetAtt": [Match.string_like_regexp("GivenRole"), "Arn"]
                            },
                        }
                    ]
                )
            }
        },
    )


def test_generated_name_is_valid(scenarios: Synthesized) -> None:
    names = [
        r["Properties"]["ConfigurationSetName"]
        for r in scenarios.template("Voice").find_resources(V1).values()
    ]
    generated = [n for n in names if n != "calls"]
    assert len(generated) == 1
    assert len(generated[0]) <= 64
    assert all(c.isalnum() or c in "_-" for c in generated[0])


def test_name_is_a_ref_and_there_is_no_arn() -> None:
    stack = Stack(App(), "Attrs")
    calls = VoiceConfigurationSet(stack, "Calls")
    assert stack.resolve(calls.configuration_set_name) == {"Ref": "Calls3682725C"}
    assert not hasattr(calls, "configuration_set_arn")


def test_import_by_name_manages_nothing() -> None:
    stack = Stack(App(), "Imports")
    imported = VoiceConfigurationSet.from_configuration_set_name(stack, "Existing", "old-calls")
    assert imported.configuration_set_name == "old-calls"
    template = Template.from_stack(stack)
    assert template.find_resources(V1) == {}
    template.resource_count_is("AWS::Lambda::Function", 0)


def test_snapshot_removal_policy_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Snap/Calls.*DESTROY or RemovalPolicy.RETAIN"):
        VoiceConfigurationSet(Stack(App(), "Snap"), "Calls", removal_policy=RemovalPolicy.SNAPSHOT)


# ------------------------------------------------------------------------------ limits


def _voice_set(count: int) -> VoiceConfigurationSet:
    stack = Stack(App(), "Limits")
    log_group = logs.LogGroup(stack, "Logs")
    calls = VoiceConfigurationSet(stack, "Calls")
    for i in range(count):
        calls.add_event_destination(
            f"D{i}", destination=EventDestination.cloud_watch_logs(log_group)
        )
    return calls


def test_ten_destinations_are_allowed() -> None:
    assert _voice_set(10).node.validate() == []


def test_eleven_destinations_fail_and_name_the_v1_limit() -> None:
    errors = _voice_set(11).node.validate()
    assert len(errors) == 1
    assert "$.EventDestinations: 11 items is more than the limit of 10" in errors[0]
    assert "the v1 per-set limit" in errors[0]
    assert errors[0].startswith(f"{V1} properties:")


def test_eleven_destinations_fail_the_synth_with_the_construct_path() -> None:
    calls = _voice_set(11)
    with pytest.raises(Exception, match=r"Limits/Calls") as raised:
        App.of(calls).synth()  # type: ignore[union-attr]
    assert "more than the limit of 10" in str(raised.value)


@pytest.mark.parametrize("event", [EventType.TEXT_DELIVERED, EventType.ALL, EventType.VOICE_ALL])
def test_a_v2_event_type_fails_and_says_what_v1_allows(event: EventType) -> None:
    stack = Stack(App(), "Events")
    calls = VoiceConfigurationSet(stack, "Calls")
    calls.add_event_destination(
        "Topic", destination=EventDestination.sns_topic(sns.Topic(stack, "T")), events=[event]
    )
    (error,) = calls.node.validate()
    assert "$.EventDestinations[0].MatchingEventTypes[0]" in error
    assert f'"{event.value}"' in error
    assert "a v1 voice event type: INITIATED_CALL, RINGING" in error


def test_every_error_is_reported_together() -> None:
    stack = Stack(App(), "Many")
    log_group = logs.LogGroup(stack, "Logs")
    calls = VoiceConfigurationSet(stack, "Calls", configuration_set_name="bad name")
    for i in range(11):
        calls.add_event_destination(
            f"D{i}",
            destination=EventDestination.cloud_watch_logs(log_group),
            events=[VoiceEventType.BUSY, EventType.TEXT_SENT],
            event_destination_name="same" if i < 2 else None,
        )
    joined = "\n".join(calls.node.validate())
    assert "$.ConfigurationSetName" in joined
    assert "more than the limit of 10" in joined
    assert "EventDestinationName 'same' is used by items 0 and 1" in joined
    assert "TEXT_SENT" in joined
