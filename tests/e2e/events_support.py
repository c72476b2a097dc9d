"""What the event tests share: boto3 clients without retries, and the emulator's control API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config


def client(service: str, url: str | None, region: str = "us-east-1") -> Any:
    """A boto3 client of ``service`` at ``url`` (``None``: AWS), without botocore's retries."""
    session = boto3.session.Session(region_name=region)
    return session.client(
        service, endpoint_url=url, config=Config(retries={"total_max_attempts": 1})
    )


def control(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the emulator's control API at ``url``; returns ``(status, JSON answer)``."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}{path}", data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
