"""Event records in the shapes AWS documents, one per event of a message.

* v2 text (SMS) and media (MMS) records follow "Example AWS End User Messaging SMS event data"
  (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html)
  and "Monitoring with EventBridge": ``eventType``, ``eventVersion``, ``eventTimestamp``,
  ``isFinal``, ``originationPhoneNumber``, ``destinationPhoneNumber``, ``isoCountryCode``,
  ``isInternationalSend``, ``mcc``/``mnc``/``carrierName`` (only where known: they are
  optional; see :mod:`.countries`), ``messageId``, ``messageRequestTimestamp``,
  ``messageEncoding`` (text), ``messageType``, ``messageStatus``, ``messageStatusDescription``,
  ``context`` (when the send had one), ``totalMessageParts``, ``totalMessagePrice``,
  ``totalCarrierFee`` and ``protectConfiguration`` (when the send used one).
* v2 voice records follow the documented ``VOICE_INITIATED`` example ("Monitoring with
  EventBridge", https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html):
  the fields above up to ``messageStatus``, without ``mcc``/``mnc``/``carrierName``,
  ``messageEncoding``, ``messageType`` (a voice send has none) or ``messageStatusDescription``.
  The final record of a call adds what the call cost: ``callDurationInSeconds``,
  ``totalDurationInMinutes`` (billed minutes, rounded up) and ``totalMessagePrice``, the fields
  AWS's own analytics sample for these events reads.
* v1 voice records follow the Pinpoint SMS and Voice call events: ``eventType``,
  ``eventVersion``, ``eventTimestamp``, ``isFinal``, ``originationPhoneNumber``,
  ``destinationPhoneNumber``, ``callInstanceId``, ``callStatus`` and ``messageId``.

No record carries emulator-only fields: which set and destination a record went to is the
path of its JSON-lines file (or the sink it was delivered to).
Prices are the emulator's: per message part, the figures of the documented US example; per
call minute, :data:`VOICE_PRICE_PER_MINUTE`. A call lasts as long as its text takes to speak at
:data:`SPOKEN_WORDS_PER_MINUTE`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .countries import country_of, is_international

SCHEMA_PATH = Path(__file__).with_name("event_record.schema.json")
"""The JSON Schema every record conforms to, written from the documented examples."""
EVENT_VERSION = "1.0"
PRICE_PER_PART = 0.00581
CARRIER_FEE_PER_PART = 0.00302
VOICE_PRICE_PER_MINUTE = 0.013
SPOKEN_WORDS_PER_MINUTE = 150

# messageStatus -> messageStatusDescription; the SUCCESSFUL and DELIVERED texts are the
# documented ones, the failures use the delivery failure reasons of the SMS documentation.
STATUS_DESCRIPTIONS: dict[str, str] = {
    "PENDING": "Message is pending delivery",
    "QUEUED": "Message is queued for delivery",
    "SUCCESSFUL": "Message has been accepted by phone carrier",
    "DELIVERED": "Message has been accepted by phone",
    "UNREACHABLE": "Phone is currently unreachable/unavailable",
    "CARRIER_UNREACHABLE": "Phone carrier is currently unreachable/unavailable",
    "BLOCKED": "Phone has blocked SMS",
    "CARRIER_BLOCKED": "Phone carrier has blocked this message",
    "SPAM": "Blocked as spam by phone carrier",
    "INVALID": "Invalid phone number",
    "UNKNOWN": "Unknown error attempting to reach phone",
    "TTL_EXPIRED": "Message has exceeded its time to live",
}


# The GSM 03.38 basic character set and its extension table (two septets each).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def encoding_of(body: str) -> str:
    """``GSM`` if ``body`` fits the GSM 7-bit alphabet, else ``Unicode``."""
    return "GSM" if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in body) else "Unicode"


def parts_of(body: str, encoding: str) -> int:
    """How many message parts ``body`` takes (153 GSM septets or 67 UCS-2 characters a part
    once it is longer than one part of 160 or 70).
    """
    if encoding == "GSM":
        size = sum(2 if c in _GSM_EXTENDED else 1 for c in body)
        single, multi = 160, 153
    else:
        size = sum(2 if ord(c) > 0xFFFF else 1 for c in body)
        single, multi = 70, 67
    return 1 if size <= single else math.ceil(size / multi)


@dataclass(frozen=True)
class SendFacts:
    """What the records of one message are built from.

    ``channel`` is TEXT, MEDIA or VOICE; ``origination`` the number or sender id the message
    went from; ``body`` the text (for parts and encoding); ``context`` the send's ``Context``
    (default: none); ``protect_configuration_id`` the protect configuration used (default:
    none); ``message_type`` TRANSACTIONAL or PROMOTIONAL.
    """

    message_id: str
    channel: str
    origination: str
    destination: str
    request_timestamp_ms: int
    message_type: str = "TRANSACTIONAL"
    body: str = ""
    context: Mapping[str, str] = field(default_factory=dict)
    protect_configuration_id: str | None = None


def status_of(event_type: str) -> str:
    """The ``messageStatus`` of a v2 event type, e.g. ``TEXT_CARRIER_BLOCKED`` ->
    ``CARRIER_BLOCKED``.
    """
    return event_type.split("_", 1)[1]


def call_seconds(body: str) -> int:
    """How long a call that speaks ``body`` lasts: at least a second, at
    :data:`SPOKEN_WORDS_PER_MINUTE`.
    """
    return max(1, math.ceil(len(body.split()) * 60 / SPOKEN_WORDS_PER_MINUTE))


def call_cost(body: str, status: str) -> dict[str, Any]:
    """What the final record of a v2 call adds: its length and price, zero unless the call
    completed (``status`` COMPLETED).
    """
    seconds = call_seconds(body) if status == "COMPLETED" else 0
    minutes = math.ceil(seconds / 60)
    return {
        "callDurationInSeconds": seconds,
        "totalDurationInMinutes": minutes,
        "totalMessagePrice": round(VOICE_PRICE_PER_MINUTE * minutes, 5),
    }


def v2_record(facts: SendFacts, event_type: str, timestamp_ms: int, final: bool) -> dict[str, Any]:
    """The v2 record of one event of the message ``facts`` describes."""
    status = status_of(event_type)
    voice = facts.channel == "VOICE"
    record = _common_fields(facts, event_type, timestamp_ms, final)
    country = country_of(facts.destination)
    if country is not None:
        record["isoCountryCode"] = country.iso
    if not voice:
        record["isInternationalSend"] = is_international(facts.origination, facts.destination)
        if country is not None:
            optional = {"mcc": country.mcc, "mnc": country.mnc, "carrierName": country.carrier}
            record.update({k: v for k, v in optional.items() if v is not None})
    record["messageId"] = facts.message_id
    record["messageRequestTimestamp"] = facts.request_timestamp_ms
    encoding = encoding_of(facts.body)
    if facts.channel == "TEXT":
        record["messageEncoding"] = encoding
    if not voice:
        record["messageType"] = facts.message_type
    record["messageStatus"] = status
    if not voice:
        record["messageStatusDescription"] = STATUS_DESCRIPTIONS[status]
    if facts.context:
        record["context"] = dict(facts.context)
    if voice:
        if final:
            record.update(call_cost(facts.body, status))
    else:
        parts = parts_of(facts.body, encoding) if facts.channel == "TEXT" else 1
        record["totalMessageParts"] = parts
        record["totalMessagePrice"] = round(PRICE_PER_PART * parts, 5)
        record["totalCarrierFee"] = round(CARRIER_FEE_PER_PART * parts, 5)
    if facts.protect_configuration_id is not None:
        record["protectConfiguration"] = {
            "protectConfigurationId": facts.protect_configuration_id,
            "protectStatus": "ALLOW",
        }
    return record


def v1_record(
    facts: SendFacts, event_type: str, timestamp_ms: int, final: bool, call_instance_id: str
) -> dict[str, Any]:
    """The v1 (Pinpoint SMS and Voice) record of one call event of the message ``facts``
    describes; ``callStatus`` repeats the event type, as the call's state at that event.
    """
    return {
        **_common_fields(facts, event_type, timestamp_ms, final),
        "callInstanceId": call_instance_id,
        "callStatus": event_type,
        "messageId": facts.message_id,
    }


def _common_fields(
    facts: SendFacts, event_type: str, timestamp_ms: int, final: bool
) -> dict[str, Any]:
    """The fields every record, v1 or v2, starts with."""
    return {
        "eventType": event_type,
        "eventVersion": EVENT_VERSION,
        "eventTimestamp": timestamp_ms,
        "isFinal": final,
        "originationPhoneNumber": facts.origination,
        "destinationPhoneNumber": facts.destination,
    }


def record_schema() -> dict[str, Any]:
    """The JSON Schema of event records (:data:`SCHEMA_PATH`)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema
