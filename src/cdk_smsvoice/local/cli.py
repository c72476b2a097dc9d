"""``cdk-smsvoice local deploy|destroy|status``."""

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console

from .assembly import AssemblyError, read_assembly
from .engine import Deployer, ResourceResult, StackResult
from .intrinsics import ResolutionError
from .invoke import HandlerError, HandlerFunction, invoke, kill_running
from .lock import StateLock, StateLockedError
from .probe import endpoint_prober
from .report import (
    Progress,
    StatusEntry,
    render_results,
    render_status,
    results_json,
    status_json,
)
from .selection import SelectionError, orphans, select, unmatched
from .state import StackState, StateStore

EXIT_FAILED = 1
"""A stack failed (and was rolled back, or could not be)."""
EXIT_USAGE = 2
"""The input could not be read, the options are wrong, or another run holds the state."""


class _Endpoint:
    """The URL handlers call: the one given, else the embedded emulator, started on first use
    with its data under the state directory (covered by the state directory's lock), so the
    next run sees the same sets.
    """

    def __init__(
        self, url: str | None, data_dir: Path, resources: ExitStack, progress: Progress
    ) -> None:
        self._url = url
        self._data_dir = data_dir
        self._resources = resources
        self._progress = progress
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
                self._progress.note(
                    "emulator", f"embedded, at {self._url} (data in {self._data_dir})"
                )
            return self._url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cdk-smsvoice local",
        description="Deploy the Custom::SmsVoice* resources of a synthesized CDK app through "
        "the real handler code, with CloudFormation's semantics, to a local SMS and Voice "
        "endpoint (the embedded emulator unless --endpoint is given). One run at a time per "
        "state directory; a run killed midway is resumed by the next one.",
        epilog="exit codes: 0 success, 1 a stack failed (rolled back), 2 bad input or options, "
        "or the state directory is in use by another run",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text, extend in (
        (
            "deploy",
            "create, update and clean up the sets of the selected stacks (default: all); "
            "roll back on failure",
            "also deploy the stacks they depend on",
        ),
        (
            "destroy",
            "delete the sets of the selected stacks (default: all), in reverse dependency "
            "order, and those of stacks in the state but gone from cdk.out",
            "also destroy the stacks that depend on them",
        ),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument(
            "stacks",
            nargs="*",
            metavar="STACK",
            help="stack names or globs (fnmatch, as cdk deploy takes them); default: all",
        )
        command.add_argument(
            "-e",
            "--exclusively",
            action="store_true",
            help=f"only the stacks named (by default, {extend}, as cdk does)",
        )
        _cdk_out_option(command)
        command.add_argument(
            "--endpoint",
            help="SMS and Voice endpoint URL (default: start the embedded emulator)",
        )
        _common_options(command)
    status = commands.add_parser(
        "status",
        help="print what is deployed, from the state only (no call is made); stacks gone "
        "from cdk.out are flagged as orphaned",
    )
    _cdk_out_option(status)
    _common_options(status)
    return parser


def _cdk_out_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--cdk-out", type=Path, default=Path("cdk.out"), help="cloud assembly (cdk.out)"
    )


def _common_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--state-dir",
        type=Path,
        default=Path(".cdk-smsvoice"),
        help="where the deployed state (and the embedded emulator's data) is kept",
    )
    command.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    command.add_argument(
        "-v", "--verbose", action="store_true", help="print tracebacks with error messages"
    )


@contextmanager
def _handlers_die_with_us() -> Iterator[None]:
    """On SIGINT/SIGTERM, kill the running handlers and exit at once, as SIGKILL would: the
    write-ahead intents let the next run resume.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        kill_running()
        if sys.stderr.isatty():
            sys.stderr.write("\x1b[?25h")  # the progress display hid the cursor
        print(f"\ninterrupted (signal {signum}); the next run resumes", file=sys.stderr)
        os._exit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    """Run ``local`` with ``argv`` (the arguments after ``local``); return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "status" and not args.state_dir.is_dir():
            return _status(args, StateStore(args.state_dir))
        with _handlers_die_with_us(), StateLock(args.state_dir):
            store = StateStore(args.state_dir)
            store.remove_temporaries()
            if args.command == "status":
                return _status(args, store)
            return _run(args, store)
    except (AssemblyError, ResolutionError, SelectionError, StateLockedError, ValueError) as error:
        return _fail(args, error, EXIT_USAGE)
    except Exception as error:
        return _fail(args, error, EXIT_FAILED, "unexpected error: ")


def _fail(args: argparse.Namespace, error: BaseException, code: int, prefix: str = "") -> int:
    if args.verbose:
        traceback.print_exception(error, file=sys.stderr)
    hint = "" if args.verbose else " (--verbose shows the traceback)"
    print(f"error: {prefix}{error}{hint if code == EXIT_FAILED else ''}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace, store: StateStore) -> int:
    deploying = args.command == "deploy"
    if not deploying and not (args.cdk_out / "manifest.json").exists():
        print(
            f"note: no cloud assembly at {args.cdk_out}: destroying every stack of the state",
            file=sys.stderr,
        )
        stacks = []
    else:
        stacks = read_assembly(args.cdk_out)
    if not stacks:
        print(f"note: {args.cdk_out} holds no stack", file=sys.stderr)
    extend = None if args.exclusively else "upstream" if deploying else "downstream"
    selected = select(stacks, args.stacks, extend)
    leftovers = [] if deploying else orphans(stacks, store, args.stacks)
    missing = unmatched(stacks, [s.stack_name for s in leftovers], args.stacks)
    if missing:
        known = ", ".join([s.stack_name for s in stacks + leftovers]) or "none"
        raise SelectionError(f"no stack matches {', '.join(missing)} (stacks: {known})")
    if args.endpoint is None:
        from ..emulator import Emulator  # noqa: F401  (fail now, not in the first call)
    with ExitStack() as resources, Progress() as progress:
        endpoint = _Endpoint(args.endpoint, args.state_dir / "emulator", resources, progress)

        def invoker(
            function: HandlerFunction, event: Mapping[str, Any], region: str
        ) -> dict[str, Any]:
            return invoke(function, event, endpoint_url=endpoint(), region=region)

        deployer = Deployer(stacks, store, invoker, progress, prober=endpoint_prober(endpoint))
        results = deployer.deploy(selected) if deploying else deployer.destroy(selected, leftovers)
    _print(args, results_json(results), lambda width: render_results(results, width))
    return EXIT_FAILED if any(_failed(result) for result in results) else 0


def _failed(result: StackResult) -> bool:
    return result.failed or any(_failed(child) for child in result.nested)


def _print(args: argparse.Namespace, document: Any, render: Callable[[int], str]) -> None:
    if args.json:
        print(json.dumps(document, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(render(console.width), markup=False)


def _status(args: argparse.Namespace, store: StateStore) -> int:
    states = {state.stack_name: state for state in store.load_all()}
    try:
        in_assembly = {stack.stack_name for stack in read_assembly(args.cdk_out)}
    except AssemblyError as error:
        in_assembly = None
        if states:
            print(f"note: orphans not flagged: {error}", file=sys.stderr)
    children: dict[str, list[StackState]] = {}
    for state in states.values():
        if state.parent is not None:
            children.setdefault(state.parent, []).append(state)

    def entry(state: StackState) -> StatusEntry:
        resources = [ResourceResult.of(r, "deployed") for r in state.resources.values()]
        resources += [ResourceResult.of(r, "pending delete") for r in state.pending_deletes]
        by_id = {r.physical_id: r.logical_id for r in state.resources.values()}
        nested = [
            (by_id.get(child.stack_id, child.stack_name), entry(child))
            for child in children.get(state.stack_name, [])
        ]
        status = f"{state.status} ({state.stack_id})"
        if state.intents:
            status += f", {len(state.intents)} interrupted operation(s) to resume"
        orphaned = (
            in_assembly is not None and state.parent is None and state.stack_name not in in_assembly
        )
        return StatusEntry(state.stack_name, status, resources, nested, orphaned)

    entries = [entry(state) for state in states.values() if state.parent is None]
    _print(args, status_json(entries), lambda width: render_status(entries, width))
    return 0
