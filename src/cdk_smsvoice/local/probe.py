"""Reading what exists under a configuration set name, for crash recovery: whether the set
is there, and (v2) the ownership tag it carries. Local deploy calls the endpoint itself for
this, with the credentials its handlers get (the access key id is the stack's account).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OWNER_TAG_KEY = "cdk-smsvoice:owner"
"""The tag v2 sets carry: which custom resource made them (the handler's ``OWNER_TAG_KEY``)."""

V2_TYPE = "Custom::SmsVoiceV2ConfigurationSet"


@dataclass(frozen=True)
class SetPresence:
    """What exists under a name."""

    exists: bool
    owner: str | None = None
    """The ownership tag's value (v2), None when absent or not applicable."""


Prober = Callable[[str, str, str, str], SetPresence]
"""``(resource_type, set name, account, region) -> SetPresence``."""


def owner_id(stack_id: str, logical_id: str) -> str:
    """The ownership tag value the handler writes (its ``lifecycle.owner_id``)."""
    value = f"{stack_id}#{logical_id}"
    if len(value) <= 256:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def endpoint_prober(endpoint: Callable[[], str]) -> Prober:
    """A prober that calls the endpoint ``endpoint()`` returns (started on first use)."""

    def probe(resource_type: str, name: str, account: str, region: str) -> SetPresence:
        import boto3  # here: ``status`` and the other commands start without it
        from botocore.config import Config

        v2 = resource_type == V2_TYPE
        client: Any = boto3.session.Session().client(
            "pinpoint-sms-voice-v2" if v2 else "pinpoint-sms-voice",
            endpoint_url=endpoint(),
            region_name=region,
            aws_access_key_id=account if account.isdigit() else "local",
            aws_secret_access_key="local",
            config=Config(retries={"mode": "standard", "max_attempts": 10}),
        )
        return _probe_v2(client, name) if v2 else _probe_v1(client, name)

    return probe


def _probe_v2(client: Any, name: str) -> SetPresence:
    from botocore.exceptions import ClientError

    try:
        answer = client.describe_configuration_sets(ConfigurationSetNames=[name])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return SetPresence(False)
        raise
    found = [s for s in answer.get("ConfigurationSets", []) if s["ConfigurationSetName"] == name]
    if not found:
        return SetPresence(False)
    tags = client.list_tags_for_resource(ResourceArn=found[0]["ConfigurationSetArn"])["Tags"]
    owner = next((t["Value"] for t in tags if t["Key"] == OWNER_TAG_KEY), None)
    return SetPresence(True, owner)


def _probe_v1(client: Any, name: str) -> SetPresence:
    token: str | None = None
    while True:
        answer = client.list_configuration_sets(**({"NextToken": token} if token else {}))
        if name in answer.get("ConfigurationSets", []):
            return SetPresence(True)
        token = answer.get("NextToken")
        if not token:
            return SetPresence(False)
