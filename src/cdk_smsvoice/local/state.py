"""What local deploy has deployed: one JSON file per stack under ``<state-dir>/stacks``, each
written atomically, so that a crash between two resources leaves a consistent record.
"""

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..durable_files import fsync_directory, write_json_atomically

STATE_VERSION = 1

STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
"""CloudFormation's stack name rule: a letter, then letters, digits and hyphens, at most 128
characters. Only names that match become file names."""


def check_stack_name(name: str, where: str) -> None:
    """Raise ``ValueError`` naming ``where`` unless ``name`` is a valid stack name."""
    if not isinstance(name, str) or not STACK_NAME.fullmatch(name):
        raise ValueError(
            f"{where}: stack name {name!r} is invalid: CloudFormation stack names start with a "
            "letter and contain only letters, digits and hyphens (at most 128 characters)"
        )


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
    unverified: bool = False
    """Recovered after a crash: the live set may differ from ``properties``, so the next
    deploy sends an Update even when the template did not change."""


@dataclass
class Intent:
    """A write-ahead record of one handler invocation, saved before the handler runs and
    dropped with the save that records its outcome. One found by a later run means that the
    run that wrote it died while the handler ran (see ``recovery``).
    """

    request_id: str
    request_type: str
    """Create, Update or Delete."""
    phase: str
    """forward, rollback, cleanup or destroy."""
    resource: ResourceState
    """The resource as the request carries it: ``physical_id`` is the one sent (empty on
    Create), ``properties`` the ``ResourceProperties``."""
    expected_physical_id: str
    """The physical id the request produces when it succeeds (the set name)."""
    old_properties: dict[str, Any] | None = None
    found_before: bool | None = None
    """Whether a set named ``expected_physical_id`` existed just before a Create (or a
    replacing Update) was sent; checked where the API has no ownership tag (v1)."""

    @classmethod
    def from_json(cls, content: dict[str, Any]) -> "Intent":
        """Read a recorded intent."""
        return cls(**{**content, "resource": ResourceState(**content["resource"])})


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
    intents: list[Intent] = field(default_factory=list)
    """Handler invocations in flight (write-ahead): non-empty on disk only after a crash."""
    parent: str | None = None
    """The parent stack's name when this is a nested stack (then it is no top-level stack)."""

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
            intents=[Intent.from_json(i) for i in content.get("intents", [])],
            parent=content.get("parent"),
        )


class StateStore:
    """The stack files under ``<state_dir>/stacks``."""

    def __init__(self, state_dir: Path) -> None:
        """Files live under ``state_dir``, created on the first write."""
        self.directory = state_dir / "stacks"

    def path(self, stack_name: str) -> Path:
        """Where the state of ``stack_name`` is kept (a valid stack name only)."""
        check_stack_name(stack_name, "state")
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
        names = sorted(
            path.stem for path in self.directory.glob("*.json") if STACK_NAME.fullmatch(path.stem)
        )
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

    def remove_temporaries(self) -> None:
        """Delete the temporary files of atomic writes that a killed run left behind (call
        with the state directory's lock held: no write is in flight then).
        """
        if self.directory.is_dir():
            for path in self.directory.glob(".*.json.*.tmp"):
                path.unlink(missing_ok=True)
