"""Stack selection (names, globs, dependencies, orphans) and one run at a time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_support import Local, hand_template, set_properties, write_assembly

from cdk_smsvoice.local.assembly import StackArtifact
from cdk_smsvoice.local.cli import EXIT_USAGE, main
from cdk_smsvoice.local.lock import StateLock, StateLockedError
from cdk_smsvoice.local.selection import orphans, select


def app(name: str) -> dict[str, object]:
    return hand_template({"S": {"Properties": set_properties(f"{name.lower()}-set")}})


TEMPLATES = {"Base": app("Base"), "Api": app("Api"), "ApiWorker": app("ApiWorker")}
DEPENDENCIES = {"Api": ["Base"], "ApiWorker": ["Api"]}


def names(stacks: list[StackArtifact]) -> list[str]:
    return [s.stack_name for s in stacks]


def test_names_and_globs_select_stacks_widened_as_cdk_does(tmp_path: Path) -> None:
    stacks = write_assembly(tmp_path, TEMPLATES, DEPENDENCIES)
    assert names(select(stacks, [], "upstream")) == ["Base", "Api", "ApiWorker"]
    assert names(select(stacks, ["Api"], None)) == ["Api"]
    assert names(select(stacks, ["Api*"], None)) == ["Api", "ApiWorker"]
    assert names(select(stacks, ["Api"], "upstream")) == ["Base", "Api"]  # deploy
    assert names(select(stacks, ["Api"], "downstream")) == ["Api", "ApiWorker"]  # destroy
    assert names(select(stacks, ["B?se", "ApiW*"], None)) == ["Base", "ApiWorker"]


def test_deploy_acts_on_the_selected_stacks_only(local: Local) -> None:
    deployer = local.deployer(TEMPLATES, dependencies=DEPENDENCIES)
    results = deployer.deploy(select(deployer.stacks, ["Api"], None))
    assert [r.stack_name for r in results] == ["Api"]
    assert [c.properties["ConfigurationSetName"] for c in local.handler.calls] == ["api-set"]


def test_destroy_removes_orphans_and_status_flags_them(
    local: Local, capsys: pytest.CaptureFixture[str]
) -> None:
    local.deploy(TEMPLATES, dependencies=DEPENDENCIES)
    remaining = {"Base": TEMPLATES["Base"]}
    deployer = local.deployer(remaining)
    leftovers = orphans(deployer.stacks, local.store, [])
    assert names(leftovers) == ["Api", "ApiWorker"]
    assert names(orphans(deployer.stacks, local.store, ["*Worker"])) == ["ApiWorker"]

    options = ["--cdk-out", str(local.root / "cdk.out"), "--state-dir", str(local.root / "state")]
    assert main(["status", *options]) == 0
    out = capsys.readouterr().out
    assert "Api: CREATE_COMPLETE" in out and "ORPHANED" in out
    assert "Base: CREATE_COMPLETE" in out.replace("ORPHANED", "")
    assert main(["status", "--json", *options]) == 0
    document = json.loads(capsys.readouterr().out)
    flags = {s["stack"]: s["orphaned"] for s in document["stacks"]}
    assert flags == {"Api": True, "ApiWorker": True, "Base": False}

    local.handler.calls.clear()
    results = deployer.destroy(select(deployer.stacks, ["Nothing*"], None), leftovers)
    assert {r.stack_name: r.status for r in results} == {
        "Api": "DELETE_COMPLETE",
        "ApiWorker": "DELETE_COMPLETE",
    }
    # The orphans' templates are gone: their Deletes ran the packaged handler.
    assert sorted(c.physical_id for c in local.handler.calls) == ["api-set", "apiworker-set"]
    assert {s.stack_name for s in local.store.load_all()} == {"Base"}


def test_a_pattern_that_matches_nothing_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_assembly(tmp_path / "cdk.out", TEMPLATES, DEPENDENCIES)
    options = ["--cdk-out", str(tmp_path / "cdk.out"), "--state-dir", str(tmp_path / "s")]
    assert main(["deploy", "Nope*", *options]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no stack matches Nope*" in err and "Base, Api, ApiWorker" in err


@pytest.mark.parametrize("command", ["deploy", "destroy", "status"])
def test_a_second_run_on_a_held_state_dir_exits_2_naming_the_holder(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_assembly(tmp_path / "cdk.out", TEMPLATES)
    state = tmp_path / "state"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from cdk_smsvoice.local.lock import StateLock\n"
            "with StateLock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(state),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        options = ["--state-dir", str(state)]
        if command != "status":
            options += ["--cdk-out", str(tmp_path / "cdk.out")]
        assert main([command, *options]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert f"in use by another cdk-smsvoice local run (pid {holder.pid})" in err
        assert not (state / "stacks").exists()
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the lock with the holder's death (even a SIGKILL).
    with StateLock(state):
        pass


def test_the_lock_is_exclusive_within_one_process_too(tmp_path: Path) -> None:
    with StateLock(tmp_path):
        assert (tmp_path / ".lock.pid").read_text().strip() == str(os.getpid())
        with pytest.raises(StateLockedError, match=f"pid {os.getpid()}"), StateLock(tmp_path):
            pass
    assert not (tmp_path / ".lock.pid").exists()
