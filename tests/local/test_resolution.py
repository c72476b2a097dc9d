"""Resolving templates as CloudFormation does: intrinsics, deterministic physical ids and
stringified scalars, on synthesized stacks and on small hand-written templates."""

import json
from typing import Any

import pytest
from local_support import Synthesized

from cdk_smsvoice.local.assembly import read_assembly
from cdk_smsvoice.local.intrinsics import CUSTOM_TYPES, ResolutionError, Resolver, stringify
from cdk_smsvoice.local.invoke import find_handler
from cdk_smsvoice.local.physical import StackEnvironment, generated_name

ENV = StackEnvironment(
    "Stack",
    "arn:aws:cloudformation:us-east-1:123456789012:stack/Stack/id",
    "123456789012",
    "us-east-1",
)
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/SmsVoiceReference/0000"


def resolver_for(
    template: dict[str, Any], env: StackEnvironment = ENV, imports: dict[str, Any] | None = None
) -> Resolver:
    def imported(name: str) -> Any:
        if imports and name in imports:
            return imports[name]
        raise ResolutionError(f"no export {name}")

    return Resolver(template, env, custom=lambda _lid: None, imports=imported)


def reference_resolver(synthesized: Synthesized) -> Resolver:
    env = StackEnvironment("SmsVoiceReference", STACK_ID, "123456789012", "us-east-1")
    return resolver_for(synthesized.templates["SmsVoiceReference"], env)


def tokens_left(value: Any) -> list[Any]:
    if isinstance(value, dict):
        if any(key == "Ref" or key.startswith("Fn::") for key in value):
            return [value]
        return [t for item in value.values() for t in tokens_left(item)]
    if isinstance(value, list):
        return [t for item in value for t in tokens_left(item)]
    return []


def scalars(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in scalars(item)]
    if isinstance(value, list):
        return [s for item in value for s in scalars(item)]
    return [value]


def test_reference_sets_resolve_to_strings_and_deterministic_arns(
    synthesized: Synthesized,
) -> None:
    template = synthesized.templates["SmsVoiceReference"]
    custom = [lid for lid, r in template["Resources"].items() if r["Type"] in CUSTOM_TYPES]
    assert sorted(custom) == ["Calls3682725C", "Notifications87298708"]
    first, second = reference_resolver(synthesized), reference_resolver(synthesized)
    for lid in custom:
        props = first.resolve_properties(lid)
        assert props == second.resolve_properties(lid)
        assert tokens_left(props) == []
        assert all(isinstance(s, str) for s in scalars(props)), props
    v2 = first.resolve_properties("Notifications87298708")
    assert v2["ServiceToken"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:"
        + generated_name("SmsVoiceReference", "CdkSmsVoiceProviderframeworkonEventBE6C2118", 64)
    )
    assert v2["MessageFeedbackEnabled"] == "true"
    assert v2["SchemaVersion"] == "1"
    delivery, logs, lake = v2["EventDestinations"]
    assert delivery["Enabled"] == "true"
    topic_name = generated_name("SmsVoiceReference", "DeliveryEvents3319DD2C", 256)
    assert delivery["SnsDestination"] == {
        "TopicArn": f"arn:aws:sns:us-east-1:123456789012:{topic_name}"
    }
    log_group = generated_name("SmsVoiceReference", "EventLog9136F25F", 512)
    assert logs["CloudWatchLogsDestination"]["LogGroupArn"] == (
        f"arn:aws:logs:us-east-1:123456789012:log-group:{log_group}:*"
    )
    role = generated_name("SmsVoiceReference", "NotificationsAllEventsLogRole4E1C937B", 64)
    assert logs["CloudWatchLogsDestination"]["IamRoleArn"] == (
        f"arn:aws:iam::123456789012:role/{role}"
    )
    assert len(role) <= 64
    stream = generated_name("SmsVoiceReference", "EventStream271A91DB", 64)
    assert lake["KinesisFirehoseDestination"]["DeliveryStreamArn"] == (
        f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{stream}"
    )
    v1 = first.resolve_properties("Calls3682725C")
    assert v1["ServiceToken"] == v2["ServiceToken"]


def test_the_service_token_leads_to_the_python_handler_asset(synthesized: Synthesized) -> None:
    resolver = reference_resolver(synthesized)
    token = resolver.resolve_properties("Notifications87298708")["ServiceToken"]
    template = synthesized.templates["SmsVoiceReference"]
    function = find_handler(template, resolver, synthesized.directory, token)
    assert function is not None
    assert (function.asset_dir / "index.py").is_file()
    assert (function.asset_dir / "smsvoice_handler" / "dispatch.py").is_file()
    assert function.entry == "index.on_event"
    assert function.timeout == 600
    assert function.function_name == generated_name(
        "SmsVoiceReference", "CdkSmsVoiceProviderOnEvent1C0CCC8B", 64
    )
    assert find_handler(template, resolver, synthesized.directory, "arn:aws:lambda:x") is None


def test_import_value_resolves_the_exporting_stacks_output(synthesized: Synthesized) -> None:
    stacks = {s.stack_name: s for s in read_assembly(synthesized.directory)}
    names = list(stacks)
    assert names.index("Producer") < names.index("Consumer")
    assert "Producer" in stacks["Consumer"].dependencies
    resolvers: dict[str, Resolver] = {}

    def imported(name: str) -> Any:
        for resolver in resolvers.values():
            found, value = resolver.export_value(name)
            if found:
                return value
        raise ResolutionError(f"no export {name}")

    for stack in stacks.values():
        env = StackEnvironment(stack.stack_name, "id", stack.account, stack.region)
        resolvers[stack.stack_name] = Resolver(
            stack.template, env, custom=lambda _lid: None, imports=imported
        )
    consumer = stacks["Consumer"].template
    (set_id,) = [lid for lid, r in consumer["Resources"].items() if r["Type"] in CUSTOM_TYPES]
    assert "Fn::ImportValue" in json.dumps(consumer["Resources"][set_id]["Properties"])
    props = resolvers["Consumer"].resolve_properties(set_id)
    topic_arn = props["EventDestinations"][0]["SnsDestination"]["TopicArn"]
    producer = stacks["Producer"].template
    (topic_id,) = [
        lid for lid, r in producer["Resources"].items() if r["Type"] == "AWS::SNS::Topic"
    ]
    assert topic_arn == resolvers["Producer"].resolve({"Ref": topic_id}, "test")
    assert topic_arn.startswith("arn:aws:sns:us-east-1:123456789012:Producer-Topic")
    assert resolvers["Producer"].export_value("producer-topic-name") == (
        True,
        topic_arn.rsplit(":", 1)[1],
    )


def test_stringify_turns_every_scalar_into_cloudformations_string() -> None:
    value = {"a": True, "b": False, "c": 5, "d": [1.5, "x", {"e": True}]}
    assert stringify(value) == {
        "a": "true",
        "b": "false",
        "c": "5",
        "d": ["1.5", "x", {"e": "true"}],
    }


def test_functions_and_pseudo_parameters() -> None:
    template = {
        "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        "Mappings": {"Sizes": {"prod": {"Count": 3}}},
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Named": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/my/logs"}},
            "Key": {"Type": "AWS::KMS::Key"},
            "Skipped": {"Type": "AWS::SNS::Topic", "Condition": "NotProd"},
        },
    }
    resolver = resolver_for(template, imports={"shared-name": "from-export"})
    value = {
        "Sub": {"Fn::Sub": "${AWS::StackName}-${Env}-${!Literal}-${Bucket.Arn}"},
        "SubVars": {"Fn::Sub": ["${A}/${AWS::Region}", {"A": {"Ref": "Named"}}]},
        "Join": {"Fn::Join": [":", ["a", True, 7]]},
        "Select": {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]},
        "If": {"Fn::If": ["IsProd", "yes", "no"]},
        "Gone": {"Fn::If": ["NotProd", "x", {"Ref": "AWS::NoValue"}]},
        "List": ["keep", {"Ref": "AWS::NoValue"}],
        "Map": {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Count"]},
        "Import": {"Fn::ImportValue": {"Fn::Sub": "shared-${AWS::NoValue}name"}},
        "Pseudo": [
            {"Ref": "AWS::AccountId"},
            {"Ref": "AWS::Partition"},
            {"Ref": "AWS::URLSuffix"},
            {"Ref": "AWS::StackId"},
        ],
        "LogArn": {"Fn::GetAtt": "Named.Arn"},
        "KeyArn": {"Fn::GetAtt": ["Key", "Arn"]},
    }
    with pytest.raises(ResolutionError):  # Fn::Sub cannot splice AWS::NoValue
        resolver.resolve(value, "Thing")
    value["Import"] = {"Fn::ImportValue": "shared-name"}
    resolved = resolver.resolve(value, "Thing")
    bucket = generated_name("Stack", "Bucket", 63, lowercase=True)
    assert resolved["Sub"] == f"Stack-prod-${{Literal}}-arn:aws:s3:::{bucket}"
    assert bucket == bucket.lower() and len(bucket) <= 63
    assert resolved["SubVars"] == "/my/logs/us-east-1"
    assert resolved["Join"] == "a:true:7"
    assert resolved["Select"] == "y"
    assert resolved["If"] == "yes"
    assert "Gone" not in resolved
    assert resolved["List"] == ["keep"]
    assert resolved["Map"] == 3
    assert resolved["Import"] == "from-export"
    assert resolved["Pseudo"] == ["123456789012", "aws", "amazonaws.com", ENV.stack_id]
    assert resolved["LogArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/my/logs:*"
    key_id = resolved["KeyArn"].rsplit("/", 1)[1]
    assert resolved["KeyArn"] == f"arn:aws:kms:us-east-1:123456789012:key/{key_id}"
    assert len(key_id) == 36
    assert resolver.is_present("Bucket") and not resolver.is_present("Skipped")


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ({"Ref": "Missing"}, "no resource or parameter Missing"),
        ({"Fn::GetAtt": ["Topic", "Nope"]}, "has no attribute 'Nope'"),
        ({"Fn::GetAZs": ""}, "Fn::GetAZs is not supported by local deploy"),
        ({"Fn::ImportValue": "absent"}, "no export absent"),
        ({"Fn::Select": [5, ["a"]]}, "index 5 out of range"),
        ({"Ref": "AWS::Nope"}, "unknown pseudo parameter AWS::Nope"),
    ],
)
def test_unresolvable_expressions_name_the_stack_the_resource_and_the_expression(
    expression: dict[str, Any], reason: str
) -> None:
    resolver = resolver_for({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    with pytest.raises(ResolutionError) as caught:
        resolver.resolve({"Outer": [expression]}, "MySet")
    message = str(caught.value)
    assert message.startswith("stack Stack: MySet: cannot resolve ")
    assert json.dumps(expression) in message
    assert reason in message


def test_get_att_of_a_custom_resource_reads_its_handler_data() -> None:
    template = {"Resources": {"Set": {"Type": "Custom::SmsVoiceV2ConfigurationSet"}}}
    resolver = Resolver(
        template,
        ENV,
        custom=lambda lid: ("the-set", {"Arn": "arn:set", "Count": 2}) if lid == "Set" else None,
        imports=lambda name: None,
    )
    assert resolver.resolve({"Ref": "Set"}, "X") == "the-set"
    assert resolver.resolve({"Fn::GetAtt": ["Set", "Count"]}, "X") == "2"
    with pytest.raises(ResolutionError, match="handler's response Data attributes: Arn, Count"):
        resolver.resolve({"Fn::GetAtt": ["Set", "Missing"]}, "X")
