"""Fixtures of the end-to-end tests: the endpoint of the event sinks."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

SINKS_VARIABLE = "CDK_SMSVOICE_E2E_SINKS_ENDPOINT"
"""Set to an endpoint that serves SNS, SQS, CloudWatch Logs, Firehose and S3 (LocalStack's
``http://127.0.0.1:4566``, with ``AWS_ACCESS_KEY_ID=123456789012`` so that its account is the
emulator's) to run the tests against it instead of a moto server of their own."""


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The endpoint of the sinks: a moto server on 127.0.0.1 (SNS, SQS, CloudWatch Logs,
    Firehose, S3), or the one :data:`SINKS_VARIABLE` names.
    """
    given = os.environ.get(SINKS_VARIABLE)
    if given:
        yield given
        return
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
