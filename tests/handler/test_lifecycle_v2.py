"""Create, Update, Delete, drift, rename and rollback of a v2 configuration set.

Every test drives ``smsvoice_handler.dispatch.handle`` with a CloudFormation event against the
stateful fake, then checks both the fake's final state and the exact calls that reached it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from handler_harness import (
    CREATE_FAILED_MARKER,
    NAME,
    OWNER,
    OWNER_TAG,
    PROTECT_A,
    PROTECT_B,
    STACK_ID,
    Harness,
    destination,
    destinations,
    expected_state,
    live_state,
    make_event,
    properties,
    sink_of,
    with_destination,
)
from smsvoice_handler.calls import ApiCallError
from smsvoice_handler.lifecycle import SetTakenError

ARN_PREFIX = "arn:aws:sms-voice:us-east-1:123456789012:configuration-set/"
AUDIT_TOPIC = "arn:aws:sns:us-east-1:123456789012:sms-audit"
DESCRIBE = "DescribeConfigurationSets"


def _without_destination(props: dict[str, Any], name: str) -> dict[str, Any]:
    dests = [d for d in destinations(props) if d["EventDestinationName"] != name]
    return {**copy.deepcopy(props), "EventDestinations": dests}


def _audit_destination() -> dict[str, Any]:
    return {
        "EventDestinationName": "Audit",
        "Enabled": "true",
        "MatchingEventTypes": ["TEXT_ALL"],
        "SnsDestination": {"TopicArn": AUDIT_TOPIC},
    }


def _update(harness: Harness, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return harness.run(make_event("Update", new, old=old, physical_id=old["ConfigurationSetName"]))


# ---------------------------------------------------------------------------------- Create


def test_create_builds_the_set_every_destination_defaults_and_tags(harness: Harness) -> None:
    props = properties()

    response = harness.run(make_event("Create", props))

    assert response == {
        "PhysicalResourceId": NAME,
        "Data": {"Arn": ARN_PREFIX + NAME, "ConfigurationSetName": NAME},
    }
    assert harness.calls() == [
        "CreateConfigurationSet",
        "CreateEventDestination",  # Logs (CloudWatch Logs)
        "CreateEventDestination",  # Topic (SNS)
        "CreateEventDestination",  # to-lake (Firehose)
        "UpdateEventDestination",  # to-lake is "Enabled": "false"
        "SetDefaultMessageType",
        "SetDefaultSenderId",
        "SetDefaultMessageFeedbackEnabled",
        "AssociateProtectConfiguration",
    ]
    assert live_state(harness.fake, NAME) == expected_state(props)
    assert harness.fake.sets[NAME].tags == {"team": "messaging", "env": "prod", OWNER_TAG: OWNER}
    assert f"{STACK_ID}#AlertsConfigurationSet8A4F2C1B" == OWNER

    fake = harness.fake
    (create_set,) = fake.params_of("CreateConfigurationSet")
    assert create_set["ConfigurationSetName"] == NAME
    assert {"Key": OWNER_TAG, "Value": OWNER} in create_set["Tags"]
    created = fake.params_of("CreateEventDestination")
    assert [c["EventDestinationName"] for c in created] == ["Logs", "Topic", "to-lake"]
    for call in created:
        sink = sink_of(props, call["EventDestinationName"])
        assert {k: v for k, v in call.items() if k.endswith("Destination")} == sink
    (disable,) = fake.params_of("UpdateEventDestination")
    assert disable["EventDestinationName"] == "to-lake"
    assert disable["Enabled"] is False
    assert fake.sets[NAME].event_destinations["to-lake"].enabled is False
    assert fake.sets[NAME].event_destinations["Logs"].enabled is True
    assert fake.params_of("SetDefaultMessageFeedbackEnabled")[0]["MessageFeedbackEnabled"] is True
    assert fake.params_of("AssociateProtectConfiguration")[0]["ProtectConfigurationId"] == PROTECT_A
    harness.assert_paced()


def test_create_with_only_a_name_makes_one_call(harness: Harness) -> None:
    props = {"SchemaVersion": "1", "ConfigurationSetName": "bare"}

    response = harness.run(make_event("Create", props))

    assert response["PhysicalResourceId"] == "bare"
    assert response["Data"] == {"Arn": ARN_PREFIX + "bare", "ConfigurationSetName": "bare"}
    assert harness.calls() == ["CreateConfigurationSet"]
    assert live_state(harness.fake, "bare") == expected_state(props)
    assert harness.fake.sets["bare"].tags == {OWNER_TAG: OWNER}


def test_create_with_feedback_false_leaves_the_default(harness: Harness) -> None:
    props = properties(
        MessageFeedbackEnabled="false", DefaultSenderId=None, ProtectConfigurationId=None
    )

    harness.run(make_event("Create", props))

    assert "SetDefaultMessageFeedbackEnabled" not in harness.calls()
    assert harness.fake.sets[NAME].message_feedback_enabled is False
    assert live_state(harness.fake, NAME) == expected_state(props)


def test_create_accepts_a_protect_configuration_arn(harness: Harness) -> None:
    arn = f"arn:aws:sms-voice:us-east-1:123456789012:protect-configuration/{PROTECT_B}"
    props = properties(ProtectConfigurationId=arn)

    harness.run(make_event("Create", props))

    assert harness.fake.sets[NAME].protect_configuration_id == PROTECT_B
    assert live_state(harness.fake, NAME) == expected_state(props)

    harness.reset_calls()
    _update(harness, props, props)
    assert harness.calls() == [DESCRIBE], "an ARN and the live id are the same association"


# ------------------------------------------------------------------- Create: all or nothing


def test_create_failing_on_the_second_destination_removes_the_set(harness: Harness) -> None:
    aws_says = "Invalid TopicArn: the topic does not exist in this Region."
    harness.fake.fail("CreateEventDestination", "ValidationException", aws_says, on_call=2)

    with pytest.raises(ApiCallError) as raised:
        harness.run(make_event("Create", properties()))

    assert NAME not in harness.fake.sets
    assert harness.calls() == [
        "CreateConfigurationSet",
        "CreateEventDestination",
        "CreateEventDestination",
        "DeleteConfigurationSet",
    ]
    message = str(raised.value)
    assert f"'{NAME}'" in message
    assert "event destination 'Topic'" in message
    assert "CreateEventDestination" in message
    assert aws_says in message
    assert raised.value.code == "ValidationException"


def test_create_failing_in_the_defaults_removes_the_set(harness: Harness) -> None:
    props = properties(ProtectConfigurationId="protect-00000000000000000000")

    with pytest.raises(ApiCallError) as raised:
        harness.run(make_event("Create", props))

    assert harness.fake.sets == {}
    assert harness.calls()[-2:] == ["AssociateProtectConfiguration", "DeleteConfigurationSet"]
    message = str(raised.value)
    assert "AssociateProtectConfiguration failed" in message
    assert "ResourceNotFoundException" in message
    assert "protect-00000000000000000000" in message


def test_create_reports_a_failed_cleanup_too(harness: Harness) -> None:
    harness.fake.fail("CreateEventDestination", "ValidationException", "Bad sink", on_call=1)
    harness.fake.fail("DeleteConfigurationSet", "ValidationException", "Deletion is blocked")

    with pytest.raises(ApiCallError) as raised:
        harness.run(make_event("Create", properties()))

    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert f"'{NAME}' may remain: delete it by hand" in notes
    assert "Deletion is blocked" in notes
    assert NAME in harness.fake.sets  # the fake really kept it: the note is the truth


# ------------------------------------------------------------------------- No adoption


def test_create_never_adopts_an_existing_set_and_its_rollback_keeps_it(harness: Harness) -> None:
    fake = harness.fake
    fake.add_set(NAME, tags={"team": "someone-else"})
    fake.add_destination(NAME, "theirs", {"SnsDestination": {"TopicArn": AUDIT_TOPIC}})
    before = live_state(fake, NAME)

    with pytest.raises(SetTakenError) as raised:
        harness.run(make_event("Create", properties()))

    message = str(raised.value)
    assert f"'{NAME}' already exists" in message
    assert "never adopts" in message
    assert harness.calls() == ["CreateConfigurationSet"]
    assert live_state(fake, NAME) == before

    # The CDK provider framework answers a failed Create with its marker as the physical id.
    harness.reset_calls()
    marker = harness.run(make_event("Delete", properties(), physical_id=CREATE_FAILED_MARKER))
    assert marker["PhysicalResourceId"] == CREATE_FAILED_MARKER
    assert harness.calls() == []
    assert live_state(fake, NAME) == before

    # Another provider could report the name itself: the ownership tag still protects the set.
    harness.reset_calls()
    named = harness.run(make_event("Delete", properties(), physical_id=NAME))
    assert named["PhysicalResourceId"] == NAME
    assert "DeleteConfigurationSet" not in harness.calls()
    assert live_state(fake, NAME) == before


# ---------------------------------------------------------------- Update: minimal calls

_BASE = properties()

UPDATES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "no-op": (_BASE, [DESCRIBE]),
    "events of one destination": (
        with_destination(_BASE, "Topic", MatchingEventTypes=["TEXT_ALL", "TEXT_BLOCKED"]),
        [DESCRIBE, "UpdateEventDestination"],
    ),
    "event order only": (
        with_destination(_BASE, "Topic", MatchingEventTypes=["TEXT_BLOCKED", "TEXT_DELIVERED"]),
        [DESCRIBE],
    ),
    "sink member of one destination": (
        with_destination(_BASE, "Topic", SnsDestination={"TopicArn": AUDIT_TOPIC}),
        [DESCRIBE, "UpdateEventDestination"],
    ),
    "add a destination": (
        {**_BASE, "EventDestinations": [*destinations(_BASE), _audit_destination()]},
        [DESCRIBE, "CreateEventDestination"],
    ),
    "add a disabled destination": (
        {
            **_BASE,
            "EventDestinations": [
                *destinations(_BASE),
                {**_audit_destination(), "Enabled": "false"},
            ],
        },
        [DESCRIBE, "CreateEventDestination", "UpdateEventDestination"],
    ),
    "remove a destination": (
        _without_destination(_BASE, "Topic"),
        [DESCRIBE, "DeleteEventDestination"],
    ),
    "remove every destination": (
        properties(EventDestinations=None),
        [DESCRIBE, "DeleteEventDestination", "DeleteEventDestination", "DeleteEventDestination"],
    ),
    "sink type SNS to CloudWatch Logs": (
        with_destination(
            _BASE,
            "Topic",
            SnsDestination=None,
            CloudWatchLogsDestination=sink_of(_BASE, "Logs")["CloudWatchLogsDestination"],
        ),
        [DESCRIBE, "DeleteEventDestination", "CreateEventDestination"],
    ),
    "disable a destination": (
        with_destination(_BASE, "Logs", Enabled="false"),
        [DESCRIBE, "UpdateEventDestination"],
    ),
    "enable a destination": (
        with_destination(_BASE, "to-lake", Enabled="true"),
        [DESCRIBE, "UpdateEventDestination"],
    ),
    "Enabled omitted means true": (
        with_destination(_BASE, "Logs", Enabled=None),
        [DESCRIBE],
    ),
    "change DefaultSenderId": (
        properties(DefaultSenderId="Other"),
        [DESCRIBE, "SetDefaultSenderId"],
    ),
    "remove DefaultSenderId": (
        properties(DefaultSenderId=None),
        [DESCRIBE, "DeleteDefaultSenderId"],
    ),
    "change DefaultMessageType": (
        properties(DefaultMessageType="PROMOTIONAL"),
        [DESCRIBE, "SetDefaultMessageType"],
    ),
    "remove DefaultMessageType": (
        properties(DefaultMessageType=None),
        [DESCRIBE, "DeleteDefaultMessageType"],
    ),
    "MessageFeedbackEnabled true to false": (
        properties(MessageFeedbackEnabled="false"),
        [DESCRIBE, "SetDefaultMessageFeedbackEnabled"],
    ),
    "remove MessageFeedbackEnabled": (
        properties(MessageFeedbackEnabled=None),
        [DESCRIBE, "SetDefaultMessageFeedbackEnabled"],
    ),
    "change protect configuration": (
        properties(ProtectConfigurationId=PROTECT_B),
        [DESCRIBE, "DisassociateProtectConfiguration", "AssociateProtectConfiguration"],
    ),
    "remove protect configuration": (
        properties(ProtectConfigurationId=None),
        [DESCRIBE, "DisassociateProtectConfiguration"],
    ),
    "add a tag": (
        properties(Tags=[*_BASE["Tags"], {"Key": "cost-center", "Value": "42"}]),
        [DESCRIBE, "TagResource"],
    ),
    "change a tag": (
        properties(Tags=[{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "prod"}]),
        [DESCRIBE, "TagResource"],
    ),
    "remove a tag": (
        properties(Tags=[{"Key": "team", "Value": "messaging"}]),
        [DESCRIBE, "UntagResource"],
    ),
    "remove every tag": (properties(Tags=None), [DESCRIBE, "UntagResource"]),
    "SchemaVersion as a number": (properties(SchemaVersion=1), [DESCRIBE]),
}


@pytest.mark.parametrize(("new", "expected_calls"), UPDATES.values(), ids=UPDATES.keys())
def test_update_makes_only_the_calls_the_difference_needs(
    harness: Harness, new: dict[str, Any], expected_calls: list[str]
) -> None:
    old = properties()
    harness.deploy(old)

    response = _update(harness, old, new)

    assert response == {
        "PhysicalResourceId": NAME,
        "Data": {"Arn": ARN_PREFIX + NAME, "ConfigurationSetName": NAME},
    }
    assert harness.calls() == expected_calls
    assert live_state(harness.fake, NAME) == expected_state(new)
    assert harness.fake.sets[NAME].tags[OWNER_TAG] == OWNER
    harness.assert_paced()

    # Converged: the same Update again (a retry, or the next deploy) only reads.
    harness.reset_calls()
    _update(harness, new, new)
    assert harness.calls() == [DESCRIBE]


def test_update_sends_the_new_destination_in_full(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    new = with_destination(old, "Topic", MatchingEventTypes=["TEXT_ALL"], Enabled="false")

    _update(harness, old, new)

    (call,) = harness.fake.params_of("UpdateEventDestination")
    assert call == {
        "ConfigurationSetName": NAME,
        "EventDestinationName": "Topic",
        "Enabled": False,
        "MatchingEventTypes": ["TEXT_ALL"],
        **sink_of(old, "Topic"),
    }


def test_sink_type_change_deletes_before_it_creates(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    firehose = sink_of(old, "to-lake")
    new = with_destination(old, "Topic", SnsDestination=None, **firehose)

    _update(harness, old, new)

    fake = harness.fake
    assert fake.params_of("DeleteEventDestination") == [
        {"ConfigurationSetName": NAME, "EventDestinationName": "Topic"}
    ]
    (created,) = fake.params_of("CreateEventDestination")
    assert created["EventDestinationName"] == "Topic"
    assert created["KinesisFirehoseDestination"] == firehose["KinesisFirehoseDestination"]
    assert "SnsDestination" not in created
    assert fake.sets[NAME].event_destinations["Topic"].sink_type == "KinesisFirehoseDestination"


def test_tag_changes_never_touch_the_ownership_tag(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    new = properties(Tags=[{"Key": "team", "Value": "platform"}, {"Key": "tier", "Value": "1"}])

    _update(harness, old, new)

    fake = harness.fake
    assert harness.calls() == [DESCRIBE, "UntagResource", "TagResource"]
    assert fake.params_of("UntagResource") == [
        {"ResourceArn": ARN_PREFIX + NAME, "TagKeys": ["env"]}
    ]
    (tagged,) = fake.params_of("TagResource")
    assert sorted(tagged["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "team", "Value": "platform"},
        {"Key": "tier", "Value": "1"},
    ]
    assert fake.sets[NAME].tags == {"team": "platform", "tier": "1", OWNER_TAG: OWNER}


def test_update_with_many_changes_at_once_stays_within_the_destination_limit(
    harness: Harness,
) -> None:
    five = [
        {
            "EventDestinationName": f"topic-{i}",
            "MatchingEventTypes": ["TEXT_ALL"],
            "SnsDestination": {"TopicArn": f"{AUDIT_TOPIC}-{i}"},
        }
        for i in range(5)
    ]
    old = properties(EventDestinations=five)
    harness.deploy(old)
    new = properties(EventDestinations=[*five[1:], {**five[0], "EventDestinationName": "other"}])

    _update(harness, old, new)

    assert harness.calls() == [DESCRIBE, "DeleteEventDestination", "CreateEventDestination"]
    assert live_state(harness.fake, NAME) == expected_state(new)


# ------------------------------------------------------------------------------- Drift


def test_destination_removed_out_of_band_is_recreated_even_without_changes(
    harness: Harness,
) -> None:
    props = properties()
    harness.deploy(props)
    harness.fake.remove_destination(NAME, "to-lake")

    _update(harness, props, props)

    assert harness.calls() == [DESCRIBE, "CreateEventDestination", "UpdateEventDestination"]
    assert live_state(harness.fake, NAME) == expected_state(props)
    assert harness.fake.sets[NAME].event_destinations["to-lake"].enabled is False


def test_destination_changed_out_of_band_is_put_back(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)
    live = harness.fake.sets[NAME].event_destinations["Topic"]
    live.matching_event_types = ["ALL"]
    live.enabled = False

    _update(harness, props, props)

    assert harness.calls() == [DESCRIBE, "UpdateEventDestination"]
    assert live_state(harness.fake, NAME) == expected_state(props)


def test_settings_changed_out_of_band_are_put_back(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)
    conf = harness.fake.sets[NAME]
    conf.default_sender_id = "Rogue"
    conf.default_message_type = "PROMOTIONAL"

    _update(harness, props, props)

    assert harness.calls() == [DESCRIBE, "SetDefaultMessageType", "SetDefaultSenderId"]
    assert live_state(harness.fake, NAME) == expected_state(props)


def test_set_deleted_out_of_band_is_created_again(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)
    harness.fake.remove_set(NAME)

    response = _update(harness, props, props)

    assert response["PhysicalResourceId"] == NAME
    assert harness.calls()[:2] == [DESCRIBE, "CreateConfigurationSet"]
    assert harness.calls().count("CreateEventDestination") == 3
    assert live_state(harness.fake, NAME) == expected_state(props)


def test_destination_added_out_of_band_is_left_alone(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)
    harness.fake.add_destination(NAME, "manual", {"SnsDestination": {"TopicArn": AUDIT_TOPIC}})
    new = _without_destination(props, "Topic")

    _update(harness, props, new)

    assert harness.calls() == [DESCRIBE, "DeleteEventDestination"]
    assert harness.fake.params_of("DeleteEventDestination")[0]["EventDestinationName"] == "Topic"
    assert set(harness.fake.sets[NAME].event_destinations) == {"Logs", "to-lake", "manual"}


def test_foreign_destination_with_a_wanted_name_and_other_sink_is_not_replaced(
    harness: Harness,
) -> None:
    props = properties()
    harness.deploy(props)
    harness.fake.add_destination(NAME, "Audit", {"SnsDestination": {"TopicArn": AUDIT_TOPIC}})
    logs = sink_of(props, "Logs")
    audit = {"EventDestinationName": "Audit", "MatchingEventTypes": ["ALL"], **logs}
    new = {**props, "EventDestinations": [*destinations(props), audit]}

    with pytest.raises(SetTakenError) as raised:
        _update(harness, props, new)

    assert "event destination 'Audit'" in str(raised.value)
    assert harness.calls() == [DESCRIBE]
    assert harness.fake.sets[NAME].event_destinations["Audit"].sink_type == "SnsDestination"


def test_update_with_invalid_old_properties_still_converges(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)
    old = {**props, "Unknown": "x"}  # e.g. written by a later release

    _update(harness, old, props)

    assert harness.calls() == [DESCRIBE]
    assert live_state(harness.fake, NAME) == expected_state(props)


def test_old_properties_of_another_schema_version_still_say_what_to_remove(
    harness: Harness,
) -> None:
    """Old properties that no longer validate are read leniently: a destination they declared
    and the new template dropped is still deleted."""
    props = properties()
    harness.deploy(props)
    old = {**props, "SchemaVersion": "2"}
    new = _without_destination(props, "Logs")

    _update(harness, old, new)

    assert harness.calls() == [DESCRIBE, "DeleteEventDestination"]
    assert live_state(harness.fake, NAME) == expected_state(new)


# ------------------------------------------------------------------------------ Rename


def test_rename_creates_a_new_set_and_the_old_one_is_deleted_later(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    before = live_state(harness.fake, NAME)
    new = properties(ConfigurationSetName="alerts-prod-v2")

    response = _update(harness, old, new)

    assert response == {
        "PhysicalResourceId": "alerts-prod-v2",
        "Data": {"Arn": ARN_PREFIX + "alerts-prod-v2", "ConfigurationSetName": "alerts-prod-v2"},
    }
    assert harness.calls()[0] == "CreateConfigurationSet"
    assert live_state(harness.fake, "alerts-prod-v2") == expected_state(new)
    assert live_state(harness.fake, NAME) == before
    assert not any(p.get("ConfigurationSetName") == NAME for _, p in harness.fake.calls)

    # UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: Delete with the old physical id and old properties.
    harness.reset_calls()
    deleted = harness.run(make_event("Delete", old, physical_id=NAME))

    assert deleted["PhysicalResourceId"] == NAME
    assert harness.calls() == ["ListTagsForResource", "DeleteConfigurationSet"]
    assert set(harness.fake.sets) == {"alerts-prod-v2"}


def test_rename_to_a_name_that_is_taken_fails_and_changes_nothing(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    harness.fake.add_set("taken")
    before = live_state(harness.fake, NAME)

    with pytest.raises(SetTakenError):
        _update(harness, old, properties(ConfigurationSetName="taken"))

    assert live_state(harness.fake, NAME) == before
    assert harness.fake.sets["taken"].tags == {}
    assert harness.calls() == ["CreateConfigurationSet", "ListTagsForResource"]


# ---------------------------------------------------------------------------- Rollback


def test_rollback_of_a_failed_update_converges_on_the_old_properties(harness: Harness) -> None:
    a = properties()
    harness.deploy(a)
    b = with_destination(a, "Logs", MatchingEventTypes=["TEXT_ALL"], Enabled="false")
    b = _without_destination(b, "to-lake")
    b = with_destination(b, "Topic", SnsDestination=None, **sink_of(a, "Logs"))  # sink type change
    b["EventDestinations"].append(_audit_destination())
    b.update(
        DefaultSenderId="NewBrand",
        ProtectConfigurationId=PROTECT_B,
        Tags=[{"Key": "team", "Value": "platform"}],
    )
    # The sink-type change deletes Topic, then its create fails for good.
    harness.fake.fail("CreateEventDestination", "ValidationException", "Bad log group ARN")

    with pytest.raises(ApiCallError, match="event destination 'Topic'"):
        _update(harness, a, b)
    assert "Topic" not in harness.fake.sets[NAME].event_destinations

    harness.reset_calls()
    response = harness.run(make_event("Update", a, old=b, physical_id=NAME))

    assert response["PhysicalResourceId"] == NAME
    assert live_state(harness.fake, NAME) == expected_state(a)
    harness.assert_paced()


def test_rollback_after_a_fully_applied_update_converges_too(harness: Harness) -> None:
    a = properties()
    harness.deploy(a)
    b = _without_destination(properties(DefaultSenderId=None, Tags=None), "Logs")
    b["EventDestinations"].append(_audit_destination())
    _update(harness, a, b)
    assert live_state(harness.fake, NAME) == expected_state(b)

    harness.run(make_event("Update", a, old=b, physical_id=NAME))

    assert live_state(harness.fake, NAME) == expected_state(a)


@pytest.mark.parametrize("cleanup_properties", ["new", "old"])
def test_rollback_of_a_successful_rename(harness: Harness, cleanup_properties: str) -> None:
    old = properties()
    harness.deploy(old)
    before = live_state(harness.fake, NAME)
    new = properties(ConfigurationSetName="alerts-prod-v2")
    assert _update(harness, old, new)["PhysicalResourceId"] == "alerts-prod-v2"

    # A later resource failed: CloudFormation swaps the properties, with the NEW physical id.
    harness.reset_calls()
    response = harness.run(make_event("Update", old, old=new, physical_id="alerts-prod-v2"))

    assert response == {
        "PhysicalResourceId": NAME,
        "Data": {"Arn": ARN_PREFIX + NAME, "ConfigurationSetName": NAME},
    }
    assert live_state(harness.fake, NAME) == before
    # Refused create, ownership tag (which also gives the live tags), one read: no change.
    assert harness.calls() == ["CreateConfigurationSet", "ListTagsForResource", DESCRIBE]
    assert "alerts-prod-v2" in harness.fake.sets

    # UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: Delete of the new physical id. Whichever
    # properties CloudFormation attaches, the new set carries our ownership tag and must go.
    harness.reset_calls()
    cleanup = new if cleanup_properties == "new" else old
    deleted = harness.run(make_event("Delete", cleanup, physical_id="alerts-prod-v2"))

    assert deleted["PhysicalResourceId"] == "alerts-prod-v2"
    assert set(harness.fake.sets) == {NAME}
    assert live_state(harness.fake, NAME) == before


def test_rollback_of_a_rename_restores_changed_tag_values_and_keeps_manual_tags(
    harness: Harness,
) -> None:
    old = properties()
    harness.deploy(old)
    new = properties(ConfigurationSetName="alerts-prod-v2")
    _update(harness, old, new)
    (key, value), *_ = [(t["Key"], t["Value"]) for t in old["Tags"]]
    harness.fake.sets[NAME].tags[key] = "changed by hand"
    harness.fake.sets[NAME].tags["added-by-hand"] = "yes"

    harness.reset_calls()
    harness.run(make_event("Update", old, old=new, physical_id="alerts-prod-v2"))

    assert harness.fake.params_of("TagResource") == [
        {"ResourceArn": ARN_PREFIX + NAME, "Tags": [{"Key": key, "Value": value}]}
    ]
    assert harness.fake.sets[NAME].tags["added-by-hand"] == "yes"
    assert "UntagResource" not in harness.calls()


def test_rollback_of_a_failed_rename_leaves_the_old_set_as_it_was(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    before = live_state(harness.fake, NAME)
    new = properties(ConfigurationSetName="alerts-prod-v2")
    harness.fake.fail("CreateEventDestination", "ValidationException", "No such log group")

    with pytest.raises(ApiCallError):
        _update(harness, old, new)
    assert set(harness.fake.sets) == {NAME}

    # The failed Update kept the old physical id, so the rollback is a same-name Update.
    harness.reset_calls()
    response = harness.run(make_event("Update", old, old=new, physical_id=NAME))

    assert response["PhysicalResourceId"] == NAME
    # The old properties name the other set, so they are not taken as this set's history;
    # without it the tags are sent again (idempotent), and nothing else is touched.
    assert harness.calls() == [DESCRIBE, "TagResource"]
    assert live_state(harness.fake, NAME) == before


def test_rollback_of_a_failed_rename_keeps_what_was_added_by_hand(harness: Harness) -> None:
    """The failed rename's properties declared a destination and a sender id that exist on the
    old set only because someone added them by hand: the rollback must not remove them."""
    old = properties(DefaultSenderId=None)
    harness.deploy(old)
    audit = _audit_destination()
    harness.fake.add_destination(NAME, "Audit", {"SnsDestination": {"TopicArn": AUDIT_TOPIC}})
    harness.fake.sets[NAME].default_sender_id = "HandMade"
    new = properties(ConfigurationSetName="alerts-prod-v2", DefaultSenderId="HandMade")
    new["EventDestinations"].append(audit)
    harness.fake.fail("CreateEventDestination", "ValidationException", "No such log group")
    with pytest.raises(ApiCallError):
        _update(harness, old, new)

    harness.run(make_event("Update", old, old=new, physical_id=NAME))

    assert "Audit" in harness.fake.sets[NAME].event_destinations
    assert harness.fake.sets[NAME].default_sender_id == "HandMade"


# ------------------------------------------------------------------------------ Delete


def test_delete_removes_the_set_and_is_idempotent(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)

    first = harness.run(make_event("Delete", props))

    assert first == {"PhysicalResourceId": NAME, "Data": {}}
    assert harness.calls() == ["ListTagsForResource", "DeleteConfigurationSet"]
    assert harness.fake.sets == {}

    harness.reset_calls()
    second = harness.run(make_event("Delete", props))

    assert second == {"PhysicalResourceId": NAME, "Data": {}}
    assert "DeleteConfigurationSet" not in harness.calls()
    assert harness.fake.sets == {}


def test_delete_spares_a_set_another_resource_owns(harness: Harness) -> None:
    other_owner = f"{STACK_ID}#SomeOtherLogicalId"
    harness.fake.add_set(NAME, tags={OWNER_TAG: other_owner})

    response = harness.run(make_event("Delete", properties()))

    assert response["PhysicalResourceId"] == NAME
    assert harness.calls() == ["ListTagsForResource"]
    assert harness.fake.sets[NAME].tags == {OWNER_TAG: other_owner}


def test_delete_spares_a_set_of_the_same_logical_id_in_another_stack(harness: Harness) -> None:
    other_stack = STACK_ID.replace("MyStack", "OtherStack")
    owner = f"{other_stack}#AlertsConfigurationSet8A4F2C1B"
    harness.fake.add_set(NAME, tags={OWNER_TAG: owner})

    harness.run(make_event("Delete", properties()))

    assert NAME in harness.fake.sets


def test_delete_with_a_physical_id_that_is_no_set_name_makes_no_call(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)

    response = harness.run(make_event("Delete", props, physical_id="not a set name"))

    assert response["PhysicalResourceId"] == "not a set name"
    assert harness.calls() == []
    assert NAME in harness.fake.sets


def test_delete_of_another_name_spares_a_foreign_set(harness: Harness) -> None:
    """A name-shaped physical id that the properties do not declare is still checked by tag."""
    harness.fake.add_set("someone-elses", tags={"team": "other"})

    harness.run(make_event("Delete", properties(), physical_id="someone-elses"))

    assert harness.calls() == ["ListTagsForResource"]
    assert "someone-elses" in harness.fake.sets


@pytest.mark.parametrize("declared", [True, False])
def test_delete_without_a_tag_api_trusts_the_physical_id(harness: Harness, declared: bool) -> None:
    """An endpoint without ListTagsForResource cannot show the tag: the physical id, which only
    a successful Create or Update reports, names the set to delete, whatever the properties
    declare (the cleanup after a rolled-back rename may carry the other generation's)."""
    props = properties()
    harness.deploy(props)
    harness.fake.fail("ListTagsForResource", "UnknownOperationException", "No such operation")
    cleanup = props if declared else properties(ConfigurationSetName="alerts-prod-v2")

    harness.run(make_event("Delete", cleanup, physical_id=NAME))

    assert NAME not in harness.fake.sets
    assert harness.calls()[-1] == "DeleteConfigurationSet"


def test_delete_does_not_need_valid_properties(harness: Harness) -> None:
    props = properties()
    harness.deploy(props)
    broken = {**props, "EventDestinations": [{"EventDestinationName": "no sink"}]}

    harness.run(make_event("Delete", broken))

    assert harness.fake.sets == {}


def test_a_set_with_a_disabled_destination_round_trips(harness: Harness) -> None:
    """The whole life of one resource, as CloudFormation drives it."""
    props = properties()
    harness.run(make_event("Create", props))
    new = with_destination(props, "to-lake", Enabled="true")
    harness.run(make_event("Update", new, old=props))
    assert destination(new, "to-lake")["Enabled"] == "true"
    assert harness.fake.sets[NAME].event_destinations["to-lake"].enabled is True
    harness.run(make_event("Delete", new))
    assert harness.fake.sets == {}
    harness.assert_paced()
