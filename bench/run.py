#!/usr/bin/env python3
"""Benchmark report for cdk-smsvoice: ratios measured in one run, never assertions.

Part 1, synthesis: our L2 ``cdk_smsvoice.ConfigurationSet`` against the native L1
``aws_cdk.aws_smsvoice.CfnConfigurationSet`` with hand-written IAM, in equivalent stacks.
Reported: synth wall time (median of ``--runs`` fresh ``App()``s), resources in the template,
template bytes, and the marginal cost of each additional set (10 sets vs 1), which shows that
the provider is shared by every set of a stack. A v1 ``cdk_smsvoice.VoiceConfigurationSet``
(3 destinations) is synthesized too and shown next to ours v2, without a ratio: there is no L1
for v1 sets to compare it with.

Part 2, API calls: the real Lambda handler (``smsvoice_handler.dispatch.handle``) driven through
CloudFormation events against the stateful fake of the v2 API, as the handler tests do. For
each scenario: read calls (Describe*/List*), mutating calls, and the minimum mutating calls the
change needs (derived per scenario below), plus the virtual seconds spent pacing.

Part 3, the same for v1 voice sets (``Custom::SmsVoiceV1ConfigurationSet``) against the fake v1
API with its account-wide limit of one request a second enforced on the virtual clock; the
floor is then (minimum calls - 1) seconds per invocation.

Run it with ``make bench``; ``--json PATH`` also writes every number as JSON.

The report's parts are in ``bench/synth_cost.py`` (1), ``bench/api_calls.py`` (2 and 3, with
the scenarios in ``bench/api_scenarios.py`` and ``bench/api_scenarios_v1.py``); the
environment they need (Node.js on PATH, the handler and the test harness on sys.path) is set
by ``bench/bench_env.py``, imported before them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True  # leave no __pycache__ in src/, tests/ or bench/

import bench_env  # noqa: E402, F401  (first: jsii starts Node.js when aws_cdk is imported)

# isort: split

from api_calls import print_api, print_api_v1, run_api, run_api_v1  # noqa: E402
from synth_cost import print_synth, run_synth  # noqa: E402


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--runs", type=int, default=5, help="synth runs per variant, median reported (default 5)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--only", choices=("synth", "api"), help="run one part only (default: both)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "note": "one run on a possibly shared machine: read the ratios, not the times",
        }
    }
    if args.only in (None, "api"):
        results["api_calls"] = run_api()
        results["api_calls_v1"] = run_api_v1()
    if args.only in (None, "synth"):
        results["synthesis"] = run_synth(args.runs)
    if "synthesis" in results:
        print_synth(results["synthesis"])
    if "api_calls" in results:
        print_api(results["api_calls"])
        print_api_v1(results["api_calls_v1"])
    results["bench_seconds"] = round(time.perf_counter() - started, 2)
    print()
    print(f"bench took {results['bench_seconds']:.1f} s")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
