"""``ConfigurationSet``: a v2 (AWS End User Messaging SMS and Voice v2) configuration set."""

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import jsii
from aws_cdk import (
    Arn,
    ArnFormat,
    ITaggableV2,
    RemovalPolicy,
    Resource,
    Stack,
    TagManager,
    TagType,
)
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..handler.smsvoice_handler.constants import V2_RESOURCE_TYPE
from .configuration_set_base import ConfigurationSetBase, EventDestinationOptionsLike
from .enums import EventType, MessageType
from .lookups import account_of, attribute, path_of, ref_of, stack_of
from .tokens import is_unresolved

SEND_TEXT_MESSAGE = "sms-voice:SendTextMessage"
"""The IAM action of ``SendTextMessage``."""
SEND_VOICE_MESSAGE = "sms-voice:SendVoiceMessage"
"""The IAM action of ``SendVoiceMessage`` (v2, and v1's too)."""
SEND_MEDIA_MESSAGE = "sms-voice:SendMediaMessage"
"""The IAM action of ``SendMediaMessage``."""

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _message_type(value: MessageType | str | None, scope: Construct, id: str) -> str | None:
    """The API value of ``default_message_type``; raises ValueError naming the set, the value
    and the values allowed.
    """
    if value is None:
        return None
    try:
        return MessageType(value).value
    except ValueError:
        path = "/".join(p for p in (path_of(scope), id) if p)
        allowed = ", ".join(f"MessageType.{m.name}" for m in MessageType)
        raise ValueError(
            f"[{path}] default_message_type {value!r} is not a message type. Allowed: {allowed} "
            f"(or their values {', '.join(repr(m.value) for m in MessageType)})."
        ) from None


def _v2_arn(stack: Stack, name: str) -> str:
    """The set's ARN in ``stack``: the string ``stack.format_arn`` joins (``arn:``, partition,
    service, Region, account, ``configuration-set/<name>``), joined in Python from the stack's
    values read once.
    """
    partition, region = attribute(stack, "partition"), attribute(stack, "region")
    return f"arn:{partition}:sms-voice:{region}:{account_of(stack)}:configuration-set/{name}"


class _SendGrants:
    """The grants of every v2 set, managed or imported."""

    if TYPE_CHECKING:

        @property
        def configuration_set_arn(self) -> str:
            """The set's ARN."""
            ...

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` (e.g. ``sms-voice:SendTextMessage``) on this set's ARN."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(actions), resource_arns=[self.configuration_set_arn]
        )

    def grant_send_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send text messages through this set: ``sms-voice:SendTextMessage``
        on the set's ARN.

        Sending is also authorized against the origination identity the message goes out
        from (phone number, pool or sender ID), which needs a grant of its own.
        """
        return self.grant(grantee, SEND_TEXT_MESSAGE)

    def grant_send_voice_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send voice messages through this set: ``sms-voice:SendVoiceMessage``
        on the set's ARN.

        Sending is also authorized against the origination identity the call is made from
        (phone number or pool), which needs a grant of its own.
        """
        return self.grant(grantee, SEND_VOICE_MESSAGE)

    def grant_send_media_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send media (MMS) messages through this set:
        ``sms-voice:SendMediaMessage`` on the set's ARN.

        Sending is also authorized against the origination identity the message goes out
        from (phone number or pool), which needs a grant of its own.
        """
        return self.grant(grantee, SEND_MEDIA_MESSAGE)

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send text, voice and media messages through this set:
        ``sms-voice:SendTextMessage``, ``SendVoiceMessage`` and ``SendMediaMessage`` on the
        set's ARN.

        Sending is also authorized against the origination identity the message goes out
        from (phone number, pool or sender ID), which needs a grant of its own.
        """
        return self.grant(grantee, SEND_TEXT_MESSAGE, SEND_VOICE_MESSAGE, SEND_MEDIA_MESSAGE)


@jsii.implements(ITaggableV2)
class ConfigurationSet(_SendGrants, ConfigurationSetBase):
    """A v2 configuration set with its event destinations.

    ``Tags.of(...)`` tags it, ``removal_policy`` (or ``apply_removal_policy``) decides whether
    deleting the stack deletes it, every destination's IAM (roles, topic and key policies) is
    created for you, and the ``grant_send*`` methods give senders their permissions.
    ``node.default_child`` is the custom resource's ``CfnResource`` (escape hatches).
    """

    RESOURCE_TYPE = V2_RESOURCE_TYPE
    DEFAULT_EVENTS = (EventType.ALL,)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None = None,
        default_message_type: MessageType | None = None,
        default_sender_id: str | None = None,
        message_feedback_enabled: bool | None = None,
        protect_configuration_id: str | None = None,
        event_destinations: Mapping[str, EventDestinationOptionsLike] | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """:param scope: the construct to create the set in.
        :param id: the construct id.
        :param configuration_set_name: 1 to 64 characters of ``[A-Za-z0-9_-]``. Changing it
            replaces the set. Default: a name generated from the construct path, stable
            across synths and unique in the app.
        :param default_message_type: the set's default message type. Default: none set.
        :param default_sender_id: the set's default sender ID (1 to 11 characters).
            Default: none set.
        :param message_feedback_enabled: whether message feedback is on by default.
            Default: left as the service sets it (off).
        :param protect_configuration_id: a protect configuration (id or ARN) to associate.
            Default: none.
        :param event_destinations: destinations keyed by construct id, each an
            :class:`EventDestinationOptions` or a dict with its keys (``{"destination": ...,
            "events": [...]}``). Default: none; add them with :meth:`add_event_destination`.
        :param removal_policy: RETAIN keeps the set when the resource leaves the stack.
            Default: RemovalPolicy.DESTROY.
        """
        self._settings = {
            "DefaultMessageType": _message_type(default_message_type, scope, id),
            "DefaultSenderId": default_sender_id,
            "MessageFeedbackEnabled": message_feedback_enabled,
            "ProtectConfigurationId": protect_configuration_id,
        }
        self._tags = TagManager(TagType.KEY_VALUE, V2_RESOURCE_TYPE)
        super().__init__(
            scope,
            id,
            configuration_set_name=configuration_set_name,
            event_destinations=event_destinations,
            removal_policy=removal_policy,
        )

    @property
    def cdk_tag_manager(self) -> TagManager:
        """The tags that ``Tags.of(...)`` applies; rendered as the ``Tags`` property."""
        return self._tags

    @property
    def configuration_set_arn(self) -> str:
        """The set's ARN (a token: ``GetAtt Arn`` of the custom resource)."""
        return self._resource.get_att_string("Arn")

    def source_arn_in(self, stack: Stack) -> str | None:
        """The set's ARN, built in ``stack`` from the name (no cross-stack reference)."""
        if is_unresolved(self._name) and ref_of(stack) != ref_of(stack_of(self)):
            raise ValueError(
                f"[{self.node.path}] configuration_set_name is a token, so a policy in stack "
                f"{stack.node.path!r} cannot name this set's ARN (pseudo parameters would "
                "resolve in that stack). Give a literal configuration_set_name, or keep the "
                "destination's topic or key in this set's stack."
            )
        return _v2_arn(stack, self._name)

    def _render_settings(self, for_validation: bool) -> dict[str, Any]:
        settings: dict[str, Any] = dict(self._settings)
        settings["Tags"] = self._tags.render_tags() if for_validation else self._tags.rendered_tags
        return settings

    @staticmethod
    def from_configuration_set_name(
        scope: Construct, id: str, configuration_set_name: str
    ) -> "IConfigurationSet":
        """Refer to an existing v2 set in this stack's account and Region by name. It is not
        managed: nothing is created, changed or deleted.
        """
        return ImportedConfigurationSet(scope, id, configuration_set_name=configuration_set_name)

    @staticmethod
    def from_configuration_set_arn(
        scope: Construct, id: str, configuration_set_arn: str
    ) -> "IConfigurationSet":
        """Refer to an existing v2 set by ARN
        (``arn:<partition>:sms-voice:<region>:<account-id>:configuration-set/<name>``),
        possibly in another account or Region. It is not managed.

        :raises ValueError: if a literal ARN is not a v2 configuration-set ARN.
        """
        return ImportedConfigurationSet(scope, id, configuration_set_arn=configuration_set_arn)

    @staticmethod
    def from_configuration_set_attributes(
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None = None,
        configuration_set_arn: str | None = None,
    ) -> "IConfigurationSet":
        """Refer to an existing v2 set by its name, its ARN, or both. It is not managed.

        :param configuration_set_name: the set's name. Default: read from the ARN.
        :param configuration_set_arn: the set's ARN. Default: built from the name, in this
            stack's account and Region.
        :raises ValueError: if neither is given, or a literal value is not valid.
        """
        return ImportedConfigurationSet(
            scope,
            id,
            configuration_set_name=configuration_set_name,
            configuration_set_arn=configuration_set_arn,
        )


class IConfigurationSet(Protocol):
    """What every v2 configuration set, managed or imported, offers (structurally: jsii's
    metaclass does not mix with Protocol's, so constructs do not inherit it).
    """

    @property
    def configuration_set_name(self) -> str:
        """The set's name."""
        ...

    @property
    def configuration_set_arn(self) -> str:
        """The set's ARN."""
        ...

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` on the set."""
        ...

    def grant_send_text_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``sms-voice:SendTextMessage`` on the set."""
        ...

    def grant_send_voice_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``sms-voice:SendVoiceMessage`` on the set."""
        ...

    def grant_send_media_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``sms-voice:SendMediaMessage`` on the set."""
        ...

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant the three send actions on the set."""
        ...


class ImportedConfigurationSet(_SendGrants, Resource):
    """A v2 set that exists outside this app (see ``from_configuration_set_name``,
    ``from_configuration_set_arn`` and ``from_configuration_set_attributes``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None = None,
        configuration_set_arn: str | None = None,
    ) -> None:
        """:param configuration_set_name: the set's name. Default: read from the ARN.
        :param configuration_set_arn: the set's ARN. Default: built from the name, in this
            stack's account and Region.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        where = f"[{path}] import of a v2 configuration set"
        if configuration_set_arn is not None:
            if not is_unresolved(configuration_set_arn):
                _check_arn(where, configuration_set_arn)
            super().__init__(scope, id, environment_from_arn=configuration_set_arn)
        else:
            if configuration_set_name is None:
                raise ValueError(
                    f"{where}: give configuration_set_name, configuration_set_arn or both"
                )
            super().__init__(scope, id)
            configuration_set_arn = _v2_arn(Stack.of(self), configuration_set_name)
        if configuration_set_name is None:
            configuration_set_name = str(
                Arn.split(configuration_set_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
            )
        if not is_unresolved(configuration_set_name) and not _NAME.fullmatch(
            configuration_set_name
        ):
            raise ValueError(
                f"{where}: configuration_set_name {configuration_set_name!r} is not a set name. "
                "Allowed: 1 to 64 characters of A-Z, a-z, 0-9, _ and -."
            )
        self._name = configuration_set_name
        self._arn = configuration_set_arn

    @property
    def configuration_set_name(self) -> str:
        """The set's name."""
        return self._name

    @property
    def configuration_set_arn(self) -> str:
        """The set's ARN."""
        return self._arn


def _check_arn(where: str, arn: str) -> None:
    parts = arn.split(":", 5)
    if (
        len(parts) != 6
        or parts[0] != "arn"
        or parts[2] != "sms-voice"
        or not parts[5].startswith("configuration-set/")
    ):
        raise ValueError(
            f"{where}: {arn!r} is not the ARN of a v2 configuration set. Expected "
            "arn:<partition>:sms-voice:<region>:<account-id>:configuration-set/<name>."
        )
