"""The command lines: ``cdk-smsvoice`` dispatch and the emulator's own options."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_smsvoice.cli import main

CDK_SMSVOICE = Path(sys.executable).parent / "cdk-smsvoice"


def test_console_script_starts_the_emulator_and_prints_its_url_first(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(CDK_SMSVOICE), "emulator", "--data-dir", str(tmp_path), "--tps", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("http://127.0.0.1:")
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:  # default data dir: nothing is written before the bind
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "cdk_smsvoice.emulator",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"cannot listen on port {port}" in done.stderr


def test_bad_tps_and_unknown_commands_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["emulator", "--tps", "0"])
    assert exc.value.code == 2
    assert main(["deploy"]) == 2
    assert "unknown command 'deploy'" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "local" in capsys.readouterr().out


def test_a_data_dir_that_cannot_be_used_is_a_clear_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "cdk_smsvoice.emulator", "--data-dir", str(not_a_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"cannot use data dir {not_a_dir}" in done.stderr
    assert done.stdout == ""
