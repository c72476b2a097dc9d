"""Event records against the documented examples and the schema written from them; outcomes of
the simulator numbers and of control-API rules; isFinal and order of the records."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import phonenumbers
import pytest
from events_support import client, control

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.emulator.model_checks import service_model
from cdk_smsvoice.emulator.outcomes import OUTCOMES, SIMULATOR_NUMBERS, lifecycle
from cdk_smsvoice.emulator.records import encoding_of, parts_of, record_schema

DOCUMENTED = json.loads(
    (Path(__file__).parent / "fixtures/documented_event_records.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(record_schema())
US_SUCCESS, US_FAILURE = "+14254147755", "+14254147167"
TOPIC = "arn:aws:sns:us-east-1:123456789012:events"
V2_EVENT_TYPES = set(service_model("pinpoint-sms-voice-v2").shape_for("EventType").enum)  # type: ignore[attr-defined]
V1_EVENT_TYPES = set(service_model("pinpoint-sms-voice").shape_for("EventType").enum)  # type: ignore[attr-defined]


def _valid(record: dict[str, Any]) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(record)]
    assert not errors, f"{record} breaks the schema: {errors}"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("records")) as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        v2.create_configuration_set(ConfigurationSetName="texts")
        v2.create_event_destination(
            ConfigurationSetName="texts",
            EventDestinationName="all",
            MatchingEventTypes=["ALL"],
            SnsDestination={"TopicArn": TOPIC},
        )
        v1 = client("pinpoint-sms-voice", emu.endpoint_url)
        v1.create_configuration_set(ConfigurationSetName="calls")
        v1.create_configuration_set_event_destination(
            ConfigurationSetName="calls",
            EventDestinationName="all",
            EventDestination={
                "Enabled": True,
                "MatchingEventTypes": sorted(V1_EVENT_TYPES),
                "SnsDestination": {"TopicArn": TOPIC},
            },
        )
        yield emu


def _emitted(emu: Emulator, api: str, set_name: str, message_id: str) -> list[dict[str, Any]]:
    assert emu.data_dir is not None
    path = emu.data_dir / "123456789012/us-east-1/events" / api / set_name / "all.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [r for r in records if r["messageId"] == message_id]


def _send(emu: Emulator, channel: str, number: str, **extra: Any) -> list[dict[str, Any]]:
    if channel == "V1":
        v1 = client("pinpoint-sms-voice", emu.endpoint_url)
        message_id = v1.send_voice_message(
            ConfigurationSetName="calls",
            OriginationPhoneNumber="+12065550152",
            DestinationPhoneNumber=number,
            Content={"PlainTextMessage": {"Text": "Your code is 1234", "LanguageCode": "en-US"}},
        )["MessageId"]
        return _emitted(emu, "v1", "calls", message_id)
    v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
    params = {
        "ConfigurationSetName": "texts",
        "DestinationPhoneNumber": number,
        "OriginationIdentity": "+12065550152",
        **extra,
    }
    if channel == "TEXT":
        message_id = v2.send_text_message(MessageBody="Your code is 1234", **params)["MessageId"]
    elif channel == "MEDIA":
        media = ["s3://bucket/cat.png"]
        message_id = v2.send_media_message(MediaUrls=media, **params)["MessageId"]
    else:
        message_id = v2.send_voice_message(MessageBody="Your code is 1234", **params)["MessageId"]
    return _emitted(emu, "v2", "texts", message_id)


def test_every_documented_example_validates_against_the_schema() -> None:
    assert DOCUMENTED["examples"], "no documented example"
    for example in DOCUMENTED["examples"]:
        assert example["source"]["url"].startswith("https://docs.aws.amazon.com/")
        _valid(example["record"])


def test_the_schema_refuses_fields_aws_does_not_send() -> None:
    record = dict(DOCUMENTED["examples"][0]["record"])
    for extra in ("configurationSetName", "eventDestinationName", "destination"):
        assert not VALIDATOR.is_valid({**record, extra: "x"}), extra
    del record["messageStatus"]
    assert not VALIDATOR.is_valid(record)


TEXT_EXAMPLES = [e for e in DOCUMENTED["examples"] if e["channel"] == "TEXT"]
# Optional in AWS's attribute table ("This field is optional and might not be present").
OPTIONAL = {"mcc", "mnc", "carrierName"}
# Older revisions of the examples show one of the two; current records carry both.
REVISED = {"isoCountryCode", "isInternationalSend"}
# Differ from one message to the next, or are the emulator's own figures.
VARIABLE = {"eventTimestamp", "messageId", "messageRequestTimestamp", "carrierName"}
VARIABLE |= {"totalMessagePrice", "totalCarrierFee"}


def _destination_like(example: dict[str, Any]) -> str:
    """The example's destination, or (an EventBridge detail has none) a mobile number of its
    country."""
    if "destinationPhoneNumber" in example:
        return str(example["destinationPhoneNumber"])
    sample = phonenumbers.example_number_for_type(
        example["isoCountryCode"], phonenumbers.PhoneNumberType.MOBILE
    )
    return phonenumbers.format_number(sample, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    "example", TEXT_EXAMPLES, ids=[e["source"]["title"][:60] for e in TEXT_EXAMPLES]
)
def test_a_text_record_has_the_documented_fields_and_values(example: dict[str, Any]) -> None:
    """The emulator's record for a documented example's inputs, field by field: every
    documented field (the optional ones where the emulator knows them), no other, the same
    values, ``isFinal`` included.
    """
    documented = example["record"]
    with Emulator() as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        v2.create_configuration_set(ConfigurationSetName="s")
        v2.create_event_destination(
            ConfigurationSetName="s",
            EventDestinationName="d",
            MatchingEventTypes=["TEXT_ALL"],
            SnsDestination={"TopicArn": TOPIC},
        )
        optional: dict[str, Any] = {}
        if "context" in documented:
            optional["Context"] = documented["context"]
        if "protectConfiguration" in documented:
            protect = documented["protectConfiguration"]["protectConfigurationId"]
            emu.v2().protect_configuration_ids.add(protect)
            optional["ProtectConfigurationId"] = protect
        v2.send_text_message(
            ConfigurationSetName="s",
            DestinationPhoneNumber=_destination_like(documented),
            OriginationIdentity=documented["originationPhoneNumber"],
            MessageBody="Hello from the example",
            MessageType=documented["messageType"],
            **optional,
        )
        (record,) = [r for r in emu.v2().events if r["eventType"] == documented["eventType"]]
    _valid(record)
    missing = set(documented) - set(record) - OPTIONAL - REVISED
    assert not missing, f"documented but not emitted: {missing}"
    extra = set(record) - set(documented) - OPTIONAL - REVISED - {"destinationPhoneNumber"}
    assert not extra, f"emitted but not documented: {extra}"
    assert set(record) >= REVISED
    shared = (set(record) & set(documented)) - VARIABLE
    assert {k: record[k] for k in shared} == {k: documented[k] for k in shared}


@pytest.mark.parametrize(
    ("channel", "number", "expected"),
    [
        ("TEXT", US_SUCCESS, ["TEXT_PENDING", "TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"]),
        ("TEXT", US_FAILURE, ["TEXT_PENDING", "TEXT_QUEUED", "TEXT_UNREACHABLE"]),
        (
            "MEDIA",
            "+61455944038",
            ["MEDIA_PENDING", "MEDIA_QUEUED", "MEDIA_SUCCESSFUL", "MEDIA_DELIVERED"],
        ),
        ("MEDIA", "+61455944039", ["MEDIA_PENDING", "MEDIA_QUEUED", "MEDIA_UNREACHABLE"]),
        (
            "VOICE",
            US_SUCCESS,
            ["VOICE_INITIATED", "VOICE_RINGING", "VOICE_ANSWERED", "VOICE_COMPLETED"],
        ),
        ("VOICE", US_FAILURE, ["VOICE_INITIATED", "VOICE_FAILED"]),
        ("V1", US_SUCCESS, ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"]),
        ("V1", US_FAILURE, ["INITIATED_CALL", "FAILED"]),
        (
            "TEXT",
            "+4915112345678",
            ["TEXT_PENDING", "TEXT_QUEUED", "TEXT_SUCCESSFUL", "TEXT_DELIVERED"],
        ),
    ],
)
def test_simulator_numbers_give_their_outcome_in_order_ending_final(
    emulator: Emulator, channel: str, number: str, expected: list[str]
) -> None:
    records = _send(emulator, channel, number)
    assert [r["eventType"] for r in records] == expected
    # the last record is final; so is a SUCCESSFUL before a DELIVERED, as AWS's examples show
    finals = [e.endswith("_SUCCESSFUL") or e == expected[-1] for e in expected]
    assert [r["isFinal"] for r in records] == finals
    stamps = [r["eventTimestamp"] for r in records]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    for record in records:
        _valid(record)
        assert record["destinationPhoneNumber"] == number
        if channel == "V1":
            assert record["callStatus"] == record["eventType"]
            assert len({r["callInstanceId"] for r in records}) == 1
        else:
            assert record["messageStatus"] == record["eventType"].split("_", 1)[1]
            assert record["messageRequestTimestamp"] < record["eventTimestamp"]


def test_a_voice_record_has_the_documented_fields_and_values(emulator: Emulator) -> None:
    """The emulator's VOICE_INITIATED for the documented example's inputs, field by field; the
    final record adds the call's length and price, and nothing else.
    """
    (documented,) = [e["record"] for e in DOCUMENTED["examples"] if e["channel"] == "VOICE"]
    v2 = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
    words = "one two three four five six seven eight nine ten " * 30  # 300 words: 2 minutes
    message_id = v2.send_voice_message(
        ConfigurationSetName="texts",
        DestinationPhoneNumber=US_SUCCESS,
        OriginationIdentity=documented["originationPhoneNumber"],
        MessageBody=words,
    )["MessageId"]
    records = _emitted(emulator, "v2", "texts", message_id)
    initiated, final = records[0], records[-1]
    # An EventBridge detail has no destinationPhoneNumber; an event destination's record has it
    assert set(initiated) == set(documented) | {"destinationPhoneNumber"}
    variable = {"eventTimestamp", "messageId", "messageRequestTimestamp"}
    assert {k: v for k, v in initiated.items() if k in set(documented) - variable} == {
        k: v for k, v in documented.items() if k not in variable
    }
    (adds,) = [
        d["fields"] for d in DOCUMENTED["documented_fields"] if d["channel"] == "VOICE_FINAL"
    ]
    assert all(set(r) == set(initiated) for r in records[:-1])
    assert set(final) == set(initiated) | set(adds)
    assert final["eventType"] == "VOICE_COMPLETED" and final["isFinal"] is True
    assert (final["callDurationInSeconds"], final["totalDurationInMinutes"]) == (120, 2)
    assert final["totalMessagePrice"] == pytest.approx(2 * 0.013)
    (failed,) = _send(emulator, "VOICE", US_FAILURE)[-1:]
    assert (failed["callDurationInSeconds"], failed["totalMessagePrice"]) == (0, 0)
    for record in [*records, failed]:
        _valid(record)
    assert not VALIDATOR.is_valid({**initiated, "messageType": "PROMOTIONAL"})  # a call has none


@pytest.mark.parametrize("channel", ["MEDIA", "V1"])
def test_records_carry_the_documented_fields_of_their_channel(
    emulator: Emulator, channel: str
) -> None:
    (documented,) = [
        d
        for d in DOCUMENTED["documented_fields"]
        if d["channel"] in (channel, "V1_VOICE" if channel == "V1" else "")
    ]
    for record in _send(emulator, channel, US_SUCCESS):
        assert set(documented["fields"]) <= set(record), set(documented["fields"]) - set(record)


def test_every_emitted_event_type_is_one_the_api_models() -> None:
    for outcome in OUTCOMES:
        for channel in ("TEXT", "MEDIA", "VOICE"):
            assert set(lifecycle("v2", channel, outcome)) <= V2_EVENT_TYPES, (channel, outcome)
        assert set(lifecycle("v1", "VOICE", outcome)) <= V1_EVENT_TYPES, outcome


@pytest.mark.parametrize(
    ("number", "iso", "mcc"),
    [
        ("+447937404990", "JE", "234"),  # Jersey's networks use the UK's code
        ("+447860019066", "GB", "234"),
        (US_SUCCESS, "US", "310"),
        ("+12505550100", "CA", "302"),  # +1, but not the US
        ("+2348031234567", "NG", "621"),
        ("+447700900123", "GB", "234"),  # outside the UK's known ranges: still its country
    ],
)
def test_records_name_the_country_of_the_number(
    emulator: Emulator, number: str, iso: str, mcc: str
) -> None:
    records = _send(emulator, "TEXT", number)  # from +12065550152, a US number
    assert {r["isoCountryCode"] for r in records} == {iso}
    assert {r["mcc"] for r in records} == {mcc}
    assert {r["isInternationalSend"] for r in records} == {iso != "US"}
    assert {"mnc" in r for r in records} == {iso == "US"}  # known for the documented US only


@pytest.mark.parametrize("number", ["+80012345678", "+881612345678"])
def test_a_non_geographic_number_has_no_country(emulator: Emulator, number: str) -> None:
    for channel in ("TEXT", "MEDIA", "VOICE"):
        for record in _send(emulator, channel, number):
            _valid(record)
            assert "isoCountryCode" not in record and "mcc" not in record


def test_deliveries_answer_the_same_fields_with_delivery_off(
    emulator: Emulator, tmp_path: Path
) -> None:
    from cdk_smsvoice.emulator.sinks import SinkPublisher

    status, off = _control(emulator, "GET", "/_emulator/deliveries")
    publisher = SinkPublisher("http://127.0.0.1:9")
    try:
        assert status == 200 and set(off) == set(publisher.status())
    finally:
        publisher.close()
    assert off["enabled"] is False and off["failedRecords"] == off["delivered"] == 0


def test_a_sender_id_sends_no_international_message(emulator: Emulator) -> None:
    records = _send(emulator, "TEXT", "+447860019066", OriginationIdentity="MYBRAND")
    assert {(r["originationPhoneNumber"], r["isInternationalSend"]) for r in records} == {
        ("MYBRAND", False)
    }


def test_every_simulator_number_is_e164_and_has_a_pair() -> None:
    by_country: dict[str, set[str]] = {}
    for number, (iso, result) in SIMULATOR_NUMBERS.items():
        assert number.startswith("+") and number[1:].isdigit(), number
        by_country.setdefault(iso, set()).add(result)
    assert all(results == {"success", "failure"} for results in by_country.values())
    assert len(by_country) == 25  # every country of the documented table


def _control(emu: Emulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return control(emu.endpoint_url, method, path, body)


@pytest.mark.parametrize(
    ("rule", "channel", "expected_final"),
    [
        ({"number": "+14255550101", "outcome": "blocked"}, "TEXT", "TEXT_BLOCKED"),
        ({"prefix": "+1425555", "outcome": "ttl-expired"}, "TEXT", "TEXT_TTL_EXPIRED"),
        ({"prefix": "+1425555", "outcome": "ttl-expired"}, "VOICE", "VOICE_TTL_EXPIRED"),
        ({"prefix": "+1425555", "outcome": "busy"}, "V1", "BUSY"),
        ({"number": "+14255550101", "outcome": "spam"}, "MEDIA", "MEDIA_SPAM"),
        (
            {"number": "+14255550101", "outcome": "failed", "channels": ["VOICE"]},
            "TEXT",
            "TEXT_DELIVERED",
        ),
        ({"number": US_FAILURE, "outcome": "delivered"}, "TEXT", "TEXT_DELIVERED"),
    ],
)
def test_control_api_rules_make_any_number_fail_be_blocked_or_expire(
    emulator: Emulator, rule: dict[str, Any], channel: str, expected_final: str
) -> None:
    assert _control(emulator, "POST", "/_emulator/outcomes", rule)[0] == 200
    try:
        number = rule.get("number") or "+14255550101"
        records = _send(emulator, channel, number)
        assert records[-1]["eventType"] == expected_final and records[-1]["isFinal"] is True
        for record in records:
            _valid(record)
    finally:
        assert _control(emulator, "DELETE", "/_emulator/outcomes")[1]["rules"] == []


def test_an_exact_number_rule_beats_a_prefix_rule_and_the_newest_wins(emulator: Emulator) -> None:
    for rule in (
        {"number": "+14255550102", "outcome": "blocked"},
        {"prefix": "+1", "outcome": "spam"},
        {"prefix": "+1425", "outcome": "invalid"},
    ):
        _control(emulator, "POST", "/_emulator/outcomes", rule)
    try:
        assert _send(emulator, "TEXT", "+14255550102")[-1]["eventType"] == "TEXT_BLOCKED"
        assert _send(emulator, "TEXT", "+14255550103")[-1]["eventType"] == "TEXT_INVALID"
        assert _send(emulator, "TEXT", "+12065550103")[-1]["eventType"] == "TEXT_SPAM"
        status, listed = _control(emulator, "GET", "/_emulator/outcomes")
        assert status == 200 and len(listed["rules"]) == 3
        assert listed["simulatorNumbers"][US_FAILURE] == {
            "isoCountryCode": "US",
            "result": "failure",
        }
    finally:
        _control(emulator, "DELETE", "/_emulator/outcomes")


@pytest.mark.parametrize(
    "rule",
    [
        {"number": "+1425", "prefix": "+1", "outcome": "failed"},
        {"outcome": "failed"},
        {"number": "14255550100", "outcome": "failed"},
        {"number": "+1425555010x", "outcome": "failed"},
        {"number": "+\u0661\u0664\u0662\u0665", "outcome": "failed"},  # Arabic-Indic digits
        {"prefix": "+", "outcome": "failed"},
        {"number": "+1234567890123456", "outcome": "failed"},  # 16 digits
        {"number": "+14255550100", "outcome": "exploded"},
        {"number": "+14255550100", "outcome": "failed", "channels": ["FAX"]},
        {"number": "+14255550100", "outcome": "failed", "color": "red"},
        "not an object",
        [{"number": "+14255550100", "outcome": "failed"}, {"number": "+1", "outcome": "x"}],
        [{"prefix": "+1", "outcome": "failed"}] * 1001,
    ],
)
def test_a_bad_rule_is_refused_with_the_reason(emulator: Emulator, rule: Any) -> None:
    status, answer = _control(emulator, "POST", "/_emulator/outcomes", rule)
    assert status == 400 and answer["message"].startswith("bad outcome rule: ")
    assert _control(emulator, "GET", "/_emulator/outcomes")[1]["rules"] == []  # none added


@pytest.mark.parametrize("body", [b"{", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe"])
def test_a_body_that_is_not_json_is_refused(emulator: Emulator, body: bytes) -> None:
    request = urllib.request.Request(
        f"{emulator.endpoint_url}/_emulator/outcomes",
        body,
        {"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 400


def test_other_methods_are_refused(emulator: Emulator) -> None:
    assert _control(emulator, "PUT", "/_emulator/outcomes", {})[0] == 405


def test_encoding_and_parts_follow_gsm_and_ucs2_sizes() -> None:
    assert encoding_of("Hello {world}") == "GSM" and encoding_of("Grüße 😀") == "Unicode"
    assert parts_of("a" * 160, "GSM") == 1 and parts_of("a" * 161, "GSM") == 2
    assert parts_of("[" * 80, "GSM") == 1 and parts_of("[" * 81, "GSM") == 2
    assert parts_of("é" * 70, "Unicode") == 1 and parts_of("é" * 71, "Unicode") == 2


@pytest.mark.parametrize("channel", ["TEXT", "MEDIA"])
def test_every_simulator_number_gives_its_documented_outcome(
    emulator: Emulator, channel: str
) -> None:
    """All 50 destination simulator numbers of AWS's table (SMS and MMS): a success number's
    message is accepted and delivered, a failure number's fails; records name the country.
    """
    for number, (iso, result) in SIMULATOR_NUMBERS.items():
        records = _send(emulator, channel, number)
        types = [r["eventType"] for r in records]
        if result == "success":
            assert types[-2:] == [f"{channel}_SUCCESSFUL", f"{channel}_DELIVERED"], number
        else:
            assert types[-1] == f"{channel}_UNREACHABLE", number
            assert not {f"{channel}_SUCCESSFUL", f"{channel}_DELIVERED"} & set(types), number
        assert records[-1]["isFinal"] is True
        assert {r["isoCountryCode"] for r in records} == {iso}, number
        for record in records:
            _valid(record)
