"""Who a request acts for: an account of 12 digits and an AWS Region, both checked before any
file or directory is named after them.

The Region must match one of the Region patterns of botocore's ``partitions.json`` (``us-east-1``,
``cn-north-1``, ``us-gov-west-1``, ...) and be at most :data:`MAX_REGION_LENGTH` characters; the
account is exactly 12 ASCII digits. SigV4 requests name them in their credential scope: the Region
of the scope, and the account from an access key id of 12 digits (any other key id means
:data:`DEFAULT_ACCOUNT`, as boto3's test credentials would).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
MAX_REGION_LENGTH = 32
_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
_CREDENTIAL = re.compile(
    r"Credential=([^/,\s]*)/([^/,\s]*)/([^/,\s]*)/([^/,\s]*)/aws4_request(?:[,\s]|$)"
)


class IdentityError(ValueError):
    """An account or Region that is not well formed; the message names the value."""


@dataclass(frozen=True)
class Identity:
    """A checked account and Region: safe to use as directory names."""

    account: str
    region: str

    def __post_init__(self) -> None:
        check_account(self.account)
        check_region(self.region)


@cache
def _region_patterns() -> tuple[re.Pattern[str], ...]:
    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    return tuple(re.compile(p["regionRegex"], re.ASCII) for p in data["partitions"])


def check_account(account: object) -> str:
    """Return ``account`` if it is 12 digits; raises :class:`IdentityError` otherwise."""
    if not isinstance(account, str) or _ACCOUNT.fullmatch(account) is None:
        raise IdentityError(f"account {_show(account)} is not 12 digits")
    return account


def check_region(region: object) -> str:
    """Return ``region`` if it is an AWS Region name; raises :class:`IdentityError` otherwise."""
    if (
        not isinstance(region, str)
        or len(region) > MAX_REGION_LENGTH
        or not any(p.fullmatch(region) for p in _region_patterns())
    ):
        raise IdentityError(f"Region {_show(region)} is not an AWS Region name such as us-east-1")
    return region


def from_authorization(authorization: str) -> Identity:
    """The identity of a request from its SigV4 ``Authorization`` header; without a credential
    scope, the default account and Region. Raises :class:`IdentityError` for a bad scope.
    """
    if not authorization:
        return Identity(DEFAULT_ACCOUNT, DEFAULT_REGION)
    match = _CREDENTIAL.search(authorization)
    if match is None:
        if "Credential=" in authorization:
            raise IdentityError(
                "the SigV4 credential is not <key>/<date>/<region>/<service>/aws4_request"
            )
        return Identity(DEFAULT_ACCOUNT, DEFAULT_REGION)
    key_id, _, region, _ = match.groups()
    account = key_id if _ACCOUNT.fullmatch(key_id) else DEFAULT_ACCOUNT
    return Identity(account, check_region(region))


def _show(value: object) -> str:
    """``value`` for an error message: quoted, shortened, with control characters escaped."""
    text = json.dumps(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
