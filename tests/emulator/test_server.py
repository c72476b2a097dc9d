"""The emulator over HTTP, driven by unmodified boto3 clients: every required operation, the
errors and limits of the API models and references, rate limit, faults, sends and events."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from emulator_clients import TOPIC, client, set_with_topic

from cdk_smsvoice.emulator import Emulator

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/events"
LOGS = {"IamRoleArn": ROLE, "LogGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:sms:*"}
FIREHOSE = {
    "IamRoleArn": ROLE,
    "DeliveryStreamArn": f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/lake",
}
PROTECT = "protect-0123456789abcdef"
SNS = {"TopicArn": TOPIC}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, dict[str, Any]]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _events(emulator: Emulator, api: str, set_name: str, dest: str) -> list[dict[str, Any]]:
    assert emulator.data_dir is not None
    base = emulator.data_dir / ACCOUNT / "us-east-1" / "events" / api
    return _lines(base / set_name / f"{dest}.jsonl")


# ------------------------------------------------------------------- v2


def test_v2_configuration_set_lifecycle(emulator: Emulator, v2: Any) -> None:
    created = v2.create_configuration_set(
        ConfigurationSetName="alerts", Tags=[{"Key": "team", "Value": "ops"}]
    )
    arn = created["ConfigurationSetArn"]
    assert arn == f"arn:aws:sms-voice:us-east-1:{ACCOUNT}:configuration-set/alerts"
    v2.create_event_destination(
        ConfigurationSetName="alerts",
        EventDestinationName="topic",
        MatchingEventTypes=["TEXT_DELIVERED"],
        SnsDestination={"TopicArn": TOPIC},
    )
    v2.create_event_destination(
        ConfigurationSetName=arn,  # a name or an ARN
        EventDestinationName="logs",
        MatchingEventTypes=["ALL"],
        CloudWatchLogsDestination=LOGS,
    )
    v2.create_event_destination(
        ConfigurationSetName="alerts",
        EventDestinationName="lake",
        MatchingEventTypes=["VOICE_ALL"],
        KinesisFirehoseDestination=FIREHOSE,
    )
    updated = v2.update_event_destination(
        ConfigurationSetName="alerts",
        EventDestinationName="topic",
        Enabled=False,
        MatchingEventTypes=["TEXT_BLOCKED", "TEXT_DELIVERED"],
    )["EventDestination"]
    assert updated["Enabled"] is False
    v2.set_default_message_type(ConfigurationSetName="alerts", MessageType="TRANSACTIONAL")
    v2.set_default_sender_id(ConfigurationSetName="alerts", SenderId="ACME")
    v2.set_default_message_feedback_enabled(
        ConfigurationSetName="alerts", MessageFeedbackEnabled=True
    )
    v2.associate_protect_configuration(
        ConfigurationSetName="alerts", ProtectConfigurationId=PROTECT
    )
    v2.tag_resource(ResourceArn=arn, Tags=[{"Key": "tier", "Value": "1"}])
    v2.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert v2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "tier", "Value": "1"}]

    (info,) = v2.describe_configuration_sets(ConfigurationSetNames=["alerts"])["ConfigurationSets"]
    assert [d["EventDestinationName"] for d in info["EventDestinations"]] == [
        "topic",
        "logs",
        "lake",
    ]
    assert info["DefaultMessageType"] == "TRANSACTIONAL"
    assert info["DefaultSenderId"] == "ACME"
    assert info["DefaultMessageFeedbackEnabled"] is True
    assert info["ProtectConfigurationId"] == PROTECT
    assert info["EventDestinations"][2]["KinesisFirehoseDestination"] == FIREHOSE

    # the emulator's own state says the same, and it is on disk
    state = emulator.v2().sets["alerts"]
    assert state.tags == {"tier": "1"}
    assert [d.enabled for d in state.event_destinations.values()] == [False, True, True]
    saved = json.loads(
        (emulator.data_dir / ACCOUNT / "us-east-1" / "pinpoint-sms-voice-v2.json").read_text()
    )
    assert saved["sets"][0]["default_sender_id"] == "ACME"

    v2.disassociate_protect_configuration(
        ConfigurationSetName="alerts", ProtectConfigurationId=PROTECT
    )
    v2.delete_default_message_type(ConfigurationSetName="alerts")
    v2.delete_default_sender_id(ConfigurationSetName="alerts")
    v2.delete_event_destination(ConfigurationSetName="alerts", EventDestinationName="lake")
    (info,) = v2.describe_configuration_sets()["ConfigurationSets"]
    assert "DefaultMessageType" not in info and "ProtectConfigurationId" not in info
    assert len(info["EventDestinations"]) == 2
    v2.delete_configuration_set(ConfigurationSetName="alerts")
    assert v2.describe_configuration_sets()["ConfigurationSets"] == []
    assert emulator.v2().sets == {}


def test_v2_describe_filters_and_pagination(v2: Any) -> None:
    for i in range(5):
        v2.create_configuration_set(ConfigurationSetName=f"cs{i}")
    v2.set_default_message_type(ConfigurationSetName="cs3", MessageType="PROMOTIONAL")
    pages = v2.get_paginator("describe_configuration_sets").paginate(
        PaginationConfig={"PageSize": 2}
    )
    names = [c["ConfigurationSetName"] for page in pages for c in page["ConfigurationSets"]]
    assert names == ["cs0", "cs1", "cs2", "cs3", "cs4"]
    filtered = v2.describe_configuration_sets(
        Filters=[{"Name": "default-message-type", "Values": ["PROMOTIONAL"]}]
    )
    assert [c["ConfigurationSetName"] for c in filtered["ConfigurationSets"]] == ["cs3"]
    with pytest.raises(ClientError) as exc:
        v2.describe_configuration_sets(
            Filters=[{"Name": "default-message-type", "Values": ["LOUD"]}]
        )
    assert _error(exc)[2]["Reason"] == "INVALID_FILTER_VALUES"


def test_v2_errors_carry_real_codes_statuses_and_fields(v2: Any) -> None:
    v2.create_configuration_set(ConfigurationSetName="cs")
    with pytest.raises(ClientError) as exc:
        v2.create_configuration_set(ConfigurationSetName="cs")
    code, status, body = _error(exc)
    assert (code, status, body["Reason"], body["ResourceType"]) == (
        "ConflictException",
        409,
        "RESOURCE_ALREADY_EXISTS",
        "configuration-set",
    )
    with pytest.raises(v2.exceptions.ResourceNotFoundException) as exc:
        v2.delete_configuration_set(ConfigurationSetName="nope")
    assert _error(exc)[1:2] == (404,)
    assert exc.value.response["ResourceId"] == "nope"

    for i in range(5):
        v2.create_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName=f"d{i}",
            MatchingEventTypes=["ALL"],
            SnsDestination={"TopicArn": TOPIC},
        )
    with pytest.raises(v2.exceptions.ServiceQuotaExceededException) as exc:
        v2.create_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName="d5",
            MatchingEventTypes=["ALL"],
            SnsDestination={"TopicArn": TOPIC},
        )
    assert exc.value.response["Reason"] == "EVENT_DESTINATIONS_PER_CONFIGURATION_SET"

    with pytest.raises(v2.exceptions.ValidationException) as exc:
        v2.update_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d0", MatchingEventTypes=["TEXT_SENT"]
        )
    assert "TEXT_SENT" in exc.value.response["Error"]["Message"]

    with pytest.raises(v2.exceptions.ConflictException) as exc:
        v2.update_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName="d0",
            CloudWatchLogsDestination=LOGS,
        )
    assert exc.value.response["Reason"] == "EVENT_DESTINATION_MISMATCH"


def test_v2_validates_requests_from_the_model_on_the_server(emulator: Emulator) -> None:
    # botocore's own validation off: what arrives is checked by the emulator alone
    raw = client("pinpoint-sms-voice-v2", emulator.endpoint_url, parameter_validation=False)
    cases = [
        ({"ConfigurationSetName": "x" * 65}, "ConfigurationSetName"),  # max 64
        ({"ConfigurationSetName": "bad name"}, "ConfigurationSetName"),  # pattern
        ({}, "ConfigurationSetName"),  # required
        ({"ConfigurationSetName": 7}, "ConfigurationSetName"),  # type
    ]
    for params, field in cases:
        with pytest.raises(raw.exceptions.ValidationException) as exc:
            raw.create_configuration_set(**params)
        body = exc.value.response
        assert body["Reason"] == "FIELD_VALIDATION_FAILED"
        assert field in body["Error"]["Message"]
        assert body["Fields"], params
    with pytest.raises(raw.exceptions.ValidationException) as exc:
        raw.set_default_message_type(ConfigurationSetName="cs", MessageType="LOUD")  # enum
    assert "MessageType" in exc.value.response["Error"]["Message"]
    assert emulator.v2().sets == {}


def test_tps_throttles_each_operation_separately(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path, tps=0.001) as emu:  # one call per 1000 s per operation
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        v1 = client("pinpoint-sms-voice", emu.endpoint_url)
        v2.create_configuration_set(ConfigurationSetName="a")
        with pytest.raises(v2.exceptions.ThrottlingException) as exc:
            v2.create_configuration_set(ConfigurationSetName="b")
        assert _error(exc)[1] == 400
        v2.describe_configuration_sets()  # another operation has its own budget
        v1.create_configuration_set(ConfigurationSetName="a")
        with pytest.raises(v1.exceptions.TooManyRequestsException) as exc:
            v1.create_configuration_set(ConfigurationSetName="b")
        assert _error(exc)[1] == 429
        assert sorted(emu.v2().sets) == ["a"] and sorted(emu.v1().sets) == ["a"]


def test_fault_injection_on_the_nth_call(emulator: Emulator, v2: Any) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint_url}/_emulator/faults",
        data=json.dumps(
            {
                "api": "v2",
                "operation": "CreateConfigurationSet",
                "code": "InternalServerException",
                "onCall": 2,
            }
        ).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer) == {"pending": {"CreateConfigurationSet": 1}}
    v2.create_configuration_set(ConfigurationSetName="first")
    with pytest.raises(v2.exceptions.InternalServerException) as exc:
        v2.create_configuration_set(ConfigurationSetName="second")
    assert _error(exc)[1] == 500
    v2.create_configuration_set(ConfigurationSetName="third")
    assert sorted(emulator.v2().sets) == ["first", "third"]  # the failed call changed nothing
    emulator.v1().fail("ListConfigurationSets", "TooManyRequestsException")
    v1 = client("pinpoint-sms-voice", emulator.endpoint_url)
    with pytest.raises(v1.exceptions.TooManyRequestsException):
        v1.list_configuration_sets()


def test_sends_emit_events_to_matching_enabled_destinations(emulator: Emulator, v2: Any) -> None:
    v2.create_configuration_set(ConfigurationSetName="cs")
    for name, types, enabled in [
        ("delivered", ["TEXT_DELIVERED"], True),
        ("everything", ["ALL"], True),
        ("voice", ["VOICE_ALL"], True),
        ("off", ["ALL"], False),
    ]:
        v2.create_event_destination(
            ConfigurationSetName="cs",
            EventDestinationName=name,
            MatchingEventTypes=types,
            SnsDestination={"TopicArn": TOPIC},
        )
        if not enabled:
            v2.update_event_destination(
                ConfigurationSetName="cs", EventDestinationName=name, Enabled=False
            )
    text_id = v2.send_text_message(
        ConfigurationSetName="cs",
        DestinationPhoneNumber="+14255550100",
        MessageBody="hello",
        Context={"order": "42"},
    )["MessageId"]
    voice_id = v2.send_voice_message(
        ConfigurationSetName="cs",
        DestinationPhoneNumber="+14255550100",
        OriginationIdentity="+18445550142",
        MessageBody="hello",
    )["MessageId"]
    v2.send_text_message(
        ConfigurationSetName="cs", DestinationPhoneNumber="+14255550100", DryRun=True
    )

    delivered = _events(emulator, "v2", "cs", "delivered")
    assert [(e["eventType"], e["messageId"]) for e in delivered] == [("TEXT_DELIVERED", text_id)]
    assert delivered[0]["context"] == {"order": "42"} and delivered[0]["isFinal"] is True
    everything = _events(emulator, "v2", "cs", "everything")
    assert [e["eventType"] for e in everything] == [
        "TEXT_PENDING",
        "TEXT_QUEUED",
        "TEXT_SUCCESSFUL",
        "TEXT_DELIVERED",
        "VOICE_INITIATED",
        "VOICE_RINGING",
        "VOICE_ANSWERED",
        "VOICE_COMPLETED",
    ]
    assert {e["messageId"] for e in _events(emulator, "v2", "cs", "voice")} == {voice_id}
    assert _events(emulator, "v2", "cs", "off") == []
    assert len(emulator.v2().messages) == 2  # the dry run sent nothing

    with pytest.raises(v2.exceptions.ResourceNotFoundException):
        v2.send_text_message(ConfigurationSetName="nope", DestinationPhoneNumber="+14255550100")


def test_v1_every_operation(emulator: Emulator, v1: Any) -> None:
    v1.create_configuration_set(ConfigurationSetName="calls")
    for i, sink in enumerate(
        [
            {"SnsDestination": {"TopicArn": TOPIC}},
            {"CloudWatchLogsDestination": LOGS},
            {"KinesisFirehoseDestination": FIREHOSE},
        ]
    ):
        v1.create_configuration_set_event_destination(
            ConfigurationSetName="calls",
            EventDestinationName=f"d{i}",
            EventDestination={"Enabled": True, "MatchingEventTypes": ["ANSWERED"], **sink},
        )
    v1.update_configuration_set_event_destination(
        ConfigurationSetName="calls",
        EventDestinationName="d0",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["RINGING", "BUSY"],
            "SnsDestination": {"TopicArn": TOPIC},
        },
    )
    dests = v1.get_configuration_set_event_destinations(ConfigurationSetName="calls")
    assert [d["Name"] for d in dests["EventDestinations"]] == ["d0", "d1", "d2"]
    assert v1.list_configuration_sets()["ConfigurationSets"] == ["calls"]
    message_id = v1.send_voice_message(
        ConfigurationSetName="calls",
        OriginationPhoneNumber="+18445550142",
        DestinationPhoneNumber="+12065550123",
        Content={"SSMLMessage": {"LanguageCode": "en-US", "Text": "<speak>Hi</speak>"}},
    )["MessageId"]
    ringing = _events(emulator, "v1", "calls", "d0")
    assert [(e["eventType"], e["messageId"]) for e in ringing] == [("RINGING", message_id)]
    assert [e["eventType"] for e in _events(emulator, "v1", "calls", "d1")] == ["ANSWERED"]

    with pytest.raises(v1.exceptions.BadRequestException):  # sink type cannot change in place
        v1.update_configuration_set_event_destination(
            ConfigurationSetName="calls",
            EventDestinationName="d0",
            EventDestination={"MatchingEventTypes": ["BUSY"], "CloudWatchLogsDestination": LOGS},
        )
    v1.delete_configuration_set_event_destination(
        ConfigurationSetName="calls", EventDestinationName="d2"
    )
    v1.delete_configuration_set(ConfigurationSetName="calls")
    with pytest.raises(v1.exceptions.NotFoundException) as exc:
        v1.get_configuration_set_event_destinations(ConfigurationSetName="calls")
    assert _error(exc)[1] == 404
    assert emulator.v1().sets == {}


def test_v1_limits(v1: Any) -> None:
    v1.create_configuration_set(ConfigurationSetName="calls")
    with pytest.raises(v1.exceptions.AlreadyExistsException) as exc:
        v1.create_configuration_set(ConfigurationSetName="calls")
    assert _error(exc)[1] == 409
    for i in range(10):
        v1.create_configuration_set_event_destination(
            ConfigurationSetName="calls",
            EventDestinationName=f"d{i}",
            EventDestination={
                "MatchingEventTypes": ["BUSY"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
        )
    with pytest.raises(v1.exceptions.LimitExceededException) as exc:
        v1.create_configuration_set_event_destination(
            ConfigurationSetName="calls",
            EventDestinationName="d10",
            EventDestination={
                "MatchingEventTypes": ["BUSY"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
        )
    assert _error(exc)[1] == 412


def test_accounts_and_regions_are_separate(emulator: Emulator) -> None:
    home = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
    other_region = client("pinpoint-sms-voice-v2", emulator.endpoint_url, region="eu-west-1")
    other_account = client("pinpoint-sms-voice-v2", emulator.endpoint_url, key_id="111111111111")
    home.create_configuration_set(ConfigurationSetName="cs")
    assert other_region.describe_configuration_sets()["ConfigurationSets"] == []
    arn = other_account.create_configuration_set(ConfigurationSetName="cs")["ConfigurationSetArn"]
    assert arn == "arn:aws:sms-voice:us-east-1:111111111111:configuration-set/cs"
    assert sorted(emulator.snapshot()) == ["111111111111/us-east-1", f"{ACCOUNT}/us-east-1"]


def test_restart_on_the_same_data_dir_sees_the_same_state(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path) as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        set_with_topic(v2, "kept")
        before = v2.describe_configuration_sets()["ConfigurationSets"]
    with Emulator(data_dir=tmp_path) as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        assert v2.describe_configuration_sets()["ConfigurationSets"] == before
        assert (
            emu.snapshot()[f"{ACCOUNT}/us-east-1"]["pinpoint-sms-voice-v2"]["sets"][0]["name"]
            == "kept"
        )


def test_unknown_operations_get_a_clear_error(emulator: Emulator) -> None:
    v2 = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
    with pytest.raises(ClientError) as exc:
        v2.describe_account_limits()
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "lacks pinpoint-sms-voice-v2 DescribeAccountLimits" in str(exc.value)


def test_client_token_makes_creates_idempotent_across_restarts(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path) as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        first = v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="token-1")
        dest = {
            "ConfigurationSetName": "cs",
            "EventDestinationName": "d",
            "MatchingEventTypes": ["ALL"],
            "SnsDestination": SNS,
            "ClientToken": "token-2",
        }
        v2.create_event_destination(**dest)
    with Emulator(data_dir=tmp_path) as emu:  # a retry after a lost response, after a restart
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        again = v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="token-1")
        assert again["ConfigurationSetArn"] == first["ConfigurationSetArn"]
        assert again["CreatedTimestamp"] == first["CreatedTimestamp"]
        v2.create_event_destination(**dest)
        assert list(emu.v2().sets["cs"].event_destinations) == ["d"]
        with pytest.raises(v2.exceptions.ConflictException):  # same token, other parameters
            v2.create_configuration_set(ConfigurationSetName="other", ClientToken="token-1")
        with pytest.raises(v2.exceptions.ConflictException) as exc:  # a new token: a new create
            v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="token-3")
        assert exc.value.response["Reason"] == "RESOURCE_ALREADY_EXISTS"


def test_a_lost_response_takes_effect_and_drops_the_connection(emulator: Emulator) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint_url}/_emulator/faults",
        data=json.dumps(
            {"api": "v1", "operation": "CreateConfigurationSet", "loseResponse": True}
        ).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).close()
    v1 = client("pinpoint-sms-voice", emulator.endpoint_url)
    with pytest.raises(ConnectionClosedError):
        v1.create_configuration_set(ConfigurationSetName="calls")
    assert list(emulator.v1().sets) == ["calls"]  # it took effect
    with pytest.raises(v1.exceptions.AlreadyExistsException):  # a blind retry conflicts
        v1.create_configuration_set(ConfigurationSetName="calls")
    assert v1.list_configuration_sets()["ConfigurationSets"] == ["calls"]  # the server is fine


def test_each_api_reads_back_only_its_own_messages(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path) as emu:
        client("pinpoint-sms-voice-v2", emu.endpoint_url).send_text_message(
            DestinationPhoneNumber="+14255550100", MessageBody="text"
        )
        client("pinpoint-sms-voice", emu.endpoint_url).send_voice_message(
            OriginationPhoneNumber="+18445550142", DestinationPhoneNumber="+14255550100"
        )
        before = (emu.v1().messages, emu.v2().messages)
    with Emulator(data_dir=tmp_path) as emu:
        assert [m["api"] for m in emu.v2().messages] == ["v2"]
        assert [m["api"] for m in emu.v1().messages] == ["v1"]
        assert (emu.v1().messages, emu.v2().messages) == before
