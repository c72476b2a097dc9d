"""Snapshots of every feature stack (v1 and v2 sets, settings, tags, a KMS-encrypted topic, a
given role, a topic from another stack, an imported topic, sets without destinations), asset
hashes masked. They were recorded before synthesis was reworked to cross to Node.js less
(issue 14), so they prove the templates stayed byte for byte what they were.
"""

from conftest import Synthesized
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from cdk_smsvoice.testing import mask_asset_hashes


def test_feature_stacks_snapshot(scenarios: Synthesized, snapshot: SnapshotAssertion) -> None:
    masked = {name: mask_asset_hashes(t) for name, t in sorted(scenarios.templates.items())}
    assert masked == snapshot.use_extension(JSONSnapshotExtension)
