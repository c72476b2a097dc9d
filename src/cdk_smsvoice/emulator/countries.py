"""What an event record says about a phone number's country.

The ISO 3166-1 country of a number comes from libphonenumber's metadata (the ``phonenumbers``
package), so +1 numbers are told apart (US, CA, PR, ...) and every country is known; a
destination simulator number has the country of AWS's simulator table. The mobile country code
is the country's ITU-T E.212 code (:data:`MOBILE_COUNTRY_CODES`; none where the table has no
entry: ``mcc`` is optional in the records). The carrier is libphonenumber's for the number's
range, where it knows one. US numbers get the network and carrier of AWS's documented US
examples (``mcc`` 310, ``mnc`` 800, "T-mobile USA Inc."); no other number gets an ``mnc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import carrier

from .outcomes import SIMULATOR_NUMBERS


@dataclass(frozen=True)
class Country:
    """A number's ISO country and, where known, its ``mcc``, ``mnc`` and ``carrier``
    (default: unknown).
    """

    iso: str
    mcc: str | None = None
    mnc: str | None = None
    carrier: str | None = None


MOBILE_COUNTRY_CODES: dict[str, str] = {
    "AE": "424", "AR": "722", "AT": "232", "AU": "505", "BD": "470", "BE": "206", "BG": "284",
    "BO": "736", "BR": "724", "CA": "302", "CH": "228", "CL": "730", "CN": "460", "CO": "732",
    "CR": "712", "CY": "280", "CZ": "230", "DE": "262", "DK": "238", "DO": "370", "EC": "740",
    "EE": "248", "EG": "602", "ES": "214", "FI": "244", "FR": "208", "GB": "234", "GG": "234",
    "GR": "202", "GT": "704", "HK": "454", "HR": "219", "HU": "216", "ID": "510", "IE": "272",
    "IL": "425", "IM": "234", "IN": "404", "IS": "274", "IT": "222", "JE": "234", "JM": "338",
    "JP": "440", "KE": "639", "KR": "450", "KW": "419", "LK": "413", "LT": "246", "LU": "270",
    "LV": "247", "MA": "604", "MO": "455", "MT": "278", "MX": "334", "MY": "502", "NG": "621",
    "NL": "204", "NO": "242", "NZ": "530", "PA": "714", "PE": "716", "PH": "515", "PK": "410",
    "PL": "260", "PR": "330", "PT": "268", "PY": "744", "QA": "427", "RO": "226", "RS": "220",
    "RU": "250", "SA": "420", "SE": "240", "SG": "525", "SI": "293", "SK": "231", "TH": "520",
    "TR": "286", "TW": "466", "UA": "255", "US": "310", "UY": "748", "VE": "734", "VN": "452",
    "ZA": "655",
}  # fmt: skip
"""ISO country -> its mobile country code (ITU-T E.212; the first of several where it has more)."""

COUNTRY_CACHE_SIZE = 4096
"""Numbers whose country is remembered: every record of a message, and every message to the
same number, would otherwise parse it again."""

DOCUMENTED_US = Country("US", "310", "800", "T-mobile USA Inc.")
"""The network and carrier AWS's documented US example records show."""


def _parsed(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None


@lru_cache(maxsize=COUNTRY_CACHE_SIZE)
def iso_country_of(number: str) -> str | None:
    """The ISO country of an E.164 ``number`` (a simulator number's as AWS's table gives it),
    or ``None`` if it names none (a sender id, an unassigned or non-geographic calling code).
    """
    simulated = SIMULATOR_NUMBERS.get(number)
    if simulated is not None:
        return simulated[0]
    parsed = _parsed(number)
    if parsed is None or parsed.country_code is None:
        return None
    # a number outside the plan's known ranges still has its calling code's main country
    region = phonenumbers.region_code_for_number(
        parsed
    ) or phonenumbers.region_code_for_country_code(parsed.country_code)
    # not "ZZ" (unknown) nor "001" (a non-geographic code such as +800 or +881)
    return region if region and len(region) == 2 and region.isalpha() else None


@lru_cache(maxsize=COUNTRY_CACHE_SIZE)
def country_of(number: str) -> Country | None:
    """What the records say about the country of ``number``; ``None`` if it has none."""
    iso = iso_country_of(number)
    if iso is None:
        return None
    if iso == "US":
        return DOCUMENTED_US
    parsed = _parsed(number)
    name = carrier.name_for_number(parsed, "en") if parsed is not None else ""
    return Country(iso, MOBILE_COUNTRY_CODES.get(iso), None, name or None)


def is_international(origination: str, destination: str) -> bool:
    """Whether a message from ``origination`` to ``destination`` crosses a border: both are
    numbers of different countries (a sender id or short code names no country: ``False``).
    """
    source, target = iso_country_of(origination), iso_country_of(destination)
    return source is not None and target is not None and source != target
