"""State files: round trip, atomic replacement, and a failed write that leaves the old file."""

import json
from pathlib import Path

import pytest

from cdk_smsvoice import durable_files
from cdk_smsvoice.local import state as state_module
from cdk_smsvoice.local.state import ResourceState, StackState, StateStore


def sample(status: str = "CREATE_COMPLETE") -> StackState:
    resource = ResourceState(
        logical_id="A",
        resource_type="Custom::SmsVoiceV2ConfigurationSet",
        physical_id="set-a",
        properties={"ConfigurationSetName": "set-a", "EventDestinations": [{"Enabled": "true"}]},
        data={"Arn": "arn:set-a"},
        deletion_policy="Retain",
        dependencies=["B"],
    )
    old = ResourceState("A", resource.resource_type, "old-a", {"ConfigurationSetName": "old-a"})
    return StackState(
        stack_name="App",
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/App/x",
        account="123456789012",
        region="us-east-1",
        status=status,
        resources={"A": resource},
        pending_deletes=[old],
    )


def test_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.load("App") is None
    store.save(sample())
    assert store.path("App") == tmp_path / "stacks" / "App.json"
    assert store.load("App") == sample()
    assert [s.stack_name for s in store.load_all()] == ["App"]
    assert json.loads(store.path("App").read_text())["version"] == state_module.STATE_VERSION
    store.remove("App")
    assert store.load("App") is None and store.load_all() == []


def test_a_write_that_fails_midway_leaves_the_previous_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateStore(tmp_path)
    store.save(sample())
    before = store.path("App").read_bytes()

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(durable_files.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        store.save(sample("UPDATE_IN_PROGRESS"))
    assert store.path("App").read_bytes() == before
    assert sorted(p.name for p in store.directory.iterdir()) == ["App.json"]


def test_unreadable_state_is_a_clear_error(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.directory.mkdir(parents=True)
    store.path("App").write_text(json.dumps({"version": 99}))
    with pytest.raises(ValueError, match=r"App\.json: unreadable state"):
        store.load("App")


def test_temporaries_a_killed_write_left_are_removed(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.directory.mkdir(parents=True)
    (store.directory / ".App.json.abc123.tmp").write_text("{")
    (store.directory / "App.json").write_text("{}")
    store.remove_temporaries()
    assert [p.name for p in store.directory.iterdir()] == ["App.json"]
