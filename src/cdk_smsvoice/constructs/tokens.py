"""``Token.isUnresolved`` of aws-cdk-lib, in Python.

Every ``Token.is_unresolved`` call crosses to the jsii Node.js process and back. Token
markers are plain text in the strings and numbers Python already holds, so this module tests
them here, with the patterns of aws-cdk-lib's ``core/lib/private/encoding`` (2.275):
``${Token[...]}`` in a string, a stringified number token, ``#{Token[...]}`` as the single
element of a list, a number whose bits carry the token marker, or an object with a ``resolve``
method (``IResolvable``).
"""

import re
import struct
from typing import Any

_KEY_CHARS = "a-zA-Z0-9:._-"
_STRING_TOKEN = re.compile(rf"\$\{{Token\[[{_KEY_CHARS}]+\]\}}|-1\.\d{{10,16}}e\+289")
_LIST_TOKEN = re.compile(rf"#\{{Token\[[{_KEY_CHARS}]+\]\}}")
_DOUBLE_TOKEN_MARKER = 0xFBFF0000
"""The high 16 bits of a number-encoded token (``DOUBLE_TOKEN_MARKER_BITS`` as uint32)."""


def is_unresolved(value: Any) -> bool:
    """Whether ``value`` is, or (for a string) contains, a token not yet resolved; the same
    answer as ``aws_cdk.Token.is_unresolved(value)``, without a call to Node.js.
    """
    if isinstance(value, str):
        return "Token[" in value and _STRING_TOKEN.search(value) is not None
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return _is_number_token(value)
    if isinstance(value, list | tuple):
        return len(value) == 1 and isinstance(value[0], str) and bool(_LIST_TOKEN.search(value[0]))
    if isinstance(value, dict) or value is None:
        return False
    return callable(getattr(value, "resolve", None))


def _is_number_token(value: int | float) -> bool:
    try:
        packed = struct.pack("<d", float(value))
    except OverflowError:
        return False
    high: int = struct.unpack("<II", packed)[1]
    return (high & 0xFFFF0000) == _DOUBLE_TOKEN_MARKER
