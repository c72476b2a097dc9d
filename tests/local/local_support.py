"""Support for the local deploy tests (conftest.py registers the fixtures): hand-written
assemblies with a scripted handler (fast, exact), and synthesized ones (slow: once per session)."""

import copy
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnOutput, Stack
from aws_cdk import aws_sns as sns

from cdk_smsvoice import ConfigurationSet, EventDestination
from cdk_smsvoice.local.assembly import StackArtifact, read_assembly
from cdk_smsvoice.local.engine import Deployer
from cdk_smsvoice.local.invoke import HandlerError, HandlerFunction
from cdk_smsvoice.local.report import Progress
from cdk_smsvoice.local.state import StateStore
from stacks.reference_stack import ReferenceStack

V2 = "Custom::SmsVoiceV2ConfigurationSet"
V1 = "Custom::SmsVoiceV1ConfigurationSet"
TOPIC = "arn:aws:sns:us-east-1:123456789012:events"


def set_properties(name: str, events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """Template properties of a set with one SNS destination (ServiceToken added later)."""
    return {
        "SchemaVersion": "1",
        "ConfigurationSetName": name,
        "EventDestinations": [
            {
                "EventDestinationName": "Topic",
                "Enabled": True,
                "MatchingEventTypes": events or ["ALL"],
                "SnsDestination": {"TopicArn": TOPIC},
            }
        ],
        **extra,
    }


def hand_template(sets: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A template like the provider's: the framework function relays to the Python handler.

    ``sets`` maps logical ids to resource fragments: ``Properties`` (without ServiceToken) and,
    optionally, ``Type``, ``DeletionPolicy``, ``UpdateReplacePolicy``, ``DependsOn``.
    """
    resources: dict[str, Any] = {
        "Handler": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Runtime": "python3.14", "Handler": "index.on_event", "Timeout": 60},
            "Metadata": {"aws:asset:path": "asset.handler"},
        },
        "Framework": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "nodejs22.x",
                "Handler": "framework.onEvent",
                "Environment": {
                    "Variables": {"USER_ON_EVENT_FUNCTION_ARN": {"Fn::GetAtt": ["Handler", "Arn"]}}
                },
            },
        },
    }
    for lid, fragment in sets.items():
        resource = {"Type": V2, **copy.deepcopy(dict(fragment))}
        resource["Properties"] = {
            "ServiceToken": {"Fn::GetAtt": ["Framework", "Arn"]},
            **resource["Properties"],
        }
        resources[lid] = resource
    return {"Resources": resources}


def write_assembly(
    directory: Path,
    templates: Mapping[str, Mapping[str, Any]],
    dependencies: Mapping[str, list[str]] | None = None,
) -> list[StackArtifact]:
    """A cloud assembly of environment-agnostic stacks; returns it as read back."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "asset.handler").mkdir(exist_ok=True)
    artifacts = {}
    for name, template in templates.items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{name}.template.json"},
            "dependencies": (dependencies or {}).get(name, []),
        }
    manifest = {"version": "55.0.0", "artifacts": artifacts}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return read_assembly(directory)


@dataclass
class Call:
    request_type: str
    logical_id: str
    physical_id: str | None
    properties: dict[str, Any]
    old_properties: dict[str, Any] | None
    event: dict[str, Any]


FailWhen = Callable[[Call], str | None]


@dataclass
class ScriptedHandler:
    """Answers like the real handler (the set name is the physical id) without any API;
    ``fail_when`` returns a reason to fail a call. Every call is recorded."""

    fail_when: FailWhen = lambda _call: None
    calls: list[Call] = field(default_factory=list)
    on_call: Callable[[Call], None] = lambda _call: None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, function: HandlerFunction, event: Mapping[str, Any], region: str
    ) -> dict[str, Any]:
        call = Call(
            event["RequestType"],
            event["LogicalResourceId"],
            event.get("PhysicalResourceId"),
            copy.deepcopy(event["ResourceProperties"]),
            copy.deepcopy(event.get("OldResourceProperties")),
            copy.deepcopy(dict(event)),
        )
        with self.lock:
            self.calls.append(call)
        self.on_call(call)
        reason = self.fail_when(call)
        if reason:
            raise HandlerError(reason, "scripted log line\n")
        if call.request_type == "Delete":
            return {"PhysicalResourceId": call.physical_id}
        name = call.properties["ConfigurationSetName"]
        return {
            "PhysicalResourceId": name,
            "Data": {"ConfigurationSetName": name, "Arn": f"arn:{name}"},
        }

    def summary(self) -> list[tuple[str, str, str | None]]:
        """(RequestType, LogicalResourceId, PhysicalResourceId) of every call, in order."""
        return [(c.request_type, c.logical_id, c.physical_id) for c in self.calls]


@dataclass
class Local:
    """A cloud assembly directory, a state directory and a scripted handler."""

    root: Path
    handler: ScriptedHandler = field(default_factory=ScriptedHandler)

    @property
    def store(self) -> StateStore:
        return StateStore(self.root / "state")

    def deployer(self, templates: Mapping[str, Mapping[str, Any]], **kwargs: Any) -> Deployer:
        stacks = write_assembly(self.root / "cdk.out", templates, kwargs.pop("dependencies", None))
        return Deployer(
            stacks,
            self.store,
            self.handler,
            Progress(kwargs.pop("stream", None)),
            prober=kwargs.pop("prober", None),
        )

    def deploy(self, templates: Mapping[str, Mapping[str, Any]], **kwargs: Any) -> Any:
        self.handler.calls.clear()
        return self.deployer(templates, **kwargs).deploy()

    def destroy(self, templates: Mapping[str, Mapping[str, Any]], **kwargs: Any) -> Any:
        self.handler.calls.clear()
        return self.deployer(templates, **kwargs).destroy()


@pytest.fixture
def local(tmp_path: Path) -> Local:
    return Local(tmp_path)


@dataclass
class Synthesized:
    directory: Path
    templates: dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """One synth: the reference stack, and a producer stack whose topic a consumer's set
    imports (Fn::ImportValue)."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    ReferenceStack(app, "SmsVoiceReference")
    producer = Stack(app, "Producer")
    topic = sns.Topic(producer, "Topic")
    CfnOutput(producer, "TopicName", value=topic.topic_name, export_name="producer-topic-name")
    consumer = Stack(app, "Consumer")
    consumer_set = ConfigurationSet(consumer, "Set", configuration_set_name="consumer-set")
    consumer_set.add_event_destination("Topic", destination=EventDestination.sns_topic(topic))
    assembly = app.synth()
    return Synthesized(outdir, {s.stack_name: s.template for s in assembly.stacks})
