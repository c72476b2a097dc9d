"""The README's usage example runs as written and synthesizes what it promises."""

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _usage_example() -> str:
    text = README.read_text(encoding="utf-8")
    usage = text[text.index("## Usage") :]
    match = re.search(r"```python\n(.*?)```", usage, re.DOTALL)
    assert match, "README has no python example under ## Usage"
    return match.group(1)


def test_quickstart_is_the_two_make_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quickstart = text[text.index("## Quickstart") : text.index("## Usage")]
    commands = re.findall(r"^make (\w+)", quickstart, re.MULTILINE)
    assert commands == ["synth", "test"]


def test_usage_example_runs_as_written(tmp_path: Path) -> None:
    """In a fresh interpreter, as a user would run it (the jsii kernel of this test session
    fixed its environment when it started, so CDK_OUTDIR must reach a new process).
    """
    script = tmp_path / "example.py"
    script.write_text(_usage_example(), encoding="utf-8")
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "out")}
    subprocess.run([sys.executable, str(script)], check=True, env=env, cwd=tmp_path)
    template = (tmp_path / "out" / "Messaging.template.json").read_text()
    assert "Custom::SmsVoiceV2ConfigurationSet" in template
    assert '"ConfigurationSetName": "alerts"' in template
    assert '"to-lake"' in template
