"""The one schema: its enums match botocore, both gates agree, the generated code is current."""

import ast
import copy
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from smsvoice_handler.validation import InvalidPropertiesError
from smsvoice_handler.validation import validate_properties as handler_validate

from cdk_smsvoice import EventType, VoiceEventType
from cdk_smsvoice.handler_paths import HANDLER_DIR
from cdk_smsvoice.schema import load_schema, validate_properties
from cdk_smsvoice.schema.handler_codegen import HANDLER_VALIDATOR_PATH, generate

V2 = "Custom::SmsVoiceV2ConfigurationSet"
V1 = "Custom::SmsVoiceV1ConfigurationSet"
TOPIC = "arn:aws:sns:us-east-1:123456789012:events"
ROLE = "arn:aws:iam::123456789012:role/sms-voice-logs"
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:events:*"
STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/events"
ACCOUNT = "123456789012"
ROLE_WITH_PATH = "arn:aws:iam::123456789012:role/service-role/sms/logs"
LOG_GROUP_PREFIX = "arn:aws:logs:us-east-1:123456789012:log-group:"
NO_REGION = "arn:aws:logs::123456789012:log-group:events"
PROTECT = "protect-0123456789abcdef"
PROTECT_ARN = "arn:aws:sms-voice:us-east-1:123456789012:protect-configuration/"
SET_ARN = "arn:aws:sms-voice:us-east-1:123456789012:configuration-set/alerts"
_LOGS: list[Any] = ["EventDestinations", 0, "CloudWatchLogsDestination"]
_TOPIC: list[Any] = ["EventDestinations", 1, "SnsDestination", "TopicArn"]
_STREAM: list[Any] = ["EventDestinations", 2, "KinesisFirehoseDestination", "DeliveryStreamArn"]


def _enum(service: str) -> list[str]:
    model = botocore.session.get_session().get_service_model(service)
    return list(model.shape_for("EventType").enum)


def test_event_type_covers_every_v2_event_type_in_botocore() -> None:
    assert [e.value for e in EventType] == _enum("pinpoint-sms-voice-v2")


def test_schema_accepts_every_v2_event_type_but_text_sent() -> None:
    allowed = load_schema()["definitions"]["V2EventType"]["enum"]
    assert allowed == [e for e in _enum("pinpoint-sms-voice-v2") if e != "TEXT_SENT"]


def test_voice_event_type_matches_the_v1_model() -> None:
    assert [e.value for e in VoiceEventType] == _enum("pinpoint-sms-voice")
    assert load_schema()["definitions"]["V1EventType"]["enum"] == _enum("pinpoint-sms-voice")


def test_generated_handler_validator_is_in_sync_with_the_schema() -> None:
    assert HANDLER_VALIDATOR_PATH.read_text(encoding="utf-8") == generate(), (
        "schema_validator.py is stale: run `make generate`"
    )


def test_handler_asset_imports_only_stdlib_boto3_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore", "smsvoice_handler"}
    for path in Path(HANDLER_DIR).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}"


def _dest(name: str = "logs", **overrides: Any) -> dict[str, Any]:
    dest: dict[str, Any] = {
        "EventDestinationName": name,
        "Enabled": True,
        "MatchingEventTypes": ["ALL"],
        "CloudWatchLogsDestination": {"IamRoleArn": ROLE, "LogGroupArn": LOG_GROUP},
    }
    dest.update(overrides)
    return {k: v for k, v in dest.items() if v is not None}


VALID_V2: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "alerts",
    "EventDestinations": [
        _dest(),
        _dest(
            "topic",
            CloudWatchLogsDestination=None,
            SnsDestination={"TopicArn": TOPIC},
            MatchingEventTypes=["TEXT_DELIVERED", "TEXT_BLOCKED"],
            Enabled="false",
        ),
        _dest(
            "lake",
            CloudWatchLogsDestination=None,
            KinesisFirehoseDestination={"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM},
        ),
    ],
    "DefaultMessageType": "TRANSACTIONAL",
    "DefaultSenderId": "ACME",
    "MessageFeedbackEnabled": "true",
    "ProtectConfigurationId": "protect-0123456789abcdef",
    "Tags": [{"Key": "team", "Value": "sms"}],
}


def _with(path: list[Any], value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(base or VALID_V2)
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


_DELETE = object()

CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    ("valid v2", V2, VALID_V2, True),
    ("minimal v2", V2, {"ConfigurationSetName": "a"}, True),
    ("booleans as strings", V2, _with(["EventDestinations", 0, "Enabled"], "false"), True),
    ("boolean 'yes'", V2, _with(["EventDestinations", 0, "Enabled"], "yes"), False),
    (
        "six destinations",
        V2,
        _with(["EventDestinations"], [_dest(f"d{i}") for i in range(6)]),
        False,
    ),
    (
        "five destinations",
        V2,
        _with(["EventDestinations"], [_dest(f"d{i}") for i in range(5)]),
        True,
    ),
    ("duplicate names", V2, _with(["EventDestinations"], [_dest("x"), _dest("x")]), False),
    ("no sink", V2, _with(["EventDestinations"], [_dest(CloudWatchLogsDestination=None)]), False),
    (
        "two sinks",
        V2,
        _with(["EventDestinations"], [_dest(SnsDestination={"TopicArn": TOPIC})]),
        False,
    ),
    ("TEXT_SENT", V2, _with(["EventDestinations", 0, "MatchingEventTypes"], ["TEXT_SENT"]), False),
    (
        "unknown event",
        V2,
        _with(["EventDestinations", 0, "MatchingEventTypes"], ["TEXT_NOPE"]),
        False,
    ),
    (
        "voice event in v2",
        V2,
        _with(["EventDestinations", 0, "MatchingEventTypes"], ["RINGING"]),
        False,
    ),
    ("no events", V2, _with(["EventDestinations", 0, "MatchingEventTypes"], []), False),
    ("bad set name", V2, _with(["ConfigurationSetName"], "bad name"), False),
    ("name with a trailing newline", V2, _with(["ConfigurationSetName"], "alerts\n"), False),
    ("65-char name", V2, _with(["ConfigurationSetName"], "a" * 65), False),
    ("64-char name", V2, _with(["ConfigurationSetName"], "a" * 64), True),
    (
        "bad destination name",
        V2,
        _with(["EventDestinations", 0, "EventDestinationName"], "a/b"),
        False,
    ),
    ("missing name", V2, _with(["ConfigurationSetName"], _DELETE), False),
    ("unknown property", V2, _with(["Colour"], "blue"), False),
    ("bad message type", V2, _with(["DefaultMessageType"], "URGENT"), False),
    ("12-char sender id", V2, _with(["DefaultSenderId"], "ABCDEFGHIJKL"), False),
    (
        "role is not an ARN",
        V2,
        _with(["EventDestinations", 0, "CloudWatchLogsDestination", "IamRoleArn"], "my-role"),
        False,
    ),
    ("reserved tag key", V2, _with(["Tags"], [{"Key": "cdk-smsvoice:owner", "Value": "x"}]), False),
    ("aws: tag key", V2, _with(["Tags"], [{"Key": "aws:x", "Value": "x"}]), False),
    (
        "duplicate tag keys",
        V2,
        _with(["Tags"], [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]),
        False,
    ),
    ("schema version 2", V2, _with(["SchemaVersion"], "2"), False),
    (
        "v1 valid",
        V1,
        {
            "ConfigurationSetName": "calls",
            "EventDestinations": [
                _dest(f"d{i}", MatchingEventTypes=["RINGING", "ANSWERED"]) for i in range(10)
            ],
        },
        True,
    ),
    (
        "v1 eleven destinations",
        V1,
        {
            "ConfigurationSetName": "calls",
            "EventDestinations": [_dest(f"d{i}", MatchingEventTypes=["BUSY"]) for i in range(11)],
        },
        False,
    ),
    (
        "v2 event type in v1",
        V1,
        {
            "ConfigurationSetName": "calls",
            "EventDestinations": [_dest(MatchingEventTypes=["TEXT_DELIVERED"])],
        },
        False,
    ),
    ("tags on v1", V1, {"ConfigurationSetName": "calls", "Tags": []}, False),
    # Values that name no resource: refused, never skipped.
    (
        "protect id with a trailing slash",
        V2,
        _with(["ProtectConfigurationId"], PROTECT + "/"),
        False,
    ),
    ("protect ARN without id", V2, _with(["ProtectConfigurationId"], PROTECT_ARN), False),
    ("protect ARN", V2, _with(["ProtectConfigurationId"], PROTECT_ARN + PROTECT), True),
    ("protect ARN of a set", V2, _with(["ProtectConfigurationId"], SET_ARN), False),
    ("empty protect id", V2, _with(["ProtectConfigurationId"], ""), False),
    (
        "role ARN without name",
        V2,
        _with([*_LOGS, "IamRoleArn"], ROLE.rsplit("/", 1)[0] + "/"),
        False,
    ),
    ("role ARN with a path", V2, _with([*_LOGS, "IamRoleArn"], ROLE_WITH_PATH), True),
    (
        "role ARN without account",
        V2,
        _with([*_LOGS, "IamRoleArn"], ROLE.replace(ACCOUNT, "")),
        False,
    ),
    ("log group ARN without name", V2, _with([*_LOGS, "LogGroupArn"], LOG_GROUP_PREFIX), False),
    ("log group ARN without :*", V2, _with([*_LOGS, "LogGroupArn"], LOG_GROUP[:-2]), True),
    ("log group ARN without region", V2, _with([*_LOGS, "LogGroupArn"], NO_REGION), False),
    ("topic ARN without name", V2, _with(_TOPIC, TOPIC.rsplit(":", 1)[0] + ":"), False),
    ("topic ARN without partition", V2, _with(_TOPIC, TOPIC.replace("arn:aws:", "arn::")), False),
    ("FIFO topic", V2, _with(_TOPIC, TOPIC + ".fifo"), False),
    ("stream ARN without name", V2, _with(_STREAM, STREAM.rsplit("/", 1)[0] + "/"), False),
    ("ARN of another service", V2, _with(_TOPIC, STREAM), False),
    ("Enabled 1", V2, _with(["EventDestinations", 0, "Enabled"], 1), False),
    ("Enabled 'True'", V2, _with(["EventDestinations", 0, "Enabled"], "True"), False),
    ("SchemaVersion true", V2, _with(["SchemaVersion"], True), False),
    ("SchemaVersion 1", V2, _with(["SchemaVersion"], 1), True),
    ("tag value with a line break", V2, _with(["Tags"], [{"Key": "a", "Value": "x\ny"}]), False),
    ("empty message type", V2, _with(["DefaultMessageType"], ""), False),
    ("empty sender id", V2, _with(["DefaultSenderId"], ""), False),
]


@pytest.mark.parametrize(
    ("resource_type", "properties", "valid"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_both_gates_agree(resource_type: str, properties: dict[str, Any], valid: bool) -> None:
    synth_errors = validate_properties(resource_type, properties)
    try:
        handler_validate(resource_type, properties)
        handler_ok = True
    except InvalidPropertiesError:
        handler_ok = False
    assert (synth_errors == []) is valid, synth_errors
    assert handler_ok is valid


def test_synth_gate_reports_every_error_at_once_with_path_value_and_allowed() -> None:
    doc = _with(["ConfigurationSetName"], "bad name")
    doc["EventDestinations"] = [_dest(f"d{i}") for i in range(6)]
    doc["EventDestinations"][1]["MatchingEventTypes"] = ["TEXT_SENT"]
    errors = validate_properties(V2, doc)
    by_path = {e.json_path: e for e in errors}
    assert set(by_path) >= {
        "$.ConfigurationSetName",
        "$.EventDestinations",
        "$.EventDestinations[1].MatchingEventTypes[0]",
    }
    assert "limit of 5" in by_path["$.EventDestinations"].problem
    assert "0 to 5 event destinations" in by_path["$.EventDestinations"].allowed
    assert by_path["$.ConfigurationSetName"].value == "bad name"
    assert "TEXT_SENT" in str(by_path["$.EventDestinations[1].MatchingEventTypes[0]"].allowed)


def test_synth_gate_leaves_tokens_to_deploy_time() -> None:
    doc = _with(["ConfigurationSetName"], "${Token[TOKEN.42]}")
    assert validate_properties(V2, doc) != []
    assert (
        validate_properties(V2, doc, is_unresolved=lambda v: isinstance(v, str) and "${Token[" in v)
        == []
    )


def test_handler_gate_names_path_and_allowed_values() -> None:
    with pytest.raises(InvalidPropertiesError) as raised:
        handler_validate(V2, _with(["EventDestinations", 0, "MatchingEventTypes"], ["TEXT_SENT"]))
    message = str(raised.value)
    assert message.startswith("$.EventDestinations[0].MatchingEventTypes[0]:")
    assert '"TEXT_SENT"' in message and "other than TEXT_SENT" in message
