"""Resuming from the write-ahead intents a killed run leaves: the state file is captured at
the moment a handler runs (as a SIGKILL would leave it), put back after the run, and the next
run must recognise what the interrupted handler made, without ever adopting another's set."""

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from local_support import V1, Call, Local, hand_template, set_properties

from cdk_smsvoice.local.cli import main
from cdk_smsvoice.local.probe import SetPresence, owner_id
from cdk_smsvoice.local.state import StackState


@dataclass
class World:
    """The sets that exist: name -> ownership tag (None for v1)."""

    sets: dict[str, str | None] = field(default_factory=dict)

    def probe(self, kind: str, name: str, account: str, region: str) -> SetPresence:
        return SetPresence(name in self.sets, self.sets.get(name))

    def apply(self, call: Call) -> None:
        owner = owner_id(call.event["StackId"], call.logical_id)
        if call.request_type == "Delete":
            self.sets.pop(str(call.physical_id), None)
        else:
            v2 = call.event["ResourceType"] != V1
            self.sets.setdefault(call.properties["ConfigurationSetName"], owner if v2 else None)


@dataclass
class Crash:
    """Captures the state file and the world when the ``at``-th call runs."""

    local: Local
    world: World
    at: Callable[[Call], bool]
    made: bool = True
    """Whether the interrupted handler got to make (or delete) the set."""
    state: str | None = None
    world_then: dict[str, str | None] = field(default_factory=dict)

    def __call__(self, call: Call) -> None:
        if self.state is None and self.at(call):
            self.state = self.local.store.path("App").read_text()
            if self.made:
                self.world.apply(call)
            self.world_then = copy.deepcopy(self.world.sets)
        else:
            self.world.apply(call)

    def restore(self) -> StackState:
        assert self.state is not None
        self.local.store.path("App").write_text(self.state)
        self.world.sets = copy.deepcopy(self.world_then)
        state = self.local.store.load("App")
        assert state is not None and state.intents
        return state


def one(lid: str, name: str, **fragment: Any) -> dict[str, Any]:
    return {lid: {"Properties": set_properties(name), **fragment}}


@pytest.fixture
def world() -> World:
    return World()


def deploy(local: Local, world: World, template: dict[str, Any]) -> Any:
    return local.deploy({"App": template}, prober=world.probe)


def test_a_set_the_interrupted_create_made_is_converged_by_an_update_not_created_again(
    local: Local, world: World
) -> None:
    crash = Crash(local, world, at=lambda c: c.request_type == "Create")
    local.handler.on_call = crash
    template = hand_template(one("A", "a"))
    deploy(local, world, template)
    state = crash.restore()
    (intent,) = state.intents
    assert (intent.request_type, intent.expected_physical_id) == ("Create", "a")
    assert intent.resource.properties["ConfigurationSetName"] == "a"
    local.handler.on_call = world.apply
    (result,) = deploy(local, world, template)
    assert local.handler.summary() == [("Update", "A", "a")]
    (update,) = local.handler.calls
    assert update.old_properties == update.properties == intent.resource.properties
    assert result.status == "UPDATE_COMPLETE"
    after = local.store.load("App")
    assert after is not None and not after.intents
    assert after.resources["A"].physical_id == "a" and not after.resources["A"].unverified
    assert list(world.sets) == ["a"]


def test_nothing_made_means_the_create_is_simply_sent_again(local: Local, world: World) -> None:
    crash = Crash(local, world, at=lambda c: c.request_type == "Create", made=False)
    local.handler.on_call = crash
    template = hand_template(one("A", "a"))
    deploy(local, world, template)
    crash.restore()
    local.handler.on_call = world.apply
    deploy(local, world, template)
    assert local.handler.summary() == [("Create", "A", None)]


def test_a_set_with_another_owner_is_never_adopted(local: Local, world: World) -> None:
    crash = Crash(local, world, at=lambda c: c.request_type == "Create", made=False)
    local.handler.on_call = crash
    template = hand_template(one("A", "a"))
    deploy(local, world, template)
    crash.restore()
    world.sets["a"] = "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/x#A"
    local.handler.on_call = world.apply
    deploy(local, world, template)
    # A Create, which the real handler refuses for an existing set: never an Update of it.
    assert local.handler.summary() == [("Create", "A", None)]


@pytest.mark.parametrize("existed_before", [False, True])
def test_v1_recognises_its_set_by_name_and_the_intent(
    local: Local, world: World, existed_before: bool
) -> None:
    if existed_before:
        world.sets["a"] = None  # someone else's v1 set, before the deploy
    crash = Crash(local, world, at=lambda c: c.request_type == "Create")
    local.handler.on_call = crash
    template = hand_template(one("A", "a", Type=V1))
    deploy(local, world, template)
    (intent,) = crash.restore().intents
    assert intent.found_before is existed_before
    local.handler.on_call = world.apply
    deploy(local, world, template)
    expected = ("Create", "A", None) if existed_before else ("Update", "A", "a")
    assert local.handler.summary() == [expected]


def test_an_interrupted_delete_is_sent_again_with_its_request_id(
    local: Local, world: World
) -> None:
    template = hand_template({**one("A", "a"), **one("B", "b", DependsOn=["A"])})
    local.handler.on_call = world.apply
    deploy(local, world, template)
    crash = Crash(local, world, at=lambda c: c.request_type == "Delete")
    local.handler.on_call = crash
    local.destroy({"App": template}, prober=world.probe)
    (intent,) = crash.restore().intents
    assert intent.request_type == "Delete" and intent.phase == "destroy"
    local.handler.on_call = world.apply
    local.destroy({"App": template}, prober=world.probe)
    calls = local.handler.calls
    assert calls[0].request_type == "Delete"
    assert calls[0].event["RequestId"] == intent.request_id
    # B goes first (it depends on A): its interrupted Delete is replayed, then A's is sent.
    assert intent.resource.physical_id == "b"
    assert local.handler.summary() == [("Delete", "B", "b"), ("Delete", "A", "a")]
    assert local.store.load("App") is None
    assert world.sets == {}


def test_an_interrupted_update_is_replayed_with_the_same_request(
    local: Local, world: World
) -> None:
    local.handler.on_call = world.apply
    deploy(local, world, hand_template(one("A", "a")))
    crash = Crash(local, world, at=lambda c: c.request_type == "Update")
    local.handler.on_call = crash
    changed = hand_template({"A": {"Properties": set_properties("a", ["TEXT_BLOCKED"])}})
    deploy(local, world, changed)
    (intent,) = crash.restore().intents
    local.handler.on_call = world.apply
    (result,) = deploy(local, world, changed)
    (replay,) = local.handler.calls
    assert replay.event["RequestId"] == intent.request_id
    assert replay.request_type == "Update" and replay.old_properties == intent.old_properties
    assert result.status == "NO_CHANGES"  # the replay completed it; nothing left to do
    state = local.store.load("App")
    assert state is not None and not state.intents
    events = state.resources["A"].properties["EventDestinations"][0]["MatchingEventTypes"]
    assert events == ["TEXT_BLOCKED"]


def test_an_interrupted_replacement_moves_the_old_set_to_cleanup(
    local: Local, world: World
) -> None:
    local.handler.on_call = world.apply
    deploy(local, world, hand_template(one("A", "old")))
    crash = Crash(local, world, at=lambda c: c.request_type == "Update")
    local.handler.on_call = crash
    renamed = hand_template(one("A", "new"))
    deploy(local, world, renamed)
    crash.restore()
    assert set(world.sets) == {"old", "new"}
    local.handler.on_call = world.apply
    (result,) = deploy(local, world, renamed)
    assert ("Delete", "A", "old") in local.handler.summary()
    assert ("Create", "A", None) not in local.handler.summary()
    assert set(world.sets) == {"new"}
    assert result.status == "UPDATE_COMPLETE"


def test_status_reports_the_interrupted_operations(
    local: Local, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    crash = Crash(local, world, at=lambda c: c.request_type == "Create")
    local.handler.on_call = crash
    deploy(local, world, hand_template(one("A", "a")))
    crash.restore()
    capsys.readouterr()
    assert main(["status", "--state-dir", str(local.root / "state")]) == 0
    assert "1 interrupted operation(s) to resume" in capsys.readouterr().out


@pytest.mark.parametrize(("stack_name", "logical_id"), [("App", "Set"), ("A" * 128, "L" * 200)])
def test_the_ownership_tag_recovery_expects_is_the_one_the_handler_writes(
    stack_name: str, logical_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from cdk_smsvoice.handler_paths import HANDLER_DIR

    monkeypatch.syspath_prepend(str(HANDLER_DIR))
    lifecycle = importlib.import_module("smsvoice_handler.lifecycle")
    stack_id = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{stack_name}/uuid"
    expected = lifecycle.owner_id(stack_id, logical_id)
    assert owner_id(stack_id, logical_id) == expected
    assert expected.startswith("sha256:") == (logical_id != "Set")
