"""What a run reports and the rules it shares: results per resource and stack, the
deletion policies, and the order deletions go in.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .state import ResourceState

RETAINING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
"""Deletion policies under which a removed or destroyed set is kept."""

RETAINED_ON_CREATE_ROLLBACK = frozenset({"Retain", "Snapshot"})
"""Deletion policies under which even the rollback of its Create keeps a set (and forgets it)."""
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


def resource_policy(resource: Mapping[str, Any], name: str) -> str:
    """A resource's ``DeletionPolicy`` or ``UpdateReplacePolicy`` (Delete when absent)."""
    return str(resource.get(name) or "Delete")


def reverse_waits(entries: Sequence[ResourceState]) -> dict[int, list[int]]:
    """Deleting: an entry waits for the entries that depend on it."""
    waits: dict[int, list[int]] = {index: [] for index in range(len(entries))}
    for index, entry in enumerate(entries):
        for other, candidate in enumerate(entries):
            if candidate.logical_id in entry.dependencies:
                waits[other].append(index)
    return waits
