"""API errors as the emulated services answer them, rendered in either wire protocol."""

from __future__ import annotations

import json
import uuid
from typing import Any

from botocore.model import ServiceModel

from .model_checks import validate_shape
from .wire import answer_headers


class ServiceError(Exception):
    """An error answer: code, message, HTTP status and the error shape's modeled fields.

    ``injected`` marks faults that tests or users asked for, which need not be errors the
    operation declares.
    """

    def __init__(
        self, code: str, message: str, status: int, *, injected: bool = False, **fields: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.injected = injected
        self.fields = {k: v for k, v in fields.items() if v is not None}

    def encode(self, model: ServiceModel) -> tuple[int, dict[str, str], bytes]:
        """Render as ``(status, headers, body)`` in ``model``'s protocol.

        Modeled fields are checked against the error's shape; an error the model does not
        know is sent with its code and message only (botocore then raises a plain
        ``ClientError``), and must carry no fields.
        """
        shape = model.shape_for_error_code(self.code)  # type: ignore[arg-type]
        fields = dict(self.fields)
        if shape is not None:
            if "Message" in shape.members:  # type: ignore[attr-defined]
                fields["Message"] = self.message
            validate_shape(shape, fields, f"{self.code} error fields")
        elif fields:
            raise AssertionError(f"{self.code} is not a modeled error; cannot add {fields}")
        headers = {**answer_headers(model), "x-amzn-ErrorType": self.code}
        body: dict[str, Any] = {"Message": self.message, **fields}
        if model.protocol == "json":
            body["__type"] = self.code
        return self.status, headers, json.dumps(body).encode()


INTERNAL_ERROR = {"v1": "InternalServiceErrorException", "v2": "InternalServerException"}
"""The error code each API answers a failure of the service itself with (HTTP 500)."""


def protocol_error(
    api: str, status: int, code: str, message: str
) -> tuple[int, dict[str, str], bytes]:
    """An error answer in an API's shape that no operation model describes (a request the
    front refuses before it reaches an operation): v2 JSON 1.0 ``{"__type", "message"}``, v1
    REST-JSON ``{"message"}``; both with ``x-amzn-ErrorType`` and a request id.
    """
    content_type = "application/x-amz-json-1.0" if api == "v2" else "application/json"
    body: dict[str, Any] = {"message": message}
    if api == "v2":
        body["__type"] = code
    headers = {
        "Content-Type": content_type,
        "x-amzn-RequestId": str(uuid.uuid4()),
        "x-amzn-ErrorType": code,
    }
    return status, headers, json.dumps(body).encode()
