"""Retries, pacing and deadlines, all on virtual time."""

from __future__ import annotations

import itertools

import pytest
from handler_harness import NAME, Harness, expected_state, live_state, make_event, properties
from smsvoice_handler import dispatch
from smsvoice_handler.calls import ApiCallError, RetryPolicy

from cdk_smsvoice.emulator.v2 import V2Service

IAM_MESSAGE = (
    "Could not assume IAM role arn:aws:iam::123456789012:role/data-lake-ingest. "
    "Make sure the role exists and trusts sms-voice.amazonaws.com."
)


def _elapsed(harness: Harness) -> float:
    return sum(harness.clock.sleeps)


def test_throttling_is_retried_with_backoff_and_pacing(harness: Harness) -> None:
    harness.fake.fail("CreateConfigurationSet", "ThrottlingException", "Rate exceeded", times=3)

    response = harness.run(make_event("Create", properties()))

    assert response["PhysicalResourceId"] == NAME
    assert harness.calls().count("CreateConfigurationSet") == 4
    assert live_state(harness.fake, NAME) == expected_state(properties())
    harness.assert_paced()
    # Exponential backoff: the n-th retry waits at least half of base_delay * 2**(n-1).
    times = harness.times_of("CreateConfigurationSet")
    gaps = [b - a for a, b in itertools.pairwise(times)]
    policy = harness.policy
    for n, gap in enumerate(gaps, start=1):
        assert gap >= max(policy.min_interval, policy.base_delay * 2 ** (n - 1) / 2) - 1e-9
    assert gaps[2] >= 2.0
    assert harness.fake.pending_faults() == {}


def test_internal_server_errors_are_retried(harness: Harness) -> None:
    harness.fake.fail("CreateEventDestination", "InternalServerException", "Oops", times=2)
    harness.fake.fail("SetDefaultSenderId", "InternalServerException", "Oops")

    harness.run(make_event("Create", properties()))

    assert harness.calls().count("CreateEventDestination") == 5  # 3 destinations + 2 retries
    assert harness.calls().count("SetDefaultSenderId") == 2
    assert live_state(harness.fake, NAME) == expected_state(properties())
    harness.assert_paced()


def test_throttling_during_update_and_delete_is_retried(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    new = properties(DefaultSenderId="Other", Tags=None)
    harness.fake.fail("DescribeConfigurationSets", "ThrottlingException", times=2)
    harness.fake.fail("UntagResource", "ThrottlingException")

    harness.run(make_event("Update", new, old=old))

    assert live_state(harness.fake, NAME) == expected_state(new)
    assert harness.calls().count("DescribeConfigurationSets") == 3

    harness.fake.fail("ListTagsForResource", "ThrottlingException")
    harness.fake.fail("DeleteConfigurationSet", "ThrottlingException", times=2)
    harness.run(make_event("Delete", new))
    assert harness.fake.sets == {}
    harness.assert_paced()


def test_calls_of_one_operation_are_paced_even_without_errors(harness: Harness) -> None:
    harness.run(make_event("Create", properties()))

    times = harness.times_of("CreateEventDestination")
    assert len(times) == 3
    assert times[1] - times[0] >= harness.policy.min_interval
    assert times[2] - times[1] >= harness.policy.min_interval
    # Different operations are not held back by each other.
    assert (
        harness.times_of("SetDefaultMessageType")[0]
        == harness.times_of("CreateConfigurationSet")[0] + 2 * harness.policy.min_interval
    )


def test_iam_propagation_on_create_event_destination_is_waited_out(harness: Harness) -> None:
    harness.fake.fail(
        "CreateEventDestination", "ValidationException", IAM_MESSAGE, times=4, on_call=3
    )

    harness.run(make_event("Create", properties()))

    created = [p["EventDestinationName"] for p in harness.fake.params_of("CreateEventDestination")]
    assert created == ["Logs", "Topic", "to-lake", "to-lake", "to-lake", "to-lake", "to-lake"]
    assert live_state(harness.fake, NAME) == expected_state(properties())
    harness.assert_paced()


def test_iam_propagation_on_update_event_destination_is_waited_out(harness: Harness) -> None:
    old = properties()
    harness.deploy(old)
    new = properties()
    new["EventDestinations"][0]["MatchingEventTypes"] = ["TEXT_ALL"]
    harness.fake.fail("UpdateEventDestination", "AccessDeniedException", "Not yet", times=3)

    harness.run(make_event("Update", new, old=old))

    assert harness.calls().count("UpdateEventDestination") == 4
    assert live_state(harness.fake, NAME) == expected_state(new)


def test_persistent_access_denied_fails_after_the_iam_window(harness: Harness) -> None:
    harness.fake.fail(
        "CreateEventDestination",
        "AccessDeniedException",
        "User is not authorized to perform iam:PassRole",
        times=10_000,
    )

    with pytest.raises(ApiCallError) as raised:
        harness.run(make_event("Create", properties()))

    message = str(raised.value)
    assert "CreateEventDestination failed" in message
    assert "AccessDeniedException" in message
    assert "iam:PassRole" in message
    assert "event destination 'Logs'" in message
    assert "Gave up" not in message  # the IAM window ran out, not the Lambda's time
    assert _elapsed(harness) >= harness.policy.iam_window
    assert harness.last_context is not None
    assert harness.last_context.get_remaining_time_in_millis() > 0
    assert harness.fake.sets == {}, "the all-or-nothing cleanup still ran"
    assert harness.calls()[-1] == "DeleteConfigurationSet"
    harness.assert_paced()


def test_a_non_retryable_error_is_not_retried(harness: Harness) -> None:
    harness.fake.fail("SetDefaultSenderId", "ValidationException", "Sender ID is not registered")

    with pytest.raises(ApiCallError, match="SetDefaultSenderId failed"):
        harness.run(make_event("Create", properties()))

    assert harness.calls().count("SetDefaultSenderId") == 1
    assert harness.fake.sets == {}


def test_retries_stop_before_the_lambda_times_out(harness: Harness) -> None:
    harness.fake.fail("CreateConfigurationSet", "ThrottlingException", "Rate exceeded", times=500)

    with pytest.raises(ApiCallError) as raised:
        harness.run(make_event("Create", properties()), timeout=120.0)

    message = str(raised.value)
    assert "CreateConfigurationSet failed" in message
    assert "ThrottlingException" in message
    assert "Gave up after" in message
    assert "time is nearly out" in message
    # The last attempt may take as long as the client's timeouts allow, and still ends in time.
    worst_attempt = dispatch.CONNECT_TIMEOUT_SECONDS + dispatch.READ_TIMEOUT_SECONDS
    assert _elapsed(harness) + worst_attempt <= 120.0 - dispatch.CLEANUP_RESERVE_SECONDS
    assert harness.fake.sets == {}


def test_no_call_starts_that_could_outlast_the_lambda(harness: Harness) -> None:
    with pytest.raises(ApiCallError, match="no time left to call CreateConfigurationSet"):
        harness.run(make_event("Create", properties()), timeout=20.0)

    assert harness.calls() == []


def test_a_create_that_runs_out_of_time_still_cleans_up(harness: Harness) -> None:
    harness.fake.fail("CreateEventDestination", "ThrottlingException", times=500, on_call=2)

    with pytest.raises(ApiCallError, match="Gave up"):
        harness.run(make_event("Create", properties()), timeout=120.0)

    assert harness.fake.sets == {}
    assert harness.calls()[-1] == "DeleteConfigurationSet"
    assert harness.last_context is not None
    assert harness.last_context.get_remaining_time_in_millis() > 0


@pytest.mark.parametrize("max_delay", [1.0, 2.0, 20.0])
def test_the_cleanup_of_a_timed_out_create_may_retry_in_the_reserved_time(
    fake: V2Service, max_delay: float
) -> None:
    """The reserve kept back from retries exists so that the cleanup can still succeed, even
    when the API throttles it (which is likely, since throttling is what used up the time).

    A small max_delay makes the create give up right at the retry deadline.
    """
    harness = Harness(fake, RetryPolicy(max_delay=max_delay))
    harness.fake.fail("CreateEventDestination", "ThrottlingException", times=500, on_call=2)
    harness.fake.fail("DeleteConfigurationSet", "ThrottlingException", times=2)

    with pytest.raises(ApiCallError, match="Gave up"):
        harness.run(make_event("Create", properties()), timeout=120.0)

    assert harness.fake.sets == {}
    assert harness.calls().count("DeleteConfigurationSet") == 3
    assert harness.last_context is not None
    assert harness.last_context.get_remaining_time_in_millis() > 0


def test_a_custom_policy_is_honoured(fake: V2Service) -> None:
    policy = RetryPolicy(min_interval=2.5, base_delay=0.1, max_delay=0.2, iam_window=10.0)
    harness = Harness(fake, policy)
    harness.fake.fail("CreateEventDestination", "AccessDeniedException", times=10_000)

    with pytest.raises(ApiCallError, match="AccessDeniedException"):
        harness.run(make_event("Create", properties()))

    times = harness.times_of("CreateEventDestination")
    assert all(b - a >= 2.5 - 1e-9 for a, b in itertools.pairwise(times))
    assert 10.0 <= times[-1] - times[0] <= 10.0 + 2.5 + 1e-9


@pytest.mark.parametrize(
    ("code", "message", "reason"),
    [
        ("ValidationException", "The role ARN is not valid", "INVALID_ARN"),
        ("AccessDeniedException", "Account is disabled", "ACCOUNT_DISABLED"),
        ("AccessDeniedException", "Reputation too low", "INSUFFICIENT_ACCOUNT_REPUTATION"),
    ],
)
def test_standing_refusals_are_not_mistaken_for_iam_propagation(
    harness: Harness, code: str, message: str, reason: str
) -> None:
    harness.fake.fail("CreateEventDestination", code, message, times=10_000, Reason=reason)

    with pytest.raises(ApiCallError, match=f"Reason: {reason}"):
        harness.run(make_event("Create", properties()))

    assert harness.fake.count("CreateEventDestination") == 1
    assert harness.fake.sets == {}


def test_a_new_role_not_yet_accessible_is_waited_for(harness: Harness) -> None:
    harness.fake.fail(
        "CreateEventDestination",
        "ValidationException",
        "Could not access the role",
        times=3,
        Reason="RESOURCE_NOT_ACCESSIBLE",
    )

    harness.run(make_event("Create", properties()))

    assert live_state(harness.fake, NAME) == expected_state(properties())
