#!/usr/bin/env python3
"""jsii round trips per configuration set, ours against the native L1, and whole-process synth
time; both as ratios taken in one run. A report, never an assertion.

1. Round trips (exact: the same on every run and every machine). Every request that Python's
   jsii runtime sends to the Node.js process and waits on is one round trip: object creations,
   method calls, property reads, and the answers Python sends back to Node's callbacks. They are
   counted by wrapping the runtime's one send function (``_NodeProcess.send``) from ``App()`` to
   the end of ``app.synth()``, for apps of 1 and 10 sets on the same sinks; the cost of each
   additional set is (10 sets - 1 set) / 9. ``--detail`` shows where ours go, by request.
2. Whole-process synth time: each app is built and synthesized by a fresh Python process
   (interpreter, imports and Node.js start included, as ``cdk synth`` runs an app), at N = 1,
   10 and 60 sets, interleaved (N and variant alternate within each round) so that a slow spell
   of a shared machine spreads over every variant; the median per variant is reported.
3. Resources and IAM roles per additional set: ours with a role per destination (the default),
   ours with one ``DestinationRole`` per sink shared by every set, and the L1.

The stacks are those of part 1 of ``bench/run.py`` (``bench/synth_cost.py``), built by
``bench/synth_apps.py``: one v2 set with 3 destinations (SNS, Logs, Firehose) on shared
sinks, feedback on, one tag.

    .venv/bin/python bench/jsii_roundtrips.py                 # everything (a few minutes)
    .venv/bin/python bench/jsii_roundtrips.py --runs 0        # round trips and resources only
    .venv/bin/python bench/jsii_roundtrips.py --detail --json /tmp/roundtrips.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_apps
from jsii._kernel.providers import process as jsii_process
from jsii._kernel.types import Callback

BUILDERS: dict[str, synth_apps.Builder] = {
    "ours": synth_apps.add_ours,
    "ours-shared-roles": synth_apps.add_ours_shared_roles,
    "L1": synth_apps.add_native,
}
"""The apps compared; the keys are the variants' names in the report."""
TIMED = ("ours", "L1")
"""The variants timed in whole processes."""
FEW, MANY = 1, 10
"""Round trips, resources and roles per additional set: (MANY sets - FEW sets) / (MANY - FEW)."""
SIZES = (1, 10, 60)
"""Sets per stack for the whole-process times."""
GOAL = 1.3
"""The issue's goal: ours within 1.3x of the L1, in round trips per set and in synth time."""


# ----------------------------------------------------------------------------- round trips


class RoundTrips:
    """Counts jsii round trips, by kind (``create aws_iam.Role``, ``get roleArn``, ...)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self._callbacks: dict[str, str] = {}

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    @contextmanager
    def counting(self) -> Iterator[RoundTrips]:
        original = jsii_process._NodeProcess.send
        counter = self

        def send(process: Any, request: Any, response_type: Any) -> Any:
            response = original(process, request, response_type)
            counter.kinds[counter._kind(request)] += 1
            if isinstance(response, Callback):
                counter._callbacks[response.cbid] = response.cookie or "?"
            return response

        jsii_process._NodeProcess.send = send  # type: ignore[method-assign]
        try:
            yield self
        finally:
            jsii_process._NodeProcess.send = original  # type: ignore[method-assign]

    def _kind(self, request: Any) -> str:
        name = type(request).__name__.removeprefix("_").removesuffix("Request").lower()
        if name == "complete":  # Python's answer to a callback from Node.js
            return f"answer callback {self._callbacks.pop(request.complete.cbid, '?')}"
        if name == "create":
            return f"create {request.fqn.removeprefix('aws-cdk-lib.')}"
        detail = getattr(request, "method", None) or getattr(request, "property", None) or ""
        return f"{name} {detail}".strip()


@dataclass
class Sample:
    """One app of ``sets`` sets of one variant, built and synthesized once."""

    variant: str
    sets: int
    round_trips: int
    kinds: Counter[str]
    resources: Counter[str]


def count(variant: str, sets: int) -> Sample:
    """Build and synthesize a fresh app, counting its round trips from App() to synth's end."""
    counter = RoundTrips()
    with tempfile.TemporaryDirectory(prefix="cdk-smsvoice-bench-") as outdir:
        with counter.counting():
            app, stack, sinks = synth_apps.new_stack(outdir)
            for index in range(sets):
                BUILDERS[variant](stack, sinks, index)
            assembly = app.synth()
        template = json.loads(
            Path(assembly.get_stack_artifact(stack.artifact_id).template_full_path).read_text()
        )
    resources = Counter(
        str(r["Type"])
        for r in template.get("Resources", {}).values()
        if r["Type"] != "AWS::CDK::Metadata"
    )
    return Sample(variant, sets, counter.total, counter.kinds, resources)


@dataclass
class PerSet:
    """The cost of each additional set of one variant."""

    variant: str
    few: Sample
    many: Sample

    @property
    def extra(self) -> int:
        return self.many.sets - self.few.sets

    @property
    def round_trips(self) -> float:
        return (self.many.round_trips - self.few.round_trips) / self.extra

    @property
    def resources(self) -> float:
        return (sum(self.many.resources.values()) - sum(self.few.resources.values())) / self.extra

    @property
    def roles(self) -> float:
        role = "AWS::IAM::Role"
        return (self.many.resources[role] - self.few.resources[role]) / self.extra

    def kinds(self) -> dict[str, float]:
        diff = Counter(self.many.kinds)
        diff.subtract(self.few.kinds)
        return {k: v / self.extra for k, v in diff.most_common() if v}

    def summary(self) -> dict[str, Any]:
        return {
            "round_trips": {FEW: self.few.round_trips, MANY: self.many.round_trips},
            "round_trips_per_additional_set": self.round_trips,
            "resources_per_additional_set": self.resources,
            "roles_per_additional_set": self.roles,
            "resources": {
                FEW: sum(self.few.resources.values()),
                MANY: sum(self.many.resources.values()),
            },
            "roles": {
                FEW: self.few.resources["AWS::IAM::Role"],
                MANY: self.many.resources["AWS::IAM::Role"],
            },
            "round_trips_per_additional_set_by_kind": self.kinds(),
        }


def run_counts() -> dict[str, PerSet]:
    for variant in BUILDERS:  # the first app of a process loads modules; not counted
        count(variant, FEW)
    return {v: PerSet(v, count(v, FEW), count(v, MANY)) for v in BUILDERS}


# ------------------------------------------------------------------------ whole processes


def child(variant: str, sets: int) -> None:
    """What each timed process does: build and synthesize one app, then print the CPU
    seconds it and its Node.js process used (``CPU <seconds>``, when /proc tells).
    """
    with tempfile.TemporaryDirectory(prefix="cdk-smsvoice-bench-") as outdir:
        app, stack, sinks = synth_apps.new_stack(outdir)
        for index in range(sets):
            BUILDERS[variant](stack, sinks, index)
        app.synth()
    own = os.times()
    node = _node_cpu_seconds()
    if node is not None:
        print(f"CPU {own.user + own.system + node:.3f}")


def _node_cpu_seconds() -> float | None:
    """User + system CPU seconds so far of jsii's Node.js process and its descendants (the
    jsii runtime runs its kernel in a child Node.js process), from /proc (Linux).
    """
    from jsii._runtime import kernel

    tick = os.sysconf("SC_CLK_TCK")
    pending, total = [kernel.provider._process._process.pid], 0.0
    try:
        while pending:
            pid = pending.pop()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:
        return None
    return total


@dataclass
class Timing:
    """The timed processes of one variant at one size: wall-clock and CPU seconds."""

    variant: str
    sets: int
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)


def time_process(variant: str, sets: int) -> tuple[float, float]:
    """Wall-clock seconds of one process, and the CPU seconds that it and its Node.js
    process used (NaN where /proc cannot tell).
    """
    command = [sys.executable, "-B", __file__, "--child", variant, str(sets)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    cpu = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("CPU ")]
    return seconds, float(cpu[-1]) if cpu else float("nan")


def run_times(runs: int, sizes: Sequence[int]) -> dict[tuple[str, int], Timing]:
    timings = {(v, n): Timing(v, n) for n in sizes for v in TIMED}
    for run in range(runs):
        # Alternate the order of the variants from round to round as well.
        order = list(timings.values()) if run % 2 == 0 else list(reversed(timings.values()))
        for timing in order:
            print(
                f"  process {run + 1}/{runs}: {timing.variant}, {timing.sets} sets",
                file=sys.stderr,
                flush=True,
            )
            seconds, cpu_seconds = time_process(timing.variant, timing.sets)
            timing.seconds.append(seconds)
            timing.cpu_seconds.append(cpu_seconds)
    return timings


# ------------------------------------------------------------------------------- report


def ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else float("inf")


def verdict(value: float) -> str:
    return "within goal" if value <= GOAL else "ABOVE GOAL"


def print_counts(per_set: Mapping[str, PerSet], detail: bool) -> None:
    ours, l1 = per_set["ours"], per_set["L1"]
    print("=" * 78)
    print("1. jsii round trips (Python -> Node.js -> Python), exact, App() to end of synth()")
    print("   per additional set = (10 sets - 1 set) / 9; same sinks, 3 destinations per set")
    print("=" * 78)
    print(f"{'variant':<22}{'1 set':>10}{'10 sets':>10}{'per additional set':>22}")
    for p in per_set.values():
        print(
            f"{p.variant:<22}{p.few.round_trips:>10}{p.many.round_trips:>10}{p.round_trips:>22.1f}"
        )
    r = ratio(ours.round_trips, l1.round_trips)
    print()
    print(f"ours/L1 per additional set: {r:.2f} (goal <= {GOAL}: {verdict(r)})")
    shared = per_set.get("ours-shared-roles")
    if shared is not None:
        rs = ratio(shared.round_trips, l1.round_trips)
        print(f"ours with shared roles/L1 per additional set: {rs:.2f}")
    if detail:
        for p in (ours, l1):
            print()
            print(f"Where each additional set's round trips go, {p.variant}:")
            for kind, n in p.kinds().items():
                print(f"  {n:>6.1f}  {kind}")


def print_times(timings: Mapping[tuple[str, int], Timing], runs: int) -> None:
    print()
    print("=" * 78)
    print("2. Whole-process synth time: a fresh Python process per app (imports, Node.js")
    print(f"   start, build, synth), {runs} interleaved rounds, medians. Wall clock and the")
    print("   CPU time of the process and its Node.js child. On a shared machine the wall")
    print("   clock is noisy, CPU time less so; the round trips above are the exact figure.")
    print("=" * 78)
    sizes = sorted({n for _, n in timings})
    for label, pick in (
        ("wall s", lambda t: t.seconds),
        ("CPU s", lambda t: t.cpu_seconds),
    ):
        print(f"{'sets':>6}{'ours ' + label:>12}{'L1 ' + label:>12}{'ours/L1':>10}   all runs")
        worst = 0.0
        for n in sizes:
            ours, l1 = timings[("ours", n)], timings[("L1", n)]
            o, t = statistics.median(pick(ours)), statistics.median(pick(l1))
            r = ratio(o, t)
            worst = max(worst, r)
            runs_text = " ".join(f"{s:.1f}" for s in pick(ours)) + " | "
            runs_text += " ".join(f"{s:.1f}" for s in pick(l1))
            print(f"{n:>6}{o:>12.2f}{t:>12.2f}{r:>10.2f}   {runs_text}")
        print(
            f"largest ours/L1 ({label}): {worst:.2f} (goal <= {GOAL} at every N: {verdict(worst)})"
        )
        print()


def print_resources(per_set: Mapping[str, PerSet]) -> None:
    print()
    print("=" * 78)
    print("3. Resources and IAM roles per additional set (same apps as 1.)")
    print("=" * 78)
    print(f"{'variant':<22}{'resources/set':>15}{'roles/set':>12}{'roles, 10 sets':>16}")
    for p in per_set.values():
        roles = p.many.resources["AWS::IAM::Role"]
        print(f"{p.variant:<22}{p.resources:>15.1f}{p.roles:>12.1f}{roles:>16}")
    print(
        "ours-shared-roles: one DestinationRole for the log group and one for the stream,"
        "\nshared by every set of the stack; their trust policies name every set's ARN."
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="timed rounds (default 3; 0: none)")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=list(SIZES), help="sets per timed app"
    )
    parser.add_argument("--detail", action="store_true", help="round trips by request kind")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "SETS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 0:
        parser.error("--runs must be 0 or more")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    started = time.perf_counter()
    per_set = run_counts()
    timings = run_times(args.runs, args.sizes) if args.runs else {}
    print_counts(per_set, args.detail)
    if timings:
        print_times(timings, args.runs)
    print_resources(per_set)
    seconds = time.perf_counter() - started
    print()
    print(f"bench took {seconds:.1f} s")
    if args.json is not None:
        results: dict[str, Any] = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
            },
            "per_set": {v: p.summary() for v, p in per_set.items()},
            "round_trip_ratio": ratio(per_set["ours"].round_trips, per_set["L1"].round_trips),
            "whole_process_seconds": {
                f"{t.variant} x{t.sets}": t.seconds for t in timings.values()
            },
            "whole_process_cpu_seconds": {
                f"{t.variant} x{t.sets}": t.cpu_seconds for t in timings.values()
            },
            "bench_seconds": round(seconds, 1),
        }
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
