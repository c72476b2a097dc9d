"""SIGKILL the emulator process and restart it on the same data dir: nothing acknowledged is
lost, and the state files stay readable."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from emulator_clients import EmulatorProcess, client, set_with_topic


def _describe(url: str) -> list[dict[str, Any]]:
    v2 = client("pinpoint-sms-voice-v2", url)
    return [
        c
        for page in v2.get_paginator("describe_configuration_sets").paginate()
        for c in page["ConfigurationSets"]
    ]


def test_kill_between_requests_loses_nothing(tmp_path: Path) -> None:
    first = EmulatorProcess(tmp_path)
    v2 = client("pinpoint-sms-voice-v2", first.url)
    v1 = client("pinpoint-sms-voice", first.url)
    set_with_topic(v2, "texts")
    v2.set_default_message_type(ConfigurationSetName="texts", MessageType="PROMOTIONAL")
    v1.create_configuration_set(ConfigurationSetName="calls")
    message_id = v2.send_text_message(
        ConfigurationSetName="texts", DestinationPhoneNumber="+14255550100", MessageBody="hi"
    )["MessageId"]
    before = _describe(first.url)
    first.kill()

    second = EmulatorProcess(tmp_path)
    try:
        assert _describe(second.url) == before
        assert client("pinpoint-sms-voice", second.url).list_configuration_sets()[
            "ConfigurationSets"
        ] == ["calls"]
        events = (tmp_path / "123456789012/us-east-1/events/v2/texts/d.jsonl").read_text()
        assert events.count(message_id) == 4
    finally:
        assert second.stop() == 0  # SIGTERM is a clean shutdown


def test_kill_under_load_keeps_every_acknowledged_change(tmp_path: Path) -> None:
    first = EmulatorProcess(tmp_path)
    acknowledged: list[str] = []
    enough = threading.Event()

    def write() -> None:
        v2 = client("pinpoint-sms-voice-v2", first.url)
        for i in range(10_000):
            try:
                v2.create_configuration_set(ConfigurationSetName=f"set-{i:05d}")
            except (BotoCoreError, ClientError):
                return  # the process is gone
            acknowledged.append(f"set-{i:05d}")
            if len(acknowledged) == 40:
                enough.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert enough.wait(timeout=120)
    first.kill()  # while requests are in flight
    writer.join(timeout=60)

    second = EmulatorProcess(tmp_path)
    try:
        present = {c["ConfigurationSetName"] for c in _describe(second.url)}
        assert set(acknowledged) <= present
        # at most the one request in flight was saved without being acknowledged
        assert len(present - set(acknowledged)) <= 1
        client("pinpoint-sms-voice-v2", second.url).create_configuration_set(
            ConfigurationSetName="after-restart"
        )
    finally:
        second.stop()
    assert not list(tmp_path.glob("**/*.tmp"))  # no temporary file was left to be read
