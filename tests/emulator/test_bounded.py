"""Bounded memory and growth: the call, request, message and event logs keep only the newest
entries, and ClientTokens live no longer than what they created, nor beyond their window."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import client

from cdk_smsvoice.emulator import Emulator, V2Service
from cdk_smsvoice.emulator.call_log import MAX_LOG_ENTRIES, BoundedLog
from cdk_smsvoice.emulator.client_tokens import TOKEN_TTL_SECONDS
from cdk_smsvoice.emulator.serving import MAX_BODY_BYTES
from cdk_smsvoice.emulator.store import StateStore

HOME = Path("123456789012/us-east-1")
TOPIC = "arn:aws:sns:us-east-1:123456789012:events"


def test_call_logs_keep_only_the_newest_entries() -> None:
    service = V2Service()
    for i in range(MAX_LOG_ENTRIES + 50):
        service.invoke("DescribeConfigurationSets", {"MaxResults": 1 + i % 5})
    assert len(service.calls) == len(service.outcomes) == MAX_LOG_ENTRIES
    assert service.calls[-1] == ("DescribeConfigurationSets", {"MaxResults": 1 + 1049 % 5})
    assert service.calls == list(service.calls)  # still compares as a list


def test_logs_also_bound_the_bytes_they_hold() -> None:
    log: BoundedLog[str] = BoundedLog(max_entries=100, max_bytes=3 * MAX_BODY_BYTES)
    for i in range(10):
        log.record(f"request {i}", MAX_BODY_BYTES)
    assert log == ["request 7", "request 8", "request 9"]
    log.append("small")
    assert log[-1] == "small" and len(log) == 4
    log.clear()
    assert log == []


def test_creates_and_deletes_leave_no_client_tokens_behind(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path) as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        state = tmp_path / HOME / "pinpoint-sms-voice-v2.json"
        for i in range(150):  # boto3 sends a ClientToken with every create
            v2.create_configuration_set(ConfigurationSetName=f"cs-{i}")
            v2.create_event_destination(
                ConfigurationSetName=f"cs-{i}",
                EventDestinationName="d",
                MatchingEventTypes=["ALL"],
                SnsDestination={"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
            )
            if i % 2:
                v2.delete_event_destination(
                    ConfigurationSetName=f"cs-{i}", EventDestinationName="d"
                )
            v2.delete_configuration_set(ConfigurationSetName=f"cs-{i}")
        assert json.loads(state.read_text()) == {"client_tokens": {}, "sets": []}
        v2.create_configuration_set(ConfigurationSetName="live", ClientToken="kept")
        saved = json.loads(state.read_text())["client_tokens"]
        assert list(saved) == ["CreateConfigurationSet:kept"]


def test_a_token_replays_within_its_window_and_is_forgotten_after(tmp_path: Path) -> None:
    now = [1_000_000.0]
    with Emulator(data_dir=tmp_path) as emu:
        emu.v2().client_tokens.clock = lambda: now[0]
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        first = v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="t")
        now[0] += TOKEN_TTL_SECONDS - 1
        again = v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="t")
        assert again["CreatedTimestamp"] == first["CreatedTimestamp"]
        now[0] += 2  # past the window: a create like any other
        with pytest.raises(v2.exceptions.ConflictException) as exc:
            v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="t")
        assert exc.value.response["Reason"] == "RESOURCE_ALREADY_EXISTS"
        # deleting what a token created forgets it: the same token creates anew
        v2.delete_configuration_set(ConfigurationSetName="cs")
        v2.create_configuration_set(ConfigurationSetName="cs", ClientToken="t")
        assert list(emu.v2().sets) == ["cs"]


def test_a_handler_failure_is_logged_and_answered_500(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("a bug in the emulator")

    service = emulator.v2()
    monkeypatch.setitem(service._handlers, "CreateConfigurationSet", broken)
    v2 = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
    with (
        caplog.at_level(logging.ERROR, logger="cdk_smsvoice.emulator"),
        pytest.raises(v2.exceptions.InternalServerException) as exc,
    ):
        v2.create_configuration_set(ConfigurationSetName="cs")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "a bug in the emulator" in caplog.text and "Traceback" in caplog.text
    assert v2.describe_configuration_sets()["ConfigurationSets"] == []


def test_sent_messages_and_event_records_keep_only_the_newest_in_memory(tmp_path: Path) -> None:
    service = V2Service(store=StateStore(tmp_path))
    service.invoke("CreateConfigurationSet", {"ConfigurationSetName": "texts"})
    service.add_destination("texts", "d", {"SnsDestination": {"TopicArn": TOPIC}})
    sends = MAX_LOG_ENTRIES + 20
    for i in range(sends):
        service.invoke(
            "SendTextMessage",
            {
                "ConfigurationSetName": "texts",
                "DestinationPhoneNumber": "+14255550100",
                "MessageBody": f"message {i}",
            },
        )
    assert len(service.messages) == len(service.events) == MAX_LOG_ENTRIES
    assert service.messages[-1]["request"]["MessageBody"] == f"message {sends - 1}"
    assert service.events[-1]["isFinal"] is True
    on_disk = (tmp_path / "events/v2/texts/d.jsonl").read_text().splitlines()
    assert len(on_disk) > MAX_LOG_ENTRIES  # the files keep every record

    reopened = V2Service(store=StateStore(tmp_path))  # reads back only the newest messages
    assert len(reopened.messages) == MAX_LOG_ENTRIES
    assert reopened.messages[-1] == service.messages[-1]


def test_reading_a_message_log_back_reads_only_its_end(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.append("log.jsonl", [{"n": i, "pad": "x" * 80} for i in range(1_000)])
    tail = store.read_lines("log.jsonl", max_bytes=1_000)
    assert 0 < len(tail) < 12  # about 100 bytes a line; the line cut by the bound is dropped
    assert [line["n"] for line in tail] == list(range(1_000 - len(tail), 1_000))
    assert len(store.read_lines("log.jsonl")) == 1_000
