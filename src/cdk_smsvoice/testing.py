"""Helpers for users who snapshot-test templates that contain cdk-smsvoice constructs."""

import re
from typing import Any

ASSET_HASH_MASK = "<asset-hash>"
"""What asset hashes are replaced with."""

_HASH = re.compile(r"[0-9a-f]{64}")


def mask_asset_hashes(template: Any) -> Any:
    """A copy of ``template`` with every 64-hex-digit asset hash replaced by ``<asset-hash>``.

    The handler's asset hash changes with every cdk-smsvoice release, and CDK's own asset
    hashes with every aws-cdk-lib release; masking them keeps snapshots stable::

        assert mask_asset_hashes(template.to_json()) == snapshot
    """
    if isinstance(template, dict):
        return {_HASH.sub(ASSET_HASH_MASK, k): mask_asset_hashes(v) for k, v in template.items()}
    if isinstance(template, list):
        return [mask_asset_hashes(v) for v in template]
    if isinstance(template, str):
        return _HASH.sub(ASSET_HASH_MASK, template)
    return template
