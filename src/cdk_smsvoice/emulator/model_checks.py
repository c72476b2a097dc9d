"""botocore's service models, and checks of values against their shapes.

botocore validates types and required members of requests; these add the constraints it leaves
out (max lengths and counts, patterns, enums) and check responses the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)
from botocore.validate import ParamValidator


def constraint_violations(shape: Shape, value: Any, path: str = "") -> list[tuple[str, str]]:
    """Return ``(field, message)`` for every max/pattern/enum violation botocore does not check."""
    meta = shape.metadata
    here = path or shape.name
    found: list[tuple[str, str]] = []
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for name, member in shape.members.items():
            if value.get(name) is not None:
                found += constraint_violations(member, value[name], f"{path}.{name}".lstrip("."))
    elif isinstance(shape, ListShape) and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            found.append((here, f"must contain at most {meta['max']} items"))
        for i, item in enumerate(value):
            found += constraint_violations(shape.member, item, f"{here}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, Mapping):
        for key, item in value.items():
            found += constraint_violations(shape.key, key, f"{here}.<key>")
            found += constraint_violations(shape.value, item, f"{here}[{key}]")
    elif isinstance(shape, StringShape) and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            found.append((here, f"length must be at most {meta['max']}"))
        if shape.enum and value not in shape.enum:
            found.append((here, f"must be one of {', '.join(shape.enum)}"))
        pattern = meta.get("pattern")
        if pattern and re.fullmatch(pattern, value, re.DOTALL) is None:
            found.append((here, f"must match pattern {pattern}"))
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        limit = meta.get("max")
        if limit is not None and value > limit:
            found.append((here, f"must be at most {limit}"))
    return found


def shape_problems(shape: Shape, value: Mapping[str, Any]) -> list[str]:
    """Return botocore's type report plus :func:`constraint_violations`, one line each."""
    report = ParamValidator().validate(value, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems += [f"{name}: {msg}" for name, msg in constraint_violations(shape, value)]
    return problems


def validate_shape(shape: Shape, value: Mapping[str, Any], what: str) -> None:
    """Raise ``AssertionError`` unless ``value`` conforms to ``shape`` (types and constraints)."""
    problems = shape_problems(shape, value)
    if problems:
        raise AssertionError(f"{what} does not match shape {shape.name}:\n" + "\n".join(problems))


def validate_response(operation_model: OperationModel, response: Mapping[str, Any]) -> None:
    """Raise ``AssertionError`` if ``response`` does not match the operation's output shape."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    shape = operation_model.output_shape
    if shape is None:
        if body:
            raise AssertionError(f"{operation_model.name} has no output but got {body!r}")
        return
    validate_shape(shape, body, f"{operation_model.name} response")


@cache
def service_model(name: str) -> ServiceModel:
    """Botocore's (cached) model of service ``name``."""
    return botocore.session.get_session().get_service_model(name)
