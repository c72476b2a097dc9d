"""What the event tests share: boto3 clients without retries, and the emulator's control API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config


def client(service: str, url: str | None, region: str = "us-east-1") -> Any:
    """A boto3 client of ``service`` at ``url`` (``None``: AWS), without botocore's retries."""
    session = boto3.session.Session(region_name=region)
    return session.client(
        service, endpoint_url=url, config=Config(retries={"total_max_attempts": 1})
    )


def control(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the emulator's control API at ``url``; returns ``(status, JSON answer)``."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}  # the control API takes JSON only
    request = urllib.request.Request(f"{url}{path}", data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class MotoSinks:
    """The sinks of one test in a moto server: creates topics (each with an SQS queue
    subscribed), log groups and Firehose streams into S3, and reads back what they received.
    """

    def __init__(self, url: str | None, region: str = "us-east-1") -> None:
        self.url = url
        self.sns = client("sns", url, region)
        self.sqs = client("sqs", url, region)
        self.logs = client("logs", url, region)
        self.s3 = client("s3", url, region)
        self.firehose = client("firehose", url, region)
        self.queues: dict[str, str] = {}
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.published_at: dict[str, str] = {}
        """Record (:func:`_key`) -> when SNS took it (its envelope's ``Timestamp``)."""

    def topic(self, name: str) -> str:
        """Create topic ``name``; returns its ARN."""
        arn: str = self.sns.create_topic(Name=name)["TopicArn"]
        return arn

    def subscribe_queue(self, topic_arn: str, name: str) -> None:
        """Subscribe a new SQS queue ``name`` to ``topic_arn``, as a consumer would."""
        queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        arn = queue_arn["Attributes"]["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        }
        self.sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        self.sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        self.queues[topic_arn] = queue_url

    def log_group(self, name: str) -> str:
        """Create log group ``name``; returns its ARN as CloudFormation gives it."""
        self.logs.create_log_group(logGroupName=name)
        arn: str = self.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
        return arn

    def stream_to_bucket(self, stream: str, bucket: str, role_arn: str) -> str:
        """Create bucket ``bucket`` and Firehose stream ``stream`` into it; returns its ARN."""
        self.s3.create_bucket(Bucket=bucket)
        answer = self.firehose.create_delivery_stream(
            DeliveryStreamName=stream,
            ExtendedS3DestinationConfiguration={
                "RoleARN": role_arn,
                "BucketARN": f"arn:aws:s3:::{bucket}",
            },
        )
        arn: str = answer["DeliveryStreamARN"]
        return arn

    def topic_records(self, topic_arn: str) -> list[dict[str, Any]]:
        """Every record the topic's queue received so far (SNS envelopes opened), in the
        queue's order (a standard queue's: moto keeps the order, AWS and LocalStack need not;
        :meth:`publish_times` gives the order SNS took them in).
        """
        received = self.received.setdefault(topic_arn, [])
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queues[topic_arn], MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = answer.get("Messages", [])
            if not messages:
                return list(received)
            for message in messages:
                envelope = json.loads(message["Body"])
                record = json.loads(envelope["Message"])
                received.append(record)
                self.published_at[_key(record)] = envelope["Timestamp"]
                self.sqs.delete_message(
                    QueueUrl=self.queues[topic_arn], ReceiptHandle=message["ReceiptHandle"]
                )

    def publish_times(self, records: list[dict[str, Any]]) -> list[str]:
        """When SNS took each of ``records`` (read by :meth:`topic_records`), as ISO 8601."""
        return [self.published_at[_key(record)] for record in records]

    def log_records(self, group: str) -> list[dict[str, Any]]:
        """Every record in log group ``group``, in the order of its streams' events."""
        records = []
        streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
        for stream in streams:
            events = self.logs.get_log_events(
                logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
            )["events"]
            records += [json.loads(event["message"]) for event in events]
        return records

    def bucket_records(self, bucket: str) -> list[dict[str, Any]]:
        """Every record in the objects of ``bucket`` (JSON documents, one after the other,
        with or without newlines between them).
        """
        records = []
        decoder = json.JSONDecoder()
        listed = self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        for item in listed:
            body = self.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
            position = 0
            while position < len(body):
                if body[position].isspace():
                    position += 1
                    continue
                record, position = decoder.raw_decode(body, position)
                records.append(record)
        return records

    def delete_queues(self) -> None:
        """Delete the queues :meth:`subscribe_queue` made."""
        for queue_url in self.queues.values():
            self.sqs.delete_queue(QueueUrl=queue_url)
        self.queues.clear()


def _key(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True)
