"""Running Checkov from its own venv (it pins boto3==1.35.49, older than the handler and the
emulator need): ``make test`` installs it into .venv-checkov and sets CDK_SMSVOICE_CHECKOV.
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _checkov() -> Path:
    configured = os.environ.get("CDK_SMSVOICE_CHECKOV")
    path = Path(configured) if configured else ROOT / ".venv-checkov" / "bin" / "checkov"
    if not path.is_file():
        if configured:
            pytest.fail(f"CDK_SMSVOICE_CHECKOV={configured} does not exist")
        pytest.skip("Checkov is not installed: run make test (or make .venv-checkov/.installed)")
    return path


def scan(templates: list[Path]) -> list[dict[str, Any]]:
    """One Checkov report per template."""
    assert templates
    command = [
        str(_checkov()),
        "--skip-download",
        "--compact",
        "--framework",
        "cloudformation",
        "--output",
        "json",
    ]
    for template in templates:
        command += ["--file", str(template)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def failed_checks(reports: list[dict[str, Any]]) -> list[str]:
    return [
        f"{check['check_id']} {check['resource']} ({Path(check['file_path']).name})"
        for report in reports
        for check in report["results"]["failed_checks"]
    ]
