"""Unmodified real clients against the emulator: the seed-documented boto3 examples, run as
they are through ``AWS_ENDPOINT_URL``, and the AWS CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import CREDENTIALS, TOPIC, client, set_with_topic

from cdk_smsvoice.emulator import Emulator

SEEDS = Path(os.environ.get("SMSVOICE_SEEDS_DIR", Path(__file__).parents[3] / "shared" / "seeds"))
SEND_EXAMPLES = SEEDS / "000_5b3e5f85f20ef774.txt"  # boto3 send_text/voice_message examples
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
AWS = Path(sys.executable).parent / "aws"


def _examples() -> list[str]:
    if not SEND_EXAMPLES.exists():
        raise AssertionError(
            f"{SEND_EXAMPLES} is missing: the seeds live in ../shared beside the repository "
            "(or point SMSVOICE_SEEDS_DIR at them)"
        )
    blocks = re.findall(r"```\n(.*?)```", SEND_EXAMPLES.read_text(), re.DOTALL)
    assert len(blocks) == 2, "expected the SMS and the voice example"
    return blocks


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, **CREDENTIALS, "AWS_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": "us-east-1"}


def _run_example(code: str, url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env(url), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def prepared(emulator: Emulator) -> Emulator:
    """The examples name ``MyConfigurationSet``: create it with a destination for every event."""
    v2 = client("pinpoint-sms-voice-v2", emulator.endpoint_url)
    set_with_topic(v2, "MyConfigurationSet", "everything")
    return emulator


def _events(emulator: Emulator) -> list[dict[str, Any]]:
    assert emulator.data_dir is not None
    path = (
        emulator.data_dir / "123456789012/us-east-1/events/v2/MyConfigurationSet/everything.jsonl"
    )
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_seed_send_text_message_example_runs_unmodified(prepared: Emulator) -> None:
    sms, _ = _examples()
    out = _run_example(sms, prepared.endpoint_url)
    message_id = re.search(rf"Message ID: ({UUID})", out)
    assert message_id, out
    (message,) = prepared.v2().messages
    assert message["messageId"] == message_id.group(1)
    # every parameter of the example reached the service, as sent
    assert message["request"] == {
        "ConfigurationSetName": "MyConfigurationSet",
        "Context": {"key1": "value1"},
        "DestinationCountryParameters": {
            "IN_TEMPLATE_ID": "TEMPLATE01234",
            "IN_ENTITY_ID": "ENTITY98765",
        },
        "DestinationPhoneNumber": "+14258918757",
        "DryRun": False,
        "Keyword": "MyKeyword",
        "MaxPrice": "2.00",
        "MessageBody": message["request"]["MessageBody"],
        "MessageType": "TRANSACTIONAL",
        "OriginationIdentity": "+18449831743",
        "TimeToLive": 120,
    }
    events = _events(prepared)
    assert [e["eventType"] for e in events][-1] == "TEXT_DELIVERED"
    assert {e["context"]["key1"] for e in events} == {"value1"}


def test_seed_send_voice_message_example_runs_unmodified(prepared: Emulator) -> None:
    _, voice = _examples()
    out = _run_example(voice, prepared.endpoint_url)
    assert re.search(rf"Message ID: {UUID}", out), out
    (message,) = prepared.v2().messages
    assert message["request"]["MessageBodyTextType"] == "SSML"
    assert message["request"]["VoiceId"] == "MATTHEW"
    assert message["request"]["MessageBody"].startswith("<speak>")
    assert [e["eventType"] for e in _events(prepared)] == [
        "VOICE_INITIATED",
        "VOICE_RINGING",
        "VOICE_ANSWERED",
        "VOICE_COMPLETED",
    ]


def test_seed_example_against_a_missing_set_prints_the_error(emulator: Emulator) -> None:
    sms, _ = _examples()
    out = _run_example(sms, emulator.endpoint_url)
    assert "ResourceNotFoundException" in out and "Message ID: None" in out
    assert emulator.v2().messages == []


def test_send_media_message_with_every_parameter(prepared: Emulator) -> None:
    v2 = client("pinpoint-sms-voice-v2", prepared.endpoint_url)
    params = {
        "DestinationPhoneNumber": "+12065550123",
        "OriginationIdentity": "+18445550142",
        "MessageBody": "A picture",
        "MediaUrls": ["s3://media-bucket/cat.jpg"],
        "ConfigurationSetName": "MyConfigurationSet",
        "MaxPrice": "0.50",
        "TimeToLive": 3600,
        "Context": {"campaign": "cats"},
        "ProtectConfigurationId": "protect-0123456789abcdef",
        "MessageFeedbackEnabled": True,
    }
    dry = v2.send_media_message(**params, DryRun=True)
    assert re.fullmatch(UUID, dry["MessageId"])
    assert prepared.v2().messages == []
    sent = v2.send_media_message(**params, DryRun=False)
    (message,) = prepared.v2().messages
    assert message["messageId"] == sent["MessageId"]
    assert message["request"] == {**params, "DryRun": False}
    assert [e["eventType"] for e in _events(prepared)] == [
        "MEDIA_PENDING",
        "MEDIA_QUEUED",
        "MEDIA_SUCCESSFUL",
        "MEDIA_DELIVERED",
    ]
    with pytest.raises(v2.exceptions.ResourceNotFoundException):
        v2.send_media_message(**{**params, "ProtectConfigurationId": "protect-missing"})


def _aws(url: str, *args: str, endpoint_flag: bool = True) -> subprocess.CompletedProcess[str]:
    flags = ["--endpoint-url", url] if endpoint_flag else []
    return subprocess.run(
        [str(AWS), *args, *flags, "--output", "json"],
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_aws_cli_drives_both_apis(emulator: Emulator) -> None:
    url = emulator.endpoint_url
    created = _aws(
        url, "pinpoint-sms-voice-v2", "create-configuration-set", "--configuration-set-name", "cli"
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["ConfigurationSetName"] == "cli"
    dest = _aws(
        url,
        "pinpoint-sms-voice-v2",
        "create-event-destination",
        "--configuration-set-name",
        "cli",
        "--event-destination-name",
        "texts",
        "--matching-event-types",
        "TEXT_ALL",
        "--sns-destination",
        f"TopicArn={TOPIC}",
    )
    assert dest.returncode == 0, dest.stderr
    sent = _aws(
        url,
        "pinpoint-sms-voice-v2",
        "send-text-message",
        "--configuration-set-name",
        "cli",
        "--destination-phone-number",
        "+14255550100",
        "--message-body",
        "hello from the CLI",
    )
    assert sent.returncode == 0, sent.stderr
    assert re.fullmatch(UUID, json.loads(sent.stdout)["MessageId"])
    # AWS_ENDPOINT_URL alone works too
    described = _aws(
        url, "pinpoint-sms-voice-v2", "describe-configuration-sets", endpoint_flag=False
    )
    assert described.returncode == 0, described.stderr
    (info,) = json.loads(described.stdout)["ConfigurationSets"]
    assert info["EventDestinations"][0]["EventDestinationName"] == "texts"
    assert len(emulator.v2().events) == 4

    assert (
        _aws(
            url,
            "pinpoint-sms-voice",
            "create-configuration-set",
            "--configuration-set-name",
            "calls",
        ).returncode
        == 0
    )
    listed = _aws(url, "pinpoint-sms-voice", "list-configuration-sets")
    assert json.loads(listed.stdout)["ConfigurationSets"] == ["calls"]
    again = _aws(
        url, "pinpoint-sms-voice", "create-configuration-set", "--configuration-set-name", "calls"
    )
    assert again.returncode != 0
    assert "AlreadyExistsException" in again.stderr
    bad = _aws(
        url,
        "pinpoint-sms-voice-v2",
        "create-configuration-set",
        "--configuration-set-name",
        "x" * 65,
    )
    assert bad.returncode != 0
