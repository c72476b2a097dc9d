"""Create, Update, Delete, drift, rename, rollback, retries and validation of a v1 voice set.

Every test drives ``smsvoice_handler.dispatch.handle`` with a CloudFormation event against the
stateful v1 fake, which also enforces v1's account-wide rate of one request a second on the
harness's virtual clock: a handler that called too fast would get 429s it did not expect.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from handler_harness import CREATE_FAILED_MARKER, Harness, make_event
from smsvoice_handler.calls import ApiCallError, RetryPolicy
from smsvoice_handler.lifecycle import SetTakenError
from smsvoice_handler.validation import InvalidPropertiesError

from cdk_smsvoice.emulator.v1 import V1Service

V1 = "Custom::SmsVoiceV1ConfigurationSet"
SERVICE = "pinpoint-sms-voice"
NAME = "calls-prod"
ACCOUNT_ARN = "arn:aws:{}:us-east-1:123456789012:{}"
LOG_GROUP = ACCOUNT_ARN.format("logs", "log-group:/voice/calls")
LOGS_ROLE = "arn:aws:iam::123456789012:role/voice-logs"
TOPIC = ACCOUNT_ARN.format("sns", "voice-events")
STREAM = ACCOUNT_ARN.format("firehose", "deliverystream/voice-lake")
STREAM_ROLE = "arn:aws:iam::123456789012:role/voice-lake"
GET = "GetConfigurationSetEventDestinations"
CREATE_DEST = "CreateConfigurationSetEventDestination"
UPDATE_DEST = "UpdateConfigurationSetEventDestination"
DELETE_DEST = "DeleteConfigurationSetEventDestination"

LOGS = {
    "EventDestinationName": "CallLog",
    "Enabled": "true",
    "MatchingEventTypes": ["INITIATED_CALL", "ANSWERED", "COMPLETED_CALL"],
    "CloudWatchLogsDestination": {"IamRoleArn": LOGS_ROLE, "LogGroupArn": LOG_GROUP},
}
TOPIC_DEST = {
    "EventDestinationName": "Unanswered",
    "Enabled": "false",
    "MatchingEventTypes": ["BUSY", "NO_ANSWER", "FAILED"],
    "SnsDestination": {"TopicArn": TOPIC},
}
STREAM_DEST = {
    "EventDestinationName": "to-lake",
    "MatchingEventTypes": ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"],
    "KinesisFirehoseDestination": {"IamRoleArn": STREAM_ROLE, "DeliveryStreamArn": STREAM},
}


def props(*destinations: dict[str, Any], name: str = NAME) -> dict[str, Any]:
    """v1 properties as CloudFormation sends them (SchemaVersion and booleans as strings)."""
    chosen = destinations or (LOGS, TOPIC_DEST, STREAM_DEST)
    return {
        "SchemaVersion": "1",
        "ConfigurationSetName": name,
        "EventDestinations": copy.deepcopy(list(chosen)),
    }


def event(request_type: str, new: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return make_event(request_type, new, resource_type=V1, **kwargs)


def state(fake: V1Service, name: str = NAME) -> dict[str, Any]:
    """The fake's set as plain data."""
    return {
        d.name: {
            "Enabled": d.enabled,
            "MatchingEventTypes": sorted(d.matching_event_types),
            d.sink_type: dict(d.sink),
        }
        for d in fake.sets[name].event_destinations.values()
    }


def expected(properties: dict[str, Any]) -> dict[str, Any]:
    """What ``state`` must be after converging on ``properties``."""
    result = {}
    for d in properties["EventDestinations"]:
        sink = {k: v for k, v in d.items() if k.endswith("Destination")}
        result[d["EventDestinationName"]] = {
            "Enabled": str(d.get("Enabled", "true")).lower() == "true",
            "MatchingEventTypes": sorted(d["MatchingEventTypes"]),
            **sink,
        }
    return result


@pytest.fixture
def harness() -> Harness:
    fake = V1Service(tps=1.0, rate_scope="account")
    harness = Harness(fake, service=SERVICE)
    fake.clock = harness.clock.monotonic  # the fake's rate limit runs on virtual time too
    return harness


def deploy(harness: Harness, properties: dict[str, Any]) -> None:
    harness.run(event("Create", properties))
    harness.reset_calls()


def update(harness: Harness, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return harness.run(event("Update", new, old=old, physical_id=old["ConfigurationSetName"]))


def assert_within_v1_rate(harness: Harness) -> None:
    """No two calls of one invocation less than a second apart, whatever the operation."""
    times = [t for _, t in harness.timeline]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times)), harness.timeline
    assert all(status != 429 for _, status, _ in harness.fake.outcomes)


# ---------------------------------------------------------------------------------- Create


def test_create_builds_the_set_with_enabled_sent_in_each_create(harness: Harness) -> None:
    properties = props()

    response = harness.run(event("Create", properties))

    assert response == {"PhysicalResourceId": NAME, "Data": {"ConfigurationSetName": NAME}}
    assert state(harness.fake) == expected(properties)
    assert harness.calls() == ["CreateConfigurationSet", CREATE_DEST, CREATE_DEST, CREATE_DEST]
    sent = [p["EventDestination"]["Enabled"] for p in harness.fake.params_of(CREATE_DEST)]
    assert sent == [True, False, True]
    assert_within_v1_rate(harness)


def test_create_with_only_a_name_makes_one_call(harness: Harness) -> None:
    harness.run(event("Create", {"ConfigurationSetName": NAME}))
    assert harness.calls() == ["CreateConfigurationSet"]
    assert state(harness.fake) == {}


def test_create_failing_on_a_destination_removes_the_set_and_says_why(harness: Harness) -> None:
    harness.fake.fail(CREATE_DEST, "BadRequestException", "Log group does not exist", on_call=2)

    with pytest.raises(ApiCallError) as raised:
        harness.run(event("Create", props()))

    message = str(raised.value)
    assert "v1 configuration set 'calls-prod'" in message
    assert "event destination 'Unanswered'" in message
    assert "CreateConfigurationSetEventDestination failed" in message
    assert "BadRequestException: Log group does not exist" in message
    assert harness.fake.sets == {}
    assert harness.calls()[-1] == "DeleteConfigurationSet"
    assert_within_v1_rate(harness)


def test_create_reports_a_failed_cleanup_too(harness: Harness) -> None:
    harness.fake.fail(CREATE_DEST, "BadRequestException", "Bad sink")
    harness.fake.fail("DeleteConfigurationSet", "BadRequestException", "Cannot delete now")

    with pytest.raises(ApiCallError) as raised:
        harness.run(event("Create", props()))

    assert "may remain: delete it by hand" in "\n".join(raised.value.__notes__)
    assert NAME in harness.fake.sets


def test_create_never_adopts_an_existing_set_and_its_rollback_keeps_it(harness: Harness) -> None:
    harness.fake.add_set(NAME)
    harness.fake.add_destination(NAME, "theirs", {"SnsDestination": {"TopicArn": TOPIC}})
    before = state(harness.fake)

    with pytest.raises(SetTakenError, match=r"already exists.*never adopts"):
        harness.run(event("Create", props()))
    assert harness.calls() == ["CreateConfigurationSet"]

    # The Provider framework answers the failed Create with its marker; the rollback's Delete
    # carries it (when the framework does not skip that Delete altogether).
    harness.reset_calls()
    harness.run(event("Delete", props(), physical_id=CREATE_FAILED_MARKER))
    assert harness.calls() == []
    assert state(harness.fake) == before


@pytest.mark.parametrize("lost_how", ["network", "5xx"])
def test_a_create_whose_response_was_lost_takes_its_own_set_on_the_retry(
    harness: Harness, lost_how: str
) -> None:
    """v1 has no idempotency token: the set exists, but the answer never arrived."""
    lost: list[str] = []

    def create_then_lose_the_answer(model: Any, **_: Any) -> None:
        if model.name == "CreateConfigurationSet" and not lost:
            lost.append(model.name)
            harness.fake.add_set(NAME)  # the service created it...
            if lost_how == "network":  # ...and the response never came back
                raise ReadTimeoutError(endpoint_url="https://sms-voice.pinpoint.example")
            raise ClientError(
                {
                    "Error": {"Code": "InternalServiceErrorException", "Message": "oops"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                },
                model.name,
            )

    harness.client.meta.events.register_first(
        f"before-call.{SERVICE}.CreateConfigurationSet", create_then_lose_the_answer
    )
    properties = props()

    response = harness.run(event("Create", properties))

    assert response["PhysicalResourceId"] == NAME
    assert state(harness.fake) == expected(properties)


def test_a_throttled_create_never_takes_an_existing_empty_set(harness: Harness) -> None:
    harness.fake.add_set(NAME)  # someone else's, empty
    harness.fake.fail("CreateConfigurationSet", "TooManyRequestsException", "Slow down")

    with pytest.raises(SetTakenError):
        harness.run(event("Create", props()))

    assert state(harness.fake) == {}


# ---------------------------------------------------------------------------------- Update


@pytest.mark.parametrize(
    ("change", "calls"),
    [
        ("nothing", [GET]),
        ("events", [GET, UPDATE_DEST]),
        ("enable", [GET, UPDATE_DEST]),
        ("add", [GET, CREATE_DEST]),
        ("remove", [GET, DELETE_DEST]),
        ("sink type", [GET, DELETE_DEST, CREATE_DEST]),
    ],
)
def test_update_makes_one_read_and_only_the_calls_the_difference_needs(
    harness: Harness, change: str, calls: list[str]
) -> None:
    old = props(LOGS, TOPIC_DEST)
    deploy(harness, old)
    new = copy.deepcopy(old)
    dests = new["EventDestinations"]
    if change == "events":
        dests[0]["MatchingEventTypes"] = ["COMPLETED_CALL"]
    elif change == "enable":
        dests[1]["Enabled"] = "true"
    elif change == "add":
        dests.append(copy.deepcopy(STREAM_DEST))
    elif change == "remove":
        del dests[1]
    elif change == "sink type":
        del dests[1]["SnsDestination"]
        dests[1]["KinesisFirehoseDestination"] = STREAM_DEST["KinesisFirehoseDestination"]

    response = update(harness, old, new)

    assert response["PhysicalResourceId"] == NAME
    assert harness.calls() == calls
    assert state(harness.fake) == expected(new)
    assert_within_v1_rate(harness)


def test_event_order_alone_is_no_change(harness: Harness) -> None:
    old = props()
    deploy(harness, old)
    new = copy.deepcopy(old)
    new["EventDestinations"][0]["MatchingEventTypes"].reverse()

    update(harness, old, new)

    assert harness.calls() == [GET]


@pytest.mark.parametrize("disabled", ["false", False])
def test_booleans_arrive_as_strings_or_booleans(harness: Harness, disabled: str | bool) -> None:
    old = props(LOGS)
    deploy(harness, old)
    new = copy.deepcopy(old)
    new["EventDestinations"][0]["Enabled"] = disabled

    update(harness, old, new)

    assert harness.fake.sets[NAME].event_destinations["CallLog"].enabled is False
    assert harness.fake.params_of(UPDATE_DEST)[-1]["EventDestination"]["Enabled"] is False


def test_destination_removed_out_of_band_is_recreated(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)
    harness.fake.remove_destination(NAME, "Unanswered")

    update(harness, properties, properties)

    assert harness.calls() == [GET, CREATE_DEST]
    assert state(harness.fake) == expected(properties)


def test_destination_changed_out_of_band_is_put_back(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)
    harness.fake.sets[NAME].event_destinations["CallLog"].matching_event_types = ["BUSY"]

    update(harness, properties, properties)

    assert harness.calls() == [GET, UPDATE_DEST]
    assert state(harness.fake) == expected(properties)


def test_set_deleted_out_of_band_is_created_again(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)
    harness.fake.remove_set(NAME)

    update(harness, properties, properties)

    assert harness.calls()[:2] == [GET, "CreateConfigurationSet"]
    assert state(harness.fake) == expected(properties)


def test_destination_added_out_of_band_is_left_alone(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)
    harness.fake.add_destination(NAME, "manual", {"SnsDestination": {"TopicArn": TOPIC}})

    update(harness, properties, properties)

    assert harness.calls() == [GET]
    assert "manual" in harness.fake.sets[NAME].event_destinations


def test_a_foreign_destination_with_a_wanted_name_and_other_sink_is_not_replaced(
    harness: Harness,
) -> None:
    old = props(LOGS)
    deploy(harness, old)
    harness.fake.add_destination(NAME, "to-lake", {"SnsDestination": {"TopicArn": TOPIC}})
    new = props(LOGS, STREAM_DEST)

    with pytest.raises(SetTakenError, match=r"event destination 'to-lake'.*did not create"):
        update(harness, old, new)

    assert harness.fake.sets[NAME].event_destinations["to-lake"].sink_type == "SnsDestination"


def test_eleventh_destination_is_refused_before_any_call(harness: Harness) -> None:
    old = props(LOGS)
    deploy(harness, old)
    many = [dict(copy.deepcopy(LOGS), EventDestinationName=f"d{i}") for i in range(11)]

    with pytest.raises(InvalidPropertiesError, match="more than the limit of 10"):
        update(harness, old, props(*many))

    assert harness.calls() == []


# ---------------------------------------------------------------------- Rename and rollback


def test_rename_creates_the_new_set_and_leaves_the_old_for_cloudformation(
    harness: Harness,
) -> None:
    old = props()
    deploy(harness, old)
    new = props(name="calls-prod-v2")

    response = update(harness, old, new)

    assert response["PhysicalResourceId"] == "calls-prod-v2"
    assert state(harness.fake, "calls-prod-v2") == expected(new)
    assert state(harness.fake, NAME) == expected(old)
    assert GET not in harness.calls()

    # UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: CloudFormation deletes the old physical id.
    harness.reset_calls()
    harness.run(event("Delete", old, physical_id=NAME))
    assert harness.calls() == ["DeleteConfigurationSet"]
    assert set(harness.fake.sets) == {"calls-prod-v2"}


def test_rename_to_a_taken_name_fails_and_changes_nothing(harness: Harness) -> None:
    old = props()
    deploy(harness, old)
    harness.fake.add_set("calls-prod-v2")
    harness.fake.add_destination("calls-prod-v2", "theirs", {"SnsDestination": {"TopicArn": TOPIC}})

    with pytest.raises(SetTakenError) as raised:
        update(harness, old, props(name="calls-prod-v2"))

    assert "not treated as this resource's own" in "\n".join(raised.value.__notes__)
    assert list(harness.fake.sets["calls-prod-v2"].event_destinations) == ["theirs"]
    assert state(harness.fake, NAME) == expected(old)
    assert harness.calls() == ["CreateConfigurationSet", GET]


@pytest.mark.parametrize("cleanup_properties", ["new", "old"])
def test_rollback_of_a_successful_rename(harness: Harness, cleanup_properties: str) -> None:
    old = props()
    deploy(harness, old)
    new = props(name="calls-prod-v2")
    update(harness, old, new)

    # A later resource failed: CloudFormation swaps the properties, with the NEW physical id.
    harness.reset_calls()
    response = harness.run(event("Update", old, old=new, physical_id="calls-prod-v2"))

    assert response == {"PhysicalResourceId": NAME, "Data": {"ConfigurationSetName": NAME}}
    assert harness.calls() == ["CreateConfigurationSet", GET]  # refused, then read: no change
    assert state(harness.fake, NAME) == expected(old)

    # UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: Delete of the new physical id, whichever
    # generation of properties it carries.
    harness.reset_calls()
    cleanup = new if cleanup_properties == "new" else old
    harness.run(event("Delete", cleanup, physical_id="calls-prod-v2"))

    assert set(harness.fake.sets) == {NAME}
    assert state(harness.fake, NAME) == expected(old)


def test_rollback_of_a_rename_tolerates_a_destination_added_by_hand(harness: Harness) -> None:
    old = props()
    deploy(harness, old)
    new = props(name="calls-prod-v2")
    update(harness, old, new)
    harness.fake.add_destination(NAME, "manual", {"SnsDestination": {"TopicArn": TOPIC}})

    response = harness.run(event("Update", old, old=new, physical_id="calls-prod-v2"))

    assert response["PhysicalResourceId"] == NAME
    assert "manual" in harness.fake.sets[NAME].event_destinations


def test_rollback_of_a_rename_refuses_an_old_set_that_changed(harness: Harness) -> None:
    old = props()
    deploy(harness, old)
    new = props(name="calls-prod-v2")
    update(harness, old, new)
    harness.fake.remove_destination(NAME, "CallLog")  # drifted since: ownership is unprovable

    with pytest.raises(SetTakenError) as raised:
        harness.run(event("Update", old, old=new, physical_id="calls-prod-v2"))

    assert "continue the rollback" in "\n".join(raised.value.__notes__)
    assert "CallLog" not in harness.fake.sets[NAME].event_destinations  # not touched


def test_rollback_of_a_failed_update_converges_on_the_old_properties(harness: Harness) -> None:
    old = props(LOGS, TOPIC_DEST)
    deploy(harness, old)
    new = copy.deepcopy(old)
    del new["EventDestinations"][1]["SnsDestination"]
    new["EventDestinations"][1]["KinesisFirehoseDestination"] = STREAM_DEST[
        "KinesisFirehoseDestination"
    ]
    new["EventDestinations"].append(dict(copy.deepcopy(LOGS), EventDestinationName="Audit"))
    # The sink-type change deletes Unanswered, then its create fails for good.
    harness.fake.fail(CREATE_DEST, "BadRequestException", "Stream does not exist")

    with pytest.raises(ApiCallError, match="event destination 'Unanswered'"):
        update(harness, old, new)
    assert "Unanswered" not in harness.fake.sets[NAME].event_destinations

    harness.reset_calls()
    response = harness.run(event("Update", old, old=new, physical_id=NAME))

    assert response["PhysicalResourceId"] == NAME
    assert state(harness.fake) == expected(old)
    assert_within_v1_rate(harness)


# ---------------------------------------------------------------------------------- Delete


def test_delete_is_one_call_and_idempotent(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)

    first = harness.run(event("Delete", properties))
    assert first == {"PhysicalResourceId": NAME, "Data": {}}
    assert harness.calls() == ["DeleteConfigurationSet"]
    assert harness.fake.sets == {}

    harness.reset_calls()
    second = harness.run(event("Delete", properties))
    assert second == {"PhysicalResourceId": NAME, "Data": {}}
    # NotFoundException is success once a read confirms the set is gone.
    assert harness.calls() == ["DeleteConfigurationSet", GET]


def test_delete_with_a_physical_id_that_is_no_set_name_makes_no_call(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)

    harness.run(event("Delete", properties, physical_id="not a set name"))

    assert harness.calls() == []
    assert NAME in harness.fake.sets


def test_delete_does_not_need_valid_properties(harness: Harness) -> None:
    properties = props()
    deploy(harness, properties)
    broken = {**properties, "EventDestinations": [{"EventDestinationName": "no sink"}]}

    harness.run(event("Delete", broken))

    assert harness.fake.sets == {}


# --------------------------------------------------------------------------------- Retries


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("TooManyRequestsException", "Rate exceeded"),
        ("InternalServiceErrorException", "Internal error"),
        ("BadRequestException", "Could not assume IAM role arn:aws:iam::123456789012:role/x"),
    ],
)
def test_throttling_5xx_and_iam_propagation_are_retried(
    harness: Harness, code: str, message: str
) -> None:
    properties = props()
    harness.fake.fail(CREATE_DEST, code, message, times=3, on_call=2)

    harness.run(event("Create", properties))

    assert state(harness.fake) == expected(properties)
    assert harness.fake.count(CREATE_DEST) == 3 + 3
    assert harness.clock.sleeps, "retries back off"


def test_iam_propagation_gives_up_after_its_window_with_a_hint(harness: Harness) -> None:
    harness.fake.fail(CREATE_DEST, "BadRequestException", "Could not assume role", times=10_000)

    with pytest.raises(ApiCallError) as raised:
        harness.run(event("Create", props()))

    assert "CreateConfigurationSetEventDestination failed: BadRequestException" in str(raised.value)
    window = RetryPolicy().iam_window
    times = harness.times_of(CREATE_DEST)
    assert window <= times[-1] - times[0] <= window + RetryPolicy().max_delay + 1.0
    assert harness.fake.sets == {}


def test_a_bad_request_is_not_retried(harness: Harness) -> None:
    harness.fake.fail(CREATE_DEST, "BadRequestException", "MatchingEventTypes is invalid")

    with pytest.raises(ApiCallError, match="correct it in the construct's props"):
        harness.run(event("Create", props()))

    assert harness.fake.count(CREATE_DEST) == 1


def test_a_whole_lifecycle_never_trips_the_rate_limit(harness: Harness) -> None:
    a = props()
    harness.run(event("Create", a))
    b = props(LOGS, dict(copy.deepcopy(TOPIC_DEST), Enabled="true"))
    harness.run(event("Update", b, old=a))
    harness.run(event("Delete", b))

    assert all(status == 200 for _, status, _ in harness.fake.outcomes), harness.fake.outcomes
    assert harness.fake.sets == {}


# ------------------------------------------------------------------------------ Validation


@pytest.mark.parametrize(
    ("properties", "where"),
    [
        (
            props(*[dict(copy.deepcopy(LOGS), EventDestinationName=f"d{i}") for i in range(11)]),
            "more than the limit of 10",
        ),
        (
            props(dict(copy.deepcopy(LOGS), MatchingEventTypes=["TEXT_DELIVERED"])),
            "$.EventDestinations[0].MatchingEventTypes[0]",
        ),
        (props(dict(copy.deepcopy(LOGS), MatchingEventTypes=["ALL"])), "a v1 voice event type"),
        ({**props(), "Tags": [{"Key": "team", "Value": "x"}]}, "Tags"),
        ({**props(), "DefaultSenderId": "ACME"}, "DefaultSenderId"),
        (props(name="bad name"), "$.ConfigurationSetName"),
        (props(dict(copy.deepcopy(LOGS), SnsDestination={"TopicArn": TOPIC})), "exactly one"),
    ],
)
def test_invalid_properties_fail_before_any_call(
    harness: Harness, properties: dict[str, Any], where: str
) -> None:
    with pytest.raises(InvalidPropertiesError) as raised:
        harness.run(event("Create", properties))

    assert where in str(raised.value)
    assert "no API call was made" in str(raised.value)
    assert harness.calls() == []
