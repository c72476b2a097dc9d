"""A nested stack end to end: its set gets the parent's value through a parameter, the
parent's set reads the nested stack's output (``GetAtt <nested>.Outputs.X``); status and the
result table show the nested sets under their parent; destroy removes them in reverse."""

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from crash_app import synth_nested
from local_support import Local, hand_template, set_properties, write_assembly

from cdk_smsvoice.emulator import Emulator
from cdk_smsvoice.local.assembly import read_assembly
from cdk_smsvoice.local.cli import main
from cdk_smsvoice.local.engine import Deployer
from cdk_smsvoice.local.report import Progress
from cdk_smsvoice.local.state import StateStore


@pytest.fixture(scope="session")
def nested_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_nested(tmp_path_factory.mktemp("nested.out"))


def v2_sets(emulator: Emulator) -> dict[str, Any]:
    client = boto3.client(
        "pinpoint-sms-voice-v2",
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="123456789012",
        aws_secret_access_key="x",
    )
    found = {}
    for item in client.describe_configuration_sets()["ConfigurationSets"]:
        tags = client.list_tags_for_resource(ResourceArn=item["ConfigurationSetArn"])["Tags"]
        found[item["ConfigurationSetName"]] = {t["Key"]: t["Value"] for t in tags}
    return found


def test_nested_stack_with_a_parameter_and_an_output(
    nested_app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--cdk-out", str(nested_app), "--state-dir", str(tmp_path)]
    assert main(["deploy", *options]) == 0
    out = capsys.readouterr().out
    parent_line = out.index("Parent:")
    nested_title = next(line for line in out.splitlines() if line.startswith("Parent/Child"))
    assert out.index(nested_title) > parent_line  # nested sets come under their parent
    assert "Parent: CREATE_COMPLETE (2 created)" in out
    assert "CREATE_COMPLETE (1 created)" in out.split("Parent: CREATE_COMPLETE")[1]

    store = StateStore(tmp_path)
    states = {s.stack_name: s for s in store.load_all()}
    parent = states.pop("Parent")
    (child,) = states.values()
    assert child.parent == "Parent"
    assert child.stack_name.startswith("Parent-ChildNestedStack")
    (nested_entry,) = [r for r in parent.resources.values() if r.resource_type.endswith("Stack")]
    assert nested_entry.physical_id == child.stack_id
    # The parameter carried the parent's set name in; the output carried the nested one out.
    (parameter,) = nested_entry.properties["Parameters"].values()
    assert parameter == "outer"
    assert set(nested_entry.data.values()) == {"outer-inner"}
    assert all(key.startswith("Outputs.") for key in nested_entry.data)

    with Emulator(data_dir=tmp_path / "emulator") as emulator:
        sets = v2_sets(emulator)
    assert set(sets) == {"outer", "outer-inner", "outer-inner-user"}
    (inner_lid,) = child.resources
    assert sets["outer-inner"]["cdk-smsvoice:owner"] == f"{child.stack_id}#{inner_lid}"

    assert main(["deploy", *options]) == 0
    out = capsys.readouterr().out
    assert "Parent: no changes" in out

    assert main(["status", "--json", *options]) == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert stack["stack"] == "Parent" and not stack["orphaned"]
    (nested,) = stack["nested"]
    assert [r["configuration_set_name"] for r in nested["resources"]] == ["outer-inner"]

    assert main(["destroy", *options]) == 0
    out = capsys.readouterr().out
    assert "Parent: DELETE_COMPLETE (2 deleted)" in out
    assert store.load_all() == []
    with Emulator(data_dir=tmp_path / "emulator") as emulator:
        assert v2_sets(emulator) == {}


def test_a_nested_template_file_that_is_missing_is_refused(
    nested_app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    copy = tmp_path / "cdk.out"
    shutil.copytree(nested_app, copy)
    (nested_file,) = copy.glob("*.nested.template.json")
    nested_file.write_text('{"Resources": []}')
    assert main(["deploy", "--cdk-out", str(copy), "--state-dir", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert nested_file.name in err and "Resources must be a non-empty mapping" in err


def test_a_run_killed_inside_a_nested_stack_is_destroyed_then_redeployed(
    nested_app: Path, tmp_path: Path
) -> None:
    """SIGKILL while the nested stack's first set is being created (the parent's state does
    not record the nested stack yet): destroy still finds and removes it."""
    from test_crash import assert_no_handler_survives, cli, finish

    with Emulator(data_dir=tmp_path / "emulator") as emulator:
        endpoint = ["--endpoint", emulator.endpoint_url]
        state = tmp_path / "state"
        run = cli("deploy", nested_app, state, *endpoint)
        while run.poll() is None:
            children = list((state / "stacks").glob("Parent-*.json"))
            if children and json.loads(children[0].read_text())["intents"]:
                run.kill()
                break
            time.sleep(0.02)
        assert run.wait() == -9, "the run ended before the kill point"
        assert_no_handler_survives(nested_app)
        code, out, err = finish(cli("destroy", nested_app, state, *endpoint))
        assert code == 0, out + err
        assert v2_sets(emulator) == {}
        assert list((state / "stacks").iterdir()) == []
        code, out, err = finish(cli("deploy", nested_app, state, *endpoint))
        assert code == 0, out + err
        assert set(v2_sets(emulator)) == {"outer", "outer-inner", "outer-inner-user"}


def nested_assembly(local: Local, parent: dict[str, Any], child: dict[str, Any]) -> None:
    """Write the parent (with the nested template beside it) as the assembly of ``local``."""
    (local.root / "cdk.out").mkdir()
    (local.root / "cdk.out" / "Child.nested.template.json").write_text(json.dumps(child))
    write_assembly(local.root / "cdk.out", {"Parent": parent})


def nested_resource(**parameters: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFormation::Stack",
        "Properties": {"TemplateURL": "https://example/x.json", "Parameters": parameters},
        "Metadata": {"aws:asset:path": "Child.nested.template.json"},
    }


def test_outputs_of_a_nested_stack_without_sets_resolve_in_the_parent(local: Local) -> None:
    child = {
        "Parameters": {"Prefix": {"Type": "String"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"Name": {"Value": {"Fn::Join": ["-", [{"Ref": "Prefix"}, "set"]]}}},
    }
    parent = hand_template({"A": {"Properties": set_properties("unused")}})
    parent["Resources"]["A"]["Properties"]["ConfigurationSetName"] = {
        "Fn::GetAtt": ["Child", "Outputs.Name"]
    }
    parent["Resources"]["Child"] = nested_resource(Prefix="from-parent")
    nested_assembly(local, parent, child)
    deployer = Deployer(
        read_assembly(local.root / "cdk.out"), local.store, local.handler, Progress()
    )
    (result,) = deployer.deploy()
    assert result.status == "CREATE_COMPLETE"
    assert [c.properties["ConfigurationSetName"] for c in local.handler.calls] == [
        "from-parent-set"
    ]
    assert [s.stack_name for s in local.store.load_all()] == ["Parent"]  # nothing to record


def test_a_failure_in_the_parent_rolls_the_nested_stack_back(local: Local) -> None:
    child = hand_template({"Inner": {"Properties": set_properties("inner")}})
    child["Parameters"] = {"Unused": {"Type": "String", "Default": "x"}}
    parent = hand_template({"Late": {"Properties": set_properties("late"), "DependsOn": ["Child"]}})
    parent["Resources"]["Child"] = nested_resource()
    nested_assembly(local, parent, child)
    local.handler.fail_when = lambda call: "refused" if call.logical_id == "Late" else None
    deployer = Deployer(
        read_assembly(local.root / "cdk.out"), local.store, local.handler, Progress()
    )
    (result,) = deployer.deploy()
    assert result.status == "ROLLBACK_COMPLETE"
    assert local.handler.summary() == [
        ("Create", "Inner", None),
        ("Create", "Late", None),
        ("Delete", "Inner", "inner"),
    ]
    (nested,) = result.nested
    assert nested.status == "ROLLBACK_COMPLETE"
    assert local.store.load_all() == []
