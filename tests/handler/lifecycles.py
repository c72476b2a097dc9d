"""Lifecycles of both API generations as CloudFormation plays them, for the fault sweep.

A lifecycle is a list of steps, each an event and the reaction CloudFormation sends when that
event fails (the Delete with the Provider framework's failed-Create marker, the Update with old
and new swapped, or nothing for a Delete). ``Account`` puts a fresh emulated service behind the
real handler on virtual time, with an unrelated set that must never change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handler_harness import (
    ACCOUNT,
    CREATE_FAILED_MARKER,
    OWNER,
    OWNER_TAG,
    PROTECT_A,
    PROTECT_B,
    REGION,
    Harness,
    live_destinations,
    make_event,
)

from cdk_smsvoice.emulator.v1 import V1Service
from cdk_smsvoice.emulator.v2 import V2Service

V2_TYPE = "Custom::SmsVoiceV2ConfigurationSet"
V1_TYPE = "Custom::SmsVoiceV1ConfigurationSet"
BYSTANDER = "someone-elses-set"
"""A set made out of band, before the lifecycle: no event may touch it."""
PROTECT_A_ARN = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:protect-configuration/{PROTECT_A}"
_ARN = "arn:aws:{}:" + REGION + ":" + ACCOUNT + ":{}"
_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/{}"


def logs(name: str, events: list[str], enabled: str = "true") -> dict[str, Any]:
    return {
        "EventDestinationName": name,
        "Enabled": enabled,
        "MatchingEventTypes": events,
        "CloudWatchLogsDestination": {
            "IamRoleArn": _ROLE.format(f"{name}-logs"),
            "LogGroupArn": _ARN.format("logs", f"log-group:/sms/{name}"),
        },
    }


def topic(name: str, events: list[str], enabled: str = "true") -> dict[str, Any]:
    return {
        "EventDestinationName": name,
        "Enabled": enabled,
        "MatchingEventTypes": events,
        "SnsDestination": {"TopicArn": _ARN.format("sns", f"{name}-topic")},
    }


def stream(name: str, events: list[str], enabled: str = "true") -> dict[str, Any]:
    return {
        "EventDestinationName": name,
        "Enabled": enabled,
        "MatchingEventTypes": events,
        "KinesisFirehoseDestination": {
            "IamRoleArn": _ROLE.format("path/to/" + name),
            "DeliveryStreamArn": _ARN.format("firehose", f"deliverystream/{name}"),
        },
    }


# ------------------------------------------------------------------------- v2 properties

V2_BASE: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "alerts",
    "EventDestinations": [
        logs("gone", ["ALL"]),
        topic("changed", ["TEXT_DELIVERED"]),
        topic("resunk", ["TEXT_ALL"]),
    ],
    "DefaultMessageType": "TRANSACTIONAL",
    "DefaultSenderId": "Brand",
    "MessageFeedbackEnabled": "true",
    "ProtectConfigurationId": PROTECT_A,
    "Tags": [{"Key": "team", "Value": "sms"}, {"Key": "drop", "Value": "me"}],
}
V2_FULL: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "alerts",
    "EventDestinations": [
        logs("a", ["ALL"]),
        topic("b", ["TEXT_DELIVERED", "TEXT_BLOCKED"], enabled="false"),
        stream("c", ["VOICE_ALL", "MEDIA_ALL"]),
        topic("d", ["RCS_ALL"]),
        logs("e", ["TEXT_SPAM"], enabled="false"),
    ],
    "DefaultMessageType": "PROMOTIONAL",
    "DefaultSenderId": "Brand",
    "MessageFeedbackEnabled": "true",
    "ProtectConfigurationId": PROTECT_A_ARN,
    "Tags": [{"Key": "team", "Value": "sms"}],
}
V2_UPDATED: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "alerts",
    "EventDestinations": [
        topic("changed", ["TEXT_DELIVERED", "TEXT_SPAM"], enabled="false"),
        stream("resunk", ["TEXT_ALL"]),
        logs("added", ["VOICE_ALL"]),
        topic("added2", ["MEDIA_ALL"], enabled="false"),
    ],
    "DefaultMessageType": "PROMOTIONAL",
    "MessageFeedbackEnabled": "false",
    "ProtectConfigurationId": PROTECT_B,
    "Tags": [{"Key": "team", "Value": "voice"}, {"Key": "new", "Value": "1"}],
}
V2_UNSET: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "alerts",
    "EventDestinations": V2_BASE["EventDestinations"],
}


def renamed(props: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {**copy.deepcopy(dict(props)), "ConfigurationSetName": name}


# ------------------------------------------------------------------------- v1 properties

_V1_EVENTS = ["INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL", "BUSY", "FAILED"]
V1_BASE: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "calls",
    "EventDestinations": [
        logs("gone", ["BUSY"]),
        topic("changed", ["ANSWERED"]),
        topic("resunk", ["FAILED", "NO_ANSWER"]),
    ],
}
V1_FULL: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "calls",
    "EventDestinations": [
        [logs, topic, stream][i % 3](
            f"dest-{i}", _V1_EVENTS[: 1 + i % 6], enabled="false" if i % 4 == 1 else "true"
        )
        for i in range(10)
    ],
}
V1_UPDATED: dict[str, Any] = {
    "SchemaVersion": "1",
    "ConfigurationSetName": "calls",
    "EventDestinations": [
        topic("changed", ["ANSWERED", "BUSY"], enabled="false"),
        stream("resunk", ["FAILED", "NO_ANSWER"]),
        logs("added", ["RINGING"]),
    ],
}


# ------------------------------------------------------------------------------- account


@dataclass
class Account:
    """One account/Region of one generation: the service, the real handler, virtual time."""

    generation: str
    honour_client_tokens: bool = True
    """False: the handler's ClientToken is dropped, so botocore fills in a random one on each
    attempt, as if the API ignored tokens: a retry after a lost answer then meets "already
    exists" (as v1 always does)."""
    harness: Harness = field(init=False)

    def __post_init__(self) -> None:
        if self.generation == "v2":
            fake: Any = V2Service(
                account=ACCOUNT,
                region=REGION,
                protect_configuration_ids=(PROTECT_A, PROTECT_B),
                tps=1.0,
            )
            self.harness = Harness(fake)
            fake.add_set(BYSTANDER, tags={"owner": "another-team"})
        else:
            fake = V1Service(tps=1.0, rate_scope="account")
            self.harness = Harness(fake, service="pinpoint-sms-voice")
            fake.add_set(BYSTANDER)
        fake.clock = self.harness.clock.monotonic
        if not self.honour_client_tokens:
            self.harness.client.meta.events.register(
                "before-parameter-build.pinpoint-sms-voice-v2", _drop_client_token
            )
        fake.add_destination(
            BYSTANDER, "theirs", {"SnsDestination": {"TopicArn": _ARN.format("sns", "theirs")}}
        )

    @property
    def fake(self) -> Any:
        return self.harness.fake

    @property
    def resource_type(self) -> str:
        return V2_TYPE if self.generation == "v2" else V1_TYPE

    def event(self, request_type: str, props: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        return make_event(request_type, props, resource_type=self.resource_type, **kwargs)

    def sets(self) -> dict[str, str]:
        """Every set as canonical JSON: destinations sorted by name (AWS keeps no order), the
        unrelated set byte for byte as stored.
        """
        result = {}
        for entry in self.fake.to_state()["sets"]:
            if entry["name"] != BYSTANDER:
                entry = {
                    **entry,
                    "event_destinations": sorted(
                        entry["event_destinations"], key=lambda d: d["name"]
                    ),
                }
            result[entry["name"]] = json.dumps(entry, sort_keys=True)
        return result

    def live(self, name: str) -> dict[str, Any]:
        """The set ``name`` in the terms of :func:`declared`."""
        conf = self.fake.sets[name]
        state: dict[str, Any] = {
            "destinations": live_destinations(conf.event_destinations.values())
        }
        if self.generation == "v2":
            state.update(
                DefaultMessageType=conf.default_message_type,
                DefaultSenderId=conf.default_sender_id,
                MessageFeedbackEnabled=conf.message_feedback_enabled,
                ProtectConfigurationId=conf.protect_configuration_id,
                Tags=dict(conf.tags),
            )
        return state

    def declared(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """What :meth:`live` must show once the set converged on ``props``."""
        state: dict[str, Any] = {
            "destinations": {
                d["EventDestinationName"]: {
                    "Enabled": str(d.get("Enabled", "true")).lower() == "true",
                    "MatchingEventTypes": sorted(d["MatchingEventTypes"]),
                    **{k: v for k, v in d.items() if k.endswith("Destination")},
                }
                for d in props.get("EventDestinations") or []
            }
        }
        if self.generation == "v2":
            protect = props.get("ProtectConfigurationId")
            state.update(
                DefaultMessageType=props.get("DefaultMessageType"),
                DefaultSenderId=props.get("DefaultSenderId"),
                MessageFeedbackEnabled=str(props.get("MessageFeedbackEnabled")).lower() == "true",
                ProtectConfigurationId=protect.rsplit("/", 1)[-1] if protect else None,
                Tags={**{t["Key"]: t["Value"] for t in props.get("Tags") or []}, OWNER_TAG: OWNER},
            )
        return state


def _drop_client_token(params: dict[str, Any], **_: Any) -> None:
    params.pop("ClientToken", None)


# ----------------------------------------------------------------------------- lifecycles


@dataclass(frozen=True)
class Step:
    """One event, and what CloudFormation sends when it fails."""

    event: dict[str, Any]
    reaction: dict[str, Any] | None


@dataclass(frozen=True)
class Lifecycle:
    """Steps to play after ``setup``; on success the set ``final_name`` holds ``final``
    (None: no set of ours is left)."""

    name: str
    setup: list[dict[str, Any]]
    steps: list[Step]
    final_name: str
    final: dict[str, Any] | None


def create(account: Account, props: dict[str, Any]) -> Step:
    return Step(
        account.event("Create", props),
        account.event("Delete", props, physical_id=CREATE_FAILED_MARKER),
    )


def update(account: Account, old: dict[str, Any], new: dict[str, Any]) -> Step:
    physical = old["ConfigurationSetName"]
    return Step(
        account.event("Update", new, old=old, physical_id=physical),
        account.event("Update", old, old=new, physical_id=physical),
    )


def delete(account: Account, props: dict[str, Any]) -> Step:
    return Step(account.event("Delete", props), None)


def _lifecycles_v2(account: Account) -> dict[str, Lifecycle]:
    base, full, updated = V2_BASE, V2_FULL, V2_UPDATED
    new_name = renamed(base, "alerts-v2")
    return {
        "create-at-the-limit-with-every-setting": Lifecycle(
            "create", [], [create(account, full)], "alerts", full
        ),
        "update-adds-changes-removes-resinks-and-resets": Lifecycle(
            "update",
            [account.event("Create", base)],
            [update(account, base, updated)],
            "alerts",
            updated,
        ),
        "update-unsets-every-setting": Lifecycle(
            "unset",
            [account.event("Create", base)],
            [update(account, base, V2_UNSET)],
            "alerts",
            V2_UNSET,
        ),
        "rename-then-cleanup-delete": Lifecycle(
            "rename",
            [account.event("Create", base)],
            [update(account, base, new_name), delete(account, base)],
            "alerts-v2",
            new_name,
        ),
        "delete": Lifecycle(
            "delete", [account.event("Create", full)], [delete(account, full)], "alerts", None
        ),
    }


def _lifecycles_v1(account: Account) -> dict[str, Lifecycle]:
    base, full, updated = V1_BASE, V1_FULL, V1_UPDATED
    new_name = renamed(base, "calls-v2")
    return {
        "create-at-the-limit": Lifecycle("create", [], [create(account, full)], "calls", full),
        "update-adds-changes-removes-resinks": Lifecycle(
            "update",
            [account.event("Create", base)],
            [update(account, base, updated)],
            "calls",
            updated,
        ),
        "rename-then-cleanup-delete": Lifecycle(
            "rename",
            [account.event("Create", base)],
            [update(account, base, new_name), delete(account, base)],
            "calls-v2",
            new_name,
        ),
        "delete": Lifecycle(
            "delete", [account.event("Create", full)], [delete(account, full)], "calls", None
        ),
    }


LIFECYCLES: dict[str, Callable[[Account], dict[str, Lifecycle]]] = {
    "v2": _lifecycles_v2,
    "v1": _lifecycles_v1,
}
CASES = [
    ("v2", "create-at-the-limit-with-every-setting"),
    ("v2", "update-adds-changes-removes-resinks-and-resets"),
    ("v2", "update-unsets-every-setting"),
    ("v2", "rename-then-cleanup-delete"),
    ("v2", "delete"),
    ("v1", "create-at-the-limit"),
    ("v1", "update-adds-changes-removes-resinks"),
    ("v1", "rename-then-cleanup-delete"),
    ("v1", "delete"),
]
"""Every lifecycle, by generation and name (as LIFECYCLES names them)."""
