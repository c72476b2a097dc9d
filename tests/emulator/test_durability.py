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


def test_kill_under_20_thread_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    first = EmulatorProcess(tmp_path)
    lock = threading.Lock()
    acknowledged: dict[tuple[str, str], str] = {}  # (api, name) -> "created" | "deleted"
    in_flight: dict[int, tuple[str, str]] = {}
    enough = threading.Event()

    def write(worker: int) -> None:
        api = "v1" if worker % 4 == 0 else "v2"
        service = "pinpoint-sms-voice" if api == "v1" else "pinpoint-sms-voice-v2"
        sms = client(service, first.url)
        for i in range(10_000):
            name = f"w{worker:02d}-{i:05d}"
            steps = [("created", sms.create_configuration_set)]
            if i % 3 == 0:
                steps.append(("deleted", sms.delete_configuration_set))
            for outcome, call in steps:
                with lock:
                    in_flight[worker] = (api, name)
                try:
                    call(ConfigurationSetName=name)
                except (BotoCoreError, ClientError):
                    return  # the process is gone
                with lock:
                    acknowledged[(api, name)] = outcome
                    if len(acknowledged) >= 200:
                        enough.set()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for writer in writers:
        writer.start()
    assert enough.wait(timeout=180)
    first.kill()  # while 20 clients have requests in flight
    for writer in writers:
        writer.join(timeout=60)

    second = EmulatorProcess(tmp_path)
    try:
        present = {("v2", c["ConfigurationSetName"]) for c in _describe(second.url)}
        v1 = client("pinpoint-sms-voice", second.url)
        present |= {
            ("v1", n) for n in v1.list_configuration_sets(PageSize="1000")["ConfigurationSets"]
        }
        unsure = set(in_flight.values())  # a request in flight may or may not have applied
        for key, outcome in acknowledged.items():
            if key not in unsure:
                assert (key in present) == (outcome == "created"), (key, outcome)
        assert present <= set(acknowledged) | unsure
    finally:
        second.stop()
    assert not list(tmp_path.glob("**/*.tmp"))
