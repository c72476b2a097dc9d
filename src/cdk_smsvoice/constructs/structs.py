"""Struct-like props given as dicts, as aws-cdk-lib accepts them."""

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

S = TypeVar("S")


def as_struct(cls: type[S], value: S | Mapping[str, Any], where: str) -> S:
    """``value`` as an instance of the dataclass ``cls``: an instance is returned as is, a
    mapping with the same keys as the dataclass's fields is converted.

    :raises TypeError: naming ``where``, for any other type, for a key ``cls`` does not have,
        or for a missing required key.
    """
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{where}: expected a {cls.__name__} or a dict with its keys, got "
            f"{type(value).__name__} {value!r}"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(str(k) for k in value if k not in fields)
    if unknown:
        keys = ", ".join(map(repr, unknown))
        raise TypeError(
            f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {keys} for {cls.__name__}. "
            f"Allowed keys: {', '.join(fields)}"
        )
    missing = [
        name
        for name, f in fields.items()
        if name not in value
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise TypeError(
            f"{where}: {cls.__name__} needs the key{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}"
        )
    return cls(**value)
