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
import re
import unicodedata
import zlib

import phonenumbers

_SEPARATORS = str.maketrans("", "", " -.()/\t")

_LONG = (16, 17, 18, 19)
_MAESTRO = (
    *("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"),
    *("6000", "6799"),  # the 19-digit cards of Belgium and the Netherlands (Adyen's tests)
)
#: The brands' issuer prefixes (IIN ranges) and the lengths of the numbers they issue.
#: Per-length prefixes matter: a 12-digit number is a card only if it is a Maestro one,
#: so ids such as AWS account numbers (12 digits) are rarely taken for cards.
_CARD_BRANDS: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (("4",), (13, 16, 19)),  # Visa
    ((*(str(p) for p in range(51, 56)), *(str(p) for p in range(2221, 2721))), (16,)),  # MC
    (("34", "37"), (15,)),  # American Express
    (("300", "301", "302", "303", "304", "305", "36", "38", "39"), (14, *_LONG)),  # Diners
    (("6011", "65", *(str(p) for p in range(644, 650))), _LONG),  # Discover
    (tuple(str(p) for p in range(3528, 3590)), _LONG),  # JCB
    (("62", "81"), _LONG),  # UnionPay
    (_MAESTRO, tuple(range(12, 20))),  # Maestro
    (("2200", "2201", "2202", "2203", "2204"), _LONG),  # Mir
    (("60", "508", "82"), (16,)),  # RuPay (also 65 and 81, above)
    (("5019",), (16,)),  # Dankort
)  # fmt: skip
_CARD_PREFIXES_BY_LENGTH: dict[int, frozenset[str]] = {
    length: frozenset(
        prefix for prefixes, lengths in _CARD_BRANDS if length in lengths for prefix in prefixes
    )
    for length in range(12, 20)
}
#: How grouped card numbers are printed (group lengths), besides all-digits.
_CARD_GROUPINGS = frozenset(
    {
        (4, 4, 4, 4),
        (4, 4, 4),
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
    """12-19 digits with a prefix of a brand that issues that length, grouped as cards are
    printed (or not grouped), Luhn-valid."""
    number = digits_of(text)
    if not 12 <= len(number) <= 19 or not number.isdigit():
        return False
    if not number.isascii():  # full-width or another script's digits, as people type
        try:
            number = "".join(str(unicodedata.decimal(char)) for char in number)
        except ValueError:  # superscripts and the like are digits but not decimal
            return False
    separators = {char for char in text if not char.isdigit()}
    if separators:
        if len(separators) > 1:
            return False
        groups = tuple(len(group) for group in text.split(separators.pop()))
        if groups not in _CARD_GROUPINGS:
            return False
    prefixes = _CARD_PREFIXES_BY_LENGTH[len(number)]
    if not any(number[:size] in prefixes for size in (1, 2, 3, 4)):
        return False
    return luhn(number)


#: Countries whose account numbers (BBAN) are digits only (the SWIFT IBAN registry):
#: lower-case hex ids that start like `be12`, `de34` or `ee56` are not their IBANs.
_DIGITS_ONLY_BBAN = frozenset(
    "AE AT BA BE CZ DE DK EE ES FI FO GL HR HU IL IS LT ME NO PL PT RS SE SI SK TN".split()
)


def iban(text: str) -> bool:
    """A country's IBAN length, account number of digits where the country's are,
    and the ISO 7064 mod-97 check."""
    compact = text.replace(" ", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    if compact[:2] in _DIGITS_ONLY_BBAN and not (compact.isascii() and compact[4:].isdigit()):
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
    """A valid IPv4 address that can name a host: not loopback (`127.0.0.1`), not
    `0.x.x.x` (`0.0.0.0`, "this network"), not reserved (`240/4`, so not netmasks such
    as `255.255.255.0` nor the broadcast address).

    Four decimal octets without leading zeros (as `ipaddress` requires), checked
    directly: this runs on every dotted number in a text.
    """
    octets = text.split(".")
    if len(octets) != 4:
        return False
    for octet in octets:
        if not octet.isdigit() or len(octet) > 3 or (octet[0] == "0" and len(octet) > 1):
            return False
        if int(octet) > 255:
            return False
    first = int(octets[0])
    return 0 < first < 240 and first != 127


def ipv6(text: str) -> bool:
    """A valid IPv6 address (zone index allowed) other than loopback and unspecified,
    with at least three groups (an embedded IPv4 address counts as two): shorter ones
    (`a::b`, `fe80::1`) cannot be told from code or clock times."""
    address = text.split("%", 1)[0]
    parts = [part for part in address.split(":") if part]
    groups = len(parts) + (1 if parts and "." in parts[-1] else 0)
    if address.count(":") < 2 or groups < 3:
        return False
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return not (parsed.is_loopback or parsed.is_unspecified)


_DATE_START = re.compile(r"(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})(?!\d)")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_DECIMAL = re.compile(r"\d+\.\d+")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")  # no numbering plan writes numbers so
_THOUSANDS = re.compile(r"\d{1,2}([ .])\d{3}(?:\1\d{3})+")
_INTERNATIONAL_PREFIX = re.compile(r"(?:\+|00)\d+[ .-]?")
_SINGLE_DIGIT_GROUP = re.compile(r"(?<![\d(])\d(?![\d)])")


def _is_date(match: re.Match[str]) -> bool:
    first, _, second, third = match.groups()
    a, b, c = int(first), int(second), int(third)
    if len(first) == 4:
        return 1 <= b <= 12 and 1 <= c <= 31
    if len(third) in (2, 4):
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
    return False


def phone_layout(text: str) -> bool:
    """Whether `text` is written the way phone numbers are, rather than as a date (with
    or without a time after it), a decimal, an amount in thousands, an IPv4 address or a
    bare run of digits (an id, a size, a duration), or in the shape of a US SSN.

    National numbers need a separator or parentheses (`415-555-2671`, `020 7946 0958`);
    international ones (`+44...`, `0044...`) may be bare digits. A `.` separator is not
    mixed with spaces or dashes (that is a list of decimals).
    """
    international = text.startswith(("+", "00"))
    if not international and text.isdigit():
        return False
    if _DOTTED_QUAD.fullmatch(text) or _DECIMAL.fullmatch(text) or _SSN_SHAPE.fullmatch(text):
        return False
    date = _DATE_START.match(text)
    if date and _is_date(date) and text[date.end() : date.end() + 1] != date.group(2):
        return False  # a date, alone or followed by a time; not `01.23.45.67.89`
    prefix = _INTERNATIONAL_PREFIX.match(text) if international else None
    if prefix is not None:
        national = text[prefix.end() :]
    elif _THOUSANDS.fullmatch(text):
        return False
    else:
        national = text
    if "." in national and (" " in national or "-" in national):
        return False
    # Numbers are grouped in twos and more; one lone digit may lead (`1-415-...`,
    # `+33 1 23 ...`, `(0)20`), a run of them is a list of small numbers.
    return len(_SINGLE_DIGIT_GROUP.findall(national)) <= 1


_DIGIT_GROUPS = re.compile(r"\d+")
_NANP_GROUPINGS = frozenset({(3, 3, 4), (3, 7), (10,)})


def phone_number(text: str, regions: tuple[str, ...]) -> bool:
    """A number valid in its country's numbering plan (`phonenumbers`); see `e164`."""
    return e164(text, regions) is not None


def e164(text: str, regions: tuple[str, ...]) -> str | None:
    """The number in E.164 form (`+14155552671`) if valid in its country's numbering
    plan (`phonenumbers`), else None.

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
        # NANP numbers have ten digits, after an optional `1`, grouped 3-3-4 or 3-7.
        groups = tuple(map(len, _DIGIT_GROUPS.findall(stripped)))
        if groups[:1] == (1,) and stripped[0] == "1":
            groups = groups[1:]
        if groups not in _NANP_GROUPINGS:
            return None
        candidates = tuple(region for region in regions if region in ("US", "CA"))
    for region in candidates:
        try:
            number = phonenumbers.parse(stripped, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


#: File extensions that are not top-level domains: `icon@2x.png` names an image.
_FILE_EXTENSIONS = frozenset(
    "png jpg jpeg gif svg webp bmp ico tif tiff avif heic css scss js mjs cjs jsx ts tsx "
    "json yaml yml toml txt pdf html htm xml csv tsv mp3 mp4 wav webm lock log".split()
)


def email(text: str) -> bool:
    """Not a file name with a `@` in it (`logo@2x.png`, `icon@3x.webp`)."""
    return text.rsplit(".", 1)[-1].lower() not in _FILE_EXTENSIONS


_WORDS = re.compile(r"[A-Z]?[a-z]+(?:[-_.][A-Z]?[a-z]+)*|[A-Z]+(?:_[A-Z]+)+")


def bearer_token(text: str) -> bool:
    """Not words: `Bearer YOUR_ACCESS_TOKEN` or `bearer responsibilities` in prose or docs.

    Real tokens are random: a token of letters only that reads as lowercase or
    capitalized words, or as an UPPER_SNAKE placeholder, is not one.
    """
    return _WORDS.fullmatch(text) is None


def basic_credentials(text: str) -> bool:
    """Base64 (standard or URL-safe, padded or not, as an encoder writes it) of
    `user:password` in printable UTF-8 or Latin-1 text (what `requests` sends for
    non-ASCII passwords): a user and a password, mostly ASCII letters and digits, or a
    long token alone (an Azure DevOps token is sent as `:token`, an API key as `key:`).
    Not a word after `basic` in prose (`Basic idea`, `Basic Overview`, `Visual Basic
    2006`, `basic UsageTokens`, `MustOverride`), which decodes to bytes without a colon,
    to a colon and a few bytes, to punctuation and accents, or to control characters."""
    standard = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except binascii.Error:
        return False
    if base64.b64encode(raw).decode().rstrip("=") != standard:
        return False  # bits no encoder sets: a camelCase word (`TypeOut`), not base64
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        decoded = raw.decode("latin-1")
    if not decoded.replace("\t", " ").isprintable():
        return False
    user, colon, password = decoded.partition(":")
    if not colon:
        return False
    if user and password:  # any characters, as RFC 7617 allows, but mostly ASCII
        # letters and digits: words after `basic` decode to a few bytes of punctuation
        # and accents (`ù:t`, `RƠy:$z{`, `2ë-:÷«®'^`)
        ascii_alnum = sum(char.isascii() and char.isalnum() for char in decoded)
        return len(decoded) >= 5 and ascii_alnum * 2 >= len(decoded)
    return _TOKEN.fullmatch(user or password) is not None


#: A token sent alone as Basic credentials (`:token`, `key:`).
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{16,}")


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
