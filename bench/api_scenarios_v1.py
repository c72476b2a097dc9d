"""The v1 scenarios of part 3 of the benchmark report (``bench/run.py``): voice sets
(``Custom::SmsVoiceV1ConfigurationSet``, API ``pinpoint-sms-voice``) with the properties of
``tests/handler/test_lifecycle_v1.py``, each with the fewest mutating calls of every event.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import bench_env  # noqa: F401  (the environment first: sys.path for the harness)

# isort: split

from api_scenarios import Scenario
from handler_harness import make_event, with_destination

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
