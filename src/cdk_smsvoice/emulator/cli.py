"""Command line of the emulator: ``cdk-smsvoice emulator`` / ``python -m cdk_smsvoice.emulator``.

The first line printed is the endpoint URL, so a script can start the emulator in the
background and read where it listens.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from .data_lock import DataDirError
from .server import Emulator
from .store import StateFileError

DEFAULT_DATA_DIR = Path(".cdk-smsvoice/emulator")


def parser() -> argparse.ArgumentParser:
    """The emulator's options."""
    cli = argparse.ArgumentParser(
        prog="cdk-smsvoice emulator",
        description="Serve the SMS and Voice v1 and v2 APIs on 127.0.0.1 for boto3 and the "
        "AWS CLI (use --endpoint-url or AWS_ENDPOINT_URL).",
    )
    cli.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    cli.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"where state, messages and event records persist (default: {DEFAULT_DATA_DIR})",
    )
    cli.add_argument(
        "--tps",
        type=float,
        default=None,
        help="calls per second allowed for each operation (default: unlimited); beyond it v1 "
        "answers 429 TooManyRequestsException and v2 ThrottlingException",
    )
    cli.add_argument(
        "--sinks-endpoint",
        metavar="URL",
        default=None,
        help="deliver event records to the SNS, CloudWatch Logs and Firehose APIs at URL "
        "(e.g. moto or LocalStack); AWS_ENDPOINT_URL_SNS/_LOGS/_FIREHOSE override it per "
        "service, AWS_ENDPOINT_URL stands in for a service that has neither, and a service "
        "with no endpoint is never called (never AWS): its records are failed deliveries "
        "(default: records only go to JSON-lines files under --data-dir)",
    )
    cli.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return cli


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM; returns the exit status."""
    args = parser().parse_args(argv)
    if args.tps is not None and args.tps <= 0:
        parser().error("--tps must be positive")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(message)s",
        stream=sys.stderr,
    )
    try:
        emulator = Emulator(
            data_dir=args.data_dir,
            port=args.port,
            tps=args.tps,
            sinks_endpoint=args.sinks_endpoint,
        )
    except (DataDirError, StateFileError) as error:
        parser().exit(2, f"cdk-smsvoice emulator: {error}\n")
    except OSError as error:
        parser().exit(2, f"cdk-smsvoice emulator: cannot listen on port {args.port}: {error}\n")

    def stop(signum: int, frame: FrameType | None) -> None:
        emulator.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(emulator.endpoint_url, flush=True)
    print(f"data dir: {args.data_dir.resolve()}", flush=True)
    emulator.serve_forever()
    emulator.stop()
    return 0
