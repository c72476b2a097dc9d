"""Where the schema lives, and how to read it."""

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("configuration_set.schema.json")
"""The one source of truth for valid configuration set properties (JSON Schema draft-07)."""

UNIQUE_ITEM_PROPERTIES = "uniqueItemProperties"
"""Our one extension keyword: the listed properties must be distinct across an array's items."""


@cache
def load_schema() -> dict[str, Any]:
    """The parsed schema document (cached; do not mutate it)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def unique_item_rules(schema: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """``{definition: {array property: [keys that must be distinct]}}`` for every use of
    ``uniqueItemProperties`` in the schema's definitions.
    """
    rules: dict[str, dict[str, list[str]]] = {}
    for def_name, definition in schema.get("definitions", {}).items():
        for prop, prop_schema in definition.get("properties", {}).items():
            keys = prop_schema.get(UNIQUE_ITEM_PROPERTIES)
            if keys:
                rules.setdefault(def_name, {})[prop] = list(keys)
    return rules
