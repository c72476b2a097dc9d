"""Lambda entry point of the cdk-smsvoice provider (handler ``index.on_event``).

This directory is shipped as the function's code asset exactly as it is: standard library
and boto3 only, no compiled code.
"""

from smsvoice_handler.dispatch import on_event

__all__ = ["on_event"]
