"""What local deploy has deployed: one JSON file per stack under ``<state-dir>/stacks``, each
written atomically, so that a crash between two resources leaves a consistent record.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..durable_files import fsync_directory, write_json_atomically

STATE_VERSION = 1


@dataclass
class ResourceState:
    """One custom resource as deployed (or one old physical resource awaiting deletion)."""

    logical_id: str
    resource_type: str
    physical_id: str
    properties: dict[str, Any]
    """Resolved and stringified, ServiceToken included: what the handler was last given."""
    data: dict[str, Any] = field(default_factory=dict)
    """The handler's response ``Data``: what ``Fn::GetAtt`` returns."""
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"
    dependencies: list[str] = field(default_factory=list)
    """The custom resources of the stack it depends on (destroy deletes it before them)."""


@dataclass
class StackState:
    """A deployed stack."""

    stack_name: str
    stack_id: str
    """Chosen at the first deploy and never changed: v2 sets are tagged with it."""
    account: str
    region: str
    status: str = "CREATE_COMPLETE"
    resources: dict[str, ResourceState] = field(default_factory=dict)
    pending_deletes: list[ResourceState] = field(default_factory=list)
    """Physical resources replaced or removed whose Delete has not succeeded yet."""

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        return {"version": STATE_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> "StackState":
        """Read a file's content."""
        if content.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported state version {content.get('version')!r}")
        return cls(
            stack_name=content["stack_name"],
            stack_id=content["stack_id"],
            account=content["account"],
            region=content["region"],
            status=content["status"],
            resources={
                lid: ResourceState(**resource) for lid, resource in content["resources"].items()
            },
            pending_deletes=[ResourceState(**r) for r in content["pending_deletes"]],
        )


class StateStore:
    """The stack files under ``<state_dir>/stacks``."""

    def __init__(self, state_dir: Path) -> None:
        """Files live under ``state_dir``, created on the first write."""
        self.directory = state_dir / "stacks"

    def path(self, stack_name: str) -> Path:
        """Where the state of ``stack_name`` is kept."""
        return self.directory / f"{stack_name}.json"

    def load(self, stack_name: str) -> StackState | None:
        """The stack's state, or None when it has not been deployed."""
        path = self.path(stack_name)
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        try:
            return StackState.from_json(content)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}: unreadable state ({error})") from None

    def load_all(self) -> list[StackState]:
        """Every deployed stack, by name."""
        if not self.directory.is_dir():
            return []
        names = sorted(path.stem for path in self.directory.glob("*.json"))
        return [state for name in names if (state := self.load(name)) is not None]

    def save(self, state: StackState) -> None:
        """Replace the stack's file atomically: a reader sees the old file or the new one."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(state.stack_name)
        write_json_atomically(target, state.to_json())

    def remove(self, stack_name: str) -> None:
        """Forget the stack."""
        self.path(stack_name).unlink(missing_ok=True)
        fsync_directory(self.directory)
