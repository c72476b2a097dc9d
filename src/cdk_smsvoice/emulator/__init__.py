"""A local emulator of the SMS and Voice v1 (``pinpoint-sms-voice``) and v2
(``pinpoint-sms-voice-v2``) APIs, for boto3, the AWS CLI and the deploy handler.

Run it with ``python -m cdk_smsvoice.emulator --data-dir DIR`` (or ``cdk-smsvoice emulator``),
or in process with ``with Emulator(data_dir=...) as emu: emu.endpoint_url``.
"""

from .server import Emulator
from .v1 import V1Service
from .v2 import V2Service

__all__ = ["Emulator", "V1Service", "V2Service"]
