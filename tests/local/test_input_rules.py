"""Malformed assemblies and templates are refused with exit 2 and a message naming the file
and what is wrong, before any call, without a traceback (unless --verbose)."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from local_support import V2, hand_template, set_properties, write_assembly

from cdk_smsvoice.local.cli import EXIT_USAGE, main

Edit = Callable[[Path], None]


def good(directory: Path) -> None:
    write_assembly(directory, {"App": hand_template({"A": {"Properties": set_properties("a")}})})


def manifest(directory: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    path = directory / "manifest.json"
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


def template(directory: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    path = directory / "App.template.json"
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


def resources(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(directory: Path) -> None:
        def apply(content: dict[str, Any]) -> dict[str, Any]:
            change(content["Resources"])
            return content

        template(directory, apply)

    return edit


def properties_of(key: str, value: Any) -> Edit:
    return resources(lambda r: r["A"]["Properties"].__setitem__(key, value))


def stack_property(key: str, value: Any) -> Edit:
    def change(content: dict[str, Any]) -> dict[str, Any]:
        content["artifacts"]["App"]["properties"][key] = value
        return content

    return lambda directory: manifest(directory, change)


CASES: dict[str, tuple[Edit, list[str]]] = {
    "manifest is a list": (
        lambda d: manifest(d, lambda m: [m]),
        ["manifest.json", "must be a JSON object, got a list"],
    ),
    "manifest is not JSON": (
        lambda d: (d / "manifest.json").write_text("{nope"),
        ["manifest.json", "not valid JSON"],
    ),
    "artifacts is a list": (
        lambda d: manifest(d, lambda m: {**m, "artifacts": [1]}),
        ["manifest.json", "'artifacts' must be a mapping"],
    ),
    "artifact is a string": (
        lambda d: manifest(d, lambda m: {**m, "artifacts": {"App": "x"}}),
        ["manifest.json", "artifact 'App' must be a mapping"],
    ),
    "missing templateFile": (
        lambda d: manifest(
            d, lambda m: {**m, "artifacts": {"App": {**m["artifacts"]["App"], "properties": {}}}}
        ),
        ["manifest.json", "no properties.templateFile"],
    ),
    "templateFile leads outside": (
        stack_property("templateFile", "../../etc/passwd"),
        ["templateFile", "leads outside"],
    ),
    "stack name is a path": (
        stack_property("stackName", "../../x"),
        ["manifest.json", "stack name '../../x' is invalid"],
    ),
    "stack name too long": (
        stack_property("stackName", "A" * 129),
        ["stack name", "at most 128"],
    ),
    "template is a list": (
        lambda d: template(d, lambda t: [t]),
        ["App.template.json", "must be a JSON object, got a list"],
    ),
    "template is not JSON": (
        lambda d: (d / "App.template.json").write_text("[{"),
        ["App.template.json", "not valid JSON"],
    ),
    "Resources empty": (
        lambda d: template(d, lambda t: {**t, "Resources": {}}),
        ["App.template.json", "Resources must be a non-empty mapping"],
    ),
    "Resources a list": (
        lambda d: template(d, lambda t: {**t, "Resources": []}),
        ["App.template.json", "Resources must be a non-empty mapping", "got a list"],
    ),
    "unknown DependsOn": (
        resources(lambda r: r["A"].__setitem__("DependsOn", ["Nowhere"])),
        ["App.template.json", "resource A", "DependsOn names 'Nowhere'"],
    ),
    "unresolved Ref": (
        properties_of("DefaultSenderId", {"Ref": "Nowhere"}),
        ["App.template.json", "resource A", "Ref to 'Nowhere'"],
    ),
    "string EventDestinations": (
        properties_of("EventDestinations", "not-a-list"),
        ["App.template.json", "resource A", "EventDestinations must be a list", "a string"],
    ),
    "destination that is a string": (
        properties_of("EventDestinations", ["x"]),
        ["resource A", "EventDestinations[0] must be a mapping"],
    ),
    "MatchingEventTypes a string": (
        properties_of(
            "EventDestinations",
            [{"EventDestinationName": "T", "MatchingEventTypes": "ALL", "SnsDestination": {}}],
        ),
        ["resource A", "MatchingEventTypes must be a list"],
    ),
    "resource without Type": (
        resources(lambda r: r["A"].pop("Type")),
        ["resource A has no Type"],
    ),
    "logical id with a path": (
        resources(lambda r: r.__setitem__("../x", r.pop("A"))),
        ["logical id '../x' is invalid"],
    ),
    "Properties a list": (
        resources(lambda r: r["A"].__setitem__("Properties", [])),
        ["resource A: Properties must be a mapping"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["deploy", "destroy"])
def test_bad_input_exits_2_naming_the_file_and_the_fault(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit, expected = CASES[case]
    cdk_out = tmp_path / "cdk.out"
    good(cdk_out)
    edit(cdk_out)
    state = tmp_path / "state"
    code = main([command, "--cdk-out", str(cdk_out), "--state-dir", str(state)])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert err.startswith("error: ")
    for text in expected:
        assert text in err
    assert "Traceback" not in err
    assert not (state / "stacks").exists()  # refused before anything was recorded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdk.out", "state"]


def test_verbose_adds_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdk_out = tmp_path / "cdk.out"
    good(cdk_out)
    template(cdk_out, lambda t: [t])
    options = ["--cdk-out", str(cdk_out), "--state-dir", str(tmp_path / "s"), "--verbose"]
    assert main(["deploy", *options]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "must be a JSON object, got a list" in err


def test_a_report_of_malformed_properties_does_not_fail() -> None:
    from cdk_smsvoice.local.engine import ResourceResult, StackResult
    from cdk_smsvoice.local.report import render_results, results_json

    weird = {"ConfigurationSetName": "s", "EventDestinations": "oops"}
    results = [StackResult("App", "ROLLBACK_COMPLETE", [ResourceResult("A", V2, "failed", weird)])]
    assert "App: ROLLBACK_COMPLETE (1 failed)" in render_results(results)
    assert results_json(results)["stacks"][0]["resources"][0]["destinations"] == []
    listed = {"EventDestinations": ["x", {"MatchingEventTypes": "ALL"}]}
    assert "A" in render_results([StackResult("App", "X", [ResourceResult("A", V2, "x", listed)])])
