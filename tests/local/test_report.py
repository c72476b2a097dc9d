"""The final table and the command line's answers to bad input."""

import io
import json
from pathlib import Path

import pytest
from local_support import V2, Local, hand_template, set_properties

from cdk_smsvoice.local.cli import EXIT_USAGE, main
from cdk_smsvoice.local.engine import ResourceResult, StackResult
from cdk_smsvoice.local.intrinsics import stringify
from cdk_smsvoice.local.report import Progress, changed_fields, render_results, results_json


def test_update_rows_say_which_fields_and_destinations_changed() -> None:
    old = stringify(set_properties("s", DefaultMessageType="PROMOTIONAL"))
    old["EventDestinations"].append({**old["EventDestinations"][0], "EventDestinationName": "Gone"})
    new = stringify(set_properties("s", ["TEXT_DELIVERED"], DefaultMessageType="TRANSACTIONAL"))
    new["EventDestinations"].append(
        {
            "EventDestinationName": "Logs",
            "Enabled": "false",
            "MatchingEventTypes": ["ALL"],
            "CloudWatchLogsDestination": {"IamRoleArn": "arn:r", "LogGroupArn": "arn:l"},
        }
    )
    fields, destinations = changed_fields(old, new)
    assert fields == ["DefaultMessageType"]
    assert destinations == {
        "Topic": "changed: MatchingEventTypes",
        "Logs": "added",
        "Gone": "removed",
    }
    result = StackResult("App", "UPDATE_COMPLETE", [ResourceResult("A", V2, "updated", new, old)])
    lines = render_results([result], width=200).splitlines()
    assert lines[0] == "App:"
    assert lines[1].split() == [
        "RESOURCE", "API", "CONFIGURATION", "SET", "/", "SINK", "EVENTS", "CHANGE",
    ]  # fmt: skip
    assert lines[3].split() == ["A", "v2", "s", "updated:", "DefaultMessageType,", "destinations"]
    assert lines[4].split() == [
        "└",
        "Topic",
        "sns",
        "TEXT_DELIVERED",
        "changed:",
        "MatchingEventTypes",
    ]
    assert lines[5].split() == ["└", "Logs", "logs,", "disabled", "ALL", "added"]
    assert lines[6].split() == ["└", "Gone", "sns", "ALL", "removed"]
    assert lines[-1] == "App: UPDATE_COMPLETE (1 updated)"


def test_missing_assembly_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["deploy", "--cdk-out", str(tmp_path / "nope"), "--state-dir", str(tmp_path)])
    assert code == EXIT_USAGE
    assert "no cloud assembly at" in capsys.readouterr().err


def test_status_without_state_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "nothing deployed"


def test_progress_lines_name_stack_status_type_and_logical_id(
    local: Local, capsys: pytest.CaptureFixture[str]
) -> None:
    local.deploy({"App": hand_template({"A": {"Properties": set_properties("a")}})})
    lines = capsys.readouterr().err.splitlines()
    fields = [[part.strip() for part in line.split("|")] for line in lines]
    assert [(f[0], f[2], f[3], f[4]) for f in fields] == [
        ("App", "CREATE_IN_PROGRESS", "AWS::CloudFormation::Stack", "App"),
        ("App", "CREATE_IN_PROGRESS", V2, "A"),
        ("App", "CREATE_COMPLETE", V2, "A"),
        ("App", "CREATE_COMPLETE", "AWS::CloudFormation::Stack", "App"),
    ]
    assert all(f[1].endswith("s") for f in fields)


def test_the_table_fits_the_width_folding_long_names_and_plain_text_has_no_control_codes() -> None:
    long_name = "a-very-long-configuration-set-name-" + "x" * 29
    props = stringify(set_properties(long_name, ["TEXT_DELIVERED", "TEXT_BLOCKED", "VOICE_ALL"]))
    result = StackResult(
        "A" * 100,
        "CREATE_COMPLETE",
        [ResourceResult("LogicalId" + "9" * 60, V2, "created", props)],
        nested=[
            StackResult("Child", "CREATE_COMPLETE", [ResourceResult("Inner", V2, "created", props)])
        ],
    )
    result.nested[0].logical_id = "ChildNestedStackResource"
    for width in (60, 80, 120):
        text = render_results([result], width=width)
        table, summary = text.split("\n\n")
        assert max(len(line) for line in table.splitlines()) <= width
        assert "\x1b" not in text
        assert "a-very-long" in table and ("x" * 29 in table) == (width >= 120)  # folded
    wide = render_results([result], width=200).split("\n\n")[0]
    titles = [line for line in wide.splitlines() if line.endswith(":")]
    assert titles == [f"{'A' * 100}:", f"{'A' * 100}/ChildNestedStackResource:"]
    assert summary.splitlines() == [
        f"{'A' * 100}: CREATE_COMPLETE (1 created)",
        f"{'A' * 100}/ChildNestedStackResource: CREATE_COMPLETE (1 created)",
    ]
    document = results_json([result])
    (stack,) = document["stacks"]
    assert stack["resources"][0]["configuration_set_name"] == long_name
    assert stack["resources"][0]["destinations"][0]["events"] == [
        "TEXT_DELIVERED",
        "TEXT_BLOCKED",
        "VOICE_ALL",
    ]
    assert stack["nested"][0]["logical_id"] == "ChildNestedStackResource"
    json.dumps(document)


def test_progress_on_a_pipe_is_plain_lines(local: Local) -> None:
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress.event("App", "CREATE_FAILED", V2, "A", "reason [with brackets]")
    assert (
        stream.getvalue() == f"App |   0.0s | CREATE_FAILED | {V2} | A | reason [with brackets]\n"
    )
