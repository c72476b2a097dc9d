"""Tests of the in-memory ``pinpoint-sms-voice-v2`` fake."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from cdk_smsvoice.emulator.model_checks import service_model, validate_response
from cdk_smsvoice.emulator.v2 import SERVICE_NAME, V2Service

ACCOUNT = "123456789012"
REGION = "us-east-1"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:events"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sms-events"
LOGS = {"IamRoleArn": ROLE, "LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:sms"}
FIREHOSE = {
    "IamRoleArn": ROLE,
    "DeliveryStreamArn": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/sms",
}
PROTECT_ID = "protect-0123456789abcdef"


def _no_network(**kwargs: Any) -> None:
    raise AssertionError("a request escaped the fake and would have hit the network")


def _client(**config: Any) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    client = session.client("pinpoint-sms-voice-v2", config=Config(**config) if config else None)
    client.meta.events.register("before-send", _no_network)
    return client


@pytest.fixture
def fake() -> V2Service:
    return V2Service(account=ACCOUNT, region=REGION)


@pytest.fixture
def client(fake: V2Service) -> Any:
    return fake.attach(_client())


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def _sns(client: Any, conf: str, name: str, types: list[str] | None = None) -> dict[str, Any]:
    return client.create_event_destination(
        ConfigurationSetName=conf,
        EventDestinationName=name,
        MatchingEventTypes=types or ["TEXT_DELIVERED"],
        SnsDestination={"TopicArn": TOPIC},
    )


# ----------------------------------------------------------------- sets


def test_create_describe_delete_round_trip(fake: V2Service, client: Any) -> None:
    created = client.create_configuration_set(
        ConfigurationSetName="cs1", Tags=[{"Key": "team", "Value": "sms"}]
    )
    arn = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:configuration-set/cs1"
    assert created["ConfigurationSetArn"] == arn
    assert created["Tags"] == [{"Key": "team", "Value": "sms"}]
    assert isinstance(created["CreatedTimestamp"], datetime)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert fake.sets["cs1"].arn == arn
    assert fake.sets["cs1"].tags == {"team": "sms"}

    _sns(client, "cs1", "d1")
    described = client.describe_configuration_sets(ConfigurationSetNames=[arn])
    (info,) = described["ConfigurationSets"]
    assert info["ConfigurationSetName"] == "cs1"
    assert info["DefaultMessageFeedbackEnabled"] is False
    assert info["EventDestinations"] == [
        {
            "EventDestinationName": "d1",
            "Enabled": True,
            "MatchingEventTypes": ["TEXT_DELIVERED"],
            "SnsDestination": {"TopicArn": TOPIC},
        }
    ]
    assert "NextToken" not in described

    deleted = client.delete_configuration_set(ConfigurationSetName="cs1")
    assert deleted["ConfigurationSetArn"] == arn
    assert [d["EventDestinationName"] for d in deleted["EventDestinations"]] == ["d1"]
    assert fake.sets == {}


def test_create_existing_set_conflicts(client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="cs1")
    with pytest.raises(client.exceptions.ConflictException) as exc:
        client.create_configuration_set(ConfigurationSetName="cs1")
    assert exc.value.response["Reason"] == "RESOURCE_ALREADY_EXISTS"
    assert exc.value.response["ResourceId"] == "cs1"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_missing_sets_are_not_found(fake: V2Service, client: Any) -> None:
    fake.add_set("present")
    with pytest.raises(client.exceptions.ResourceNotFoundException) as exc:
        client.describe_configuration_sets(ConfigurationSetNames=["present", "absent"])
    assert exc.value.response["ResourceType"] == "configuration-set"
    assert exc.value.response["ResourceId"] == "absent"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_configuration_set(ConfigurationSetName="absent")
    other_account = "arn:aws:sms-voice:us-east-1:999999999999:configuration-set/present"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.set_default_sender_id(ConfigurationSetName=other_account, SenderId="ACME")
    # failed calls are recorded too
    assert fake.call_names() == [
        "DescribeConfigurationSets",
        "DeleteConfigurationSet",
        "SetDefaultSenderId",
    ]


def test_describe_filters(fake: V2Service, client: Any) -> None:
    for name in ("a", "b", "c"):
        client.create_configuration_set(ConfigurationSetName=name)
    _sns(client, "a", "audit", ["TEXT_DELIVERED"])
    _sns(client, "b", "other", ["VOICE_ALL"])
    client.set_default_message_type(ConfigurationSetName="b", MessageType="PROMOTIONAL")
    client.set_default_message_feedback_enabled(
        ConfigurationSetName="c", MessageFeedbackEnabled=True
    )
    client.associate_protect_configuration(
        ConfigurationSetName="c", ProtectConfigurationId=PROTECT_ID
    )

    def names(*filters: tuple[str, list[str]]) -> list[str]:
        resp = client.describe_configuration_sets(
            Filters=[{"Name": n, "Values": v} for n, v in filters]
        )
        return [s["ConfigurationSetName"] for s in resp["ConfigurationSets"]]

    assert names(("event-destination-name", ["audit"])) == ["a"]
    assert names(("matching-event-types", ["VOICE_ALL", "TEXT_DELIVERED"])) == ["a", "b"]
    assert names(("default-message-type", ["PROMOTIONAL"])) == ["b"]
    assert names(("default-message-feedback-enabled", ["true"])) == ["c"]
    assert names(("protect-configuration-id", [PROTECT_ID])) == ["c"]
    assert names(("default-sender-id", ["ACME"])) == []
    assert (
        names(("matching-event-types", ["VOICE_ALL"]), ("default-message-type", ["TRANSACTIONAL"]))
        == []
    )
    with pytest.raises(client.exceptions.ValidationException) as exc:
        names(("default-message-type", ["BULK"]))
    assert exc.value.response["Reason"] == "INVALID_FILTER_VALUES"


def test_describe_pagination(fake: V2Service, client: Any) -> None:
    for i in range(5):
        fake.add_set(f"cs{i}")
    first = client.describe_configuration_sets(MaxResults=2)
    assert [s["ConfigurationSetName"] for s in first["ConfigurationSets"]] == ["cs0", "cs1"]
    second = client.describe_configuration_sets(MaxResults=2, NextToken=first["NextToken"])
    assert [s["ConfigurationSetName"] for s in second["ConfigurationSets"]] == ["cs2", "cs3"]
    paginator = client.get_paginator("describe_configuration_sets")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert [s["ConfigurationSetName"] for p in pages for s in p["ConfigurationSets"]] == [
        f"cs{i}" for i in range(5)
    ]
    with pytest.raises(client.exceptions.ValidationException) as exc:
        client.describe_configuration_sets(NextToken="garbage!")
    assert exc.value.response["Reason"] == "INVALID_NEXT_TOKEN"


def test_default_page_size_is_configurable() -> None:
    fake = V2Service(default_max_results=1)
    client = fake.attach(_client())
    fake.add_set("a")
    fake.add_set("b")
    assert len(client.describe_configuration_sets()["ConfigurationSets"]) == 1


# ---------------------------------------------------- event destinations


def test_event_destination_limit_is_five(fake: V2Service, client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="cs")
    for i in range(5):
        _sns(client, "cs", f"d{i}")
    with pytest.raises(client.exceptions.ServiceQuotaExceededException) as exc:
        _sns(client, "cs", "d5")
    assert exc.value.response["Reason"] == "EVENT_DESTINATIONS_PER_CONFIGURATION_SET"
    assert list(fake.sets["cs"].event_destinations) == [f"d{i}" for i in range(5)]


def test_create_event_destination_errors(fake: V2Service, client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        _sns(client, "missing", "d1")
    fake.add_set("cs")
    _sns(client, "cs", "d1")
    with pytest.raises(client.exceptions.ConflictException) as exc:
        _sns(client, "cs", "d1")
    assert exc.value.response["Reason"] == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(client.exceptions.ValidationException):
        client.create_event_destination(
            ConfigurationSetName="cs", EventDestinationName="none", MatchingEventTypes=["ALL"]
        )
    with pytest.raises(client.exceptions.ValidationException):
        client.create_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName="two",
            MatchingEventTypes=["ALL"],
            SnsDestination={"TopicArn": TOPIC},
            CloudWatchLogsDestination=LOGS,
        )
    assert list(fake.sets["cs"].event_destinations) == ["d1"]


def test_text_sent_is_refused(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    with pytest.raises(client.exceptions.ValidationException) as exc:
        _sns(client, "cs", "d1", ["TEXT_SENT", "TEXT_DELIVERED"])
    assert "TEXT_SENT" in exc.value.response["Error"]["Message"]
    assert fake.sets["cs"].event_destinations == {}


def test_update_event_destination(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    client.create_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="logs",
        MatchingEventTypes=["ALL"],
        CloudWatchLogsDestination=LOGS,
    )
    new_logs = {**LOGS, "LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:other"}
    resp = client.update_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="logs",
        Enabled=False,
        MatchingEventTypes=["TEXT_ALL"],
        CloudWatchLogsDestination=new_logs,
    )
    assert resp["EventDestination"] == {
        "EventDestinationName": "logs",
        "Enabled": False,
        "MatchingEventTypes": ["TEXT_ALL"],
        "CloudWatchLogsDestination": new_logs,
    }
    dest = fake.sets["cs"].event_destinations["logs"]
    assert (dest.enabled, dest.sink) == (False, new_logs)

    with pytest.raises(client.exceptions.ConflictException) as exc:
        client.update_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName="logs",
            KinesisFirehoseDestination=FIREHOSE,
        )
    assert exc.value.response["Reason"] == "EVENT_DESTINATION_MISMATCH"
    assert fake.sets["cs"].event_destinations["logs"].sink_type == "CloudWatchLogsDestination"

    with pytest.raises(client.exceptions.ResourceNotFoundException) as nf:
        client.update_event_destination(
            ConfigurationSetName="cs", EventDestinationName="nope", Enabled=True
        )
    assert nf.value.response["ResourceType"] == "event-destination"


def test_delete_event_destination(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    _sns(client, "cs", "d1")
    resp = client.delete_event_destination(ConfigurationSetName="cs", EventDestinationName="d1")
    assert resp["EventDestination"]["EventDestinationName"] == "d1"
    assert fake.sets["cs"].event_destinations == {}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_event_destination(ConfigurationSetName="cs", EventDestinationName="d1")


# ------------------------------------------------------------- defaults


def test_defaults(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    conf = fake.sets["cs"]
    resp = client.set_default_message_type(ConfigurationSetName="cs", MessageType="TRANSACTIONAL")
    assert resp["MessageType"] == "TRANSACTIONAL"
    client.set_default_sender_id(ConfigurationSetName="cs", SenderId="ACME")
    client.set_default_message_feedback_enabled(
        ConfigurationSetName="cs", MessageFeedbackEnabled=True
    )
    assert (conf.default_message_type, conf.default_sender_id) == ("TRANSACTIONAL", "ACME")
    assert conf.message_feedback_enabled is True

    info = client.describe_configuration_sets()["ConfigurationSets"][0]
    assert info["DefaultMessageType"] == "TRANSACTIONAL"
    assert info["DefaultSenderId"] == "ACME"
    assert info["DefaultMessageFeedbackEnabled"] is True

    assert client.delete_default_message_type(ConfigurationSetName="cs")["MessageType"] == (
        "TRANSACTIONAL"
    )
    assert client.delete_default_sender_id(ConfigurationSetName="cs")["SenderId"] == "ACME"
    assert (conf.default_message_type, conf.default_sender_id) == (None, None)
    info = client.describe_configuration_sets()["ConfigurationSets"][0]
    assert "DefaultMessageType" not in info
    assert "DefaultSenderId" not in info


# ---------------------------------------------------- protect configuration


def test_protect_configuration_association(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    with pytest.raises(client.exceptions.ConflictException) as exc:
        client.disassociate_protect_configuration(
            ConfigurationSetName="cs", ProtectConfigurationId=PROTECT_ID
        )
    assert (
        exc.value.response["Reason"]
        == "PROTECT_CONFIGURATION_NOT_ASSOCIATED_WITH_CONFIGURATION_SET"
    )
    with pytest.raises(client.exceptions.ResourceNotFoundException) as nf:
        client.associate_protect_configuration(
            ConfigurationSetName="cs", ProtectConfigurationId="protect-unknown"
        )
    assert nf.value.response["ResourceType"] == "protect-configuration"

    resp = client.associate_protect_configuration(
        ConfigurationSetName="cs", ProtectConfigurationId=PROTECT_ID
    )
    assert resp["ProtectConfigurationArn"] == (
        f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:protect-configuration/{PROTECT_ID}"
    )
    assert fake.sets["cs"].protect_configuration_id == PROTECT_ID
    with pytest.raises(client.exceptions.ConflictException) as again:
        client.associate_protect_configuration(
            ConfigurationSetName="cs", ProtectConfigurationId=PROTECT_ID
        )
    assert again.value.response["Reason"] == "RESOURCE_ALREADY_ASSOCIATED"

    client.disassociate_protect_configuration(
        ConfigurationSetName="cs", ProtectConfigurationId=resp["ProtectConfigurationArn"]
    )
    assert fake.sets["cs"].protect_configuration_id is None


def test_protect_configuration_ids_are_configurable() -> None:
    fake = V2Service(protect_configuration_ids=["protect-a", "protect-b"])
    client = fake.attach(_client())
    fake.add_set("cs")
    client.associate_protect_configuration(
        ConfigurationSetName="cs", ProtectConfigurationId="protect-b"
    )
    assert fake.sets["cs"].protect_configuration_id == "protect-b"


# ------------------------------------------------------------------ tags


def test_tags(fake: V2Service, client: Any) -> None:
    arn = client.create_configuration_set(
        ConfigurationSetName="cs", Tags=[{"Key": "a", "Value": "1"}]
    )["ConfigurationSetArn"]
    client.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "9"}]
    )
    assert fake.sets["cs"].tags == {"a": "9", "b": "2"}
    client.untag_resource(ResourceArn=arn, TagKeys=["a", "not-there"])
    listed = client.list_tags_for_resource(ResourceArn=arn)
    assert listed["ResourceArn"] == arn
    assert listed["Tags"] == [{"Key": "b", "Value": "2"}]

    for bad in (
        f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:configuration-set/missing",
        f"arn:aws:sms-voice:{REGION}:999999999999:configuration-set/cs",
        f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/pool-123",
    ):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.list_tags_for_resource(ResourceArn=bad)


def test_tag_limit(fake: V2Service, client: Any) -> None:
    fake.add_set("cs", tags={f"k{i}": "v" for i in range(150)})
    arn = fake.sets["cs"].arn
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "w"} for i in range(100)])
    assert len(fake.sets["cs"].tags) == 150
    with pytest.raises(client.exceptions.ServiceQuotaExceededException) as exc:
        client.tag_resource(
            ResourceArn=arn, Tags=[{"Key": f"n{i}", "Value": "v"} for i in range(51)]
        )
    assert exc.value.response["Reason"] == "TAGS_PER_RESOURCE"
    assert len(fake.sets["cs"].tags) == 150


# ------------------------------------------------------- fault injection


def test_fail_next_times(fake: V2Service, client: Any) -> None:
    fake.fail("CreateConfigurationSet", "ThrottlingException", "Rate exceeded", times=2)
    for _ in range(2):
        with pytest.raises(client.exceptions.ThrottlingException) as exc:
            client.create_configuration_set(ConfigurationSetName="cs")
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert exc.value.response["Error"]["Message"] == "Rate exceeded"
        assert fake.sets == {}
    assert fake.pending_faults() == {}
    client.create_configuration_set(ConfigurationSetName="cs")
    assert fake.count("CreateConfigurationSet") == 3
    assert fake.count("create_configuration_set") == 3


def test_fail_on_nth_call(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    fake.fail("create_event_destination", "InternalServerException", on_call=2)
    assert fake.pending_faults() == {"CreateEventDestination": 1}
    _sns(client, "cs", "d1")
    with pytest.raises(client.exceptions.InternalServerException) as exc:
        _sns(client, "cs", "d2")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    _sns(client, "cs", "d3")
    assert list(fake.sets["cs"].event_destinations) == ["d1", "d3"]
    assert fake.call_names() == ["CreateEventDestination"] * 3


def test_fail_with_reason_and_status(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    fake.fail(
        "DeleteConfigurationSet", "AccessDeniedException", Reason="ACCOUNT_DISABLED", status=400
    )
    with pytest.raises(client.exceptions.AccessDeniedException) as exc:
        client.delete_configuration_set(ConfigurationSetName="cs")
    assert exc.value.response["Reason"] == "ACCOUNT_DISABLED"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "cs" in fake.sets
    with pytest.raises(ValueError):
        fake.fail("DeleteConfigurationSet", "ThrottlingException", Reason="X")
    with pytest.raises(ValueError):
        fake.fail("NoSuchOperation", "ThrottlingException")


def test_unmodeled_error_code_is_a_plain_client_error(fake: V2Service, client: Any) -> None:
    fake.fail("DescribeConfigurationSets", "ServiceUnavailable", status=503)
    with pytest.raises(ClientError) as exc:
        client.describe_configuration_sets()
    assert _code(exc) == "ServiceUnavailable"


# ----------------------------------------------------- model validation


def test_botocore_validates_requests_before_the_fake(fake: V2Service, client: Any) -> None:
    with pytest.raises(ParamValidationError):
        client.create_event_destination(  # missing MatchingEventTypes
            ConfigurationSetName="cs", EventDestinationName="d", SnsDestination={"TopicArn": TOPIC}
        )
    with pytest.raises(ParamValidationError):
        client.create_configuration_set(ConfigurationSetName="")  # below min length
    with pytest.raises(ParamValidationError):
        client.set_default_message_feedback_enabled(
            ConfigurationSetName="cs", MessageFeedbackEnabled="yes"
        )
    with pytest.raises(ParamValidationError):
        client.create_configuration_set(ConfigurationSetName="cs", Bogus=1)
    assert fake.calls == []


def test_fake_enforces_constraints_botocore_skips(fake: V2Service, client: Any) -> None:
    # botocore's ParamValidator checks no max lengths, patterns or enums; the service does.
    for name in ("x" * 65, "bad name"):
        with pytest.raises(client.exceptions.ValidationException) as exc:
            client.create_configuration_set(ConfigurationSetName=name)
        assert exc.value.response["Reason"] == "FIELD_VALIDATION_FAILED"
        assert exc.value.response["Fields"][0]["Name"] == "ConfigurationSetName"
    fake.add_set("cs")
    with pytest.raises(client.exceptions.ValidationException):
        client.set_default_message_type(ConfigurationSetName="cs", MessageType="BULK")
    with pytest.raises(client.exceptions.ValidationException):
        client.describe_configuration_sets(MaxResults=101)
    assert fake.sets["cs"].default_message_type is None
    assert fake.count("CreateConfigurationSet") == 2


def test_unknown_operation_is_an_assertion(client: Any) -> None:
    with pytest.raises(AssertionError, match="DescribePools"):
        client.describe_pools()


def test_validate_response_rejects_bad_shapes() -> None:
    model = service_model(SERVICE_NAME).operation_model("DescribeConfigurationSets")
    good = {
        "ConfigurationSets": [
            {
                "ConfigurationSetArn": "arn",
                "ConfigurationSetName": "cs",
                "EventDestinations": [],
                "CreatedTimestamp": datetime.now(),
            }
        ]
    }
    validate_response(model, good)
    missing = {"ConfigurationSets": [{"ConfigurationSetName": "cs"}]}
    with pytest.raises(AssertionError, match="ConfigurationSetArn"):
        validate_response(model, missing)
    wrong_type = {"ConfigurationSets": [{**good["ConfigurationSets"][0], "EventDestinations": {}}]}
    with pytest.raises(AssertionError):
        validate_response(model, wrong_type)
    bad_enum = {"ConfigurationSets": [{**good["ConfigurationSets"][0], "DefaultMessageType": "X"}]}
    with pytest.raises(AssertionError, match="DefaultMessageType"):
        validate_response(model, bad_enum)
    with pytest.raises(AssertionError):
        validate_response(model, {**good, "Extra": 1})


def test_bad_fake_response_is_caught(
    fake: V2Service, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(fake._handlers, "DescribeConfigurationSets", lambda _: {"Bogus": True})
    with pytest.raises(AssertionError, match="DescribeConfigurationSets response"):
        client.describe_configuration_sets()


# ------------------------------------------------ wiring and inspection


def test_out_of_band_helpers_record_no_calls(fake: V2Service, client: Any) -> None:
    fake.add_set("cs", tags={"owner": "someone-else"})
    fake.add_destination("cs", "d1", {"SnsDestination": {"TopicArn": TOPIC}})
    fake.add_destination("cs", "d2", {"SnsDestination": {"TopicArn": TOPIC}})
    fake.remove_destination("cs", "d1")
    info = client.describe_configuration_sets(ConfigurationSetNames=["cs"])["ConfigurationSets"]
    assert [d["EventDestinationName"] for d in info[0]["EventDestinations"]] == ["d2"]
    fake.remove_set("cs")
    assert client.describe_configuration_sets()["ConfigurationSets"] == []
    assert fake.call_names() == ["DescribeConfigurationSets"] * 2


def test_calls_record_wire_params(fake: V2Service, client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="cs")
    ((op, params),) = fake.calls
    assert op == "CreateConfigurationSet"
    assert params["ConfigurationSetName"] == "cs"
    assert "ClientToken" in params  # botocore fills the idempotency token
    assert fake.params_of("CreateConfigurationSet") == [params]


def test_state_is_shared_between_attached_clients(fake: V2Service, client: Any) -> None:
    other = fake.attach(_client())
    client.create_configuration_set(ConfigurationSetName="cs")
    assert other.describe_configuration_sets()["ConfigurationSets"][0]["ConfigurationSetName"] == (
        "cs"
    )
    fake.detach(other)
    with pytest.raises(AssertionError, match="network"):
        other.describe_configuration_sets()


def test_attach_requires_parameter_validation(fake: V2Service) -> None:
    with pytest.raises(ValueError):
        fake.attach(_client(parameter_validation=False))
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    with pytest.raises(ValueError):
        fake.attach(session.client("sns"))


def test_responses_are_copies(fake: V2Service, client: Any) -> None:
    fake.add_set("cs")
    _sns(client, "cs", "d1")
    info = client.describe_configuration_sets()["ConfigurationSets"][0]
    info["EventDestinations"][0]["MatchingEventTypes"].append("ALL")
    assert fake.sets["cs"].event_destinations["d1"].matching_event_types == ["TEXT_DELIVERED"]
