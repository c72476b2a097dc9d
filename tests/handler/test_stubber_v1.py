"""Exact v1 request shapes, pinned with ``botocore.stub.Stubber``.

Stubber validates every expected request and every canned response against botocore's
``pinpoint-sms-voice`` model, and fails on any call out of order or with other parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber
from handler_harness import REGION, make_event, run_with_client, stubbed_client

V1 = "Custom::SmsVoiceV1ConfigurationSet"
NAME = "calls"
TOPIC = f"arn:aws:sns:{REGION}:123456789012:voice-events"
LOG_GROUP = f"arn:aws:logs:{REGION}:123456789012:log-group:/voice"
ROLE = "arn:aws:iam::123456789012:role/voice-logs"
SNS = {
    "EventDestinationName": "Topic",
    "Enabled": "false",
    "MatchingEventTypes": ["BUSY", "NO_ANSWER"],
    "SnsDestination": {"TopicArn": TOPIC},
}
LOGS = {
    "EventDestinationName": "Logs",
    "MatchingEventTypes": ["ANSWERED"],
    "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
}
PROPS: dict[str, Any] = {"ConfigurationSetName": NAME, "EventDestinations": [SNS, LOGS]}


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    with stubbed_client("pinpoint-sms-voice") as pair:
        yield pair


def test_create_sends_exactly_these_requests(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("create_configuration_set", {}, {"ConfigurationSetName": NAME})
    stubber.add_response(
        "create_configuration_set_event_destination",
        {},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Topic",
            "EventDestination": {
                "Enabled": False,
                "MatchingEventTypes": ["BUSY", "NO_ANSWER"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
        },
    )
    stubber.add_response(
        "create_configuration_set_event_destination",
        {},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Logs",
            "EventDestination": {
                "Enabled": True,
                "MatchingEventTypes": ["ANSWERED"],
                "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
            },
        },
    )

    response = run_with_client(client, make_event("Create", PROPS, resource_type=V1))

    assert response == {"PhysicalResourceId": NAME, "Data": {"ConfigurationSetName": NAME}}


def test_update_reads_once_and_puts_the_whole_changed_destination(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    new = {**PROPS, "EventDestinations": [{**SNS, "Enabled": "true"}, LOGS]}
    stubber.add_response(
        "get_configuration_set_event_destinations",
        {
            "EventDestinations": [
                {
                    "Name": "Topic",
                    "Enabled": False,
                    "MatchingEventTypes": ["NO_ANSWER", "BUSY"],
                    "SnsDestination": {"TopicArn": TOPIC},
                },
                {
                    "Name": "Logs",
                    "Enabled": True,
                    "MatchingEventTypes": ["ANSWERED"],
                    "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
                },
            ]
        },
        {"ConfigurationSetName": NAME},
    )
    stubber.add_response(
        "update_configuration_set_event_destination",
        {},
        {
            "ConfigurationSetName": NAME,
            "EventDestinationName": "Topic",
            "EventDestination": {
                "Enabled": True,
                "MatchingEventTypes": ["BUSY", "NO_ANSWER"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
        },
    )

    run_with_client(client, make_event("Update", new, old=PROPS, resource_type=V1))


def test_delete_is_a_single_call_and_a_missing_set_is_success_once_a_read_confirms_it(
    stubbed: tuple[Any, Stubber],
) -> None:
    client, stubber = stubbed
    stubber.add_response("delete_configuration_set", {}, {"ConfigurationSetName": NAME})
    stubber.add_client_error(
        "delete_configuration_set",
        service_error_code="NotFoundException",
        http_status_code=404,
        expected_params={"ConfigurationSetName": NAME},
    )
    stubber.add_client_error(
        "get_configuration_set_event_destinations",
        service_error_code="NotFoundException",
        http_status_code=404,
        expected_params={"ConfigurationSetName": NAME},
    )

    for _ in range(2):
        assert run_with_client(client, make_event("Delete", PROPS, resource_type=V1)) == {
            "PhysicalResourceId": NAME,
            "Data": {},
        }
