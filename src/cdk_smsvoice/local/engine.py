"""Deploy and destroy with CloudFormation's semantics, for the custom resources only.

A deploy of a stack runs in phases, as CloudFormation's stack update does:

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

The state file is rewritten after every resource, so it always records what exists.
"""

import copy
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .assembly import StackArtifact, nested_stack_name
from .graph import custom_dependencies, run_in_order
from .intrinsics import CUSTOM_TYPES, STACK_TYPE, ResolutionError, Resolver
from .invoke import (
    CREATE_FAILED_MARKER,
    HandlerError,
    HandlerFunction,
    find_handler,
    packaged_handler,
)
from .physical import StackEnvironment
from .probe import Prober
from .recovery import recover
from .report import Progress
from .state import Intent, ResourceState, StackState, StateStore

Invoker = Callable[[HandlerFunction, Mapping[str, Any], str], Mapping[str, Any]]
"""Runs a handler on an event in a Region; returns its response or raises ``HandlerError``."""

RETAINING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
"""Deletion policies under which a removed or destroyed set is kept."""

RETAINED_ON_CREATE_ROLLBACK = frozenset({"Retain", "Snapshot"})
"""Deletion policies under which even the rollback of its Create keeps a set (and forgets it)."""

MAX_WORKERS = 8

MAX_NESTING = 10
"""How deep nested stacks are followed."""

V1_TYPE = "Custom::SmsVoiceV1ConfigurationSet"

SKIPPED = "skipped: an earlier stack failed"


class DeployError(RuntimeError):
    """A resource operation failed; the message is the reason CloudFormation would show."""


@dataclass
class ResourceResult:
    """What became of one custom resource in a run."""

    logical_id: str
    resource_type: str
    change: str
    """created, updated, replaced, unchanged, deleted, retained, rolled back, failed,
    not created, delete failed."""
    properties: dict[str, Any] | None
    """The properties it has now (for a deleted or retained resource: its last ones)."""
    old_properties: dict[str, Any] | None = None
    """Its properties before the run, when they differ."""
    reason: str = ""

    @classmethod
    def of(cls, resource: ResourceState, change: str, reason: str = "") -> "ResourceResult":
        """What became of a resource recorded in the state: its last properties."""
        return cls(
            resource.logical_id,
            resource.resource_type,
            change,
            resource.properties,
            reason=reason,
        )


@dataclass
class StackResult:
    """The outcome of one stack."""

    stack_name: str
    status: str
    resources: list[ResourceResult] = field(default_factory=list)
    reason: str = ""
    nested: list["StackResult"] = field(default_factory=list)
    """The outcomes of its nested stacks."""
    logical_id: str = ""
    """For a nested stack: its resource's logical id in the parent."""

    @property
    def failed(self) -> bool:
        """Whether the run failed for this stack."""
        return self.status.endswith("FAILED") or "ROLLBACK" in self.status

    @property
    def changed(self) -> bool:
        """Whether anything was created, changed or deleted."""
        return any(r.change not in ("unchanged", "not created") for r in self.resources)


@dataclass
class _Applied:
    """A forward Create or Update of this deploy: what to roll back."""

    before: ResourceState | None
    after: ResourceState | None
    attempted: dict[str, Any]
    """The properties the forward request carried."""


def new_stack_id(stack: StackArtifact) -> str:
    """A stack id as CloudFormation makes them."""
    partition = StackEnvironment(stack.stack_name, "", stack.account, stack.region).partition
    return (
        f"arn:{partition}:cloudformation:{stack.region}:{stack.account}:stack/"
        f"{stack.stack_name}/{uuid.uuid4()}"
    )


def resource_policy(resource: Mapping[str, Any], name: str) -> str:
    """A resource's ``DeletionPolicy`` or ``UpdateReplacePolicy`` (Delete when absent)."""
    return str(resource.get(name) or "Delete")


class Deployer:
    """Deploys and destroys the stacks of one cloud assembly."""

    def __init__(
        self,
        stacks: Sequence[StackArtifact],
        store: StateStore,
        invoker: Invoker,
        progress: Progress,
        *,
        prober: Prober | None = None,
        max_workers: int = MAX_WORKERS,
    ) -> None:
        """``stacks`` in dependency order, as ``read_assembly`` returns them; ``prober``
        reads what exists under a set name (crash recovery; without one, a set an
        interrupted Create may have made is not looked for).
        """
        self.stacks = list(stacks)
        self.store = store
        self.invoker = invoker
        self.progress = progress
        self.prober = prober
        self.max_workers = max_workers
        self._states: dict[str, StackState | None] = {}
        self._stack_ids: dict[str, str] = {}
        self._resolvers: dict[str, Resolver] = {}
        self.lock = threading.RLock()

    def deploy(self, selection: Sequence[StackArtifact] | None = None) -> list[StackResult]:
        """Deploy the selected stacks (default: all) in dependency order; stop at the first
        that fails.
        """
        results: list[StackResult] = []
        for stack in self.stacks if selection is None else selection:
            if results and results[-1].failed:
                results.append(StackResult(stack.stack_name, "NOT_DEPLOYED", reason=SKIPPED))
                continue
            recover(self, stack)
            results.append(_StackDeploy(self, stack).run())
        return results

    def destroy(
        self,
        selection: Sequence[StackArtifact] | None = None,
        orphans: Sequence[StackArtifact] = (),
    ) -> list[StackResult]:
        """Destroy ``orphans`` (stacks in the state only), then the selected stacks (default:
        all) in reverse dependency order; stop at the first that fails.
        """
        results: list[StackResult] = []
        chosen = self.stacks if selection is None else selection
        for stack in [*orphans, *reversed(chosen)]:
            if results and results[-1].failed:
                results.append(StackResult(stack.stack_name, "NOT_DESTROYED", reason=SKIPPED))
                continue
            recover(self, stack)
            results.append(self._destroy(stack))
        return results

    def child(self, parent: StackArtifact, entry: ResourceState) -> StackArtifact:
        """The nested stack a parent's ``AWS::CloudFormation::Stack`` entry records (from
        its template when the assembly still has it, else from its state alone).
        """
        parameters = entry.properties.get("Parameters") or {}
        if entry.logical_id in parent.nested:
            return parent.nested_stack(entry.logical_id, dict(parameters))
        name = entry.physical_id.split(":stack/", 1)[-1].split("/", 1)[0]
        return StackArtifact(
            artifact_id=f"{parent.artifact_id}/{entry.logical_id}",
            stack_name=name,
            account=parent.account,
            region=parent.region,
            template={},
            directory=parent.directory,
            parent=parent.stack_name,
        )

    def destroy_nested(self, parent: StackArtifact, entry: ResourceState) -> "StackResult":
        """Destroy the nested stack ``entry`` records; raise when that fails."""
        child = self.child(parent, entry)
        recover(self, child)
        result = self._destroy(child)
        result.logical_id = entry.logical_id
        if result.failed:
            raise DeployError(f"Embedded stack {child.stack_name} was not deleted: {result.reason}")
        return result

    def nested_outputs(self, parent: StackArtifact, logical_id: str) -> dict[str, Any]:
        """The outputs of a nested stack that holds no set (so it is not deployed)."""
        parameters = self.resolver(parent).resolve_properties(logical_id).get("Parameters") or {}
        return self.resolver(parent.nested_stack(logical_id, parameters)).outputs()

    def state(self, stack_name: str) -> StackState | None:
        """The stack's current state (loaded once, then kept up to date by the run)."""
        with self.lock:
            if stack_name not in self._states:
                self._states[stack_name] = self.store.load(stack_name)
            return self._states[stack_name]

    def set_state(self, stack_name: str, state: StackState | None) -> None:
        """Record ``state`` and persist it (None forgets the stack)."""
        with self.lock:
            self._states[stack_name] = state
            if state is None:
                self.store.remove(stack_name)
            else:
                self.store.save(state)

    def resolver(self, stack: StackArtifact) -> Resolver:
        """The resolver of ``stack``'s template."""
        with self.lock:
            if stack.stack_name not in self._resolvers:
                state = self.state(stack.stack_name)
                stack_id = state.stack_id if state else new_stack_id(stack)
                self._stack_ids[stack.stack_name] = stack_id
                env = StackEnvironment(stack.stack_name, stack_id, stack.account, stack.region)

                def custom(logical_id: str) -> tuple[str, Mapping[str, Any]] | None:
                    current = self.state(stack.stack_name)
                    resource = current.resources.get(logical_id) if current else None
                    if resource is not None:
                        return resource.physical_id, resource.data
                    if logical_id in stack.nested and not has_sets(stack, logical_id):
                        child = nested_stack_name(stack.stack_name, logical_id)
                        return f"{stack_id}/{child}", self.nested_outputs(stack, logical_id)
                    return None

                self._resolvers[stack.stack_name] = Resolver(
                    stack.template,
                    env,
                    custom=custom,
                    imports=self._import,
                    parameters=stack.parameters,
                )
            return self._resolvers[stack.stack_name]

    def stack_id(self, stack: StackArtifact) -> str:
        """The stack's id: the one in its state, else the one chosen for its first deploy."""
        self.resolver(stack)
        return self._stack_ids[stack.stack_name]

    def _import(self, export_name: str) -> Any:
        for stack in self.stacks:
            found, value = self.resolver(stack).export_value(export_name)
            if found:
                return value
        raise ResolutionError(f"no stack of the assembly exports {export_name!r}")

    def handler(
        self, stack: StackArtifact, service_token: str, *, deleting: bool
    ) -> HandlerFunction:
        """The function behind ``service_token``. A Delete whose provider is gone from the
        template runs the handler installed with this package.
        """
        function = find_handler(
            stack.template, self.resolver(stack), stack.directory, service_token
        )
        if function is not None:
            return function
        if deleting:
            return packaged_handler()
        raise DeployError(
            f"ServiceToken {service_token} is no Lambda function of stack {stack.stack_name}"
        )

    def new_state(self, stack: StackArtifact) -> StackState:
        """The state of a stack's first deploy, before anything is recorded."""
        return StackState(
            stack_name=stack.stack_name,
            stack_id=self.stack_id(stack),
            account=stack.account,
            region=stack.region,
            status="CREATE_IN_PROGRESS",
            parent=stack.parent,
        )

    def open_intent(self, stack: StackArtifact, intent: Intent) -> None:
        """Record ``intent`` durably before its handler runs (replacing one of the same
        request id: a replay).
        """
        with self.lock:
            state = self.state(stack.stack_name) or self.new_state(stack)
            state.intents[:] = [i for i in state.intents if i.request_id != intent.request_id]
            state.intents.append(intent)
            self.set_state(stack.stack_name, state)

    def close_intent(self, stack: StackArtifact, request_id: str) -> None:
        """Forget the intent in memory: the next save of the stack, which records the
        outcome, drops it from the file in the same write.
        """
        with self.lock:
            state = self.state(stack.stack_name)
            if state is not None:
                state.intents[:] = [i for i in state.intents if i.request_id != request_id]

    def call(
        self,
        stack: StackArtifact,
        request_type: str,
        resource: ResourceState,
        *,
        old_properties: Mapping[str, Any] | None = None,
        phase: str = "forward",
        request_id: str | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Send one request to the resource's provider, as the CDK Provider framework relays
        it; return the physical id and Data. ``resource.physical_id`` is ignored on Create.

        A write-ahead intent is saved before the handler runs; the caller's next save (which
        records the outcome) drops it.
        """
        if request_type == "Delete" and resource.physical_id == CREATE_FAILED_MARKER:
            return resource.physical_id, {}
        token = str(resource.properties.get("ServiceToken", ""))
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": token,
            "ResponseURL": "...",
            "StackId": self.stack_id(stack),
            "RequestId": request_id or str(uuid.uuid4()),
            "LogicalResourceId": resource.logical_id,
            "ResourceType": resource.resource_type,
            "ResourceProperties": resource.properties,
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = resource.physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = dict(old_properties)
        function = self.handler(stack, token, deleting=request_type == "Delete")
        intent = self._intent(stack, request_type, resource, event, phase)
        self.open_intent(stack, intent)
        try:
            response = self.invoker(function, event, stack.region)
        finally:
            self.close_intent(stack, intent.request_id)
        physical_id = response.get("PhysicalResourceId") or event.get(
            "PhysicalResourceId", event["RequestId"]
        )
        data = response.get("Data") or {}
        if not isinstance(physical_id, str) or not isinstance(data, dict):
            raise HandlerError(f"invalid response from the handler: {response!r}", "")
        if request_type == "Delete" and physical_id != resource.physical_id:
            raise HandlerError(
                f"DELETE: cannot change the physical resource ID from {resource.physical_id} "
                f"to {physical_id} during deletion",
                "",
            )
        return physical_id, data

    def _intent(
        self,
        stack: StackArtifact,
        request_type: str,
        resource: ResourceState,
        event: Mapping[str, Any],
        phase: str,
    ) -> Intent:
        sent = copy.deepcopy(resource)
        sent.physical_id = str(event.get("PhysicalResourceId", ""))
        expected = (
            sent.physical_id
            if request_type == "Delete"
            else str(resource.properties.get("ConfigurationSetName", ""))
        )
        found_before = None
        if (
            request_type != "Delete"
            and expected != sent.physical_id
            and resource.resource_type == V1_TYPE
            and self.prober is not None
        ):
            found_before = self.prober(V1_TYPE, expected, stack.account, stack.region).exists
        return Intent(
            request_id=str(event["RequestId"]),
            request_type=request_type,
            phase=phase,
            resource=sent,
            expected_physical_id=expected,
            old_properties=copy.deepcopy(dict(event["OldResourceProperties"]))
            if "OldResourceProperties" in event
            else None,
            found_before=found_before,
        )

    def _destroy(self, stack: StackArtifact) -> StackResult:
        name = stack.stack_name
        state = self.state(name)
        if state is None:
            self.progress.note(name, "not deployed: nothing to destroy")
            return StackResult(name, "NOT_DEPLOYED")
        self.progress.event(name, "DELETE_IN_PROGRESS", STACK_TYPE, name)
        entries = [*state.resources.values(), *state.pending_deletes]
        results: list[ResourceResult] = []
        nested: list[StackResult] = []

        def delete(index: int) -> None:
            entry = entries[index]
            child = None
            if entry.deletion_policy in RETAINING_POLICIES:
                self.progress.event(
                    name, "DELETE_SKIPPED", entry.resource_type, entry.logical_id, entry.physical_id
                )
                outcome = ResourceResult.of(entry, "retained")
            else:
                child = self.delete_resource(stack, entry, "destroy")
                outcome = ResourceResult.of(entry, "deleted")
            with self.lock:
                if child is not None:
                    nested.append(child)
                results.append(outcome)
                current = self.state(name)
                assert current is not None
                if entry in current.pending_deletes:
                    current.pending_deletes.remove(entry)
                elif current.resources.get(entry.logical_id) is entry:
                    del current.resources[entry.logical_id]
                self.set_state(name, current)

        outcomes = run_in_order(
            range(len(entries)),
            _reverse_waits(entries),
            delete,
            max_workers=self.max_workers,
            stop_on_failure=False,
        )
        for index, error in outcomes.failed.items():
            entry = entries[index]
            results.append(ResourceResult.of(entry, "delete failed", reason=str(error)))
        if outcomes.failed or outcomes.not_started:
            current = self.state(name)
            assert current is not None
            current.status = "DELETE_FAILED"
            self.set_state(name, current)
            reason = "; ".join(f"{entries[i].logical_id}: {e}" for i, e in outcomes.failed.items())
            self.progress.event(name, "DELETE_FAILED", STACK_TYPE, name, reason)
            return StackResult(name, "DELETE_FAILED", results, reason, nested)
        self.set_state(name, None)
        self.progress.event(name, "DELETE_COMPLETE", STACK_TYPE, name)
        return StackResult(name, "DELETE_COMPLETE", results, nested=nested)

    def delete_resource(
        self, stack: StackArtifact, entry: ResourceState, phase: str, request_id: str | None = None
    ) -> "StackResult | None":
        """Send the Delete of ``entry`` (in ``phase``), with progress events; a nested stack
        is destroyed (its result returned).
        """
        name, kind, lid = stack.stack_name, entry.resource_type, entry.logical_id
        if kind == STACK_TYPE:
            self.progress.event(name, "DELETE_IN_PROGRESS", kind, lid, entry.physical_id)
            result = self.destroy_nested(stack, entry)
            self.progress.event(name, "DELETE_COMPLETE", kind, lid, entry.physical_id)
            return result
        self.progress.event(name, "DELETE_IN_PROGRESS", kind, lid, entry.physical_id)
        try:
            self.call(stack, "Delete", entry, phase=phase, request_id=request_id)
        except (HandlerError, DeployError, ResolutionError) as error:
            self.progress.failure(name, "DELETE_FAILED", kind, lid, error)
            raise
        self.progress.event(name, "DELETE_COMPLETE", kind, lid, entry.physical_id)
        return None


def has_sets(stack: StackArtifact, logical_id: str, depth: int = 0) -> bool:
    """Whether nested stack ``logical_id`` of ``stack`` holds a configuration set (at any
    depth).
    """
    template = stack.nested[logical_id]
    resources = template.get("Resources") or {}
    if any(r.get("Type") in CUSTOM_TYPES for r in resources.values()):
        return True
    if depth > MAX_NESTING:
        return False
    child = stack.nested_stack(logical_id, {})
    return any(has_sets(child, lid, depth + 1) for lid in child.nested)


def _reverse_waits(entries: Sequence[ResourceState]) -> dict[int, list[int]]:
    """Deleting: an entry waits for the entries that depend on it."""
    waits: dict[int, list[int]] = {index: [] for index in range(len(entries))}
    for index, entry in enumerate(entries):
        for other, candidate in enumerate(entries):
            if candidate.logical_id in entry.dependencies:
                waits[other].append(index)
    return waits


class _StackDeploy:
    """One deploy of one stack."""

    def __init__(self, deployer: Deployer, stack: StackArtifact) -> None:
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
        self.children: dict[str, _StackDeploy] = {}
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
            return self._roll_back(failures)
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
            deploy = _StackDeploy(self.deployer, child)
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
            _reverse_waits(entries),
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

    def _roll_back_children(self) -> tuple[list[StackResult], list[str]]:
        """Roll back every nested stack of this run; their results, and the logical ids of
        those whose rollback failed.
        """
        results: dict[str, StackResult] = {}
        for lid, child in self.children.items():
            failures = child.failures or {lid: DeployError("its parent stack rolled back")}
            results[lid] = child._roll_back(failures)
            if child.before is None and not results[lid].status.endswith("FAILED"):
                self._forget(lid)
        failed = [lid for lid, result in results.items() if result.status.endswith("FAILED")]
        return self._nested_results(results), failed

    def _roll_back(self, failures: Mapping[str, BaseException]) -> StackResult:
        first = self.before is None
        reason = "; ".join(f"{lid}: {error}" for lid, error in failures.items())
        self._stack_event(
            "ROLLBACK_IN_PROGRESS" if first else "UPDATE_ROLLBACK_IN_PROGRESS", reason
        )
        nested, rollback_failed = self._roll_back_children()
        moved_away: list[ResourceState] = []
        updates = [lid for lid, a in self.applied.items() if a.before is not None]
        creates = [lid for lid, a in self.applied.items() if a.before is None]

        def revert(lid: str) -> None:
            applied = self.applied[lid]
            assert applied.before is not None
            current = applied.after or applied.before
            target = copy.deepcopy(applied.before)
            target.physical_id = current.physical_id
            kind, sent = target.resource_type, current.physical_id
            self.progress.event(self.name, "UPDATE_IN_PROGRESS", kind, lid, "rollback")
            try:
                target.physical_id, target.data = self.deployer.call(
                    self.stack, "Update", target, old_properties=applied.attempted, phase="rollback"
                )
            except (HandlerError, DeployError, ResolutionError) as error:
                self.progress.failure(self.name, "UPDATE_FAILED", kind, lid, error)
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
                    with self.lock:
                        moved_away.append(moved)

            self._save(record)
            self.progress.event(self.name, "UPDATE_COMPLETE", kind, lid, target.physical_id)

        reverse = {lid: [o for o in updates if lid in self.waits.get(o, ())] for lid in updates}
        outcomes = run_in_order(
            updates, reverse, revert, max_workers=self.deployer.max_workers, stop_on_failure=False
        )
        rollback_failed += [*outcomes.failed, *outcomes.not_started]

        deletions: list[ResourceState] = []
        for lid in creates:
            applied = self.applied[lid]
            if applied.after is None:
                self.progress.event(
                    self.name,
                    "DELETE_COMPLETE",
                    self.resources[lid]["Type"],
                    lid,
                    "the failed Create left nothing to delete",
                )
            else:
                deletions.append(applied.after)
        deletions += moved_away

        def remove(index: int) -> None:
            entry = deletions[index]
            if entry.deletion_policy in RETAINED_ON_CREATE_ROLLBACK:
                self.progress.event(
                    self.name,
                    "DELETE_SKIPPED",
                    entry.resource_type,
                    entry.logical_id,
                    f"{entry.physical_id} (DeletionPolicy {entry.deletion_policy})",
                )
            else:
                self.deployer.delete_resource(self.stack, entry, "rollback")

            def record(state: StackState) -> None:
                if state.resources.get(entry.logical_id) is entry:
                    del state.resources[entry.logical_id]
                if entry in state.pending_deletes:
                    state.pending_deletes.remove(entry)

            self._save(record)

        outcomes_deletes = run_in_order(
            range(len(deletions)),
            _reverse_waits(deletions),
            remove,
            max_workers=self.deployer.max_workers,
            stop_on_failure=False,
        )
        rollback_failed += [deletions[i].logical_id for i in outcomes_deletes.failed]
        result = self._rolled_back(first, reason, rollback_failed)
        result.nested = nested
        return result

    def _rolled_back(self, first: bool, reason: str, rollback_failed: list[str]) -> StackResult:
        before = self.before
        if not rollback_failed:
            state = self.deployer.state(self.name)
            if before is None and (state is None or not (state.resources or state.pending_deletes)):
                self.deployer.set_state(self.name, None)
            elif state is not None and before is not None:
                for lid, resource in before.resources.items():
                    if lid not in self.applied:
                        state.resources[lid] = copy.deepcopy(resource)
                state.status = before.status
                self.deployer.set_state(self.name, state)
            status = "ROLLBACK_COMPLETE" if first else "UPDATE_ROLLBACK_COMPLETE"
        else:
            status = "ROLLBACK_FAILED" if first else "UPDATE_ROLLBACK_FAILED"
            self._save(lambda state: setattr(state, "status", status))
            reason += (
                f". Rollback failed for {', '.join(sorted(set(rollback_failed)))}: the state "
                "records what exists now, and the next deploy updates from there"
            )
        self._stack_event(status, reason)
        results: list[ResourceResult] = []
        final = self.deployer.state(self.name)
        for lid in dict.fromkeys([*self.custom, *(before.resources if before else {})]):
            kind = self.resources[lid]["Type"] if lid in self.resources else ""
            current = final.resources.get(lid) if final else None
            kind = current.resource_type if current else kind
            earlier = self.results.get(lid)
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
            elif lid in self.applied or lid in self.children:
                change = "rollback failed" if lid in rollback_failed else "rolled back"
                results.append(
                    ResourceResult(lid, kind, change, current.properties if current else None)
                )
            elif current is not None:
                results.append(ResourceResult(lid, kind, "unchanged", current.properties))
            else:
                results.append(ResourceResult(lid, kind, "not created", None))
        return StackResult(self.name, status, results, reason)


def _replaced_entry(old: ResourceState, update_replace_policy: str) -> ResourceState:
    """The old physical resource of a replacement, awaiting its cleanup Delete."""
    entry = copy.deepcopy(old)
    entry.deletion_policy = update_replace_policy
    return entry
