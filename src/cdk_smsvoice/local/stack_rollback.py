"""The rollback of a :class:`~.stack_deploy.StackDeploy` whose forward pass failed (phase 3 of
:mod:`.stack_deploy`): Updates that swap each changed resource back, Deletes of what this
deploy created or moved away from, the nested stacks' rollbacks, and the stack's result.
"""

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .graph import run_in_order
from .intrinsics import ResolutionError
from .invoke import HandlerError
from .outcomes import (
    RETAINED_ON_CREATE_ROLLBACK,
    DeployError,
    ResourceResult,
    StackResult,
    reverse_waits,
)
from .state import ResourceState, StackState

if TYPE_CHECKING:
    from .stack_deploy import StackDeploy


def roll_back(deploy: "StackDeploy", failures: Mapping[str, BaseException]) -> StackResult:
    """Roll back ``deploy`` after the forward pass failed with ``failures`` (logical id ->
    error), nested stacks first; the stack's result.
    """
    first = deploy.before is None
    reason = "; ".join(f"{lid}: {error}" for lid, error in failures.items())
    deploy._stack_event("ROLLBACK_IN_PROGRESS" if first else "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    nested, rollback_failed = _roll_back_children(deploy)
    moved_away: list[ResourceState] = []
    updates = [lid for lid, a in deploy.applied.items() if a.before is not None]
    creates = [lid for lid, a in deploy.applied.items() if a.before is None]

    def revert(lid: str) -> None:
        applied = deploy.applied[lid]
        assert applied.before is not None
        current = applied.after or applied.before
        target = copy.deepcopy(applied.before)
        target.physical_id = current.physical_id
        kind, sent = target.resource_type, current.physical_id
        deploy.progress.event(deploy.name, "UPDATE_IN_PROGRESS", kind, lid, "rollback")
        try:
            target.physical_id, target.data = deploy.deployer.call(
                deploy.stack, "Update", target, old_properties=applied.attempted, phase="rollback"
            )
        except (HandlerError, DeployError, ResolutionError) as error:
            deploy.progress.failure(deploy.name, "UPDATE_FAILED", kind, lid, error)
            raise
        before_id = applied.before.physical_id

        def record(state: StackState) -> None:
            state.resources[lid] = target
            state.pending_deletes[:] = [
                e
                for e in state.pending_deletes
                if not (e.logical_id == lid and e.physical_id == before_id)
            ]
            if target.physical_id != sent:
                moved = copy.deepcopy(current)
                moved.properties = applied.attempted
                moved.deletion_policy = "Delete"
                state.pending_deletes.append(moved)
                with deploy.lock:
                    moved_away.append(moved)

        deploy._save(record)
        deploy.progress.event(deploy.name, "UPDATE_COMPLETE", kind, lid, target.physical_id)

    reverse = {lid: [o for o in updates if lid in deploy.waits.get(o, ())] for lid in updates}
    outcomes = run_in_order(
        updates, reverse, revert, max_workers=deploy.deployer.max_workers, stop_on_failure=False
    )
    rollback_failed += [*outcomes.failed, *outcomes.not_started]

    deletions: list[ResourceState] = []
    for lid in creates:
        applied = deploy.applied[lid]
        if applied.after is None:
            deploy.progress.event(
                deploy.name,
                "DELETE_COMPLETE",
                deploy.resources[lid]["Type"],
                lid,
                "the failed Create left nothing to delete",
            )
        else:
            deletions.append(applied.after)
    deletions += moved_away

    def remove(index: int) -> None:
        entry = deletions[index]
        if entry.deletion_policy in RETAINED_ON_CREATE_ROLLBACK:
            deploy.progress.event(
                deploy.name,
                "DELETE_SKIPPED",
                entry.resource_type,
                entry.logical_id,
                f"{entry.physical_id} (DeletionPolicy {entry.deletion_policy})",
            )
        else:
            deploy.deployer.delete_resource(deploy.stack, entry, "rollback")

        def record(state: StackState) -> None:
            if state.resources.get(entry.logical_id) is entry:
                del state.resources[entry.logical_id]
            if entry in state.pending_deletes:
                state.pending_deletes.remove(entry)

        deploy._save(record)

    outcomes_deletes = run_in_order(
        range(len(deletions)),
        reverse_waits(deletions),
        remove,
        max_workers=deploy.deployer.max_workers,
        stop_on_failure=False,
    )
    rollback_failed += [deletions[i].logical_id for i in outcomes_deletes.failed]
    result = _rolled_back(deploy, first, reason, rollback_failed)
    result.nested = nested
    return result


def _roll_back_children(deploy: "StackDeploy") -> tuple[list[StackResult], list[str]]:
    """Roll back every nested stack of this run; their results, and the logical ids of
    those whose rollback failed.
    """
    results: dict[str, StackResult] = {}
    for lid, child in deploy.children.items():
        failures = child.failures or {lid: DeployError("its parent stack rolled back")}
        results[lid] = roll_back(child, failures)
        if child.before is None and not results[lid].status.endswith("FAILED"):
            deploy._forget(lid)
    failed = [lid for lid, result in results.items() if result.status.endswith("FAILED")]
    return deploy._nested_results(results), failed


def _rolled_back(
    deploy: "StackDeploy", first: bool, reason: str, rollback_failed: list[str]
) -> StackResult:
    before = deploy.before
    if not rollback_failed:
        state = deploy.deployer.state(deploy.name)
        if before is None and (state is None or not (state.resources or state.pending_deletes)):
            deploy.deployer.set_state(deploy.name, None)
        elif state is not None and before is not None:
            for lid, resource in before.resources.items():
                if lid not in deploy.applied:
                    state.resources[lid] = copy.deepcopy(resource)
            state.status = before.status
            deploy.deployer.set_state(deploy.name, state)
        status = "ROLLBACK_COMPLETE" if first else "UPDATE_ROLLBACK_COMPLETE"
    else:
        status = "ROLLBACK_FAILED" if first else "UPDATE_ROLLBACK_FAILED"
        deploy._save(lambda state: setattr(state, "status", status))
        reason += (
            f". Rollback failed for {', '.join(sorted(set(rollback_failed)))}: the state "
            "records what exists now, and the next deploy updates from there"
        )
    deploy._stack_event(status, reason)
    results: list[ResourceResult] = []
    final = deploy.deployer.state(deploy.name)
    for lid in dict.fromkeys([*deploy.custom, *(before.resources if before else {})]):
        kind = deploy.resources[lid]["Type"] if lid in deploy.resources else ""
        current = final.resources.get(lid) if final else None
        kind = current.resource_type if current else kind
        earlier = deploy.results.get(lid)
        if earlier is not None and earlier.change == "failed":
            results.append(
                ResourceResult(
                    lid,
                    kind,
                    "failed",
                    current.properties if current else earlier.properties,
                    reason=earlier.reason,
                )
            )
        elif lid in deploy.applied or lid in deploy.children:
            change = "rollback failed" if lid in rollback_failed else "rolled back"
            results.append(
                ResourceResult(lid, kind, change, current.properties if current else None)
            )
        elif current is not None:
            results.append(ResourceResult(lid, kind, "unchanged", current.properties))
        else:
            results.append(ResourceResult(lid, kind, "not created", None))
    return StackResult(deploy.name, status, results, reason)
