"""The README's CDK Pipelines example: the reference stack in a ``pipelines.CodePipeline``
stage synthesizes without Docker or credentials, and two synths are byte-identical."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from checkov_support import failed_checks, scan

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _pipeline_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### In CDK Pipelines") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README has no CDK Pipelines example"
    return match.group(1)


def _synth(outdir: Path, script: Path) -> Path:
    """One synth in a fresh process, without credentials and with no Docker on the PATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CDK_")) and k not in ("DOCKER_HOST", "CDK_DOCKER")
    }
    env["CDK_OUTDIR"] = str(outdir)
    env["PYTHONPATH"] = str(ROOT)
    env["CDK_DOCKER"] = str(outdir / "no-docker")  # any Docker use would fail the synth
    subprocess.run([sys.executable, str(script)], check=True, env=env, cwd=ROOT, timeout=600)
    return outdir


def _files(outdir: Path) -> dict[str, bytes]:
    """Templates, asset manifests and asset contents, by path relative to the assembly."""
    return {
        str(path.relative_to(outdir)): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.is_file()
        and (
            path.name.endswith((".template.json", ".assets.json"))
            or any(part.startswith("asset.") for part in path.relative_to(outdir).parts)
        )
    }


@pytest.fixture(scope="module")
def two_synths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("pipeline")
    script = tmp / "pipeline_app.py"
    script.write_text(_pipeline_example(), encoding="utf-8")
    return _synth(tmp / "first", script), _synth(tmp / "second", script)


def test_the_reference_stack_synthesizes_in_a_pipeline_stage(two_synths: tuple[Path, Path]) -> None:
    first, _ = two_synths
    pipeline = json.loads((first / "Pipeline.template.json").read_text())
    types = {r["Type"] for r in pipeline["Resources"].values()}
    assert "AWS::CodePipeline::Pipeline" in types
    stage = first / "assembly-Prod"
    (template_file,) = stage.glob("*.template.json")
    template = json.loads(template_file.read_text())
    stage_types = [r["Type"] for r in template["Resources"].values()]
    assert stage_types.count("Custom::SmsVoiceV2ConfigurationSet") == 1
    assert stage_types.count("Custom::SmsVoiceV1ConfigurationSet") == 1
    # the handler is a file asset: published by the pipeline, no Docker image to build
    (assets_file,) = stage.glob("*.assets.json")
    assets = json.loads(assets_file.read_text())
    assert assets["files"] and not assets.get("dockerImages")


def test_two_synths_are_byte_identical(two_synths: tuple[Path, Path]) -> None:
    first, second = (_files(outdir) for outdir in two_synths)
    assert any(name.endswith(".template.json") for name in first)
    assert any("asset." in name for name in first)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_checkov_passes_the_stage_template(two_synths: tuple[Path, Path]) -> None:
    first, _ = two_synths
    templates = sorted((first / "assembly-Prod").glob("*.template.json"))
    assert failed_checks(scan(templates)) == []
