"""SIGKILL ``cdk-smsvoice local`` at several points, then run it again: exactly the declared
sets exist, with their destinations and ownership tags; destroy leaves nothing; no handler
process outlives the killed run. Checked against the emulator's own state."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from crash_app import MANY, V1_COUNT, V2_COUNT, synth_many, v1_name, v2_name

from cdk_smsvoice.emulator import Emulator

ACCOUNT = "123456789012"
V2_SETS = {v2_name(i): f"Text{i}" for i in range(V2_COUNT)}
V1_SETS = {v1_name(i) for i in range(V1_COUNT)}
CLI = [sys.executable, "-m", "cdk_smsvoice.cli", "local"]


@pytest.fixture(scope="session")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_many(tmp_path_factory.mktemp("many.out"))


def clients(endpoint: str) -> tuple[Any, Any]:
    options: dict[str, Any] = {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": ACCOUNT,
        "aws_secret_access_key": "x",
    }
    return boto3.client("pinpoint-sms-voice-v2", **options), boto3.client(
        "pinpoint-sms-voice", **options
    )


def live_sets(endpoint: str) -> dict[str, Any]:
    """Every set with what matters: v2 destinations and owner tag, v1 destinations."""
    v2, v1 = clients(endpoint)
    found: dict[str, Any] = {}
    for item in v2.describe_configuration_sets()["ConfigurationSets"]:
        tags = v2.list_tags_for_resource(ResourceArn=item["ConfigurationSetArn"])["Tags"]
        owner = {t["Key"]: t["Value"] for t in tags}.get("cdk-smsvoice:owner")
        destinations = sorted(d["EventDestinationName"] for d in item["EventDestinations"])
        found[item["ConfigurationSetName"]] = (destinations, owner)
    for name in v1.list_configuration_sets()["ConfigurationSets"]:
        answer = v1.get_configuration_set_event_destinations(ConfigurationSetName=name)
        found[name] = (sorted(d["Name"] for d in answer["EventDestinations"]), None)
    return found


def expected_sets(state_dir: Path) -> dict[str, Any]:
    stack_id = json.loads((state_dir / "stacks" / f"{MANY}.json").read_text())["stack_id"]
    owners = {name: f"{stack_id}#{prefix}" for name, prefix in V2_SETS.items()}
    return {
        **{name: (["Topic"], owner) for name, owner in owners.items()},
        **{name: (["Log"], None) for name in V1_SETS},
    }


def assert_exactly_declared(endpoint: str, state_dir: Path) -> None:
    live = live_sets(endpoint)
    expected = expected_sets(state_dir)
    assert set(live) == set(expected)
    for name, (destinations, owner) in expected.items():
        assert live[name][0] == destinations, name
        if owner is not None:  # logical ids carry a hash suffix: compare the prefix
            assert live[name][1].startswith(owner), (name, live[name][1])


def handler_pids(cdk_out: Path) -> list[int]:
    """Live (not zombie) processes running a handler of this assembly."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if str(cdk_out).encode() in command and stat.rsplit(")", 1)[-1].split()[0] != "Z":
            found.append(int(entry.name))
    return found


def assert_no_handler_survives(cdk_out: Path) -> None:
    deadline = time.monotonic() + 10
    while handler_pids(cdk_out) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert handler_pids(cdk_out) == []


def entries(state_file: Path) -> tuple[int, int]:
    """(resources recorded, intents open) in the state file."""
    try:
        content = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return 0, 0
    return len(content["resources"]), len(content.get("intents", []))


def kill_when(process: "subprocess.Popen[str]", state_file: Path, done: int, open_: int) -> None:
    """SIGKILL ``process`` once the state records ``done`` resources and ``open_`` intents."""
    while process.poll() is None:
        resources, intents = entries(state_file)
        if resources >= done and intents >= open_:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before the kill point"
    process.send_signal(signal.SIGKILL)
    process.wait()


def cli(command: str, cdk_out: Path, state: Path, *extra: str) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [*CLI, command, "--cdk-out", str(cdk_out), "--state-dir", str(state), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: "subprocess.Popen[str]") -> tuple[int, str, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path / "emulator") as running:
        yield running


def test_sigkill_midway_through_a_deploy_then_rerun_and_destroy(
    many: Path, tmp_path: Path, emulator: Emulator
) -> None:
    state = tmp_path / "state"
    endpoint = ["--endpoint", emulator.endpoint_url]
    midway = (V2_COUNT + V1_COUNT) // 2
    kill_when(cli("deploy", many, state, *endpoint), state / "stacks" / f"{MANY}.json", midway, 1)
    assert_no_handler_survives(many)
    assert entries(state / "stacks" / f"{MANY}.json")[1] >= 1  # intents were left behind

    code, out, err = finish(cli("deploy", many, state, *endpoint))
    assert code == 0, out + err
    assert "settling them first" in err
    assert_exactly_declared(emulator.endpoint_url, state)
    assert entries(state / "stacks" / f"{MANY}.json")[1] == 0

    code, out, err = finish(cli("deploy", many, state, *endpoint))
    assert code == 0 and f"{MANY}: no changes" in out, out + err

    code, out, err = finish(cli("destroy", many, state, *endpoint))
    assert code == 0, out + err
    assert live_sets(emulator.endpoint_url) == {}
    assert list((state / "stacks").iterdir()) == []


def test_sigkill_during_destroy_then_destroy_again(
    many: Path, tmp_path: Path, emulator: Emulator
) -> None:
    state = tmp_path / "state"
    endpoint = ["--endpoint", emulator.endpoint_url]
    assert finish(cli("deploy", many, state, *endpoint))[0] == 0
    destroy = cli("destroy", many, state, *endpoint)
    kill_when(destroy, state / "stacks" / f"{MANY}.json", 0, 1)
    assert_no_handler_survives(many)
    code, out, err = finish(cli("destroy", many, state, *endpoint))
    assert code == 0, out + err
    assert live_sets(emulator.endpoint_url) == {}


def test_embedded_emulator_sigkill_a_second_run_refused_then_rerun(
    many: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = cli("deploy", many, state)
    state_file = state / "stacks" / f"{MANY}.json"
    while entries(state_file)[1] < 2 and first.poll() is None:
        time.sleep(0.02)
    # One run at a time: a second deploy on the same state dir is refused at once.
    code, _, err = finish(cli("deploy", many, state))
    assert code == 2 and f"pid {first.pid}" in err, err
    kill_when(first, state_file, 0, 1)
    assert_no_handler_survives(many)

    code, out, err = finish(cli("deploy", many, state))
    assert code == 0, out + err
    with Emulator(data_dir=state / "emulator") as emulator:
        assert_exactly_declared(emulator.endpoint_url, state)
    code, out, err = finish(cli("destroy", many, state))
    assert code == 0, out + err
    with Emulator(data_dir=state / "emulator") as emulator:
        assert live_sets(emulator.endpoint_url) == {}


def test_sigterm_kills_the_handlers_and_the_next_run_resumes(many: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = cli("deploy", many, state)
    while entries(state / "stacks" / f"{MANY}.json")[1] < 1 and first.poll() is None:
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGTERM)
    code, _, err = finish(first)
    assert code == 128 + signal.SIGTERM and "the next run resumes" in err
    assert_no_handler_survives(many)
