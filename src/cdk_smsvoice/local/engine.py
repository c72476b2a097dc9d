"""Deploy and destroy with CloudFormation's semantics, for the custom resources only: the
``Deployer`` runs stacks in dependency order (each deploy is a ``stack_deploy.StackDeploy``),
destroys them in reverse, owns the state of every stack, and sends each request to a handler
after recording it as a write-ahead intent (see ``recovery``).
"""

import copy
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .assembly import StackArtifact, has_sets, nested_stack_name
from .graph import run_in_order
from .intrinsics import STACK_TYPE, ResolutionError, Resolver
from .invoke import (
    CREATE_FAILED_MARKER,
    HandlerError,
    HandlerFunction,
    find_handler,
    packaged_handler,
)
from .outcomes import (
    RETAINING_POLICIES,
    SKIPPED,
    DeployError,
    ResourceResult,
    StackResult,
    reverse_waits,
)
from .physical import StackEnvironment
from .probe import Prober
from .recovery import recover
from .report import Progress
from .stack_deploy import StackDeploy
from .state import Intent, ResourceState, StackState, StateStore

__all__ = ["DeployError", "Deployer", "Invoker", "ResourceResult", "StackResult"]

Invoker = Callable[[HandlerFunction, Mapping[str, Any], str], Mapping[str, Any]]
"""Runs a handler on an event in a Region; returns its response or raises ``HandlerError``."""

MAX_WORKERS = 8

V1_TYPE = "Custom::SmsVoiceV1ConfigurationSet"


def new_stack_id(stack: StackArtifact) -> str:
    """A stack id as CloudFormation makes them."""
    partition = StackEnvironment(stack.stack_name, "", stack.account, stack.region).partition
    return (
        f"arn:{partition}:cloudformation:{stack.region}:{stack.account}:stack/"
        f"{stack.stack_name}/{uuid.uuid4()}"
    )


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
            failed = self._resume(stack, "UPDATE_FAILED")
            results.append(failed or StackDeploy(self, stack).run())
        return results

    def _resume(self, stack: StackArtifact, failed_status: str) -> StackResult | None:
        """Settle what an interrupted run left (``recovery``); a failed result if that fails."""
        try:
            recover(self, stack)
        except (HandlerError, DeployError, ResolutionError) as error:
            reason = f"cannot resume the interrupted run: {error}"
            self.progress.event(
                stack.stack_name, failed_status, STACK_TYPE, stack.stack_name, reason
            )
            return StackResult(stack.stack_name, failed_status, reason=reason)
        return None

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
            failed = self._resume(stack, "DELETE_FAILED")
            results.append(failed or self._destroy(stack))
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
            try:
                presence = self.prober(V1_TYPE, expected, stack.account, stack.region)
            except Exception as error:  # any failure to read: the request is not sent
                raise HandlerError(
                    f"cannot read whether set {expected} exists: {error}", ""
                ) from None
            found_before = presence.exists
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
        unrecorded = self._unrecorded_children(name, state)
        if state is None and not unrecorded:
            self.progress.note(name, "not deployed: nothing to destroy")
            return StackResult(name, "NOT_DEPLOYED")
        if state is None:
            state = self.new_state(stack)
            self._states[name] = state
        self.progress.event(name, "DELETE_IN_PROGRESS", STACK_TYPE, name)
        entries = [*state.resources.values(), *state.pending_deletes, *unrecorded]
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
            reverse_waits(entries),
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

    def _unrecorded_children(self, name: str, state: StackState | None) -> list[ResourceState]:
        """Nested stacks of ``name`` with a state of their own that its state does not record
        (a run killed during their first deploy), as entries to destroy.
        """
        known = {e.physical_id for e in state.resources.values()} if state else set()
        known |= {e.physical_id for e in state.pending_deletes} if state else set()
        return [
            ResourceState(child.stack_name, STACK_TYPE, child.stack_id, {})
            for child in self.store.load_all()
            if child.parent == name and child.stack_id not in known
        ]

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
