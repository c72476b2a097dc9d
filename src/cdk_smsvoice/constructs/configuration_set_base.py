"""What v1 and v2 configuration sets share: naming, destinations, the custom resource and its
synth-time validation.
"""

import dataclasses
import inspect
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
    Resource,
    Stack,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable, IValidation

from ..handler.smsvoice_handler.constants import SCHEMA_VERSION
from ..schema import validate_properties
from .event_destination import EventDestination, EventDestinationConfig, event_type_values
from .lookups import by_reference, node_of, path_of, placed_in, ref_of
from .provider import SmsVoiceProvider
from .readable import readable, without_tokens
from .resolvable import PythonResolvable
from .structs import as_struct
from .tokens import is_unresolved
from .unique_names import name_clashes, register_for_name_check


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


EventDestinationOptionsLike = EventDestinationOptions | Mapping[str, Any]
"""An :class:`EventDestinationOptions`, or a dict with the same keys."""


class ConfigurationSetEventDestination(Construct):
    """One event destination of a configuration set, with the IAM its sink needs."""

    def __init__(
        self,
        scope: "ConfigurationSetBase",
        id: str,
        options: EventDestinationOptions,
    ) -> None:
        _check_options(f"[{path_of(scope)}] event destination {id!r}", options)
        super().__init__(scope, id)
        placed_in(self, scope, id)
        self.event_destination_name = options.event_destination_name or _sanitize(id)
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Show each subclass's real constructor parameters to ``help()``,
        ``inspect.signature`` and IDEs, instead of the ``(*args, **kwargs)`` of jsii's
        metaclass ``__call__``.
        """
        super().__init_subclass__(**kwargs)
        init = inspect.signature(cls.__init__)
        cls.__signature__ = init.replace(
            parameters=list(init.parameters.values())[1:], return_annotation=cls
        )

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        configuration_set_name: str | None,
        event_destinations: Mapping[str, EventDestinationOptionsLike] | None,
        removal_policy: RemovalPolicy | None,
    ) -> None:
        super().__init__(scope, id)
        placed_in(self, scope, id)
        if removal_policy is not None:
            self._check_removal_policy(removal_policy, "removal_policy")
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
        node_of(self).default_child = node_of(self._resource).default_child
        node_of(self).add_validation(by_reference(self._rendering))
        self._name_check = register_for_name_check(
            self, self._name, generated=configuration_set_name is None
        )
        if event_destinations is not None and not isinstance(event_destinations, Mapping):
            raise TypeError(
                f"[{path_of(self)}] event_destinations: expected a dict of construct id to "
                f"EventDestinationOptions (or a dict with its keys), got "
                f"{type(event_destinations).__name__}"
            )
        self._add_destinations(
            (
                destination_id,
                as_struct(
                    EventDestinationOptions,
                    options,
                    f"[{path_of(self)}] event_destinations[{destination_id!r}]",
                ),
            )
            for destination_id, options in (event_destinations or {}).items()
        )

    @property
    def generation(self) -> str:
        """The API generation: ``v1`` or ``v2``; sets of one generation share one namespace
        of names in each account and Region.
        """
        return "v2" if self.RESOURCE_TYPE.startswith("Custom::SmsVoiceV2") else "v1"

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Decide what happens to the set when it leaves the stack or the stack is deleted,
        as the ``removal_policy`` prop does: ``DESTROY`` deletes it, ``RETAIN`` keeps it.

        :raises ValueError: for ``SNAPSHOT`` or any other policy (a set has no snapshot).
        """
        self._check_removal_policy(policy, "apply_removal_policy()")
        super().apply_removal_policy(policy)

    def _check_removal_policy(self, policy: RemovalPolicy, where: str) -> None:
        if policy not in (RemovalPolicy.DESTROY, RemovalPolicy.RETAIN):
            raise ValueError(
                f"[{path_of(self)}] {where} {policy}: a configuration set can "
                "only be destroyed or retained. Use RemovalPolicy.DESTROY or RemovalPolicy.RETAIN."
            )

    @property
    def configuration_set_name(self) -> str:
        """The set's name (a token: ``Ref`` of the custom resource)."""
        return self._resource.ref

    @property
    def event_destinations(self) -> list[ConfigurationSetEventDestination]:
        """The destinations added so far, in order."""
        return list(self._destinations)

    def add_event_destination(
        self,
        id: str,
        options: EventDestinationOptionsLike | None = None,
        *,
        destination: EventDestination | None = None,
        events: Sequence[Enum | str] | None = None,
        enabled: bool | None = None,
        event_destination_name: str | None = None,
    ) -> ConfigurationSetEventDestination:
        """Add an event destination, with the construct id ``id``.

        Pass an :class:`EventDestinationOptions` (or a dict with its keys), or its fields as
        keyword arguments.

        :param destination: where events go (required): ``EventDestination.sns_topic``,
            ``.cloud_watch_logs`` or ``.firehose``.
        :param events: the event types to send. Default: every event.
        :param enabled: whether the destination receives events. Default: True.
        :param event_destination_name: the destination's name in the set. Default: ``id``,
            with any character outside ``[A-Za-z0-9_-]`` replaced by ``-``.
        """
        where = f"[{path_of(self)}] add_event_destination({id!r})"
        given = {
            key: value
            for key, value in {
                "destination": destination,
                "events": events,
                "enabled": enabled,
                "event_destination_name": event_destination_name,
            }.items()
            if value is not None
        }
        if options is not None and given:
            raise TypeError(
                f"{where}: pass either an EventDestinationOptions or keyword arguments, "
                f"not both (got options and {', '.join(given)})"
            )
        resolved = as_struct(EventDestinationOptions, given if options is None else options, where)
        return self._add_destinations([(id, resolved)])[0]

    def _add_destinations(
        self, items: Iterable[tuple[str, EventDestinationOptions]]
    ) -> list[ConfigurationSetEventDestination]:
        """Bind destinations, then make the custom resource depend on all they need at once."""
        added: list[ConfigurationSetEventDestination] = []
        dependencies: list[IDependable] = []
        for id, options in items:
            destination = ConfigurationSetEventDestination(self, id, options)
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
        """Every schema error in what this set renders (tokens are checked at deploy time,
        and messages show what a token stands for, never the token itself), and any other set
        of the app that would get the same name in the same account and Region.
        """
        return [
            *(
                without_tokens(
                    f"{self.RESOURCE_TYPE} properties: "
                    f"{dataclasses.replace(error, value=readable(error.value, self))}"
                )
                for error in validate_properties(
                    self.RESOURCE_TYPE,
                    self._render_properties(for_validation=True),
                    is_unresolved=is_unresolved,
                )
            ),
            *name_clashes(self._name_check),
        ]


@jsii.implements(IResolvable, IValidation)
class _Rendering(PythonResolvable):
    """A set's ``EventDestinations``, rendered in Python each time the template is resolved
    (so that destinations added after construction need no re-rendering), and its schema
    validation, which runs when the app is synthesized.

    A Python ``IResolvable`` works where a Python ``Lazy`` producer does not
    (aws/aws-cdk#37952): ``tests/constructs/test_rendering.py`` pins that.
    """

    def __init__(self, owner: ConfigurationSetBase) -> None:
        self._owner = owner

    def resolve(self, context: IResolveContext) -> Any:
        return self._owner._render_destinations()

    def to_string(self) -> str:
        return f"<EventDestinations of {type(self._owner).__name__}>"

    def validate(self) -> list[str]:
        return self._owner.validate_configuration()


def _check_options(where: str, options: EventDestinationOptions) -> None:
    """Refuse a sink that is not an :class:`EventDestination` and ``events`` that is not a list
    of event types (a single type or string would be read one character at a time).

    :raises TypeError: naming ``where``, the value given and the fix.
    """
    if not isinstance(options.destination, EventDestination):
        raise TypeError(
            f"{where}: destination must be an EventDestination, got "
            f"{type(options.destination).__name__}. Wrap the sink: "
            "EventDestination.sns_topic(topic), EventDestination.cloud_watch_logs(log_group) "
            "or EventDestination.firehose(stream)."
        )
    events = options.events
    if events is not None and (isinstance(events, str | Enum) or not isinstance(events, Sequence)):
        raise TypeError(
            f"{where}: events must be a list of event types, got {type(events).__name__} "
            f"{getattr(events, 'value', events)!r}. Use a list, e.g. events=[EventType.ALL]."
        )


def _sanitize(id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", id)[:64]
