"""The AWS End User Messaging SMS and Voice v2 API (``pinpoint-sms-voice-v2``)."""

from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from .backend import Ownership, SetAlreadyExistsError
from .calls import AlreadyDone, ApiCaller
from .constants import OWNER_TAG_KEY
from .model import ConfigurationSetSpec, Destination, LiveSet, resource_id

_MISSING = ("ResourceNotFoundException",)
_CONFLICT = ("ConflictException",)


def _protect_id(value: str | None) -> str | None:
    """A protect configuration id, whether given as an id or an ARN (None when not given)."""
    return None if value is None else resource_id(value)


@dataclass
class V2Backend:
    """v2 calls for one configuration set, made through ``caller``."""

    caller: ApiCaller
    arn_prefix: str
    """``arn:{partition}:sms-voice:{region}:{account}:configuration-set/``."""
    _tags_read: dict[str, dict[str, str]] = field(default_factory=dict)
    """Tags that :meth:`ownership` read, by set name, for :meth:`read_set` to report."""

    def arn(self, name: str) -> str:
        """The set's ARN."""
        return self.arn_prefix + name

    def create_set(self, spec: ConfigurationSetSpec, owner: str, token: str) -> None:
        """CreateConfigurationSet with the user's tags and the ownership tag."""
        asked = {**dict(spec.tags), OWNER_TAG_KEY: owner}
        response = self.caller.call(
            "CreateConfigurationSet",
            {
                "ConfigurationSetName": spec.name,
                "Tags": [{"Key": k, "Value": v} for k, v in asked.items()],
                "ClientToken": token,
            },
            tolerate=_CONFLICT,
            already_done=AlreadyDone(_CONFLICT, lambda: self._tags(spec.name) == asked),
        )
        if response is None:
            raise SetAlreadyExistsError(spec.name)

    def _tags(self, name: str) -> dict[str, str] | None:
        """ListTagsForResource: every tag of the set, or None when there is no set."""
        response = self.caller.call(
            "ListTagsForResource", {"ResourceArn": self.arn(name)}, tolerate=_MISSING
        )
        if response is None:
            return None
        return {t["Key"]: t["Value"] for t in response.get("Tags", [])}

    def read_set(self, name: str) -> LiveSet | None:
        """DescribeConfigurationSets for one name."""
        response = self.caller.call(
            "DescribeConfigurationSets", {"ConfigurationSetNames": [name]}, tolerate=_MISSING
        )
        found = [
            s
            for s in (response or {}).get("ConfigurationSets", [])
            if s.get("ConfigurationSetName") == name
        ]
        if not found:
            return None
        data: dict[str, Any] = found[0]
        return LiveSet(
            name=name,
            arn=data.get("ConfigurationSetArn"),
            destinations={
                d["EventDestinationName"]: Destination.from_api(d, "EventDestinationName")
                for d in data.get("EventDestinations", [])
            },
            default_message_type=data.get("DefaultMessageType"),
            default_sender_id=data.get("DefaultSenderId"),
            message_feedback_enabled=data.get("DefaultMessageFeedbackEnabled"),
            protect_configuration_id=data.get("ProtectConfigurationId"),
            tags=self._tags_read.get(name),
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
        """Read the ownership tag with ListTagsForResource."""
        response = self.caller.call(
            "ListTagsForResource",
            {"ResourceArn": self.arn(name)},
            tolerate=(*_MISSING, "UnknownOperationException", "InvalidAction", "NotImplemented"),
        )
        if response is None:
            # ResourceNotFound and "this endpoint has no such operation" look alike here;
            # telling them apart takes one more (cheap) call.
            return Ownership.UNKNOWN if self.read_set(name) else Ownership.MISSING
        tags = {t["Key"]: t["Value"] for t in response.get("Tags", [])}
        self._tags_read[name] = {k: v for k, v in tags.items() if k != OWNER_TAG_KEY}
        return Ownership.OWNED if tags.get(OWNER_TAG_KEY) == owner else Ownership.FOREIGN

    def _sink_params(self, destination: Destination) -> dict[str, Any]:
        return {destination.sink_kind: destination.sink_fields}

    def _holds(self, set_name: str, destination: Destination) -> bool:
        """One read: the set holds ``destination``'s sink and event types (CreateEventDestination
        sets no Enabled, so that is not compared).
        """
        live = self.read_set(set_name)
        have = live.destinations.get(destination.name) if live else None
        return have is not None and have.same_as(replace(destination, enabled=have.enabled))

    def _lacks(self, set_name: str, destination_name: str) -> bool:
        """One read: the set exists and has no destination of that name."""
        live = self.read_set(set_name)
        return live is not None and destination_name not in live.destinations

    def create_destination(self, set_name: str, destination: Destination, token: str) -> None:
        """CreateEventDestination; the API has no Enabled member, so a disabled one is then
        updated.
        """
        confirm = partial(self._holds, set_name, destination)
        self.caller.call(
            "CreateEventDestination",
            {
                "ConfigurationSetName": set_name,
                "EventDestinationName": destination.name,
                "MatchingEventTypes": list(destination.events),
                **self._sink_params(destination),
                "ClientToken": token,
            },
            destination=destination.name,
            already_done=AlreadyDone(_CONFLICT, confirm),
        )
        if not destination.enabled:
            self.update_destination(set_name, destination)

    def update_destination(self, set_name: str, destination: Destination) -> None:
        """UpdateEventDestination with every field."""
        self.caller.call(
            "UpdateEventDestination",
            {
                "ConfigurationSetName": set_name,
                "EventDestinationName": destination.name,
                "Enabled": destination.enabled,
                "MatchingEventTypes": list(destination.events),
                **self._sink_params(destination),
            },
            destination=destination.name,
        )

    def delete_destination(self, set_name: str, destination_name: str) -> None:
        """DeleteEventDestination; one already gone is fine."""
        self.caller.call(
            "DeleteEventDestination",
            {"ConfigurationSetName": set_name, "EventDestinationName": destination_name},
            destination=destination_name,
            already_done=AlreadyDone(
                _MISSING, partial(self._lacks, set_name, destination_name), on_first_attempt=True
            ),
        )

    def apply_settings(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet
    ) -> None:
        """Set what ``desired`` sets and differs live; unset only what ``old`` had set.

        ``live`` is updated with each change made.
        """
        name = desired.name
        old = old or ConfigurationSetSpec(name=name)
        if desired.default_message_type is not None:
            if live.default_message_type != desired.default_message_type:
                self._set("SetDefaultMessageType", name, MessageType=desired.default_message_type)
                live.default_message_type = desired.default_message_type
        elif old.default_message_type is not None and live.default_message_type:
            self._unset("DeleteDefaultMessageType", name, "default_message_type")
            live.default_message_type = None
        if desired.default_sender_id is not None:
            if live.default_sender_id != desired.default_sender_id:
                self._set("SetDefaultSenderId", name, SenderId=desired.default_sender_id)
                live.default_sender_id = desired.default_sender_id
        elif old.default_sender_id is not None and live.default_sender_id:
            self._unset("DeleteDefaultSenderId", name, "default_sender_id")
            live.default_sender_id = None
        feedback = desired.message_feedback_enabled
        if feedback is None and old.message_feedback_enabled and live.message_feedback_enabled:
            feedback = False
        if feedback is not None and bool(live.message_feedback_enabled) != feedback:
            self._set("SetDefaultMessageFeedbackEnabled", name, MessageFeedbackEnabled=feedback)
            live.message_feedback_enabled = feedback
        self._apply_protect(desired, old, live)

    def _set(self, operation: str, name: str, **value: Any) -> None:
        """A Set* call: repeating it is harmless, so a retry needs no confirmation."""
        self.caller.call(operation, {"ConfigurationSetName": name, **value})

    def _unset(self, operation: str, name: str, attribute: str) -> None:
        """A Delete* of a default: "nothing to delete" after a lost answer is success once a
        read shows the default unset.
        """

        def unset() -> bool:
            live = self.read_set(name)
            return live is not None and getattr(live, attribute) is None

        self.caller.call(
            operation,
            {"ConfigurationSetName": name},
            already_done=AlreadyDone((*_CONFLICT, *_MISSING), unset),
        )

    def _protection(self, name: str) -> str | None:
        """One read: the id of the set's protect configuration."""
        live = self.read_set(name)
        return live.protect_configuration_id if live else None

    def _apply_protect(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec, live: LiveSet
    ) -> None:
        name = desired.name
        want = _protect_id(desired.protect_configuration_id)
        have = live.protect_configuration_id
        declared_before = _protect_id(old.protect_configuration_id)
        if have and have != want and (want is not None or declared_before == have):
            self.caller.call(
                "DisassociateProtectConfiguration",
                {"ConfigurationSetName": name, "ProtectConfigurationId": have},
                already_done=AlreadyDone(
                    (*_CONFLICT, *_MISSING), lambda: self._protection(name) != have
                ),
            )
            live.protect_configuration_id = None
        if desired.protect_configuration_id is not None and live.protect_configuration_id != want:
            response = self.caller.call(
                "AssociateProtectConfiguration",
                {
                    "ConfigurationSetName": name,
                    "ProtectConfigurationId": desired.protect_configuration_id,
                },
                already_done=AlreadyDone(_CONFLICT, lambda: self._protection(name) == want),
            )
            live.protect_configuration_id = (response or {}).get("ProtectConfigurationId", want)

    def apply_tags(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet
    ) -> None:
        """UntagResource for keys ``old`` declared that went away (tags added by hand stay),
        TagResource for new or changed values: compared with the live tags when known.
        """
        want = dict(desired.tags)
        declared = dict(old.tags) if old else {}
        had = live.tags if live.tags is not None else declared
        removed = sorted(k for k in declared if k not in want and k in had)
        changed = [{"Key": k, "Value": v} for k, v in want.items() if had.get(k) != v]
        arn = self.arn(desired.name)
        if removed:
            self.caller.call("UntagResource", {"ResourceArn": arn, "TagKeys": removed})
        if changed:
            self.caller.call("TagResource", {"ResourceArn": arn, "Tags": changed})
        live.tags = {**{k: v for k, v in had.items() if k not in removed}, **want}

    def begin_cleanup(self) -> None:
        """Retries may now use the time kept in reserve."""
        self.caller.use_reserve()

    def attributes(self, name: str) -> dict[str, str]:
        """``Arn`` and ``ConfigurationSetName``."""
        return {"Arn": self.arn(name), "ConfigurationSetName": name}
