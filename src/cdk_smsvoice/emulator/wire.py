"""The two wire protocols: decode a request into ``(operation, params)`` and render answers.

* JSON 1.0 (v2): ``POST /`` with ``X-Amz-Target: PinpointSMSVoiceV2.<Operation>`` and the input
  as a JSON object; timestamps in answers are epoch seconds.
* REST-JSON (v1): the operation is found from the HTTP method and path through the model's
  ``requestUri`` templates; input members come from the URI labels (URL-decoded), the query
  string and the JSON body.

Both ``cdk_smsvoice.emulator.server`` (HTTP) and :meth:`EmulatedService.attach` (in process) go
through these functions, so the two paths decode and render the same bytes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser


class UnknownOperationError(Exception):
    """No operation of the service serves the request."""


@dataclass(frozen=True)
class WireCall:
    """One request as the service received it, and what it decodes to."""

    operation: str
    method: str
    path: str  # still URL-encoded
    query: tuple[tuple[str, str], ...]
    body: bytes
    params: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why the body cannot be read, if it cannot


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    path_members: tuple[str, ...]  # input members, in the order of the URI's {labels}
    query_members: dict[str, str]  # query key -> input member
    body_members: frozenset[str]


@cache
def _routes(model: ServiceModel) -> tuple[_Route, ...]:
    routes = []
    for op in model.operation_names:
        operation = model.operation_model(op)
        members = operation.input_shape.members if operation.input_shape else {}
        by_label = {
            m.serialization.get("name", name): name
            for name, m in members.items()
            if m.serialization.get("location") == "uri"
        }
        uri = operation.http["requestUri"].split("?", 1)[0]
        regex, path_members = "", []
        for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", uri):
            regex += re.escape(literal)
            if label:
                path_members.append(by_label[label.rstrip("+")])
                regex += "(.*)" if label.endswith("+") else "([^/]*)"
        routes.append(
            _Route(
                operation=op,
                method=operation.http["method"],
                pattern=re.compile(regex),
                path_members=tuple(path_members),
                query_members={
                    m.serialization.get("name", name): name
                    for name, m in members.items()
                    if m.serialization.get("location") == "querystring"
                },
                body_members=frozenset(
                    name for name, m in members.items() if "location" not in m.serialization
                ),
            )
        )
    return tuple(routes)


def header(headers: Mapping[str, str], name: str) -> str:
    """The value of header ``name`` (any case), or ``""``."""
    return next((v for k, v in headers.items() if k.lower() == name), "")


MAX_JSON_DEPTH = 32
"""Deepest nesting of objects and arrays a request body may have (the API's shapes need < 10)."""
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")


def nests_too_deeply(raw: bytes) -> bool:
    """Whether the objects and arrays of JSON text ``raw`` nest deeper than
    :data:`MAX_JSON_DEPTH` (brackets in strings do not count), found without parsing, so a
    hostile document cannot exhaust the parser's recursion.
    """
    if len(raw.translate(None, _BRACKETS)) <= MAX_JSON_DEPTH:
        return False  # too few brackets to nest that deep
    depth = 0
    for char in _JSON_STRING.sub(b"", raw).translate(None, _BRACKETS):
        depth += 1 if char in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_json_object(raw: bytes) -> tuple[dict[str, Any], str | None]:
    """The JSON object in ``raw`` (``{}`` if empty), or ``({}, why not)``: not UTF-8, not
    JSON (``NaN`` and ``Infinity`` included), nested deeper than :data:`MAX_JSON_DEPTH`, numbers
    of more digits than Python converts, or not an object.
    """
    if not raw:
        return {}, None
    if nests_too_deeply(raw):
        return {}, f"The request body nests deeper than {MAX_JSON_DEPTH} levels."
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        return {}, "The request body is not valid UTF-8."
    except (ValueError, RecursionError) as err:
        return {}, f"The request body is not valid JSON: {str(err)[:200]}"
    if not isinstance(body, dict):
        return {}, "The request body must be a JSON object."
    return body, None


def decode(
    model: ServiceModel,
    method: str,
    path: str,
    query: tuple[tuple[str, str], ...],
    headers: Mapping[str, str],
    body: bytes,
) -> WireCall:
    """Decode one HTTP request to ``model``'s service; raises :class:`UnknownOperationError`."""
    if model.protocol == "json":
        target = header(headers, "x-amz-target")
        prefix, _, op = target.partition(".")
        if method != "POST" or prefix != model.metadata["targetPrefix"]:
            raise UnknownOperationError(f"no operation serves {method} {path} target {target!r}")
        if op not in model.operation_names:
            raise UnknownOperationError(f"{model.service_name} has no operation {op!r}")
        params, problem = parse_json_object(body)
        return WireCall(op, method, path, query, body, params, problem)
    for route in _routes(model):
        match = route.pattern.fullmatch(path) if route.method == method else None
        if match is not None:
            break
    else:
        raise UnknownOperationError(f"no {model.service_name} operation serves {method} {path}")
    found, problem = parse_json_object(body)
    misplaced = sorted(k for k in found if k not in route.body_members)
    if misplaced and problem is None:
        problem = f"Unexpected fields in the request body: {', '.join(misplaced)}."
    params = {k: v for k, v in found.items() if k in route.body_members}
    for key, value in query:
        member = route.query_members.get(key)
        if member is not None:
            params.setdefault(member, value)
    for member, value in zip(route.path_members, match.groups(), strict=True):
        params[member] = unquote(value)
    return WireCall(route.operation, method, path, query, body, params, problem)


def decode_botocore_request(model: ServiceModel, request: Mapping[str, Any]) -> WireCall:
    """Decode the request dict botocore hands to ``before-call`` (serialized, not yet sent)."""
    url = request.get("url")
    if url:  # the final, encoded URL botocore would send
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    else:
        raw_query = request.get("query_string") or {}
        encoded = raw_query if isinstance(raw_query, str) else urlencode(raw_query, doseq=True)
        query = parse_qsl(encoded, keep_blank_values=True)
    raw = request.get("body") or b""
    body = raw.encode() if isinstance(raw, str) else bytes(raw)
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    return decode(model, request["method"], request["url_path"], tuple(query), headers, body)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def answer_headers(model: ServiceModel) -> dict[str, str]:
    """Headers of every answer: the protocol's content type and a request id."""
    if model.protocol == "json":
        content_type = f"application/x-amz-json-{model.metadata['jsonVersion']}"
    else:
        content_type = "application/json"
    return {"Content-Type": content_type, "x-amzn-RequestId": str(uuid.uuid4())}


def encode_response(
    operation: OperationModel, result: Mapping[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    """Render a successful answer as ``(status, headers, body)``."""
    headers = answer_headers(operation.service_model)
    return 200, headers, json.dumps(result, default=_json_default).encode()


def parse_response(
    operation: OperationModel, status: int, headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """Parse an answer with botocore's own parser, as a client receiving it would."""
    response = {
        "headers": HeadersDict(dict(headers)),
        "status_code": status,
        "body": body,
        "context": {"operation_name": operation.name},
    }
    parser = create_parser(operation.service_model.resolved_protocol)
    output = operation.output_shape
    if output is None:
        raise AssertionError(f"{operation.name} has no output shape")
    parsed: dict[str, Any] = parser.parse(response, output)
    if status >= 300:  # botocore's second pass for modeled error fields
        code = parsed.get("Error", {}).get("Code")
        shape = operation.service_model.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(parser.parse(response, shape))
    parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return parsed
