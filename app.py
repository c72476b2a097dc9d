#!/usr/bin/env python3
"""The reference CDK app (``cdk.json`` runs it). It needs no AWS account: the stack is
environment-agnostic and nothing is looked up at synth time.
"""

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.reference_stack import ReferenceStack


def build_app(app: App | None = None) -> App:
    """The reference app, with cdk-nag's AwsSolutions pack enforced at synth."""
    app = app or App()
    ReferenceStack(app, "SmsVoiceReference")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


if __name__ == "__main__":
    build_app().synth()
