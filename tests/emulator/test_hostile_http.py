"""Hostile HTTP: framing, sizes, slowness and malformed input, sent as raw bytes. Each is
answered with a 4xx in the API's error shape, never a dropped connection or a 500, and changes
nothing."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import EmulatorProcess, client
from raw_http import (
    assert_v1_error,
    assert_v2_error,
    exchange,
    read_answer,
    v2_head,
    v2_request,
)

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.emulator.serving import MAX_BODY_BYTES
from cdk_smsvoice.emulator.v2 import V2Service

CREATE = json.dumps({"ConfigurationSetName": "smuggled"}).encode()


def _sets(emulator: Emulator) -> list[str]:
    return sorted(emulator.v2().sets) + sorted(emulator.v1().sets)


def test_a_chunked_body_holding_a_request_is_a_body_not_a_second_request(
    emulator: Emulator,
) -> None:
    inner = v2_request("CreateConfigurationSet", CREATE)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(inner), inner)
    head = v2_head("DescribeConfigurationSets", Transfer_Encoding="chunked")
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=60) as sock:
        sock.sendall(head + b"\r\n" + chunked)
        assert_v2_error(read_answer(sock), 400, "ValidationException")  # not JSON
        # the connection still frames correctly: the next request gets its own answer
        sock.sendall(v2_request("DescribeConfigurationSets", b"{}"))
        assert json.loads(read_answer(sock).body) == {"ConfigurationSets": []}
    # also with a Content-Length that would hide the chunked body from a naive server
    head = v2_head("DescribeConfigurationSets", Content_Length="0", Transfer_Encoding="chunked")
    answer = exchange(emulator.port, head + b"\r\n" + chunked)
    assert 400 <= answer.status < 500
    assert _sets(emulator) == []  # the inner CreateConfigurationSet never ran


@pytest.mark.parametrize(
    "head",
    [
        v2_head("DescribeConfigurationSets", Content_Length="abc") + b"\r\n{}",
        v2_head("DescribeConfigurationSets", Content_Length="-1") + b"\r\n{}",
        v2_head("DescribeConfigurationSets", Transfer_Encoding="gzip") + b"\r\n",
        v2_head("DescribeConfigurationSets", Bad_Header="a\x00b") + b"Content-Length: 2\r\n\r\n{}",
    ],
    ids=["content-length-abc", "content-length-negative", "transfer-encoding-gzip", "nul"],
)
def test_bad_framing_is_a_400_in_the_v2_shape(emulator: Emulator, head: bytes) -> None:
    assert_v2_error(exchange(emulator.port, head), 400)


@pytest.mark.parametrize(
    "region",
    ["a" * 300, "us-east-1\x00", "..", "../../tmp", "us-east-1/..", "US-EAST-1", ""],
    ids=["300-bytes", "nul", "dotdot", "path", "slash", "upper", "empty"],
)
def test_a_region_that_is_not_an_aws_region_is_refused(emulator: Emulator, region: str) -> None:
    scope = f"Credential=AKIDEXAMPLE/20260101/{region}/sms-voice/aws4_request"
    authorization = f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=00"
    answer = exchange(
        emulator.port,
        v2_head("CreateConfigurationSet", Authorization=authorization).replace(
            b"\r\nAuthorization", b"\r\nAuthorization"
        )
        + b"Content-Length: %d\r\n\r\n%s" % (len(CREATE), CREATE),
    )
    assert 400 <= answer.status < 500
    assert answer.json()["__type"] == answer.error_type
    assert emulator.snapshot() == {}


@pytest.mark.parametrize("depth", [900, 5000])
def test_deep_nesting_is_a_400(emulator: Emulator, depth: int) -> None:
    for operation in ("CreateConfigurationSet", "DescribeConfigurationSets"):
        deep = b'{"Tags":' + b"[" * depth + b"]" * depth + b"}"
        answer = exchange(emulator.port, v2_request(operation, deep))
        assert_v2_error(answer, 400, "ValidationException")
        assert "deeper than" in answer.json()["Message"]
    nested = b'{"EventDestination":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
    path = "/v1/sms-voice/configuration-sets/cs/event-destinations"
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(nested)}\r\n\r\n"
    ).encode() + nested
    assert_v1_error(exchange(emulator.port, request), 400, "BadRequestException")


def test_huge_numbers_are_a_400(emulator: Emulator) -> None:
    target = "/v1/sms-voice/configuration-sets?PageSize=" + "9" * 5000
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    assert_v1_error(exchange(emulator.port, request), 400, "BadRequestException")
    huge = b'{"MaxResults": ' + b"7" * 5000 + b"}"
    assert_v2_error(exchange(emulator.port, v2_request("DescribeConfigurationSets", huge)), 400)
    for constant in (b"NaN", b"Infinity", b"1e999"):
        body = b'{"MaxResults": ' + constant + b"}"
        answer = exchange(emulator.port, v2_request("DescribeConfigurationSets", body))
        assert_v2_error(answer, 400, "ValidationException")


def test_invalid_utf8_unknown_operations_and_wrong_content_types(emulator: Emulator) -> None:
    port = emulator.port
    answer = exchange(
        port, v2_request("CreateConfigurationSet", b'{"ConfigurationSetName": "\xff"}')
    )
    assert_v2_error(answer, 400, "ValidationException")
    v1_path = "/v1/sms-voice/configuration-sets/\xff\xfe".encode("latin-1")
    answer = exchange(port, b"DELETE " + v1_path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert_v1_error(answer, 400, "BadRequestException")

    assert_v2_error(
        exchange(port, v2_request("NoSuchOperation", b"{}")), 400, "UnknownOperationException"
    )
    answer = exchange(port, b"PATCH /v1/sms-voice/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert_v1_error(answer, 404, "UnknownOperationException")

    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        request = v2_request("CreateConfigurationSet", CREATE).replace(
            b"application/x-amz-json-1.0", content_type.encode()
        )
        assert_v2_error(exchange(port, request), 415)
        v1 = (
            "POST /v1/sms-voice/configuration-sets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(CREATE)}\r\n\r\n"
        ).encode() + CREATE
        assert_v1_error(exchange(port, v1), 415)
    assert _sets(emulator) == []


def test_a_body_shorter_than_its_content_length_is_answered_408(emulator: Emulator) -> None:
    head = v2_head("DescribeConfigurationSets", Content_Length="100")
    assert_v2_error(exchange(emulator.port, head + b"\r\n{}"), 408, "RequestTimeoutException")


def test_silent_connections_hold_no_thread(emulator: Emulator) -> None:
    sockets = []
    try:
        for _ in range(300):  # headers, then nothing
            sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=60)
            sock.sendall(v2_head("DescribeConfigurationSets", Content_Length="10") + b"\r\n")
            sockets.append(sock)
        v2 = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
        v2.create_configuration_set(ConfigurationSetName="served")  # not stuck behind them
        assert [
            c["ConfigurationSetName"] for c in v2.describe_configuration_sets()["ConfigurationSets"]
        ] == ["served"]
        assert_v2_error(read_answer(sockets[0]), 408)  # and they are answered, not held
    finally:
        for sock in sockets:
            sock.close()


def test_large_bodies_are_refused_unread_and_keep_no_memory(tmp_path: Path) -> None:
    process = EmulatorProcess(tmp_path)
    try:
        port = int(process.url.rsplit(":", 1)[1])
        exchange(port, v2_request("DescribeConfigurationSets", b"{}"))  # warm up
        before = _rss(process.process.pid)
        size = 50 * 1024 * 1024
        for _ in range(3):
            head = v2_head("CreateConfigurationSet", Content_Length=str(size)) + b"\r\n"
            answer = exchange(port, head, [b"x" * (1024 * 1024)] * 50)
            assert_v2_error(answer, 413, "RequestEntityTooLargeException")
        chunked = v2_head("CreateConfigurationSet", Transfer_Encoding="chunked") + b"\r\n"
        chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b"x" * (1024 * 1024))
        answer = exchange(port, chunked, [chunk] * (2 * MAX_BODY_BYTES // (1024 * 1024) + 1))
        assert_v2_error(answer, 413)
        assert _rss(process.process.pid) - before < 20 * 1024 * 1024
    finally:
        process.stop()


def test_validation_runs_outside_the_accounts_lock(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    real = V2Service.check_request

    def slow_for_one_name(self: V2Service, model: Any, params: dict[str, Any]) -> None:
        if params.get("ConfigurationSetName") == "slow":
            entered.set()
            assert release.wait(60)
        real(self, model, params)

    monkeypatch.setattr(V2Service, "check_request", slow_for_one_name)
    v2 = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
    slow = threading.Thread(
        target=v2.create_configuration_set, kwargs={"ConfigurationSetName": "slow"}
    )
    slow.start()
    try:
        assert entered.wait(60)
        # while "slow" is being validated, the same account answers and changes
        client("pinpoint-sms-voice-v2", emulator.endpoint_url).create_configuration_set(
            ConfigurationSetName="fast"
        )
        assert list(emulator.v2().sets) == ["fast"]
    finally:
        release.set()
        slow.join()
    assert list(emulator.v2().sets) == ["fast", "slow"]


def test_keep_alive_connections_use_tcp_nodelay(emulator: Emulator) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=60) as sock:
        sock.sendall(v2_request("DescribeConfigurationSets", b"{}"))
        assert read_answer(sock).status == 200
        channels = list(emulator._http._server.active_channels.values())
        assert channels
        for channel in channels:
            assert channel.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


ODD_REQUESTS = {
    "no-host": b"GET /v1/sms-voice/configuration-sets/nope/event-destinations HTTP/1.1\r\n\r\n",
    "absolute-form": b"GET http://127.0.0.1/v1/sms-voice/nothing HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n\r\n",
    "bad-ipv6-authority": b"GET http://[::1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "double-slash": b"GET //evil/v1/sms-voice/configuration-sets HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n\r\n",
    "bad-host": b"GET /v1/sms-voice/configuration-sets HTTP/1.1\r\nHost: [::1\r\n\r\n",
    "preflight": b"OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
    b"Access-Control-Request-Method: POST\r\n\r\n",
    "http-1.0": b"POST / HTTP/1.0\r\nX-Amz-Target: PinpointSMSVoiceV2.Nope\r\n"
    b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}",
    "two-content-lengths": v2_head("DescribeConfigurationSets")
    + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "bad-request-line": b"HELLO\r\n\r\n",
    "bad-target-prefix": v2_request("DescribeConfigurationSets", b"{}").replace(
        b"PinpointSMSVoiceV2.", b"Other."
    ),
    "array-body": v2_request("DescribeConfigurationSets", b"[]"),
    "huge-header": v2_head("DescribeConfigurationSets", X_Big="x" * 70_000) + b"\r\n",
    "credential-without-scope": v2_request(
        "DescribeConfigurationSets", b"{}", Authorization="AWS4-HMAC-SHA256 Credential=AKID"
    ),
}


@pytest.mark.parametrize("request_bytes", ODD_REQUESTS.values(), ids=ODD_REQUESTS)
def test_odd_requests_are_answered_with_a_4xx(emulator: Emulator, request_bytes: bytes) -> None:
    answer = exchange(emulator.port, request_bytes)
    assert 400 <= answer.status < 500, (answer.status, answer.body)
    assert answer.error_type, answer.headers
    assert answer.json()
    assert emulator.snapshot() == {}
