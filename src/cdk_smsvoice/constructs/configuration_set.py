"""``ConfigurationSet``: a v2 (AWS End User Messaging SMS and Voice v2) configuration set."""

from collections.abc import Mapping
from typing import Any, Protocol

import jsii
from aws_cdk import (
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
from .configuration_set_base import ConfigurationSetBase, EventDestinationOptions
from .enums import EventType, MessageType
from .lookups import ref_of, stack_of
from .tokens import is_unresolved


def _v2_arn(stack: Stack, name: str) -> str:
    return stack.format_arn(
        service="sms-voice",
        resource="configuration-set",
        resource_name=name,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


@jsii.implements(ITaggableV2)
class ConfigurationSet(ConfigurationSetBase):
    """A v2 configuration set with its event destinations.

    ``Tags.of(...)`` tags it, ``removal_policy`` decides whether deleting the stack deletes
    it, and every destination's IAM (roles, topic and key policies) is created for you.
    """

    RESOURCE_TYPE = V2_RESOURCE_TYPE
    DEFAULT_EVENTS = (EventType.ALL,)

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        configuration_set_name: str | None = None,
        default_message_type: MessageType | None = None,
        default_sender_id: str | None = None,
        message_feedback_enabled: bool | None = None,
        protect_configuration_id: str | None = None,
        event_destinations: Mapping[str, EventDestinationOptions] | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """:param configuration_set_name: 1 to 64 characters of ``[A-Za-z0-9_-]``. Changing it
            replaces the set. Default: a name generated from the construct path, stable
            across synths and unique in the app.
        :param default_message_type: the set's default message type. Default: none set.
        :param default_sender_id: the set's default sender ID (1 to 11 characters).
            Default: none set.
        :param message_feedback_enabled: whether message feedback is on by default.
            Default: left as the service sets it (off).
        :param protect_configuration_id: a protect configuration (id or ARN) to associate.
            Default: none.
        :param event_destinations: destinations keyed by construct id. Default: none; add
            them with :meth:`add_event_destination`.
        :param removal_policy: RETAIN keeps the set when the resource leaves the stack.
            Default: RemovalPolicy.DESTROY.
        """
        self._settings = {
            "DefaultMessageType": None
            if default_message_type is None
            else MessageType(default_message_type).value,
            "DefaultSenderId": default_sender_id,
            "MessageFeedbackEnabled": message_feedback_enabled,
            "ProtectConfigurationId": protect_configuration_id,
        }
        self._tags = TagManager(TagType.KEY_VALUE, V2_RESOURCE_TYPE)
        super().__init__(
            scope,
            construct_id,
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

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` (e.g. ``sms-voice:SendTextMessage``) on this set."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(actions), resource_arns=[self.configuration_set_arn]
        )

    def _render_settings(self, for_validation: bool) -> dict[str, Any]:
        settings: dict[str, Any] = dict(self._settings)
        settings["Tags"] = self._tags.render_tags() if for_validation else self._tags.rendered_tags
        return settings

    @staticmethod
    def from_configuration_set_name(
        scope: Construct, construct_id: str, configuration_set_name: str
    ) -> "IConfigurationSet":
        """Refer to an existing v2 set by name. It is not managed: nothing is created,
        changed or deleted.
        """
        return ImportedConfigurationSet(scope, construct_id, configuration_set_name)


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


class ImportedConfigurationSet(Resource):
    """A v2 set that exists outside this app (see ``from_configuration_set_name``)."""

    def __init__(self, scope: Construct, construct_id: str, configuration_set_name: str) -> None:
        super().__init__(scope, construct_id)
        self.configuration_set_name = configuration_set_name
        self.configuration_set_arn = _v2_arn(Stack.of(self), configuration_set_name)

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Grant ``actions`` on the set."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=list(actions), resource_arns=[self.configuration_set_arn]
        )
