"""Fixtures for the emulator over HTTP: a server per test on a free port, and boto3 clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import client

from cdk_smsvoice.emulator import Emulator


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(data_dir=tmp_path / "data") as emu:
        yield emu


@pytest.fixture
def v2(emulator: Emulator) -> Any:
    return client("pinpoint-sms-voice-v2", emulator.endpoint_url)


@pytest.fixture
def v1(emulator: Emulator) -> Any:
    return client("pinpoint-sms-voice", emulator.endpoint_url)
