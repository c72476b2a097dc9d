"""``cdk-smsvoice local`` end to end: synthesized stacks, the real handler in its own process,
the emulator behind it."""

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from local_support import Synthesized

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.local.cli import main
from cdk_smsvoice.local.state import StateStore

ACCOUNT = "123456789012"
V2_SET = "SmsVoiceReference-Notifications-08FF60A9"
V1_SET = "SmsVoiceReference-Calls-563AB56F"


def client(emulator: Emulator, service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=ACCOUNT,
        aws_secret_access_key="x",
    )


def v2_sets(emulator: Emulator) -> dict[str, dict[str, Any]]:
    answer = client(emulator, "pinpoint-sms-voice-v2").describe_configuration_sets()
    return {s["ConfigurationSetName"]: s for s in answer["ConfigurationSets"]}


def v1_destinations(emulator: Emulator, name: str) -> dict[str, dict[str, Any]]:
    v1 = client(emulator, "pinpoint-sms-voice")
    answer = v1.get_configuration_set_event_destinations(ConfigurationSetName=name)
    return {d["Name"]: d for d in answer["EventDestinations"]}


def test_deploy_redeploy_status_destroy_with_the_embedded_emulator(
    synthesized: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--cdk-out", str(synthesized.directory), "--state-dir", str(tmp_path)]
    assert main(["deploy", *options]) == 0
    out = capsys.readouterr().out
    assert "SmsVoiceReference: CREATE_COMPLETE (2 created)" in out
    assert "Consumer: CREATE_COMPLETE (1 created)" in out
    assert "Producer: no SMS and Voice configuration sets" in out
    assert "└ UnansweredCalls" in out and "firehose" in out
    state = StateStore(tmp_path).load("SmsVoiceReference")
    assert state is not None
    with Emulator(data_dir=tmp_path / "emulator") as emulator:
        sets = v2_sets(emulator)
        assert set(sets) == {V2_SET, "consumer-set"}
        assert sets[V2_SET]["DefaultMessageType"] == "TRANSACTIONAL"
        v2 = client(emulator, "pinpoint-sms-voice-v2")
        destinations = {d["EventDestinationName"] for d in sets[V2_SET]["EventDestinations"]}
        assert destinations == {"Delivery", "AllEventsLog", "to-lake"}
        tags = v2.list_tags_for_resource(ResourceArn=sets[V2_SET]["ConfigurationSetArn"])["Tags"]
        owner = {t["Key"]: t["Value"] for t in tags}["cdk-smsvoice:owner"]
        assert owner == f"{state.stack_id}#Notifications87298708"
        assert set(v1_destinations(emulator, V1_SET)) == {"CallLog", "UnansweredCalls"}
    files = {p.name: p.read_text() for p in (tmp_path / "stacks").iterdir()}

    assert main(["deploy", *options]) == 0
    out = capsys.readouterr().out
    assert "SmsVoiceReference: no changes" in out and "Consumer: no changes" in out
    assert {p.name: p.read_text() for p in (tmp_path / "stacks").iterdir()} == files

    assert main(["status", "--state-dir", str(tmp_path)]) == 0
    status = capsys.readouterr().out
    assert f"SmsVoiceReference: CREATE_COMPLETE ({state.stack_id})" in status
    assert "deployed" in status
    assert main(["status", "--json", "--state-dir", str(tmp_path)]) == 0
    stacks = {s["stack"]: s for s in json.loads(capsys.readouterr().out)["stacks"]}
    names = {r["configuration_set_name"] for r in stacks["SmsVoiceReference"]["resources"]}
    assert names == {V1_SET, V2_SET}

    assert main(["destroy", *options]) == 0
    out = capsys.readouterr().out
    assert "SmsVoiceReference: DELETE_COMPLETE (2 deleted)" in out
    assert list((tmp_path / "stacks").iterdir()) == []
    with Emulator(data_dir=tmp_path / "emulator") as emulator:
        assert v2_sets(emulator) == {}


@pytest.fixture
def reference_only(synthesized: Synthesized, tmp_path: Path) -> Path:
    """A copy of the assembly that holds only the reference stack (its templates editable)."""
    directory = tmp_path / "cdk.out"
    shutil.copytree(synthesized.directory, directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["artifacts"] = {
        k: v for k, v in manifest["artifacts"].items() if k.startswith("SmsVoiceReference")
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path / "emulator-data") as running:
        yield running


def test_a_failed_create_rolls_back_the_update_made_beside_it(
    reference_only: Path, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = [
        "--cdk-out", str(reference_only), "--state-dir", str(tmp_path / "state"),
        "--endpoint", emulator.endpoint_url,
    ]  # fmt: skip
    assert main(["deploy", *options]) == 0
    capsys.readouterr()
    state_file = tmp_path / "state" / "stacks" / "SmsVoiceReference.json"
    deployed = state_file.read_text()

    template_path = reference_only / "SmsVoiceReference.template.json"
    template = json.loads(template_path.read_text())
    resources = template["Resources"]
    resources["Notifications87298708"]["Properties"]["EventDestinations"][0][
        "MatchingEventTypes"
    ] = ["TEXT_DELIVERED"]
    clash = copy.deepcopy(resources["Calls3682725C"])
    clash["Properties"]["ConfigurationSetName"] = "someone-elses"
    clash["DependsOn"] = ["Notifications87298708"]
    resources["Clash"] = clash
    template_path.write_text(json.dumps(template))
    client(emulator, "pinpoint-sms-voice").create_configuration_set(
        ConfigurationSetName="someone-elses"
    )

    assert main(["deploy", *options]) == 1
    out = capsys.readouterr().out
    assert "SmsVoiceReference: UPDATE_ROLLBACK_COMPLETE" in out
    assert "already exists" in out
    delivery = next(
        d for d in v2_sets(emulator)[V2_SET]["EventDestinations"]
        if d["EventDestinationName"] == "Delivery"
    )  # fmt: skip
    assert sorted(delivery["MatchingEventTypes"]) == sorted(
        ["TEXT_DELIVERED", "TEXT_BLOCKED", "TEXT_TTL_EXPIRED"]
    )
    assert v1_destinations(emulator, "someone-elses") == {}  # untouched, still there
    assert state_file.read_text() == deployed
