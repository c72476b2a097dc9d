"""Part 1 of the benchmark report (``bench/run.py``), synthesis: ours against the native L1.

Our ``cdk_smsvoice.ConfigurationSet`` and the L1 ``aws_smsvoice.CfnConfigurationSet`` with
hand-written IAM (both built by ``bench/synth_apps.py``) are synthesized into temporary
directories, interleaved, ``--runs`` times each after one uncounted warm-up of each kind; then
synth time, resources, template bytes, assets and the marginal cost per additional set are
compared as ratios. A v1 ``VoiceConfigurationSet`` is shown next to ours v2, without a ratio.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_env  # noqa: F401  (the environment first: aws_cdk starts Node.js on import)

# isort: split

from ratios import fmt_ratio, ratio
from synth_apps import Builder, add_native, add_ours, add_voice, new_stack

MANY_SETS = 10
"""The marginal cost per set is measured between a stack of 1 set and one of this many."""


@dataclass(frozen=True)
class SynthSample:
    """One synthesis of one app."""

    seconds: float
    resources: Counter[str]
    template_bytes: int
    asset_files: int
    asset_bytes: int


def synth_once(build: Builder | None, sets: int) -> SynthSample:
    """Build and synthesize a fresh app into a temporary directory (nothing is left behind)."""
    with tempfile.TemporaryDirectory(prefix="cdk-smsvoice-bench-") as outdir:
        start = time.perf_counter()
        app, stack, sinks = new_stack(outdir)
        if build is not None:
            for index in range(sets):
                build(stack, sinks, index)
        assembly = app.synth()
        seconds = time.perf_counter() - start
        template_path = Path(assembly.get_stack_artifact(stack.artifact_id).template_full_path)
        template: dict[str, Any] = json.loads(template_path.read_text(encoding="utf-8"))
        resources = Counter(
            str(r["Type"])
            for r in template.get("Resources", {}).values()
            if r["Type"] != "AWS::CDK::Metadata"
        )
        asset_paths = list(Path(outdir).glob("asset.*"))
        asset_files = [f for p in asset_paths for f in ([p] if p.is_file() else p.rglob("*"))]
        return SynthSample(
            seconds=seconds,
            resources=resources,
            template_bytes=template_path.stat().st_size,
            asset_files=len(asset_paths),
            asset_bytes=sum(f.stat().st_size for f in asset_files if f.is_file()),
        )


@dataclass
class Variant:
    """One app shape, synthesized ``runs`` times."""

    label: str
    build: Builder | None
    sets: int
    samples: list[SynthSample] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def last(self) -> SynthSample:
        return self.samples[-1]

    @property
    def resource_count(self) -> int:
        return sum(self.last.resources.values())

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "sets": self.sets,
            "synth_seconds_median": round(self.seconds, 4),
            "synth_seconds_all": [round(s.seconds, 4) for s in self.samples],
            "resources": self.resource_count,
            "resource_types": dict(sorted(self.last.resources.items())),
            "template_bytes": self.last.template_bytes,
            "asset_count": self.last.asset_files,
            "asset_bytes": self.last.asset_bytes,
        }


def run_synth(runs: int) -> dict[str, Any]:
    variants = {
        "sinks": Variant("sinks only (no set)", None, 0),
        "ours_1": Variant("ours, 1 set", add_ours, 1),
        "l1_1": Variant("L1, 1 set", add_native, 1),
        "ours_n": Variant(f"ours, {MANY_SETS} sets", add_ours, MANY_SETS),
        "l1_n": Variant(f"L1, {MANY_SETS} sets", add_native, MANY_SETS),
        "v1_1": Variant("ours v1 (VoiceConfigurationSet), 1 set", add_voice, 1),
    }
    # A first synthesis of each kind warms jsii and the Node.js process up; not counted.
    warm_up = [synth_once(build, 1).seconds for build in (add_native, add_ours, add_voice)]
    # Interleaved, so that a slow spell of a shared machine spreads over every variant.
    for run in range(runs):
        for variant in variants.values():
            print(f"  synth {run + 1}/{runs}: {variant.label}", file=sys.stderr, flush=True)
            variant.samples.append(synth_once(variant.build, variant.sets))

    sinks, o1, l1, on, ln = (variants[k] for k in ("sinks", "ours_1", "l1_1", "ours_n", "l1_n"))
    extra = MANY_SETS - 1

    def per_set(many: Variant, one: Variant) -> dict[str, float]:
        return {
            "resources": (many.resource_count - one.resource_count) / extra,
            "template_bytes": (many.last.template_bytes - one.last.template_bytes) / extra,
            "synth_seconds": (many.seconds - one.seconds) / extra,
        }

    marginal_ours, marginal_l1 = per_set(on, o1), per_set(ln, l1)
    fixed = o1.last.resources - l1.last.resources
    fewer = l1.last.resources - o1.last.resources
    v1 = variants["v1_1"]
    return {
        "runs": runs,
        "warm_up_seconds": {
            "l1": round(warm_up[0], 3),
            "ours": round(warm_up[1], 3),
            "ours_v1": round(warm_up[2], 3),
        },
        "variants": {k: v.summary() for k, v in variants.items()},
        "ratios": {
            f"{n}_set{'s' if n > 1 else ''}": {
                "synth_seconds": ratio(ours.seconds, l1v.seconds),
                "resources": ratio(ours.resource_count, l1v.resource_count),
                "template_bytes": ratio(ours.last.template_bytes, l1v.last.template_bytes),
                "resources_excluding_sinks": ratio(
                    ours.resource_count - sinks.resource_count,
                    l1v.resource_count - sinks.resource_count,
                ),
            }
            for n, ours, l1v in ((1, o1, l1), (MANY_SETS, on, ln))
        },
        "marginal_per_additional_set": {
            "ours": marginal_ours,
            "l1": marginal_l1,
            "ratio": {k: ratio(marginal_ours[k], marginal_l1[k]) for k in marginal_ours},
        },
        "fixed_overhead_of_ours": {
            "resources_added": dict(sorted(fixed.items())),
            "resources_removed": dict(sorted(fewer.items())),
        },
        # No ratio for v1: there is no native L1 for v1 sets, so nothing to divide by.
        "v1_against_ours_v2_1_set": {
            "note": "no L1 exists for v1 configuration sets; ours v2 (1 set) shown for scale",
            "resources_added": dict(sorted((v1.last.resources - o1.last.resources).items())),
            "resources_removed": dict(sorted((o1.last.resources - v1.last.resources).items())),
        },
    }


def print_synth(result: Mapping[str, Any]) -> None:
    v = result["variants"]
    r = result["ratios"]
    m = result["marginal_per_additional_set"]
    runs = result["runs"]
    print()
    print("=" * 78)
    print("1. Synthesis: cdk_smsvoice.ConfigurationSet (ours) vs aws_smsvoice.CfnConfigurationSet")
    print("   (L1 with hand-written IAM). Each set: 3 destinations (SNS, Logs, Firehose), feedback")
    warm = result["warm_up_seconds"]
    print(f"   on, 1 tag. Time: median of {runs} fresh App() builds + synths, interleaved, after")
    cold = (
        f"cold: L1 {warm['l1']:.2f} s, then ours {warm['ours']:.2f} s, "
        f"ours v1 {warm['ours_v1']:.2f} s"
    )
    print("   one uncounted warm-up of each")
    print(f"   ({cold}).")
    print("=" * 78)
    header = f"{'stack':<22}{'metric':<20}{'ours':>12}{'L1':>12}{'ours/L1':>10}"
    print(header)
    print("-" * len(header))
    for n, key in ((1, "1_set"), (MANY_SETS, f"{MANY_SETS}_sets")):
        ours = v["ours_1" if n == 1 else "ours_n"]
        l1 = v["l1_1" if n == 1 else "l1_n"]
        label = f"{n} set{'s' if n > 1 else ''} x 3 dest."
        rows: list[tuple[str, str, str, float | None]] = [
            (
                "synth time (ms)",
                f"{ours['synth_seconds_median'] * 1000:.0f}",
                f"{l1['synth_seconds_median'] * 1000:.0f}",
                r[key]["synth_seconds"],
            ),
            ("resources", str(ours["resources"]), str(l1["resources"]), r[key]["resources"]),
            (
                "  without sinks",
                str(ours["resources"] - v["sinks"]["resources"]),
                str(l1["resources"] - v["sinks"]["resources"]),
                r[key]["resources_excluding_sinks"],
            ),
            (
                "template bytes",
                str(ours["template_bytes"]),
                str(l1["template_bytes"]),
                r[key]["template_bytes"],
            ),
            (
                "assets (files)",
                f"{ours['asset_count']} ({ours['asset_bytes'] // 1024} KiB)",
                f"{l1['asset_count']} ({l1['asset_bytes'] // 1024} KiB)",
                None,
            ),
        ]
        for i, (metric, a, b, q) in enumerate(rows):
            shown = "" if metric.startswith("assets") else fmt_ratio(q)
            print(f"{label if i == 0 else '':<22}{metric:<20}{a:>12}{b:>12}{shown:>10}")
        print()
    sinks = v["sinks"]
    print(
        f"Sinks alone (bucket, stream, topic, log group; in every stack): "
        f"{sinks['resources']} resources, {sinks['synth_seconds_median'] * 1000:.0f} ms"
    )
    print()
    print(f"Marginal cost of each additional set ({MANY_SETS} sets vs 1):")
    print(f"  {'per set':<20}{'ours':>12}{'L1':>12}{'ours/L1':>10}")
    for key, unit in (
        ("resources", "resources"),
        ("template_bytes", "template bytes"),
        ("synth_seconds", "synth time (ms)"),
    ):
        scale = 1000 if key == "synth_seconds" else 1
        a, b = m["ours"][key] * scale, m["l1"][key] * scale
        digits = 1
        print(f"  {unit:<20}{a:>12.{digits}f}{b:>12.{digits}f}{fmt_ratio(m['ratio'][key]):>10}")
    fixed = result["fixed_overhead_of_ours"]
    print()
    print("Ours minus L1, 1 set (the shared provider, paid once per stack):")
    print_type_diff(fixed["resources_added"], fixed["resources_removed"])
    print_synth_v1(result)


def print_type_diff(added: Mapping[str, int], removed: Mapping[str, int]) -> None:
    for sign, counts in (("+", added), ("-", removed)):
        text = ", ".join(f"{t} x{n}" for t, n in counts.items())
        print(
            textwrap.fill(
                text or "nothing", 78, initial_indent=f"  {sign} ", subsequent_indent="    "
            )
        )


def print_synth_v1(result: Mapping[str, Any]) -> None:
    """The v1 set next to ours v2: no L1 exists for v1, so there is no ratio to show."""
    v = result["variants"]
    v1, v2, sinks = v["v1_1"], v["ours_1"], v["sinks"]
    print()
    print("v1 voice set: cdk_smsvoice.VoiceConfigurationSet, 3 destinations (SNS, Logs,")
    print("Firehose) on the same sinks, no tag (v1 has none), no setting (v1 has none).")
    print("NO L1 TO COMPARE WITH: CloudFormation has no resource type for v1 sets. Shown")
    print("next to ours v2 (1 set, above) for scale only; no ratio is meaningful.")
    header = f"  {'1 set x 3 dest.':<20}{'ours v1':>14}{'ours v2':>14}"
    print(header)
    rows = [
        (
            "synth time (ms)",
            f"{v1['synth_seconds_median'] * 1000:.0f}",
            f"{v2['synth_seconds_median'] * 1000:.0f}",
        ),
        ("resources", str(v1["resources"]), str(v2["resources"])),
        (
            "  without sinks",
            str(v1["resources"] - sinks["resources"]),
            str(v2["resources"] - sinks["resources"]),
        ),
        ("template bytes", str(v1["template_bytes"]), str(v2["template_bytes"])),
        (
            "assets (files)",
            f"{v1['asset_count']} ({v1['asset_bytes'] // 1024} KiB)",
            f"{v2['asset_count']} ({v2['asset_bytes'] // 1024} KiB)",
        ),
    ]
    for metric, a, b in rows:
        print(f"  {metric:<20}{a:>14}{b:>14}")
    diff = result["v1_against_ours_v2_1_set"]
    print("Ours v1 minus ours v2, 1 set:")
    print_type_diff(diff["resources_added"], diff["resources_removed"])
