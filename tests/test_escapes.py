"""Percent-encoded values: the decoded view (`detectors.escapes`) and what the scanner
finds through it. Found by review: `url.full` attributes with `email=jane%40...` or
`phone=%2B1415...` went out raw."""

from __future__ import annotations

import random
import urllib.parse

import pytest

from otel_anonymizer import Detector, pii_anonymizer
from otel_anonymizer.detectors import Scanner, select
from otel_anonymizer.detectors.escapes import decoded
from otel_anonymizer.sanitizer import Entry, Sanitizer

DEFAULT = Scanner(select("default"))
#: 4111 1111 1111 1111 in Arabic-Indic digits, its groups joined by `+`.
ARABIC_CARD = "+".join(["\u0664\u0661\u0661\u0661"] + ["\u0661" * 4] * 3)


def found(text: str, scanner: Scanner = DEFAULT) -> list[tuple[str, str]]:
    return [(f.detector.name, text[f.start : f.end]) for f in scanner.scan(text)]


def view(text: str) -> str:
    """The text of the only decoded view of `text`."""
    [only] = decoded(text)
    return only.text


class TestDecodedView:
    def test_no_escapes_no_view(self) -> None:
        assert decoded("100% sure, 50%-off, %zz, %4, a+b = c + d") == []

    def test_positions_map_back_exactly(self) -> None:
        text = "q=a%20b%40c.org&x=1%2B2&n=caf%C3%A9+ok"
        plus, spaced = decoded(text)
        assert plus.text == "q=a b@c.org&x=1+2&n=café+ok"
        assert spaced.text == "q=a b@c.org&x=1 2&n=café ok"  # `+` from `%2B`: a space too
        for reading, unquote in ((plus, urllib.parse.unquote), (spaced, None)):
            for start in range(len(reading.text)):
                for end in range(start + 1, len(reading.text) + 1):
                    begin, stop = reading.span(start, end)
                    if unquote is not None:
                        assert unquote(text[begin:stop]) == reading.text[start:end]
                    assert len(text[begin:stop]) >= end - start

    def test_a_character_of_several_bytes_maps_to_its_escapes(self) -> None:
        [only] = decoded("caf%C3%A9%40x.org ok")
        assert only.text == "café@x.org ok"
        assert only.span(3, 4) == (3, 9)  # `é`
        assert only.span(4, 5) == (9, 12)  # `@`
        assert only.span(11, 13) == (18, 20)

    def test_bytes_that_are_not_utf8_read_as_replacement_characters(self) -> None:
        assert view("a%FFb%C3") == "a\ufffdb\ufffd"
        # Found by review: the byte that ends an invalid sequence starts the next one.
        for text, char in (("%E6%C3%A9", "\u00e9"), ("%E6%E6%88%91", "\u6211")):
            [only] = decoded(text)
            index = only.text.index(char)
            begin, stop = only.span(index, index + 1)
            assert urllib.parse.unquote(text[begin:stop]) == char

    def test_plus_is_read_both_ways_in_form_fields(self) -> None:
        assert [v.text for v in decoded("card=4111+1111+1111+1111&x=%2B1")] == [
            "card=4111+1111+1111+1111&x=+1",
            "card=4111 1111 1111 1111&x= 1",
        ]
        assert decoded("a+b 1+1") == []  # no field: `+` is a plus
        assert [v.text for v in decoded("1+1=2 in prose: a+b")] == ["1 1=2 in prose: a+b"]

    def test_decoded_again_up_to_three_times(self) -> None:
        assert view("a%252540b") == "a@b"
        [only] = decoded("a%25252540b")
        assert only.text == "a%40b"
        assert only.span(1, 4) == (1, 10)

    def test_random_texts_decode_like_the_standard_library(self) -> None:
        rng = random.Random(4)
        alphabet = ["%", "%4", "%40", "%2B", "%25", "%C3%A9", "%e2%82%ac", "a", " ", "@", "7"]
        for _ in range(3000):
            text = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
            views = decoded(text)
            expected = text
            for _ in range(3):
                expected = urllib.parse.unquote(expected, errors="replace")
            assert (views[0].text if views else text) == expected, text
            for reading in views:
                for start in range(len(reading.text)):
                    begin, stop = reading.span(start, start + 1)
                    assert 0 <= begin < stop <= len(text)


class TestFoundThroughTheView:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("/v1/users?email=jane.doe%40example.com", ("email", "jane.doe%40example.com")),
            ("/lookup?phone=%2B14155552671", ("phone", "%2B14155552671")),
            ("q=my%20card%204111111111111111", ("credit_card", "4111111111111111")),
            ("q=my%20ssn%20is%20536-90-4399&x=1", ("us_ssn", "536-90-4399")),
            ("q=4111%201111%201111%201111", ("credit_card", "4111%201111%201111%201111")),
            ("next=%3Fe%3Djane.doe%2540example.com", ("email", "jane.doe%2540example.com")),
            ("caf%C3%A9%20jane%40example.com", ("email", "jane%40example.com")),
        ],
    )
    def test_values_behind_escapes(self, text: str, expected: tuple[str, str]) -> None:
        assert found(text) == [expected]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("card=4111+1111+1111+1111&x=1", ("credit_card", "4111+1111+1111+1111")),
            ("iban=DE89+3704+0044+0532+0130+00", ("iban", "DE89+3704+0044+0532+0130+00")),
            ("ssn=536+90+4399", ("us_ssn", "536+90+4399")),
            # Found by review: the mark was ASCII digits only.
            (f"card={ARABIC_CARD}", ("credit_card", ARABIC_CARD)),
            # Read with `+` as a plus, the words before are a local part: replaced too
            # (a form's `+` may be a plus: `email=jane.doe+work%40example.com`).
            (
                "msg=write+to+me+at+jane.doe%40example.com",
                ("email", "write+to+me+at+jane.doe%40example.com"),
            ),
        ],
    )
    def test_form_fields_with_plus_for_spaces(self, text: str, expected: tuple[str, str]) -> None:
        """Found by review: `urlencode` writes spaces as `+`."""
        assert found(text) == [expected]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("pay?iban%3DDE89 3704 0044 0532 0130 00", ("iban", "DE89 3704 0044 0532 0130 00")),
            ("call %2B1 (415) 555-2671 today", ("phone", "%2B1 (415) 555-2671")),
        ],
    )
    def test_a_decoded_value_replaces_the_part_the_text_holds(
        self, text: str, expected: tuple[str, str]
    ) -> None:
        """Found by review: the text alone holds a phone number's shape at the value's
        end; the value found decoded, which holds it, wins."""
        assert found(text) == [expected]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("q=%22DE89 3704 0044 0532 0130 00 12", "q=%22[IBAN][PHONE]"),
            ("q=%22219 09 9998 1234", "q=%22[SSN][PHONE]"),
        ],
    )
    def test_a_decoded_value_that_ends_inside_a_finding_of_the_text(
        self, text: str, expected: str
    ) -> None:
        """Found by review: the text alone reads a phone number from the value's tail
        on; the value found decoded was dropped and its head went out raw."""
        assert pii_anonymizer().anonymize_text(text) == expected

    def test_encoded_text_before_a_value_stays(self) -> None:
        """Found by review: a value after escapes of several bytes per character took
        their whole run."""
        text = "q=" + urllib.parse.quote("我的电话\uff1a+1 415 555 2671 谢谢")
        out = urllib.parse.unquote(pii_anonymizer().anonymize_text(text))
        assert out == "q=我的电话\uff1a[PHONE] 谢谢"

    def test_deep_encoding_is_neither_a_crash_nor_slow(self) -> None:
        """Found by review: each level of encoding scanned the view of the last one,
        recursively: `%25` repeated 600 times overflowed the stack."""
        text = "next=%" + "25" * 600 + "40 jane@example.com"
        assert found(text) == [("email", "jane@example.com")]
        assert found("a=jane%252540example.com") == [("email", "jane%252540example.com")]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            # Found by review: browsers write `%20` for spaces and keep a `+` as is.
            ("?q=call%20me%20at%20+44%2020%207946%200958", ("phone", "+44%2020%207946%200958")),
            ("phone=+49%2030%20123456", ("phone", "+49%2030%20123456")),
            # A form query carried in a parameter: its `+` decoded from `%2B` is a space.
            ("return_to=%2Fcheckout%3Fcard%3D4111%2B1111%2B1111%2B1111",
             ("credit_card", "4111%2B1111%2B1111%2B1111")),
        ],
    )  # fmt: skip
    def test_plus_is_read_as_a_plus_too(self, text: str, expected: tuple[str, str]) -> None:
        assert found(text) == [expected]

    def test_joined_texts_do_not_share_form_fields(self) -> None:
        """Found by review: joined by NUL for `scan_many`, an `=` in one text made the
        next text's `+` a space."""
        texts = ["lang=en", "+44%2020%207946%200958", "1+415+555+2671"]
        joined = DEFAULT.scan_many(texts)
        alone = {i: DEFAULT.scan(text) for i, text in enumerate(texts) if DEFAULT.scan(text)}
        assert {i: [(f.start, f.end) for f in fs] for i, fs in joined.items()} == {
            i: [(f.start, f.end) for f in fs] for i, fs in alone.items()
        }

    def test_a_form_encoded_space_before_a_phone_number(self) -> None:
        assert found("q=call+415-555-2671") == [("phone", "415-555-2671")]
        assert found("+44 20 7946 0958") == [("phone", "+44 20 7946 0958")]  # still a prefix

    def test_what_the_text_itself_holds_wins(self) -> None:
        """In `user:%25Ho%230@db.example.com` the password holds escapes: decoded, its
        tail and the host read as an address, which must not widen the password."""
        text = "postgres://app:%25HoD%230To@db-3.internal.example.com:5432/x"
        assert found(text) == [("url_password", "%25HoD%230To")]

    def test_escapes_in_clean_text_find_nothing(self) -> None:
        for text in ("100%25 sure", "a%20b%20c", "path/%7Euser/x%2Fy", "%E2%82%AC 12.50"):
            assert found(text) == []

    def test_user_detectors_see_the_view_too(self) -> None:
        login = Detector("acme_login", r"[a-z]+@acme\.io", needles=("@acme",))
        assert found("u=bob%40acme.io", Scanner([login])) == [("acme_login", "bob%40acme.io")]

    def test_url_attributes_are_anonymized(self) -> None:
        sanitizer = Sanitizer([pii_anonymizer()])
        url = "https://api.example.com/v1/users?email=jane.doe%40example.com&p=%2B14155552671"
        out = sanitizer.sanitize([Entry("url.full", url)], "span")[0]
        assert out == "https://api.example.com/v1/users?email=[EMAIL]&p=[PHONE]"
