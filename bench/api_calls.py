"""Parts 2 and 3 of the benchmark report (``bench/run.py``), API calls: the real handler
against the emulator's v2 and v1 services, per scenario (``bench/api_scenarios.py``,
``bench/api_scenarios_v1.py``): reads, mutating calls against the minimum, and pacing.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import bench_env  # noqa: F401  (the environment first: sys.path for the handler and harness)

# isort: split

from api_scenarios import Scenario, scenarios
from api_scenarios_v1 import V1_GET, V1_SERVICE, v1_scenarios
from handler_harness import ACCOUNT, PROTECT_A, PROTECT_B, REGION, Harness
from ratios import fmt_ratio, ratio

from cdk_smsvoice.emulator.v1 import V1Service
from cdk_smsvoice.emulator.v2 import V2Service

READ_PREFIXES = ("Describe", "List", "Get")


def is_read(operation: str) -> bool:
    return operation.startswith(READ_PREFIXES)


def mutating(calls: Iterable[str]) -> Counter[str]:
    return Counter(c for c in calls if not is_read(c))


def pacing_floor(calls: Counter[str], min_interval: float) -> float:
    """The least waiting these calls need at one call of an operation per ``min_interval``,
    with perfect interleaving: the most frequent operation's gaps.
    """
    return max((n - 1 for n in calls.values()), default=0) * min_interval


def v2_harness() -> Harness:
    fake = V2Service(
        account=ACCOUNT, region=REGION, protect_configuration_ids=(PROTECT_A, PROTECT_B)
    )
    return Harness(fake)


def v1_harness() -> Harness:
    """As tests/handler/test_lifecycle_v1.py builds it: the fake enforces v1's rate of one
    request a second on the harness's virtual clock, so a call made too soon would get a 429.
    """
    fake = V1Service(tps=1.0, rate_scope="account")
    harness = Harness(fake, service=V1_SERVICE)
    fake.clock = harness.clock.monotonic
    return harness


def serial_floor(calls_per_event: Iterable[int], min_interval: float) -> float:
    """The least waiting when every call of an invocation is paced against the previous one
    (v1): (n - 1) intervals per invocation.
    """
    return sum(max(n - 1, 0) for n in calls_per_event) * min_interval


def run_scenario(scenario: Scenario, new_harness: Callable[[], Harness]) -> dict[str, Any]:
    harness = new_harness()
    for event in scenario.setup:
        harness.run(event)
    harness.reset_calls()  # forgets the setup's calls and sleeps
    outcomes: list[tuple[str, int, str | None]] = getattr(harness.fake, "outcomes", [])
    outcomes_before = len(outcomes)
    started = harness.clock.now
    calls_per_event: list[int] = []
    for event in scenario.events:
        before = len(harness.calls())
        harness.run(event)
        calls_per_event.append(len(harness.calls()) - before)
    calls = harness.calls()
    interval = harness.policy.min_interval
    if scenario.minimum_per_event is None:
        floor = pacing_floor(scenario.minimum, interval)
    else:
        floor = serial_floor(scenario.minimum_per_event, interval)
    answered = outcomes[outcomes_before:]
    reads = [c for c in calls if is_read(c)]
    made = mutating(calls)
    made_total, minimum_total = sum(made.values()), sum(scenario.minimum.values())
    return {
        "scenario": scenario.name,
        "calls": calls,
        "read_calls": len(reads),
        "reads": dict(Counter(reads)),
        "mutating_calls": made_total,
        "minimum_mutating_calls": minimum_total,
        "mutating_over_minimum": ratio(made_total, minimum_total),
        "all_calls_over_minimum": ratio(len(calls), minimum_total),
        "beyond_minimum": dict(made - scenario.minimum),
        "missing_from_minimum": dict(scenario.minimum - made),
        "minimum": dict(scenario.minimum),
        "why_minimum": scenario.why,
        "virtual_seconds_paced": round(sum(harness.clock.sleeps), 3),
        "virtual_seconds_elapsed": round(harness.clock.now - started, 3),
        "pacing_floor_seconds": floor,
        "calls_per_event": calls_per_event,
        # The least pacing of the calls actually made, reads included, were every call paced
        # against the previous one: equal to the paced seconds when no sleep was longer than
        # needed (meaningful for v1, whose rate is account-wide).
        "serial_pacing_of_calls_made": serial_floor(calls_per_event, interval),
        "get_event_destinations_calls": calls.count(V1_GET),
        "error_answers": [f"{op}: {code}" for op, status, code in answered if status != 200],
        "throttled_answers": sum(1 for _, status, _ in answered if status == 429),
    }


def run_api() -> list[dict[str, Any]]:
    return [run_scenario(s, v2_harness) for s in scenarios()]


def run_api_v1() -> list[dict[str, Any]]:
    return [run_scenario(s, v1_harness) for s in v1_scenarios()]


def print_api(rows: Sequence[Mapping[str, Any]]) -> None:
    print_calls(
        rows,
        [
            "2. API calls: the real handler against the fake v2 API, per CloudFormation event",
            "   reads = Describe*/List*; mut = mutating calls made; min = the fewest mutating",
            "   calls the change needs; paced = virtual seconds slept to keep each operation at",
            "   1 call/s; floor = the least pacing the minimum calls need.",
        ],
        v1=False,
    )


def print_api_v1(rows: Sequence[Mapping[str, Any]]) -> None:
    print_calls(
        rows,
        [
            "3. API calls, v1: the real handler against the fake v1 API (pinpoint-sms-voice,",
            "   Custom::SmsVoiceV1ConfigurationSet), which answers 429 to any call less than 1 s",
            "   after the previous one. reads = Get*/List*; Gets = GetConfigurationSetEvent-",
            "   Destinations calls; mut, min, mut/min as in 2.; paced = virtual seconds slept,",
            "   every call paced 1 s after the previous one of any operation; floor = the least",
            "   pacing the minimum calls need at 1 call/s in all: (min - 1) s per invocation.",
        ],
        v1=True,
    )


def print_calls(rows: Sequence[Mapping[str, Any]], title: Sequence[str], *, v1: bool) -> None:
    print()
    print("=" * 78)
    for line in title:
        print(line)
    print("=" * 78)
    width = max(len(str(row["scenario"])) for row in rows) + 2
    gets_header = f"{'Gets':>5}" if v1 else ""
    header = (
        f"{'scenario':<{width}}{'reads':>6}{gets_header}{'mut':>5}{'min':>5}"
        f"{'mut/min':>9}{'paced s':>9}{'floor':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        gets = f"{row['get_event_destinations_calls']:>5}" if v1 else ""
        print(
            f"{row['scenario']:<{width}}{row['read_calls']:>6}{gets}{row['mutating_calls']:>5}"
            f"{row['minimum_mutating_calls']:>5}{fmt_ratio(row['mutating_over_minimum']):>9}"
            f"{row['virtual_seconds_paced']:>9.1f}{row['pacing_floor_seconds']:>7.1f}"
        )
    print()
    if v1:
        print_v1_pacing(rows, width)
    print("Reads per scenario:")
    for row in rows:
        reads = ", ".join(f"{op} x{n}" for op, n in row["reads"].items()) or "none"
        print(f"  {row['scenario']:<{width}}{reads}")
    beyond = [r for r in rows if r["beyond_minimum"] or r["missing_from_minimum"]]
    print()
    if not beyond:
        print("Every scenario made exactly the minimum mutating calls.")
    else:
        print("Scenarios whose mutating calls differ from the minimum:")
    for row in beyond:
        print(f"  {row['scenario']}")
        print(f"    beyond the minimum: {row['beyond_minimum'] or 'nothing'}")
        print(f"    short of it:        {row['missing_from_minimum'] or 'nothing'}")
        print(
            textwrap.fill(
                " -> ".join(row["calls"]),
                78,
                initial_indent="    calls: ",
                subsequent_indent="           ",
            )
        )
    print()
    print("How each minimum is derived:")
    for row in rows:
        text = f"{row['scenario']}: {row['why_minimum']}"
        print(
            textwrap.fill(
                text, 78, initial_indent="  ", subsequent_indent="      ", break_on_hyphens=False
            )
        )


def print_v1_pacing(rows: Sequence[Mapping[str, Any]], width: int) -> None:
    """Whether pacing was tight, what the service refused, and why paced exceeds the floor."""
    throttled = sum(int(row["throttled_answers"]) for row in rows)
    print(
        "Throttled by the fake (429): "
        + ("none" if throttled == 0 else f"{throttled} call(s)")
        + "; the handler paced every call itself."
    )
    loose = [
        row for row in rows if row["virtual_seconds_paced"] != row["serial_pacing_of_calls_made"]
    ]
    if not loose:
        print(
            textwrap.fill(
                "Pacing is tight: in every scenario the handler slept exactly (calls - 1) s per "
                "invocation, reads included. So paced - floor is the reads and the calls beyond "
                "the minimum, 1 s each (a v1 read waits its turn like a write), less 1 s when "
                "the minimum of an invocation is 0 (its first call waits for nothing).",
                78,
            )
        )
    else:
        print("Scenarios that slept more than (calls - 1) s per invocation:")
        for row in loose:
            print(
                f"  {row['scenario']:<{width}}paced {row['virtual_seconds_paced']:.1f} s, "
                f"(calls - 1) s = {row['serial_pacing_of_calls_made']:.1f}"
            )
    errors = [row for row in rows if row["error_answers"]]
    if errors:
        print("Error answers (tolerated by the handler; the event succeeded):")
        for row in errors:
            print(f"  {row['scenario']:<{width}}{', '.join(row['error_answers'])}")
    print()
