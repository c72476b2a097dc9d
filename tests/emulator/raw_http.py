"""Raw HTTP for the emulator's framing tests: bytes on a socket, one answer parsed back."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ANSWER_TIMEOUT = 60  # seconds a test waits for an answer before it calls it dropped


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def error_type(self) -> str:
        return self.headers.get("x-amzn-errortype", "")

    def json(self) -> Any:
        return json.loads(self.body)


def v2_head(operation: str, **headers: str) -> bytes:
    """A v2 request line and headers, without the blank line that ends them."""
    lines = [
        "POST / HTTP/1.1",
        "Host: 127.0.0.1",
        f"X-Amz-Target: PinpointSMSVoiceV2.{operation}",
        "Content-Type: application/x-amz-json-1.0",
        *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def v2_request(operation: str, body: bytes, **headers: str) -> bytes:
    return v2_head(operation, **headers) + b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_answer(sock: socket.socket) -> Answer:
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    return Answer(response.status, headers, body)


def exchange(port: int, data: bytes, more: Iterable[bytes] = ()) -> Answer:
    """Send ``data`` (then each of ``more``) on a new connection; the first answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT) as sock:
        sock.sendall(data)
        for chunk in more:
            sock.sendall(chunk)
        return read_answer(sock)


def assert_v2_error(answer: Answer, status: int, code: str | None = None) -> None:
    """A v2 (JSON 1.0) error answer: status, ``__type``, a message, ``x-amzn-ErrorType``."""
    assert answer.status == status, (answer.status, answer.body)
    body = answer.json()
    assert body["__type"] == answer.error_type
    assert body.get("message") or body.get("Message")
    assert answer.headers["content-type"] == "application/x-amz-json-1.0"
    if code is not None:
        assert answer.error_type == code, answer.body


def assert_v1_error(answer: Answer, status: int, code: str | None = None) -> None:
    """A v1 (REST-JSON) error answer: status, ``x-amzn-ErrorType`` and a JSON message."""
    assert answer.status == status, (answer.status, answer.body)
    body = answer.json()
    assert answer.error_type
    assert body.get("message") or body.get("Message")
    if code is not None:
        assert answer.error_type == code, answer.body
