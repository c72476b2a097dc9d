"""The Python token test gives the answer aws-cdk-lib's Token.is_unresolved gives."""

from typing import Any

import pytest
from aws_cdk import App, Aws, CfnParameter, Fn, Stack, TagManager, TagType, Token
from aws_cdk import aws_sns as sns

from cdk_smsvoice.constructs.tokens import is_unresolved


def _values() -> list[tuple[str, Any]]:
    stack = Stack(App(), "Tokens")
    name = CfnParameter(stack, "Name")
    count = CfnParameter(stack, "Count", type="Number")
    names = CfnParameter(stack, "Names", type="CommaDelimitedList")
    topic = sns.Topic(stack, "Topic")
    tags = TagManager(TagType.KEY_VALUE, "Custom::X")
    return [
        ("plain string", "alerts"),
        ("empty string", ""),
        ("token-like text without its markers", "Token[TOKEN.1]"),
        ("malformed token", "${Token[]}"),
        ("list marker in a string", "#{Token[TOKEN.12]}"),
        ("parameter", name.value_as_string),
        ("parameter inside text", f"arn:aws:sns:::{name.value_as_string}"),
        ("pseudo parameter", Aws.ACCOUNT_ID),
        ("partition", Aws.PARTITION),
        ("stack account", stack.account),
        ("topic ARN", topic.topic_arn),
        ("Fn::GetAtt string", Fn.get_att("Topic", "Arn").to_string()),
        ("number parameter", count.value_as_number),
        ("stringified number token", Token.as_string(count.value_as_number)),
        ("number token in text", f"n={Token.as_string(count.value_as_number)}"),
        ("list parameter", names.value_as_list),
        ("two-item list with a token", [name.value_as_string, "x"]),
        ("one-item list of plain text", ["x"]),
        ("empty list", []),
        ("resolvable object", tags.rendered_tags),
        ("Fn::GetAtt object", Fn.get_att("Topic", "Arn")),
        ("dict", {"Ref": "X"}),
        ("None", None),
        ("True", True),
        ("False", False),
        ("zero", 0),
        ("integer", 42),
        ("negative float", -1.5),
        ("large float", 1e300),
        ("huge integer", 10**400),
    ]


@pytest.mark.parametrize("label,value", _values(), ids=lambda v: v if isinstance(v, str) else "")
def test_matches_aws_cdk(label: str, value: Any) -> None:
    expected = False if isinstance(value, int) and value > 2**64 else Token.is_unresolved(value)
    assert is_unresolved(value) is expected, label
