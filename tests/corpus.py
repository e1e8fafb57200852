"""A seeded, labeled corpus of LLM-trace text, for measuring the built-in detectors.

Two parts:

- `labeled(count)`: for every detector type (`KINDS`), `count` texts that each hold one or
  two values of that type, in the formats people and programs write them, inside
  realistic trace content (chat messages, JSON messages, tool-call arguments encoded
  twice, log lines, markdown, tracebacks). Each `Sample` knows the exact spans that must
  be replaced, so a test can check recall *and* that a placeholder covers the whole
  value (a spaced card number with its spaces, only the password of a URL).
- `clean_texts(count)`: texts without personal data or secrets that are full of what
  looks like them to a careless regex: UUIDs, trace and span ids, git hashes,
  timestamps, epoch numbers, versions, prices, order numbers, base64, dates, durations,
  status codes, ports, paths, floats, math. An anonymizer must leave them unchanged.

`documents(count)` mixes both into 1-3 KB trace texts, mostly clean, for benchmarks.

Everything is generated from a seed (Faker instances and `random.Random` seeded per
type), so the corpus is identical on every run with the same Faker version.

Decisions the corpus encodes (and the detectors follow):

- A bare four-part dotted number whose parts are all <= 255 (`1.2.3.4`) cannot be told
  from an IPv4 address, so it is treated as one (fail closed). Version strings are
  written as versions are: three parts (`2.4.1`), prefixed (`v1.2.3.4`), after a
  requirement operator (`numpy==1.26.4.1`) or after a product name (`Chrome/120.0.0.0`);
  those are not addresses.
- Loopback, unspecified, reserved (`255.255.255.0` netmasks) and `0.x.x.x` addresses
  name no host or person and are left readable; private and public ones are addresses.
- A phone number is written as one: national numbers with separators or an area code
  in parentheses (`415-555-2671`, `020 7946 0958`, `030/12345678`), international ones
  with `+` or `00` (bare digits allowed: `+442079460958`). A bare run of national digits
  (`4155552671`) is an id, a size or a duration, not a phone number; NANP numbers are
  grouped 3-3-4; the SSN shape (`078-05-1120`) is no phone number.
- Card numbers have a prefix of a brand that issues their length (12 digits: Maestro
  only, so 12-digit account ids are not cards). Faker's JCB and Maestro output is
  limited to the current IIN ranges (Faker uses the whole `35` prefix for JCB and
  historic `56-58`, `0604`, `6390` prefixes for Maestro).
- IPv6 addresses have at least three groups (an embedded IPv4 address counts as two):
  `fe80::1` or `a::b` cannot be told from code.
- Every seventh single-value sample puts its value right after a line break or a tab,
  which JSON frames write as `\n`/`\t`: the escape's letter then touches the value;
  as many end it with a sentence's period, a bracket, a quote or other punctuation.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from faker import Faker

SEED = 20240501
#: Samples per type used by the tests (the issue asks for at least 300).
DEFAULT_COUNT = 320

#: Each labeled type and the detectors that may report it (by name).
KINDS: dict[str, frozenset[str]] = {
    "email": frozenset({"email"}),
    "phone": frozenset({"phone"}),
    "credit_card": frozenset({"credit_card"}),
    "iban": frozenset({"iban"}),
    "us_ssn": frozenset({"us_ssn"}),
    "ipv4_address": frozenset({"ipv4_address"}),
    "ipv6_address": frozenset({"ipv6_address"}),
    "mac_address": frozenset({"mac_address"}),
    "openai_api_key": frozenset({"openai_api_key"}),
    "anthropic_api_key": frozenset({"anthropic_api_key"}),
    "aws_access_key_id": frozenset({"aws_access_key_id"}),
    "github_token": frozenset({"github_token"}),
    "github_fine_grained_token": frozenset({"github_fine_grained_token"}),
    "gitlab_token": frozenset({"gitlab_token"}),
    "slack_token": frozenset({"slack_token"}),
    "stripe_key": frozenset({"stripe_key"}),
    "google_api_key": frozenset({"google_api_key"}),
    "huggingface_token": frozenset({"huggingface_token"}),
    "langsmith_api_key": frozenset({"langsmith_api_key"}),
    "jwt": frozenset({"jwt"}),
    "private_key": frozenset({"private_key"}),
    "bearer_token": frozenset({"bearer_token"}),
    "url_password": frozenset({"url_password"}),
}

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ALNUM = string.ascii_letters + string.digits
_HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Sample:
    """A text holding values of type `kind` at `spans`, written in format `form`."""

    kind: str
    text: str
    spans: tuple[tuple[int, int], ...]
    form: str

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.text[start:end] for start, end in self.spans)


# --------------------------------------------------------------------------- helpers


def _seed(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, (SEED, *parts))).encode())


_FAKERS: dict[str, Faker] = {}


def fake(locale: str = "en_US") -> Faker:
    """A Faker for `locale`, seeded on creation (and re-seeded by `_reset_fakers`)."""
    faker = _FAKERS.get(locale)
    if faker is None:
        faker = _FAKERS[locale] = Faker(locale)
        faker.seed_instance(_seed("faker", locale))
    return faker


def _reset_fakers() -> None:
    """Re-seed every Faker instance, so each public call starts from the same state."""
    for locale, faker in _FAKERS.items():
        faker.seed_instance(_seed("faker", locale))


def _chars(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choices(alphabet, k=size))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_escape(text: str, levels: int) -> str:
    for _ in range(levels):
        text = json.dumps(text, ensure_ascii=False)[1:-1]
    return text


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    """A Luhn-valid number of `length` digits starting with `prefix`."""
    body = prefix + _chars(rng, string.digits, length - len(prefix) - 1)
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:  # doubled: these are odd positions once the check digit is added
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return body + str((10 - total % 10) % 10)


def _base62(value: int) -> str:
    encoded = ""
    while value:
        value, remainder = divmod(value, 62)
        encoded = _BASE62[remainder] + encoded
    return encoded.rjust(6, "0")


# ------------------------------------------------------------------- trace frames
#
# A sample is a *value* inside a *phrase* (kind-specific words around it) inside a
# *frame* (where trace text comes from). `<P>` in a frame is the phrase, `<V>` in a
# phrase the value; frames say how many times their phrase is JSON-escaped. Other
# `<name>` fields are filled with non-personal clutter (timestamps, ids, names).


@dataclass(frozen=True)
class _Frame:
    template: str
    escape: int = 0  # JSON string escaping applied to the phrase (0, 1 or 2)
    multiline: bool = True  # whether a raw newline inside the phrase is acceptable


_FRAMES: tuple[_Frame, ...] = (
    _Frame("<P>"),
    _Frame("User: <P>"),
    _Frame("Assistant: Thanks, <name>. <P> Is there anything else I can help with?"),
    _Frame('{"role": "user", "content": "<P>"}', escape=1),
    _Frame(
        '[{"role":"system","content":"You are a support agent for <company>."},'
        '{"role":"user","content":"<P>"}]',
        escape=1,
    ),
    _Frame(
        '{"id":"call_<short>","type":"function","function":{"name":"update_customer",'
        '"arguments":"{\\"note\\": \\"<P>\\"}"}}',
        escape=2,
    ),
    _Frame("<ts> INFO  app.chat trace_id=<trace_id> span_id=<span_id> message=<P>"),
    _Frame("<ts_space>,<ms> WARNING [worker-<small>] retrying request <uuid>: <P>"),
    _Frame("- <P>\n- Ticket <order> opened on <date_us>."),
    _Frame("> <P>\n\nI'll forward this to the <company> team right away."),
    _Frame(
        'Traceback (most recent call last):\n  File "/srv/app/handlers.py", line <small>, '
        "in handle\nValueError: <P>"
    ),
    _Frame("['<P>', 'priority: high', 'model: <model>']", multiline=False),
    _Frame(
        '{"messages":[{"role":"assistant","content":[{"type":"text","text":"<P>"}]}],'
        '"usage":{"input_tokens":<small>,"output_tokens":<small>}}',
        escape=1,
    ),
    _Frame("Kunde <name> schreibt: <P>"),
    _Frame("## Notes (<date_iso>)\n\n<P>\n\nDuration: <duration>, cost <price>."),
    _Frame("<P>\n\nSent from my iPhone"),
)


@dataclass(frozen=True)
class _Pools:
    names: tuple[str, ...]
    companies: tuple[str, ...]


_POOLS: list[_Pools] = []


def _pools() -> _Pools:
    """Names and companies for clutter, made once (Faker is slow per call)."""
    if not _POOLS:
        en = Faker("en_US")
        en.seed_instance(_seed("pools"))
        names = tuple(en.first_name() for _ in range(300))
        companies = tuple(en.company().replace('"', "") for _ in range(300))
        _POOLS.append(_Pools(names, companies))
    return _POOLS[0]


def _clutter(rng: random.Random) -> dict[str, str]:
    pools = _pools()
    return {
        "name": rng.choice(pools.names),
        "company": rng.choice(pools.companies),
        "ts": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
        f"{rng.randint(0, 999999):06d}Z",
        "ts_space": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
        "ms": f"{rng.randint(0, 999):03d}",
        "trace_id": _chars(rng, _HEX, 32),
        "span_id": _chars(rng, _HEX, 16),
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "short": _chars(rng, _ALNUM, 24),
        "small": str(rng.randint(1, 999)),
        "order": f"ORD-{rng.randint(2019, 2025)}-{rng.randint(0, 999999):06d}",
        "date_us": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2019, 2026)}",
        "date_iso": f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "model": rng.choice(["gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022", "o3-mini"]),
        "duration": f"{rng.randint(1, 9999)}ms",
        "price": f"${rng.randint(0, 99)}.{rng.randint(0, 99):02d}",
    }


_FIELD = re.compile(
    r"<(name|company|ts|ts_space|ms|trace_id|span_id|uuid|short|small|order|date_us|date_iso|model|duration|price)>"
)


def _fill(template: str, clutter: dict[str, str]) -> str:
    return _FIELD.sub(lambda match: clutter[match.group(1)], template)


def _compose(
    kind: str,
    form: str,
    values: list[str],
    phrase: str,
    rng: random.Random,
    frames: tuple[_Frame, ...] = _FRAMES,
) -> Sample:
    """Put `values` into the `<V>` slots of `phrase`, the phrase into a frame."""
    multiline = any("\n" in value for value in values)
    frame = rng.choice([frame for frame in frames if frame.multiline or not multiline])
    clutter = _clutter(rng)
    head, tail = _fill(frame.template, clutter).split("<P>")
    pieces = _fill(phrase, clutter).split("<V>")
    assert len(pieces) == len(values) + 1, (phrase, values)
    text = head
    spans = []
    for piece, value in zip(pieces, values, strict=False):
        text += _json_escape(piece, frame.escape)
        written = _json_escape(value, frame.escape)
        spans.append((len(text), len(text) + len(written)))
        text += written
    text += _json_escape(pieces[-1], frame.escape) + tail
    return Sample(kind, text, tuple(spans), form)


# ------------------------------------------------------------------- value makers
#
# A maker returns (form, [values], phrase). Forms rotate so every format is well
# represented; Faker and the rng give the values.

Maker = Callable[[random.Random, int], tuple[str, list[str], str]]

_EMAIL_PHRASES = (
    "My email is <V>, please send the receipt there.",
    "Can you update my contact address to <V>?",
    "I've emailed <V> and cc'd <V> about the refund.",
    "Contact: <V>",
    "Reach the account owner at <<V>>.",
    "From: <name> (<V>)",
    "the customer (<V>) asked for a callback",
    "Please forward the invoice to <V>; they handle billing.",
)

_EMAIL_LOCALES = (
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pl_PL",
    "pt_BR",
    "sv_SE",
)


def _email(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    phrase = _EMAIL_PHRASES[index % len(_EMAIL_PHRASES)]
    values = []
    for _ in range(phrase.count("<V>")):
        locale = rng.choice(_EMAIL_LOCALES)
        faker = fake(locale)
        style = rng.randrange(6)
        if style == 0:
            value = faker.free_email()
        elif style == 1:
            value = faker.company_email()
        elif style == 2:
            first, last = fake("en_US").first_name().lower(), fake("en_US").last_name().lower()
            tag = rng.choice(["news", "billing", "2024", "shop"])
            domain = rng.choice(
                [
                    "mail.example.co.uk",
                    "corp.acme-widgets.com",
                    "uni-heidelberg.de",
                    "example.technology",
                ]
            )
            value = f"{first}.{last}+{tag}@{domain}"
        elif style == 3:
            local, domain = faker.email().split("@")
            value = f"{local.capitalize()}@{domain.upper()}"
        elif style == 4:
            value = f"{fake('en_US').user_name()}{rng.randint(1, 99)}@{fake('en_US').domain_name()}"
        else:
            value = f"{fake('en_US').first_name()[0].lower()}_{fake('en_US').last_name().lower()}@{rng.choice(['gmail.com', 'outlook.com', 'proton.me', 'icloud.com'])}"
        values.append(value)
    return "email", values, phrase


# Phones ---------------------------------------------------------------------------

_US_AREA = (
    "201", "202", "206", "212", "213", "214", "305", "310", "312", "314", "347", "404", "415",
    "425", "503", "512", "602", "617", "646", "702", "718", "720", "773", "786", "805", "818",
    "917", "949", "972", "416", "604", "514",
)  # fmt: skip
_GB_NATIONAL = (
    ("020", (4, 4), ("7", "8", "3")),
    ("0161", (3, 4), ("4", "2", "8")),
    ("0121", (3, 4), ("4", "2", "7")),
    ("0131", (3, 4), ("4", "2", "5")),
    ("07700", (6,), ("9",)),
    ("07911", (6,), ("1", "2", "3", "4")),
    ("07456", (6,), ("1", "2", "3")),
)
_DE_NATIONAL = (
    ("030", (8,)),
    ("040", (8,)),
    ("089", (7,)),
    ("069", (8,)),
    ("0221", (7,)),
    ("0711", (7,)),
    ("0151", (8,)),
    ("0160", (7,)),
    ("0171", (7,)),
    ("0176", (8,)),
)
_FR_PREFIXES = ("01", "02", "03", "04", "05", "06", "07", "09")
#: Faker locales whose `phone_number()` is often valid, with their region.
_PHONE_LOCALES = (
    ("it_IT", "IT"), ("es_ES", "ES"), ("nl_NL", "NL"), ("pl_PL", "PL"), ("ja_JP", "JP"),
    ("pt_BR", "BR"), ("en_AU", "AU"), ("en_IN", "IN"), ("sv_SE", "SE"), ("de_CH", "CH"),
    ("da_DK", "DK"), ("zh_CN", "CN"), ("ko_KR", "KR"), ("cs_CZ", "CZ"), ("pt_PT", "PT"),
    ("fi_FI", "FI"), ("no_NO", "NO"), ("en_NZ", "NZ"), ("he_IL", "IL"), ("ro_RO", "RO"),
    ("el_GR", "GR"), ("th_TH", "TH"), ("ru_RU", "RU"), ("uk_UA", "UA"), ("de_AT", "AT"),
    ("es_MX", "MX"), ("en_IE", "IE"), ("vi_VN", "VN"),
)  # fmt: skip

_PHONE_PHRASES = (
    "Call me at <V> after 5pm.",
    "my phone number is <V>",
    "You can reach our office on <V> or my mobile <V>.",
    "Tel.: <V>",
    "phone=<V>",
    "Please text <V> when the order ships.",
    "Emergency contact: <name>, <V>.",
    "Rückruf bitte unter <V>.",
    "Appelez-moi au <V> demain.",
    # A date right after the value: greedy patterns read on into it. (Not a small
    # number: `089 9725440 2` may be a number with its extension.)
    "Called <V> 2024-05-01 about the refund.",
)


def _valid(number: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


def _digits(rng: random.Random, size: int, first: str = "") -> str:
    return first + _chars(rng, string.digits, size - len(first))


def _us_phone(rng: random.Random) -> tuple[str, str, str, str]:
    while True:
        area = rng.choice(_US_AREA)
        exchange = str(rng.randint(2, 9)) + _digits(rng, 2)
        line = _digits(rng, 4)
        if _valid(area + exchange + line, "US"):
            return "US", area, exchange, line


def _gb_phone(rng: random.Random) -> tuple[str, list[str]]:
    while True:
        prefix, sizes, firsts = rng.choice(_GB_NATIONAL)
        first = rng.choice(firsts)
        groups = [_digits(rng, sizes[0], first)] + [_digits(rng, size) for size in sizes[1:]]
        if _valid(prefix + "".join(groups), "GB"):
            return prefix, groups


def _de_phone(rng: random.Random) -> tuple[str, str]:
    while True:
        prefix, (size,) = rng.choice(_DE_NATIONAL)
        subscriber = _digits(rng, size, str(rng.randint(1, 9)))
        if _valid(prefix + subscriber, "DE"):
            return prefix, subscriber


def _fr_phone(rng: random.Random) -> list[str]:
    while True:
        prefix = rng.choice(_FR_PREFIXES)
        pairs = [prefix] + [_digits(rng, 2) for _ in range(4)]
        if _valid("".join(pairs), "FR"):
            return pairs


def _other_phone(rng: random.Random) -> str:
    """A valid number of another country, written internationally (`+39 ...`)."""
    while True:
        locale, region = rng.choice(_PHONE_LOCALES)
        raw = fake(locale).phone_number()
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if number.extension or not phonenumbers.is_valid_number(number):
            continue
        if rng.random() < 0.8:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_FORMS = (
    "us_paren", "us_dash", "us_dot", "us_plus_space", "us_plus_paren", "us_plus_dash", "us_1_dash",
    "gb_national", "gb_plus", "gb_00", "gb_plus_0",
    "de_national", "de_slash", "de_plus", "de_00", "de_plus_0",
    "fr_national", "fr_dots", "fr_plus", "fr_00",
    "other_plus", "other_plus", "other_plus", "other_plus",
)  # fmt: skip


def _phone_value(rng: random.Random, form: str) -> str:
    if form.startswith("us"):
        _, area, exchange, line = _us_phone(rng)
        return {
            "us_paren": f"({area}) {exchange}-{line}",
            "us_dash": f"{area}-{exchange}-{line}",
            "us_dot": f"{area}.{exchange}.{line}",
            "us_plus_space": f"+1 {area} {exchange} {line}",
            "us_plus_paren": f"+1 ({area}) {exchange}-{line}",
            "us_plus_dash": f"+1-{area}-{exchange}-{line}",
            "us_1_dash": f"1-{area}-{exchange}-{line}",
        }[form]
    if form.startswith("gb"):
        prefix, groups = _gb_phone(rng)
        rest = " ".join(groups)
        return {
            "gb_national": f"{prefix} {rest}",
            "gb_plus": f"+44 {prefix[1:]} {rest}",
            "gb_00": f"0044 {prefix[1:]} {rest}",
            "gb_plus_0": f"+44 (0){prefix[1:]} {rest}",
        }[form]
    if form.startswith("de"):
        prefix, subscriber = _de_phone(rng)
        return {
            "de_national": f"{prefix} {subscriber}",
            "de_slash": f"{prefix}/{subscriber}",
            "de_plus": f"+49 {prefix[1:]} {subscriber}",
            "de_00": f"0049 {prefix[1:]} {subscriber}",
            "de_plus_0": f"+49 (0){prefix[1:]} {subscriber}",
        }[form]
    if form.startswith("fr"):
        pairs = _fr_phone(rng)
        return {
            "fr_national": " ".join(pairs),
            "fr_dots": ".".join(pairs),
            "fr_plus": "+33 " + " ".join([pairs[0][1], *pairs[1:]]),
            "fr_00": "0033 " + " ".join([pairs[0][1], *pairs[1:]]),
        }[form]
    return _other_phone(rng)


def _phone(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    form = _PHONE_FORMS[index % len(_PHONE_FORMS)]
    phrase = _PHONE_PHRASES[(index // len(_PHONE_FORMS) + index) % len(_PHONE_PHRASES)]
    values = [_phone_value(rng, form) for _ in range(phrase.count("<V>"))]
    return form, values, phrase


# Cards ----------------------------------------------------------------------------

_MAESTRO = ("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763")
#: (brand, prefixes, lengths, groupings per length).
_CARD_BRANDS: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("visa", ("4",), (16,)),
    ("visa13", ("4",), (13,)),
    ("visa19", ("4",), (19,)),
    ("mastercard", ("51", "52", "53", "54", "55"), (16,)),
    ("mastercard2", tuple(str(p) for p in (2221, 2300, 2488, 2500, 2630, 2720)), (16,)),
    ("amex", ("34", "37"), (15,)),
    ("discover", ("6011", "644", "645", "649", "65"), (16, 19)),
    ("jcb", ("3528", "3530", "3566", "3589"), (16, 17, 18, 19)),
    ("diners", ("300", "301", "305", "36", "38"), (14,)),
    ("unionpay", ("62",), (16, 17, 18, 19)),
    (
        "maestro",
        _MAESTRO,
        (12, 13, 14, 15, 16, 17, 18, 19),
    ),
    ("mir", ("2200", "2202", "2204"), (16,)),
)
_FAKER_CARD_TYPES = (
    "visa16",
    "visa13",
    "visa19",
    "mastercard",
    "amex",
    "discover",
    "diners",
    "jcb16",
    "maestro",
)
_CARD_GROUPS = {
    12: (4, 4, 4),
    13: (4, 4, 5),
    14: (4, 6, 4),
    15: (4, 6, 5),
    16: (4, 4, 4, 4),
    17: (4, 4, 4, 4, 1),
    18: (4, 4, 4, 4, 2),
    19: (4, 4, 4, 4, 3),
}
_CARD_PHRASES = (
    "My card number is <V>, expiry 04/27.",
    "Please charge <V> for the annual plan.",
    "card: <V> cvv withheld",
    "I paid with <V> but the order shows as unpaid.",
    "The payment with card <V> was declined (code 51).",
    "Use this one instead: <V>.",
    "Refund to <V> please",
    "Kartennummer: <V>",
    "card <V> 12/26 cvv withheld",  # the expiry right after the number
    "paid <V> 12 26 on file",
)


def _group(number: str, sizes: tuple[int, ...], separator: str) -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(number[start : start + size])
        start += size
    return separator.join(parts)


def _credit_card(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    if index % 3 == 0:
        card_type = _FAKER_CARD_TYPES[(index // 3) % len(_FAKER_CARD_TYPES)]
        number = fake("en_US").credit_card_number(card_type=card_type)
        # Faker's JCB numbers use the whole 35 prefix, JCB issues 3528-3589 only; its
        # Maestro prefixes include historic ones (56-58, 0604, 6390) that the current IIN
        # table no longer lists for Maestro.
        while (card_type == "jcb16" and not 3528 <= int(number[:4]) <= 3589) or (
            card_type == "maestro" and number[:4] not in _MAESTRO
        ):
            number = fake("en_US").credit_card_number(card_type=card_type)
        brand = f"faker_{card_type}"
    else:
        brand, prefixes, lengths = _CARD_BRANDS[index % len(_CARD_BRANDS)]
        number = luhn_complete(rng.choice(prefixes), rng.choice(lengths), rng)
    layout = ("plain", "spaced", "dashed")[index % 3 if index % 9 else 1]
    if layout != "plain":
        sizes = _CARD_GROUPS[len(number)]
        if len(number) == 19 and brand.startswith(("maestro", "unionpay")) and rng.random() < 0.5:
            sizes = (6, 13)
        number = _group(number, sizes, " " if layout == "spaced" else "-")
    phrase = _CARD_PHRASES[rng.randrange(len(_CARD_PHRASES))]
    return f"{brand}_{len(number.replace(' ', '').replace('-', ''))}_{layout}", [number], phrase


# IBAN -----------------------------------------------------------------------------

#: Faker locales that produce IBANs of registry countries.
_IBAN_LOCALES = (
    "en_GB", "de_DE", "de_AT", "de_CH", "fr_FR", "it_IT", "es_ES", "nl_NL", "nl_BE", "pl_PL",
    "pt_PT", "pt_BR", "cs_CZ", "sk_SK", "da_DK", "fi_FI", "no_NO", "el_GR", "en_IE", "ro_RO",
    "tr_TR", "uk_UA", "ru_RU", "az_AZ", "mk_MK",
)  # fmt: skip
#: Other registry countries, generated here: (country, BBAN length, letters at start).
_IBAN_OWN = (
    ("SE", 20, 0), ("HU", 24, 0), ("HR", 17, 0), ("SI", 15, 0), ("BG", 18, 4), ("LT", 16, 0),
    ("LV", 17, 4), ("EE", 16, 0), ("LU", 16, 0), ("CY", 24, 0), ("MT", 27, 4), ("SA", 20, 0),
    ("AE", 19, 0), ("QA", 25, 4), ("KW", 26, 4), ("IL", 19, 0), ("LI", 17, 0), ("IS", 22, 0),
    ("MC", 23, 0), ("SM", 23, 1), ("GE", 18, 2), ("JO", 26, 4), ("EG", 25, 0), ("MU", 26, 4),
)  # fmt: skip
_IBAN_PHRASES = (
    "Please wire the refund to IBAN <V>.",
    "IBAN: <V> (account holder <name>)",
    "My bank details are <V>, BIC DEUTDEFFXXX.",
    "Überweisung bitte auf <V>.",
    "Can you change the payout account to <V>?",
    "iban=<V>",
)


def _iban_checksum(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(char, 36)) for char in rearranged))
    return f"{country}{98 - number % 97:02d}{bban}"


def _iban(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    if index % 2 == 0:
        locale = _IBAN_LOCALES[(index // 2) % len(_IBAN_LOCALES)]
        value = fake(locale).iban()
    else:
        country, size, letters = _IBAN_OWN[(index // 2) % len(_IBAN_OWN)]
        bban = _chars(rng, string.ascii_uppercase, letters) + _chars(
            rng, string.digits, size - letters
        )
        value = _iban_checksum(country, bban)
    grouped = index % 4 in (1, 2)
    if grouped:
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    phrase = _IBAN_PHRASES[rng.randrange(len(_IBAN_PHRASES))]
    return f"{value[:2]}_{'grouped' if grouped else 'plain'}", [value], phrase


# SSN ------------------------------------------------------------------------------

_SSN_PHRASES = (
    "My SSN is <V>.",
    "social security number <V>, date of birth 1984-03-12",
    "SSN: <V>",
    "the applicant's ssn (<V>) does not match our records",
    "Verify identity with <V> please",
    "SSN <V> 2 dependents",
)


def _us_ssn(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    if index % 2:
        value = fake("en_US").ssn()
    else:
        area = rng.choice([n for n in range(1, 900) if n != 666])
        value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    form = "dashed"
    if index % 5 == 0:
        value, form = value.replace("-", " "), "spaced"
    return form, [value], _SSN_PHRASES[rng.randrange(len(_SSN_PHRASES))]


# IP and MAC addresses --------------------------------------------------------------

_IP_PHRASES = (
    "Request from <V> was rate limited.",
    "client_ip=<V> user_agent=curl/8.4.0",
    "I can't connect to the server at <V>, it times out.",
    "X-Forwarded-For: <V>, <V>",
    "peer <V> closed the connection",
    "GET http://<V>/api/v1/health 200",
)
_IP_PORT_PHRASES = ("dial tcp <V>:5432: connect: connection refused", "Connecting to <V>:8443 ...")


def _public_or_private_v4(rng: random.Random) -> str:
    import ipaddress

    while True:
        value = fake("en_US").ipv4_private() if rng.random() < 0.3 else fake("en_US").ipv4_public()
        address = ipaddress.IPv4Address(value)
        if not (
            address.is_loopback or address.is_reserved or address.is_multicast
        ) and not value.startswith("0."):
            return value


def _ipv4(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    phrases = _IP_PHRASES + _IP_PORT_PHRASES
    phrase = phrases[index % len(phrases)]
    values = [_public_or_private_v4(rng) for _ in range(phrase.count("<V>"))]
    return "port" if phrase in _IP_PORT_PHRASES else "plain", values, phrase


def _ipv6_value(rng: random.Random, form: str) -> str:
    import ipaddress

    while True:
        if form == "mixed":
            prefix = rng.choice(["::ffff:", "64:ff9b::", "2001:db8:1::"])
            value = prefix + _public_or_private_v4(rng)
        elif form == "link_local_zone":
            value = (
                "fe80::"
                + ":".join(
                    _chars(rng, _HEX, rng.randint(1, 4)).lstrip("0") or "1" for _ in range(4)
                )
                + rng.choice(["%eth0", "%en0", "%2"])
            )
        else:
            address = ipaddress.IPv6Address(fake("en_US").ipv6())
            if form == "compressed":
                # real addresses have zero runs: zero some groups so `::` appears
                groups = address.exploded.split(":")
                start = rng.randint(1, 5)
                for position in range(start, start + rng.randint(1, 3)):
                    groups[position] = "0000"
                address = ipaddress.IPv6Address(":".join(groups))
                value = address.compressed
            elif form == "full":
                value = address.exploded
            elif form == "upper":
                value = address.compressed.upper()
            else:
                value = str(address)
        check = value.split("%")[0]
        parts = [part for part in check.split(":") if part]
        # Addresses of fewer than three groups (`fe80::1`) are out of scope: too short to
        # tell from code. An embedded IPv4 address counts as two groups.
        if len(parts) + ("." in parts[-1]) >= 3:
            ipaddress.IPv6Address(check)
            return value


_IPV6_FORMS = (
    "full",
    "compressed",
    "mixed",
    "shortest",
    "upper",
    "link_local_zone",
    "bracket_port",
)
_IPV6_PHRASES = (
    "Request from <V> was rate limited.",
    "client.address=<V>",
    "peer <V> closed the connection",
    "the VM's address is <V> but ping fails",
)


def _ipv6(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    form = _IPV6_FORMS[index % len(_IPV6_FORMS)]
    if form == "bracket_port":
        return form, [_ipv6_value(rng, "compressed")], "GET http://[<V>]:8080/status 503"
    return form, [_ipv6_value(rng, form)], _IPV6_PHRASES[rng.randrange(len(_IPV6_PHRASES))]


_MAC_PHRASES = (
    "Device MAC address: <V>",
    "DHCP lease granted to <V> for 86400 s",
    "my laptop's wifi MAC is <V>, can you whitelist it?",
    "hw_addr=<V> vendor=Intel",
)


def _mac(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    raw = (
        fake("en_US").mac_address()
        if index % 2
        else ":".join(_chars(rng, _HEX, 2) for _ in range(6))
    )
    octets = raw.split(":")
    form = ("colon", "colon_upper", "dash", "dash_upper", "cisco")[index % 5]
    if form == "colon":
        value = raw
    elif form == "colon_upper":
        value = raw.upper()
    elif form == "dash":
        value = "-".join(octets)
    elif form == "dash_upper":
        value = "-".join(octets).upper()
    else:
        joined = "".join(octets)
        value = ".".join(joined[i : i + 4] for i in range(0, 12, 4))
    return form, [value], _MAC_PHRASES[rng.randrange(len(_MAC_PHRASES))]


# Secrets --------------------------------------------------------------------------

_SECRET_PHRASES = (
    "here is my key: <V>",
    "export <ENV>=<V>",
    '<ENV>="<V>"',
    "client = Client(api_key='<V>')",
    "It fails with key <V> — did I paste it wrong?",
    "Using credentials <V> for the staging project.",
)


def _secret_maker(env: str, make: Callable[[random.Random, int], tuple[str, str]]) -> Maker:
    def maker(rng: random.Random, index: int) -> tuple[str, list[str], str]:
        form, value = make(rng, index)
        phrase = _SECRET_PHRASES[rng.randrange(len(_SECRET_PHRASES))].replace("<ENV>", env)
        return form, [value], phrase

    return maker


def _openai(rng: random.Random, index: int) -> tuple[str, str]:
    if index % 3 == 0:
        return "legacy", "sk-" + _chars(rng, _ALNUM, 20) + "T3BlbkFJ" + _chars(rng, _ALNUM, 20)
    kind = ("proj", "svcacct", "admin")[index % 3 if index % 6 else 0]
    size = rng.choice([58, 74])
    body = _chars(rng, _ALNUM + "_-", size) + "T3BlbkFJ" + _chars(rng, _ALNUM + "_-", size)
    return kind, f"sk-{kind}-{body}"


def _anthropic(rng: random.Random, index: int) -> tuple[str, str]:
    kind = "admin01" if index % 5 == 0 else "api03"
    return kind, f"sk-ant-{kind}-{_chars(rng, _ALNUM + '_-', 93)}AA"


def _aws(rng: random.Random, index: int) -> tuple[str, str]:
    prefix = ("AKIA", "ASIA")[index % 4 == 0]
    return prefix, prefix + _chars(rng, string.ascii_uppercase + "234567", 16)


def github_classic(rng: random.Random, prefix: str = "ghp_") -> str:
    """A GitHub classic token: 30 random base62 characters and their base62 CRC32."""
    random_part = _chars(rng, _ALNUM, 30)
    return prefix + random_part + _base62(zlib.crc32(random_part.encode()))


def _github(rng: random.Random, index: int) -> tuple[str, str]:
    prefix = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")[index % 5]
    return prefix, github_classic(rng, prefix)


def _github_pat(rng: random.Random, index: int) -> tuple[str, str]:
    return "fine_grained", f"github_pat_{_chars(rng, _ALNUM, 22)}_{_chars(rng, _ALNUM, 59)}"


def _gitlab(rng: random.Random, index: int) -> tuple[str, str]:
    prefix = ("glpat", "glpat", "gldt", "glrt", "glptt")[index % 5]
    if prefix == "glptt":
        return prefix, f"glptt-{_chars(rng, _HEX, 40)}"
    return prefix, f"{prefix}-{_chars(rng, _ALNUM + '_-', 20)}"


def _slack(rng: random.Random, index: int) -> tuple[str, str]:
    kind = ("xoxb", "xoxp", "xoxa", "xoxe")[index % 4]
    if kind == "xoxp":
        value = (
            f"xoxp-{_digits(rng, 12)}-{_digits(rng, 12)}-{_digits(rng, 13)}-{_chars(rng, _HEX, 32)}"
        )
    else:
        value = f"{kind}-{_digits(rng, rng.choice([11, 12, 13]))}-{_digits(rng, 13)}-{_chars(rng, _ALNUM, 24)}"
    return kind, value


def _stripe(rng: random.Random, index: int) -> tuple[str, str]:
    prefix = ("sk_live_", "rk_live_", "sk_test_")[index % 3]
    size = rng.choice([24, 99])
    return prefix.rstrip("_"), prefix + (
        "51" + _chars(rng, _ALNUM, size - 2) if size == 99 else _chars(rng, _ALNUM, size)
    )


def _google(rng: random.Random, index: int) -> tuple[str, str]:
    return "AIza", "AIza" + _chars(rng, _ALNUM + "_-", 35)


def _huggingface(rng: random.Random, index: int) -> tuple[str, str]:
    return "hf", "hf_" + _chars(rng, _ALNUM, 34)


def _langsmith(rng: random.Random, index: int) -> tuple[str, str]:
    kind = ("pt", "sk")[index % 4 == 0]
    return kind, f"lsv2_{kind}_{_chars(rng, _HEX, 32)}_{_chars(rng, _HEX, 10)}"


def make_jwt(rng: random.Random, index: int = 0) -> str:
    """A JWT with a real base64url JSON header and payload and a random signature."""
    alg = ("HS256", "RS256", "ES256", "HS512")[index % 4]
    header: dict[str, object] = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        header["kid"] = _chars(rng, _ALNUM, 16)
    payload = {
        "sub": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "iat": 1714500000 + rng.randint(0, 10**7),
        "exp": 1714500000 + rng.randint(10**7, 2 * 10**7),
        "scope": rng.choice(["read write", "openid profile email", "admin"]),
    }
    if index % 2:
        payload["name"] = fake("en_US").name()
    size = {"HS256": 32, "RS256": 256, "ES256": 64, "HS512": 64}[alg]
    signature = _b64url(rng.randbytes(size))
    compact = (",", ":") if index % 3 else (", ", ": ")
    return ".".join(
        (
            _b64url(json.dumps(header, separators=compact).encode()),
            _b64url(json.dumps(payload, separators=compact).encode()),
            signature,
        )
    )


def _jwt(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    phrases = (
        "the session token is <V>",
        "Authorization: Bearer <V>",
        "GET /callback?id_token=<V>&state=xyz",
        "Set-Cookie: session=<V>; HttpOnly; Secure",
        "decode this jwt for me: <V>",
    )
    return "jwt", [make_jwt(rng, index)], phrases[index % len(phrases)]


_PEM_TYPES = (
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "DSA PRIVATE KEY",
)


def _pem_value(rng: random.Random, kind: str) -> str:
    size = {"EC PRIVATE KEY": 121, "OPENSSH PRIVATE KEY": 399}.get(kind, rng.choice([608, 1192]))
    body = base64.b64encode(rng.randbytes(size)).decode()
    lines = [
        body[i : i + 64] for i in range(0, len(body), 70 if kind == "OPENSSH PRIVATE KEY" else 64)
    ]
    return "\n".join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])


def _private_key(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    kind = _PEM_TYPES[index % len(_PEM_TYPES)]
    value = _pem_value(rng, kind)
    form = kind.split()[0].lower()
    if index % 3 == 1:  # escaped in JSON text written into a plain frame (a config dump)
        value = value.replace("\n", "\\n")
        form += "_escaped"
    phrases = (
        "Here is the deploy key:\n<V>\n",
        "private key = <V>",
        "I pasted <V> into the config but the server rejects it",
    )
    return form, [value], phrases[index % len(phrases)]


def _bearer(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    style = index % 4
    if style == 0:
        token = _chars(rng, _ALNUM, rng.randint(20, 64))
    elif style == 1:
        token = "ya29." + _chars(rng, _ALNUM + "_-", rng.randint(60, 160))
    elif style == 2:
        token = _chars(rng, _ALNUM, 8) + "." + _chars(rng, _ALNUM + "~_-", 30)
    else:
        token = base64.b64encode(rng.randbytes(rng.randint(18, 40))).decode()
    phrases = (
        "Authorization: Bearer <V>",
        'curl -H "Authorization: Bearer <V>" https://api.example.com/v1/items',
        "headers: {authorization: bearer <V>}",
        "the request had Bearer <V> in it",
    )
    return ("opaque", "google", "dotted", "base64")[style], [token], phrases[index % len(phrases)]


_URL_SCHEMES = (
    "postgres",
    "postgresql",
    "mysql",
    "mongodb+srv",
    "redis",
    "amqp",
    "https",
    "ftp",
    "smtp",
    "rediss",
)


def _url_password(rng: random.Random, index: int) -> tuple[str, list[str], str]:
    scheme = _URL_SCHEMES[index % len(_URL_SCHEMES)]
    en = fake("en_US")
    user = "" if scheme.startswith("redis") and index % 2 else en.user_name()
    password = en.password(length=rng.randint(8, 24), special_chars=index % 3 == 0)
    if index % 5 == 0:
        password = _chars(rng, _ALNUM, 20)
    encoded = urllib.parse.quote(password, safe="")
    host = rng.choice(
        [
            en.hostname(),
            f"db-{rng.randint(1, 9)}.internal.{en.domain_name()}",
            "cluster0.ab1cd.mongodb.net",
        ]
    )
    port = rng.choice(["", ":5432", ":3306", ":6379", ":5672"])
    path = rng.choice(["/app", "/orders?sslmode=require", "/", "/0", ""])
    prefix = f"{scheme}://{user}:"
    suffix = f"@{host}{port}{path}"
    phrases = (
        "DATABASE_URL=<U>",
        "connecting to <U> failed: timeout",
        'engine = create_engine("<U>")',
        "Use <U> for the replica.",
    )
    phrase = phrases[index % len(phrases)].replace("<U>", prefix + "<V>" + suffix)
    return scheme, [encoded], phrase


MAKERS: dict[str, Maker] = {
    "email": _email,
    "phone": _phone,
    "credit_card": _credit_card,
    "iban": _iban,
    "us_ssn": _us_ssn,
    "ipv4_address": _ipv4,
    "ipv6_address": _ipv6,
    "mac_address": _mac,
    "openai_api_key": _secret_maker("OPENAI_API_KEY", _openai),
    "anthropic_api_key": _secret_maker("ANTHROPIC_API_KEY", _anthropic),
    "aws_access_key_id": _secret_maker("AWS_ACCESS_KEY_ID", _aws),
    "github_token": _secret_maker("GITHUB_TOKEN", _github),
    "github_fine_grained_token": _secret_maker("GH_TOKEN", _github_pat),
    "gitlab_token": _secret_maker("GITLAB_TOKEN", _gitlab),
    "slack_token": _secret_maker("SLACK_BOT_TOKEN", _slack),
    "stripe_key": _secret_maker("STRIPE_SECRET_KEY", _stripe),
    "google_api_key": _secret_maker("GOOGLE_API_KEY", _google),
    "huggingface_token": _secret_maker("HF_TOKEN", _huggingface),
    "langsmith_api_key": _secret_maker("LANGSMITH_API_KEY", _langsmith),
    "jwt": _jwt,
    "private_key": _private_key,
    "bearer_token": _bearer,
    "url_password": _url_password,
}
assert set(MAKERS) == set(KINDS)


_END_PHRASES = (
    "The suspicious request came from <V>. Please check.",
    "It is <V>.",
    "(<V>)",
    "[<V>]",
    '"<V>"',
    "«<V>»",
    "<V>!",
    "<V>?",
    "<V>; next",
)
#: Types whose values stand alone in a sentence (not a token after `Bearer `, not part of
#: a URL).
_PLAIN_VALUES = frozenset(KINDS) - {"bearer_token", "url_password", "private_key"}
_BREAK_PHRASES = ("Here it is:\n<V>", "see below\n<V>\nthanks", "value:\t<V>", "<V>\n")


def labeled(
    count: int = DEFAULT_COUNT, kinds: tuple[str, ...] = tuple(KINDS)
) -> dict[str, list[Sample]]:
    """`count` labeled samples per type, identical on every call."""
    _reset_fakers()
    corpus = {}
    for kind in kinds:
        rng = random.Random(_seed("labeled", kind))
        maker = MAKERS[kind]
        samples = []
        for index in range(count):
            form, values, phrase = maker(rng, index)
            if index % 7 == 3 and phrase.count("<V>") == 1:
                # Right after a line break or a tab: in JSON frames, `\n<V>` escaped,
                # where a letter (`n`) touches the value in the raw text.
                if kind == "bearer_token":
                    phrase = "Authorization:\nBearer <V>"
                elif kind == "url_password":
                    url = re.search(r"[a-z+]+://[^\s\"']*<V>[^\s\"']*", phrase)
                    assert url is not None, phrase
                    phrase = "DATABASE_URL:\n" + url.group()
                else:
                    phrase = rng.choice(_BREAK_PHRASES)
            elif index % 7 == 5 and phrase.count("<V>") == 1 and kind in _PLAIN_VALUES:
                # Closing punctuation right after the value: a sentence's period, brackets.
                phrase = rng.choice(_END_PHRASES)
            samples.append(_compose(kind, form, values, phrase, rng))
        corpus[kind] = samples
    return corpus


# ------------------------------------------------------------------- clean texts
#
# Each generator writes one text typical of LLM traces, without personal data or
# secrets. Ids and numbers are random; their formats are what matters.


def _hex(rng: random.Random, size: int) -> str:
    return _chars(rng, _HEX, size)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _float(rng: random.Random) -> str:
    return repr(rng.random() * rng.choice([1, 1, 10, 100, -1]))


def _iso(rng: random.Random) -> str:
    return (
        f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        + rng.choice(["Z", ".123Z", "+02:00", f".{rng.randint(0, 999999):06d}+00:00", ""])
    )


def _date(rng: random.Random) -> str:
    year, month, day = rng.randint(2015, 2027), rng.randint(1, 12), rng.randint(1, 28)
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return rng.choice(
        [
            f"{year}-{month:02d}-{day:02d}",
            f"{month:02d}/{day:02d}/{year}",
            f"{day:02d}.{month:02d}.{year}",
            f"{day}/{month}/{year}",
            f"{months[month - 1]} {day}, {year}",
            f"{day} {months[month - 1]} {year}",
            f"{year}/{month:02d}/{day:02d}",
            f"{year}{month:02d}{day:02d}",
            f"{day:02d}-{month:02d}-{year}",
            f"{year}-{month:02d}-{day:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            f"{day:02d}.{month:02d}.{year % 100:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{month}/{day}/{year % 100:02d} {rng.randint(1, 12)}:{rng.randint(0, 59):02d} PM",
        ]
    )


def _version(rng: random.Random) -> str:
    major, minor, patch = rng.randint(0, 30), rng.randint(0, 99), rng.randint(0, 300)
    return rng.choice(
        [
            f"{major}.{minor}.{patch}",
            f"v{major}.{minor}.{patch}",
            f"v{major}.{minor}.{patch}.{rng.randint(0, 99)}",
            f"{major}.{minor}.{patch}-rc.{rng.randint(1, 5)}",
            f"{major}.{minor}.{patch}+build.{rng.randint(1, 9999)}",
            f"=={major}.{minor}.{patch}.{rng.randint(0, 9)}",
            f"{major}.{minor}",
            f"{major}.{minor}.{patch}.dev{rng.randint(0, 9)}",
        ]
    )


def _price(rng: random.Random) -> str:
    whole = rng.choice([rng.randint(1, 99), rng.randint(100, 9999), rng.randint(10000, 9999999)])
    cents = rng.randint(0, 99)
    return rng.choice(
        [
            f"${whole:,}.{cents:02d}",
            f"€{whole}.{cents:02d}",
            f"{whole:,}.{cents:02d} USD",
            f"{whole},{cents:02d} €",
            f"£{whole:,}",
            f"¥{whole * 100:,}",
            f"USD {whole:,}.{cents:02d}",
            f"{whole:,}.{cents:02d}",
        ]
    )


def _order(rng: random.Random) -> str:
    return rng.choice(
        [
            f"ORD-{rng.randint(2019, 2026)}-{rng.randint(0, 999999):06d}",
            f"INV-{rng.randint(10000, 99999)}",
            f"#{rng.randint(100000, 99999999)}",
            f"PO {rng.randint(4500000000, 4599999999)}"[:13],
            f"order {rng.randint(1000, 9999999)}",
            f"INV/{rng.randint(2019, 2026)}/{rng.randint(1, 99999):05d}",
            f"case {rng.randint(10**7, 10**8 - 1)}",
            f"TKT-{rng.randint(1, 99999)}",
        ]
    )


def _duration(rng: random.Random) -> str:
    return rng.choice(
        [
            f"{rng.randint(1, 9999)}ms",
            f"{rng.random() * 10:.3f}s",
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}",
            f"{rng.randint(1, 5)}h {rng.randint(1, 59)}m {rng.randint(1, 59)}s",
            f"PT{rng.randint(1, 5)}H{rng.randint(1, 59)}M",
            f"{rng.randint(1, 999)} µs",
            f"{rng.randint(1, 120)} minutes",
        ]
    )


def _base64_blob(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(rng.randint(24, 180))).decode()


def _clean_prose(rng: random.Random) -> str:
    en = fake("en_US")
    numbers = [
        f"{rng.randint(2, 99)}% of users",
        f"about {rng.randint(2, 900)} million people",
        f"{rng.randint(1, 70)} billion parameters",
        f"in {rng.randint(1900, 2025)}",
        f"version {_version(rng)}",
        f"a {rng.randint(2, 60)}-minute drive",
        f"{rng.uniform(0, 100):.1f}°C",
        f"{rng.randint(1, 12)} to {rng.randint(13, 40)} weeks",
        f"pages {rng.randint(1, 300)}-{rng.randint(301, 600)}",
        f"ISBN 978-{rng.randint(0, 1)}-{rng.randint(100, 999)}-{rng.randint(10000, 99999)}-{rng.randint(0, 9)}",
        f"on {_date(rng)}",
        f"costs {_price(rng)}",
        f"{rng.randint(1, 9)}.{rng.randint(0, 9)}x faster",
        f"chapter {rng.randint(1, 30)}, verse {rng.randint(1, 50)}",
    ]
    sentences = [en.sentence(nb_words=rng.randint(6, 18)) for _ in range(rng.randint(2, 5))]
    for _ in range(rng.randint(1, 3)):
        position = rng.randrange(len(sentences))
        sentences[position] = sentences[position].rstrip(".") + f" ({rng.choice(numbers)})."
    lead = rng.choice(["", "Sure! ", "Great question. ", "Here's a summary: ", "Short answer: "])
    return lead + " ".join(sentences)


def _clean_answer_list(rng: random.Random) -> str:
    en = fake("en_US")
    items = [
        f"{index}. **{en.catch_phrase()}** — {en.sentence(nb_words=8)} ({rng.choice([_price(rng), _duration(rng), _version(rng), _date(rng)])})"
        for index in range(1, rng.randint(3, 7))
    ]
    return "Here are the options I found:\n\n" + "\n".join(items) + f"\n\nTotal: {_price(rng)}"


def _clean_code(rng: random.Random) -> str:
    snippets = [
        f"def chunk(xs, n={rng.randint(2, 64)}):\n    return [xs[i:i + n] for i in range(0, len(xs), n)]\n\nprint(chunk(list(range({rng.randint(10, 1000)}))))",
        f"import numpy as np\na = np.arange({rng.randint(10, 99)}).reshape({rng.randint(2, 9)}, -1)\nprint(a[::2, 1:3], a.mean())  # {_float(rng)}",
        f"SELECT id, total FROM orders WHERE created_at >= '{_date(rng)}' AND total > {rng.randint(10, 5000)} LIMIT {rng.randint(10, 500)};",
        f"const TIMEOUT_MS = {rng.randint(100, 60000)};\nfetch(`http://localhost:{rng.randint(3000, 9999)}/api/v{rng.randint(1, 3)}/items?page=${{page}}`)",
        f"std::vector<int> v{{{rng.randint(1, 9)}, {rng.randint(1, 9)}, {rng.randint(1, 9)}}};\nstd::sort(v.begin(), v.end());\nstd::chrono::milliseconds d({rng.randint(10, 9999)});",
        f"color: #{_hex(rng, 6)}; margin: {rng.randint(0, 40)}px {rng.randint(0, 40)}px; z-index: {rng.randint(1, 9999)};",
        f"MAX = 0x{_hex(rng, 8).upper()}\nmask = 0b{''.join(rng.choice('01') for _ in range(16))}\nEPS = {rng.random():.2e}",
        f"git checkout -b fix/issue-{rng.randint(1, 9999)} && git cherry-pick {_hex(rng, 7)} {_hex(rng, 40)}",
        f"docker run -p {rng.randint(3000, 9999)}:{rng.randint(80, 9999)} -e WORKERS={rng.randint(1, 16)} ghcr.io/acme/api@sha256:{_hex(rng, 64)}",
        f"pip install 'torch=={rng.randint(1, 2)}.{rng.randint(0, 5)}.{rng.randint(0, 3)}' transformers>={rng.randint(4, 4)}.{rng.randint(30, 45)}.{rng.randint(0, 3)}",
        f"for (let i = 0; i < {rng.randint(10, 9999)}; i++) {{ total += prices[i] * {rng.randint(1, 99)}.{rng.randint(0, 99)}; }}",
        f"x = {rng.randint(1, 999)} * {rng.randint(1, 999)} + {rng.randint(1, 999)} / {rng.randint(1, 99)}  # = {rng.random() * 1000:.4f}",
        f'resource "aws_instance" "web" {{\n  ami           = "ami-{_hex(rng, 17)}"\n  instance_type = "t3.micro"\n  count         = {rng.randint(1, 9)}\n}}',
        f"kubectl logs api-{_hex(rng, 10)}-{_chars(rng, string.ascii_lowercase + string.digits, 5)} --since={rng.randint(1, 59)}m --tail={rng.randint(10, 999)}",
    ]
    code = rng.choice(snippets)
    return f"Here's how you can do it:\n\n```\n{code}\n```\n\nThis runs in O(n log n) time."


def _clean_tool_result(rng: random.Random) -> str:
    en = fake("en_US")
    results = [
        {
            "order_id": _order(rng),
            "status": rng.choice(["shipped", "pending", "delivered"]),
            "total": _price(rng),
            "items": rng.randint(1, 12),
            "created_at": _iso(rng),
            "tracking": f"1Z{_chars(rng, string.ascii_uppercase + string.digits, 16)}",
        },
        {
            "location": en.city(),
            "temperature_c": round(rng.uniform(-20, 40), 1),
            "humidity": rng.randint(5, 100),
            "lat": round(rng.uniform(-90, 90), 6),
            "lon": round(rng.uniform(-180, 180), 6),
            "observed_at": rng.randint(1600000000, 1800000000),
        },
        {
            "results": [
                {"title": en.catch_phrase(), "url": en.url() + en.uri_path(), "score": rng.random()}
                for _ in range(rng.randint(2, 4))
            ],
            "took_ms": rng.randint(1, 999),
            "request_id": _uuid(rng),
        },
        {
            "id": f"chatcmpl-{_chars(rng, _ALNUM, 29)}",
            "object": "chat.completion",
            "created": rng.randint(1700000000, 1800000000),
            "model": "gpt-4o-mini-2024-07-18",
            "system_fingerprint": f"fp_{_hex(rng, 10)}",
            "usage": {
                "prompt_tokens": rng.randint(10, 9000),
                "completion_tokens": rng.randint(1, 4000),
            },
        },
        {
            "id": f"msg_01{_chars(rng, _ALNUM, 22)}",
            "type": "message",
            "content": [
                {
                    "type": "tool_use",
                    "id": f"toolu_01{_chars(rng, _ALNUM, 22)}",
                    "name": "get_weather",
                    "input": {"city": en.city()},
                }
            ],
            "stop_reason": "tool_use",
        },
        {
            "ticker": rng.choice(["AAPL", "MSFT", "NVDA", "GOOG"]),
            "price": round(rng.uniform(10, 1000), 2),
            "change_pct": round(rng.uniform(-9, 9), 2),
            "volume": rng.randint(10**5, 10**8),
            "market_cap": f"{rng.uniform(1, 3):.2f}T",
            "as_of": _iso(rng),
        },
        {
            "embedding": [
                round(rng.uniform(-1, 1), rng.choice([4, 6, 8])) for _ in range(rng.randint(4, 12))
            ],
            "index": rng.randint(0, 99),
            "object": "embedding",
        },
        {
            "logprobs": [
                {"token": en.word(), "logprob": -rng.random() * 5} for _ in range(rng.randint(2, 5))
            ],
            "finish_reason": "stop",
        },
        {
            "invoice": _order(rng),
            "amount_due": rng.randint(100, 10**6) / 100,
            "currency": rng.choice(["usd", "eur", "gbp"]),
            "due_date": _date(rng),
            "charge": f"ch_3{_chars(rng, _ALNUM, 23)}",
            "payment_intent": f"pi_3{_chars(rng, _ALNUM, 23)}",
        },
        {
            "file": en.file_path(depth=rng.randint(1, 4)),
            "size_bytes": rng.randint(10, 10**9),
            "sha256": _hex(rng, 64),
            "modified": _iso(rng),
            "mime": en.mime_type(),
        },
    ]
    value = rng.choice(results)
    return json.dumps(value, separators=rng.choice([(",", ":"), (", ", ": ")]))


def _clean_log(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(2, 6)):
        ts = rng.choice(
            [
                _iso(rng),
                _date(rng),
                str(rng.randint(1600000000000, 1800000000000)),
                f"{rng.randint(1600000000, 1800000000)}.{rng.randint(0, 999999)}",
            ]
        )
        level = rng.choice(["INFO", "DEBUG", "WARN", "ERROR"])
        body = rng.choice(
            [
                f"GET /api/v1/orders/{rng.randint(1, 10**7)} {rng.choice([200, 201, 204, 301, 404, 429, 500, 503])} {rng.random() * 900:.3f} ms",
                f"trace_id={_hex(rng, 32)} span_id={_hex(rng, 16)} sampled=1",
                f"Listening on http://localhost:{rng.randint(1024, 65535)} (pid {rng.randint(100, 99999)})",
                f"Uvicorn running on http://0.0.0.0:{rng.randint(1024, 65535)} (Press CTRL+C to quit)",
                f"connected to 127.0.0.1:{rng.randint(1024, 65535)} in {_duration(rng)}",
                f"request {_uuid(rng)} completed in {_duration(rng)} with {rng.randint(1, 9999)} tokens",
                f"cache hit ratio {rng.random():.4f} ({rng.randint(1, 10**6)}/{rng.randint(10**6, 10**7)})",
                f"commit {_hex(rng, 40)} deployed as {_version(rng)}",
                f"retry {rng.randint(1, 5)}/{rng.randint(5, 10)} after {rng.randint(100, 9000)}ms (HTTP {rng.choice([429, 502, 503])})",
                f"processed batch {rng.randint(1, 999)} of {rng.randint(1000, 9999)}: {rng.randint(1, 99999)} rows, {rng.uniform(0, 100):.2f}% done",
                f"worker-{rng.randint(1, 64)} heartbeat rss={rng.randint(10, 9999)}MB cpu={rng.uniform(0, 100):.1f}%",
                f"span {_hex(rng, 16)} parent={_hex(rng, 16)} duration_ns={rng.randint(10**3, 10**10)}",
                f"netmask 255.255.255.0 gateway unreachable; user agent Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{rng.randint(100, 130)}.0.0.0 Safari/537.36",
                f"upload {_base64_blob(rng)[:40]}... ({rng.randint(1, 999)} KiB)",
                f"rate limit: {rng.randint(1, 100)} req/s, window {rng.randint(1, 60)}s, remaining {rng.randint(0, 1000)}",
                f"metric latency_p99={rng.random() * 1000:.6f} latency_p50={rng.random() * 100:.6f} n={rng.randint(1, 10**6)}",
            ]
        )
        lines.append(f"{ts} {level} {body}")
    return "\n".join(lines)


def _clean_messages(rng: random.Random) -> str:
    en = fake("en_US")
    user = rng.choice(
        [
            f"What is {rng.randint(2, 999)} * {rng.randint(2, 999)}?",
            f"Summarize the Q{rng.randint(1, 4)} {rng.randint(2019, 2025)} report in {rng.randint(3, 10)} bullet points.",
            f"Convert {rng.randint(1, 500)} km to miles.",
            f"Why does my build fail on Node {rng.randint(14, 22)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}?",
            f"Is {_price(rng)} a good price for a {en.word()}?",
            f"Schedule the meeting for {_date(rng)} at {rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])} pm.",
            f"Explain the difference between UUID {_uuid(rng)} and a ULID.",
            f"Find order {_order(rng)} placed on {_date(rng)}.",
        ]
    )
    assistant = _clean_prose(rng)
    messages = [
        {"role": "system", "content": "You are a helpful assistant. Today is " + _date(rng) + "."},
        {"role": "user", "content": user},
        {"role": "assistant", "content": assistant},
    ]
    return json.dumps(messages, ensure_ascii=False)


def _clean_math(rng: random.Random) -> str:
    a, b = rng.randint(2, 9999), rng.randint(2, 9999)
    return rng.choice(
        [
            f"{a} × {b} = {a * b}",  # noqa: RUF001
            f"The answer is {a} + {b} = {a + b}, and {a}/{b} ≈ {a / b:.6f}.",
            f"π ≈ 3.141592653589793, e ≈ 2.718281828459045, √2 ≈ 1.4142135623730951; so {a}π ≈ {a * 3.141592653589793}.",
            f"Solve: {rng.randint(2, 9)}x² − {rng.randint(2, 99)}x + {rng.randint(2, 99)} = 0 gives x = {rng.random() * 10} or x = {rng.random() * 10}.",  # noqa: RUF001
            f"Mean {rng.random() * 100}, std {rng.random() * 10}, n = {rng.randint(10, 10000)}, p < 0.0{rng.randint(1, 5)}.",
            f"The matrix is [[{a}, {b}], [{b}, {a}]] with determinant {a * a - b * b}.",
            f"Fibonacci: {', '.join(str(n) for n in (1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987))}.",
            f"{a}^{rng.randint(2, 5)} = {a ** rng.randint(2, 5)}",
            f"{rng.random():.16f} + {rng.random():.16f} = {rng.random() * 2:.16f}",
        ]
    )


def _clean_ids(rng: random.Random) -> str:
    return rng.choice(
        [
            f"trace {_hex(rng, 32)}, span {_hex(rng, 16)}, parent {_hex(rng, 16)}",
            f"request_id: {_uuid(rng)} / correlation: {_uuid(rng).upper()}",
            f"Merged {_hex(rng, 7)} into main ({_hex(rng, 40)}).",
            f'ETag: "{_hex(rng, 32)}", x-amzn-RequestId: {_uuid(rng)}',
            f"ulid={''.join(rng.choice('0123456789ABCDEFGHJKMNPQRSTVWXYZ') for _ in range(26))} seq={rng.randint(1, 10**9)}",
            f"traceparent: 00-{_hex(rng, 32)}-{_hex(rng, 16)}-01",
            f"object key uploads/{_uuid(rng)}/{rng.randint(1, 99)}.png, bucket acme-prod-{rng.randint(1, 9)}",
            f"sha1 {_hex(rng, 40)} md5 {_hex(rng, 32)}",
            f"the blob is {_base64_blob(rng)}",
            f"data:image/png;base64,{_base64_blob(rng)}",
            f"gen_ai.response.id=resp_{_hex(rng, 48)} gen_ai.usage.input_tokens={rng.randint(1, 99999)}",
            f"ARN arn:aws:lambda:us-east-1:{rng.randint(10**11, 10**12 - 1)}:function:my-fn:{rng.randint(1, 99)}",
        ]
    )


def _clean_lookalikes(rng: random.Random) -> str:
    """Things that look like personal data or secrets to a careless regex."""
    en = fake("en_US")
    fingerprint = ":".join(_chars(rng, "0123456789ABCDEF", 2) for _ in range(20))
    billions = rng.randint(2 * 10**9, 9 * 10**9)
    return rng.choice(
        [
            "To call the API, send `Authorization: Bearer YOUR_ACCESS_TOKEN` with each "
            f"request; tokens expire after {rng.randint(1, 24)} hours.",
            'headers = {"Authorization": f"Bearer {api_key}"}  # never hard-code the key',
            "A bearer bond pays whoever holds it; the bearer assumes bearer responsibilities "
            "for safekeeping.",
            f'<img src="/static/logo@2x.png" srcset="icon@3x.webp 3x" width="{rng.randint(16, 512)}">',
            f".hero {{ background-image: url(hero@2x.jpg); height: {rng.randint(100, 900)}px; }}",
            f"The world population passed {billions:,} ".replace(",", " ")
            + f"and GDP is {billions:,} €".replace(",", "."),
            f'impl fmt::Display for Error {{ fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {{ write!(f, "{en.word()}") }} }}',
            "map :: (a -> b) -> [a] -> [b]\nfoldr :: (a -> b -> b) -> b -> [a] -> b",
            f"auto it = std::find(v.begin(), v.end(), {rng.randint(1, 99)}); std::cout << *it << std::endl;",
            "adjacency matrix:\n"
            + "\n".join(" ".join(rng.choice("01") for _ in range(12)) for _ in range(4)),
            "scores: " + " ".join(str(rng.randint(10, 99)) for _ in range(14)),
            "retry on HTTP 408 425 429 500 502 503 504; give up on 400 401 403 404",
            f"SHA1 Fingerprint={fingerprint}",
            f"SNMP OID 1.3.6.1.4.1.{rng.randint(1, 60000)}.{rng.randint(1, 99)}.{rng.randint(1, 9)}",
            f"Amazon order {rng.randint(100, 999)}-{rng.randint(10**6, 10**7 - 1)}-{rng.randint(10**6, 10**7 - 1)} shipped",
            f"tweet id {rng.randint(10**18, 2 * 10**18)}, discord snowflake {rng.randint(10**17, 10**18)}",
            f"latency histogram (ms): {' '.join(f'{rng.random() * 100:.2f}' for _ in range(8))}",
            f'"semver": "^{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}", "range": "~{rng.randint(0, 9)}.{rng.randint(0, 9)}.0"',
            f"Windows build 10.0.{rng.randint(19000, 26000)}.{rng.randint(1000, 5000)}",
            f"task-{_hex(rng, 8)} queued, disk-usage at {rng.randint(1, 99)}%, sk-learn style API",
        ]
    )


_CLEAN_MAKERS: tuple[Callable[[random.Random], str], ...] = (
    _clean_prose,
    _clean_answer_list,
    _clean_code,
    _clean_tool_result,
    _clean_log,
    _clean_messages,
    _clean_math,
    _clean_ids,
    _clean_lookalikes,
)


def clean_texts(count: int = DEFAULT_COUNT) -> list[str]:
    """`count` LLM-trace texts without personal data or secrets, identical every call."""
    _reset_fakers()
    rng = random.Random(_seed("clean"))
    return [_CLEAN_MAKERS[index % len(_CLEAN_MAKERS)](rng) for index in range(count)]


# ------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Document:
    """A trace text of about 1-3 KB; `samples` are the labeled values placed in it."""

    text: str
    samples: tuple[Sample, ...]


def documents(
    count: int = 200, *, size: tuple[int, int] = (1000, 3000), personal_share: float = 0.2
) -> list[Document]:
    """Texts of `size` characters made of clean trace texts; `personal_share` of them also
    hold one or two labeled values (for benchmarks: mostly clean, as real traffic is)."""
    rng = random.Random(_seed("documents"))
    pool = clean_texts(max(count * 2, 64))
    positives = [sample for samples in labeled(40).values() for sample in samples]
    result = []
    for _ in range(count):
        target = rng.randint(*size)
        parts: list[str] = []
        while sum(map(len, parts)) < target:
            parts.append(rng.choice(pool))
        chosen: list[Sample] = []
        if rng.random() < personal_share:
            chosen = rng.sample(positives, rng.randint(1, 2))
            for sample in chosen:
                parts.insert(rng.randrange(len(parts) + 1), sample.text)
        result.append(Document("\n".join(parts), tuple(chosen)))
    return result


def iter_all(count: int = DEFAULT_COUNT) -> Iterator[Sample]:
    for samples in labeled(count).values():
        yield from samples
