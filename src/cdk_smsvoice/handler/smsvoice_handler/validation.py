"""The handler's gate: the schema, enforced before any API call."""

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

from . import schema_validator
from .constants import V1_RESOURCE_TYPE, V2_RESOURCE_TYPE
from .fjs_exceptions import JsonSchemaValueException
from .schema_validator import UNIQUE_ITEM_PROPERTIES

_validate = cast(Callable[[Any], Any], schema_validator.validate)
"""The generated validator (generated code carries no annotations)."""

_DEFINITION_BY_TYPE = {
    V2_RESOURCE_TYPE: "V2ConfigurationSet",
    V1_RESOURCE_TYPE: "V1ConfigurationSet",
}


class InvalidPropertiesError(ValueError):
    """The resource properties break the schema; the message says where and what is allowed."""


def _json_path(name: str | None) -> str:
    path = name or "data"
    for prefix in ("data.ResourceProperties", "data"):
        if path.startswith(prefix):
            return "$" + path[len(prefix) :]
    return path


def _show(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def _what_breaks(error: JsonSchemaValueException) -> str:
    """The offending part of the value, as briefly as the rule allows."""
    definition = error.definition if isinstance(error.definition, dict) else {}
    if error.rule in ("maxItems", "minItems") and isinstance(error.value, list):
        limit = definition.get(error.rule)
        relation = "more" if error.rule == "maxItems" else "fewer"
        return f"{len(error.value)} items ({relation} than the limit of {limit})"
    if error.rule == "additionalProperties" and isinstance(error.value, dict):
        known = definition.get("properties", {})
        extra = sorted(k for k in error.value if k not in known)
        return f"the propert{'y' if len(extra) == 1 else 'ies'} {', '.join(extra)}"
    return _show(error.value)


def validate_properties(resource_type: str, properties: Mapping[str, Any]) -> None:
    """Raise InvalidPropertiesError for the first way ``properties`` break the schema."""
    document = {"ResourceType": resource_type, "ResourceProperties": dict(properties)}
    try:
        _validate(document)
    except JsonSchemaValueException as error:
        path = _json_path(error.name)
        description = (
            error.definition.get("description") if isinstance(error.definition, dict) else None
        )
        if isinstance(description, str):
            problem = (
                f"{_what_breaks(error)} breaks the rule '{error.rule}'. Allowed: {description}"
            )
        else:
            problem = error.message.replace("data.ResourceProperties", "$").replace("data.", "$.")
            problem = f"{problem} (value: {_show(error.value)})"
        raise InvalidPropertiesError(f"{path}: {problem}") from None
    rules = UNIQUE_ITEM_PROPERTIES.get(_DEFINITION_BY_TYPE[resource_type], {})
    for array_name, keys in rules.items():
        seen: dict[str, int] = {}
        for index, item in enumerate(properties.get(array_name) or []):
            for key in keys:
                if key not in item:
                    continue
                marker = f"{key}={json.dumps(item[key], sort_keys=True)}"
                if marker in seen:
                    raise InvalidPropertiesError(
                        f"$.{array_name}: {key} {item[key]!r} is used by items {seen[marker]} "
                        f"and {index}. Allowed: distinct {key} values"
                    )
                seen[marker] = index
