"""Clients of the emulator for its tests: boto3 clients without retries, and the emulator as a
child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config

TOPIC = "arn:aws:sns:us-east-1:123456789012:events"


def set_with_topic(v2: Any, name: str, destination: str = "d") -> None:
    """Create v2 set ``name`` with one SNS destination that receives every event."""
    v2.create_configuration_set(ConfigurationSetName=name)
    v2.create_event_destination(
        ConfigurationSetName=name,
        EventDestinationName=destination,
        MatchingEventTypes=["ALL"],
        SnsDestination={"TopicArn": TOPIC},
    )


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def client(service: str, url: str, region: str = "us-east-1", **config: Any) -> Any:
    """A boto3 client of ``service`` at ``url``, without botocore's retries."""
    session = boto3.session.Session(
        aws_access_key_id=config.pop("key_id", "testing"),
        aws_secret_access_key="testing",
        region_name=region,
    )
    retries = {"total_max_attempts": 1}
    return session.client(service, endpoint_url=url, config=Config(retries=retries, **config))  # type: ignore[call-overload]


class EmulatorProcess:
    """``python -m cdk_smsvoice.emulator`` in a child process; reads its URL from line one."""

    def __init__(
        self, data_dir: Path, *args: str, preexec_fn: Callable[[], None] | None = None
    ) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cdk_smsvoice.emulator", "--data-dir", str(data_dir), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **CREDENTIALS},
            preexec_fn=preexec_fn,
        )
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        self.url = stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.process.kill()
            raise AssertionError(f"emulator printed {self.url!r}: {self.process.stderr.read()}")  # type: ignore[union-attr]

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no handler, no flush, no cleanup
        self.process.wait()

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(timeout=30)
