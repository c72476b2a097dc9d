"""Synth-time validation of rendered properties with the ``jsonschema`` library.

Unlike the handler's generated validator, this one reports every error at once, each with the
JSON path, the offending value and what the schema allows.
"""

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators

from .document import UNIQUE_ITEM_PROPERTIES, load_schema


@dataclass(frozen=True)
class PropertyError:
    """One way in which a configuration set's properties break the schema."""

    json_path: str
    """Where, as a JSON path relative to the resource properties (``$.EventDestinations[0]``)."""
    value: Any
    """The offending value."""
    problem: str
    """What is wrong with it."""
    allowed: str
    """What the schema allows there."""

    def __str__(self) -> str:
        shown = _show(self.value)
        return f"{self.json_path}: {self.problem} (value: {shown}). Allowed: {self.allowed}"


def _unique_item_properties(
    validator: Any, keys: list[str], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "array"):
        return
    for key in keys:
        first_index: dict[str, int] = {}
        for index, item in enumerate(instance):
            if not isinstance(item, dict) or key not in item:
                continue
            value = json.dumps(item[key], sort_keys=True, default=str)
            if value in first_index:
                yield ValidationError(
                    f"{key} {item[key]!r} is used by items {first_index[value]} and {index}"
                )
            else:
                first_index[value] = index


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """``pattern`` with a final ``$`` that means end of string, as in the handler's generated
    validator (Python's ``$`` would also match before a trailing newline).
    """
    if not validator.is_type(instance, "string"):
        return
    anchored = (
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    )
    if not re.search(anchored, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft7Validator, {UNIQUE_ITEM_PROPERTIES: _unique_item_properties, "pattern": _pattern}
)

_SINKS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")


def validate_properties(
    resource_type: str,
    properties: Mapping[str, Any],
    is_unresolved: Callable[[Any], bool] = lambda _value: False,
) -> list[PropertyError]:
    """Every schema error in ``properties`` of a resource of ``resource_type``.

    Errors about a value for which ``is_unresolved`` is true (a CDK token, known only at deploy
    time) are left out: the handler checks that value again before any API call. Errors about
    a structure that merely contains tokens (too many items, a missing sink) are kept.
    """
    document = {"ResourceType": resource_type, "ResourceProperties": dict(properties)}
    validator = _Validator(load_schema())
    found: list[PropertyError] = []
    for error in sorted(validator.iter_errors(document), key=_sort_key):
        if is_unresolved(error.instance):
            continue
        found.append(_describe(error))
    return found


def _sort_key(error: ValidationError) -> tuple[str, str]:
    return (_json_path(error), str(error.validator))


def _json_path(error: ValidationError) -> str:
    parts = list(error.absolute_path)
    if parts and parts[0] == "ResourceProperties":
        parts = parts[1:]
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _show(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def _schema(error: ValidationError) -> Mapping[str, Any]:
    return error.schema if isinstance(error.schema, Mapping) else {}


def _problem(error: ValidationError) -> str:
    keyword = error.validator
    instance: Any = error.instance
    rule: Any = error.validator_value
    if keyword == "enum":
        return f"{_show(instance)} is not allowed here"
    if keyword == "pattern":
        return f"{_show(instance)} does not match the pattern {rule}"
    if keyword == "maxItems":
        return f"{len(instance)} items is more than the limit of {rule}"
    if keyword == "minItems":
        return f"{len(instance)} items is fewer than the minimum of {rule}"
    if keyword == "maxLength":
        return f"{len(instance)} characters is more than the limit of {rule}"
    if keyword == "minLength":
        return f"{len(instance)} characters is fewer than the minimum of {rule}"
    if keyword == "oneOf" and isinstance(instance, dict):
        present = [sink for sink in _SINKS if sink in instance]
        if not present:
            return "the event destination has no sink"
        return f"the event destination has {len(present)} sinks ({', '.join(present)})"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = set(_schema(error).get("properties", {}))
        unknown = sorted(set(instance) - known)
        return f"unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}"
    return error.message


def _allowed(error: ValidationError) -> str:
    schema = _schema(error)
    rule: Any = error.validator_value
    if error.validator == "additionalProperties":
        return "the properties " + ", ".join(schema.get("properties", {}))
    if error.validator == "required":
        return "an object with " + ", ".join(rule)
    description = schema.get("description")
    if isinstance(description, str):
        return description
    if error.validator == "type":
        return f"a value of type {error.validator_value}"
    return f"{error.validator} {_show(error.validator_value)}"


def _describe(error: ValidationError) -> PropertyError:
    value = error.instance
    if error.validator == "additionalProperties" and isinstance(value, dict):
        value = sorted(set(value) - set(_schema(error).get("properties", {})))
    return PropertyError(
        json_path=_json_path(error), value=value, problem=_problem(error), allowed=_allowed(error)
    )
