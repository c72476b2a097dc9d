"""The Lambda entry point, the SDK client it builds, and request routing."""

from __future__ import annotations

from typing import Any

import boto3
import index
import pytest
from handler_harness import (
    NAME,
    RESOURCE_TYPE,
    Harness,
    expected_state,
    live_state,
    load_event,
    make_event,
    properties,
)
from smsvoice_handler import dispatch

from cdk_smsvoice.emulator.v2 import V2Service


@pytest.fixture
def sdk_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment with nothing from the developer's own AWS configuration."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return monkeypatch


def test_lambda_entry_point_is_dispatch_on_event() -> None:
    assert index.on_event is dispatch.on_event


def test_default_client_honours_aws_endpoint_url_and_aws_region(
    sdk_env: pytest.MonkeyPatch,
) -> None:
    sdk_env.setenv("AWS_ENDPOINT_URL", "http://localhost:4566")
    sdk_env.setenv("AWS_REGION", "eu-west-2")

    client = dispatch.default_client("pinpoint-sms-voice-v2")

    assert client.meta.endpoint_url == "http://localhost:4566"
    assert client.meta.region_name == "eu-west-2"
    assert client.meta.service_model.service_name == "pinpoint-sms-voice-v2"


def test_default_client_honours_aws_default_region_and_retry_settings(
    sdk_env: pytest.MonkeyPatch,
) -> None:
    sdk_env.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    sdk_env.setenv("AWS_MAX_ATTEMPTS", "7")
    sdk_env.setenv("AWS_RETRY_MODE", "standard")

    client = dispatch.default_client("pinpoint-sms-voice-v2")

    assert client.meta.region_name == "ap-southeast-2"
    assert client.meta.endpoint_url == "https://sms-voice.ap-southeast-2.amazonaws.com"
    assert client.meta.config.retries == {"total_max_attempts": 7, "mode": "standard"}
    assert client.meta.config.user_agent_extra == "cdk-smsvoice"


def test_default_client_leaves_retries_to_the_handler_and_bounds_each_attempt(
    sdk_env: pytest.MonkeyPatch,
) -> None:
    """botocore's own retries and 60 s timeouts would hide minutes from the handler's deadline."""
    sdk_env.setenv("AWS_REGION", "us-east-1")

    config = dispatch.default_client("pinpoint-sms-voice").meta.config

    assert config.retries["total_max_attempts"] == 1
    assert config.connect_timeout == dispatch.CONNECT_TIMEOUT_SECONDS
    assert config.read_timeout == dispatch.READ_TIMEOUT_SECONDS
    single_call = dispatch.CONNECT_TIMEOUT_SECONDS + dispatch.READ_TIMEOUT_SECONDS
    assert single_call < dispatch.CLEANUP_RESERVE_SECONDS - dispatch.RESPONSE_MARGIN_SECONDS


def test_lambda_sets_both_region_variables_and_they_agree(sdk_env: pytest.MonkeyPatch) -> None:
    sdk_env.setenv("AWS_REGION", "us-west-2")
    sdk_env.setenv("AWS_DEFAULT_REGION", "us-west-2")

    assert dispatch.default_client("pinpoint-sms-voice-v2").meta.region_name == "us-west-2"


def test_on_event_runs_end_to_end_as_lambda_calls_it(
    sdk_env: pytest.MonkeyPatch, fake: V2Service
) -> None:
    """``index.on_event`` with the real clock and the default client (answered by the fake)."""
    sdk_env.setenv("AWS_REGION", "us-east-1")
    real_client = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        return fake.attach(real_client(self, *args, **kwargs))

    sdk_env.setattr(boto3.session.Session, "client", client)

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 300_000

    # One call of each operation, so the real clock never has to pace.
    props = properties(EventDestinations=properties()["EventDestinations"][:1])
    response = index.on_event(make_event("Create", props), Context())  # type: ignore[arg-type]

    assert response["PhysicalResourceId"] == NAME
    assert live_state(fake, NAME) == expected_state(props)

    index.on_event(make_event("Delete", props), Context())  # type: ignore[arg-type]
    assert fake.sets == {}


def test_the_event_fixtures_are_what_the_provider_framework_sends() -> None:
    for file_name in (
        "create_configuration_set.json",
        "update_configuration_set.json",
        "delete_configuration_set.json",
    ):
        event = load_event(file_name)
        assert event["ResourceType"] == RESOURCE_TYPE
        assert event["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/")
        assert "ServiceToken" in event["ResourceProperties"]
        scalars = [v for v in event["ResourceProperties"].values() if not isinstance(v, list)]
        assert all(isinstance(v, str) for v in scalars), "CloudFormation sends strings"


def test_unsupported_resource_type_is_rejected_before_any_call(harness: Harness) -> None:
    event = make_event("Create", properties())
    event["ResourceType"] = "Custom::Something"

    with pytest.raises(ValueError, match="unsupported resource type 'Custom::Something'"):
        harness.run(event)

    assert harness.fake.calls == []


def test_unknown_request_type_is_rejected(harness: Harness) -> None:
    event = make_event("Create", properties())
    event["RequestType"] = "Replace"

    with pytest.raises(ValueError, match="unknown RequestType 'Replace'"):
        harness.run(event)

    assert harness.fake.calls == []


def test_arn_follows_the_stack_partition_region_and_account(harness: Harness) -> None:
    event = make_event("Create", {"ConfigurationSetName": "cn-set"})
    event["StackId"] = "arn:aws-cn:cloudformation:cn-north-1:210987654321:stack/S/guid"

    response = harness.run(event)

    assert response["Data"]["Arn"] == (
        "arn:aws-cn:sms-voice:cn-north-1:210987654321:configuration-set/cn-set"
    )
