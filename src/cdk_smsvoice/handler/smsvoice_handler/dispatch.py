"""``on_event``: route a CloudFormation custom resource event to the right API generation."""

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypedDict

import boto3
from botocore.config import Config

from .api_v1 import V1Backend
from .api_v2 import V2Backend
from .backend import Backend
from .calls import ApiCaller, Clock, RetryPolicy, SystemClock
from .constants import V1_RESOURCE_TYPE, V2_RESOURCE_TYPE
from .lifecycle import Outcome, Request, create, delete, owner_id, update
from .model import ConfigurationSetSpec
from .validation import InvalidPropertiesError, validate_properties

LOG = logging.getLogger(__name__)
logging.getLogger().setLevel(logging.INFO)

CLEANUP_RESERVE_SECONDS = 60.0
"""Time kept back from retries so that a failed Create can still undo its work."""

RESPONSE_MARGIN_SECONDS = 5.0
"""Time no retry may use, even in cleanup, so the handler always answers before its timeout."""

_SERVICE_BY_TYPE = {
    V2_RESOURCE_TYPE: "pinpoint-sms-voice-v2",
    V1_RESOURCE_TYPE: "pinpoint-sms-voice",
}


class Event(TypedDict, total=False):
    """The custom resource event, as the CDK Provider framework passes it."""

    RequestType: str
    ResourceType: str
    LogicalResourceId: str
    StackId: str
    RequestId: str
    PhysicalResourceId: str
    ResourceProperties: dict[str, Any]
    OldResourceProperties: dict[str, Any]


class LambdaContext(Protocol):
    """The one method of the Lambda context the handler uses."""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""


ClientFactory = Callable[[str], Any]
"""Makes a boto3 client for a service name."""


CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
"""Bounds on one HTTP attempt, well inside CLEANUP_RESERVE_SECONDS, so that no single call can
carry the handler past its deadline (botocore's defaults are 60 s each)."""


def default_client(service: str) -> Any:
    """A client from the standard SDK configuration: AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS,
    AWS_RETRY_MODE and the region all come from the environment.

    botocore reads the region from AWS_DEFAULT_REGION or the profile only; AWS_REGION, the
    variable Lambda and every other AWS SDK use, takes precedence here. Unless
    AWS_MAX_ATTEMPTS or AWS_RETRY_MODE says otherwise, botocore makes one attempt per call:
    the handler's own retries are the ones that know the deadline and the service's rate.
    """
    session = boto3.session.Session()
    region = os.environ.get("AWS_REGION") or session.region_name
    retries_from_env = "AWS_MAX_ATTEMPTS" in os.environ or "AWS_RETRY_MODE" in os.environ
    config = Config(
        user_agent_extra="cdk-smsvoice",
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries=None if retries_from_env else {"total_max_attempts": 1},
    )
    make_client: Callable[..., Any] = session.client  # the stubs' overloads want a literal name
    return make_client(service, region_name=region, config=config)


def on_event(event: Event, context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point: returns ``{PhysicalResourceId, Data}`` or raises to fail."""
    return handle(event, context)


def handle(
    event: Event,
    context: LambdaContext,
    *,
    client_factory: ClientFactory = default_client,
    clock: Clock | None = None,
    policy: RetryPolicy | None = None,
) -> dict[str, Any]:
    """``on_event`` with its collaborators injectable (tests use virtual time and the
    emulator's in-process services).
    """
    clock = clock or SystemClock()
    resource_type = event.get("ResourceType", "")
    request_type = event.get("RequestType", "")
    properties = dict(event.get("ResourceProperties") or {})
    properties.pop("ServiceToken", None)
    LOG.info(
        "%s %s %s physical id %r",
        request_type,
        resource_type,
        event.get("LogicalResourceId"),
        event.get("PhysicalResourceId"),
    )
    if resource_type not in _SERVICE_BY_TYPE:
        raise ValueError(
            f"unsupported resource type {resource_type!r}: this provider serves "
            f"{' and '.join(_SERVICE_BY_TYPE)}"
        )
    generation = "v2" if resource_type == V2_RESOURCE_TYPE else "v1"
    name = properties.get("ConfigurationSetName")
    subject = (
        f"{resource_type} {event.get('LogicalResourceId')!r} "
        f"({generation} configuration set {name!r})"
    )
    remaining = context.get_remaining_time_in_millis() / 1000.0
    now = clock.monotonic()
    caller = ApiCaller(
        client=client_factory(_SERVICE_BY_TYPE[resource_type]),
        subject=subject,
        deadline=now + max(remaining - CLEANUP_RESERVE_SECONDS, remaining / 2),
        reserve_deadline=now + max(remaining - RESPONSE_MARGIN_SECONDS, remaining * 3 / 4),
        clock=clock,
        policy=policy or RetryPolicy(),
        # v1 allows about one request a second in all; v2 one per second per operation.
        pace_all_operations=resource_type == V1_RESOURCE_TYPE,
        max_call_seconds=CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS,
    )
    backend = _backend(resource_type, caller, event.get("StackId", ""))
    request = Request(
        request_id=event.get("RequestId", ""),
        owner=owner_id(event.get("StackId", ""), event.get("LogicalResourceId", "")),
        subject=subject,
    )
    if request_type == "Delete":
        outcome = delete(backend, request, event.get("PhysicalResourceId", ""))
    else:
        spec = _spec(resource_type, properties, subject)
        if request_type == "Create":
            outcome = create(backend, request, spec)
        elif request_type == "Update":
            old = _old_spec(resource_type, event.get("OldResourceProperties") or {}, subject)
            outcome = update(backend, request, event.get("PhysicalResourceId", ""), spec, old)
        else:
            raise ValueError(f"{subject}: unknown RequestType {request_type!r}")
    LOG.info("%s: %s done with %d API calls", subject, request_type, caller.calls_made)
    return _response(outcome)


def _backend(resource_type: str, caller: ApiCaller, stack_id: str) -> Backend:
    if resource_type == V2_RESOURCE_TYPE:
        partition, region, account = _arn_parts(stack_id)
        prefix = f"arn:{partition}:sms-voice:{region}:{account}:configuration-set/"
        return V2Backend(caller=caller, arn_prefix=prefix)
    return V1Backend(caller=caller)


def _arn_parts(arn: str) -> tuple[str, str, str]:
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"StackId {arn!r} is not an ARN")
    return parts[1], parts[3], parts[4]


def _spec(resource_type: str, properties: Mapping[str, Any], subject: str) -> ConfigurationSetSpec:
    try:
        validate_properties(resource_type, properties)
    except InvalidPropertiesError as error:
        raise InvalidPropertiesError(
            f"{subject}: invalid properties, no API call was made. {error}"
        ) from None
    return ConfigurationSetSpec.from_properties(properties)


def _old_spec(
    resource_type: str, properties: Mapping[str, Any], subject: str
) -> ConfigurationSetSpec | None:
    """The old properties; read leniently when they do not validate (written by another
    release, say), since they only tell what this resource declared before.
    """
    old = dict(properties)
    old.pop("ServiceToken", None)
    try:
        validate_properties(resource_type, old)
    except InvalidPropertiesError as error:
        LOG.warning(
            "%s: old properties do not validate (%s); reading them leniently", subject, error
        )
    try:
        return ConfigurationSetSpec.from_properties(old)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        LOG.warning("%s: old properties unreadable (%s); treating them as unknown", subject, error)
        return None


def _response(outcome: Outcome) -> dict[str, Any]:
    response = {"PhysicalResourceId": outcome.physical_resource_id, "Data": outcome.data}
    LOG.info("response %s", json.dumps(response))
    return response
