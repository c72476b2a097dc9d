"""Test harness for the Lambda handler: CloudFormation events, virtual time, a faked service.

``conftest.py`` puts the Lambda asset root and ``tests/`` on ``sys.path`` before this module
is imported, so ``smsvoice_handler`` is the very package Lambda imports.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.stub import Stubber
from smsvoice_handler import dispatch
from smsvoice_handler.calls import RetryPolicy

from cdk_smsvoice.emulator.destination import EventDestination
from cdk_smsvoice.emulator.v2 import V2Service

EVENTS = Path(__file__).parent / "events"
ACCOUNT = "123456789012"
REGION = "us-east-1"
SERVICE = "pinpoint-sms-voice-v2"
RESOURCE_TYPE = "Custom::SmsVoiceV2ConfigurationSet"
OWNER_TAG = "cdk-smsvoice:owner"
PROTECT_A = "protect-0123456789abcdef"
PROTECT_B = "protect-fedcba9876543210"
INVOCATION_GAP = 2.0
"""Virtual seconds between two invocations."""
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"

_TEMPLATES = {
    "Create": "create_configuration_set.json",
    "Update": "update_configuration_set.json",
    "Delete": "delete_configuration_set.json",
}


def load_event(file_name: str) -> dict[str, Any]:
    """A JSON event fixture from ``events/``."""
    with (EVENTS / file_name).open(encoding="utf-8") as handle:
        event: dict[str, Any] = json.load(handle)
    return event


_CREATE = load_event(_TEMPLATES["Create"])
STACK_ID: str = _CREATE["StackId"]
LOGICAL_ID: str = _CREATE["LogicalResourceId"]
SERVICE_TOKEN: str = _CREATE["ServiceToken"]
OWNER = f"{STACK_ID}#{LOGICAL_ID}"
NAME: str = _CREATE["ResourceProperties"]["ConfigurationSetName"]


def properties(**changes: Any) -> dict[str, Any]:
    """The fixture's realistic properties (without ServiceToken), with ``changes`` applied.

    A change to ``None`` removes the property.
    """
    props = copy.deepcopy(_CREATE["ResourceProperties"])
    props.pop("ServiceToken")
    for key, value in changes.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def destinations(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A deep copy of the event destinations of ``props``."""
    return copy.deepcopy(list(props.get("EventDestinations") or []))


def destination(props: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A deep copy of one event destination of ``props``."""
    (found,) = [d for d in destinations(props) if d["EventDestinationName"] == name]
    return found


def with_destination(props: Mapping[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    """``props`` with destination ``name`` changed; a change to None removes the member."""
    new = copy.deepcopy(dict(props))
    for dest in new["EventDestinations"]:
        if dest["EventDestinationName"] == name:
            for key, value in changes.items():
                if value is None:
                    dest.pop(key, None)
                else:
                    dest[key] = value
    return new


def sink_of(props: Mapping[str, Any], name: str) -> dict[str, dict[str, str]]:
    """``{SinkKind: fields}`` of one destination of ``props``."""
    dest = destination(props, name)
    return {k: v for k, v in dest.items() if k.endswith("Destination")}


def make_event(
    request_type: str,
    props: Mapping[str, Any],
    *,
    old: Mapping[str, Any] | None = None,
    physical_id: str | None = None,
    request_id: str | None = None,
    logical_id: str | None = None,
    resource_type: str = RESOURCE_TYPE,
) -> dict[str, Any]:
    """An event as the CDK Provider framework passes it to ``on_event``.

    Properties are sent as given (tests keep every scalar a string, as CloudFormation does).
    For Update and Delete the physical id defaults to the set name.
    """
    event = load_event(_TEMPLATES[request_type])
    event["RequestId"] = request_id or str(uuid.uuid4())
    event["ResourceType"] = resource_type
    if logical_id is not None:
        event["LogicalResourceId"] = logical_id
    event["ResourceProperties"] = {"ServiceToken": SERVICE_TOKEN, **copy.deepcopy(dict(props))}
    if request_type == "Update":
        if old is None:
            raise ValueError("an Update needs old properties")
        event["OldResourceProperties"] = {"ServiceToken": SERVICE_TOKEN, **copy.deepcopy(dict(old))}
    if request_type != "Create":
        event["PhysicalResourceId"] = (
            physical_id if physical_id is not None else props["ConfigurationSetName"]
        )
    return event


@dataclass
class VirtualClock:
    """``monotonic()`` only moves when the handler sleeps; every sleep is recorded."""

    now: float = 1_000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class VirtualContext:
    """A Lambda context whose remaining time runs on the virtual clock."""

    clock: VirtualClock
    ends_at: float

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.ends_at - self.clock.now) * 1000))


_BOTOCORE = botocore.session.get_session()
"""One botocore session for every harness: its loader reads each service model once."""


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        botocore_session=_BOTOCORE,
    )


def _no_network(**_: Any) -> None:
    raise AssertionError("a request escaped the fake and would have hit the network")


class Harness:
    """One account/Region: the fake service, a real boto3 client on it, and virtual time."""

    def __init__(
        self, fake: Any, policy: RetryPolicy | None = None, *, service: str = SERVICE
    ) -> None:
        """``fake`` answers ``service``: a V2Service (the default) or a V1Service."""
        self.fake = fake
        self.service = service
        self.clock = VirtualClock()
        self.policy = policy or RetryPolicy()
        self.timeline: list[tuple[str, float]] = []
        """(operation, virtual time) of every request, in order."""
        self.invocations = 0
        self._invocation_of_call: list[int] = []
        self.client = _session().client(self.service)
        self.client.meta.events.register("before-send", _no_network)
        # Registered first at the fake's own (most specific) level, so it runs before the fake
        # answers: botocore stops at the first handler that returns a response.
        self.client.meta.events.register_first(f"before-call.{self.service}.*", self._record)
        fake.attach(self.client)
        self.last_context: VirtualContext | None = None

    def _record(self, model: Any, **_: Any) -> None:
        self.timeline.append((model.name, self.clock.now))
        self._invocation_of_call.append(self.invocations)

    def _client_factory(self, service: str) -> Any:
        if service == self.service:
            return self.client
        # Any other service gets a client that must never be used.
        other = _session().client(service)
        other.meta.events.register("before-send", _no_network)
        return other

    def run(self, event: Mapping[str, Any], *, timeout: float = 600.0) -> dict[str, Any]:
        """Invoke the handler the way Lambda would, ``timeout`` seconds before it times out."""
        self.invocations += 1
        # CloudFormation takes seconds between requests; without a gap the first call of one
        # invocation would land in the same instant as the last call of the previous one.
        self.clock.now += INVOCATION_GAP
        self.last_context = VirtualContext(self.clock, self.clock.now + timeout)
        return dispatch.handle(
            event,  # type: ignore[arg-type]
            self.last_context,
            client_factory=self._client_factory,
            clock=self.clock,
            policy=self.policy,
        )

    def deploy(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Create the resource, then forget the calls it made."""
        response = self.run(make_event("Create", props))
        self.reset_calls()
        return response

    def reset_calls(self) -> None:
        self.fake.calls.clear()
        self.timeline.clear()
        self._invocation_of_call.clear()
        self.clock.sleeps.clear()

    def calls(self) -> list[str]:
        return self.fake.call_names()

    def times_of(self, operation: str) -> list[float]:
        return [t for op, t in self.timeline if op == operation]

    def assert_paced(self) -> None:
        """No invocation called one operation twice within ``min_interval`` of virtual time.

        (Pacing is per invocation: separate Lambda invocations cannot coordinate.)
        """
        by_op: dict[tuple[int, str], list[float]] = defaultdict(list)
        for (op, at), invocation in zip(self.timeline, self._invocation_of_call, strict=True):
            by_op[(invocation, op)].append(at)
        for op, times in by_op.items():
            gaps = [b - a for a, b in itertools.pairwise(times)]
            too_close = [g for g in gaps if g < self.policy.min_interval - 1e-9]
            assert not too_close, f"{op} called again after {too_close}s: {times}"


def live_destinations(destinations: Iterable[EventDestination]) -> dict[str, Any]:
    """A fake set's destinations as plain data, by name."""
    return {
        d.name: {
            "Enabled": d.enabled,
            "MatchingEventTypes": sorted(d.matching_event_types),
            d.sink_type: dict(d.sink),
        }
        for d in destinations
    }


def live_state(fake: V2Service, name: str) -> dict[str, Any]:
    """The fake's set as plain data, for whole-state comparisons."""
    conf = fake.sets[name]
    return {
        "destinations": live_destinations(conf.event_destinations.values()),
        "DefaultMessageType": conf.default_message_type,
        "DefaultSenderId": conf.default_sender_id,
        "MessageFeedbackEnabled": conf.message_feedback_enabled,
        "ProtectConfigurationId": conf.protect_configuration_id,
        "tags": dict(conf.tags),
    }


def expected_state(props: Mapping[str, Any]) -> dict[str, Any]:
    """What ``live_state`` must be after converging on ``props`` (strings as CFN sends them)."""
    dests = {}
    for d in props.get("EventDestinations") or []:
        sink = {k: v for k, v in d.items() if k.endswith("Destination")}
        dests[d["EventDestinationName"]] = {
            "Enabled": str(d.get("Enabled", "true")).lower() == "true",
            "MatchingEventTypes": sorted(d["MatchingEventTypes"]),
            **sink,
        }
    protect = props.get("ProtectConfigurationId")
    return {
        "destinations": dests,
        "DefaultMessageType": props.get("DefaultMessageType"),
        "DefaultSenderId": props.get("DefaultSenderId"),
        "MessageFeedbackEnabled": str(props.get("MessageFeedbackEnabled", "false")).lower()
        == "true",
        "ProtectConfigurationId": protect.rsplit("/", 1)[-1] if protect else None,
        "tags": {**{t["Key"]: t["Value"] for t in props.get("Tags") or []}, OWNER_TAG: OWNER},
    }


@contextlib.contextmanager
def stubbed_client(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A real client of ``service`` with a ``Stubber`` active; every queued response must be
    used by the end of the block."""
    client = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client(service)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def run_with_client(client: Any, event: Mapping[str, Any]) -> dict[str, Any]:
    """Invoke the handler once with ``client``, on virtual time, 600 s before its timeout."""
    clock = VirtualClock()
    return dispatch.handle(
        event,  # type: ignore[arg-type]
        VirtualContext(clock, clock.now + 600),
        client_factory=lambda _service: client,
        clock=clock,
    )
