"""The v2 scenarios of part 2 of the benchmark report (``bench/run.py``), and the
``Scenario`` type that the v1 scenarios (``bench/api_scenarios_v1.py``) share.

Each scenario is a lifecycle step driven through CloudFormation events, with the fewest
mutating calls it needs and the reasoning behind that minimum, which the report prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import bench_env  # noqa: F401  (the environment first: sys.path for the harness)

# isort: split

from handler_harness import NAME, make_event, properties, with_destination

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
