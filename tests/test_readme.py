"""The README's usage example runs as written and synthesizes what it promises."""

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _example(heading: str) -> str:
    """The first python block after ``heading``."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"README has no python example under {heading}"
    return match.group(1)


def _usage_example() -> str:
    return _example("## Usage")


def _run(script_text: str, tmp_path: Path) -> str:
    """Run a script in a fresh interpreter (the jsii kernel of this test session fixed its
    environment when it started, so CDK_OUTDIR must reach a new process); its template.
    """
    script = tmp_path / "example.py"
    script.write_text(script_text, encoding="utf-8")
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "out")}
    subprocess.run([sys.executable, str(script)], check=True, env=env, cwd=tmp_path)
    return (tmp_path / "out" / "Messaging.template.json").read_text()


def test_quickstart_is_the_two_make_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quickstart = text[text.index("## Quickstart") : text.index("### Walkthrough")]
    commands = re.findall(r"^make ([\w-]+)", quickstart, re.MULTILINE)
    assert commands == ["deploy-local", "test"]
    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^deploy-local: synth$", makefile, re.MULTILINE)
    assert "make test" in (README.parent / ".ci" / "run").read_text(encoding="utf-8")


def _walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Walkthrough") :]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "README has no walkthrough"
    return match.group(1)


def test_walkthrough_runs_scripts_of_the_repository_with_what_deploy_local_installs() -> None:
    walkthrough = _walkthrough()
    scripts = re.findall(r"^\.venv/bin/python (\S+)", walkthrough, re.MULTILINE)
    assert scripts == ["examples/send.py"]
    assert all((README.parent / script).is_file() for script in scripts)
    # every command run from the venv comes from the [local] extra or the library itself
    tools = set(re.findall(r"^\.venv/bin/([\w-]+)", walkthrough, re.MULTILINE))
    assert tools == {"python", "cdk-smsvoice"}
    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^synth: \$\(BIN\)/\.installed-local ", makefile, re.MULTILINE)
    assert '-e ".[local]"' in makefile


def test_walkthrough_send_script_sends_through_the_deployed_set(tmp_path: Path) -> None:
    """The walkthrough's examples/send.py, against an emulator holding a set named like the
    reference app's: the message goes out and its events reach the destination's JSON lines."""
    import boto3

    from cdk_smsvoice.emulator import Emulator

    with Emulator(data_dir=tmp_path / "data") as emu:
        name = "SmsVoiceReference-Notifications-08FF60A9"
        sms = boto3.client("pinpoint-sms-voice-v2", endpoint_url=emu.endpoint_url)
        sms.create_configuration_set(ConfigurationSetName="SmsVoiceReference-Calls-0")
        sms.create_configuration_set(ConfigurationSetName=name)
        sms.create_event_destination(
            ConfigurationSetName=name,
            EventDestinationName="AllEventsLog",
            MatchingEventTypes=["ALL"],
            SnsDestination={"TopicArn": "arn:aws:sns:us-east-1:123456789012:events"},
        )
        script = README.parent / "examples" / "send.py"
        env = {**os.environ, "AWS_ENDPOINT_URL": emu.endpoint_url}
        out = subprocess.run(
            [sys.executable, str(script)], check=True, env=env, capture_output=True, text=True
        ).stdout
        assert f"through {name}" in out
        events = tmp_path / "data/123456789012/us-east-1/events/v2" / name / "AllEventsLog.jsonl"
        assert events.read_text().count('"order": "42"') == 4


def test_usage_example_runs_as_written(tmp_path: Path) -> None:
    template = _run(_usage_example(), tmp_path)
    assert "Custom::SmsVoiceV2ConfigurationSet" in template
    assert '"ConfigurationSetName": "alerts"' in template
    assert '"to-lake"' in template


def test_v1_example_runs_where_it_says(tmp_path: Path) -> None:
    usage = _usage_example()
    head, tail = usage.rsplit("app.synth()", 1)
    template = _run(head + _example("### v1 voice sets") + "app.synth()" + tail, tmp_path)
    assert "Custom::SmsVoiceV1ConfigurationSet" in template
    assert '"NO_ANSWER"' in template
