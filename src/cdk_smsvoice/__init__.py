"""cdk-smsvoice: AWS CDK constructs for SMS and Voice configuration sets and their event
destinations, on the v2 (AWS End User Messaging SMS and Voice) and v1 (Amazon Pinpoint SMS
and Voice) APIs.
"""

from .constructs.configuration_set import (
    ConfigurationSet,
    IConfigurationSet,
    ImportedConfigurationSet,
)
from .constructs.configuration_set_base import (
    ConfigurationSetBase,
    ConfigurationSetEventDestination,
    EventDestinationOptions,
)
from .constructs.enums import EventType, MessageType, VoiceEventType
from .constructs.event_destination import EventDestination, EventDestinationConfig
from .constructs.provider import SmsVoiceProvider
from .constructs.voice_configuration_set import (
    ImportedVoiceConfigurationSet,
    IVoiceConfigurationSet,
    VoiceConfigurationSet,
)

__all__ = [
    "ConfigurationSet",
    "ConfigurationSetBase",
    "ConfigurationSetEventDestination",
    "EventDestination",
    "EventDestinationConfig",
    "EventDestinationOptions",
    "EventType",
    "IConfigurationSet",
    "IVoiceConfigurationSet",
    "ImportedConfigurationSet",
    "ImportedVoiceConfigurationSet",
    "MessageType",
    "SmsVoiceProvider",
    "VoiceConfigurationSet",
    "VoiceEventType",
]
