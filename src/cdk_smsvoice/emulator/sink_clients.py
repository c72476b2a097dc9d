"""Where the sink APIs are, and the boto3 clients that call them.

A sink type's endpoint is, first found: its service's ``AWS_ENDPOINT_URL_SNS`` /
``AWS_ENDPOINT_URL_LOGS`` / ``AWS_ENDPOINT_URL_FIREHOSE`` variable, the emulator's
``--sinks-endpoint``, the generic ``AWS_ENDPOINT_URL``. There is no fallback to AWS: a service
with none of them is never called (its records are recorded as failures, see :mod:`.sinks`).
Clients make one attempt per call (the publisher retries) within bounded connect and read
timeouts, in the Region of the sink's ARN, with the default credential chain (dummy keys when
there are none, as moto and LocalStack accept any).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

SERVICES = ("sns", "logs", "firehose")
ENDPOINT_VARIABLES = tuple(f"AWS_ENDPOINT_URL_{s.upper()}" for s in SERVICES)
CONNECT_TIMEOUT = 3.0
"""Seconds a client waits to connect to a sink endpoint."""
READ_TIMEOUT = 10.0
"""Seconds a client waits for a sink endpoint's answer."""
ClientFactory = Callable[[str, str], Any]
"""``(service, region) -> boto3 client``."""


def sinks_configured(endpoint_url: str | None) -> bool:
    """Whether records go to sink APIs: an endpoint is given, or a per-service variable set."""
    return endpoint_url is not None or any(os.environ.get(v) for v in ENDPOINT_VARIABLES)


def sink_endpoints(endpoint_url: str | None) -> dict[str, str | None]:
    """Each service's endpoint (``None``: it has none), as the module docstring says."""
    generic = os.environ.get("AWS_ENDPOINT_URL") or None
    return {
        service: os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or endpoint_url or generic
        for service in SERVICES
    }


def missing_endpoint(service: str) -> str:
    """The failure of a record whose service has no endpoint."""
    return f"no endpoint for {service}: set --sinks-endpoint or AWS_ENDPOINT_URL_{service.upper()}"


def make_client(service: str, region: str, endpoint_url: str) -> Any:
    """A client of ``service`` in ``region`` at ``endpoint_url``: one attempt per call, within
    :data:`CONNECT_TIMEOUT` and :data:`READ_TIMEOUT`.
    """
    session = boto3.session.Session()
    keys: dict[str, str] = {}
    if session.get_credentials() is None:
        keys = {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}
    config = Config(
        retries={"total_max_attempts": 1},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )
    make: Any = session.client  # the service is a runtime value, not a stub literal
    return make(service, region_name=region, endpoint_url=endpoint_url, config=config, **keys)
