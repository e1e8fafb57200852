"""Built-in detectors of personal data.

All are `trusted`: their patterns are written to run in linear time (tested on
adversarial input), so they are not bounded by the scanner's timeout, which costs more
than the searches themselves. Numbers are found inside numeric runs (see `base`), with
stdlib patterns, which are cheaper to call on short runs than `regex` ones. All are
`joinable`: no anchors, and what they validate holds no NUL character.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache, partial

from otel_anonymizer.detectors import checks
from otel_anonymizer.detectors.base import Detector, not_after
from otel_anonymizer.detectors.words import GLUED_AFTER, WORD

#: Regions whose national number formats are recognized without a `+` prefix.
DEFAULT_PHONE_REGIONS = ("US", "CA", "GB", "DE", "FR")

EMAIL = Detector(
    "email",
    # Not starting at the `n` of an escaped line break (`\njane@...`). In the stdlib
    # engine: a search costs a quarter of what it costs in `regex`.
    re.compile(
        not_after(".%+-", word=True) + r"(?!(?<=\\)[nrt])"
        r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
        # Not going on into a word or a hyphenated name; `--` (a dash) may follow.
        rf"[A-Za-z]{{2,24}}(?!{GLUED_AFTER}|-(?!-))"
    ),
    checks.email,
    needles=("@",),
    reach=64,  # the longest local part
    extent="@[A-Za-z0-9.-]*",  # the domain
    lead="[A-Za-z0-9._%+-]",  # the local part
    cacheable_windows=True,  # `not_after` reads two characters back
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

#: Not inside a word, an id or a decimal number (`0.4111111111111111` is a float).
_NUMBER_START = not_after("-", word=True) + r"(?<!\d[.,])"
_NUMBER_END = rf"(?!{GLUED_AFTER}|-|[.,]\d)"

CREDIT_CARD = Detector(
    "credit_card",
    re.compile(_NUMBER_START + r"\d(?:[ -]?\d){11,18}" + rf"(?!{GLUED_AFTER}|[.,]\d)"),
    lru_cache(maxsize=4096)(checks.credit_card),  # a match is at most 37 characters
    numeric=True,
    skips_inert_runs=True,
    context_classes=True,
    min_digits=12,
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

US_SSN = Detector(
    "us_ssn",
    re.compile(_NUMBER_START + r"\d{3}(?:-\d{2}-|\ \d{2}\ )\d{4}" + _NUMBER_END),
    checks.us_ssn,
    label="SSN",
    numeric=True,
    skips_inert_runs=True,
    context_classes=True,
    min_digits=9,
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

#: Not a version: `v1.2.3.4`, `pkg==1.2.3.4`, `Chrome/120.0.0.0` (a product token).
IP_V4 = (
    not_after(".", word=True) + rf"(?<!{WORD}/)(?<![=<>!~]=)"
    # A sentence's final period may follow.
    rf"(?:\d{{1,3}}\.){{3}}\d{{1,3}}(?!{GLUED_AFTER}|\.\d|-{WORD})"
)


def _either_case(letters: Iterable[str]) -> str:
    return "".join(letter.upper() + letter.lower() for letter in letters)


#: Where an IBAN starts: a country's code in either case (`DE`, `de`, `De`), then the
#: check digits; one alternative per first letter (`[Dd][EeJjKkOo]`). Not `[A-Za-z]{2}`:
#: two lower-case letters start most words, and the passes would stop at most places.
#: Not after a letter or a digit (as the pattern), except the `n`, `r`, `t` of a JSON
#: escape (`\nde89...`): lower-case hex ids (`3f0ade42...`) and words (`float64`) hold
#: codes and digits, and each text where the shape occurs is searched in Python.
#: ASCII digits, not `\d`: without `_native`, the shape is then searched on a skeleton
#: of the text (`aa00`, see `base._ShapeSearch`), 100 times as fast as with its regex.
_IBAN_START = (
    "(?<![A-Za-mo-qsu-z0-9])(?:"
    + "|".join(
        f"[{_either_case(first)}][{_either_case(code[1] for code in codes)}]"
        for first, codes in itertools.groupby(sorted(checks.IBAN_LENGTHS), key=lambda c: c[0])
    )
    + ")[0-9][0-9]"
)

IBAN = Detector(
    "iban",
    # Tried only where `_IBAN_START` occurs (`reach=0`): any two letters do here. In
    # either case, and mixed (`gb29NWBK...`): the validator reads it in upper case.
    not_after("A-Za-z0-9")
    + r"[A-Za-z]{2}[0-9]{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,3})?)"
    r"(?![A-Za-z0-9])",
    checks.iban,
    shapes=(_IBAN_START,),
    reach=0,
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

IP_ADDRESS_V4 = Detector(
    "ipv4_address",
    re.compile(IP_V4),
    checks.ipv4,
    label="IP_ADDRESS",
    numeric=True,
    skips_inert_runs=True,
    context_classes=True,
    min_digits=4,
    run_filter=lambda run: run.count(".") >= 3,
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

#: Not after a colon inside an address (`db8:`), but after a label's (`MAC:00:1A:...`,
#: `src_ip:2001:db8::1`, `[IPv6:2001:db8::1]`): one after a word with a letter other
#: than a hex digit in its last five characters, more than an address's group holds.
_NOT_AFTER_GROUP = r"(?<!(?<![G-Zg-z_][0-9A-Fa-f]{0,4}):)"

IP_ADDRESS_V6 = Detector(
    "ipv6_address",
    not_after(".", word=True) + _NOT_AFTER_GROUP + r"(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%\w+(?:\.\w+)*)?" + rf"(?!{GLUED_AFTER}|:|\.\d)",  # zone index: `%eth0`, `%eth0.100`
    checks.ipv6,
    label="IP_ADDRESS",
    # `::`, or three groups (`:db8:85a3:`): clock times (`12:30:45`) have two. A valid
    # address holds one of them at most 9 characters in (`abcd:ef01::`).
    shapes=("::", r":[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:"),
    reach=9,
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

_HEX = "[0-9A-Fa-f]"
MAC_ADDRESS = Detector(
    "mac_address",
    not_after(".-", word=True)
    + _NOT_AFTER_GROUP
    + rf"(?:{_HEX}{{2}}([:-]){_HEX}{{2}}(?:\1{_HEX}{{2}}){{4}}"
    rf"|{_HEX}{{4}}\.{_HEX}{{4}}\.{_HEX}{{4}})(?!{GLUED_AFTER}|[:-]|\.{WORD})",
    # `:5e:f0:`, `-5E-F0-`, `.4567.89ab` (Cisco). Clock times (`12:30:45`) have one
    # group too few.
    shapes=(
        rf":{_HEX}{{2}}:{_HEX}{{2}}:",
        rf"-{_HEX}{{2}}-{_HEX}{{2}}-",
        rf"\.{_HEX}{{4}}\.{_HEX}{{4}}",
    ),
    trusted=True,
    joinable=True,
    quote_bounded=True,
)

#: International: `+44 ` or `0044 `, an optional `(0)` or `(415) `, then groups of digits
#: (bare digits too: `+442079460958`). National: an area code in parentheses or before a
#: slash (`(415) `, `030/`) then groups, or two or more groups separated by spaces or
#: dashes, or three or more by dots (two are a decimal: `0.8347`), but not a date shape
#: (`2024-05-01`, `05/01/2024`, `01.05.24`) that does not go on with the same separator
#: (`01.23.45.67.89` does). Groups are maximal runs of digits, so a number splits into
#: groups one way only (no backtracking blow-up).
#: A match of `_PHONE_PATTERN` has at most 11 characters other than digits (a `+`, two
#: parentheses, eight separators); a phone number has at most 15 digits.
_LONGEST_PHONE = 26
_PHONE_PATTERN = (
    # Not after `+` (a `+` starts a number), unless it is a form-encoded space
    # (`q=call+415-555-2671`: right after a letter or digit).
    not_after(".-", word=True) + r"(?<!(?<![A-Za-z0-9])\+)(?<!\d[:/])(?:"
    r"(?:\+|00)\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d+(?:[ .-]\d+){0,6}"
    r"|(?:\(\d{1,5}\)[ .-]?|0\d{1,4}/)\d+(?:[ .-]\d+){0,6}"
    r"|(?!\d{4}-\d\d?-\d\d?(?!\d|-\d)|\d{4}/\d\d?/\d\d?(?!\d|/\d)"
    r"|\d\d?\.\d\d?\.\d{2,4}(?!\d|\.\d)|\d\d?/\d\d?/\d{2,4}(?!\d|/\d)"
    r"|\d\d?-\d\d?-\d{4}(?!\d|-\d))"
    r"\d+(?:[ -]\d+(?:[ .-]\d+){0,5}|\.\d+(?:[ .-]\d+){1,5})"
    r")" + rf"(?!{GLUED_AFTER}|-(?!-)|[./]\d)"  # `--` (a dash) may follow
)


def phone(regions: Sequence[str] = DEFAULT_PHONE_REGIONS) -> Detector:
    """A phone detector recognizing national formats of `regions` (ISO 3166 codes)."""
    return Detector(
        "phone",
        re.compile(_PHONE_PATTERN),
        _PhoneCheck(tuple(region.upper() for region in regions)),
        numeric=True,
        skips_inert_runs=True,
        context_classes=True,
        min_digits=7,
        # Bare digits are a phone number only after `+` or `00` (an id, a size otherwise).
        run_filter=lambda run: not run.isdigit() or run.startswith("00"),
        trusted=True,
        joinable=True,
        quote_bounded=True,
    )


class _PhoneCheck:
    """The phone detector's validator. Numbering-plan checks cost tens of microseconds,
    and the same numbers recur in traces: answers are cached, for candidates short
    enough to be a number at all (a longer one holds more than 15 digits; kept, such
    candidates could fill the memory). `Scanner.clear_cache` calls `cache_clear`."""

    def __init__(self, regions: tuple[str, ...]) -> None:
        self._valid = partial(checks.phone_number, regions=regions)
        self._cached = lru_cache(maxsize=4096)(self._check)

    def __call__(self, text: str) -> bool:
        return len(text) <= _LONGEST_PHONE and self._cached(text)

    def cache_clear(self) -> None:
        self._cached.cache_clear()

    def _check(self, text: str) -> bool:
        digits = sum(char.isdigit() for char in text)
        return 7 <= digits <= 15 and checks.phone_layout(text) and self._valid(text)


PHONE = phone()

#: Where findings start at the same place, the detector listed first wins: the strict
#: shapes (an IPv4 address, a card) before the lenient phone numbers.
PERSONAL_DATA: tuple[Detector, ...] = (
    EMAIL,
    CREDIT_CARD,
    IBAN,
    US_SSN,
    IP_ADDRESS_V4,
    IP_ADDRESS_V6,
    MAC_ADDRESS,
    PHONE,
)
