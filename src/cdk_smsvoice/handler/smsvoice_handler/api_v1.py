"""The Amazon Pinpoint SMS and Voice v1 API (``pinpoint-sms-voice``): voice sets, REST-JSON.

v1 sets have no ARN, no tags and no default settings, and the API allows about one request a
second across all operations. So this backend:
- reads a set with one GetConfigurationSetEventDestinations call (it is also the existence
  check: NotFoundException means no set);
- sends Enabled with every create, so a disabled destination costs no second call;
- cannot prove ownership (no tags): :meth:`V1Backend.ownership` answers UNKNOWN without a call,
  and the lifecycle relies on the physical id and on CreateConfigurationSet refusing a taken
  name instead (see ``lifecycle``).
"""

from dataclasses import dataclass
from functools import partial
from typing import Any

from .backend import Ownership, SetAlreadyExistsError
from .calls import AlreadyDone, ApiCaller
from .model import ConfigurationSetSpec, Destination, LiveSet

_MISSING = ("NotFoundException",)
_EXISTS = ("AlreadyExistsException",)


@dataclass
class V1Backend:
    """v1 calls for one configuration set, made through ``caller``."""

    caller: ApiCaller

    def create_set(self, spec: ConfigurationSetSpec, owner: str, token: str) -> None:
        """CreateConfigurationSet; v1 has neither tags nor idempotency tokens."""
        response = self.caller.call(
            "CreateConfigurationSet",
            {"ConfigurationSetName": spec.name},
            tolerate=_EXISTS,
            already_done=AlreadyDone(_EXISTS, partial(self._is_empty, spec.name)),
        )
        if response is None:
            raise SetAlreadyExistsError(spec.name)

    def _is_empty(self, name: str) -> bool:
        """One read: the set exists and has no destination. After an attempt whose outcome was
        unknown, AlreadyExists may answer our own earlier attempt (v1 has no idempotency
        token); an empty set is then taken to be that one.
        """
        live = self.read_set(name)
        return live is not None and not live.destinations

    def _holds(self, set_name: str, destination: Destination) -> bool:
        """One read: the set holds ``destination`` exactly as given."""
        live = self.read_set(set_name)
        have = live.destinations.get(destination.name) if live else None
        return have is not None and have.same_as(destination)

    def _lacks(self, set_name: str, destination_name: str) -> bool:
        """One read: the set exists and has no destination of that name."""
        live = self.read_set(set_name)
        return live is not None and destination_name not in live.destinations

    def read_set(self, name: str) -> LiveSet | None:
        """GetConfigurationSetEventDestinations: the set's destinations, or None if no set."""
        response = self.caller.call(
            "GetConfigurationSetEventDestinations",
            {"ConfigurationSetName": name},
            tolerate=_MISSING,
        )
        if response is None:
            return None
        return LiveSet(
            name=name,
            destinations={
                d["Name"]: Destination.from_api(d, "Name")
                for d in response.get("EventDestinations", [])
            },
        )

    def delete_set(self, name: str) -> bool:
        """DeleteConfigurationSet, which removes its event destinations too."""
        response = self.caller.call(
            "DeleteConfigurationSet",
            {"ConfigurationSetName": name},
            already_done=AlreadyDone(
                _MISSING, lambda: self.read_set(name) is None, on_first_attempt=True
            ),
        )
        return bool(response)

    def ownership(self, name: str, owner: str) -> Ownership:
        """UNKNOWN: a v1 set carries nothing that could name its creator."""
        return Ownership.UNKNOWN

    @staticmethod
    def _body(destination: Destination) -> dict[str, Any]:
        return {
            "Enabled": destination.enabled,
            "MatchingEventTypes": list(destination.events),
            destination.sink_kind: destination.sink_fields,
        }

    def create_destination(self, set_name: str, destination: Destination, token: str) -> None:
        """CreateConfigurationSetEventDestination, Enabled included."""
        self.caller.call(
            "CreateConfigurationSetEventDestination",
            {
                "ConfigurationSetName": set_name,
                "EventDestinationName": destination.name,
                "EventDestination": self._body(destination),
            },
            destination=destination.name,
            already_done=AlreadyDone(_EXISTS, partial(self._holds, set_name, destination)),
        )

    def update_destination(self, set_name: str, destination: Destination) -> None:
        """UpdateConfigurationSetEventDestination with every field."""
        self.caller.call(
            "UpdateConfigurationSetEventDestination",
            {
                "ConfigurationSetName": set_name,
                "EventDestinationName": destination.name,
                "EventDestination": self._body(destination),
            },
            destination=destination.name,
        )

    def delete_destination(self, set_name: str, destination_name: str) -> None:
        """DeleteConfigurationSetEventDestination; one already gone is fine."""
        self.caller.call(
            "DeleteConfigurationSetEventDestination",
            {"ConfigurationSetName": set_name, "EventDestinationName": destination_name},
            destination=destination_name,
            already_done=AlreadyDone(
                _MISSING, partial(self._lacks, set_name, destination_name), on_first_attempt=True
            ),
        )

    def apply_settings(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet
    ) -> None:
        """Nothing: v1 sets have no default settings."""

    def apply_tags(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet
    ) -> None:
        """Nothing: v1 sets have no tags."""

    def begin_cleanup(self) -> None:
        """Retries may now use the time kept in reserve."""
        self.caller.use_reserve()

    def attributes(self, name: str) -> dict[str, str]:
        """``ConfigurationSetName`` only: v1 sets have no ARN."""
        return {"ConfigurationSetName": name}
