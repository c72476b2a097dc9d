"""The README's "Test your event consumers locally" example runs as written and its consumer
receives the delivery-failure event it promises."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Test your event consumers locally"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(HEADING)
    return text[start : text.index("\n## ", start + len(HEADING))]


def test_the_consumer_example_receives_the_failure_event(tmp_path: Path) -> None:
    match = re.search(r"```python\n(.*?)```", _section(), re.DOTALL)
    assert match, "no python example in the section"
    script = tmp_path / "consumer.py"
    script.write_text(match.group(1), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    promised = re.search(r"prints `(.*?)`", _section())
    assert promised is not None
    pattern = re.escape(promised.group(1)).replace(re.escape("<message id>"), "[0-9a-f-]{36}")
    assert re.fullmatch(pattern, line), line


def test_the_section_names_what_the_code_has() -> None:
    section = _section()
    from cdk_smsvoice.emulator.outcomes import OUTCOMES, SIMULATOR_NUMBERS

    for outcome in OUTCOMES:
        assert f"`{outcome}`" in section, outcome
    for number in re.findall(r"`(\+\d+)`", section):
        assert number in SIMULATOR_NUMBERS or number == "+14255550100", number


def test_the_outcome_rule_commands_work_as_pasted() -> None:
    """Every ``curl`` line of the section, run against an emulator on its own port."""
    from events_support import control

    if shutil.which("curl") is None:
        pytest.skip("curl is not installed here: the README's curl lines cannot be run")

    from cdk_smsvoice.emulator import Emulator

    lines = [line for line in _section().splitlines() if line.startswith("curl ")]
    assert any(" -X DELETE " in line for line in lines) and any("POST" in line for line in lines)
    with Emulator() as emu:
        for line in lines:
            command = line.split("  #")[0].replace("localhost:4599", emu.endpoint_url)
            done = subprocess.run(
                ["sh", "-c", f"{command} --fail-with-body --silent --show-error"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            rules = control(emu.endpoint_url, "GET", "/_emulator/outcomes")[1]["rules"]
            assert bool(rules) is (" -X DELETE " not in line), (line, rules)
