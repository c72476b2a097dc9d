"""The AWS End User Messaging SMS and Voice v2 API (``pinpoint-sms-voice-v2``)."""

from dataclasses import dataclass, field
from typing import Any

from .backend import Ownership, SetAlreadyExistsError
from .calls import ApiCaller
from .constants import OWNER_TAG_KEY
from .model import ConfigurationSetSpec, Destination, LiveSet

_MISSING = ("ResourceNotFoundException",)


def _protect_id(value: str | None) -> str | None:
    """A protect configuration id, whether given as an id or an ARN."""
    return value.rsplit("/", 1)[-1] if value else None


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
        tags = [{"Key": k, "Value": v} for k, v in spec.tags]
        tags.append({"Key": OWNER_TAG_KEY, "Value": owner})
        response = self.caller.call(
            "CreateConfigurationSet",
            {"ConfigurationSetName": spec.name, "Tags": tags, "ClientToken": token},
            tolerate=("ConflictException",),
        )
        if response is None:
            raise SetAlreadyExistsError(spec.name)

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
            "DeleteConfigurationSet", {"ConfigurationSetName": name}, tolerate=_MISSING
        )
        return response is not None

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

    def create_destination(self, set_name: str, destination: Destination, token: str) -> None:
        """CreateEventDestination; the API has no Enabled member, so a disabled one is then
        updated.
        """
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
            tolerate=_MISSING,
        )

    def apply_settings(
        self, desired: ConfigurationSetSpec, old: ConfigurationSetSpec | None, live: LiveSet | None
    ) -> None:
        """Set what ``desired`` sets and differs live; unset only what ``old`` had set."""
        name = desired.name
        live = live or LiveSet(name=name)
        old = old or ConfigurationSetSpec(name=name)
        call = self.caller.call
        if desired.default_message_type:
            if live.default_message_type != desired.default_message_type:
                call(
                    "SetDefaultMessageType",
                    {"ConfigurationSetName": name, "MessageType": desired.default_message_type},
                )
        elif old.default_message_type and live.default_message_type:
            call("DeleteDefaultMessageType", {"ConfigurationSetName": name})
        if desired.default_sender_id:
            if live.default_sender_id != desired.default_sender_id:
                call(
                    "SetDefaultSenderId",
                    {"ConfigurationSetName": name, "SenderId": desired.default_sender_id},
                )
        elif old.default_sender_id and live.default_sender_id:
            call("DeleteDefaultSenderId", {"ConfigurationSetName": name})
        feedback = desired.message_feedback_enabled
        if feedback is None and old.message_feedback_enabled and live.message_feedback_enabled:
            feedback = False
        if feedback is not None and bool(live.message_feedback_enabled) != feedback:
            call(
                "SetDefaultMessageFeedbackEnabled",
                {"ConfigurationSetName": name, "MessageFeedbackEnabled": feedback},
            )
        want = _protect_id(desired.protect_configuration_id)
        have = _protect_id(live.protect_configuration_id)
        if have and have != want and (want or _protect_id(old.protect_configuration_id) == have):
            call(
                "DisassociateProtectConfiguration",
                {"ConfigurationSetName": name, "ProtectConfigurationId": have},
            )
        if want and have != want:
            call(
                "AssociateProtectConfiguration",
                {
                    "ConfigurationSetName": name,
                    "ProtectConfigurationId": desired.protect_configuration_id,
                },
            )

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

    def begin_cleanup(self) -> None:
        """Retries may now use the time kept in reserve."""
        self.caller.use_reserve()

    def attributes(self, name: str) -> dict[str, str]:
        """``Arn`` and ``ConfigurationSetName``."""
        return {"Arn": self.arn(name), "ConfigurationSetName": name}
