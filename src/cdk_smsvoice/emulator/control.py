"""The control API under ``/_emulator/``, for tests and tools: a table of routes.

* ``GET /_emulator/state``: every set of every account and Region.
* ``GET``/``POST``/``DELETE /_emulator/outcomes`` and ``GET /_emulator/deliveries``: outcome
  rules and sink deliveries, answered by the emulator's :class:`~.events.EventRouting`.
* ``POST /_emulator/faults`` with ``{"api": "v1"|"v2", "operation", "code", "message"?,
  "times"?, "onCall"?, "status"?, "fields"?, "account"?, "region"?}`` makes the Nth call of an
  operation fail, or with ``"loseResponse": true`` instead of a code, take effect and drop its
  answer.

Bodies are JSON objects (``application/json``, checked by the front), checked against a JSON
Schema; ``account`` and ``region`` must be 12 digits and an AWS Region (see :mod:`.identity`)
before anything is named after them. A route is a function ``(emulator, body) -> (status,
JSON)`` in :data:`ROUTES`; it raises :class:`ControlError` to answer 400. Errors come in the
v1 REST-JSON shape (``{"message"}`` and ``x-amzn-ErrorType``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import protocol_error
from .events import CONTROL_PATHS
from .identity import DEFAULT_ACCOUNT, DEFAULT_REGION, Identity, IdentityError
from .wire import parse_json_object

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from .server import Emulator

Route = Callable[["Emulator", dict[str, Any]], tuple[int, Any]]


class ControlError(ValueError):
    """A control request that cannot be carried out; answered 400 with the message."""


FAULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "api": {"enum": ["v1", "v2"]},
        "operation": {"type": "string", "maxLength": 128},
        "code": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]{0,127}$"},
        "message": {"type": "string", "maxLength": 2048},
        "times": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "onCall": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "fields": {"type": "object"},
        "account": {"type": "string"},
        "region": {"type": "string"},
        "loseResponse": {"type": "boolean"},
    },
    "required": ["api", "operation"],
    "additionalProperties": False,
    "if": {"properties": {"loseResponse": {"const": True}}, "required": ["loseResponse"]},
    "then": {"not": {"required": ["code"]}},
    "else": {"required": ["code"]},
}


def identity_of(body: dict[str, Any]) -> Identity:
    """The checked ``account`` and ``region`` of a control request (defaults:
    ``123456789012``, ``us-east-1``); raises :class:`ControlError`.
    """
    try:
        return Identity(body.get("account", DEFAULT_ACCOUNT), body.get("region", DEFAULT_REGION))
    except IdentityError as err:
        raise ControlError(str(err)) from None


def checked(schema: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """``body`` if it matches JSON Schema ``schema``; raises :class:`ControlError` naming each
    problem otherwise.
    """
    problems = sorted(_validator(json.dumps(schema, sort_keys=True)).iter_errors(body), key=str)
    if problems:
        where = [f"{'/'.join(map(str, p.absolute_path)) or 'body'}: {p.message}" for p in problems]
        raise ControlError("; ".join(where))
    return body


@cache
def _validator(schema_json: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_json))


def _state(emulator: Emulator, body: dict[str, Any]) -> tuple[int, Any]:
    return 200, emulator.snapshot()


def _faults(emulator: Emulator, body: dict[str, Any]) -> tuple[int, Any]:
    spec = checked(FAULT_SCHEMA, body)
    identity = identity_of(spec)
    service = emulator.service(spec["api"], identity.account, identity.region)
    try:
        if spec.get("loseResponse"):
            service.lose_response(
                spec["operation"], times=spec.get("times", 1), on_call=spec.get("onCall")
            )
        else:
            service.fail(
                spec["operation"],
                spec["code"],
                spec.get("message", "Injected failure"),
                status=spec.get("status"),
                times=spec.get("times", 1),
                on_call=spec.get("onCall"),
                **spec.get("fields", {}),
            )
    except ValueError as err:
        raise ControlError(str(err)) from None
    return 200, {"pending": service.pending_faults()}


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/_emulator/state"): _state,
    ("POST", "/_emulator/faults"): _faults,
}
"""``(method, path) -> route``; add a route here to extend the control API."""


def control_answer(
    emulator: Emulator, method: str, path: str, raw: bytes
) -> tuple[int, dict[str, str], bytes]:
    """Answer one control request: ``(status, headers, body)``."""
    if path in CONTROL_PATHS:
        answered = emulator.events.control(method, path, raw)
        if answered is not None:
            return answered
    route = ROUTES.get((method, path))
    if route is None:
        status = 405 if path in {p for _, p in ROUTES} else 404
        message = f"no control endpoint {method} {path[:200]}"
        return protocol_error("v1", status, "UnknownOperationException", message)
    body, problem = parse_json_object(raw)
    if problem is not None:
        return protocol_error("v1", 400, "BadRequestException", problem)
    try:
        status, answer = route(emulator, body)
    except ControlError as err:
        message = f"bad {path.rsplit('/', 1)[-1]} request: {err}"
        return protocol_error("v1", 400, "BadRequestException", message)
    return status, {"Content-Type": "application/json"}, json.dumps(answer).encode()
