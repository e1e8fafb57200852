"""Built-in detectors of personal data."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import regex

from otel_anonymizer.detectors import checks
from otel_anonymizer.detectors.base import Detector

#: Regions whose national number formats are recognized without a `+` prefix.
DEFAULT_PHONE_REGIONS = ("US", "CA", "GB", "DE", "FR")

EMAIL = Detector(
    "email",
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![\w-])",
    needles=("@",),
)

CREDIT_CARD = Detector(
    "credit_card",
    r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d])",
    checks.credit_card,
    numeric=True,
)

US_SSN = Detector(
    "us_ssn",
    r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])",
    checks.us_ssn,
    label="SSN",
    numeric=True,
)

IP_V4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|-\w)"

IBAN = Detector(
    "iban",
    r"(?<![A-Za-z0-9])[A-Z]{2}\d\d(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)"
    r"(?![A-Za-z0-9])",
    checks.iban,
    prefilter=r"[A-Z]{2}\d\d",
)

IP_ADDRESS_V4 = Detector("ipv4_address", IP_V4, checks.ipv4, label="IP_ADDRESS", numeric=True)

IP_ADDRESS_V6 = Detector(
    "ipv6_address",
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
    r"(?:%[\w.]+)?(?![\w:])",
    checks.ipv6,
    label="IP_ADDRESS",
    prefilter=r":[0-9A-Fa-f]{0,4}:",
)

MAC_ADDRESS = Detector(
    "mac_address",
    r"(?<![\w:.-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:.-])",
    prefilter=r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.",
)

_PHONE_PATTERN = (
    r"(?<![\w+.-])(?:(?:\+|00)\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,5}(?:[ .-]?\d{1,5}){1,6}(?![\w-]|\.\d)"
)
#: A date is never a phone number.
_DATE = r"^\d{1,4}([-/.])\d{1,2}\1\d{1,4}$"


def phone(regions: Sequence[str] = DEFAULT_PHONE_REGIONS) -> Detector:
    """A phone detector recognizing national formats of `regions` (ISO 3166 codes)."""
    date = regex.compile(_DATE)
    valid = partial(checks.phone_number, regions=tuple(region.upper() for region in regions))

    def validate(text: str) -> bool:
        digits = sum(char.isdigit() for char in text)
        return 7 <= digits <= 15 and not date.match(text) and valid(text)

    return Detector("phone", _PHONE_PATTERN, validate, numeric=True)


PHONE = phone()

PERSONAL_DATA: tuple[Detector, ...] = (
    EMAIL,
    CREDIT_CARD,
    IBAN,
    US_SSN,
    PHONE,
    IP_ADDRESS_V4,
    IP_ADDRESS_V6,
    MAC_ADDRESS,
)
