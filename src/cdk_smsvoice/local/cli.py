"""``cdk-smsvoice local deploy|destroy|status``."""

import argparse
import sys
import threading
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .assembly import AssemblyError, read_assembly
from .engine import Deployer, ResourceResult
from .intrinsics import ResolutionError
from .invoke import HandlerError, HandlerFunction, invoke
from .report import Progress, render_results, render_status
from .state import StateStore

EXIT_FAILED = 1
"""A stack failed (and was rolled back, or could not be)."""
EXIT_USAGE = 2
"""The input could not be read, or the options are wrong."""


class _Endpoint:
    """The URL handlers call: the one given, else the embedded emulator, started on first use
    with its data under the state directory, so the next run sees the same sets.
    """

    def __init__(self, url: str | None, data_dir: Path, resources: ExitStack) -> None:
        self._url = url
        self._data_dir = data_dir
        self._resources = resources
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._url is None:
                from ..emulator import Emulator

                try:
                    emulator = self._resources.enter_context(
                        Emulator(data_dir=self._data_dir, port=0)
                    )
                except Exception as error:
                    raise HandlerError(f"cannot start the embedded emulator: {error}", "") from None
                self._url = str(emulator.endpoint_url)
                print(
                    f"embedded SMS and Voice emulator at {self._url} (data in {self._data_dir})",
                    file=sys.stderr,
                )
            return self._url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdk-smsvoice local",
        description="Deploy the Custom::SmsVoice* resources of a synthesized CDK app through "
        "the real handler code, with CloudFormation's semantics, to a local SMS and Voice "
        "endpoint (the embedded emulator unless --endpoint is given).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("deploy", "create, update and clean up the sets of every stack; roll back on failure"),
        ("destroy", "delete the sets of every stack, in reverse dependency order"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument(
            "--cdk-out", type=Path, default=Path("cdk.out"), help="cloud assembly (cdk.out)"
        )
        command.add_argument(
            "--endpoint",
            help="SMS and Voice endpoint URL (default: start the embedded emulator)",
        )
        _state_dir_option(command)
    status = commands.add_parser(
        "status", help="print what is deployed, from the state only (no call is made)"
    )
    _state_dir_option(status)
    return parser


def _state_dir_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".cdk-smsvoice"),
        help="where the deployed state (and the embedded emulator's data) is kept",
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``local`` with ``argv`` (the arguments after ``local``); return the exit code."""
    args = _parser().parse_args(argv)
    store = StateStore(args.state_dir)
    try:
        if args.command == "status":
            return _status(store)
        stacks = read_assembly(args.cdk_out)
        if args.endpoint is None:
            from ..emulator import Emulator  # noqa: F401  (fail now, not in the first call)
    except (AssemblyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as error:
        print(
            f"error: the embedded emulator is unavailable ({error}); pass --endpoint URL",
            file=sys.stderr,
        )
        return EXIT_USAGE
    with ExitStack() as resources:
        endpoint = _Endpoint(args.endpoint, args.state_dir / "emulator", resources)

        def invoker(
            function: HandlerFunction, event: Mapping[str, Any], region: str
        ) -> dict[str, Any]:
            return invoke(function, event, endpoint_url=endpoint(), region=region)

        deployer = Deployer(stacks, store, invoker, Progress())
        try:
            results = deployer.deploy() if args.command == "deploy" else deployer.destroy()
        except (ResolutionError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_USAGE
    print(render_results(results))
    return EXIT_FAILED if any(result.failed for result in results) else 0


def _status(store: StateStore) -> int:
    rows = []
    for state in store.load_all():
        resources = [ResourceResult.of(r, "deployed") for r in state.resources.values()]
        resources += [ResourceResult.of(r, "pending delete") for r in state.pending_deletes]
        rows.append((state.stack_name, f"{state.status} ({state.stack_id})", resources))
    print(render_status(rows))
    return 0
