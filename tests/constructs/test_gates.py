"""Template gates: cfn-lint on every synthesized template, cdk-nag on the reference app, and
snapshots of the reference stack with asset hashes masked."""

import json
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file
from conftest import Synthesized
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from cdk_smsvoice.testing import ASSET_HASH_MASK, mask_asset_hashes


def _lint_errors(outdir: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    templates = sorted(outdir.glob("*.template.json"))
    assert templates, f"no templates in {outdir}"
    for template in templates:
        matches = lint_file(template, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
        errors = [str(m) for m in matches if m.rule.id.startswith("E")]
        found[template.name] = errors
    return found


def test_cfn_lint_finds_no_error_in_the_reference_app(reference: Synthesized) -> None:
    assert _lint_errors(reference.outdir) == {"SmsVoiceReference.template.json": []}


def test_cfn_lint_finds_no_error_in_the_feature_stacks(scenarios: Synthesized) -> None:
    found = _lint_errors(scenarios.outdir)
    assert len(found) >= 4
    assert all(errors == [] for errors in found.values()), found


def test_cdk_nag_passes_the_reference_app_with_reasoned_acknowledgements(
    reference: Synthesized,
) -> None:
    # build_app() enforces AwsSolutionsChecks: the session fixture's synth would have raised
    # on any unacknowledged finding. Check the report records no violation of any plugin.
    report = json.loads((reference.outdir / "validation-report.json").read_text())
    for plugin in report["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]
        for violation in plugin.get("suppressedViolations", []):
            assert len(violation["reason"]) > 20, violation


def test_cdk_nag_gate_is_not_vacuous() -> None:
    app = App()
    stack = Stack(app, "Loose")
    role = iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(Exception, match=r"(?s)ValidationFailed.*AwsSolutions-IAM5\[Resource::\*\]"):
        app.synth()


def test_reference_stack_snapshot(reference: Synthesized, snapshot: SnapshotAssertion) -> None:
    masked = mask_asset_hashes(reference.templates["SmsVoiceReference"])
    assert ASSET_HASH_MASK in json.dumps(masked)
    assert masked == snapshot.use_extension(JSONSnapshotExtension)
