"""Reading a cloud assembly (``cdk.out``): its stacks, their templates, environments and
dependencies.
"""

import json
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

DEFAULT_ACCOUNT = "123456789012"
"""The account of an environment-agnostic stack (``unknown-account``)."""
DEFAULT_REGION = "us-east-1"
"""The Region of an environment-agnostic stack (``unknown-region``)."""

_STACK_TYPE = "aws:cloudformation:stack"
_NESTED_ASSEMBLY_TYPE = "cdk:cloud-assembly"


class AssemblyError(ValueError):
    """The cloud assembly cannot be read."""


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly."""

    artifact_id: str
    stack_name: str
    account: str
    region: str
    template: dict[str, Any]
    directory: Path
    """The assembly directory the template's asset paths are relative to."""
    dependencies: tuple[str, ...] = field(default=())
    """Artifact ids of the stacks this one depends on."""


def read_assembly(cdk_out: Path) -> list[StackArtifact]:
    """Every stack of the assembly at ``cdk_out`` (nested assemblies of stages included), in
    dependency order: a stack comes after every stack it depends on.
    """
    stacks: dict[str, StackArtifact] = {}
    _read(cdk_out, stacks)
    graph = {
        sid: [dep for dep in stack.dependencies if dep in stacks] for sid, stack in stacks.items()
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = error.args[1]
        raise AssemblyError(f"{cdk_out}: stack dependencies form a cycle: {cycle}") from None
    return [stacks[sid] for sid in order]


def _read(directory: Path, stacks: dict[str, StackArtifact]) -> None:
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssemblyError(
            f"no cloud assembly at {directory}: {manifest_path.name} is missing (run `cdk synth` "
            "or `make synth` first, or pass --cdk-out)"
        ) from None
    except json.JSONDecodeError as error:
        raise AssemblyError(f"{manifest_path}: not valid JSON ({error})") from None
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == _NESTED_ASSEMBLY_TYPE:
            _read(directory / properties["directoryName"], stacks)
        elif kind == _STACK_TYPE:
            stacks[artifact_id] = _stack(directory, artifact_id, artifact)


def _stack(directory: Path, artifact_id: str, artifact: dict[str, Any]) -> StackArtifact:
    properties = artifact.get("properties") or {}
    template_path = directory / properties["templateFile"]
    try:
        template = json.loads(template_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AssemblyError(f"stack {artifact_id}: cannot read {template_path}: {error}") from None
    account, region = _environment(artifact_id, artifact.get("environment", ""))
    return StackArtifact(
        artifact_id=artifact_id,
        stack_name=properties.get("stackName") or artifact_id,
        account=account,
        region=region,
        template=template,
        directory=directory,
        dependencies=tuple(artifact.get("dependencies") or ()),
    )


def _environment(artifact_id: str, environment: str) -> tuple[str, str]:
    """``aws://account/region``; the unknown parts take the local defaults."""
    prefix = "aws://"
    parts = environment[len(prefix) :].split("/") if environment.startswith(prefix) else []
    if len(parts) != 2:
        raise AssemblyError(f"stack {artifact_id}: unreadable environment {environment!r}")
    account, region = parts
    return (
        DEFAULT_ACCOUNT if account in ("", "unknown-account") else account,
        DEFAULT_REGION if region in ("", "unknown-region") else region,
    )
