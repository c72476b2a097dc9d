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


def test_deploying_installs_no_dev_tool() -> None:
    """make deploy-local/destroy-local/synth depend on the [local] extra only, and that extra
    holds only what synthesizing the reference app needs beyond the library."""
    import tomllib

    project = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    assert [re.split(r"[<>=\[ ]", d)[0] for d in extras["local"]] == ["cdk-nag"]
    assert "cdk-smsvoice[local]" in extras["dev"]
    makefile = (README.parent / "Makefile").read_text(encoding="utf-8")
    for target in ("synth", "destroy-local"):
        (line,) = re.findall(rf"^{target}:(.*)$", makefile, re.MULTILINE)
        assert "$(BIN)/.installed-local" in line and "$(BIN)/.installed " not in f"{line} "


def test_node_versions_in_the_readme_are_the_ones_jsii_supports() -> None:
    """The README's Node.js section matches the release table of the installed jsii runtime."""
    import jsii

    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Node.js for the CDK CLI") : text.index("## API reference")]
    assert "**Node.js 22 or 24**" in section
    runtime = next((Path(jsii.__file__).parent / "_embedded" / "jsii").glob("bin__jsii-runtime.js"))
    releases = runtime.read_text(encoding="utf-8")
    for major in (22, 24):
        match = re.search(
            rf'new NodeRelease\({major},\{{endOfLife:new Date\("([\d-]+)"\)\}}\)', releases
        )
        assert match, major
        assert f"{major} until {match.group(1)}" in section
    assert "Node 20 is end-of-life and not supported anymore by this software" in section
    assert "Node 20 is end-of-life and not supported anymore by this software" in releases.replace(
        "${r.majorVersion}", "20"
    )
