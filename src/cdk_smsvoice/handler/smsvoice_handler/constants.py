"""Names shared by the constructs and the handler; the constructs import them from here."""

V2_RESOURCE_TYPE = "Custom::SmsVoiceV2ConfigurationSet"
V1_RESOURCE_TYPE = "Custom::SmsVoiceV1ConfigurationSet"

SCHEMA_VERSION = "1"
"""The property shape rendered by this release. Later handlers keep accepting every version."""

OWNER_TAG_KEY = "cdk-smsvoice:owner"
"""Tag that marks a v2 set as created by one custom resource (stack id and logical id)."""

SINK_KINDS = ("CloudWatchLogsDestination", "KinesisFirehoseDestination", "SnsDestination")
