"""Operators: what replaces a detected value (`replace`, `mask`, `redact`, keyed `hash`)."""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
import sys

import pytest

from otel_anonymizer import pii_anonymizer
from otel_anonymizer.operators import (
    MIN_HASH_KEY_BYTES,
    Hash,
    Mask,
    Redact,
    Replace,
    make_operator,
)

KEY = "k" * 32
OTHER_KEY = b"o" * 32


def test_replace_says_the_type_only() -> None:
    assert Replace().apply("jane@example.com", "EMAIL") == "[EMAIL]"
    assert Replace().apply("4111 1111 1111 1111", "CREDIT_CARD") == "[CREDIT_CARD]"


def test_redact_removes() -> None:
    assert Redact().apply("jane@example.com", "EMAIL") == ""


class TestMask:
    def test_keeps_the_last_characters(self) -> None:
        assert Mask(4).apply("4111111111111111", "CREDIT_CARD") == "************1111"
        assert Mask(2, "#").apply("+1 415 555 2671", "PHONE") == "#############71"

    def test_short_values_are_masked_entirely(self) -> None:
        """A value shorter than twice `keep` would show half of itself or more."""
        assert Mask(4).apply("1234567", "PHONE") == "*******"
        assert Mask(4).apply("12345678", "PHONE") == "****5678"
        assert Mask(4).apply("", "PHONE") == ""

    def test_keep_zero(self) -> None:
        assert Mask(0).apply("secret", "X") == "******"

    @pytest.mark.parametrize("label", ["PASSWORD", "SECRET", "OPENAI_API_KEY", "EMAIL", "X"])
    def test_secrets_and_other_values_are_masked_whole(self, label: str) -> None:
        """Found by review: the tail of a password or a key is part of the secret."""
        assert Mask(4).apply("correcthorsebattery", label) == "*" * 19

    def test_through_the_anonymizer(self) -> None:
        anonymizer = pii_anonymizer(operator="mask")
        text = "postgres://app:correcthorse@db/app card 4111 1111 1111 1111"
        assert anonymizer.anonymize_text(text) == (
            "postgres://app:************@db/app card ***************1111"
        )
        assert anonymizer.anonymize({"password": "correcthorsebattery"}) == {"password": "*" * 19}

    def test_bad_arguments(self) -> None:
        with pytest.raises(ValueError):
            Mask(-1)
        with pytest.raises(ValueError):
            Mask(4, "**")


class TestHash:
    def test_format_and_value(self) -> None:
        result = Hash(KEY).apply("jane@example.com", "EMAIL")
        assert re.fullmatch(r"\[EMAIL:[0-9a-f]{8}\]", result)
        expected = hmac.new(KEY.encode(), b"jane@example.com", hashlib.sha256).hexdigest()[:8]
        assert result == f"[EMAIL:{expected}]"

    def test_stable_across_instances_with_the_same_key(self) -> None:
        assert Hash(KEY).apply("jane@example.com", "EMAIL") == Hash(KEY.encode()).apply(
            "jane@example.com", "EMAIL"
        )

    def test_stable_across_processes(self) -> None:
        """The pseudonym depends on the key and the value only: another process (another
        machine with the same key) writes the same one, so traces stay correlatable."""
        code = (
            "from otel_anonymizer.operators import Hash;"
            f"print(Hash({KEY!r}).apply('jane@example.com', 'EMAIL'))"
        )
        other = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert other.stdout.strip() == Hash(KEY).apply("jane@example.com", "EMAIL")

    def test_another_key_gives_another_pseudonym(self) -> None:
        assert Hash(KEY).apply("jane@example.com", "EMAIL") != Hash(OTHER_KEY).apply(
            "jane@example.com", "EMAIL"
        )

    def test_different_values_differ(self) -> None:
        assert Hash(KEY).apply("jane@example.com", "EMAIL") != Hash(KEY).apply(
            "john@example.com", "EMAIL"
        )
        # Found by review: `06 12 34 56 78` is valid in France and in Germany (read first
        # in the default regions, as +49 6123 45678); `030 12345678` in Germany and the UK.
        pairs = [("+1 415-555-2671", "+1 415-555-2672"), ("12345", "12346")]
        pairs += [("06 12 34 56 78", "+49 6123 45678"), ("030 12345678", "+44 30 1234 5678")]
        for a, b in pairs:
            assert Hash(KEY).apply(a, "PHONE") != Hash(KEY).apply(b, "PHONE")

    @pytest.mark.parametrize(
        ("label", "a", "b"),
        [
            ("EMAIL", "Jane@X.com", "jane@x.com"),
            ("CREDIT_CARD", "4111 1111 1111 1111", "4111-1111-1111-1111"),
            ("PHONE", "(415) 555-2671", "415.555.2671"),
            ("PHONE", "(415) 555-2671", "+1 415-555-2671"),  # found by review
            ("PHONE", "001 415 555 2671", "+1 415 555 2671"),
            ("PHONE", "+44 20 7946 0958", "020 7946 0958"),
            ("PHONE", "0044 20 7946 0958", "+44 20 7946 0958"),
            (
                "CREDIT_CARD",
                "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11",
                "4111111111111111",
            ),
            ("SSN", "٥٣٦-٢٢-١٢٣٤", "536-22-1234"),
            ("SSN", "536-22-1234", "536 22 1234"),
            ("IBAN", "DE89 3704 0044 0532 0130 00", "de89370400440532013000"),
        ],
    )
    def test_normalization(self, label: str, a: str, b: str) -> None:
        """Writing variants of one value give one pseudonym."""
        assert Hash(KEY).apply(a, label) == Hash(KEY).apply(b, label)

    def test_other_labels_are_not_normalized(self) -> None:
        assert Hash(KEY).apply("Token", "SECRET") != Hash(KEY).apply("token", "SECRET")

    @pytest.mark.parametrize("key", [None, "", "short", b"x" * (MIN_HASH_KEY_BYTES - 1)])
    def test_refuses_a_short_key(self, key: str | bytes | None) -> None:
        with pytest.raises(ValueError) as error:
            Hash(key)
        message = str(error.value)
        assert "32 bytes" in message
        assert "OTEL_ANONYMIZER_HASH_KEY" in message
        assert "hash_key" in message

    def test_length(self) -> None:
        assert re.fullmatch(r"\[EMAIL:[0-9a-f]{16}\]", Hash(KEY, length=16).apply("x", "EMAIL"))
        with pytest.raises(ValueError):
            Hash(KEY, length=3)
        with pytest.raises(ValueError):
            Hash(KEY, length=65)

    def test_the_key_never_shows(self) -> None:
        operator = Hash("my-very-secret-key-0123456789abcdef")
        for text in (repr(operator), str(operator), f"{operator!r}"):
            assert "my-very-secret" not in text
        anonymizer = pii_anonymizer(operator="hash", hash_key="my-very-secret-key-0123456789abcdef")
        assert "my-very-secret" not in repr(anonymizer)
        assert "my-very-secret" not in repr(anonymizer.operator)


class TestMakeOperator:
    def test_names(self) -> None:
        assert isinstance(make_operator("replace"), Replace)
        assert isinstance(make_operator("redact"), Redact)
        assert isinstance(make_operator("mask", mask_keep=2), Mask)
        assert isinstance(make_operator("hash", hash_key=KEY), Hash)

    def test_unknown_lists_valid_ones(self) -> None:
        with pytest.raises(ValueError, match="replace, mask, redact, hash"):
            make_operator("encrypt")

    def test_hash_without_key_refuses_to_start(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            pii_anonymizer(operator="hash")
        with pytest.raises(ValueError, match="32 bytes"):
            pii_anonymizer(operators={"email": "hash"})


class TestThroughTheAnonymizer:
    TEXT = "Mail jane@example.com, card 4111 1111 1111 1111."

    def test_replace(self) -> None:
        assert pii_anonymizer().anonymize_text(self.TEXT) == "Mail [EMAIL], card [CREDIT_CARD]."

    def test_mask(self) -> None:
        assert (
            pii_anonymizer(operator="mask", mask_keep=4).anonymize_text(self.TEXT)
            == "Mail ****************, card ***************1111."
        )

    def test_redact(self) -> None:
        assert pii_anonymizer(operator="redact").anonymize_text(self.TEXT) == "Mail , card ."

    def test_hash_correlates(self) -> None:
        anonymizer = pii_anonymizer(operator="hash", hash_key=KEY)
        first = anonymizer.anonymize_text("from Jane@Example.com")
        second = anonymizer.anonymize_text("to jane@example.com")
        assert first.removeprefix("from ") == second.removeprefix("to ")
        assert "jane" not in first.lower()

    def test_per_detector_operators(self) -> None:
        anonymizer = pii_anonymizer(operators={"credit_card": "mask", "email": "redact"})
        assert anonymizer.anonymize_text(self.TEXT) == "Mail , card ***************1111."

    def test_per_detector_operator_names_are_checked(self) -> None:
        with pytest.raises(ValueError, match="unknown detector 'emails'"):
            pii_anonymizer(operators={"emails": "mask"})
