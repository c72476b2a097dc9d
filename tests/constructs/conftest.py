"""Synthesized apps shared by the construct, snapshot and gate tests."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from app import build_app


@dataclass
class Synthesized:
    """A synthesized app: its output directory and each stack's template."""

    outdir: Path
    templates: dict[str, dict[str, Any]]

    def template(self, stack_name: str) -> Template:
        return Template.from_json(self.templates[stack_name])


def synthesize(app: App) -> Synthesized:
    assembly = app.synth()
    templates = {s.stack_name: s.template for s in assembly.stacks}
    return Synthesized(Path(assembly.directory), templates)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The reference app, synthesized with cdk-nag's AwsSolutions pack enforced."""
    outdir = tmp_path_factory.mktemp("reference")
    return synthesize(build_app(App(outdir=str(outdir))))


@pytest.fixture(scope="session")
def reference_template(reference: Synthesized) -> Template:
    return reference.template("SmsVoiceReference")


def new_stack(name: str = "Test") -> Stack:
    return Stack(App(), name)
