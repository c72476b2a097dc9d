"""Values as people read them: CDK tokens replaced by what they stand for.

Messages and warnings never print a raw token such as ``${Token[TOKEN.68]}``. A reference to a
construct's attribute reads ``<Arn of Stack/Alerts/Logs/Role, resolved at deploy>`` (a ``Ref``:
``<Stack/Topic, resolved at deploy>``), a pseudo parameter reads as a
placeholder (``<account-id>``, ``<region>``, ``<partition>``) and anything else as
``(resolved at deploy)``.
"""

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Reference, Stack, Token, Tokenization
from constructs import IConstruct

RESOLVED_AT_DEPLOY = "(resolved at deploy)"
"""What a value reads as when nothing better can be said about it at synth."""

PSEUDO_PLACEHOLDERS = {
    "AWS::AccountId": "<account-id>",
    "AWS::Region": "<region>",
    "AWS::Partition": "<partition>",
    "AWS::URLSuffix": "<url-suffix>",
    "AWS::StackName": "<stack-name>",
    "AWS::StackId": "<stack-id>",
    "AWS::NotificationARNs": "<notification-arns>",
    "AWS::NoValue": "",
}
"""Pseudo parameters, as the placeholders a person replaces by hand."""

_STRING_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")
_LIST_TOKEN = re.compile(r"#\{Token\[[^\]]*\]\}")
_PARTIAL_TOKEN = re.compile(r"[$#]\{Token\[[^\s\"']*")


def readable(value: Any, scope: IConstruct) -> Any:
    """``value`` (a string, number, list or mapping) with every token replaced by what it
    stands for, as seen from ``scope``'s stack.
    """
    if isinstance(value, str):
        return _readable_string(value, scope)
    if isinstance(value, Mapping):
        return {readable(k, scope): readable(v, scope) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [readable(v, scope) for v in value]
    if callable(getattr(value, "resolve", None)) or (
        isinstance(value, int | float) and Token.is_unresolved(value)
    ):
        return _describe_resolvable(value, scope)
    return value


def without_tokens(text: str) -> str:
    """``text`` with any token marker left in it (even one cut short) replaced by
    ``(resolved at deploy)``: the last guard before a message is shown.
    """
    text = _STRING_TOKEN.sub(RESOLVED_AT_DEPLOY, text)
    text = _LIST_TOKEN.sub(RESOLVED_AT_DEPLOY, text)
    return _PARTIAL_TOKEN.sub(RESOLVED_AT_DEPLOY, text)


def _readable_string(text: str, scope: IConstruct) -> str:
    if not Token.is_unresolved(text):
        return text
    if _LIST_TOKEN.fullmatch(text):
        return RESOLVED_AT_DEPLOY

    def replace(match: re.Match[str]) -> str:
        token = Tokenization.reverse_string(match.group(0)).first_token
        if token is None:
            return RESOLVED_AT_DEPLOY
        return str(_describe_resolvable(token, scope))

    return _STRING_TOKEN.sub(replace, text)


def _describe_resolvable(token: Any, scope: IConstruct) -> Any:
    if isinstance(token, Reference):
        target = token.target.node.path
        target = target.removesuffix("/Resource").removesuffix("/Default")
        if token.display_name == "Ref":
            return f"<{target}, resolved at deploy>"
        return f"<{token.display_name} of {target}, resolved at deploy>"
    try:
        resolved = Stack.of(scope).resolve(token)
    except Exception:  # a token that cannot resolve here reads as unknown, never as an error
        return RESOLVED_AT_DEPLOY
    return _describe_intrinsic(resolved, scope)


def _describe_intrinsic(value: Any, scope: IConstruct) -> Any:
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref" and argument in PSEUDO_PLACEHOLDERS:
            return PSEUDO_PLACEHOLDERS[argument]
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(separator, str) and isinstance(parts, list):
                return separator.join(str(_describe_intrinsic(p, scope)) for p in parts)
        if function in ("Ref", "Fn::GetAtt", "Fn::ImportValue"):
            return RESOLVED_AT_DEPLOY
    if isinstance(value, str):
        return _readable_string(value, scope)
    if isinstance(value, list):
        return [_describe_intrinsic(v, scope) for v in value]
    if isinstance(value, Mapping):
        return {k: _describe_intrinsic(v, scope) for k, v in value.items()}
    return value
