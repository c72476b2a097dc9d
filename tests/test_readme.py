"""The README's usage example runs as written and synthesizes what it promises."""

import re
from pathlib import Path

import pytest

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


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_usage_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    namespace: dict[str, object] = {}
    exec(compile(_usage_example(), "README.md", "exec"), namespace)
    template = (tmp_path / "Messaging.template.json").read_text()
    assert "Custom::SmsVoiceV2ConfigurationSet" in template
    assert '"ConfigurationSetName": "alerts"' in template
    assert '"to-lake"' in template
