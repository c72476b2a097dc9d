"""Where the Lambda handler's code lives inside the installed package."""

from pathlib import Path

HANDLER_DIR = Path(__file__).resolve().parent / "handler"
"""The directory shipped, as it is, as the provider function's code asset."""
