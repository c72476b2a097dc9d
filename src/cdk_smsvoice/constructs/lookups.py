"""Facts read from the jsii Node.js process once, then kept in Python.

Each jsii property read or method call is a round trip to Node.js. What is read here never
changes once read: a construct never moves to another stack, a stack's account and a sink's
ARN are fixed when they are constructed, and a construct's ``node`` is always the same object.
So each is read once per object, keyed by the object's jsii reference (unique for the life of
the process; jsii keeps every object alive), and synthesizing many sets against the same
stack and sinks reads them once.
"""

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

from aws_cdk import Stack
from constructs import IConstruct, Node

_T = TypeVar("_T")

_memo: dict[tuple[str, ...], Any] = {}


def ref_of(obj: Any) -> str:
    """The jsii reference of ``obj`` (``aws-cdk-lib.Stack@10012``), read without Node.js."""
    return str(obj.__jsii_ref__.ref)


def memo(key: tuple[str, ...], compute: Callable[[], _T]) -> _T:
    """``compute()`` the first time ``key`` is asked for, the same value afterwards."""
    try:
        value: _T = _memo[key]
    except KeyError:
        value = _memo[key] = compute()
    return value


def by_reference(obj: _T) -> _T:
    """Have jsii pass ``obj``, a Python object implementing jsii interfaces that jsii has
    already created in Node.js, by reference from now on.

    jsii's runtime creates a new Node.js object each time it is handed a Python object that
    carries no jsii type (``_make_reference_for_native`` in jsii 1.x): one round trip, and a
    second object. Marked with the type it was created as (``Object``), the runtime sends the
    existing reference instead.
    """
    if hasattr(obj, "__jsii_ref__"):
        setattr(obj, "__jsii_type__", "Object")  # noqa: B010
    return obj


def recall(key: tuple[str, ...]) -> Any:
    """What :func:`remember` stored under ``key``; None if nothing."""
    return _memo.get(key)


def remember(key: tuple[str, ...], value: Any) -> None:
    """Store ``value`` under ``key`` for :func:`recall`."""
    _memo[key] = value


def attribute(obj: Any, name: str) -> Any:
    """``getattr(obj, name)`` for an attribute fixed at construction (an ARN, a flag)."""
    return memo((ref_of(obj), name), lambda: getattr(obj, name))


def node_of(construct: IConstruct) -> Node:
    """``construct.node``."""
    node: Node = attribute(construct, "node")
    return node


def stack_of(construct: IConstruct) -> Stack:
    """``Stack.of(construct)``."""
    if isinstance(construct, Stack):
        return construct
    stack: Stack = memo((ref_of(construct), "Stack.of"), lambda: Stack.of(construct))
    return stack


def placed_in(construct: IConstruct, scope: IConstruct, construct_id: str) -> None:
    """Record that ``construct`` was just created in ``scope`` with ``construct_id``: it is
    in ``scope``'s stack (unless it is a stack itself), and its address follows from that.
    """
    if not isinstance(construct, Stack):
        remember((ref_of(construct), "Stack.of"), stack_of(scope))
    remember((ref_of(construct), "placed"), (scope, _sanitize_id(construct_id)))


def addr_of(construct: IConstruct) -> str:
    """``construct.node.addr``: the SHA-1 of the ids from the root down, as the constructs
    library computes it (``addressOf`` in constructs 10), from the ids recorded by
    :func:`placed_in`. For any other construct it is read from Node.js.
    """
    ids = _ids_of(construct)
    if ids is None:
        addr: str = attribute(node_of(construct), "addr")
        return addr
    return _address(ids)


_SEPARATORS = re.compile(r"[/\n]")
_HIDDEN_ID = "Default"


def _sanitize_id(construct_id: str) -> str:
    return _SEPARATORS.sub("--", construct_id)


def _address(ids: list[str]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for construct_id in ids:
        if construct_id != _HIDDEN_ID:
            digest.update(construct_id.encode() + b"\n")
    return "c8" + digest.hexdigest()


def _ids_of(construct: IConstruct) -> list[str] | None:
    """The ids of ``construct`` and its scopes from the root (the root's id is usually
    ``""``), or None when they cannot be told from what Python knows.
    """

    def compute() -> list[str] | None:
        placed = recall((ref_of(construct), "placed"))
        if placed is not None:
            scope_ids = _ids_of(placed[0])
            return None if scope_ids is None else [*scope_ids, placed[1]]
        # A scope created elsewhere (a stack, most often): its path gives the ids but not
        # whether the root's id is empty; its addr (one read per scope) tells which.
        node = node_of(construct)
        parts = [p for p in str(node.path).split("/") if p]
        addr = str(node.addr)
        return next((ids for ids in (["", *parts], parts) if _address(ids) == addr), None)

    ids: list[str] | None = memo((ref_of(construct), "ids"), compute)
    return ids


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``: its ids from the root down, empty ones left out, as the
    constructs library joins them; computed from what :func:`placed_in` recorded, or read from
    Node.js once.
    """
    ids = _ids_of(construct)
    if ids is None:
        path: str = attribute(node_of(construct), "path")
        return path
    return "/".join(i for i in ids if i)


def root_of(construct: IConstruct) -> IConstruct:
    """``construct.node.root`` (the app), read once per stack."""
    stack = stack_of(construct)
    root: IConstruct = memo((ref_of(stack), "root"), lambda: node_of(stack).root)
    return root


def account_of(stack: Stack) -> str:
    """``stack.account``: the literal account, or the ``AWS::AccountId`` token."""
    account: str = attribute(stack, "account")
    return account
