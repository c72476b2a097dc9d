"""The synth-time check that no two configuration sets of an app would get the same name in
the same account and Region: the second create would fail at deploy time.

Where two sets would deploy is read from their stacks:

- Two literal accounts (or Regions) are the same when they are equal.
- Environment-agnostic stacks carry the tokens of the ``AWS::AccountId`` and ``AWS::Region``
  pseudo parameters. Two such stacks are taken to deploy to the same place, as
  ``cdk deploy --all`` does with one set of credentials.
- A literal account and an unresolved one cannot be compared at synth: they are not reported.

Generated names are built from the stack name and the construct path within the stack (as
aws-cdk-lib's ``Names.unique_resource_name`` does), so two of them are equal only when two
stacks with the same stack name would deploy to one account and Region.

A name that contains a token (a parameter, ``Aws.STACK_NAME``) is compared only with the names
of the same stack, where the same token resolves to the same value.
v1 and v2 sets are separate resources with separate names, so only sets of one API generation
are compared.
"""

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from constructs import IConstruct

from .lookups import account_of, attribute, path_of, root_of, stack_of
from .readable import readable
from .tokens import is_unresolved

if TYPE_CHECKING:
    from .configuration_set_base import ConfigurationSetBase


@dataclass(frozen=True)
class _Placement:
    generation: str
    account: str
    region: str
    name: str
    stack_path: str | None
    """Set only when the name holds a token: such names are compared within one stack."""


_SETS: "weakref.WeakKeyDictionary[IConstruct, list[_Registered]]" = weakref.WeakKeyDictionary()


class _Registered:
    def __init__(self, owner: "ConfigurationSetBase", name: str, generated: bool) -> None:
        self.owner = owner
        self.name = name
        self.generated = generated
        self._placement: _Placement | None = None

    @property
    def placement(self) -> _Placement:
        if self._placement is None:
            stack = stack_of(self.owner)
            self._placement = _Placement(
                generation=self.owner.generation,
                account=account_of(stack),
                region=attribute(stack, "region"),
                name=self.name,
                stack_path=path_of(stack) if is_unresolved(self.name) else None,
            )
        return self._placement


def register_for_name_check(
    owner: "ConfigurationSetBase", name: str, generated: bool
) -> "_Registered":
    """Enter ``owner`` (whose name is ``name``, ``generated`` or given) in its app's sets; its
    validation passes the entry to :func:`name_clashes`.
    """
    entry = _Registered(owner, name, generated)
    _SETS.setdefault(root_of(owner), []).append(entry)
    return entry


def name_clashes(entry: "_Registered") -> list[str]:
    """An error naming every other set of the app that would get the same name as ``entry``'s
    set in the same account and Region; none when there is no such set.
    """
    owner = entry.owner
    placement = entry.placement
    others = [
        path_of(other.owner)
        for other in _SETS.get(root_of(owner), [])
        if other is not entry and other.placement == placement
    ]
    if not others:
        return []
    where = f"account {readable(placement.account, owner)}, Region " + str(
        readable(placement.region, owner)
    )
    if entry.generated:
        fix = (
            "The name is generated from the stack name and the construct path, so these "
            "stacks share a stack name in one account and Region, which CloudFormation "
            "does not allow either: give the stacks different stack names."
        )
    else:
        fix = (
            "Give each set its own configuration_set_name, or leave it out to get a "
            "generated, unique one."
        )
    return [
        f"configuration set name {readable(placement.name, owner)!r} ({placement.generation}) "
        f"is also the name of {', '.join(others)}, in the same account and Region ({where}). "
        f"The second create would fail at deploy time. {fix}"
    ]
