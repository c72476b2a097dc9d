"""``VoiceConfigurationSet``: a v1 (Amazon Pinpoint SMS and Voice) voice configuration set."""

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

import jsii
from aws_cdk import (
    Annotations,
    ITaggableV2,
    RemovalPolicy,
    Resource,
    TagManager,
    TagType,
    Token,
)
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..handler.smsvoice_handler.constants import V1_RESOURCE_TYPE
from .configuration_set_base import ConfigurationSetBase, EventDestinationOptionsLike
from .enums import VoiceEventType
from .lookups import node_of

SEND_VOICE_MESSAGE = "sms-voice:SendVoiceMessage"
"""The IAM action of v1 ``SendVoiceMessage`` (the same action as v2's)."""

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class _VoiceSendGrant:
    """The grant of every v1 set, managed or imported."""

    if TYPE_CHECKING:

        @property
        def configuration_set_name(self) -> str:
            """The set's name."""
            ...

    def grant_send_voice_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send voice messages with the v1 API (``SendVoiceMessage`` with
        this set's ``ConfigurationSetName``): ``sms-voice:SendVoiceMessage`` on ``*``.

        The v1 API defines no IAM resource types, so the permission cannot be narrowed to
        this set: it allows sending through any v1 set, and, since v2's ``SendVoiceMessage``
        is the same IAM action, any v2 set as well. cdk-nag reports the ``*``
        (``AwsSolutions-IAM5``); acknowledge it on the grantee with this reason.
        The caller's origination identity (phone number), if it is a v2 resource, is
        authorized on its own.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=[SEND_VOICE_MESSAGE], resource_arns=["*"]
        )


@jsii.implements(ITaggableV2)
class VoiceConfigurationSet(_VoiceSendGrant, ConfigurationSetBase):
    """A v1 voice configuration set with up to 10 event destinations.

    Destinations work as for :class:`ConfigurationSet`, with :class:`VoiceEventType` events.
    v1 sets have no ARN and cannot carry tags: tags that ``Tags.of(...)`` applies are left off,
    with a warning, and destination roles trust the service under ``aws:SourceAccount`` only
    (there is no set ARN for an ``aws:SourceArn`` condition to name).
    ``apply_removal_policy`` works as the ``removal_policy`` prop, and ``node.default_child``
    is the custom resource's ``CfnResource``.
    """

    RESOURCE_TYPE = V1_RESOURCE_TYPE
    DEFAULT_EVENTS = tuple(VoiceEventType)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None = None,
        event_destinations: Mapping[str, EventDestinationOptionsLike] | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """:param scope: the construct to create the set in.
        :param id: the construct id.
        :param configuration_set_name: 1 to 64 characters of ``[A-Za-z0-9_-]``. Changing it
            replaces the set. Default: a name generated from the construct path, stable
            across synths and unique in the app.
        :param event_destinations: up to 10 destinations keyed by construct id, each an
            :class:`EventDestinationOptions` or a dict with its keys. Default: none; add them
            with :meth:`add_event_destination`. Their ``events`` default to all seven voice
            event types.
        :param removal_policy: RETAIN keeps the set when the resource leaves the stack.
            Default: RemovalPolicy.DESTROY.
        """
        self._tags = TagManager(TagType.KEY_VALUE, V1_RESOURCE_TYPE)
        super().__init__(
            scope,
            id,
            configuration_set_name=configuration_set_name,
            event_destinations=event_destinations,
            removal_policy=removal_policy,
        )
        node_of(self._resource).add_dependency(self.provider.allow_v1())
        self._warned_about_tags = False

    @property
    def cdk_tag_manager(self) -> TagManager:
        """Collects the tags that ``Tags.of(...)`` applies, so that they can be reported:
        a v1 set cannot carry them.
        """
        return self._tags

    def validate_configuration(self) -> list[str]:
        """Every schema error, as for v2 sets. Validation runs after every aspect (tags
        included), so this is also where a warning names the tags a v1 set cannot carry.
        """
        self._warn_about_tags()
        return super().validate_configuration()

    def _warn_about_tags(self) -> None:
        """Warn once about tags this set was given: the v1 API has no tags, so they cannot
        be applied.
        """
        if self._warned_about_tags:
            return
        tags = self._tags.tag_values()
        if not tags:
            return
        self._warned_about_tags = True
        Annotations.of(self).add_warning_v2(
            "cdk-smsvoice:v1-tags-ignored",
            f"v1 voice configuration sets cannot carry tags, so these are not applied: "
            f"{', '.join(sorted(tags))}. The v1 API has no tagging; use a v2 ConfigurationSet "
            "where tags matter (cost allocation, ABAC), or exclude this construct from the "
            "Tags.of() call (exclude_resource_types=['Custom::SmsVoiceV1ConfigurationSet']).",
        )

    @staticmethod
    def from_configuration_set_name(
        scope: Construct, id: str, configuration_set_name: str
    ) -> "IVoiceConfigurationSet":
        """Refer to an existing v1 set by name. It is not managed: nothing is created,
        changed or deleted.

        :raises ValueError: if a literal name is not a valid set name.
        """
        return ImportedVoiceConfigurationSet(scope, id, configuration_set_name)


class IVoiceConfigurationSet(Protocol):
    """What every v1 voice configuration set, managed or imported, offers (structurally, as
    ``IConfigurationSet``).
    """

    @property
    def configuration_set_name(self) -> str:
        """The set's name."""
        ...

    def grant_send_voice_message(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``sms-voice:SendVoiceMessage`` (on ``*``: v1 has no resource types)."""
        ...


class ImportedVoiceConfigurationSet(_VoiceSendGrant, Resource):
    """A v1 set that exists outside this app (see ``from_configuration_set_name``)."""

    def __init__(self, scope: Construct, id: str, configuration_set_name: str) -> None:
        """:param configuration_set_name: the set's name, in this stack's account and Region."""
        super().__init__(scope, id)
        if not Token.is_unresolved(configuration_set_name) and not _NAME.fullmatch(
            configuration_set_name
        ):
            raise ValueError(
                f"[{self.node.path}] import of a v1 voice configuration set: "
                f"configuration_set_name {configuration_set_name!r} is not a set name. "
                "Allowed: 1 to 64 characters of A-Z, a-z, 0-9, _ and -."
            )
        self._name = configuration_set_name

    @property
    def configuration_set_name(self) -> str:
        """The set's name."""
        return self._name
