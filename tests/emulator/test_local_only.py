"""Local only, for real: loopback by default, no cross-site requests, a JSON-only control API,
and no file or directory named after request data that was not checked first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from emulator_clients import client
from raw_http import assert_v1_error, assert_v2_error, exchange, v2_request

from cdk_smsvoice.emulator import Emulator

BAD_IDENTITIES = [
    {"account": "../../escape"},
    {"account": "/tmp/escape"},
    {"account": "12345678901"},
    {"account": "1234567890123"},
    {"account": 123456789012},
    {"region": "../../escape"},
    {"region": "/tmp/escape"},
    {"region": ".."},
    {"region": "us-east-1/../../x"},
    {"region": "a" * 300},
    {"region": "us-east-1\u0000"},
]


def _control(port: int, method: str, path: str, body: bytes, content_type: str | None) -> bytes:
    headers = f"Content-Type: {content_type}\r\n" if content_type else ""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_binds_loopback_by_default(emulator: Emulator) -> None:
    assert emulator.endpoint_url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("identity", BAD_IDENTITIES, ids=range(len(BAD_IDENTITIES)))
def test_control_api_refuses_accounts_and_regions_that_could_name_a_path(
    tmp_path: Path, identity: dict[str, object]
) -> None:
    data = tmp_path / "data"
    with Emulator(data_dir=data) as emu:
        spec = {"api": "v2", "operation": "CreateConfigurationSet", "code": "ThrottlingException"}
        body = json.dumps({**spec, **identity}).encode()
        answer = exchange(
            emu.port, _control(emu.port, "POST", "/_emulator/faults", body, "application/json")
        )
        assert_v1_error(answer, 400, "BadRequestException")
    assert _files(tmp_path) == {"data", "data/.lock", "data/.owner"}


def test_nothing_is_written_outside_the_account_and_region_dirs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Emulator(data_dir=data) as emu:
        for region in ["..", "../..", "us-east-1/../../x", "%2e%2e", "a" * 300]:
            scope = f"Credential=111111111111/20260101/{region}/sms-voice/aws4_request"
            request = v2_request(
                "CreateConfigurationSet",
                b'{"ConfigurationSetName": "cs"}',
                Authorization=f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0",
            )
            assert 400 <= exchange(emu.port, request).status < 500
        for key_id in ["../../../x", "111111111111/.."]:  # a key id cannot carry a "/"
            v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url, key_id=key_id)
            with pytest.raises(ClientError) as exc:
                v2.create_configuration_set(ConfigurationSetName="cs")
            assert exc.value.response["Error"]["Code"] == "InvalidSignatureException"
        for key_id in ["AKID", "111111111111"]:
            v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url, key_id=key_id)
            v2.create_configuration_set(ConfigurationSetName="cs")
        v2 = client("pinpoint-sms-voice-v2", emu.endpoint_url, region="eu-west-1")
        with pytest.raises(v2.exceptions.ValidationException):  # the model's name pattern
            v2.create_configuration_set(ConfigurationSetName="../../x")
        assert sorted(emu.snapshot()) == ["111111111111/us-east-1", "123456789012/us-east-1"]
    allowed = {"data", "data/.lock", "data/.owner"}
    for name in _files(tmp_path) - allowed:
        parts = Path(name).parts
        assert parts[0] == "data" and len(parts) >= 2, name
        assert parts[1].isdigit() and len(parts[1]) == 12, name
        if len(parts) > 2:
            assert parts[2] in {"us-east-1", "eu-west-1"}, name


def test_cross_site_requests_are_refused(emulator: Emulator) -> None:
    port = emulator.port
    fault = json.dumps(
        {"api": "v1", "operation": "CreateConfigurationSet", "code": "BadRequestException"}
    ).encode()
    # what any web page can send to 127.0.0.1: a text/plain POST, with the page's Origin
    simple = _control(port, "POST", "/_emulator/faults", fault, "text/plain")
    with_origin = simple.replace(b"\r\n\r\n", b"\r\nOrigin: http://evil.example\r\n\r\n", 1)
    assert_v1_error(exchange(port, with_origin), 403, "AccessDeniedException")
    assert_v1_error(exchange(port, simple), 415)  # even without an Origin header
    as_json = _control(port, "POST", "/_emulator/faults", fault, "application/json")
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{port + 1}"):
        request = as_json.replace(b"\r\n\r\n", f"\r\nOrigin: {origin}\r\n\r\n".encode(), 1)
        assert_v1_error(exchange(port, request), 403, "AccessDeniedException")
    v1_create = (
        f"POST /v1/sms-voice/configuration-sets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Origin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 30\r\n\r\n"
        '{"ConfigurationSetName": "cs"}'
    ).encode()
    assert_v1_error(exchange(port, v1_create), 403)
    fetch = v2_request(
        "CreateConfigurationSet", b'{"ConfigurationSetName": "cs"}', Sec_Fetch_Site="cross-site"
    )
    assert_v2_error(exchange(port, fetch), 403, "AccessDeniedException")
    rebinding = v2_request("DescribeConfigurationSets", b"{}").replace(
        b"Host: 127.0.0.1", b"Host: attacker.example"
    )
    assert_v2_error(exchange(port, rebinding), 403, "AccessDeniedException")
    assert emulator.v1().pending_faults() == {}
    assert emulator.snapshot() == {}
    # the emulator's own origin is fine
    own = as_json.replace(b"\r\n\r\n", f"\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n".encode(), 1)
    assert exchange(port, own).status == 200


def test_control_api_accepts_only_json(emulator: Emulator) -> None:
    port = emulator.port
    body = json.dumps(
        {"api": "v2", "operation": "DescribeConfigurationSets", "code": "ThrottlingException"}
    ).encode()
    for content_type in (None, "text/plain", "application/x-www-form-urlencoded"):
        answer = exchange(port, _control(port, "POST", "/_emulator/faults", body, content_type))
        assert_v1_error(answer, 415)
    answer = exchange(port, _control(port, "GET", "/_emulator/state", b"", "text/plain"))
    assert_v1_error(answer, 415)
    # what `curl -X DELETE` sends: no body, no type (browsers preflight a DELETE, never answered)
    assert exchange(port, _control(port, "DELETE", "/_emulator/outcomes", b"", None)).status == 200
    answer = exchange(port, _control(port, "DELETE", "/_emulator/outcomes", b"", "text/plain"))
    assert_v1_error(answer, 415)
    for bad in (
        b"[]",
        b"{",
        b'{"api": "v3"}',
        b'{"api": "v2", "operation": 7, "code": "X"}',
        b'{"api": "v2", "operation": "Nope", "code": "X"}',
        b'{"api": "v2", "operation": "CreateConfigurationSet", "code": "X", "times": 0}',
        b'{"api": "v2", "operation": "CreateConfigurationSet", "code": "ValidationException", '
        b'"fields": {"Reason": 5}}',
        b'{"api": "v2", "operation": "CreateConfigurationSet", "code": "X", "extra": 1}',
    ):
        answer = exchange(
            port, _control(port, "POST", "/_emulator/faults", bad, "application/json")
        )
        assert_v1_error(answer, 400, "BadRequestException")
    answer = exchange(port, _control(port, "POST", "/_emulator/nothing", b"{}", "application/json"))
    assert_v1_error(answer, 404)
    assert emulator.v2().pending_faults() == {}
    ok = exchange(port, _control(port, "POST", "/_emulator/faults", body, "application/json"))
    assert ok.json() == {"pending": {"DescribeConfigurationSets": 1}}
    state = exchange(port, _control(port, "GET", "/_emulator/state", b"", None))
    assert state.status == 200 and state.json() == {}
