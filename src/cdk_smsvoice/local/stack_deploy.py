"""One deploy of one stack, with CloudFormation's semantics.

Only the custom resources (and the nested stacks that hold some) are run. A deploy goes in
phases, as CloudFormation's stack update does:

1. **Forward**: each custom resource of the template, once the custom resources it waits
   for are done (see ``graph.custom_dependencies``): a new logical id is a Create; changed
   resolved properties an Update carrying ``OldResourceProperties``; unchanged properties
   make no call. A different physical id in an Update's answer is a replacement.
2. **Cleanup**, when every resource succeeded: Delete of each replaced physical resource
   (unless its ``UpdateReplacePolicy`` is Retain) and of each resource no longer in the
   template (unless its ``DeletionPolicy`` is Retain or Snapshot). A failed cleanup Delete
   does not fail the deploy; the resource is kept in the state, and retried by the next
   deploy and by destroy.
3. **Rollback**, when something failed: each resource updated in this deploy, the failed one
   included, gets an Update with old and new properties swapped (to its current physical id);
   then each resource created in this deploy, and each physical id a rollback Update moved
   away from, gets a Delete (a set created with ``DeletionPolicy`` Retain is kept and
   forgotten, as CloudFormation keeps it). A failed Create leaves nothing to delete: the CDK
   Provider framework answers the Delete of its failure marker without calling the handler.

A nested stack is deployed forward as part of its parent's forward pass; its cleanup and
rollback run with its parent's. The state file is rewritten after every resource, so it always
records what exists; each handler call is preceded by a write-ahead intent. The rollback phase
is in :mod:`.stack_rollback`.
"""

import copy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .assembly import StackArtifact, has_sets
from .graph import custom_dependencies, run_in_order
from .intrinsics import CUSTOM_TYPES, STACK_TYPE, ResolutionError
from .invoke import HandlerError
from .outcomes import (
    RETAINING_POLICIES,
    DeployError,
    ResourceResult,
    StackResult,
    resource_policy,
    reverse_waits,
)
from .recovery import recover
from .stack_rollback import roll_back
from .state import ResourceState, StackState

if TYPE_CHECKING:
    from .engine import Deployer


@dataclass
class _Applied:
    """A forward Create or Update of this deploy: what to roll back."""

    before: ResourceState | None
    after: ResourceState | None
    attempted: dict[str, Any]
    """The properties the forward request carried."""


class StackDeploy:
    """One deploy of one stack."""

    def __init__(self, deployer: "Deployer", stack: StackArtifact) -> None:
        self.deployer = deployer
        self.stack = stack
        self.name = stack.stack_name
        self.progress = deployer.progress
        self.resolver = deployer.resolver(stack)
        self.before = copy.deepcopy(deployer.state(self.name))
        self.resources: Mapping[str, Any] = stack.template.get("Resources") or {}
        self.custom = [
            lid
            for lid, resource in self.resources.items()
            if (
                resource.get("Type") in CUSTOM_TYPES
                or (lid in stack.nested and has_sets(stack, lid))
            )
            and self.resolver.is_present(lid)
        ]
        """The resources local deploy runs: sets, and nested stacks that hold sets."""
        self.children: dict[str, StackDeploy] = {}
        """The nested stacks deployed in this run, by logical id."""
        self.failures: dict[str, BaseException] = {}
        """What failed in this stack's forward pass (a nested stack's, for its rollback)."""
        self.applied: dict[str, _Applied] = {}
        self.results: dict[str, ResourceResult] = {}
        self.touched = False
        self.started = False
        self.lock = threading.RLock()

    # state helpers

    def _state(self) -> StackState:
        return self.deployer.state(self.name) or self.deployer.new_state(self.stack)

    def _save(self, change: Callable[[StackState], None]) -> None:
        with self.lock:
            state = self._state()
            if not self.touched:
                state.status = "CREATE_IN_PROGRESS" if self.before is None else "UPDATE_IN_PROGRESS"
            change(state)
            self.touched = True
            self.deployer.set_state(self.name, state)

    def _start(self) -> None:
        """The stack event that opens the first change."""
        with self.lock:
            if self.started:
                return
            self.started = True
        self._stack_event("CREATE_IN_PROGRESS" if self.before is None else "UPDATE_IN_PROGRESS")

    def _result(self, result: ResourceResult) -> None:
        with self.lock:
            self.results[result.logical_id] = result

    # the run

    def run(self) -> StackResult:
        early = self.prepare()
        if early is not None:
            return early
        failures = self.forward()
        if failures:
            return roll_back(self, failures)
        self._cleanup()
        return self._finish()

    def prepare(self) -> StackResult | None:
        """Checks before the first call; a result when the run ends there."""
        before = self.before.resources if self.before else {}
        if not self.custom and not before and not (self.before and self.before.pending_deletes):
            self.progress.note(self.name, "no SMS and Voice configuration sets")
            return StackResult(self.name, "NO_RESOURCES")
        if self.before is not None and self.before.status.endswith("IN_PROGRESS"):
            self.progress.note(
                self.name,
                f"the previous run stopped in {self.before.status}; deploying from the "
                "recorded state",
            )
        try:
            self._check_types()
            waits = custom_dependencies(self.resources, self.custom)
        except (DeployError, ValueError) as error:
            self.progress.event(self.name, "UPDATE_FAILED", STACK_TYPE, self.name, str(error))
            return StackResult(self.name, "UPDATE_FAILED", reason=str(error))
        self.waits = waits
        return None

    def forward(self) -> Mapping[str, BaseException]:
        """Create and update every resource in dependency order; the failures."""
        outcomes = run_in_order(
            self.custom,
            self.waits,
            self._forward,
            max_workers=self.deployer.max_workers,
            stop_on_failure=True,
        )
        self.failures = dict(outcomes.failed)
        return outcomes.failed

    def _check_types(self) -> None:
        before = self.before.resources if self.before else {}
        for lid in self.custom:
            new_type = self.resources[lid]["Type"]
            if lid in before and before[lid].resource_type != new_type:
                raise DeployError(
                    f"{lid}: Update of resource type is not permitted "
                    f"({before[lid].resource_type} to {new_type}); give it a new construct id"
                )

    def _stack_event(self, status: str, reason: str = "") -> None:
        self.progress.event(self.name, status, STACK_TYPE, self.name, reason)

    def _forward(self, lid: str) -> None:
        resource = self.resources[lid]
        kind = resource["Type"]
        if kind == STACK_TYPE:
            self._forward_nested(lid)
            return
        state = self.deployer.state(self.name)
        old = state.resources.get(lid) if state else None
        verb = "CREATE" if old is None else "UPDATE"
        try:
            properties = self.resolver.resolve_properties(lid)
        except ResolutionError as error:
            self.progress.failure(self.name, f"{verb}_FAILED", kind, lid, error)
            self._result(ResourceResult(lid, kind, "failed", None, reason=str(error)))
            raise
        new = ResourceState(
            logical_id=lid,
            resource_type=kind,
            physical_id=old.physical_id if old else "",
            properties=properties,
            deletion_policy=resource_policy(resource, "DeletionPolicy"),
            update_replace_policy=resource_policy(resource, "UpdateReplacePolicy"),
            dependencies=sorted(self.waits[lid]),
        )
        if old is not None and old.properties == properties and not old.unverified:
            new.data = old.data
            if new != old:
                self._save(lambda state: state.resources.__setitem__(lid, new))
            self._result(ResourceResult(lid, kind, "unchanged", properties))
            return
        self._start()
        self.progress.event(self.name, f"{verb}_IN_PROGRESS", kind, lid)
        try:
            if old is not None and old.properties.get("ServiceToken") != properties.get(
                "ServiceToken"
            ):
                raise DeployError("Modifying service token is not allowed.")
            new.physical_id, new.data = self.deployer.call(
                self.stack,
                "Create" if old is None else "Update",
                new,
                old_properties=old.properties if old else None,
            )
        except (HandlerError, DeployError, ResolutionError) as error:
            self.progress.failure(self.name, f"{verb}_FAILED", kind, lid, error)
            with self.lock:
                self.applied[lid] = _Applied(old, None, properties)
            self._result(
                ResourceResult(
                    lid, kind, "failed", properties, old.properties if old else None, str(error)
                )
            )
            raise
        replaced = old is not None and new.physical_id != old.physical_id

        def record(state: StackState) -> None:
            state.resources[lid] = new
            if replaced:
                assert old is not None
                state.pending_deletes.append(_replaced_entry(old, new.update_replace_policy))

        self._save(record)
        with self.lock:
            self.applied[lid] = _Applied(old, new, properties)
        change = "created" if old is None else "replaced" if replaced else "updated"
        self._result(ResourceResult(lid, kind, change, properties, old.properties if old else None))
        self.progress.event(self.name, f"{verb}_COMPLETE", kind, lid, new.physical_id)

    def _forward_nested(self, lid: str) -> None:
        """Deploy a nested stack (forward only: its cleanup and rollback go with ours)."""
        resource = self.resources[lid]
        state = self.deployer.state(self.name)
        old = state.resources.get(lid) if state else None
        verb = "CREATE" if old is None else "UPDATE"
        try:
            parameters = self.resolver.resolve_properties(lid).get("Parameters") or {}
            if not isinstance(parameters, dict):
                raise ResolutionError(f"{lid}: Parameters must be a mapping, got {parameters!r}")
            child = self.stack.nested_stack(lid, parameters)
            unknown = sorted(set(parameters) - set(child.template.get("Parameters") or {}))
            if unknown:
                raise DeployError(f"Parameters: {unknown} do not exist in the template")
            recover(self.deployer, child)
            deploy = StackDeploy(self.deployer, child)
        except (ResolutionError, DeployError) as error:
            self.progress.failure(self.name, f"{verb}_FAILED", STACK_TYPE, lid, error)
            self._result(ResourceResult(lid, STACK_TYPE, "failed", None, reason=str(error)))
            raise
        with self.lock:
            self.children[lid] = deploy
        self.progress.event(self.name, f"{verb}_IN_PROGRESS", STACK_TYPE, lid, child.stack_name)
        early = deploy.prepare()
        failures = deploy.forward() if early is None else {}
        if early is not None and early.failed:
            failures = {child.stack_name: DeployError(early.reason)}
        try:
            if failures:
                reason = "; ".join(f"{k}: {e}" for k, e in failures.items())
                raise DeployError(f"Embedded stack {child.stack_name} failed: {reason}")
            outputs = deploy.resolver.outputs()
        except (ResolutionError, DeployError) as error:
            self.progress.failure(self.name, f"{verb}_FAILED", STACK_TYPE, lid, error)
            self._result(ResourceResult(lid, STACK_TYPE, "failed", None, reason=str(error)))
            raise
        new = ResourceState(
            logical_id=lid,
            resource_type=STACK_TYPE,
            physical_id=self.deployer.stack_id(child),
            properties={"Parameters": parameters},
            data=outputs,
            deletion_policy=resource_policy(resource, "DeletionPolicy"),
            update_replace_policy=resource_policy(resource, "UpdateReplacePolicy"),
            dependencies=sorted(self.waits[lid]),
        )
        if new != old or deploy.touched:
            self._start()
            self._save(lambda current: current.resources.__setitem__(lid, new))
        change = "created" if old is None else "updated" if deploy.touched else "unchanged"
        self._result(ResourceResult(lid, STACK_TYPE, change, None))
        self.progress.event(self.name, f"{verb}_COMPLETE", STACK_TYPE, lid, child.stack_name)

    def _cleanup(self) -> None:
        """Delete what was replaced or removed, in reverse dependency order (nested stacks
        first).
        """
        for child in list(self.children.values()):
            child._cleanup()
        state = self.deployer.state(self.name)
        if state is None:
            return
        removed = [r for lid, r in state.resources.items() if lid not in self.custom]
        if removed:

            def move(current: StackState) -> None:
                for resource in removed:
                    del current.resources[resource.logical_id]
                    current.pending_deletes.append(resource)

            self._save(move)
        entries = list(self._state().pending_deletes)
        if not entries:
            return
        self._start()
        self._stack_event(
            "CREATE_COMPLETE_CLEANUP_IN_PROGRESS"
            if self.before is None
            else "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        )

        def clean(index: int) -> None:
            entry = entries[index]
            gone = entry.logical_id not in self.custom
            if entry.deletion_policy in RETAINING_POLICIES:
                self.progress.event(
                    self.name,
                    "DELETE_SKIPPED",
                    entry.resource_type,
                    entry.logical_id,
                    entry.physical_id,
                )
                if gone:
                    self._result(ResourceResult.of(entry, "retained"))
            else:
                self.deployer.delete_resource(self.stack, entry, "cleanup")
                if gone:
                    self._result(ResourceResult.of(entry, "deleted"))
            self._save(lambda current: current.pending_deletes.remove(entry))

        outcomes = run_in_order(
            range(len(entries)),
            reverse_waits(entries),
            clean,
            max_workers=self.deployer.max_workers,
            stop_on_failure=False,
        )
        for index, error in outcomes.failed.items():
            entry = entries[index]
            self.progress.note(
                self.name,
                f"cleanup Delete of {entry.logical_id} ({entry.physical_id}) failed; it is kept "
                f"in the state and retried by the next deploy or destroy: {error}",
            )
            if entry.logical_id not in self.custom:
                self._result(ResourceResult.of(entry, "delete failed", reason=str(error)))

    def _forget(self, lid: str) -> None:
        def change(state: StackState) -> None:
            state.resources.pop(lid, None)

        self._save(change)

    def _nested_results(self, results: Mapping[str, StackResult]) -> list[StackResult]:
        for lid, result in results.items():
            result.logical_id = lid
        return list(results.values())

    def _finish(self) -> StackResult:
        nested = self._nested_results({lid: c._finish() for lid, c in self.children.items()})
        results = [self.results[lid] for lid in self.custom if lid in self.results]
        results += [r for lid, r in self.results.items() if lid not in self.custom]
        if not self.touched:
            self.progress.note(self.name, "no changes")
            return StackResult(self.name, "NO_CHANGES", results, nested=nested)
        status = "CREATE_COMPLETE" if self.before is None else "UPDATE_COMPLETE"
        self._save(lambda state: setattr(state, "status", status))
        self._stack_event(status)
        return StackResult(self.name, status, results, nested=nested)


def _replaced_entry(old: ResourceState, update_replace_policy: str) -> ResourceState:
    """The old physical resource of a replacement, awaiting its cleanup Delete."""
    entry = copy.deepcopy(old)
    entry.deletion_policy = update_replace_policy
    return entry
