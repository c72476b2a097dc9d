"""Invalid props fail at synth, every error at once, naming the construct, path and fix."""

import pytest
from aws_cdk import App, CfnParameter, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from cdk_smsvoice import ConfigurationSet, EventDestination, EventType


def _set(**kwargs: object) -> tuple[Stack, ConfigurationSet]:
    stack = Stack(App(), "Invalid")
    return stack, ConfigurationSet(stack, "Alerts", **kwargs)  # type: ignore[arg-type]


def _topic(stack: Stack, cid: str = "T") -> EventDestination:
    return EventDestination.sns_topic(sns.Topic(stack, cid))


def test_six_destinations_name_the_v2_limit() -> None:
    stack, cs = _set()
    for i in range(6):
        cs.add_event_destination(f"D{i}", destination=_topic(stack, f"T{i}"))
    errors = cs.node.validate()
    assert any("$.EventDestinations: 6 items is more than the limit of 5" in e for e in errors)
    assert any("the v2 per-set limit" in e for e in errors)


def test_every_error_is_reported_together() -> None:
    stack, cs = _set(configuration_set_name="not valid!", default_sender_id="TOO-LONG-SENDER")
    log_group = logs.LogGroup(stack, "L")
    cs.add_event_destination("A", destination=_topic(stack), event_destination_name="same")
    cs.add_event_destination(
        "B",
        destination=EventDestination.cloud_watch_logs(log_group),
        event_destination_name="same",
        events=[EventType.TEXT_SENT],
    )
    errors = cs.node.validate()
    joined = "\n".join(errors)
    assert "$.ConfigurationSetName" in joined and "'not valid!'" not in joined
    assert '"not valid!"' in joined
    assert "$.DefaultSenderId" in joined and "1 to 11 characters" in joined
    assert "EventDestinationName 'same' is used by items 0 and 1" in joined
    assert "$.EventDestinations[1].MatchingEventTypes[0]" in joined and "TEXT_SENT" in joined
    assert len(errors) == 4


def test_unresolved_tokens_are_left_to_deploy_time() -> None:
    stack = Stack(App(), "Tokens")
    name = CfnParameter(stack, "Name").value_as_string
    cs = ConfigurationSet(stack, "Alerts", configuration_set_name=name)
    assert cs.node.validate() == []


def test_synth_fails_with_the_construct_path() -> None:
    app = App()
    stack = Stack(app, "Broken")
    cs = ConfigurationSet(stack, "Alerts")
    cs.add_event_destination("Bad", destination=_topic(stack), event_destination_name="has spaces")
    with pytest.raises(Exception, match=r"Broken/Alerts") as raised:
        app.synth()
    assert "$.EventDestinations[0].EventDestinationName" in str(raised.value)


def test_default_event_destination_name_is_the_sanitized_id() -> None:
    stack, cs = _set()
    dest = cs.add_event_destination("Errors & Alerts", destination=_topic(stack))
    assert dest.event_destination_name == "Errors---Alerts"
    assert cs.node.validate() == []


def test_options_and_keywords_are_exclusive() -> None:
    from cdk_smsvoice import EventDestinationOptions

    stack, cs = _set()
    with pytest.raises(TypeError, match="either"):
        cs.add_event_destination(
            "X", EventDestinationOptions(destination=_topic(stack)), enabled=False
        )
