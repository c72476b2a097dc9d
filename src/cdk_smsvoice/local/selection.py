"""Which stacks a run acts on: names and globs as ``cdk deploy`` takes them (``fnmatch``
against the stack name or the artifact id), widened along dependencies as cdk does (deploy
adds what the selected stacks depend on, destroy what depends on them), and the stacks that
are in the state but gone from the assembly (orphans).
"""

from collections.abc import Sequence
from fnmatch import fnmatchcase

from .assembly import StackArtifact
from .state import StateStore


class SelectionError(ValueError):
    """A stack name or pattern matches nothing."""


def _matches(stack: StackArtifact, pattern: str) -> bool:
    return fnmatchcase(stack.stack_name, pattern) or fnmatchcase(stack.artifact_id, pattern)


def select(
    stacks: Sequence[StackArtifact], patterns: Sequence[str], extend: str | None
) -> list[StackArtifact]:
    """The stacks ``patterns`` select (all without patterns), in assembly order; ``extend``
    is ``upstream`` (add their dependencies), ``downstream`` (add their dependents) or None.
    Raises ``SelectionError`` for a pattern that matches no stack of the assembly (unless it
    is an orphan's name, which ``orphans`` handles).
    """
    if not patterns:
        return list(stacks)
    chosen = {s.artifact_id for s in stacks if any(_matches(s, p) for p in patterns)}
    by_id = {s.artifact_id: s for s in stacks}
    changed = True
    while changed and extend is not None:
        changed = False
        for stack in stacks:
            if extend == "upstream" and stack.artifact_id in chosen:
                new = {d for d in stack.dependencies if d in by_id} - chosen
            elif extend == "downstream" and stack.artifact_id not in chosen:
                new = {stack.artifact_id} if chosen & set(stack.dependencies) else set()
            else:
                new = set()
            if new:
                chosen |= new
                changed = True
    return [s for s in stacks if s.artifact_id in chosen]


def unmatched(
    stacks: Sequence[StackArtifact], names: Sequence[str], patterns: Sequence[str]
) -> list[str]:
    """The patterns that match neither a stack of the assembly nor one of ``names``."""
    return [
        p
        for p in patterns
        if not any(_matches(s, p) for s in stacks) and not any(fnmatchcase(n, p) for n in names)
    ]


def orphans(
    stacks: Sequence[StackArtifact], store: StateStore, patterns: Sequence[str]
) -> list[StackArtifact]:
    """The top-level stacks in the state that the assembly no longer has (those matching
    ``patterns``, or all), as artifacts with an empty template: destroying them runs the
    handler installed with this package.
    """
    present = {s.stack_name for s in stacks}
    directory = stacks[0].directory if stacks else None
    found = []
    for state in store.load_all():
        if state.parent is not None or state.stack_name in present:
            continue
        if patterns and not any(fnmatchcase(state.stack_name, p) for p in patterns):
            continue
        found.append(
            StackArtifact(
                artifact_id=state.stack_name,
                stack_name=state.stack_name,
                account=state.account,
                region=state.region,
                template={},
                directory=directory or store.directory,
            )
        )
    return found
