"""End to end: synthesize an app, deploy it with ``cdk-smsvoice local`` through the real handler
to the emulator, change destinations and event types, rename, make an update fail and roll back,
destroy; the emulator's state is checked after every step."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
    EventType,
    VoiceConfigurationSet,
    VoiceEventType,
)
from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.local.cli import main as local

TEXTS, RENAMED, CALLS = "e2e-texts", "e2e-texts-renamed", "e2e-calls"


def _synth(
    outdir: Path,
    *,
    texts_name: str,
    topic_events: list[EventType],
    with_log: bool,
    calls_log: bool,
) -> Path:
    app = App(outdir=str(outdir))
    stack = Stack(app, "E2E")
    topic = sns.Topic(stack, "Events")
    log_group = logs.LogGroup(stack, "EventLog", removal_policy=RemovalPolicy.DESTROY)
    texts = ConfigurationSet(stack, "Texts", configuration_set_name=texts_name)
    texts.add_event_destination(
        "Topic", destination=EventDestination.sns_topic(topic), events=topic_events
    )
    if with_log:
        texts.add_event_destination(
            "Log", destination=EventDestination.cloud_watch_logs(log_group), events=[EventType.ALL]
        )
    calls = VoiceConfigurationSet(
        stack, "Calls", configuration_set_name=CALLS, removal_policy=RemovalPolicy.RETAIN
    )
    calls.add_event_destination(
        "Busy", destination=EventDestination.sns_topic(topic), events=[VoiceEventType.BUSY]
    )
    if calls_log:
        calls.add_event_destination(
            "Log",
            destination=EventDestination.cloud_watch_logs(log_group),
            events=[VoiceEventType.ANSWERED, VoiceEventType.COMPLETED_CALL],
        )
    app.synth()
    return outdir


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("apps")
    first = {"topic_events": [EventType.TEXT_DELIVERED], "with_log": True, "calls_log": False}
    changed = {
        "topic_events": [EventType.TEXT_DELIVERED, EventType.TEXT_BLOCKED],
        "with_log": False,
        "calls_log": True,
    }
    return {
        "first": _synth(root / "first", texts_name=TEXTS, **first),  # type: ignore[arg-type]
        "changed": _synth(root / "changed", texts_name=TEXTS, **changed),  # type: ignore[arg-type]
        "renamed": _synth(root / "renamed", texts_name=RENAMED, **changed),  # type: ignore[arg-type]
        "renamed+log": _synth(
            root / "renamed+log",
            texts_name=RENAMED,
            **{**changed, "with_log": True},  # type: ignore[arg-type]
        ),
    }


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path_factory.mktemp("emulator")) as emu:
        yield emu


def _destinations(emulator: Emulator) -> dict[str, dict[str, Any]]:
    """``{api/set: {destination: (sink, events, enabled)}}`` from the emulator's own state."""
    found: dict[str, dict[str, Any]] = {}
    for api, service in (("v2", emulator.v2()), ("v1", emulator.v1())):
        for name, conf in service.sets.items():
            found[f"{api}/{name}"] = {
                d.name: (d.sink_type, sorted(d.matching_event_types), d.enabled)
                for d in conf.event_destinations.values()
            }
    return found


def _fail_next(emulator: Emulator, operation: str) -> None:
    fault = {
        "api": "v2",
        "operation": operation,
        "code": "ValidationException",
        "message": "Injected: the destination is refused",
        "fields": {"Reason": "OTHER"},
    }
    request = urllib.request.Request(
        f"{emulator.endpoint_url}/_emulator/faults",
        json.dumps(fault).encode(),
        headers={"Content-Type": "application/json"},  # the control API takes only JSON
        method="POST",
    )
    urllib.request.urlopen(request).close()


def test_deploy_update_rename_rollback_destroy(
    apps: dict[str, Path],
    emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = ["--state-dir", str(tmp_path / "state"), "--endpoint", emulator.endpoint_url]

    def deploy(app: str) -> int:
        return local(["deploy", "--cdk-out", str(apps[app]), *state])

    # 1. create
    assert deploy("first") == 0
    assert _destinations(emulator) == {
        f"v2/{TEXTS}": {
            "Topic": ("SnsDestination", ["TEXT_DELIVERED"], True),
            "Log": ("CloudWatchLogsDestination", ["ALL"], True),
        },
        f"v1/{CALLS}": {"Busy": ("SnsDestination", ["BUSY"], True)},
    }
    topic_arn = emulator.v2().sets[TEXTS].event_destinations["Topic"].sink["TopicArn"]
    assert topic_arn.startswith("arn:aws:sns:us-east-1:123456789012:")
    owner = emulator.v2().sets[TEXTS].tags["cdk-smsvoice:owner"]
    assert owner.startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/E2E/")
    assert "#Texts" in owner

    # the same app again: nothing is called
    calls_before = len(emulator.v2().calls) + len(emulator.v1().calls)
    capsys.readouterr()
    assert deploy("first") == 0
    assert "no changes" in capsys.readouterr().out
    assert len(emulator.v2().calls) + len(emulator.v1().calls) == calls_before

    # 2. change destinations and event types
    assert deploy("changed") == 0
    changed = {
        f"v2/{TEXTS}": {"Topic": ("SnsDestination", ["TEXT_BLOCKED", "TEXT_DELIVERED"], True)},
        f"v1/{CALLS}": {
            "Busy": ("SnsDestination", ["BUSY"], True),
            "Log": ("CloudWatchLogsDestination", ["ANSWERED", "COMPLETED_CALL"], True),
        },
    }
    assert _destinations(emulator) == changed

    # 3. rename: a replacement, and the cleanup deletes the old set
    assert deploy("renamed") == 0
    renamed = {
        f"v2/{RENAMED}": changed[f"v2/{TEXTS}"],
        f"v1/{CALLS}": changed[f"v1/{CALLS}"],
    }
    assert _destinations(emulator) == renamed

    # 4. an update that fails rolls back to what was there
    _fail_next(emulator, "CreateEventDestination")
    capsys.readouterr()
    assert deploy("renamed+log") != 0
    out = capsys.readouterr()
    assert "Injected: the destination is refused" in out.out + out.err
    assert _destinations(emulator) == renamed
    assert emulator.v2().pending_faults() == {}
    # and the state still describes the old app: deploying it changes nothing
    assert deploy("renamed") == 0
    assert _destinations(emulator) == renamed
    # the failed change deploys once the fault is gone
    assert deploy("renamed+log") == 0
    assert _destinations(emulator)[f"v2/{RENAMED}"]["Log"] == (
        "CloudWatchLogsDestination",
        ["ALL"],
        True,
    )

    # 5. destroy: the v2 set goes, the RETAINed voice set stays
    assert local(["destroy", "--cdk-out", str(apps["renamed+log"]), *state]) == 0
    assert _destinations(emulator) == {f"v1/{CALLS}": renamed[f"v1/{CALLS}"]}
    assert local(["status", "--state-dir", str(tmp_path / "state")]) == 0


def test_lost_responses_converge_without_duplicates(apps: dict[str, Path], tmp_path: Path) -> None:
    """Each create takes effect but its answer is lost; the handler retries and converges (v2
    through its ClientToken, v1 by recognising the set its earlier attempt made)."""
    with Emulator(data_dir=tmp_path / "emulator") as emu:
        emu.v2().lose_response("CreateConfigurationSet")
        emu.v2().lose_response("CreateEventDestination")
        emu.v1().lose_response("CreateConfigurationSet")
        state = ["--state-dir", str(tmp_path / "state"), "--endpoint", emu.endpoint_url]
        assert local(["deploy", "--cdk-out", str(apps["first"]), *state]) == 0
        assert emu.v1().pending_faults() == {} and emu.v2().pending_faults() == {}
        assert _destinations(emu) == {
            f"v2/{TEXTS}": {
                "Topic": ("SnsDestination", ["TEXT_DELIVERED"], True),
                "Log": ("CloudWatchLogsDestination", ["ALL"], True),
            },
            f"v1/{CALLS}": {"Busy": ("SnsDestination", ["BUSY"], True)},
        }
        assert emu.v2().count("CreateConfigurationSet") == 2  # the lost one and its retry
        assert emu.v2().outcomes.count(("CreateConfigurationSet", 200, None)) == 2
