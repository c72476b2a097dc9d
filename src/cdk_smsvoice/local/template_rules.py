"""The rules CloudFormation applies to a template before it starts a deploy, and the shape
the configuration set resources' properties must have, each refused with an
``AssemblyError`` that names the file, the place and what is wrong.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STACK_TYPE = "AWS::CloudFormation::Stack"
SET_TYPES = frozenset({"Custom::SmsVoiceV2ConfigurationSet", "Custom::SmsVoiceV1ConfigurationSet"})
_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Metadata")
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")
_SINKS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")


class AssemblyError(ValueError):
    """The cloud assembly cannot be read, or breaks CloudFormation's rules."""


def _is_intrinsic(value: Any) -> bool:
    """``{"Ref": ...}`` or ``{"Fn::...": ...}``: its shape is known only once resolved."""
    if not (isinstance(value, dict) and len(value) == 1):
        return False
    key = str(next(iter(value)))
    return key == "Ref" or key.startswith("Fn::")


def kind_of(value: Any) -> str:
    """``a mapping``, ``a list``, ``a string`` or the type's name, for messages."""
    names = {dict: "a mapping", list: "a list", str: "a string"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


def check_template(path: Path, template: Any) -> None:
    """Raise ``AssemblyError`` unless ``template`` (read from ``path``) passes
    CloudFormation's template checks and the set resources' property shapes.
    """
    if not isinstance(template, dict):
        raise AssemblyError(f"{path}: a template must be a JSON object, got {kind_of(template)}")
    for section in _SECTIONS:
        if section in template and not isinstance(template[section], dict):
            raise AssemblyError(
                f"{path}: {section} must be a mapping, got {kind_of(template[section])}"
            )
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        got = (
            "missing" if resources is None else f"{kind_of(resources)} {json.dumps(resources)[:40]}"
        )
        raise AssemblyError(
            f"{path}: Resources must be a non-empty mapping of logical ids to resources "
            f"(CloudFormation needs at least one resource), got {got}"
        )
    parameters = template.get("Parameters") or {}
    for name, output in (template.get("Outputs") or {}).items():
        if not isinstance(output, dict) or "Value" not in output:
            raise AssemblyError(f"{path}: output {name} must be a mapping with a Value")
    for logical_id, resource in resources.items():
        where = f"{path}: resource {logical_id}"
        if not _LOGICAL_ID.fullmatch(logical_id):
            raise AssemblyError(
                f"{path}: logical id {logical_id!r} is invalid: CloudFormation logical ids are "
                "1 to 255 letters and digits"
            )
        if not isinstance(resource, dict):
            raise AssemblyError(f"{where} must be a mapping, got {kind_of(resource)}")
        if not isinstance(resource.get("Type"), str) or not resource["Type"]:
            raise AssemblyError(f"{where} has no Type (a string such as AWS::SNS::Topic)")
        properties = resource.get("Properties", {})
        if not isinstance(properties, dict):
            raise AssemblyError(f"{where}: Properties must be a mapping, got {kind_of(properties)}")
        _check_depends_on(where, logical_id, resource.get("DependsOn"), resources)
        if resource["Type"] in SET_TYPES:
            _check_set_properties(where, properties)
    for where, value in _sections_with_expressions(template):
        for kind, target in _targets(value):
            known = target in resources or (
                kind == "Ref" and (target in parameters or target.startswith("AWS::"))
            )
            if not known:
                raise AssemblyError(
                    f"{path}: {where}: {kind} to {target!r}, which is no resource"
                    f"{' or parameter' if kind == 'Ref' else ''} of the template (CloudFormation: "
                    "unresolved resource dependencies)"
                )


def _check_depends_on(where: str, logical_id: str, depends_on: Any, resources: Any) -> None:
    if depends_on is None:
        return
    names = [depends_on] if isinstance(depends_on, str) else depends_on
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise AssemblyError(f"{where}: DependsOn must be a logical id or a list of them")
    for name in names:
        if name not in resources:
            raise AssemblyError(
                f"{where}: DependsOn names {name!r}, which is no resource of the template "
                "(CloudFormation: unresolved resource dependencies)"
            )
        if name == logical_id:
            raise AssemblyError(f"{where}: DependsOn names the resource itself")


def _check_set_properties(where: str, properties: dict[str, Any]) -> None:
    """Shapes a configuration set's properties must have (values are the handler's)."""
    for key in ("ConfigurationSetName", "DefaultMessageType", "DefaultSenderId"):
        value = properties.get(key)
        if isinstance(value, list | dict) and not _is_intrinsic(value):
            raise AssemblyError(f"{where}: {key} must be a string, got {kind_of(value)}")
    for key in ("EventDestinations", "Tags"):
        value = properties.get(key)
        if value is None or _is_intrinsic(value):
            continue
        if not isinstance(value, list):
            raise AssemblyError(
                f"{where}: {key} must be a list of mappings, got {kind_of(value)} "
                f"{json.dumps(value)[:60]}"
            )
        for index, item in enumerate(value):
            if not (isinstance(item, dict) or _is_intrinsic(item)):
                raise AssemblyError(
                    f"{where}: {key}[{index}] must be a mapping, got {kind_of(item)}"
                )
            if key == "EventDestinations" and not _is_intrinsic(item):
                _check_destination(f"{where}: {key}[{index}]", item)


def _check_destination(where: str, item: dict[str, Any]) -> None:
    events = item.get("MatchingEventTypes")
    if events is not None and not (isinstance(events, list) or _is_intrinsic(events)):
        raise AssemblyError(f"{where}: MatchingEventTypes must be a list, got {kind_of(events)}")
    for sink in _SINKS:
        value = item.get(sink)
        if value is not None and not isinstance(value, dict):
            raise AssemblyError(f"{where}: {sink} must be a mapping, got {kind_of(value)}")


def _sections_with_expressions(template: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for logical_id, resource in template["Resources"].items():
        yield f"resource {logical_id}", resource.get("Properties", {})
    for name, output in (template.get("Outputs") or {}).items():
        yield f"output {name}", output


def _targets(value: Any) -> Iterator[tuple[str, str]]:
    """``(Ref|Fn::GetAtt, logical id)`` of every Ref and GetAtt in ``value``."""
    if isinstance(value, list):
        for item in value:
            yield from _targets(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                yield "Ref", argument
            elif key == "Fn::GetAtt" and isinstance(argument, str) and "." in argument:
                yield "Fn::GetAtt", argument.split(".", 1)[0]
            elif key == "Fn::GetAtt" and isinstance(argument, list) and argument:
                if isinstance(argument[0], str):
                    yield "Fn::GetAtt", argument[0]
            else:
                yield from _targets(argument)


def nested_template_file(directory: Path, resource: Any) -> str | None:
    """The assembly file holding the template of a nested stack resource: its
    ``aws:asset:path`` metadata, else the file asset whose object key its ``TemplateURL``
    ends with (from the assembly's ``*.assets.json``); None for any other resource, or a
    nested stack whose template is not in the assembly.
    """
    if not isinstance(resource, dict) or resource.get("Type") != STACK_TYPE:
        return None
    metadata = resource.get("Metadata") or {}
    asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
    if isinstance(asset, str) and asset.endswith(".json"):
        return asset
    url = (resource.get("Properties") or {}).get("TemplateURL")
    keys = [text for text in _strings(url) if text.endswith(".json")]
    for assets_file in sorted(directory.glob("*.assets.json")):
        try:
            files = json.loads(assets_file.read_text(encoding="utf-8")).get("files") or {}
        except (OSError, ValueError, AttributeError):
            continue
        for entry in files.values():
            destinations = entry.get("destinations") or {}
            object_keys = {d.get("objectKey") for d in destinations.values()}
            if any(key.rsplit("/", 1)[-1] in object_keys for key in keys):
                path = (entry.get("source") or {}).get("path")
                return path if isinstance(path, str) else None
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
