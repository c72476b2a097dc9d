"""Deploy, cleanup, rollback and destroy decisions, with a scripted handler."""

import io
import json
import threading
from typing import Any

from local_support import V1, Call, Local, hand_template, set_properties

from cdk_smsvoice.local.state import StackState


def one(lid: str, name: str, **fragment: Any) -> dict[str, Any]:
    return {lid: {"Properties": set_properties(name), **fragment}}


def state_of(local: Local, stack: str = "App") -> StackState:
    state = local.store.load(stack)
    assert state is not None
    return state


def test_first_deploy_creates_with_a_cloudformation_event_and_records_state(local: Local) -> None:
    template = hand_template({**one("A", "set-a"), **one("B", "set-b")})
    (result,) = local.deploy({"App": template})
    assert result.status == "CREATE_COMPLETE"
    assert sorted(local.handler.summary()) == [("Create", "A", None), ("Create", "B", None)]
    event = next(c.event for c in local.handler.calls if c.logical_id == "A")
    assert event["StackId"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/App/")
    assert event["ResourceType"] == "Custom::SmsVoiceV2ConfigurationSet"
    assert "PhysicalResourceId" not in event and "OldResourceProperties" not in event
    props = event["ResourceProperties"]
    assert props["EventDestinations"][0]["Enabled"] == "true"
    assert props["ServiceToken"] == event["ServiceToken"]
    assert props["ServiceToken"].startswith("arn:aws:lambda:us-east-1:123456789012:function:App-")
    state = state_of(local)
    assert state.status == "CREATE_COMPLETE"
    assert state.stack_id == event["StackId"]
    assert state.resources["A"].physical_id == "set-a"
    assert state.resources["A"].properties == props
    assert state.resources["A"].data == {"ConfigurationSetName": "set-a", "Arn": "arn:set-a"}


def test_redeploy_without_changes_calls_nothing_and_keeps_the_stack_id(local: Local) -> None:
    template = hand_template(one("A", "set-a"))
    local.deploy({"App": template})
    before = local.store.path("App").read_text()
    (result,) = local.deploy({"App": template})
    assert result.status == "NO_CHANGES"
    assert not result.changed
    assert local.handler.calls == []
    assert local.store.path("App").read_text() == before


def test_changed_properties_update_with_old_properties(local: Local) -> None:
    local.deploy({"App": hand_template({**one("A", "set-a"), **one("B", "set-b")})})
    stack_id = state_of(local).stack_id
    changed = {
        "A": {"Properties": set_properties("set-a", ["TEXT_DELIVERED"])},
        **one("B", "set-b"),
    }
    (result,) = local.deploy({"App": hand_template(changed)})
    assert result.status == "UPDATE_COMPLETE"
    assert local.handler.summary() == [("Update", "A", "set-a")]
    (call,) = local.handler.calls
    assert call.old_properties is not None
    assert call.old_properties["EventDestinations"][0]["MatchingEventTypes"] == ["ALL"]
    assert call.properties["EventDestinations"][0]["MatchingEventTypes"] == ["TEXT_DELIVERED"]
    assert call.event["StackId"] == stack_id
    changes = {r.logical_id: r.change for r in result.resources}
    assert changes == {"A": "updated", "B": "unchanged"}


def test_rename_is_a_replacement_whose_old_set_is_deleted_after_the_stack_succeeded(
    local: Local,
) -> None:
    local.deploy({"App": hand_template({**one("A", "old"), **one("B", "set-b")})})
    old_props = state_of(local).resources["A"].properties
    renamed = hand_template(
        {**one("A", "new"), "B": {"Properties": set_properties("set-b", ["TEXT_BLOCKED"])}}
    )
    (result,) = local.deploy({"App": renamed})
    assert result.status == "UPDATE_COMPLETE"
    summary = local.handler.summary()
    assert summary[-1] == ("Delete", "A", "old")  # cleanup comes after every update
    assert sorted(summary[:-1]) == [("Update", "A", "old"), ("Update", "B", "set-b")]
    assert local.handler.calls[-1].properties == old_props
    state = state_of(local)
    assert state.resources["A"].physical_id == "new"
    assert state.pending_deletes == []
    assert {r.logical_id: r.change for r in result.resources}["A"] == "replaced"


def test_update_replace_policy_retain_keeps_the_old_set(local: Local) -> None:
    local.deploy({"App": hand_template(one("A", "old", UpdateReplacePolicy="Retain"))})
    local.deploy({"App": hand_template(one("A", "new", UpdateReplacePolicy="Retain"))})
    assert local.handler.summary() == [("Update", "A", "old")]
    assert state_of(local).pending_deletes == []


def test_removed_resources_are_deleted_in_cleanup_or_retained(local: Local) -> None:
    three = {**one("A", "set-a"), **one("Kept", "kept", DeletionPolicy="Retain"), **one("C", "c")}
    local.deploy({"App": hand_template(three)})
    (result,) = local.deploy({"App": hand_template(one("A", "set-a"))})
    assert local.handler.summary() == [("Delete", "C", "c")]
    assert {r.logical_id: r.change for r in result.resources} == {
        "A": "unchanged",
        "Kept": "retained",
        "C": "deleted",
    }
    assert set(state_of(local).resources) == {"A"}


def test_failed_update_rolls_back_every_update_with_old_and_new_swapped(local: Local) -> None:
    local.deploy({"App": hand_template({**one("A", "set-a"), **one("B", "set-b")})})
    before = state_of(local)
    local.handler.fail_when = lambda c: (
        "B is broken"
        if c.properties["ConfigurationSetName"] == "set-b"
        and c.properties["EventDestinations"][0]["MatchingEventTypes"] == ["TEXT_BLOCKED"]
        else None
    )
    changed = {
        "A": {"Properties": set_properties("set-a", ["TEXT_DELIVERED"])},
        "B": {"Properties": set_properties("set-b", ["TEXT_BLOCKED"]), "DependsOn": ["A"]},
    }
    (result,) = local.deploy({"App": hand_template(changed)})
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert result.failed and "B is broken" in result.reason
    forward, rollback = local.handler.calls[:2], local.handler.calls[2:]
    assert [(c.request_type, c.logical_id) for c in forward] == [("Update", "A"), ("Update", "B")]
    assert sorted((c.request_type, c.logical_id, c.physical_id) for c in rollback) == [
        ("Update", "A", "set-a"),
        ("Update", "B", "set-b"),
    ]
    for call in rollback:
        forward_call = next(c for c in forward if c.logical_id == call.logical_id)
        assert call.properties == forward_call.old_properties
        assert call.old_properties == forward_call.properties
    assert state_of(local).resources == before.resources
    assert {r.logical_id: r.change for r in result.resources} == {"A": "rolled back", "B": "failed"}


def test_rollback_of_a_rename_goes_to_the_new_set_then_deletes_it(local: Local) -> None:
    local.deploy({"App": hand_template({**one("A", "old"), **one("B", "set-b")})})
    before = state_of(local)
    local.handler.fail_when = lambda c: (
        "no"
        if c.logical_id == "B"
        and c.request_type == "Update"
        and c.properties["ConfigurationSetName"] == "set-b2"
        else None
    )
    changed = {**one("A", "new"), "B": {"Properties": set_properties("set-b2"), "DependsOn": ["A"]}}
    (result,) = local.deploy({"App": hand_template(changed)})
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    calls = local.handler.summary()
    assert calls[:2] == [("Update", "A", "old"), ("Update", "B", "set-b")]
    assert sorted(calls[2:4]) == [("Update", "A", "new"), ("Update", "B", "set-b")]
    assert calls[4:] == [("Delete", "A", "new")]
    assert ("Delete", "A", "old") not in calls
    rollback_update = next(c for c in local.handler.calls[2:] if c.logical_id == "A")
    assert rollback_update.properties["ConfigurationSetName"] == "old"
    assert local.handler.calls[-1].properties["ConfigurationSetName"] == "new"
    after = state_of(local)
    assert after.resources == before.resources
    assert after.pending_deletes == []


def test_failed_first_deploy_deletes_what_it_created_but_not_the_failed_set(local: Local) -> None:
    local.handler.fail_when = lambda c: "taken" if c.logical_id == "B" else None
    template = hand_template(
        {**one("A", "set-a"), "B": {"Properties": set_properties("b"), "DependsOn": ["A"]}}
    )
    stream = io.StringIO()
    (result,) = local.deploy({"App": template}, stream=stream)
    assert result.status == "ROLLBACK_COMPLETE"
    assert local.handler.summary() == [
        ("Create", "A", None),
        ("Create", "B", None),
        ("Delete", "A", "set-a"),
    ]
    assert local.store.load("App") is None
    log = stream.getvalue()
    assert (
        "App |" in log and "| CREATE_FAILED | Custom::SmsVoiceV2ConfigurationSet | B | taken" in log
    )
    assert "    scripted log line" in log


def test_a_failed_rollback_is_reported_and_the_state_keeps_what_exists(local: Local) -> None:
    local.deploy({"App": hand_template({**one("A", "set-a"), **one("B", "set-b")})})

    def fail(call: Call) -> str | None:
        events = call.properties["EventDestinations"][0]["MatchingEventTypes"]
        if call.logical_id == "B" and events == ["TEXT_BLOCKED"]:
            return "B is broken"
        if call.logical_id == "A" and events == ["ALL"]:
            return "rollback of A refused"
        return None

    local.handler.fail_when = fail
    changed = {
        "A": {"Properties": set_properties("set-a", ["TEXT_DELIVERED"])},
        "B": {"Properties": set_properties("set-b", ["TEXT_BLOCKED"]), "DependsOn": ["A"]},
    }
    (result,) = local.deploy({"App": hand_template(changed)})
    assert result.status == "UPDATE_ROLLBACK_FAILED"
    assert "Rollback failed for A" in result.reason
    state = state_of(local)
    assert state.status == "UPDATE_ROLLBACK_FAILED"
    a_events = state.resources["A"].properties["EventDestinations"][0]["MatchingEventTypes"]
    assert a_events == ["TEXT_DELIVERED"]  # what A has now: the rollback never reached it
    b_events = state.resources["B"].properties["EventDestinations"][0]["MatchingEventTypes"]
    assert b_events == ["ALL"]


def test_independent_sets_run_concurrently_and_dependents_wait(local: Local) -> None:
    barrier = threading.Barrier(2, timeout=10)
    started: list[str] = []

    def on_call(call: Call) -> None:
        started.append(call.logical_id)
        if call.logical_id in ("A", "B"):
            barrier.wait()  # both must be in flight at once, or this times out

    local.handler.on_call = on_call
    dependent = set_properties("c", DefaultSenderId={"Fn::GetAtt": ["A", "ConfigurationSetName"]})
    template = hand_template({**one("A", "a"), **one("B", "b"), "C": {"Properties": dependent}})
    (result,) = local.deploy({"App": template})
    assert result.status == "CREATE_COMPLETE"
    assert started[-1] == "C"
    c_call = next(c for c in local.handler.calls if c.logical_id == "C")
    assert c_call.properties["DefaultSenderId"] == "a"
    assert state_of(local).resources["C"].dependencies == ["A"]


def test_service_token_change_fails_like_cloudformation(local: Local) -> None:
    local.deploy({"App": hand_template(one("A", "a"))})
    template = hand_template(one("A", "a2"))
    template["Resources"]["A"]["Properties"]["ServiceToken"] = {"Fn::GetAtt": ["Handler", "Arn"]}
    (result,) = local.deploy({"App": template})
    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "Modifying service token is not allowed." in result.reason
    assert [c.request_type for c in local.handler.calls] == ["Update"]  # the rollback's only
    assert local.handler.calls[0].physical_id == "a"


def test_type_change_is_refused_before_any_call(local: Local) -> None:
    local.deploy({"App": hand_template(one("A", "a"))})
    (result,) = local.deploy({"App": hand_template(one("A", "a", Type=V1))})
    assert result.failed and "Update of resource type is not permitted" in result.reason
    assert local.handler.calls == []


def test_destroy_deletes_in_reverse_dependency_order_and_honours_retain(local: Local) -> None:
    dependent = set_properties("c", DefaultSenderId={"Ref": "A"})
    template = hand_template(
        {
            **one("A", "a"),
            **one("Kept", "kept", DeletionPolicy="Retain"),
            "C": {"Properties": dependent},
        }
    )
    local.deploy({"App": template})
    (result,) = local.destroy({"App": template})
    assert result.status == "DELETE_COMPLETE"
    assert local.handler.summary() == [("Delete", "C", "c"), ("Delete", "A", "a")]
    assert {r.logical_id: r.change for r in result.resources}["Kept"] == "retained"
    assert local.store.load("App") is None
    (again,) = local.destroy({"App": template})
    assert again.status == "NOT_DEPLOYED" and not again.failed
    assert local.handler.calls == []


def test_stacks_deploy_in_dependency_order_and_destroy_in_reverse(local: Local) -> None:
    templates = {"Second": hand_template(one("S", "s")), "First": hand_template(one("F", "f"))}
    results = local.deploy(templates, dependencies={"Second": ["First"]})
    assert [r.stack_name for r in results] == ["First", "Second"]
    assert [c.logical_id for c in local.handler.calls] == ["F", "S"]
    results = local.destroy(templates, dependencies={"Second": ["First"]})
    assert [r.stack_name for r in results] == ["Second", "First"]


def test_a_crash_after_a_replacement_leaves_the_old_set_to_the_next_deploy(local: Local) -> None:
    local.deploy({"App": hand_template(one("A", "old"))})
    state = state_of(local)
    # What the state file holds after the Update returned a new id, before the cleanup ran.
    replaced = json.loads(json.dumps(state.to_json()))
    old = replaced["resources"]["A"]
    replaced["pending_deletes"] = [dict(old)]
    replaced["resources"]["A"] = {**old, "physical_id": "new"}
    replaced["resources"]["A"]["properties"]["ConfigurationSetName"] = "new"
    local.store.save(StackState.from_json(replaced))
    (result,) = local.deploy({"App": hand_template(one("A", "new"))})
    assert local.handler.summary() == [("Delete", "A", "old")]
    assert result.status == "UPDATE_COMPLETE"
    assert state_of(local).pending_deletes == []


def test_rollback_keeps_a_created_set_whose_deletion_policy_is_retain(local: Local) -> None:
    local.handler.fail_when = lambda c: "taken" if c.logical_id == "B" else None
    template = hand_template(
        {
            **one("A", "a", DeletionPolicy="Retain"),
            **one("E", "e", DeletionPolicy="RetainExceptOnCreate"),
            "B": {"Properties": set_properties("b"), "DependsOn": ["A", "E"]},
        }
    )
    (result,) = local.deploy({"App": template})
    assert result.status == "ROLLBACK_COMPLETE"
    deletes = [c for c in local.handler.summary() if c[0] == "Delete"]
    assert deletes == [("Delete", "E", "e")]
    assert local.store.load("App") is None
