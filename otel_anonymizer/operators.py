"""What replaces a detected value: `replace`, `mask`, `redact` or a keyed `hash`.

`hash` is a keyed pseudonym: HMAC-SHA256 of the (normalized) value under a secret key,
so the same email gives the same `[EMAIL:5f2c9a1b]` in every process and on every
machine that shares the key, and traces stay correlatable, but nobody without the key
can confirm a guess by hashing a dictionary of candidates.
"""

from __future__ import annotations

import abc
import hashlib
import hmac
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from otel_anonymizer.detectors import checks
from otel_anonymizer.detectors.pii import DEFAULT_PHONE_REGIONS

#: Shortest accepted HMAC key, in bytes (the collector's redaction processor asks the same
#: for HMAC-SHA256).
MIN_HASH_KEY_BYTES = 32
OPERATOR_NAMES = ("replace", "mask", "redact", "hash")

_DIGITS_ONLY = str.maketrans("", "", " -.()/")


def _ascii_digits(value: str) -> str:
    """`value` with the digits of every script (full-width, Arabic-Indic, ...) as ASCII."""
    if value.isascii():
        return value
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)


def _digits(value: str) -> str:
    """`value` without the separators people write in numbers, its digits as ASCII ones
    (full-width `4111 1111` and `4111-1111` alike)."""
    return _ascii_digits(value).translate(_DIGITS_ONLY)


@lru_cache(maxsize=4096)
def _phone(value: str) -> str:
    """A phone number as E.164 digits (`+1 415-555-2671`, `(415) 555-2671` and
    `001 415 555 2671` alike; national forms read in the one default region where they
    are valid), or its digits where none or several read it."""
    written = _ascii_digits(value)
    readings = (checks.e164(written, (region,)) for region in DEFAULT_PHONE_REGIONS)
    numbers = {number for number in readings if number is not None}
    if len(numbers) == 1:  # valid in one region only (`06 12 34 56 78` is French and German)
        return numbers.pop()
    digits = _digits(value)
    return "+" + digits[2:] if digits.startswith("00") else digits


#: Writing variants of one value that should give one pseudonym.
_NORMALIZE: dict[str, Callable[[str], str]] = {
    "EMAIL": str.lower,
    "CREDIT_CARD": _digits,
    "PHONE": _phone,
    "SSN": _digits,
    "IBAN": lambda value: value.replace(" ", "").upper(),
}


class Operator(abc.ABC):
    """Turns a detected value of type `label` into what is exported instead."""

    name: str

    @abc.abstractmethod
    def apply(self, value: str, label: str) -> str:
        """The replacement for `value`."""


class Replace(Operator):
    """`[LABEL]`: says what was there, nothing of its value."""

    name = "replace"

    def apply(self, value: str, label: str) -> str:
        return f"[{label}]"


class Redact(Operator):
    """Removes the value."""

    name = "redact"

    def apply(self, value: str, label: str) -> str:
        return ""


#: The labels whose last characters `mask` keeps: numbers shown truncated by convention
#: (receipts, bank statements). Everything else, secrets first, is masked whole.
TRUNCATED_LABELS = frozenset({"CREDIT_CARD", "PHONE", "SSN", "IBAN"})


class Mask(Operator):
    """Masks all but the last `keep` characters of numbers (`************1111`), those
    found under `labels`; other values, secrets and addresses among them, whole
    (`***********`): the tail of a password or a key is part of the secret.

    Values shorter than twice `keep` are masked entirely, so that little of a short
    value is ever shown.
    """

    name = "mask"

    def __init__(
        self, keep: int = 4, char: str = "*", labels: frozenset[str] = TRUNCATED_LABELS
    ) -> None:
        if keep < 0 or len(char) != 1:
            raise ValueError("mask needs keep >= 0 and a single mask character")
        self.keep = keep
        self.char = char
        self.labels = labels

    def apply(self, value: str, label: str) -> str:
        if self.keep == 0 or len(value) < 2 * self.keep or label not in self.labels:
            return self.char * len(value)
        return self.char * (len(value) - self.keep) + value[-self.keep :]


class Hash(Operator):
    """`[LABEL:<hex>]`, the first `length` hex digits of HMAC-SHA256(key, value)."""

    name = "hash"

    def __init__(self, key: bytes | str | None, length: int = 8) -> None:
        raw = key.encode() if isinstance(key, str) else key
        if not raw or len(raw) < MIN_HASH_KEY_BYTES:
            got = 0 if not raw else len(raw)
            raise ValueError(
                f"the hash operator needs a secret key of at least {MIN_HASH_KEY_BYTES} bytes "
                f"(got {got}); set OTEL_ANONYMIZER_HASH_KEY (e.g. from `openssl rand -hex 32`) "
                "or pass hash_key="
            )
        if not 4 <= length <= 64:
            raise ValueError(f"hash length must be between 4 and 64 hex digits, got {length}")
        self._key = raw
        self.length = length

    def apply(self, value: str, label: str) -> str:
        normalized = _NORMALIZE.get(label, _identity)(value)
        digest = hmac.new(self._key, normalized.encode(), hashlib.sha256).hexdigest()
        return f"[{label}:{digest[: self.length]}]"

    def __repr__(self) -> str:  # never show the key
        return f"Hash(length={self.length})"


def _identity(value: str) -> str:
    return value


def make_operator(
    name: str, *, hash_key: bytes | str | None = None, mask_keep: int = 4, hash_length: int = 8
) -> Operator:
    """The operator called `name`; raises `ValueError` naming the valid choices."""
    if name == "replace":
        return Replace()
    if name == "redact":
        return Redact()
    if name == "mask":
        return Mask(mask_keep)
    if name == "hash":
        return Hash(hash_key, hash_length)
    raise ValueError(f"unknown operator {name!r}; valid operators: {', '.join(OPERATOR_NAMES)}")
