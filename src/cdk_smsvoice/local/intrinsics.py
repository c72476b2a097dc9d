"""Resolving template values as CloudFormation does before it hands them to a custom
resource: intrinsic functions, conditions, parameters and pseudo parameters, then every
scalar turned into a string.
"""

import base64
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from .physical import Described, StackEnvironment, describe
from .template_rules import SET_TYPES, STACK_TYPE

__all__ = ["CUSTOM_TYPES", "STACK_TYPE", "ResolutionError", "Resolver", "stringify"]

CUSTOM_TYPES = SET_TYPES
"""The resource types local deploy runs through the handler."""

NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda _: "AWS::NoValue"})()
"""What ``Ref: AWS::NoValue`` resolves to: the enclosing key or list item is left out."""

CustomLookup = Callable[[str], tuple[str, Mapping[str, Any]] | None]
"""The physical id and ``Data`` (for a nested stack: ``Outputs.<Name>`` values) of a custom
resource or nested stack of this stack, or None if it has none."""

ImportLookup = Callable[[str], Any]
"""The value of an export of another stack; raises ``ResolutionError`` when there is none."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class ResolutionError(ValueError):
    """A template value cannot be resolved."""


def stringify(value: Any) -> Any:
    """Every scalar as the string CloudFormation gives a custom resource (``true`` -> "true",
    ``5`` -> "5"); lists and maps keep their structure.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [stringify(item) for item in value]
    if isinstance(value, dict):
        return {key: stringify(item) for key, item in value.items()}
    return value


class Resolver:
    """Resolves values of one stack's template. Thread-safe: one resolution at a time."""

    def __init__(
        self,
        template: Mapping[str, Any],
        env: StackEnvironment,
        *,
        custom: CustomLookup,
        imports: ImportLookup,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        """``custom`` answers for the stack's custom resources and nested stacks, ``imports``
        for ``Fn::ImportValue``; ``parameters`` are the values given (a nested stack's, from
        its parent; default: none, each parameter takes its Default).
        """
        self._given: Mapping[str, Any] = parameters or {}
        self.env = env
        self._resources: Mapping[str, Any] = template.get("Resources") or {}
        self._parameters: Mapping[str, Any] = template.get("Parameters") or {}
        self._conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self._mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self._outputs: Mapping[str, Any] = template.get("Outputs") or {}
        self._custom = custom
        self._imports = imports
        self._lock = threading.RLock()
        self._condition_values: dict[str, bool] = {}
        self._describing: set[str] = set()
        self._functions: dict[str, Callable[[Any, str], Any]] = {
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Sub": self._sub,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::ImportValue": self._import_value,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
        }

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function resolved; ``where`` (a logical id or an
        output name) is named in errors.
        """
        with self._lock:
            return self._resolve(value, where)

    def resolve_properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties, resolved and stringified as a custom resource gets them."""
        properties = self._resources[logical_id].get("Properties") or {}
        resolved: dict[str, Any] = stringify(self.resolve(properties, logical_id))
        return resolved

    def is_present(self, logical_id: str) -> bool:
        """Whether the resource exists in this deployment (its Condition, if any, holds)."""
        condition = self._resources[logical_id].get("Condition")
        if condition is None:
            return True
        with self._lock:
            return self._condition(condition, logical_id)

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs as its parent's ``Fn::GetAtt`` sees them: ``Outputs.<Name>``."""
        with self._lock:
            found: dict[str, Any] = {}
            for name, output in self._outputs.items():
                where = f"Outputs.{name}"
                if "Condition" in output and not self._condition(output["Condition"], where):
                    continue
                found[where] = stringify(self._resolve(output.get("Value"), where))
            return found

    def export_value(self, export_name: str) -> tuple[bool, Any]:
        """``(True, value)`` of this stack's output exported as ``export_name``, else
        ``(False, None)``.
        """
        with self._lock:
            for output_name, output in self._outputs.items():
                export = output.get("Export")
                if export is None or (
                    "Condition" in output and not self._condition(output["Condition"], output_name)
                ):
                    continue
                if self._resolve(export.get("Name"), f"Outputs.{output_name}") == export_name:
                    return True, stringify(self._resolve(output["Value"], f"Outputs.{output_name}"))
        return False, None

    def _error(self, where: str, expression: Any, reason: str) -> ResolutionError:
        return ResolutionError(
            f"stack {self.env.stack_name}: {where}: cannot resolve "
            f"{json.dumps(expression, default=repr)}: {reason}"
        )

    def _resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self._ref(argument, where)
                if key.startswith("Fn::"):
                    function = self._functions.get(key)
                    if function is None:
                        raise self._error(where, value, f"{key} is not supported by local deploy")
                    return function(argument, where)
            resolved = {key: self._resolve(item, where) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self._resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        return value

    def _scalar(self, value: Any, where: str, expression: Any) -> str:
        resolved = stringify(self._resolve(value, where))
        if not isinstance(resolved, str):
            raise self._error(where, expression, f"expected a string, got {resolved!r}")
        return resolved

    def _pseudo(self, name: str) -> Any:
        env = self.env
        return {
            "AWS::AccountId": env.account,
            "AWS::Region": env.region,
            "AWS::Partition": env.partition,
            "AWS::URLSuffix": env.url_suffix,
            "AWS::StackName": env.stack_name,
            "AWS::StackId": env.stack_id,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }.get(name)

    def _ref(self, name: Any, where: str) -> Any:
        expression = {"Ref": name}
        if not isinstance(name, str):
            raise self._error(where, expression, "Ref takes a logical id or parameter name")
        if name.startswith("AWS::"):
            value = self._pseudo(name)
            if value is None:
                raise self._error(where, expression, f"unknown pseudo parameter {name}")
            return value
        if name in self._parameters:
            return self._parameter(name, where, expression)
        return self._reference(name, where, expression).ref

    def _parameter(self, name: str, where: str, expression: Any) -> Any:
        parameter = self._parameters[name]
        kind = str(parameter.get("Type", "String"))
        if kind.startswith("AWS::SSM::Parameter::Value"):
            raise self._error(where, expression, f"SSM parameter {name} has no value locally")
        if name in self._given:
            default = self._given[name]
        elif "Default" not in parameter:
            raise self._error(where, expression, f"parameter {name} has no value and no Default")
        else:
            default = parameter["Default"]
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [item.strip() for item in str(default).split(",")]
        return default

    def _reference(self, logical_id: str, where: str, expression: Any) -> Described:
        resource = self._resources.get(logical_id)
        if resource is None:
            raise self._error(where, expression, f"no resource or parameter {logical_id}")
        if not self.is_present(logical_id):
            raise self._error(where, expression, f"{logical_id} is excluded by its Condition")
        if resource.get("Type") in CUSTOM_TYPES or resource.get("Type") == STACK_TYPE:
            outputs = self._custom(logical_id)
            if outputs is None:
                raise self._error(where, expression, f"{logical_id} has not been deployed")
            physical_id, data = outputs
            return Described(physical_id, {k: stringify(v) for k, v in data.items()})
        if logical_id in self._describing:
            raise self._error(where, expression, f"{logical_id} refers to itself")
        properties = resource.get("Properties") or {}

        def prop(name: str) -> object:
            if name not in properties:
                return None
            value = stringify(self._resolve(properties[name], logical_id))
            return None if value is NO_VALUE else value

        self._describing.add(logical_id)
        try:
            return describe(resource["Type"], logical_id, prop, self.env)
        finally:
            self._describing.discard(logical_id)

    def _get_att(self, argument: Any, where: str) -> Any:
        expression = {"Fn::GetAtt": argument}
        if isinstance(argument, str) and "." in argument:
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise self._error(where, expression, "Fn::GetAtt takes [LogicalId, Attribute]")
        logical_id = argument[0]
        attribute = self._scalar(argument[1], where, expression)
        described = self._reference(logical_id, where, expression)
        if attribute not in described.attributes:
            resource_type = self._resources[logical_id].get("Type")
            known = ", ".join(sorted(described.attributes)) or "none"
            source = (
                "its handler's response Data"
                if resource_type in CUSTOM_TYPES
                else "its outputs"
                if resource_type == STACK_TYPE
                else "local"
            )
            raise self._error(
                where,
                expression,
                f"{resource_type} {logical_id} has no attribute {attribute!r} ({source} "
                f"attributes: {known})",
            )
        return described.attributes[attribute]

    def _join(self, argument: Any, where: str) -> str:
        expression = {"Fn::Join": argument}
        if not (isinstance(argument, list) and len(argument) == 2):
            raise self._error(where, expression, "Fn::Join takes [delimiter, [values]]")
        delimiter = self._scalar(argument[0], where, expression)
        values = self._resolve(argument[1], where)
        if not isinstance(values, list):
            raise self._error(where, expression, f"expected a list, got {values!r}")
        parts = [stringify(value) for value in values]
        if not all(isinstance(part, str) for part in parts):
            raise self._error(where, expression, f"can only join strings, got {parts!r}")
        return delimiter.join(parts)

    def _sub(self, argument: Any, where: str) -> str:
        expression = {"Fn::Sub": argument}
        variables: dict[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2:
            text, raw_variables = argument
            if not isinstance(raw_variables, dict):
                raise self._error(where, expression, "Fn::Sub variables must be a map")
            variables = {k: self._scalar(v, where, expression) for k, v in raw_variables.items()}
        else:
            text = argument
        if not isinstance(text, str):
            raise self._error(where, expression, "Fn::Sub takes a string or [string, {variables}]")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return self._scalar({"Fn::GetAtt": name.split(".", 1)}, where, expression)
            return self._scalar({"Ref": name}, where, expression)

        return _SUB_VARIABLE.sub(substitute, text)

    def _select(self, argument: Any, where: str) -> Any:
        expression = {"Fn::Select": argument}
        if not (isinstance(argument, list) and len(argument) == 2):
            raise self._error(where, expression, "Fn::Select takes [index, [values]]")
        index_text = self._scalar(argument[0], where, expression)
        values = self._resolve(argument[1], where)
        if not isinstance(values, list):
            raise self._error(where, expression, f"expected a list, got {values!r}")
        try:
            index = int(index_text)
        except ValueError:
            raise self._error(where, expression, f"index {index_text!r} is not a number") from None
        if not 0 <= index < len(values):
            raise self._error(where, expression, f"index {index} out of range 0..{len(values) - 1}")
        return values[index]

    def _split(self, argument: Any, where: str) -> list[str]:
        expression = {"Fn::Split": argument}
        if not (isinstance(argument, list) and len(argument) == 2):
            raise self._error(where, expression, "Fn::Split takes [delimiter, string]")
        delimiter = self._scalar(argument[0], where, expression)
        if not delimiter:
            raise self._error(where, expression, "the delimiter is empty")
        return self._scalar(argument[1], where, expression).split(delimiter)

    def _import_value(self, argument: Any, where: str) -> Any:
        expression = {"Fn::ImportValue": argument}
        name = self._scalar(argument, where, expression)
        try:
            return self._imports(name)
        except ResolutionError as error:
            raise self._error(where, expression, str(error)) from None

    def _if(self, argument: Any, where: str) -> Any:
        expression = {"Fn::If": argument}
        if not (isinstance(argument, list) and len(argument) == 3):
            raise self._error(where, expression, "Fn::If takes [condition, then, else]")
        chosen = argument[1] if self._condition(argument[0], where) else argument[2]
        return self._resolve(chosen, where)

    def _find_in_map(self, argument: Any, where: str) -> Any:
        expression = {"Fn::FindInMap": argument}
        if not (isinstance(argument, list) and len(argument) == 3):
            raise self._error(where, expression, "Fn::FindInMap takes [map, key, key]")
        keys = [self._scalar(part, where, expression) for part in argument]
        value: Any = self._mappings
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise self._error(where, expression, f"no mapping entry {'/'.join(keys)}")
            value = value[key]
        return value

    def _base64(self, argument: Any, where: str) -> str:
        text = self._scalar(argument, where, {"Fn::Base64": argument})
        return base64.b64encode(text.encode()).decode()

    def _to_json_string(self, argument: Any, where: str) -> str:
        return json.dumps(self._resolve(argument, where), separators=(",", ":"))

    def _length(self, argument: Any, where: str) -> int:
        values = self._resolve(argument, where)
        if not isinstance(values, list):
            raise self._error(where, {"Fn::Length": argument}, f"expected a list, got {values!r}")
        return len(values)

    def _condition(self, name: Any, where: str) -> bool:
        if not isinstance(name, str) or name not in self._conditions:
            raise self._error(where, {"Condition": name}, "no such condition")
        if name not in self._condition_values:
            self._condition_values[name] = self._truth(self._conditions[name], f"Conditions.{name}")
        return self._condition_values[name]

    def _truth(self, expression: Any, where: str) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            ((key, argument),) = expression.items()
            if key == "Condition":
                return self._condition(argument, where)
            if key == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
                left, right = (stringify(self._resolve(side, where)) for side in argument)
                return bool(left == right)
            if key == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
                return not self._truth(argument[0], where)
            if key in ("Fn::And", "Fn::Or") and isinstance(argument, list):
                values = [self._truth(item, where) for item in argument]
                return all(values) if key == "Fn::And" else any(values)
        value = stringify(self._resolve(expression, where))
        if value in ("true", "false"):
            return bool(value == "true")
        raise self._error(where, expression, "not a condition")
