"""Hypothesis strategies: custom resource properties in the shape CloudFormation sends them
(every scalar a string), valid for v2 or v1, and near-valid mutations of valid ones.

Valid properties only use protect configurations the test account has, so an accepted Create
can succeed. Each mutation breaks one rule of the schema, and says which.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from handler_harness import ACCOUNT, PROTECT_A, PROTECT_B, REGION
from hypothesis import strategies as st

from cdk_smsvoice.schema.document import load_schema

_DEFS = load_schema()["definitions"]
V2_EVENTS: list[str] = _DEFS["V2EventType"]["enum"]
V1_EVENTS: list[str] = _DEFS["V1EventType"]["enum"]
LIMIT = {"v2": 5, "v1": 10}
PARTITIONS = ["aws", "aws-cn", "aws-us-gov"]
REGIONS = [REGION, "eu-west-1", "ap-southeast-2", "us-gov-west-1"]

_NAME_CHARS = st.sampled_from("ABCXYZabcxyz0189_-")
names = st.text(_NAME_CHARS, min_size=1, max_size=64)
_resource = st.text(st.sampled_from("abcXYZ019_-"), min_size=1, max_size=20)
_account = st.sampled_from([ACCOUNT, "000000000000", "987654321098"])


role_arns = st.builds(
    lambda p, a, path, name: f"arn:{p}:iam::{a}:role/{path}{name}",
    st.sampled_from(PARTITIONS),
    _account,
    st.sampled_from(["", "service-role/", "a/b/"]),
    _resource,
)


def _arn(service: str, resource: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda p, r, a, res: f"arn:{p}:{service}:{r}:{a}:{res}",
        st.sampled_from(PARTITIONS),
        st.sampled_from(REGIONS),
        _account,
        resource,
    )


log_group_arns = _arn(
    "logs",
    st.builds(lambda n, star: f"log-group:/{n}{star}", _resource, st.sampled_from(["", ":*"])),
)
stream_arns = _arn("firehose", _resource.map(lambda n: f"deliverystream/{n}"))
topic_arns = _arn("sns", _resource)
_PROTECT_ARN = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:protect-configuration/"


sinks: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.builds(
        lambda role, group: {
            "CloudWatchLogsDestination": {"IamRoleArn": role, "LogGroupArn": group}
        },
        role_arns,
        log_group_arns,
    ),
    st.builds(
        lambda role, stream: {
            "KinesisFirehoseDestination": {"IamRoleArn": role, "DeliveryStreamArn": stream}
        },
        role_arns,
        stream_arns,
    ),
    st.builds(lambda topic: {"SnsDestination": {"TopicArn": topic}}, topic_arns),
)


def _destination_body(events: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda types, sink, enabled: {
            "MatchingEventTypes": types,
            **sink,
            **({} if enabled is None else {"Enabled": enabled}),
        },
        st.lists(st.sampled_from(events), min_size=1, unique=True),
        sinks,
        st.sampled_from([None, "true", "false"]),
    )


_BODIES = {"v2": _destination_body(V2_EVENTS), "v1": _destination_body(V1_EVENTS)}
_DESTINATION_LISTS = {
    generation: st.lists(
        st.tuples(names, body), max_size=LIMIT[generation], unique_by=lambda t: t[0]
    ).map(lambda pairs: [{"EventDestinationName": n, **b} for n, b in pairs])
    for generation, body in _BODIES.items()
}


def destinations(generation: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    """One valid destination called ``name``."""
    return _BODIES[generation].map(lambda body: {"EventDestinationName": name, **body})


@st.composite
def valid_properties(draw: st.DrawFn, generation: str) -> dict[str, Any]:
    dests = draw(_DESTINATION_LISTS[generation])
    props: dict[str, Any] = {"SchemaVersion": "1", "ConfigurationSetName": draw(names)}
    if dests or draw(st.booleans()):
        props["EventDestinations"] = dests
    if generation == "v1":
        return props
    for key, strategy in _V2_SETTINGS.items():
        if draw(st.booleans()):
            props[key] = draw(strategy)
    return props


_V2_SETTINGS: dict[str, st.SearchStrategy[Any]] = {
    "DefaultMessageType": st.sampled_from(["TRANSACTIONAL", "PROMOTIONAL"]),
    "DefaultSenderId": st.text(_NAME_CHARS, min_size=1, max_size=11),
    "MessageFeedbackEnabled": st.sampled_from(["true", "false"]),
    "ProtectConfigurationId": st.sampled_from(
        [PROTECT_A, PROTECT_B, _PROTECT_ARN + PROTECT_A, _PROTECT_ARN + PROTECT_B]
    ),
    "Tags": st.lists(
        st.builds(
            lambda k, v: {"Key": k, "Value": v},
            st.text(st.sampled_from("abc:XYZ 09._-"), min_size=1, max_size=128).filter(
                lambda k: not k.startswith(("aws:", "cdk-smsvoice:"))
            ),
            st.text(st.characters(exclude_characters="\n"), max_size=256),
        ),
        max_size=8,
        unique_by=lambda t: t["Key"],
    ),
}


# ----------------------------------------------------------------------------- mutations

Mutation = Callable[[dict[str, Any], st.DrawFn, str], None]


def _dest(props: dict[str, Any], draw: st.DrawFn, generation: str) -> dict[str, Any]:
    """A destination of ``props`` to break (one is added if there is none)."""
    dests = props.setdefault("EventDestinations", [])
    if not dests:
        dests.append(draw(destinations(generation, "only")))
    return dests[draw(st.integers(0, len(dests) - 1))]  # type: ignore[no-any-return]


def _sink(dest: dict[str, Any]) -> dict[str, Any]:
    return next(v for k, v in dest.items() if k.endswith("Destination"))  # type: ignore[no-any-return]


def _over_the_limit(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    limit = LIMIT[generation]
    props["EventDestinations"] = [draw(destinations(generation, f"d{i}")) for i in range(limit + 1)]


def _duplicate_names(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    dest = _dest(props, draw, generation)
    props["EventDestinations"].append(draw(destinations(generation, dest["EventDestinationName"])))


def _no_sink(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    dest = _dest(props, draw, generation)
    for key in [k for k in dest if k.endswith("Destination")]:
        del dest[key]


def _two_sinks(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    dest = _dest(props, draw, generation)
    kinds = {"CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination"}
    while len([k for k in dest if k in kinds]) < 2:
        dest.update(draw(sinks))


def _text_sent(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    _dest(props, draw, generation)["MatchingEventTypes"].append("TEXT_SENT")


def _unknown_event(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    unknown = draw(st.sampled_from(["UNKNOWN_EVENT", "all", "", "TEXT_DELIVERED "]))
    _dest(props, draw, generation)["MatchingEventTypes"].append(unknown)


def _other_generations_event(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    other = V1_EVENTS if generation == "v2" else V2_EVENTS
    _dest(props, draw, generation)["MatchingEventTypes"].append(draw(st.sampled_from(other)))


def _bad_name(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    bad = draw(st.sampled_from(["", "a" * 65, "name\n", "with space", "dot.ted", "ümlaut"]))
    if draw(st.booleans()):
        props["ConfigurationSetName"] = bad
    else:
        _dest(props, draw, generation)["EventDestinationName"] = bad


def _empty_segment(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    if generation == "v2" and draw(st.booleans()):
        props["ProtectConfigurationId"] = draw(
            st.sampled_from(
                [
                    PROTECT_A + "/",
                    _PROTECT_ARN,
                    "",
                    "/",
                    f"arn:aws:sms-voice:{REGION}::protect-configuration/{PROTECT_A}",
                    f"arn:aws:sms-voice::{ACCOUNT}:protect-configuration/{PROTECT_A}",
                ]
            )
        )
        return
    sink = _sink(_dest(props, draw, generation))
    key = draw(st.sampled_from(sorted(sink)))
    value: str = sink[key]
    sink[key] = draw(st.sampled_from(_emptied_segments(value)).filter(lambda v: v != value))


def _emptied_segments(arn: str) -> list[str]:
    """``arn`` with one segment emptied: the resource name, the account, the partition, the
    region; or cut to ``arn:``."""
    if ":log-group:" in arn:
        nameless = arn[: arn.index(":log-group:") + len(":log-group:")]
    elif "/" in arn:
        nameless = arn.rsplit("/", 1)[0] + "/"
    else:
        nameless = arn.rsplit(":", 1)[0] + ":"
    return [
        nameless,
        re.sub(r":[0-9]{12}:", "::", arn, count=1),
        re.sub(r"^arn:[^:]+:", "arn::", arn),
        re.sub(r"^(arn:[^:]*:[^:]*:)[^:]+:", r"\1:", arn),
        arn + " ",
        "arn:",
    ]


def _wrong_type(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        _dest(props, draw, generation)["Enabled"] = draw(st.sampled_from([1, 0, 1.0, None, []]))
    elif choice == 1:
        _dest(props, draw, generation)["MatchingEventTypes"] = "ALL"
    elif choice == 2:
        props["EventDestinations"] = {"0": draw(destinations(generation, "x"))}
    elif choice == 3:
        props["ConfigurationSetName"] = draw(st.sampled_from([5, True, ["a"], {"a": 1}]))
    elif choice == 4:
        sink = _sink(_dest(props, draw, generation))
        sink[draw(st.sampled_from(sorted(sink)))] = draw(st.sampled_from([1, [], {}]))
    else:
        props["SchemaVersion"] = draw(st.sampled_from([True, "2", 2, 1.5, ""]))


def _extra_key(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    where = draw(st.integers(0, 2))
    target = props
    if where == 1:
        target = _dest(props, draw, generation)
    elif where == 2:
        target = _sink(_dest(props, draw, generation))
    target[draw(st.sampled_from(["Extra", "enabled", "Name", "Tags "]))] = "x"


def _missing_key(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    where = draw(st.integers(0, 2))
    if where == 0:
        del props["ConfigurationSetName"]
        return
    dest = _dest(props, draw, generation)
    if where == 1:
        del dest[draw(st.sampled_from(["EventDestinationName", "MatchingEventTypes"]))]
    else:
        sink = _sink(dest)
        del sink[draw(st.sampled_from(sorted(sink)))]


def _bad_boolean(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    bad = draw(st.sampled_from(["yes", "no", "True", "FALSE", "1", "0", ""]))
    if generation == "v2" and draw(st.booleans()):
        props["MessageFeedbackEnabled"] = bad
    else:
        _dest(props, draw, generation)["Enabled"] = bad


def _v2_only_setting(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    if generation == "v2":
        props["DefaultMessageType"] = draw(st.sampled_from(["", "transactional", "OTHER", 1]))
    else:
        key = draw(st.sampled_from(["DefaultMessageType", "Tags", "ProtectConfigurationId"]))
        props[key] = {"DefaultMessageType": "TRANSACTIONAL", "Tags": []}.get(key, PROTECT_A)


def _empty_events(props: dict[str, Any], draw: st.DrawFn, generation: str) -> None:
    dest = _dest(props, draw, generation)
    if draw(st.booleans()):
        dest["MatchingEventTypes"] = []
    else:
        dest["MatchingEventTypes"] = dest["MatchingEventTypes"] * 2


MUTATIONS: dict[str, Mutation] = {
    "over the destination limit": _over_the_limit,
    "duplicate destination names": _duplicate_names,
    "zero sinks": _no_sink,
    "two sinks": _two_sinks,
    "TEXT_SENT": _text_sent,
    "unknown event type": _unknown_event,
    "the other generation's event type": _other_generations_event,
    "bad name (empty, 65 long, trailing newline, ...)": _bad_name,
    "id or ARN with an empty segment": _empty_segment,
    "wrong type": _wrong_type,
    "extra key": _extra_key,
    "missing key": _missing_key,
    "boolean such as 'yes'": _bad_boolean,
    "bad or foreign setting": _v2_only_setting,
    "no or repeated event types": _empty_events,
}


@st.composite
def mutated_properties(draw: st.DrawFn, generation: str, what: str | None = None) -> dict[str, Any]:
    """Valid properties with one rule broken: the mutation ``what``, or any."""
    props = copy.deepcopy(draw(valid_properties(generation)))
    MUTATIONS[what or draw(st.sampled_from(sorted(MUTATIONS)))](props, draw, generation)
    return props
