"""Exact request shapes, pinned with ``botocore.stub.Stubber``.

The stateful fake checks behaviour; these tests pin the wire requests themselves. Stubber
validates every expected request and every canned response against botocore's
``pinpoint-sms-voice-v2`` model, and fails on any call out of order or with other parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from handler_harness import (
    NAME,
    OWNER,
    OWNER_TAG,
    REGION,
    SERVICE,
    make_event,
    run_with_client,
    stubbed_client,
)

ARN = f"arn:aws:sms-voice:{REGION}:123456789012:configuration-set/{NAME}"
TOPIC = f"arn:aws:sns:{REGION}:123456789012:sms-events"
LOG_GROUP = f"arn:aws:logs:{REGION}:123456789012:log-group:/sms/events"
ROLE = "arn:aws:iam::123456789012:role/sms-voice-logs"

SNS = {
    "EventDestinationName": "Topic",
    "MatchingEventTypes": ["TEXT_DELIVERED", "TEXT_BLOCKED"],
    "SnsDestination": {"TopicArn": TOPIC},
}
LOGS = {
    "EventDestinationName": "Logs",
    "Enabled": "false",
    "MatchingEventTypes": ["ALL"],
    "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
}
PROPS: dict[str, Any] = {
    "ConfigurationSetName": NAME,
    "EventDestinations": [SNS, LOGS],
    "DefaultSenderId": "MyBrand",
    "MessageFeedbackEnabled": "true",
    "Tags": [{"Key": "team", "Value": "messaging"}],
}


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    with stubbed_client(SERVICE) as pair:
        yield pair


def _described(destinations: list[dict[str, Any]], **settings: Any) -> dict[str, Any]:
    return {
        "ConfigurationSets": [
            {
                "ConfigurationSetArn": ARN,
                "ConfigurationSetName": NAME,
                "EventDestinations": destinations,
                "CreatedTimestamp": "2026-11-23T00:00:00Z",
                **settings,
            }
        ]
    }


def _api_destination(props: dict[str, Any], enabled: bool) -> dict[str, Any]:
    sink = {k: v for k, v in props.items() if k.endswith("Destination")}
    return {
        "EventDestinationName": props["EventDestinationName"],
        "Enabled": enabled,
        "MatchingEventTypes": props["MatchingEventTypes"],
        **sink,
    }


def test_create_sends_exactly_these_requests(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "create_configuration_set",
        {"ConfigurationSetArn": ARN, "ConfigurationSetName": NAME},
        {
            "ConfigurationSetName": NAME,
            "Tags": [{"Key": "team", "Value": "messaging"}, {"Key": OWNER_TAG, "Value": OWNER}],
            "ClientToken": ANY,
        },
    )
    stubber.add_response(
        "create_event_destination",
        {"ConfigurationSetName": NAME},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Topic",
            "MatchingEventTypes": ["TEXT_DELIVERED", "TEXT_BLOCKED"],
            "SnsDestination": {"TopicArn": TOPIC},
            "ClientToken": ANY,
        },
    )
    stubber.add_response(
        "create_event_destination",
        {"ConfigurationSetName": NAME},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Logs",
            "MatchingEventTypes": ["ALL"],
            "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
            "ClientToken": ANY,
        },
    )
    # CreateEventDestination has no Enabled member: a disabled destination is then updated.
    stubber.add_response(
        "update_event_destination",
        {"ConfigurationSetName": NAME},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Logs",
            "Enabled": False,
            "MatchingEventTypes": ["ALL"],
            "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
        },
    )
    stubber.add_response(
        "set_default_sender_id",
        {"ConfigurationSetName": NAME, "SenderId": "MyBrand"},
        {"ConfigurationSetName": NAME, "SenderId": "MyBrand"},
    )
    stubber.add_response(
        "set_default_message_feedback_enabled",
        {"ConfigurationSetName": NAME, "MessageFeedbackEnabled": True},
        {"ConfigurationSetName": NAME, "MessageFeedbackEnabled": True},
    )

    response = run_with_client(client, make_event("Create", PROPS))

    assert response == {
        "PhysicalResourceId": NAME,
        "Data": {"Arn": ARN, "ConfigurationSetName": NAME},
    }


def test_update_sends_one_read_and_only_the_changed_destination(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    new_sns = {**SNS, "MatchingEventTypes": ["TEXT_ALL"]}
    new = {**PROPS, "EventDestinations": [new_sns, LOGS]}
    stubber.add_response(
        "describe_configuration_sets",
        _described(
            [_api_destination(SNS, True), _api_destination(LOGS, False)],
            DefaultSenderId="MyBrand",
            DefaultMessageFeedbackEnabled=True,
        ),
        {"ConfigurationSetNames": [NAME]},
    )
    stubber.add_response(
        "update_event_destination",
        {"ConfigurationSetName": NAME},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Topic",
            "Enabled": True,
            "MatchingEventTypes": ["TEXT_ALL"],
            "SnsDestination": {"TopicArn": TOPIC},
        },
    )

    run_with_client(client, make_event("Update", new, old=PROPS))


def test_delete_checks_the_ownership_tag_then_deletes(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "list_tags_for_resource",
        {"ResourceArn": ARN, "Tags": [{"Key": OWNER_TAG, "Value": OWNER}]},
        {"ResourceArn": ARN},
    )
    stubber.add_response(
        "delete_configuration_set",
        {"ConfigurationSetName": NAME},
        {"ConfigurationSetName": NAME},
    )

    assert run_with_client(client, make_event("Delete", PROPS)) == {
        "PhysicalResourceId": NAME,
        "Data": {},
    }


def test_delete_of_a_set_that_is_gone_stops_after_the_tag_lookup(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "list_tags_for_resource",
        service_error_code="ResourceNotFoundException",
        http_status_code=404,
        expected_params={"ResourceArn": ARN},
    )
    stubber.add_response(
        "describe_configuration_sets",
        {"ConfigurationSets": []},
        {"ConfigurationSetNames": [NAME]},
    )

    run_with_client(client, make_event("Delete", PROPS))
