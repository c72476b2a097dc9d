"""Which custom resources wait for which, and running work along those dependencies with as
much concurrency as they allow.
"""

import re
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any, Generic, TypeVar

Node = TypeVar("Node", bound=Hashable)

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def references(value: Any) -> Iterator[str]:
    """The logical ids and parameter names ``value`` refers to (``Ref``, ``Fn::GetAtt`` and
    ``Fn::Sub`` variables), pseudo parameters left out.
    """
    if isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                yield argument
            elif key == "Fn::GetAtt" and isinstance(argument, str):
                yield argument.split(".", 1)[0]
            elif key == "Fn::GetAtt" and isinstance(argument, list) and argument:
                yield str(argument[0])
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                if isinstance(text, str):
                    for name in _SUB_VARIABLE.findall(text):
                        yield name.split(".", 1)[0]
                if isinstance(argument, list):
                    yield from references(argument[1:])
            else:
                yield from references(argument)


def custom_dependencies(
    resources: Mapping[str, Any], custom_ids: Collection[str]
) -> dict[str, set[str]]:
    """For each custom resource, the custom resources it must wait for.

    A resource waits for every custom resource it refers to (``Ref``, ``Fn::GetAtt``,
    ``Fn::Sub``) or names in ``DependsOn``, directly or through resources that local deploy
    takes as existing: a role whose policy names a set makes a set that uses the role wait
    for that set, as CloudFormation would. Raises ``ValueError`` on a cycle.
    """
    custom = set(custom_ids)

    def direct(logical_id: str) -> set[str]:
        resource = resources.get(logical_id) or {}
        depends_on = resource.get("DependsOn") or []
        names = [depends_on] if isinstance(depends_on, str) else list(depends_on)
        names += references(resource.get("Properties") or {})
        return {name for name in names if name in resources and name != logical_id}

    graph: dict[str, set[str]] = {}
    for logical_id in custom:
        found: set[str] = set()
        seen: set[str] = set()
        stack = list(direct(logical_id))
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in custom:
                found.add(name)
            else:
                stack.extend(direct(name))
        graph[logical_id] = found
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        raise ValueError(f"circular dependency between {', '.join(error.args[1])}") from None
    return graph


@dataclass
class Outcomes(Generic[Node]):
    """What became of each node."""

    succeeded: list[Node] = field(default_factory=list)
    failed: dict[Node, BaseException] = field(default_factory=dict)
    not_started: list[Node] = field(default_factory=list)
    """Nodes that waited for a failed node, or that were pending when a failure stopped the
    run."""


def run_in_order(
    nodes: Collection[Node],
    waits_for: Mapping[Node, Collection[Node]],
    work: Callable[[Node], None],
    *,
    max_workers: int,
    stop_on_failure: bool,
) -> Outcomes[Node]:
    """Run ``work`` on every node once all the nodes it waits for (among ``nodes``) have
    succeeded, up to ``max_workers`` at a time.

    After a failure, ``stop_on_failure`` starts nothing new (work already running finishes);
    otherwise only the nodes that wait for a failed one are left out.
    """
    outcomes: Outcomes[Node] = Outcomes()
    pending = list(nodes)
    running: dict[Future[None], Node] = {}
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        while pending or running:
            blocked = outcomes.failed and stop_on_failure
            for node in list(pending):
                needs = [n for n in waits_for.get(node, ()) if n in nodes and n != node]
                if blocked or any(n in outcomes.failed or n in outcomes.not_started for n in needs):
                    pending.remove(node)
                    outcomes.not_started.append(node)
                elif all(n in outcomes.succeeded for n in needs):
                    pending.remove(node)
                    running[pool.submit(work, node)] = node
            if not running:
                outcomes.not_started.extend(pending)
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                node = running.pop(future)
                error = future.exception()
                if error is None:
                    outcomes.succeeded.append(node)
                else:
                    outcomes.failed[node] = error
    return outcomes
