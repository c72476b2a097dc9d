"""Both set classes behave like aws-cdk-lib constructs: (scope, id, *, props) signatures that
help() and inspect show, dicts for structs, apply_removal_policy and node.default_child."""

import inspect
import pydoc
from typing import Any

import pytest
from aws_cdk import App, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
    EventDestinationOptions,
    EventType,
    VoiceConfigurationSet,
    VoiceEventType,
)

V2 = "Custom::SmsVoiceV2ConfigurationSet"
V1 = "Custom::SmsVoiceV1ConfigurationSet"
SET_CLASSES = [ConfigurationSet, VoiceConfigurationSet]


def _resource(stack: Stack, type_: str) -> dict[str, Any]:
    found = Template.from_stack(stack).find_resources(type_)
    assert len(found) == 1, found
    return next(iter(found.values()))


@pytest.mark.parametrize("cls", SET_CLASSES)
def test_signature_shows_scope_id_and_keyword_props(cls: type) -> None:
    signature = inspect.signature(cls)
    params = list(signature.parameters.values())
    assert [p.name for p in params[:2]] == ["scope", "id"]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params[:2])
    assert params[2:] and all(p.kind is p.KEYWORD_ONLY for p in params[2:])
    assert {"configuration_set_name", "event_destinations", "removal_policy"} <= {
        p.name for p in params
    }
    assert not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    assert "(scope: constructs.Construct, id: str, *, configuration_set_name" in text


def test_v2_signature_lists_every_prop() -> None:
    names = list(inspect.signature(ConfigurationSet).parameters)
    assert names == [
        "scope",
        "id",
        "configuration_set_name",
        "default_message_type",
        "default_sender_id",
        "message_feedback_enabled",
        "protect_configuration_id",
        "event_destinations",
        "removal_policy",
    ]


def test_a_subclass_shows_its_own_signature() -> None:
    class Alerts(ConfigurationSet):
        def __init__(self, scope: Stack, id: str, *, team: str) -> None:
            super().__init__(scope, id, configuration_set_name=f"{team}-alerts")

    assert list(inspect.signature(Alerts).parameters) == ["scope", "id", "team"]
    stack = Stack(App(), "Sub")
    Alerts(stack, "A", team="ops")
    assert _resource(stack, V2)["Properties"]["ConfigurationSetName"] == "ops-alerts"


@pytest.mark.parametrize("cls", SET_CLASSES)
def test_scope_and_id_can_be_keywords(cls: type) -> None:
    stack = Stack(App(), "Keywords")
    created = cls(scope=stack, id="K")
    assert created.node.id == "K"
    assert created.node.path == "Keywords/K"


def _two_ways(cls: type, events: list[Any]) -> tuple[Stack, Stack]:
    """The same set, once with EventDestinationOptions and once with dicts."""
    stacks = []
    for as_dict in (False, True):
        stack = Stack(App(), "Dicts")
        log_group = logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_WEEK)
        topic = sns.Topic(stack, "Topic")
        options: dict[str, Any] = {
            "destination": EventDestination.cloud_watch_logs(log_group),
            "events": events,
            "enabled": False,
            "event_destination_name": "to-logs",
        }
        cs = cls(
            stack,
            "Set",
            event_destinations={"Logs": options if as_dict else EventDestinationOptions(**options)},
        )
        topic_options = {"destination": EventDestination.sns_topic(topic)}
        if as_dict:
            cs.add_event_destination("Topic", topic_options)
        else:
            cs.add_event_destination("Topic", EventDestinationOptions(**topic_options))
        stacks.append(stack)
    return stacks[0], stacks[1]


@pytest.mark.parametrize(
    ("cls", "type_", "events"),
    [
        (ConfigurationSet, V2, [EventType.TEXT_DELIVERED]),
        (VoiceConfigurationSet, V1, [VoiceEventType.BUSY]),
    ],
)
def test_dicts_are_accepted_wherever_a_struct_is(cls: type, type_: str, events: list[Any]) -> None:
    with_structs, with_dicts = _two_ways(cls, events)
    rendered = _resource(with_dicts, type_)["Properties"]["EventDestinations"]
    assert rendered == _resource(with_structs, type_)["Properties"]["EventDestinations"]
    assert [d["EventDestinationName"] for d in rendered] == ["to-logs", "Topic"]
    assert rendered[0]["Enabled"] is False
    assert rendered[0]["MatchingEventTypes"] == [events[0].value]


@pytest.mark.parametrize("cls", SET_CLASSES)
def test_an_unknown_key_is_a_clear_type_error(cls: type) -> None:
    stack = Stack(App(), "Typo")
    topic = sns.Topic(stack, "Topic")
    with pytest.raises(TypeError) as raised:
        cls(
            stack,
            "Set",
            event_destinations={
                "X": {"destination": EventDestination.sns_topic(topic), "event": 1}
            },
        )
    message = str(raised.value)
    assert "[Typo/Set] event_destinations['X']" in message
    assert "unknown key 'event' for EventDestinationOptions" in message
    assert "Allowed keys: destination, events, enabled, event_destination_name" in message


def test_a_missing_destination_and_a_wrong_type_are_type_errors() -> None:
    stack = Stack(App(), "Missing")
    cs = ConfigurationSet(stack, "Set")
    with pytest.raises(
        TypeError, match=r"Missing/Set\] add_event_destination\('X'\).*'destination'"
    ):
        cs.add_event_destination("X", {"events": [EventType.ALL]})
    with pytest.raises(TypeError, match=r"expected a EventDestinationOptions or a dict.*list"):
        cs.add_event_destination("Y", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Missing/Other\] event_destinations: expected a dict"):
        ConfigurationSet(stack, "Other", event_destinations=[1])  # type: ignore[arg-type]


@pytest.mark.parametrize(("cls", "type_"), [(ConfigurationSet, V2), (VoiceConfigurationSet, V1)])
@pytest.mark.parametrize(
    ("policy", "expected"), [(RemovalPolicy.RETAIN, "Retain"), (RemovalPolicy.DESTROY, "Delete")]
)
def test_apply_removal_policy_works_as_the_prop(
    cls: type, type_: str, policy: RemovalPolicy, expected: str
) -> None:
    applied, prop = Stack(App(), "Same"), Stack(App(), "Same")
    cls(applied, "Set").apply_removal_policy(policy)
    cls(prop, "Set", removal_policy=policy)
    resource = _resource(applied, type_)
    assert resource["DeletionPolicy"] == expected
    assert resource["UpdateReplacePolicy"] == expected
    assert resource == _resource(prop, type_)


@pytest.mark.parametrize("cls", SET_CLASSES)
def test_apply_removal_policy_refuses_snapshot(cls: type) -> None:
    created = cls(Stack(App(), "Snap"), "Set")
    with pytest.raises(
        ValueError, match=r"\[Snap/Set\] apply_removal_policy\(\).*SNAPSHOT.*RETAIN"
    ):
        created.apply_removal_policy(RemovalPolicy.SNAPSHOT)


@pytest.mark.parametrize(("cls", "type_"), [(ConfigurationSet, V2), (VoiceConfigurationSet, V1)])
def test_default_child_is_the_custom_resource_for_escape_hatches(cls: type, type_: str) -> None:
    stack = Stack(App(), "Hatch")
    created = cls(stack, "Set")
    child = created.node.default_child
    assert isinstance(child, CfnResource)
    assert child.cfn_resource_type == type_
    child.add_property_override("ConfigurationSetName", "from-the-escape-hatch")
    child.add_override("Metadata.owner", "platform")
    resource = _resource(stack, type_)
    assert resource["Properties"]["ConfigurationSetName"] == "from-the-escape-hatch"
    assert resource["Metadata"]["owner"] == "platform"


@pytest.mark.parametrize(
    "events", [EventType.TEXT_DELIVERED, "TEXT_DELIVERED", "ALL", VoiceEventType.RINGING]
)
def test_a_single_event_type_instead_of_a_list_is_a_clear_error(events: Any) -> None:
    stack = Stack(App(), "Single")
    group = logs.LogGroup(stack, "Group")
    with pytest.raises(TypeError) as error:
        ConfigurationSet(
            stack,
            "Set",
            event_destinations={
                "Logs": {"destination": EventDestination.cloud_watch_logs(group), "events": events}
            },
        )
    message = str(error.value)
    assert message.startswith("[Single/Set] event destination 'Logs': events must be a list")
    assert "events=[EventType.ALL]" in message and str(getattr(events, "value", events)) in message


@pytest.mark.parametrize("cls", SET_CLASSES)
def test_a_sink_not_wrapped_in_an_event_destination_is_a_clear_error(cls: type) -> None:
    stack = Stack(App(), "Raw")
    topic = sns.Topic(stack, "Topic")
    with pytest.raises(TypeError) as error:
        cls(stack, "Set").add_event_destination("Topic", destination=topic)
    message = str(error.value)
    assert message.startswith("[Raw/Set] event destination 'Topic': destination must be an")
    assert "got Topic" in message and "EventDestination.sns_topic(topic)" in message


def test_an_unknown_default_message_type_names_the_set_and_the_allowed_values() -> None:
    stack = Stack(App(), "Types")
    with pytest.raises(ValueError) as error:
        ConfigurationSet(stack, "Set", default_message_type="transactional")  # type: ignore[arg-type]
    assert str(error.value).startswith("[Types/Set] default_message_type 'transactional'")
    assert "MessageType.TRANSACTIONAL, MessageType.PROMOTIONAL" in str(error.value)
    ok = ConfigurationSet(stack, "Ok", default_message_type="PROMOTIONAL")  # type: ignore[arg-type]
    assert ok.node.default_child is not None
