"""What the lifecycle needs from an API generation."""

from enum import Enum
from typing import Protocol

from .model import ConfigurationSetSpec, Destination, LiveSet


class Ownership(Enum):
    """Whether a set that a Delete names was made by this custom resource."""

    MISSING = "missing"
    OWNED = "owned"
    FOREIGN = "foreign"
    UNKNOWN = "unknown"
    """The API cannot say (no tags, or the tag lookup is unavailable)."""


class SetAlreadyExistsError(RuntimeError):
    """CreateConfigurationSet found the name taken."""


class Backend(Protocol):
    """One API generation's calls, in the lifecycle's terms."""

    def create_set(self, spec: ConfigurationSetSpec, owner: str, token: str) -> None:
        """Create the empty set (with tags where the API has them).

        Raises SetAlreadyExistsError when the name is taken.
        """

    def read_set(self, name: str) -> LiveSet | None:
        """The live set with its destinations and settings, or None when it does not exist."""

    def delete_set(self, name: str) -> bool:
        """Delete the set and its destinations; False when it was already gone."""

    def ownership(self, name: str, owner: str) -> Ownership:
        """Whether the set was made by the custom resource ``owner`` identifies."""

    def create_destination(self, set_name: str, destination: Destination, token: str) -> None:
        """Create one event destination, enabled or not as it says."""

    def update_destination(self, set_name: str, destination: Destination) -> None:
        """Update one event destination in place (same sink type)."""

    def delete_destination(self, set_name: str, destination_name: str) -> None:
        """Delete one event destination; one already gone is no error."""

    def apply_settings(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet
    ) -> None:
        """Make the set's defaults match ``desired``, unsetting what ``old`` had set; record
        each change made in ``live``.
        """

    def apply_tags(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet
    ) -> None:
        """Tag and untag so the set's tags become ``desired``'s: from the live tags when they
        were read, else from ``old``'s; record the result in ``live``.
        """

    def begin_cleanup(self) -> None:
        """Let the calls that follow retry into the time kept in reserve for cleanup."""

    def attributes(self, name: str) -> dict[str, str]:
        """The Data returned to CloudFormation (GetAtt)."""
