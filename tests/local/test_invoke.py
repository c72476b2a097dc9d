"""The handler runs in its own process, as Lambda runs it: real events, the function's
environment and timeout, the response on stdout and the log on stderr."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from cdk_smsvoice.handler_paths import HANDLER_DIR
from cdk_smsvoice.local.invoke import HandlerError, HandlerFunction, invoke

UNUSED_ENDPOINT = "http://127.0.0.1:9"
"""Nothing listens here: these invocations must not make a call."""


def event(request_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "ResponseURL": "...",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/App/x",
        "RequestId": "11111111-2222-3333-4444-555555555555",
        "LogicalResourceId": "Set",
        "ResourceType": "Custom::SmsVoiceV2ConfigurationSet",
        **fields,
    }


def real_handler(timeout: float = 60) -> HandlerFunction:
    return HandlerFunction("on-event", HANDLER_DIR, "index.on_event", timeout, {})


def probe(tmp_path: Path, body: str, timeout: float = 30, **env: str) -> HandlerFunction:
    (tmp_path / "probe.py").write_text(textwrap.dedent(body))
    return HandlerFunction("probe-fn", tmp_path, "probe.handle", timeout, env)


def test_real_handler_delete_of_an_id_that_is_no_set_answers_without_a_call() -> None:
    response = invoke(
        real_handler(),
        event("Delete", PhysicalResourceId="not a set name!", ResourceProperties={}),
        endpoint_url=UNUSED_ENDPOINT,
        region="us-east-1",
    )
    assert response == {"PhysicalResourceId": "not a set name!", "Data": {}}


def test_real_handler_failure_is_its_message_with_the_log() -> None:
    props = {"ServiceToken": "x", "SchemaVersion": "1", "ConfigurationSetName": "bad name!"}
    with pytest.raises(HandlerError) as caught:
        invoke(
            real_handler(),
            event("Create", ResourceProperties=props),
            endpoint_url=UNUSED_ENDPOINT,
            region="us-east-1",
        )
    assert "invalid properties, no API call was made" in str(caught.value)
    assert "InvalidPropertiesError" in caught.value.logs  # the traceback, as Lambda logs it


def test_environment_context_and_stdout_are_lambdas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "someone")
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", "http://elsewhere")
    function = probe(
        tmp_path,
        """
        import os, sys
        def handle(event, context):
            print("chatter on stdout must not spoil the response")
            print("a log line", file=sys.stderr)
            keys = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                    "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", "AWS_ACCESS_KEY_ID", "MY_SETTING")
            return {
                "env": {k: os.environ.get(k) for k in keys},
                "remaining": context.get_remaining_time_in_millis(),
                "event": event,
                "cwd": os.getcwd(),
            }
        """,
        timeout=30,
        MY_SETTING="from-template",
    )
    sent = event("Create", ResourceProperties={"A": "1"})
    response = invoke(function, sent, endpoint_url="http://127.0.0.1:4599", region="eu-west-1")
    assert response["env"] == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4599",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_PROFILE": None,
        "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": None,
        "AWS_ACCESS_KEY_ID": "123456789012",
        "MY_SETTING": "from-template",
    }
    assert 0 < response["remaining"] <= 30_000
    assert response["event"] == json.loads(json.dumps(sent))
    assert Path(response["cwd"]) == tmp_path


def test_a_handler_that_outlives_its_timeout_is_killed(tmp_path: Path) -> None:
    function = probe(
        tmp_path,
        """
        import sys, time
        def handle(event, context):
            print("started", file=sys.stderr, flush=True)
            time.sleep(60)
        """,
        timeout=1,
    )
    with pytest.raises(HandlerError, match=r"probe-fn: Task timed out after 1\.00 seconds") as err:
        invoke(function, event("Create"), endpoint_url=UNUSED_ENDPOINT, region="us-east-1")
    assert "started" in err.value.logs


def test_a_crash_without_response_is_a_failure(tmp_path: Path) -> None:
    function = probe(tmp_path, "import os\ndef handle(event, context):\n    os._exit(3)\n")
    with pytest.raises(HandlerError, match="exited with code 3 without a response"):
        invoke(function, event("Create"), endpoint_url=UNUSED_ENDPOINT, region="us-east-1")


def _pid_of_sleeper(pid_file: Path, parent: "subprocess.Popen[bytes]") -> int:
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert parent.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    return int(pid_file.read_text())


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["sigkill", "sigterm"])
def test_the_handler_dies_with_the_process_that_invoked_it(tmp_path: Path, how: str) -> None:
    """A SIGKILLed run cannot clean up: the handler's parent-death signal ends it. SIGTERM
    and SIGINT go through the CLI's handler, which kills the handlers' process groups."""
    pid_file = tmp_path / "pid"
    probe(
        tmp_path,
        f"""
        import os, time
        def handle(event, context):
            open({str(pid_file)!r}, "w").write(str(os.getpid()))
            time.sleep(120)
        """,
    )
    script = textwrap.dedent(
        f"""
        import signal, os, sys
        from pathlib import Path
        from cdk_smsvoice.local.invoke import HandlerFunction, invoke, kill_running
        def stop(signum, frame):
            kill_running()
            os._exit(1)
        signal.signal(signal.SIGTERM, stop)
        function = HandlerFunction("probe-fn", Path({str(tmp_path)!r}), "probe.handle", 300, {{}})
        invoke(function, {{"RequestId": "r"}}, endpoint_url="http://127.0.0.1:9", region="x")
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        child = _pid_of_sleeper(pid_file, parent)
        assert os.getpgid(child) == child  # a process group of its own
        parent.send_signal(signal.SIGKILL if how == "sigkill" else signal.SIGTERM)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        parent.kill()
        parent.wait()
