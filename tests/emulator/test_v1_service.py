"""Tests of the in-memory ``pinpoint-sms-voice`` (v1) fake, driven through a real boto3 client."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import StringShape, StructureShape

from cdk_smsvoice.emulator.errors import ServiceError
from cdk_smsvoice.emulator.model_checks import service_model, validate_response
from cdk_smsvoice.emulator.v1 import (
    EVENT_TYPES,
    MAX_CONFIGURATION_SETS,
    SERVICE_NAME,
    SINK_MEMBERS,
    V1Service,
    default_status,
)
from cdk_smsvoice.emulator.wire import WireCall, decode_botocore_request


def decode_request(request: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    call: WireCall = decode_botocore_request(service_model(SERVICE_NAME), request)
    return call.operation, call.params, call.problem


ACCOUNT = "123456789012"
REGION = "us-east-1"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:voice-events"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/voice-events"
SNS = {"SnsDestination": {"TopicArn": TOPIC}}
LOGS = {
    "CloudWatchLogsDestination": {
        "IamRoleArn": ROLE,
        "LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:voice",
    }
}
FIREHOSE = {
    "KinesisFirehoseDestination": {
        "IamRoleArn": ROLE,
        "DeliveryStreamArn": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/voice",
    }
}
SET_PATH = "/v1/sms-voice/configuration-sets"


def _no_network(**kwargs: Any) -> None:
    raise AssertionError("a request escaped the fake and would have hit the network")


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def _client(**config: Any) -> Any:
    client = _session().client("pinpoint-sms-voice", config=Config(**config) if config else None)
    client.meta.events.register("before-send", _no_network)
    return client


class VirtualClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> V1Service:
    return V1Service(account=ACCOUNT, region=REGION)


@pytest.fixture
def client(fake: V1Service) -> Any:
    return fake.attach(_client())


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _create_dest(
    client: Any,
    conf: str,
    name: str,
    sink: Mapping[str, Any] | None = None,
    types: list[str] | None = None,
    **definition: Any,
) -> dict[str, Any]:
    result: dict[str, Any] = client.create_configuration_set_event_destination(
        ConfigurationSetName=conf,
        EventDestinationName=name,
        EventDestination={
            "MatchingEventTypes": types or ["COMPLETED_CALL", "FAILED"],
            **(SNS if sink is None else sink),
            **definition,
        },
    )
    return result


def _destinations(client: Any, conf: str) -> list[dict[str, Any]]:
    resp = client.get_configuration_set_event_destinations(ConfigurationSetName=conf)
    dests: list[dict[str, Any]] = resp["EventDestinations"]
    return dests


def _names(fake: V1Service, conf: str) -> list[str]:
    return list(fake.sets[conf].event_destinations)


# ------------------------------------------------------------ model facts


def test_constants_agree_with_botocore_model() -> None:
    event_type = service_model(SERVICE_NAME).shape_for("EventType")
    assert isinstance(event_type, StringShape)
    # the seven voice event types of the v1 API reference (shared/seeds), in its order
    documented = [
        "INITIATED_CALL",
        "RINGING",
        "ANSWERED",
        "COMPLETED_CALL",
        "BUSY",
        "FAILED",
        "NO_ANSWER",
    ]
    assert list(EVENT_TYPES) == event_type.enum == documented
    definition = service_model(SERVICE_NAME).shape_for("EventDestinationDefinition")
    assert isinstance(definition, StructureShape)
    assert set(SINK_MEMBERS) <= set(definition.members)
    assert {
        code: default_status(code)
        for code in (
            "TooManyRequestsException",
            "InternalServiceErrorException",
            "BadRequestException",
            "NotFoundException",
            "AlreadyExistsException",
            "LimitExceededException",
        )
    } == {
        "TooManyRequestsException": 429,
        "InternalServiceErrorException": 500,
        "BadRequestException": 400,
        "NotFoundException": 404,
        "AlreadyExistsException": 409,
        "LimitExceededException": 412,
    }
    assert default_status("InternalServerErrorException") == 500
    assert default_status("SomethingElse") == 400


# ------------------------------------------------------- configuration sets


def test_create_list_delete_round_trip(fake: V1Service, client: Any) -> None:
    created = client.create_configuration_set(ConfigurationSetName="voice-a")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(created) == {"ResponseMetadata"}  # the response body is an empty object
    client.create_configuration_set(ConfigurationSetName="voice_b")
    assert list(fake.sets) == ["voice-a", "voice_b"]

    listed = client.list_configuration_sets()
    assert listed["ConfigurationSets"] == ["voice-a", "voice_b"]
    assert "NextToken" not in listed

    deleted = client.delete_configuration_set(ConfigurationSetName="voice-a")
    assert set(deleted) == {"ResponseMetadata"}
    assert client.list_configuration_sets()["ConfigurationSets"] == ["voice_b"]
    assert fake.call_names() == [
        "CreateConfigurationSet",
        "CreateConfigurationSet",
        "ListConfigurationSets",
        "DeleteConfigurationSet",
        "ListConfigurationSets",
    ]


def test_create_existing_set_is_already_exists(fake: V1Service, client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="cs")
    fake.add_destination("cs", "keep", SNS)
    with pytest.raises(client.exceptions.AlreadyExistsException) as exc:
        client.create_configuration_set(ConfigurationSetName="cs")
    assert _error(exc) == ("AlreadyExistsException", 409)
    assert exc.value.response["Message"] == exc.value.response["Error"]["Message"]
    assert "cs" in exc.value.response["Error"]["Message"]
    assert _names(fake, "cs") == ["keep"]  # the existing set is untouched


def test_configuration_set_limit(fake: V1Service, client: Any) -> None:
    for i in range(MAX_CONFIGURATION_SETS - 1):
        fake.add_set(f"s{i}")
    client.create_configuration_set(ConfigurationSetName="last-one")
    assert len(fake.sets) == MAX_CONFIGURATION_SETS == 10_000
    with pytest.raises(client.exceptions.LimitExceededException) as exc:
        client.create_configuration_set(ConfigurationSetName="one-too-many")
    assert _error(exc) == ("LimitExceededException", 412)
    assert "one-too-many" not in fake.sets
    client.delete_configuration_set(ConfigurationSetName="s0")
    client.create_configuration_set(ConfigurationSetName="one-too-many")
    assert len(fake.sets) == 10_000


def test_delete_missing_set_is_not_found(fake: V1Service, client: Any) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as exc:
        client.delete_configuration_set(ConfigurationSetName="absent")
    assert _error(exc) == ("NotFoundException", 404)
    assert fake.outcomes == [("DeleteConfigurationSet", 404, "NotFoundException")]


def test_delete_set_removes_its_destinations(fake: V1Service, client: Any) -> None:
    client.create_configuration_set(ConfigurationSetName="cs")
    _create_dest(client, "cs", "d1")
    _create_dest(client, "cs", "d2", LOGS)
    client.delete_configuration_set(ConfigurationSetName="cs")
    assert fake.sets == {}
    with pytest.raises(client.exceptions.NotFoundException):
        _destinations(client, "cs")
    client.create_configuration_set(ConfigurationSetName="cs")
    assert _destinations(client, "cs") == []


@pytest.mark.parametrize(
    "name", ["", "x" * 65, "bad name", "dots.are.bad", "slash/bad", "ünïcode", "tab\t"]
)
def test_invalid_set_names_are_bad_requests(fake: V1Service, client: Any, name: str) -> None:
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_configuration_set(ConfigurationSetName=name)
    assert _error(exc) == ("BadRequestException", 400)
    fake.add_set("ok")
    with pytest.raises(client.exceptions.BadRequestException):
        _create_dest(client, "ok", name)
    with pytest.raises(client.exceptions.BadRequestException):
        client.delete_configuration_set(ConfigurationSetName=name)
    assert list(fake.sets) == ["ok"]
    assert fake.sets["ok"].event_destinations == {}


def test_boundary_names_are_accepted(fake: V1Service, client: Any) -> None:
    for name in ("a", "x" * 64, "Az09_-"):
        client.create_configuration_set(ConfigurationSetName=name)
        _create_dest(client, name, name)
    assert list(fake.sets) == ["a", "x" * 64, "Az09_-"]


def test_create_set_requires_a_name(fake: V1Service, client: Any) -> None:
    # the model does not mark ConfigurationSetName as required; the reference does
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_configuration_set()
    assert "ConfigurationSetName is required" in exc.value.response["Error"]["Message"]
    assert fake.params_of("CreateConfigurationSet") == [{}]


# ---------------------------------------------------------------- pagination


def test_list_pagination(fake: V1Service, client: Any) -> None:
    for i in range(5):
        fake.add_set(f"cs{i}")
    seen: list[list[str]] = []
    kwargs: dict[str, str] = {"PageSize": "2"}
    while True:
        page = client.list_configuration_sets(**kwargs)
        seen.append(page["ConfigurationSets"])
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert seen == [["cs0", "cs1"], ["cs2", "cs3"], ["cs4"]]
    # PageSize and NextToken travelled in the encoded query string
    last = fake.requests[-1]
    assert (last.method, last.path, last.body) == ("GET", SET_PATH, b"")
    assert dict(last.query) == {"PageSize": "2", "NextToken": kwargs["NextToken"]}
    assert fake.params_of("list_configuration_sets")[0] == {"PageSize": "2"}

    exact = client.list_configuration_sets(PageSize="5")
    assert exact["ConfigurationSets"] == [f"cs{i}" for i in range(5)]
    assert "NextToken" not in exact


@pytest.mark.parametrize("size", ["0", "-1", "abc", "1.5", ""])
def test_invalid_page_size_is_a_bad_request(client: Any, size: str) -> None:
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.list_configuration_sets(PageSize=size)
    assert _error(exc) == ("BadRequestException", 400)


@pytest.mark.parametrize("token", ["garbage!", "e30=", "eyJvZmZzZXQiOiAtMX0="])
def test_invalid_next_token_is_a_bad_request(client: Any, token: str) -> None:
    # "e30=" is {} and the last one is {"offset": -1}
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.list_configuration_sets(NextToken=token)
    assert _error(exc) == ("BadRequestException", 400)


def test_default_page_size_is_configurable() -> None:
    fake = V1Service(default_page_size=1)
    client = fake.attach(_client())
    fake.add_set("a")
    fake.add_set("b")
    page = client.list_configuration_sets()
    assert page["ConfigurationSets"] == ["a"]
    assert client.list_configuration_sets(NextToken=page["NextToken"])["ConfigurationSets"] == ["b"]
    with pytest.raises(ValueError):
        V1Service(default_page_size=0)


# -------------------------------------------------------- event destinations


def test_get_event_destinations(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    assert _destinations(client, "cs") == []
    _create_dest(client, "cs", "sns", SNS, ["BUSY"], Enabled=True)
    _create_dest(client, "cs", "logs", LOGS, list(EVENT_TYPES), Enabled=False)
    _create_dest(client, "cs", "firehose", FIREHOSE, ["NO_ANSWER", "RINGING"], Enabled=True)
    assert _destinations(client, "cs") == [
        {"Name": "sns", "Enabled": True, "MatchingEventTypes": ["BUSY"], **SNS},
        {"Name": "logs", "Enabled": False, "MatchingEventTypes": list(EVENT_TYPES), **LOGS},
        {
            "Name": "firehose",
            "Enabled": True,
            "MatchingEventTypes": ["NO_ANSWER", "RINGING"],
            **FIREHOSE,
        },
    ]
    with pytest.raises(client.exceptions.NotFoundException) as exc:
        _destinations(client, "absent")
    assert _error(exc) == ("NotFoundException", 404)


def test_create_destination_wire_request(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    _create_dest(client, "cs", "d1", Enabled=True)
    wire = fake.requests[-1]
    assert (wire.method, wire.path) == ("POST", f"{SET_PATH}/cs/event-destinations")
    assert fake.params_of("CreateConfigurationSetEventDestination") == [
        {
            "ConfigurationSetName": "cs",
            "EventDestinationName": "d1",
            "EventDestination": {
                "MatchingEventTypes": ["COMPLETED_CALL", "FAILED"],
                "Enabled": True,
                **SNS,
            },
        }
    ]


def test_omitted_enabled_means_disabled(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    _create_dest(client, "cs", "d1")
    assert _destinations(client, "cs")[0]["Enabled"] is False
    assert fake.sets["cs"].event_destinations["d1"].enabled is False


def test_default_enabled_is_configurable() -> None:
    fake = V1Service(default_enabled=True)
    client = fake.attach(_client())
    fake.add_set("cs")
    _create_dest(client, "cs", "d1")
    _create_dest(client, "cs", "d2", Enabled=False)
    assert [d["Enabled"] for d in _destinations(client, "cs")] == [True, False]


def test_create_destination_errors(fake: V1Service, client: Any) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as nf:
        _create_dest(client, "absent", "d1")
    assert _error(nf) == ("NotFoundException", 404)
    fake.add_set("cs")
    _create_dest(client, "cs", "d1")
    with pytest.raises(client.exceptions.AlreadyExistsException) as exists:
        _create_dest(client, "cs", "d1", LOGS)
    assert _error(exists) == ("AlreadyExistsException", 409)
    assert fake.sets["cs"].event_destinations["d1"].sink_type == "SnsDestination"
    assert _names(fake, "cs") == ["d1"]


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"MatchingEventTypes": ["BUSY"]}, "Exactly one of"),
        ({"MatchingEventTypes": ["BUSY"], **SNS, **LOGS}, "Exactly one of"),
        ({"MatchingEventTypes": ["BUSY"], **SNS, **LOGS, **FIREHOSE}, "Exactly one of"),
        ({"MatchingEventTypes": [], **SNS}, "at least one event type"),
        ({**SNS}, "at least one event type"),
        ({"MatchingEventTypes": ["TEXT_DELIVERED"], **SNS}, "MatchingEventTypes"),
        ({"MatchingEventTypes": ["BUSY", "busy"], **SNS}, "MatchingEventTypes"),
        ({"MatchingEventTypes": ["BUSY"], "SnsDestination": {}}, "TopicArn"),
        (
            {"MatchingEventTypes": ["BUSY"], "CloudWatchLogsDestination": {"IamRoleArn": ROLE}},
            "LogGroupArn",
        ),
        (
            {"MatchingEventTypes": ["BUSY"], "KinesisFirehoseDestination": {"IamRoleArn": ROLE}},
            "DeliveryStreamArn",
        ),
    ],
)
def test_invalid_definitions_are_bad_requests(
    fake: V1Service, client: Any, definition: dict[str, Any], message: str
) -> None:
    fake.add_set("cs")
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d1", EventDestination=definition
        )
    assert _error(exc) == ("BadRequestException", 400)
    assert message in exc.value.response["Error"]["Message"]
    assert fake.sets["cs"].event_destinations == {}


def test_create_destination_requires_name_and_definition(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    with pytest.raises(client.exceptions.BadRequestException) as no_name:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestination={"MatchingEventTypes": ["BUSY"], **SNS}
        )
    assert "EventDestinationName is required" in no_name.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.BadRequestException) as no_definition:
        client.create_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d1"
        )
    assert "EventDestination is required" in no_definition.value.response["Error"]["Message"]
    assert fake.sets["cs"].event_destinations == {}


def test_event_destination_limit_is_ten(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    for i in range(10):
        _create_dest(client, "cs", f"d{i}")
    with pytest.raises(client.exceptions.LimitExceededException) as exc:
        _create_dest(client, "cs", "d10")
    assert _error(exc) == ("LimitExceededException", 412)
    assert _names(fake, "cs") == [f"d{i}" for i in range(10)]
    # an existing name still reports the conflict first
    with pytest.raises(client.exceptions.AlreadyExistsException):
        _create_dest(client, "cs", "d0")
    # the limit is per set
    fake.add_set("other")
    _create_dest(client, "other", "d10")
    client.delete_configuration_set_event_destination(
        ConfigurationSetName="cs", EventDestinationName="d3"
    )
    _create_dest(client, "cs", "d10")
    assert len(fake.sets["cs"].event_destinations) == 10


def test_update_destination_replaces_it(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    _create_dest(client, "cs", "logs", LOGS, ["BUSY"], Enabled=True)
    other_group = {
        "CloudWatchLogsDestination": {
            "IamRoleArn": ROLE,
            "LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:other",
        }
    }
    resp = client.update_configuration_set_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="logs",
        EventDestination={"MatchingEventTypes": ["ANSWERED", "FAILED"], **other_group},
    )
    assert set(resp) == {"ResponseMetadata"}
    wire = fake.requests[-1]
    assert (wire.method, wire.path) == ("PUT", f"{SET_PATH}/cs/event-destinations/logs")
    # a full replacement: the omitted Enabled reverts to the default (disabled)
    assert _destinations(client, "cs") == [
        {"Name": "logs", "Enabled": False, "MatchingEventTypes": ["ANSWERED", "FAILED"]}
        | other_group
    ]
    client.update_configuration_set_event_destination(
        ConfigurationSetName="cs",
        EventDestinationName="logs",
        EventDestination={"MatchingEventTypes": ["BUSY"], "Enabled": True, **other_group},
    )
    assert fake.sets["cs"].event_destinations["logs"].enabled is True


def test_update_cannot_change_the_sink_type(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    _create_dest(client, "cs", "d1", LOGS, ["BUSY"], Enabled=True)
    before = _destinations(client, "cs")
    for sink in (SNS, FIREHOSE):
        with pytest.raises(client.exceptions.BadRequestException) as exc:
            client.update_configuration_set_event_destination(
                ConfigurationSetName="cs",
                EventDestinationName="d1",
                EventDestination={"MatchingEventTypes": ["FAILED"], "Enabled": False, **sink},
            )
        assert _error(exc) == ("BadRequestException", 400)
        assert "cannot be changed" in exc.value.response["Error"]["Message"]
    assert _destinations(client, "cs") == before
    # the way to change it: delete, then create
    client.delete_configuration_set_event_destination(
        ConfigurationSetName="cs", EventDestinationName="d1"
    )
    _create_dest(client, "cs", "d1", FIREHOSE, ["FAILED"], Enabled=True)
    assert fake.sets["cs"].event_destinations["d1"].sink_type == "KinesisFirehoseDestination"


def test_update_errors(fake: V1Service, client: Any) -> None:
    definition = {"MatchingEventTypes": ["BUSY"], **SNS}
    with pytest.raises(client.exceptions.NotFoundException) as no_set:
        client.update_configuration_set_event_destination(
            ConfigurationSetName="absent", EventDestinationName="d1", EventDestination=definition
        )
    assert _error(no_set) == ("NotFoundException", 404)
    fake.add_set("cs")
    with pytest.raises(client.exceptions.NotFoundException) as no_dest:
        client.update_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d1", EventDestination=definition
        )
    assert _error(no_dest) == ("NotFoundException", 404)
    _create_dest(client, "cs", "d1")
    for bad in ({"MatchingEventTypes": ["BUSY"]}, {"Enabled": True, **SNS}, None):
        kwargs = {} if bad is None else {"EventDestination": bad}
        with pytest.raises(client.exceptions.BadRequestException):
            client.update_configuration_set_event_destination(
                ConfigurationSetName="cs", EventDestinationName="d1", **kwargs
            )
    assert fake.sets["cs"].event_destinations["d1"].matching_event_types == [
        "COMPLETED_CALL",
        "FAILED",
    ]


def test_delete_destination(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    _create_dest(client, "cs", "d1")
    _create_dest(client, "cs", "d2")
    resp = client.delete_configuration_set_event_destination(
        ConfigurationSetName="cs", EventDestinationName="d1"
    )
    assert set(resp) == {"ResponseMetadata"}
    wire = fake.requests[-1]
    assert (wire.method, wire.path, wire.body) == (
        "DELETE",
        f"{SET_PATH}/cs/event-destinations/d1",
        b"",
    )
    assert _names(fake, "cs") == ["d2"]
    with pytest.raises(client.exceptions.NotFoundException) as again:
        client.delete_configuration_set_event_destination(
            ConfigurationSetName="cs", EventDestinationName="d1"
        )
    assert _error(again) == ("NotFoundException", 404)
    with pytest.raises(client.exceptions.NotFoundException):
        client.delete_configuration_set_event_destination(
            ConfigurationSetName="absent", EventDestinationName="d2"
        )


# ------------------------------------------------------------ voice messages


def test_send_voice_message(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    content = {"SSMLMessage": {"Text": "<speak>Hi</speak>", "LanguageCode": "en-US"}}
    resp = client.send_voice_message(
        OriginationPhoneNumber="+12065550100",
        DestinationPhoneNumber="+12065550142",
        ConfigurationSetName="cs",
        CallerId="+12065550199",
        Content=content,
    )
    (message,) = fake.voice_messages
    assert resp["MessageId"] == message.message_id
    assert message.configuration_set_name == "cs"
    assert message.caller_id == "+12065550199"
    assert message.content == content
    # the configuration set is optional
    client.send_voice_message(
        OriginationPhoneNumber="+12065550100",
        DestinationPhoneNumber="+12065550142",
        Content={"PlainTextMessage": {"Text": "Hello"}},
    )
    assert fake.voice_messages[1].configuration_set_name is None
    assert len({m.message_id for m in fake.voice_messages}) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ConfigurationSetName": "absent"}, "does not exist"),
        ({"ConfigurationSetName": "bad name"}, "Invalid configuration set name"),
        ({"OriginationPhoneNumber": ""}, "OriginationPhoneNumber is required"),
        ({"DestinationPhoneNumber": None}, "DestinationPhoneNumber is required"),
        ({"Content": {"PlainTextMessage": {"Text": ""}}}, "Text is required"),
        ({"Content": {"SSMLMessage": {"VoiceId": "Joanna"}}}, "Text is required"),
        ({"Content": {"PlainTextMessage": {"Text": "x" * 6001}}}, "at most 6000"),
    ],
)
def test_send_voice_message_bad_requests(
    fake: V1Service, client: Any, kwargs: dict[str, Any], message: str
) -> None:
    params: dict[str, Any] = {
        "OriginationPhoneNumber": "+12065550100",
        "DestinationPhoneNumber": "+12065550142",
        "Content": {"PlainTextMessage": {"Text": "Hello"}},
        **kwargs,
    }
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.send_voice_message(**{k: v for k, v in params.items() if v is not None})
    assert _error(exc) == ("BadRequestException", 400)
    assert message in exc.value.response["Error"]["Message"]
    assert fake.voice_messages == []


def test_longest_voice_message_is_accepted(fake: V1Service, client: Any) -> None:
    client.send_voice_message(
        OriginationPhoneNumber="+12065550100",
        DestinationPhoneNumber="+12065550142",
        Content={"PlainTextMessage": {"Text": "x" * 6000}},
    )
    assert len(fake.voice_messages) == 1


# ---------------------------------------------------------- fault injection


def test_fail_next_times(fake: V1Service, client: Any) -> None:
    fake.fail("CreateConfigurationSet", "TooManyRequestsException", "Slow down", times=2)
    assert fake.pending_faults() == {"CreateConfigurationSet": 2}
    for _ in range(2):
        with pytest.raises(client.exceptions.TooManyRequestsException) as exc:
            client.create_configuration_set(ConfigurationSetName="cs")
        assert _error(exc) == ("TooManyRequestsException", 429)
        assert exc.value.response["Error"]["Message"] == "Slow down"
        assert exc.value.response["ResponseMetadata"]["RetryAttempts"] == 0
        assert fake.sets == {}
    assert fake.pending_faults() == {}
    client.create_configuration_set(ConfigurationSetName="cs")
    assert fake.count("CreateConfigurationSet") == 3
    assert fake.count("create_configuration_set") == 3
    assert [status for _, status, _ in fake.outcomes] == [429, 429, 200]


def test_fail_on_nth_call(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    fake.fail(
        "create_configuration_set_event_destination", "InternalServiceErrorException", on_call=2
    )
    _create_dest(client, "cs", "d1")
    with pytest.raises(client.exceptions.InternalServiceErrorException) as exc:
        _create_dest(client, "cs", "d2")
    assert _error(exc) == ("InternalServiceErrorException", 500)
    _create_dest(client, "cs", "d3")
    assert _names(fake, "cs") == ["d1", "d3"]
    assert fake.call_names() == ["CreateConfigurationSetEventDestination"] * 3


def test_fail_counts_only_the_named_operation(fake: V1Service, client: Any) -> None:
    fake.fail("ListConfigurationSets", "BadRequestException", on_call=2, times=2)
    client.create_configuration_set(ConfigurationSetName="cs")
    client.list_configuration_sets()
    for _ in range(2):
        with pytest.raises(client.exceptions.BadRequestException):
            client.list_configuration_sets()
    assert client.list_configuration_sets()["ConfigurationSets"] == ["cs"]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("NotFoundException", 404),
        ("AlreadyExistsException", 409),
        ("LimitExceededException", 412),
        ("BadRequestException", 400),
    ],
)
def test_fail_uses_model_statuses(client: Any, fake: V1Service, code: str, status: int) -> None:
    fake.fail("GetConfigurationSetEventDestinations", code)
    with pytest.raises(getattr(client.exceptions, code)) as exc:
        client.get_configuration_set_event_destinations(ConfigurationSetName="cs")
    assert _error(exc) == (code, status)


def test_fail_with_status_override_and_unmodeled_code(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    fake.fail("DeleteConfigurationSet", "TooManyRequestsException", status=503)
    with pytest.raises(client.exceptions.TooManyRequestsException) as exc:
        client.delete_configuration_set(ConfigurationSetName="cs")
    assert _error(exc) == ("TooManyRequestsException", 503)
    assert "cs" in fake.sets
    fake.fail("DeleteConfigurationSet", "InternalServerErrorException")
    with pytest.raises(ClientError) as plain:
        client.delete_configuration_set(ConfigurationSetName="cs")
    assert type(plain.value) is ClientError
    assert _error(plain) == ("InternalServerErrorException", 500)
    assert "cs" in fake.sets


def test_fail_rejects_bad_arguments(fake: V1Service) -> None:
    with pytest.raises(ValueError):
        fake.fail("NoSuchOperation", "BadRequestException")
    with pytest.raises(ValueError):
        fake.fail("ListConfigurationSets", "BadRequestException", times=0)
    with pytest.raises(ValueError):
        fake.fail("ListConfigurationSets", "BadRequestException", on_call=0)
    assert fake.pending_faults() == {}


# ---------------------------------------------------------------- rate limit


def test_rate_limit() -> None:
    clock = VirtualClock()
    fake = V1Service(clock=clock, tps=1.0, rate_scope="account")
    client = fake.attach(_client())
    client.create_configuration_set(ConfigurationSetName="cs")  # t=0.0
    clock.now = 0.5
    with pytest.raises(client.exceptions.TooManyRequestsException) as exc:
        client.create_configuration_set(ConfigurationSetName="other")
    assert _error(exc) == ("TooManyRequestsException", 429)
    assert "other" not in fake.sets
    clock.now = 0.99  # a throttled call does not move the window: still < 1s after t=0
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.list_configuration_sets()  # the limit is across operations
    clock.now = 1.0
    assert client.list_configuration_sets()["ConfigurationSets"] == ["cs"]
    clock.now = 1.9
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.get_configuration_set_event_destinations(ConfigurationSetName="cs")
    clock.now = 3.0
    client.create_configuration_set(ConfigurationSetName="other")
    assert list(fake.sets) == ["cs", "other"]
    assert fake.count("CreateConfigurationSet") == 3  # throttled calls are recorded
    assert [(op, status) for op, status, _ in fake.outcomes] == [
        ("CreateConfigurationSet", 200),
        ("CreateConfigurationSet", 429),
        ("ListConfigurationSets", 429),
        ("ListConfigurationSets", 200),
        ("GetConfigurationSetEventDestinations", 429),
        ("CreateConfigurationSet", 200),
    ]


def test_rate_limit_with_fractional_interval() -> None:
    clock = VirtualClock()
    fake = V1Service(clock=clock, tps=3.0, rate_scope="account")
    client = fake.attach(_client())
    for i in range(6):
        clock.now = i / 3
        client.list_configuration_sets()
    clock.now += 0.3
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.list_configuration_sets()
    assert [status for _, status, _ in fake.outcomes] == [200] * 6 + [429]


def test_throttled_calls_do_not_count_towards_faults() -> None:
    clock = VirtualClock()
    fake = V1Service(clock=clock, tps=1.0, rate_scope="account")
    client = fake.attach(_client())
    fake.fail("ListConfigurationSets", "InternalServiceErrorException", on_call=2)
    client.list_configuration_sets()
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.list_configuration_sets()
    clock.now = 1.0
    with pytest.raises(client.exceptions.InternalServiceErrorException):
        client.list_configuration_sets()
    assert [code for _, _, code in fake.outcomes] == [
        None,
        "TooManyRequestsException",
        "InternalServiceErrorException",
    ]


def test_rate_limit_is_off_by_default(fake: V1Service, client: Any) -> None:
    for _ in range(20):
        client.list_configuration_sets()
    assert [status for _, status, _ in fake.outcomes] == [200] * 20
    with pytest.raises(ValueError):
        V1Service(tps=0, rate_scope="account")


# ----------------------------------------------------------- wire decoding


def _tamper(client: Any, operation: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the serialized request after botocore built it, before the fake sees it."""

    def handler(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == operation:
            change(params)

    # same event name as the fake, so register_first orders it before the fake
    client.meta.events.register_first("before-call.pinpoint-sms-voice.*", handler)


def test_fake_reads_the_serialized_body(fake: V1Service, client: Any) -> None:
    def rename(params: dict[str, Any]) -> None:
        params["body"] = params["body"].replace(b'"asked"', b'"sent"')

    _tamper(client, "CreateConfigurationSet", rename)
    client.create_configuration_set(ConfigurationSetName="asked")
    assert list(fake.sets) == ["sent"]
    assert fake.params_of("CreateConfigurationSet") == [{"ConfigurationSetName": "sent"}]


def test_fake_reads_the_encoded_path(fake: V1Service, client: Any) -> None:
    with pytest.raises(client.exceptions.BadRequestException):
        client.delete_configuration_set(ConfigurationSetName="a/b c%")
    assert fake.requests[-1].path == f"{SET_PATH}/a%2Fb%20c%25"
    assert fake.params_of("DeleteConfigurationSet") == [{"ConfigurationSetName": "a/b c%"}]

    fake.add_set("other")

    def retarget(params: dict[str, Any]) -> None:
        params["url_path"] = params["url_path"].replace("/asked", "/other")

    _tamper(client, "DeleteConfigurationSet", retarget)
    client.delete_configuration_set(ConfigurationSetName="asked")
    assert fake.sets == {}


def test_fake_reads_the_encoded_query(fake: V1Service, client: Any) -> None:
    for i in range(3):
        fake.add_set(f"cs{i}")

    def page_of_one(params: dict[str, Any]) -> None:
        params["url"] = params["url"].replace("PageSize=3", "PageSize=1")

    _tamper(client, "ListConfigurationSets", page_of_one)
    assert client.list_configuration_sets(PageSize="3")["ConfigurationSets"] == ["cs0"]
    assert fake.params_of("ListConfigurationSets") == [{"PageSize": "1"}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'["ConfigurationSetName"]', "must be a JSON object"),
        (b'{"ConfigurationSetName": "cs", "Bogus": 1}', "Bogus"),
        (b'{"ConfigurationSetName": 7}', "ConfigurationSetName"),
    ],
)
def test_unreadable_bodies_are_bad_requests(
    fake: V1Service, client: Any, body: bytes, message: str
) -> None:
    def replace(params: dict[str, Any]) -> None:
        params["body"] = body

    _tamper(client, "CreateConfigurationSet", replace)
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        client.create_configuration_set(ConfigurationSetName="cs")
    assert message in exc.value.response["Error"]["Message"]
    assert fake.sets == {}


def test_path_members_in_the_body_are_refused(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")

    def smuggle(params: dict[str, Any]) -> None:
        params["body"] = b'{"ConfigurationSetName": "cs"}'

    _tamper(client, "DeleteConfigurationSet", smuggle)
    with pytest.raises(client.exceptions.BadRequestException):
        client.delete_configuration_set(ConfigurationSetName="cs")
    assert "cs" in fake.sets


def test_request_routed_to_another_operation_is_caught(client: Any) -> None:
    def wrong_method(params: dict[str, Any]) -> None:
        params["method"] = "POST"

    _tamper(client, "GetConfigurationSetEventDestinations", wrong_method)
    with pytest.raises(AssertionError, match="routes to CreateConfigurationSetEventDestination"):
        client.get_configuration_set_event_destinations(ConfigurationSetName="cs")


def test_unroutable_request_is_caught(client: Any) -> None:
    def wrong_path(params: dict[str, Any]) -> None:
        params["url_path"] = "/v2/sms-voice/configuration-sets"

    _tamper(client, "ListConfigurationSets", wrong_path)
    with pytest.raises(AssertionError, match="no pinpoint-sms-voice operation serves"):
        client.list_configuration_sets()


def test_decode_request_without_url_uses_query_string() -> None:
    op, params, problem = decode_request(
        {
            "method": "GET",
            "url_path": SET_PATH,
            "query_string": {"PageSize": "4", "NextToken": "a b"},
            "body": b"",
        }
    )
    assert (op, params, problem) == (
        "ListConfigurationSets",
        {"PageSize": "4", "NextToken": "a b"},
        None,
    )
    op, params, _ = decode_request(
        {"method": "PUT", "url_path": f"{SET_PATH}/c%20s/event-destinations/d%2F1", "body": "{}"}
    )
    assert op == "UpdateConfigurationSetEventDestination"
    assert params == {"ConfigurationSetName": "c s", "EventDestinationName": "d/1"}


# ---------------------------------------------------------- model validation


def test_botocore_validates_requests_before_the_fake(fake: V1Service, client: Any) -> None:
    with pytest.raises(ParamValidationError):
        client.create_configuration_set(ConfigurationSetName=7)
    with pytest.raises(ParamValidationError):
        client.create_configuration_set(ConfigurationSetName="cs", Bogus=1)
    with pytest.raises(ParamValidationError):
        client.delete_configuration_set()  # a path member is required by the model
    with pytest.raises(ParamValidationError):
        _create_dest(client, "cs", "d", Enabled="yes")
    assert fake.calls == []


def test_fake_enforces_the_enum_botocore_skips(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    with pytest.raises(client.exceptions.BadRequestException) as exc:
        _create_dest(client, "cs", "d1", types=["TEXT_DELIVERED"])
    assert (
        "EventDestination.MatchingEventTypes[0]: must be one of"
        in (exc.value.response["Error"]["Message"])
    )
    assert fake.calls[-1][1]["EventDestination"]["MatchingEventTypes"] == ["TEXT_DELIVERED"]


def test_validate_response_rejects_bad_shapes() -> None:
    model = service_model(SERVICE_NAME).operation_model("GetConfigurationSetEventDestinations")
    good = {
        "EventDestinations": [{"Name": "d", "Enabled": True, "MatchingEventTypes": ["BUSY"], **SNS}]
    }
    validate_response(model, good)
    with pytest.raises(AssertionError, match="Name"):
        validate_response(model, {"EventDestinations": [{"Name": 1}]})
    with pytest.raises(AssertionError, match="MatchingEventTypes"):
        validate_response(model, {"EventDestinations": [{"MatchingEventTypes": ["TEXT_ALL"]}]})
    with pytest.raises(AssertionError, match="EventDestinationName"):
        validate_response(model, {"EventDestinations": [{"EventDestinationName": "d"}]})
    with pytest.raises(AssertionError):
        validate_response(model, {**good, "Extra": 1})
    empty = service_model(SERVICE_NAME).operation_model("CreateConfigurationSet")
    validate_response(empty, {"ResponseMetadata": {}})
    with pytest.raises(AssertionError):
        validate_response(empty, {"ConfigurationSetName": "cs"})


def test_bad_fake_response_is_caught(
    fake: V1Service, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(fake._handlers, "ListConfigurationSets", lambda _: {"Sets": ["cs"]})
    with pytest.raises(AssertionError, match="ListConfigurationSets response"):
        client.list_configuration_sets()
    monkeypatch.setitem(
        fake._handlers, "ListConfigurationSets", lambda _: {"ConfigurationSets": "cs"}
    )
    with pytest.raises(AssertionError, match="ListConfigurationSets response"):
        client.list_configuration_sets()


def test_undeclared_error_is_caught(
    fake: V1Service, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_found(_: Any) -> dict[str, Any]:
        raise ServiceError("NotFoundException", "no such set", 404)

    # SendVoiceMessage declares no NotFoundException, so the fake must never answer one
    monkeypatch.setitem(fake._handlers, "SendVoiceMessage", not_found)
    with pytest.raises(AssertionError, match="does not declare NotFoundException"):
        client.send_voice_message(OriginationPhoneNumber="+1", DestinationPhoneNumber="+2")

    def wrong_status(_: Any) -> dict[str, Any]:
        raise ServiceError("BadRequestException", "bad", 422)

    monkeypatch.setitem(fake._handlers, "ListConfigurationSets", wrong_status)
    with pytest.raises(AssertionError, match="status 422"):
        client.list_configuration_sets()


# ------------------------------------------------------ wiring and inspection


def test_out_of_band_helpers_record_no_calls(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    with pytest.raises(ValueError):
        fake.add_set("cs")
    fake.add_destination("cs", "d1", SNS)
    fake.add_destination("cs", "d2", LOGS, ["BUSY"], enabled=False)
    with pytest.raises(ValueError):
        fake.add_destination("cs", "d3", {"PigeonDestination": {}})
    fake.remove_destination("cs", "d1")
    assert _destinations(client, "cs") == [
        {"Name": "d2", "Enabled": False, "MatchingEventTypes": ["BUSY"], **LOGS}
    ]
    fake.add_set("gone")
    fake.remove_set("gone")
    assert client.list_configuration_sets()["ConfigurationSets"] == ["cs"]
    assert fake.call_names() == [
        "GetConfigurationSetEventDestinations",
        "ListConfigurationSets",
    ]


def test_add_destination_defaults_to_all_event_types(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    fake.add_destination("cs", "d1", FIREHOSE)
    (dest,) = _destinations(client, "cs")
    assert dest["MatchingEventTypes"] == list(EVENT_TYPES)
    assert dest["Enabled"] is True


def test_state_is_shared_between_attached_clients(fake: V1Service, client: Any) -> None:
    other = fake.attach(_client())
    client.create_configuration_set(ConfigurationSetName="cs")
    assert other.list_configuration_sets()["ConfigurationSets"] == ["cs"]
    fake.detach(other)
    with pytest.raises(AssertionError, match="network"):
        other.list_configuration_sets()
    assert fake.count("ListConfigurationSets") == 1


def test_attach_refuses_unsuitable_clients(fake: V1Service) -> None:
    with pytest.raises(ValueError, match="parameter validation"):
        fake.attach(_client(parameter_validation=False))
    with pytest.raises(ValueError, match="pinpoint-sms-voice client"):
        fake.attach(_session().client("pinpoint-sms-voice-v2"))


def test_responses_and_records_are_copies(fake: V1Service, client: Any) -> None:
    fake.add_set("cs")
    _create_dest(client, "cs", "d1", types=["BUSY"])
    fake.params_of("CreateConfigurationSetEventDestination")[0]["EventDestination"][
        "MatchingEventTypes"
    ].append("FAILED")
    (dest,) = _destinations(client, "cs")
    dest["MatchingEventTypes"].append("RINGING")
    assert fake.sets["cs"].event_destinations["d1"].matching_event_types == ["BUSY"]
