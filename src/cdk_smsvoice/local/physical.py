"""Deterministic physical ids and attributes of the resources that local deploy does not run:
each is taken as already existing, named by its own name property when it has one, else as
CloudFormation names it, ``<StackName>-<LogicalId>-<suffix>``, with a suffix derived from the
stack and logical id instead of a random one.
"""

import base64
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

PropertyLookup = Callable[[str], object]
"""Resolves one property of the resource, or returns None when it is absent."""


@dataclass(frozen=True)
class StackEnvironment:
    """Where a stack is deployed: the values of the pseudo parameters."""

    stack_name: str
    stack_id: str
    account: str
    region: str

    @property
    def partition(self) -> str:
        """``aws``, or the partition the Region belongs to."""
        for prefix, partition in (
            ("cn-", "aws-cn"),
            ("us-gov-", "aws-us-gov"),
            ("us-isob-", "aws-iso-b"),
            ("us-iso-", "aws-iso"),
        ):
            if self.region.startswith(prefix):
                return partition
        return "aws"

    @property
    def url_suffix(self) -> str:
        """The domain suffix of the partition's endpoints."""
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"


@dataclass(frozen=True)
class Described:
    """What a resource that already exists answers to ``Ref`` and ``Fn::GetAtt``."""

    ref: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class _Kind:
    name_property: str | None
    max_length: int
    ref: str
    """A key of ``attributes``, or ``name``/``id``."""
    attributes: dict[str, str]
    """Attribute name to a format string over partition, region, account, url_suffix, name,
    id and path."""
    lowercase: bool = False
    fifo_property: str | None = None


_KINDS: dict[str, _Kind] = {
    "AWS::SNS::Topic": _Kind(
        "TopicName",
        256,
        "TopicArn",
        {"TopicArn": "arn:{partition}:sns:{region}:{account}:{name}", "TopicName": "{name}"},
        fifo_property="FifoTopic",
    ),
    "AWS::SQS::Queue": _Kind(
        "QueueName",
        80,
        "QueueUrl",
        {
            "Arn": "arn:{partition}:sqs:{region}:{account}:{name}",
            "QueueName": "{name}",
            "QueueUrl": "https://sqs.{region}.{url_suffix}/{account}/{name}",
        },
        fifo_property="FifoQueue",
    ),
    "AWS::Logs::LogGroup": _Kind(
        "LogGroupName",
        512,
        "name",
        {"Arn": "arn:{partition}:logs:{region}:{account}:log-group:{name}:*"},
    ),
    "AWS::Logs::LogStream": _Kind("LogStreamName", 512, "name", {}),
    "AWS::IAM::Role": _Kind(
        "RoleName",
        64,
        "name",
        {"Arn": "arn:{partition}:iam::{account}:role{path}{name}", "RoleId": "AROA{id}"},
    ),
    "AWS::IAM::User": _Kind(
        "UserName", 64, "name", {"Arn": "arn:{partition}:iam::{account}:user{path}{name}"}
    ),
    "AWS::IAM::ManagedPolicy": _Kind(
        "ManagedPolicyName",
        128,
        "PolicyArn",
        {"PolicyArn": "arn:{partition}:iam::{account}:policy{path}{name}"},
    ),
    "AWS::KinesisFirehose::DeliveryStream": _Kind(
        "DeliveryStreamName",
        64,
        "name",
        {"Arn": "arn:{partition}:firehose:{region}:{account}:deliverystream/{name}"},
    ),
    "AWS::Kinesis::Stream": _Kind(
        "Name", 128, "name", {"Arn": "arn:{partition}:kinesis:{region}:{account}:stream/{name}"}
    ),
    "AWS::KMS::Key": _Kind(
        None,
        0,
        "id",
        {"Arn": "arn:{partition}:kms:{region}:{account}:key/{id}", "KeyId": "{id}"},
    ),
    "AWS::KMS::Alias": _Kind("AliasName", 256, "name", {}),
    "AWS::S3::Bucket": _Kind(
        "BucketName",
        63,
        "name",
        {
            "Arn": "arn:{partition}:s3:::{name}",
            "DomainName": "{name}.s3.{url_suffix}",
            "RegionalDomainName": "{name}.s3.{region}.{url_suffix}",
            "DualStackDomainName": "{name}.s3.dualstack.{region}.{url_suffix}",
            "WebsiteURL": "http://{name}.s3-website-{region}.{url_suffix}",
        },
        lowercase=True,
    ),
    "AWS::Lambda::Function": _Kind(
        "FunctionName",
        64,
        "name",
        {"Arn": "arn:{partition}:lambda:{region}:{account}:function:{name}"},
    ),
    "AWS::SMSVOICE::ConfigurationSet": _Kind(
        "ConfigurationSetName",
        64,
        "name",
        {"Arn": "arn:{partition}:sms-voice:{region}:{account}:configuration-set/{name}"},
    ),
}

_SUFFIX_LENGTH = 12


def generated_name(
    stack_name: str, logical_id: str, max_length: int = 128, *, lowercase: bool = False
) -> str:
    """``<StackName>-<LogicalId>-<SUFFIX>`` cut to ``max_length``, as CloudFormation names a
    resource without a name of its own, but with a suffix derived from both names.
    """
    suffix = _digest(f"{stack_name}/{logical_id}")[:_SUFFIX_LENGTH]
    room = max_length - _SUFFIX_LENGTH - 2
    logical_part = logical_id[: max(room - len(stack_name), room // 2)]
    stack_part = stack_name[: room - len(logical_part)]
    name = f"{stack_part}-{logical_part}-{suffix}"
    return name.lower() if lowercase else name


def describe(
    resource_type: str, logical_id: str, prop: PropertyLookup, env: StackEnvironment
) -> Described:
    """``Ref`` and the attributes of a resource that local deploy takes as existing.

    Types without a rule answer ``Ref`` with a generated name and ``Arn`` with an ARN built
    from the type's service and resource names.
    """
    kind = _KINDS.get(resource_type)
    if kind is None:
        ref = generated_name(env.stack_name, logical_id)
        _, service, resource = [*resource_type.split("::"), "", ""][:3]
        arn = f"arn:{env.partition}:{service.lower()}:{env.region}:{env.account}:"
        return Described(ref, {"Arn": f"{arn}{resource.lower()}/{ref}"})
    own_name = prop(kind.name_property) if kind.name_property else None
    if own_name is not None:
        name = str(own_name)
    else:
        name = generated_name(
            env.stack_name, logical_id, kind.max_length or 128, lowercase=kind.lowercase
        )
        if kind.fifo_property and str(prop(kind.fifo_property)).lower() == "true":
            name = f"{name[: kind.max_length - 5]}.fifo"
    path = prop("Path") or "/"
    values = {
        "partition": env.partition,
        "region": env.region,
        "account": env.account,
        "url_suffix": env.url_suffix,
        "name": name,
        "id": (_key_id if resource_type == "AWS::KMS::Key" else _id)(env, logical_id),
        "path": str(path),
    }
    attributes = {attr: fmt.format(**values) for attr, fmt in kind.attributes.items()}
    ref = values[kind.ref] if kind.ref in values else attributes[kind.ref]
    return Described(ref, attributes)


def _digest(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()


def _id(env: StackEnvironment, logical_id: str) -> str:
    return _digest(f"{env.account}/{env.region}/{env.stack_name}/{logical_id}/id")[:17]


def _key_id(env: StackEnvironment, logical_id: str) -> str:
    seed = hashlib.sha256(f"{env.account}/{env.region}/{env.stack_name}/{logical_id}".encode())
    return str(uuid.UUID(bytes=seed.digest()[:16], version=4))
