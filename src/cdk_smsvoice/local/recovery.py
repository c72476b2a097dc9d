"""Resuming after a run that died while handlers ran (SIGKILL, power loss).

The write-ahead intents it left in a stack's state say which requests were in flight, and
each is settled before the new run decides anything, as CloudFormation settles a resource
whose operation was interrupted:

- **Delete**: sent again (Delete is idempotent; it removes only a set this resource made).
- **Update** in place (same set name): sent again with the same request, properties and old
  properties; the handler converges the set from wherever the interrupted call left it. If
  that fails, the resource is marked *unverified*, so the next deploy updates it anyway.
- **Create**, and an Update that replaces (a new set name): the handler may have made the set
  before it died. It counts as made by this resource only when it exists and
  - v2: carries the ownership tag ``cdk-smsvoice:owner = <StackId>#<LogicalId>``;
  - v1 (no tags): the intent recorded that no set of that name existed just before the
    request was sent.
  A set made so is recorded as *unverified*: the deploy that follows sends it an Update
  that converges it on the template (it never Creates over it, so the handler's rule that a
  Create never adopts an existing set holds), and destroy deletes it. A set that is not ours
  is left alone; the deploy's Create then fails on it as it should. For a replacement, the
  set it replaced becomes a pending delete (after the stack succeeds), as after any
  replacement.

Each intent is dropped in the same atomic save that records its outcome, so a crash during
recovery leaves the rest to the next run.
"""

import copy
from typing import TYPE_CHECKING

from .invoke import HandlerError
from .probe import V2_TYPE, owner_id
from .state import Intent, ResourceState, StackState

if TYPE_CHECKING:
    from .assembly import StackArtifact
    from .engine import Deployer


def recover(deployer: "Deployer", stack: "StackArtifact") -> None:
    """Settle every intent left in ``stack``'s state (see the module docstring)."""
    state = deployer.state(stack.stack_name)
    if state is None or not state.intents:
        return
    name = stack.stack_name
    deployer.progress.note(
        name,
        f"the previous run stopped while {len(state.intents)} handler invocation(s) ran; "
        "settling them first",
    )
    for intent in list(state.intents):
        if intent.request_type == "Delete":
            _recover_delete(deployer, stack, intent)
        elif intent.expected_physical_id == intent.resource.physical_id:
            _recover_update(deployer, stack, intent)
        else:
            _recover_create(deployer, stack, intent)
    current = deployer.state(name)
    if current is not None and not (current.resources or current.pending_deletes):
        deployer.set_state(name, None)


def _save(deployer: "Deployer", stack: "StackArtifact", intent: Intent, change: "_Change") -> None:
    with deployer.lock:
        state = deployer.state(stack.stack_name) or deployer.new_state(stack)
        state.intents[:] = [i for i in state.intents if i.request_id != intent.request_id]
        change(state)
        deployer.set_state(stack.stack_name, state)


class _Change:
    """A change to a stack's state (a callable)."""

    def __call__(self, state: StackState) -> None:
        """Apply the change."""


def _recover_delete(deployer: "Deployer", stack: "StackArtifact", intent: Intent) -> None:
    entry = intent.resource
    try:
        deployer.delete_resource(stack, entry, intent.phase, request_id=intent.request_id)
    except (HandlerError, ValueError) as error:
        deployer.progress.note(
            stack.stack_name,
            f"{entry.logical_id}: the interrupted Delete of {entry.physical_id} failed again "
            f"({error}); it stays recorded and the next deploy or destroy retries it",
        )
        _save(deployer, stack, intent, _Forget())
        return
    _save(deployer, stack, intent, _Removed(entry.logical_id, entry.physical_id))


def _recover_update(deployer: "Deployer", stack: "StackArtifact", intent: Intent) -> None:
    resource = copy.deepcopy(intent.resource)
    lid, kind = resource.logical_id, resource.resource_type
    deployer.progress.event(stack.stack_name, "UPDATE_IN_PROGRESS", kind, lid, "resumed")
    try:
        resource.physical_id, resource.data = deployer.call(
            stack,
            "Update",
            resource,
            old_properties=intent.old_properties,
            phase=intent.phase,
            request_id=intent.request_id,
        )
    except (HandlerError, ValueError) as error:
        deployer.progress.failure(stack.stack_name, "UPDATE_FAILED", kind, lid, error)
        _save(deployer, stack, intent, _Unverified(lid))
        return
    resource.unverified = False
    deployer.progress.event(
        stack.stack_name, "UPDATE_COMPLETE", kind, lid, f"{resource.physical_id} (resumed)"
    )
    _save(deployer, stack, intent, _Recorded(resource, None))


def _recover_create(deployer: "Deployer", stack: "StackArtifact", intent: Intent) -> None:
    resource = copy.deepcopy(intent.resource)
    lid, kind, wanted = resource.logical_id, resource.resource_type, intent.expected_physical_id
    if deployer.prober is None:
        deployer.progress.note(
            stack.stack_name, f"{lid}: cannot look for set {wanted} (no endpoint to read)"
        )
        _save(deployer, stack, intent, _Forget())
        return
    try:
        presence = deployer.prober(kind, wanted, stack.account, stack.region)
    except Exception as error:  # the intent stays: the next run tries again
        raise HandlerError(f"{lid}: cannot read whether set {wanted} exists: {error}", "") from None
    if kind == V2_TYPE:
        ours = presence.exists and presence.owner == owner_id(deployer.stack_id(stack), lid)
    else:
        ours = presence.exists and intent.found_before is False
    if not ours:
        detail = "it was not made" if not presence.exists else "it is not this resource's"
        deployer.progress.note(
            stack.stack_name, f"{lid}: the interrupted {intent.request_type} of {wanted}: {detail}"
        )
        _save(deployer, stack, intent, _Forget())
        return
    deployer.progress.note(
        stack.stack_name,
        f"{lid}: set {wanted} was made by the interrupted {intent.request_type}; recorded, "
        "to be converged by the next update",
    )
    replaced = resource.physical_id or None
    resource.physical_id = wanted
    resource.data = {}
    resource.unverified = True
    policy = resource.update_replace_policy if intent.phase == "forward" else "Delete"
    _save(deployer, stack, intent, _Recorded(resource, (replaced, policy) if replaced else None))


class _Forget(_Change):
    """Only the intent goes."""


class _Removed(_Change):
    def __init__(self, logical_id: str, physical_id: str) -> None:
        self.logical_id, self.physical_id = logical_id, physical_id

    def __call__(self, state: StackState) -> None:
        state.pending_deletes[:] = [
            e
            for e in state.pending_deletes
            if (e.logical_id, e.physical_id) != (self.logical_id, self.physical_id)
        ]
        current = state.resources.get(self.logical_id)
        if current is not None and current.physical_id == self.physical_id:
            del state.resources[self.logical_id]


class _Unverified(_Change):
    def __init__(self, logical_id: str) -> None:
        self.logical_id = logical_id

    def __call__(self, state: StackState) -> None:
        current = state.resources.get(self.logical_id)
        if current is not None:
            current.unverified = True


class _Recorded(_Change):
    """The resource exists as ``resource``; ``replaced`` is (physical id, policy) of the set
    it moved away from, when that one still exists.
    """

    def __init__(self, resource: ResourceState, replaced: tuple[str, str] | None) -> None:
        self.resource, self.replaced = resource, replaced

    def __call__(self, state: StackState) -> None:
        lid = self.resource.logical_id
        previous = state.resources.get(lid)
        state.resources[lid] = self.resource
        if self.replaced is None or previous is None:
            return
        old_id, policy = self.replaced
        if previous.physical_id == old_id and old_id != self.resource.physical_id:
            moved = copy.deepcopy(previous)
            moved.deletion_policy = policy
            state.pending_deletes.append(moved)
