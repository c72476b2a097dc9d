"""The schema gate: strings as CloudFormation sends them, and no API call for invalid input."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from handler_harness import (
    NAME,
    Harness,
    destinations,
    expected_state,
    live_state,
    make_event,
    properties,
)
from smsvoice_handler.validation import InvalidPropertiesError


def _set_enabled(props: dict[str, Any], value: Any) -> dict[str, Any]:
    dests = destinations(props)
    for dest in dests:
        dest["Enabled"] = value
    return {**props, "EventDestinations": dests}


@pytest.mark.parametrize(
    ("enabled", "feedback", "expected"),
    [("true", "true", True), ("false", "false", False), (True, True, True), (False, False, False)],
)
def test_booleans_arrive_as_strings_or_booleans(
    harness: Harness, enabled: Any, feedback: Any, expected: bool
) -> None:
    props = _set_enabled(properties(MessageFeedbackEnabled=feedback), enabled)

    harness.run(make_event("Create", props))

    conf = harness.fake.sets[NAME]
    assert {d.enabled for d in conf.event_destinations.values()} == {expected}
    assert conf.message_feedback_enabled is expected
    assert live_state(harness.fake, NAME) == expected_state(
        _set_enabled(properties(MessageFeedbackEnabled=str(feedback).lower()), str(enabled).lower())
    )


def test_string_and_boolean_forms_of_the_same_value_need_no_update(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    new = _set_enabled(properties(MessageFeedbackEnabled=True), True)
    new["EventDestinations"][2]["Enabled"] = False

    harness.run(make_event("Update", new, old=old))

    assert harness.fake.call_names() == ["DescribeConfigurationSets"]


@pytest.mark.parametrize("request_type", ["Create", "Update"])
@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("Enabled", "$.EventDestinations[0].Enabled"),
        ("MessageFeedbackEnabled", "$.MessageFeedbackEnabled"),
    ],
)
def test_a_boolean_that_is_not_true_or_false_is_rejected_before_any_call(
    harness: Harness, request_type: str, where: str, path: str
) -> None:
    old = properties()
    if request_type == "Update":
        harness.deploy(old)
    if where == "Enabled":
        props = properties()
        props["EventDestinations"][0]["Enabled"] = "yes"
    else:
        props = properties(MessageFeedbackEnabled="yes")

    with pytest.raises(InvalidPropertiesError) as raised:
        harness.run(make_event(request_type, props, old=old))

    message = str(raised.value)
    assert path in message
    assert '"yes"' in message
    assert "true or false" in message
    assert "no API call was made" in message
    assert harness.fake.calls == []


def _invalid_cases() -> dict[str, tuple[dict[str, Any], list[str]]]:
    base = properties()
    dests = destinations(base)
    six = [{**copy.deepcopy(dests[1]), "EventDestinationName": f"topic-{i}"} for i in range(6)]
    duplicate = [dests[0], {**copy.deepcopy(dests[1]), "EventDestinationName": "Logs"}]
    text_sent = copy.deepcopy(dests)
    text_sent[1]["MatchingEventTypes"] = ["TEXT_DELIVERED", "TEXT_SENT"]
    two_sinks = copy.deepcopy(dests)
    two_sinks[1]["CloudWatchLogsDestination"] = dests[0]["CloudWatchLogsDestination"]
    no_sink = copy.deepcopy(dests)
    del no_sink[1]["SnsDestination"]
    bad_dest_name = copy.deepcopy(dests)
    bad_dest_name[2]["EventDestinationName"] = "to lake"
    return {
        "six destinations": (
            properties(EventDestinations=six),
            ["$.EventDestinations:", "maxItems", "0 to 5 event destinations"],
        ),
        "duplicate destination names": (
            properties(EventDestinations=duplicate),
            ["$.EventDestinations:", "EventDestinationName 'Logs'", "items 0 and 1"],
        ),
        "TEXT_SENT": (
            properties(EventDestinations=text_sent),
            [
                "$.EventDestinations[1].MatchingEventTypes[1]:",
                '"TEXT_SENT"',
                "other than TEXT_SENT",
            ],
        ),
        "two sinks": (
            properties(EventDestinations=two_sinks),
            ["$.EventDestinations[1]:", "exactly one sink"],
        ),
        "no sink": (
            properties(EventDestinations=no_sink),
            ["$.EventDestinations[1]:", "exactly one sink"],
        ),
        "bad set name": (
            properties(ConfigurationSetName="alerts prod"),
            ["$.ConfigurationSetName:", '"alerts prod"', "1 to 64 characters"],
        ),
        "set name too long": (
            properties(ConfigurationSetName="a" * 65),
            ["$.ConfigurationSetName:", "1 to 64 characters"],
        ),
        "bad destination name": (
            properties(EventDestinations=bad_dest_name),
            ["$.EventDestinations[2].EventDestinationName:", '"to lake"'],
        ),
        "bad message type": (
            properties(DefaultMessageType="MARKETING"),
            ["$.DefaultMessageType:", "TRANSACTIONAL or PROMOTIONAL"],
        ),
        "reserved tag key": (
            properties(Tags=[{"Key": "cdk-smsvoice:owner", "Value": "me"}]),
            ["$.Tags[0].Key:", "reserved"],
        ),
        "unknown property": (
            properties(Colour="blue"),
            ["Colour"],
        ),
        "unknown schema version": (
            properties(SchemaVersion="2"),
            ["$.SchemaVersion:"],
        ),
    }


INVALID = _invalid_cases()


@pytest.mark.parametrize("request_type", ["Create", "Update"])
@pytest.mark.parametrize(("props", "fragments"), INVALID.values(), ids=INVALID.keys())
def test_invalid_properties_fail_with_the_json_path_and_no_call(
    harness: Harness, request_type: str, props: dict[str, Any], fragments: list[str]
) -> None:
    old = properties()
    if request_type == "Update":
        harness.deploy(old)
        before = live_state(harness.fake, NAME)

    with pytest.raises(InvalidPropertiesError) as raised:
        harness.run(make_event(request_type, props, old=old, physical_id=NAME))

    message = str(raised.value)
    assert "Custom::SmsVoiceV2ConfigurationSet 'AlertsConfigurationSet8A4F2C1B'" in message
    assert "invalid properties, no API call was made" in message
    for fragment in fragments:
        assert fragment in message
    assert harness.fake.calls == []
    if request_type == "Update":
        assert live_state(harness.fake, NAME) == before
    else:
        assert harness.fake.sets == {}
