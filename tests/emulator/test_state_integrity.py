"""State that never lies: one emulator per data dir, a change visible only once saved (and
nothing changed when the save fails), unreadable state refused at start, crash leftovers
removed."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import CREDENTIALS, EmulatorProcess, client
from filelock import FileLock

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.emulator.data_lock import DataDirLockedError
from cdk_smsvoice.emulator.store import StateFileError

HOME = Path("123456789012/us-east-1")


def _names(url: str) -> list[str]:
    v2 = client("pinpoint-sms-voice-v2", url)
    pages = v2.get_paginator("describe_configuration_sets").paginate()
    return [c["ConfigurationSetName"] for page in pages for c in page["ConfigurationSets"]]


def _cli(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdk_smsvoice.emulator", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **CREDENTIALS},
    )


def test_a_second_emulator_on_the_same_data_dir_refuses_to_start(tmp_path: Path) -> None:
    first = EmulatorProcess(tmp_path)
    try:
        client("pinpoint-sms-voice-v2", first.url).create_configuration_set(
            ConfigurationSetName="kept"
        )
        with pytest.raises(DataDirLockedError) as exc:
            Emulator(data_dir=tmp_path)
        assert str(tmp_path) in str(exc.value)
        assert f"pid {first.process.pid}" in str(exc.value)
        second = _cli(tmp_path)
        assert second.returncode == 2
        assert str(tmp_path) in second.stderr and f"pid {first.process.pid}" in second.stderr
        assert _names(first.url) == ["kept"]
    finally:
        first.stop()
    with Emulator(data_dir=tmp_path) as emu:  # free again once the first has stopped
        assert _names(emu.endpoint_url) == ["kept"]


def test_an_emulator_starts_inside_a_locked_parent_dir(tmp_path: Path) -> None:
    # local deploy locks its state dir and keeps the embedded emulator's data below it
    with FileLock(tmp_path / ".lock", timeout=0), Emulator(data_dir=tmp_path / "emulator") as emu:
        client("pinpoint-sms-voice-v2", emu.endpoint_url).create_configuration_set(
            ConfigurationSetName="cs"
        )
        assert (tmp_path / "emulator" / ".lock").exists()


def _failing_save(monkeypatch: pytest.MonkeyPatch, emu: Emulator, api: str) -> None:
    """Make the next saves of ``api``'s state fail as a full disk would."""
    store = (emu.v2() if api == "v2" else emu.v1()).store
    assert store is not None

    def no_space(name: str, state: dict[str, Any]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "save", no_space)


def test_a_failed_save_changes_nothing_now_or_after_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(data_dir=tmp_path) as emu:
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url)
        v1 = client("pinpoint-sms-voice", emu.endpoint_url)
        v2.create_configuration_set(ConfigurationSetName="a")
        v1.create_configuration_set(ConfigurationSetName="calls")
        before = v2.describe_configuration_sets()["ConfigurationSets"]
        with monkeypatch.context() as patch:
            _failing_save(patch, emu, "v2")
            _failing_save(patch, emu, "v1")
            with pytest.raises(v2.exceptions.InternalServerException) as exc:
                v2.delete_configuration_set(ConfigurationSetName="a")
            assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            assert "could not save" in exc.value.response["Error"]["Message"]
            with pytest.raises(v2.exceptions.InternalServerException):
                v2.create_configuration_set(ConfigurationSetName="b", ClientToken="t-1")
            with pytest.raises(v2.exceptions.InternalServerException):
                v2.tag_resource(
                    ResourceArn=before[0]["ConfigurationSetArn"],
                    Tags=[{"Key": "k", "Value": "v"}],
                )
            with pytest.raises(v1.exceptions.InternalServiceErrorException):
                v1.delete_configuration_set(ConfigurationSetName="calls")
            # exactly as before, to every client
            assert v2.describe_configuration_sets()["ConfigurationSets"] == before
            assert list(emu.v2().sets) == ["a"]
            assert len(emu.v2().client_tokens) == 1  # the token boto3 sent with "a"
            assert v1.list_configuration_sets()["ConfigurationSets"] == ["calls"]
        # the disk is back: a retried delete deletes, it is not a 404
        v2.delete_configuration_set(ConfigurationSetName="a")
        v2.create_configuration_set(ConfigurationSetName="b", ClientToken="t-1")
    with Emulator(data_dir=tmp_path) as emu:
        assert _names(emu.endpoint_url) == ["b"]
        v1 = client("pinpoint-sms-voice", emu.endpoint_url)
        assert v1.list_configuration_sets()["ConfigurationSets"] == ["calls"]


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond fails with EFBIG instead


def test_a_real_write_failure_acknowledges_only_what_was_saved(tmp_path: Path) -> None:
    process = EmulatorProcess(tmp_path, preexec_fn=_limit_file_size)
    acknowledged: list[str] = []
    try:
        v2 = client("pinpoint-sms-voice-v2", process.url)
        tags = [{"Key": f"k{i}", "Value": "v" * 40} for i in range(5)]
        for i in range(100):
            try:
                v2.create_configuration_set(ConfigurationSetName=f"set-{i}", Tags=tags)
            except v2.exceptions.InternalServerException:
                break
            acknowledged.append(f"set-{i}")
        else:
            raise AssertionError("the state file never outgrew the file size limit")
        assert _names(process.url) == acknowledged  # the refused create is not visible
    finally:
        process.kill()
    with Emulator(data_dir=tmp_path) as emu:
        assert _names(emu.endpoint_url) == acknowledged
    assert not list(tmp_path.glob("**/*.tmp"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"sets": [{"name": "a", "event_destinations": []}', "Expecting"),  # truncated
        (b"", "Expecting value"),
        (b"\xff\xfe", "utf-8"),
        (b"[]", "expected a JSON object"),
        (b'{"sets": [{"nom": "a"}]}', "KeyError"),
    ],
    ids=["truncated", "empty", "not-utf8", "not-an-object", "wrong-shape"],
)
def test_an_unreadable_state_file_stops_the_start_naming_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    state = tmp_path / HOME / "pinpoint-sms-voice.json"
    state.parent.mkdir(parents=True)
    state.write_bytes(content)
    with pytest.raises(StateFileError) as exc:
        Emulator(data_dir=tmp_path)
    assert str(state) in str(exc.value) and problem in str(exc.value)
    done = _cli(tmp_path)
    assert done.returncode == 2
    assert str(state) in done.stderr and done.stdout == ""  # no URL: nothing was served
    with Emulator(data_dir=tmp_path / "other"):  # the failed start released its lock
        pass
    state.unlink()
    with Emulator(data_dir=tmp_path):
        pass


def test_a_corrupt_message_log_stops_the_start_naming_it(tmp_path: Path) -> None:
    log = tmp_path / HOME / "messages.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text('{"api": "v2"\n{"api": "v2", "messageId": "m"}\n')
    with pytest.raises(StateFileError, match=r"messages\.jsonl"):
        Emulator(data_dir=tmp_path)


def test_temporary_files_left_by_a_crash_are_removed_at_start(tmp_path: Path) -> None:
    with Emulator(data_dir=tmp_path) as emu:
        client("pinpoint-sms-voice-v2", emu.endpoint_url).create_configuration_set(
            ConfigurationSetName="kept"
        )
    left = tmp_path / HOME / ".pinpoint-sms-voice-v2.json.x1y2.tmp"
    left.write_text('{"sets": [')  # what a crash mid-write leaves
    with Emulator(data_dir=tmp_path) as emu:
        assert not left.exists()
        assert _names(emu.endpoint_url) == ["kept"]
    saved = json.loads((tmp_path / HOME / "pinpoint-sms-voice-v2.json").read_text())
    assert [s["name"] for s in saved["sets"]] == ["kept"]


def test_the_lock_is_released_by_whichever_thread_stops_the_emulator(tmp_path: Path) -> None:
    started: list[Emulator] = []
    starter = threading.Thread(target=lambda: started.append(Emulator(data_dir=tmp_path).start()))
    starter.start()
    starter.join()
    started[0].stop()  # another thread than the one that took the lock
    with Emulator(data_dir=tmp_path):
        pass
