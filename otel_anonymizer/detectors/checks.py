"""Validators that turn a cheap pattern match into a confident detection.

Each takes the matched text and says whether it really is what the pattern suggests:
checksums (Luhn, IBAN mod-97, GitHub's CRC32), number plans (`phonenumbers`), address
parsers (`ipaddress`), and invalid-range rules (US SSN).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import zlib

import phonenumbers

_SEPARATORS = str.maketrans("", "", " -.()/\t")

#: Card number lengths and the digit prefixes of the brands that issue them.
_CARD_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("4",),  # Visa
    (*(str(p) for p in range(51, 56)), *(str(p) for p in range(2221, 2721))),  # Mastercard
    ("34", "37"),  # American Express
    ("300", "301", "302", "303", "304", "305", "36", "38", "39"),  # Diners Club
    ("6011", "65", *(str(p) for p in range(644, 650))),  # Discover
    tuple(str(p) for p in range(3528, 3590)),  # JCB
    ("62", "81"),  # UnionPay
    ("50", *(str(p) for p in range(56, 70))),  # Maestro
    ("2200", "2201", "2202", "2203", "2204"),  # Mir
)
_CARD_PREFIX_SET = frozenset(prefix for brand in _CARD_PREFIXES for prefix in brand)
#: How grouped card numbers are printed (group lengths), besides all-digits.
_CARD_GROUPINGS = frozenset(
    {
        (4, 4, 4, 4),
        (4, 4, 4, 1),
        (4, 4, 4, 2),
        (4, 4, 4, 3),
        (4, 4, 4, 4, 1),
        (4, 4, 4, 4, 2),
        (4, 4, 4, 4, 3),
        (4, 6, 5),
        (4, 6, 4),
        (4, 6, 6),
        (4, 4, 5),
        (6, 13),
    }
)

#: IBAN length per country (ISO 13616 registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
    "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def digits_of(text: str) -> str:
    """`text` without the separators people put in numbers."""
    return text.translate(_SEPARATORS)


def luhn(number: str) -> bool:
    """The Luhn (mod 10) checksum of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = ord(char) - 48
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def credit_card(text: str) -> bool:
    """12-19 digits of a known brand, grouped as cards are printed, Luhn-valid."""
    number = digits_of(text)
    if not 12 <= len(number) <= 19 or not number.isdigit():
        return False
    separators = {char for char in text if not char.isdigit()}
    if separators:
        if len(separators) > 1:
            return False
        groups = tuple(len(group) for group in text.split(separators.pop()))
        if groups not in _CARD_GROUPINGS:
            return False
    if not any(number[:length] in _CARD_PREFIX_SET for length in (1, 2, 3, 4)):
        return False
    return luhn(number)


def iban(text: str) -> bool:
    """A country's IBAN length and the ISO 7064 mod-97 check."""
    compact = text.replace(" ", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def us_ssn(text: str) -> bool:
    """Not one of the ranges the SSA never assigns (000, 666, 9xx; 00; 0000)."""
    number = digits_of(text)
    if len(number) != 9 or not number.isdigit():
        return False
    area, group, serial = number[:3], number[3:5], number[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    # Numbers published in advertising and documentation, never assigned to a person.
    return number not in ("078051120", "219099999", "123456789")


def ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def ipv6(text: str) -> bool:
    address = text.split("%", 1)[0]
    if address.count(":") < 2 or sum(1 for part in address.split(":") if part) < 3:
        return False  # too short to tell from code (`a[::2]`) or clock times
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def phone_number(text: str, regions: tuple[str, ...]) -> bool:
    """A number valid in its country's numbering plan (`phonenumbers`).

    International forms (`+44 ...`, `0044 ...`) are checked as such; national forms are
    tried in the NANP (US/CA) when they do not start with a trunk `0`, and in the other
    `regions` when they do: that keeps dates and amounts from being read as numbers.
    """
    stripped = text.strip()
    if stripped.startswith("00"):
        stripped = "+" + stripped[2:]
    if stripped.startswith("+"):
        candidates: tuple[str | None, ...] = (None,)
    elif stripped.startswith("0"):
        candidates = tuple(region for region in regions if region not in ("US", "CA"))
    else:
        candidates = tuple(region for region in regions if region in ("US", "CA"))
    for region in candidates:
        try:
            number = phonenumbers.parse(stripped, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def github_classic_token(text: str) -> bool:
    """GitHub's classic tokens end in a base62 CRC32 of their random part."""
    body = text[4:]
    if len(body) != 36:
        return False
    random_part, checksum = body[:30], body[30:]
    value = zlib.crc32(random_part.encode())
    encoded = ""
    while value:
        value, remainder = divmod(value, 62)
        encoded = _BASE62[remainder] + encoded
    return encoded.rjust(6, "0") == checksum


def jwt(text: str) -> bool:
    """Header and payload are base64url JSON objects; the header names an algorithm."""
    parts = text.split(".")
    if len(parts) != 3:
        return False
    try:
        header = json.loads(_b64url(parts[0]))
        payload = json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
