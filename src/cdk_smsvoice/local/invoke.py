"""Running the provider's handler as Lambda would: the function's code asset, in a fresh
Python process per invocation, with the function's timeout and environment, against a local
endpoint.

The interpreter is the one running local deploy, not the function's ``Runtime``.

A handler process never outlives the run that started it: it runs in a process group of its
own (killed as a whole on timeout and by ``kill_running``), and its first act is to ask the
kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``, through ctypes), then to
exit if the parent is already gone. So a deploy killed with SIGKILL takes its handlers with it,
and the write-ahead intents in the state tell the next run what they may have done.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..handler_paths import HANDLER_DIR
from .intrinsics import ResolutionError, Resolver

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
"""The physical id the CDK Provider framework reports for a failed Create; it answers the
Delete of that id itself, without calling the handler."""

LOG_TAIL_LINES = 40
"""How many lines of a failed invocation's log are shown."""

_PACKAGED_TIMEOUT = 600.0
"""The provider's function timeout (``HANDLER_TIMEOUT``)."""
_BOOTSTRAP = r"""
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
try:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
except (AttributeError, OSError):
    pass  # not Linux: the process group is what ends it
if os.getppid() != int(sys.argv[6]):
    os._exit(137)  # the run died before the parent-death signal was armed
import importlib, json, logging, time, traceback
asset_dir, entry, timeout, function_name, request_id = sys.argv[1:6]
deadline = time.monotonic() + float(timeout)
response_stream, sys.stdout = sys.stdout, sys.stderr
logging.basicConfig(
    level=logging.INFO, stream=sys.stderr,
    format="[%(levelname)s]\t%(asctime)s\t%(name)s\t%(message)s",
)
sys.path.insert(0, asset_dir)


class Context:
    function_name = function_name
    function_version = "$LATEST"
    aws_request_id = request_id

    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.monotonic()) * 1000))


event = json.load(sys.stdin)
module_name, _, attribute = entry.rpartition(".")
try:
    result = getattr(importlib.import_module(module_name), attribute)(event, Context())
    text = json.dumps(result)
except Exception as error:
    traceback.print_exc()
    message = "\n".join([str(error), *getattr(error, "__notes__", [])])
    json.dump({"errorMessage": message, "errorType": type(error).__name__}, response_stream)
    sys.exit(1)
response_stream.write(text)
"""


class HandlerError(RuntimeError):
    """The invocation failed: the handler raised, crashed or timed out."""

    def __init__(self, message: str, logs: str) -> None:
        """``message`` is the reason CloudFormation would show; ``logs`` the function's log."""
        super().__init__(message)
        self.logs = logs

    def log_tail(self) -> str:
        """The last lines of the log."""
        return "\n".join(self.logs.rstrip().splitlines()[-LOG_TAIL_LINES:])


@dataclass(frozen=True)
class HandlerFunction:
    """The Lambda function that runs the custom resources' events."""

    function_name: str
    asset_dir: Path
    entry: str
    """``module.function``, the function's ``Handler``."""
    timeout: float
    environment: Mapping[str, str]


def packaged_handler() -> HandlerFunction:
    """The handler installed with this package: deletes whose provider is gone from the
    template run with it.
    """
    return HandlerFunction(
        "cdk-smsvoice-packaged", HANDLER_DIR, "index.on_event", _PACKAGED_TIMEOUT, {}
    )


def find_handler(
    template: Mapping[str, Any], resolver: Resolver, directory: Path, service_token: str
) -> HandlerFunction | None:
    """The Python function behind ``service_token``, or None if no function of the template
    has that ARN.

    A function whose environment names ``USER_ON_EVENT_FUNCTION_ARN`` is the CDK Provider
    framework's: the handler is the function it names. Otherwise the function is the handler.
    """
    resources: Mapping[str, Any] = template.get("Resources") or {}
    logical_id = _function_with_arn(resources, resolver, service_token)
    if logical_id is None:
        return None
    variables = _variables(resources[logical_id])
    user_function = variables.get("USER_ON_EVENT_FUNCTION_ARN")
    if user_function is not None:
        arn = resolver.resolve(user_function, logical_id)
        logical_id = _function_with_arn(resources, resolver, arn)
        if logical_id is None:
            raise ResolutionError(
                f"stack {resolver.env.stack_name}: the provider of {service_token} calls "
                f"{arn}, which is no function of the template"
            )
    return _handler_function(resources, resolver, directory, logical_id)


def _function_with_arn(resources: Mapping[str, Any], resolver: Resolver, arn: str) -> str | None:
    for logical_id, resource in resources.items():
        if (
            resource.get("Type") == "AWS::Lambda::Function"
            and resolver.is_present(logical_id)
            and resolver.resolve({"Fn::GetAtt": [logical_id, "Arn"]}, logical_id) == arn
        ):
            return logical_id
    return None


def _variables(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    environment = (resource.get("Properties") or {}).get("Environment") or {}
    variables: Mapping[str, Any] = environment.get("Variables") or {}
    return variables


def _handler_function(
    resources: Mapping[str, Any], resolver: Resolver, directory: Path, logical_id: str
) -> HandlerFunction:
    resource = resources[logical_id]
    properties = resource.get("Properties") or {}
    where = f"stack {resolver.env.stack_name}: function {logical_id}"
    asset = (resource.get("Metadata") or {}).get("aws:asset:path") or _asset_of_key(properties)
    runtime = str(properties.get("Runtime", ""))
    if not runtime.startswith("python"):
        raise ResolutionError(f"{where}: runtime {runtime!r} cannot run locally (Python only)")
    if not asset:
        raise ResolutionError(f"{where}: no aws:asset:path metadata, so no code to run locally")
    asset_dir = directory.resolve() / asset
    if not asset_dir.is_dir():
        raise ResolutionError(f"{where}: code asset {asset_dir} is missing (synthesize again)")
    environment = resolver.resolve(dict(_variables(resource)), logical_id)
    return HandlerFunction(
        function_name=str(resolver.resolve({"Ref": logical_id}, logical_id)),
        asset_dir=asset_dir,
        entry=str(properties.get("Handler", "index.handler")),
        timeout=float(properties.get("Timeout", 3)),
        environment={key: str(value) for key, value in environment.items()},
    )


def _asset_of_key(properties: Mapping[str, Any]) -> str | None:
    """``asset.<hash>`` from the code's S3 key, for assemblies synthesized without asset
    metadata (``python app.py`` rather than ``cdk synth``).
    """
    key = (properties.get("Code") or {}).get("S3Key")
    if isinstance(key, str) and key.endswith(".zip"):
        return f"asset.{key.removesuffix('.zip')}"
    return None


def invoke(
    function: HandlerFunction, event: Mapping[str, Any], *, endpoint_url: str, region: str
) -> dict[str, Any]:
    """Run ``function`` on ``event`` in a new process and return its response; raise
    ``HandlerError`` when it raises, crashes or outlives its timeout (it is killed then).
    """
    arguments = [
        sys.executable,
        "-I",
        "-B",
        "-c",
        _BOOTSTRAP,
        str(function.asset_dir),
        function.entry,
        str(function.timeout),
        function.function_name,
        str(event.get("RequestId", "")),
        str(os.getpid()),
    ]
    with subprocess.Popen(
        arguments,
        cwd=function.asset_dir,
        env=_environment(function, endpoint_url, region, _account(event)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,
    ) as process:
        with _RUNNING_LOCK:
            _RUNNING.add(process)
        try:
            stdout, logs = process.communicate(json.dumps(event), timeout=function.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            _, logs = process.communicate()
            raise HandlerError(
                f"{function.function_name}: Task timed out after {function.timeout:.2f} seconds",
                logs,
            ) from None
        except BaseException:
            _kill_group(process)
            raise
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(process)
    try:
        answer = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        answer = None
    if process.returncode == 0 and isinstance(answer, dict):
        return answer
    if isinstance(answer, dict) and "errorMessage" in answer:
        raise HandlerError(str(answer["errorMessage"]), logs)
    raise HandlerError(
        f"{function.function_name}: the handler process exited with code {process.returncode} "
        "without a response",
        logs,
    )


_RUNNING: set["subprocess.Popen[str]"] = set()
_RUNNING_LOCK = threading.Lock()


def _kill_group(process: "subprocess.Popen[str]") -> None:
    """SIGKILL the handler's process group (it leads it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def kill_running() -> None:
    """SIGKILL every handler process this process has running (on SIGINT or SIGTERM)."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        _kill_group(process)


def _account(event: Mapping[str, Any]) -> str:
    """The account of the event's StackId."""
    parts = str(event.get("StackId", "")).split(":")
    return parts[4] if len(parts) > 4 else ""


def _environment(
    function: HandlerFunction, endpoint_url: str, region: str, account: str
) -> dict[str, str]:
    """The process environment: no AWS setting of the caller's leaks in (profiles, endpoints,
    credentials, retry modes); the function's own variables come last but for the endpoint.

    The access key id is the stack's account id, which the emulator reads as the account.
    """
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "BOTO", "PYTHON"))
    }
    return {
        **inherited,
        "AWS_ACCESS_KEY_ID": account if account.isdigit() else "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        **function.environment,
        "AWS_ENDPOINT_URL": endpoint_url,
    }
