"""Handler tests import the Lambda code exactly as Lambda does: ``index`` and ``smsvoice_handler``
as top-level modules of the asset root, ``src/cdk_smsvoice/handler``."""

import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
for _path in (_REPO / "src" / "cdk_smsvoice" / "handler", _REPO / "tests", Path(__file__).parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import pytest  # noqa: E402
from handler_harness import ACCOUNT, PROTECT_A, PROTECT_B, REGION, Harness  # noqa: E402

from cdk_smsvoice.emulator.v2 import V2Service  # noqa: E402


@pytest.fixture
def fake() -> V2Service:
    return V2Service(
        account=ACCOUNT, region=REGION, protect_configuration_ids=(PROTECT_A, PROTECT_B)
    )


@pytest.fixture
def harness(fake: V2Service) -> Harness:
    return Harness(fake)
