"""cdk-smsvoice: AWS CDK constructs for SMS and Voice configuration sets and their event
destinations, on the v2 (AWS End User Messaging SMS and Voice) and v1 (Amazon Pinpoint SMS
and Voice) APIs.

The constructs are imported on first use, so that ``cdk_smsvoice.emulator`` and the
``cdk-smsvoice`` command line start without loading aws-cdk-lib and its Node.js runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from .constructs.destination_role import DestinationRole
    from .constructs.enums import EventType, MessageType, VoiceEventType
    from .constructs.event_destination import EventDestination, EventDestinationConfig
    from .constructs.provider import SmsVoiceProvider
    from .constructs.voice_configuration_set import (
        ImportedVoiceConfigurationSet,
        IVoiceConfigurationSet,
        VoiceConfigurationSet,
    )

_EXPORTS = {
    "ConfigurationSet": "configuration_set",
    "IConfigurationSet": "configuration_set",
    "ImportedConfigurationSet": "configuration_set",
    "ConfigurationSetBase": "configuration_set_base",
    "ConfigurationSetEventDestination": "configuration_set_base",
    "EventDestinationOptions": "configuration_set_base",
    "DestinationRole": "destination_role",
    "EventType": "enums",
    "MessageType": "enums",
    "VoiceEventType": "enums",
    "EventDestination": "event_destination",
    "EventDestinationConfig": "event_destination",
    "SmsVoiceProvider": "provider",
    "ImportedVoiceConfigurationSet": "voice_configuration_set",
    "IVoiceConfigurationSet": "voice_configuration_set",
    "VoiceConfigurationSet": "voice_configuration_set",
}

__all__ = [
    "ConfigurationSet",
    "ConfigurationSetBase",
    "ConfigurationSetEventDestination",
    "DestinationRole",
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cdk_smsvoice' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".constructs.{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
