"""Reading a cloud assembly (``cdk.out``): its stacks, their templates (nested stacks'
templates included), environments and dependencies. Malformed input is refused with an
``AssemblyError`` that names the file and what is wrong (see ``template_rules``).
"""

import hashlib
import json
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from .state import check_stack_name
from .template_rules import (
    SET_TYPES,
    AssemblyError,
    check_template,
    kind_of,
    nested_template_file,
)

DEFAULT_ACCOUNT = "123456789012"
"""The account of an environment-agnostic stack (``unknown-account``)."""
DEFAULT_REGION = "us-east-1"
"""The Region of an environment-agnostic stack (``unknown-region``)."""

_STACK_TYPE = "aws:cloudformation:stack"
_NESTED_ASSEMBLY_TYPE = "cdk:cloud-assembly"

__all__ = ["AssemblyError", "StackArtifact", "read_assembly"]


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly, or a nested stack of one."""

    artifact_id: str
    stack_name: str
    account: str
    region: str
    template: dict[str, Any]
    directory: Path
    """The assembly directory the template's asset paths are relative to."""
    dependencies: tuple[str, ...] = field(default=())
    """Artifact ids of the stacks this one depends on."""
    nested: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The templates of its ``AWS::CloudFormation::Stack`` resources, by logical id."""
    parent: str | None = None
    """The parent stack's name, for a nested stack."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """Parameter values given by the parent (a nested stack's ``Parameters``)."""

    def nested_stack(self, logical_id: str, parameters: dict[str, Any]) -> "StackArtifact":
        """The nested stack of resource ``logical_id``, given ``parameters``."""
        template = self.nested[logical_id]
        name = nested_stack_name(self.stack_name, logical_id)
        return StackArtifact(
            artifact_id=f"{self.artifact_id}/{logical_id}",
            stack_name=name,
            account=self.account,
            region=self.region,
            template=template,
            directory=self.directory,
            nested=_nested_templates(self.directory, template, name),
            parent=self.stack_name,
            parameters=dict(parameters),
        )


def nested_stack_name(parent_name: str, logical_id: str) -> str:
    """``<parent>-<LogicalId>-<SUFFIX>`` as CloudFormation names nested stacks, with a suffix
    derived from both names instead of a random one; at most 128 characters.
    """
    suffix = hashlib.sha256(f"{parent_name}/{logical_id}".encode()).hexdigest()[:12].upper()
    prefix = f"{parent_name}-{logical_id}"[: 128 - len(suffix) - 1]
    return f"{prefix}-{suffix}"


def read_assembly(cdk_out: Path) -> list[StackArtifact]:
    """Every stack of the assembly at ``cdk_out`` (nested assemblies of stages included), in
    dependency order: a stack comes after every stack it depends on.
    """
    stacks: dict[str, StackArtifact] = {}
    _read(cdk_out, stacks)
    names: dict[str, str] = {}
    for artifact_id, stack in stacks.items():
        if stack.stack_name in names:
            raise AssemblyError(
                f"{cdk_out}: stacks {names[stack.stack_name]} and {artifact_id} are both named "
                f"{stack.stack_name!r}; stack names must be unique"
            )
        names[stack.stack_name] = artifact_id
    graph = {
        sid: [dep for dep in stack.dependencies if dep in stacks] for sid, stack in stacks.items()
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = error.args[1]
        raise AssemblyError(f"{cdk_out}: stack dependencies form a cycle: {cycle}") from None
    return [stacks[sid] for sid in order]


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssemblyError(f"{path}: {what} is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AssemblyError(f"{path}: cannot read the {what}: {error}") from None
    except json.JSONDecodeError as error:
        raise AssemblyError(f"{path}: the {what} is not valid JSON ({error})") from None


def _inside(directory: Path, relative: Any, where: str, what: str) -> Path:
    """``directory / relative``, refused unless it is a relative path that stays inside."""
    if not isinstance(relative, str) or not relative:
        raise AssemblyError(f"{where}: {what} must be a non-empty string, got {relative!r}")
    path = (directory / relative).resolve()
    if not path.is_relative_to(directory.resolve()):
        raise AssemblyError(f"{where}: {what} {relative!r} leads outside {directory}")
    return path


def _read(directory: Path, stacks: dict[str, StackArtifact]) -> None:
    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        raise AssemblyError(
            f"no cloud assembly at {directory}: {manifest_path.name} is missing (run `cdk synth` "
            "or `make synth` first, or pass --cdk-out)"
        )
    manifest = _load_json(manifest_path, "manifest")
    if not isinstance(manifest, dict):
        raise AssemblyError(
            f"{manifest_path}: the manifest must be a JSON object, got {kind_of(manifest)}"
        )
    artifacts = manifest.get("artifacts") or {}
    if not isinstance(artifacts, dict):
        raise AssemblyError(f"{manifest_path}: 'artifacts' must be a mapping of artifact ids")
    for artifact_id, artifact in artifacts.items():
        where = f"{manifest_path}: artifact {artifact_id!r}"
        if not isinstance(artifact, dict):
            raise AssemblyError(f"{where} must be a mapping, got {kind_of(artifact)}")
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind in (_NESTED_ASSEMBLY_TYPE, _STACK_TYPE) and not isinstance(properties, dict):
            raise AssemblyError(f"{where}: 'properties' must be a mapping")
        if kind == _NESTED_ASSEMBLY_TYPE:
            _read(
                _inside(directory, properties.get("directoryName"), where, "directoryName"), stacks
            )
        elif kind == _STACK_TYPE:
            stacks[artifact_id] = _stack(directory, manifest_path, artifact_id, artifact)


def _stack(
    directory: Path, manifest_path: Path, artifact_id: str, artifact: dict[str, Any]
) -> StackArtifact:
    where = f"{manifest_path}: stack {artifact_id!r}"
    properties = artifact.get("properties") or {}
    if "templateFile" not in properties:
        raise AssemblyError(f"{where} has no properties.templateFile (the template's file name)")
    template_path = _inside(directory, properties["templateFile"], where, "templateFile")
    template = _load_json(template_path, "template")
    check_template(template_path, template)
    stack_name = properties.get("stackName") or artifact_id
    try:
        check_stack_name(stack_name, where)
    except ValueError as error:
        raise AssemblyError(str(error)) from None
    dependencies = artifact.get("dependencies") or []
    if not (isinstance(dependencies, list) and all(isinstance(d, str) for d in dependencies)):
        raise AssemblyError(f"{where}: 'dependencies' must be a list of artifact ids")
    account, region = _environment(where, artifact.get("environment", ""))
    stack = StackArtifact(
        artifact_id=artifact_id,
        stack_name=stack_name,
        account=account,
        region=region,
        template=template,
        directory=directory,
        dependencies=tuple(dependencies),
        nested=_nested_templates(directory, template, stack_name),
    )
    _check_deeper(stack, 1)
    return stack


def _check_deeper(stack: StackArtifact, depth: int) -> None:
    """Read (and so check) the templates of nested stacks at every depth, now."""
    if depth > MAX_NESTING:
        raise AssemblyError(f"stack {stack.stack_name}: nested stacks deeper than {MAX_NESTING}")
    for logical_id in stack.nested:
        _check_deeper(stack.nested_stack(logical_id, {}), depth + 1)


def _nested_templates(
    directory: Path, template: dict[str, Any], stack_name: str
) -> dict[str, dict[str, Any]]:
    """The templates of the template's nested stacks, each checked, by logical id."""
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        relative = nested_template_file(directory, resource)
        if relative is None:
            continue
        where = f"stack {stack_name}: nested stack {logical_id}"
        path = _inside(directory, relative, where, "template file")
        nested = _load_json(path, "nested stack template")
        check_template(path, nested)
        found[logical_id] = nested
    return found


def _environment(where: str, environment: Any) -> tuple[str, str]:
    """``aws://account/region``; the unknown parts take the local defaults."""
    prefix = "aws://"
    text = environment if isinstance(environment, str) else ""
    parts = text[len(prefix) :].split("/") if text.startswith(prefix) else []
    if len(parts) != 2:
        raise AssemblyError(f"{where}: unreadable environment {environment!r}")
    account, region = parts
    return (
        DEFAULT_ACCOUNT if account in ("", "unknown-account") else account,
        DEFAULT_REGION if region in ("", "unknown-region") else region,
    )


MAX_NESTING = 10
"""How deep nested stacks are followed."""


def has_sets(stack: StackArtifact, logical_id: str, depth: int = 0) -> bool:
    """Whether nested stack ``logical_id`` of ``stack`` holds a configuration set (at any
    depth).
    """
    template = stack.nested[logical_id]
    resources = template.get("Resources") or {}
    if any(r.get("Type") in SET_TYPES for r in resources.values()):
        return True
    if depth > MAX_NESTING:
        return False
    child = stack.nested_stack(logical_id, {})
    return any(has_sets(child, lid, depth + 1) for lid in child.nested)
