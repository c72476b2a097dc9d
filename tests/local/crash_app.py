"""Apps for the crash, lock and nested stack tests, synthesized once per session: many v2 and
v1 sets in one stack, and a parent whose nested stack takes a parameter and gives an output."""

from pathlib import Path

from aws_cdk import App, CfnOutput, CfnParameter, NestedStack, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_smsvoice import (
    ConfigurationSet,
    EventDestination,
    EventType,
    VoiceConfigurationSet,
    VoiceEventType,
)

V2_COUNT = 4
V1_COUNT = 2
MANY = "ManySets"


def v2_name(index: int) -> str:
    return f"crash-v2-{index}"


def v1_name(index: int) -> str:
    return f"crash-v1-{index}"


def synth_many(outdir: Path) -> Path:
    """One stack of V2_COUNT v2 and V1_COUNT v1 sets, each with a destination."""
    app = App(outdir=str(outdir))
    stack = Stack(app, MANY)
    topic = sns.Topic(stack, "Topic")
    log_group = logs.LogGroup(stack, "Log")
    for index in range(V2_COUNT):
        cs = ConfigurationSet(stack, f"Text{index}", configuration_set_name=v2_name(index))
        cs.add_event_destination(
            "Topic", destination=EventDestination.sns_topic(topic), events=[EventType.ALL]
        )
    for index in range(V1_COUNT):
        voice = VoiceConfigurationSet(stack, f"Voice{index}", configuration_set_name=v1_name(index))
        voice.add_event_destination(
            "Log",
            destination=EventDestination.cloud_watch_logs(log_group),
            events=[VoiceEventType.ANSWERED],
        )
    app.synth()
    return outdir


class Inner(NestedStack):
    """Takes the outer set's name as a parameter; outputs its own set's name."""

    def __init__(self, scope: Construct, construct_id: str, outer_name: str) -> None:
        super().__init__(scope, construct_id)
        prefix = CfnParameter(self, "Prefix", default="unused")
        self.prefix = prefix
        inner = ConfigurationSet(self, "InnerSet", configuration_set_name=f"{outer_name}-inner")
        self.inner_name = inner.configuration_set_name
        CfnOutput(self, "InnerName", value=inner.configuration_set_name)


def synth_nested(outdir: Path) -> Path:
    """``Parent``: set ``outer``; nested ``Child`` with set ``outer-inner`` (its name passed in
    as a parameter); set ``uses-inner`` whose destination-less name comes from the nested
    stack's output (``GetAtt Child.Outputs...``)."""
    app = App(outdir=str(outdir))
    parent = Stack(app, "Parent")
    outer = ConfigurationSet(parent, "Outer", configuration_set_name="outer")
    child = Inner(parent, "Child", outer.configuration_set_name)
    ConfigurationSet(parent, "UsesInner", configuration_set_name=f"{child.inner_name}-user")
    app.synth()
    return outdir
