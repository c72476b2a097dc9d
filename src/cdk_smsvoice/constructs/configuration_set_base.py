"""What v1 and v2 configuration sets share: naming, destinations, the custom resource and its
synth-time validation.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

import jsii
from aws_cdk import (
    CustomResource,
    IResolvable,
    IResolveContext,
    Names,
    RemovalPolicy,
    ResolutionTypeHint,
    Resource,
    Stack,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable, IValidation

from ..handler.smsvoice_handler.constants import SCHEMA_VERSION
from ..schema import validate_properties
from .event_destination import EventDestination, EventDestinationConfig, event_type_values
from .lookups import by_reference, node_of, placed_in, ref_of
from .provider import SmsVoiceProvider
from .tokens import is_unresolved


@dataclass(frozen=True)
class EventDestinationOptions:
    """An event destination, as ``add_event_destination`` and ``event_destinations`` take it."""

    destination: EventDestination
    """Where events go: ``EventDestination.sns_topic / cloud_watch_logs / firehose``."""
    events: Sequence[Enum | str] | None = None
    """The event types to send. Default: every event (``EventType.ALL`` for v2, the seven
    ``VoiceEventType`` values for v1)."""
    enabled: bool = True
    """Whether the destination receives events. Default: True."""
    event_destination_name: str | None = None
    """The destination's name in the set. Default: the construct id, with any character
    outside ``[A-Za-z0-9_-]`` replaced by ``-``."""


class ConfigurationSetEventDestination(Construct):
    """One event destination of a configuration set, with the IAM its sink needs."""

    def __init__(
        self,
        scope: "ConfigurationSetBase",
        construct_id: str,
        options: EventDestinationOptions,
    ) -> None:
        super().__init__(scope, construct_id)
        placed_in(self, scope, construct_id)
        self.event_destination_name = options.event_destination_name or _sanitize(construct_id)
        self.enabled = options.enabled
        self.events = event_type_values(
            options.events if options.events is not None else scope.DEFAULT_EVENTS
        )
        self.config: EventDestinationConfig = options.destination.bind(self, scope)

    @property
    def role(self) -> iam.IRole | None:
        """The role the service assumes for this destination, if its sink needs one."""
        return self.config.role

    def render(self) -> dict[str, Any]:
        """The destination as the custom resource property takes it."""
        return {
            "EventDestinationName": self.event_destination_name,
            "Enabled": self.enabled,
            "MatchingEventTypes": list(self.events),
            self.config.sink_kind: dict(self.config.sink),
        }


class ConfigurationSetBase(Resource):
    """A configuration set managed by the cdk-smsvoice custom resource."""

    RESOURCE_TYPE: ClassVar[str]
    """The custom resource type; never changes once released."""
    DEFAULT_EVENTS: ClassVar[Sequence[Enum]]
    """What ``events`` defaults to."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        configuration_set_name: str | None,
        event_destinations: Mapping[str, EventDestinationOptions] | None,
        removal_policy: RemovalPolicy | None,
    ) -> None:
        super().__init__(scope, construct_id)
        placed_in(self, scope, construct_id)
        if removal_policy not in (None, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN):
            raise ValueError(
                f"[{self.node.path}] removal_policy {removal_policy}: a configuration set can "
                "only be destroyed or retained. Use RemovalPolicy.DESTROY or RemovalPolicy.RETAIN."
            )
        self._name = configuration_set_name or Names.unique_resource_name(
            self, max_length=64, separator="-", allowed_special_characters="_-"
        )
        self._destinations: list[ConfigurationSetEventDestination] = []
        self._source_arns: dict[str, str] = {}
        self.provider = SmsVoiceProvider.of(scope)
        # One Python object renders EventDestinations when the template is resolved (so adding
        # a destination re-renders nothing) and runs the schema validation at synth.
        self._rendering = _Rendering(self)
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=self.RESOURCE_TYPE,
            properties=self._render_properties(for_validation=False),
            removal_policy=removal_policy or RemovalPolicy.DESTROY,
        )
        node_of(self).add_validation(by_reference(self._rendering))
        self._add_destinations((event_destinations or {}).items())

    @property
    def configuration_set_name(self) -> str:
        """The set's name (a token: ``Ref`` of the custom resource)."""
        return self._resource.ref

    @property
    def event_destinations(self) -> list[ConfigurationSetEventDestination]:
        """The destinations added so far, in order."""
        return list(self._destinations)

    def add_event_destination(
        self, construct_id: str, options: EventDestinationOptions | None = None, **kwargs: Any
    ) -> ConfigurationSetEventDestination:
        """Add an event destination.

        Pass an :class:`EventDestinationOptions`, or its fields as keyword arguments:
        ``destination`` (required), ``events``, ``enabled``, ``event_destination_name``.
        """
        if options is None:
            options = EventDestinationOptions(**kwargs)
        elif kwargs:
            raise TypeError("pass either an EventDestinationOptions or keyword arguments")
        return self._add_destinations([(construct_id, options)])[0]

    def _add_destinations(
        self, items: Iterable[tuple[str, EventDestinationOptions]]
    ) -> list[ConfigurationSetEventDestination]:
        """Bind destinations, then make the custom resource depend on all they need at once."""
        added: list[ConfigurationSetEventDestination] = []
        dependencies: list[IDependable] = []
        for construct_id, options in items:
            destination = ConfigurationSetEventDestination(self, construct_id, options)
            self._destinations.append(destination)
            added.append(destination)
            if destination.role is not None:
                self.provider.grant_pass_role(destination.role)
            dependencies.extend(destination.config.dependencies)
            dependencies.append(destination)
        if dependencies:
            node_of(self._resource).add_dependency(*dependencies)
        return added

    def source_arn_in(self, stack: Stack) -> str | None:
        """The ARN that ``aws:SourceArn`` conditions name, built in ``stack``; None when the
        API generation has no ARN.
        """
        return None

    def _source_arn_in(self, stack: Stack) -> str | None:
        """``source_arn_in(stack)``, built once per stack."""
        key = ref_of(stack)
        if key not in self._source_arns:
            arn = self.source_arn_in(stack)
            if arn is None:
                return None
            self._source_arns[key] = arn
        return self._source_arns[key]

    def _label(self) -> str:
        """The set's name, or its construct path while the name is a token (for messages)."""
        return repr(self._name) if not is_unresolved(self._name) else node_of(self).path

    def _render_destinations(self) -> list[dict[str, Any]]:
        return [d.render() for d in self._destinations]

    def _render_settings(self, for_validation: bool) -> dict[str, Any]:
        """The generation's own properties, None values left out."""
        return {}

    def _render_properties(self, for_validation: bool) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "SchemaVersion": SCHEMA_VERSION,
            "ConfigurationSetName": self._name,
            "EventDestinations": self._render_destinations() if for_validation else self._rendering,
        }
        properties.update(
            {k: v for k, v in self._render_settings(for_validation).items() if v is not None}
        )
        return properties

    def validate_configuration(self) -> list[str]:
        """Every schema error in what this set renders; tokens are checked at deploy time."""
        return [
            f"{self.RESOURCE_TYPE} properties: {error}"
            for error in validate_properties(
                self.RESOURCE_TYPE,
                self._render_properties(for_validation=True),
                is_unresolved=is_unresolved,
            )
        ]


@jsii.implements(IResolvable, IValidation)
class _Rendering:
    """A set's ``EventDestinations``, rendered in Python each time the template is resolved
    (so that destinations added after construction need no re-rendering), and its schema
    validation, which runs when the app is synthesized.

    A Python ``IResolvable`` works where a Python ``Lazy`` producer does not
    (aws/aws-cdk#37952): ``tests/constructs/test_rendering.py`` pins that.
    """

    def __init__(self, owner: ConfigurationSetBase) -> None:
        self._owner = owner

    @property
    def creation_stack(self) -> list[str]:
        return []

    @property
    def type_hint(self) -> ResolutionTypeHint | None:
        return None

    def resolve(self, context: IResolveContext) -> Any:
        return self._owner._render_destinations()

    def to_string(self) -> str:
        return f"<EventDestinations of {type(self._owner).__name__}>"

    def validate(self) -> list[str]:
        return self._owner.validate_configuration()


def _sanitize(construct_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", construct_id)[:64]
