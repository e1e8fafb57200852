"""The fast paths: values the detectors find clean skip parsing and walking, and the
others are rewritten in place where they can be.

`PIIAnonymizer.screen` lets the Sanitizer export a value untouched without decoding its
JSON and walking it, and `PIIAnonymizer.rewrite` replaces what it finds in texts and in
the string values of JSON text without parsing them into structures. That must never
change the result: for every value of the labeled and clean corpora, as plain text, as
JSON, as JSON inside JSON and under sensitive and ordinary keys, the fast paths give
what the full walk gives (JSON text rewritten in place keeps its formatting, so JSON is
compared parsed).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from corpus import clean_texts, labeled

from otel_anonymizer import Detector, Entry, PIIAnonymizer, Sanitizer, pii_anonymizer
from otel_anonymizer.anonymizer.base import WALK
from otel_anonymizer.jsontext import decode
from otel_anonymizer.pii import REDACTIONS


class AlwaysWalk(PIIAnonymizer):
    """The same anonymizer with the fast paths switched off."""

    def may_change(self, value: Any, name: str) -> bool:
        return True

    def screen(self, items: Sequence[tuple[Any, str]]) -> list[bool]:
        return [True] * len(items)

    def rewrite(self, items: Sequence[tuple[Any, str]]) -> list[Any]:
        return [WALK] * len(items)


def slow_copy(fast: PIIAnonymizer) -> AlwaysWalk:
    slow = AlwaysWalk.__new__(AlwaysWalk)
    slow.__dict__.update(fast.__dict__)
    return slow


def shapes(text: str) -> list[tuple[str, Any]]:
    message = [{"role": "user", "parts": [{"type": "text", "content": text}]}]
    nested = {"tool": "lookup", "result": json.dumps({"note": text, "n": 1})}
    return [
        ("gen_ai.input.messages", json.dumps(message)),
        ("gen_ai.input.messages", json.dumps(message, indent=2)),
        ("input.value", text),
        ("gen_ai.tool.call.result", json.dumps(nested)),
        ("mlflow.spanInputs", json.dumps(json.dumps({"q": text}))),
        ("http.request.header.authorization", text),
        ("note", text.splitlines()[0] if text else text),
        ("user.emails", (text[:40], "x")),
    ]


#: Personal data of every built-in kind, to glue to other pieces in random texts.
VALUES = [
    "4111111111111111",
    "4111 1111 1111 1111",
    "123-45-6789",
    "+1 415 555 2671",
    "jane.roe@example.org",
    "192.168.1.20",
    "DE89370400440532013000",
]


def parsed(values: list[Any]) -> list[Any]:
    """The values with JSON text parsed (and JSON inside it): what a backend reads."""
    return [decode(value)[0] for value in values]


def texts() -> list[str]:
    samples = [sample.text for kind in labeled(40).values() for sample in kind]
    return samples + clean_texts(200)


@pytest.fixture(scope="module")
def anonymizers() -> tuple[PIIAnonymizer, AlwaysWalk]:
    fast = pii_anonymizer()
    return fast, slow_copy(fast)


def test_fast_path_gives_what_the_full_walk_gives(
    anonymizers: tuple[PIIAnonymizer, AlwaysWalk],
) -> None:
    fast, slow = anonymizers
    skipped = 0
    for text in texts():
        entries = [Entry(key, value) for key, value in shapes(text)]
        expected = Sanitizer([slow]).sanitize(entries, "span")
        assert parsed(Sanitizer([fast]).sanitize(entries, "span")) == parsed(expected), text
        skipped += sum(not fast.may_change(entry.value, entry.key) for entry in entries)
    assert skipped > 1000  # the fast path is actually taken


def test_sensitive_keys_inside_json_are_not_skipped(
    anonymizers: tuple[PIIAnonymizer, AlwaysWalk],
) -> None:
    fast, _ = anonymizers
    inner = json.dumps({"password": "hunter2", "user": "bob"})
    assert fast.may_change(json.dumps({"login": {"password": "hunter2"}}), "input.value")
    assert fast.may_change(json.dumps({"args": inner}), "input.value")
    assert not fast.may_change(json.dumps({"args": {"user": "bob"}}), "input.value")
    long_key = "x" * 300 + "_password"
    assert fast.may_change(json.dumps({long_key: "hunter2"}), "input.value")
    [result] = Sanitizer([fast]).sanitize([Entry("input.value", json.dumps({"a": inner}))], "span")
    assert json.loads(json.loads(result)["a"]) == {"password": "[SECRET]", "user": "bob"}


def test_escapes_do_not_hide_values_from_the_screen(
    anonymizers: tuple[PIIAnonymizer, AlwaysWalk],
) -> None:
    fast, _ = anonymizers
    for text in (
        "Call me:\n+1 415 555 2671",
        "tab\tjane.roe@example.org",
        'say "4111111111111111"',
    ):
        assert fast.may_change(json.dumps({"content": text}), "input.value"), text


def test_escapes_next_to_values_do_not_hide_them(
    anonymizers: tuple[PIIAnonymizer, AlwaysWalk],
) -> None:
    """Found leaking once: the screen read `\\n` as a space, which joined a card and the
    next line's number into one longer, invalid number, and `\\u0040` as a space, which
    hid an email. The screen now scans the unescaped text, and the raw one."""
    fast, slow = anonymizers
    values = [
        json.dumps({"note": "card 4111111111111111\n2 items"}),
        json.dumps({"note": "card 4111111111111111\t2 items"}),
        '{"note": "mail jane\\u0040example.com now"}',
        '{"note": "card \\u0034111111111111111"}',
        "plain text, card 4111111111111111\\n2 items",  # not JSON: scanned as it is
        "[1, 2] and a literal \\n then jane@example.com",
    ]
    for value in values:
        entries = [Entry("input.value", value)]
        expected = Sanitizer([slow]).sanitize(entries, "span")
        assert expected != [value], value  # each holds something to replace
        assert parsed(Sanitizer([fast]).sanitize(entries, "span")) == parsed(expected), value


def test_random_escapes_around_values(anonymizers: tuple[PIIAnonymizer, AlwaysWalk]) -> None:
    """Values and numbers glued to escaped characters in every JSON spelling: the fast
    path gives what the full walk gives."""
    fast, slow = anonymizers
    rng = random.Random(17)
    pieces = [
        *VALUES,
        "2",
        "12",
        "\n",
        "\t",
        '"',
        "/",
        "é",
        "٣",
        "😀",
        " ",
        "-",
        "x",
        "\\",
    ]
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choices(pieces, k=rng.randint(1, 6)))
        for value in (
            json.dumps({"content": text}),
            json.dumps({"content": text}, ensure_ascii=False),
            json.dumps([text]).replace("@", "\\u0040").replace("1", "\\u0031"),
            json.dumps(json.dumps({"q": text})),
            text,
        ):
            entries = [Entry("input.value", value)]
            expected = Sanitizer([slow]).sanitize(entries, "span")
            assert parsed(Sanitizer([fast]).sanitize(entries, "span")) == parsed(expected), value
            checked += expected != [value]
    assert checked > 1000


def test_keys_holding_quotes_and_escapes(anonymizers: tuple[PIIAnonymizer, AlwaysWalk]) -> None:
    """Found leaking once: the screen read a key from its last quote, so `api"key`
    (written `api\\"key` or `api\\u0022key`) was read as `key` and the value under it
    went out unwalked. Keys made of words, quotes and escapes, at the top level and in
    JSON inside JSON: the fast path gives what the full walk gives."""
    fast, slow = anonymizers
    rng = random.Random(29)
    pieces = ["api", "key", "password", "my", "token", "_", " ", '"', "\\", "é", "\n", "x"]
    leaks_found_by_walk = 0
    for _ in range(1500):
        key = "".join(rng.choices(pieces, k=rng.randint(1, 5)))
        document = {"note": "hello", key: "hunter2", "n": 1}
        for value in (
            json.dumps(document),
            json.dumps(document, ensure_ascii=False),
            json.dumps(document).replace('\\"', "\\u0022"),
            json.dumps({"args": json.dumps(document)}),
        ):
            entries = [Entry("input.value", value)]
            expected = Sanitizer([slow]).sanitize(entries, "span")
            assert parsed(Sanitizer([fast]).sanitize(entries, "span")) == parsed(expected), value
            leaks_found_by_walk += "hunter2" not in expected[0]
    assert leaks_found_by_walk > 1000


def random_json_value(rng: random.Random, depth: int) -> Any:
    words = ["hello", "jane.roe@example.org", "4111 1111 1111 1111", "+1 415 555 2671"]
    words += ["123-45-6789", "2025-03-14", "v2.4.1", "[1, 2]", " [4111111111111111]", "{}"]
    words += ["é", "\n", '"', "x"]
    choice = rng.randrange(10 if depth < 12 else 7)
    if choice < 4:
        return " ".join(rng.choices(words, k=rng.randint(0, 4)))
    if choice == 4:
        return rng.choice([0, 7, 999999, 1000000, 4111111111111111, -4155552671, 1.5, 1e21])
    if choice == 5:
        return rng.choice([True, False, None])
    if choice == 6:
        return json.dumps(random_json_value(rng, depth + 1))
    keys = ["role", "content", "note", "password", "api_key", "jane@example.org", "n"]
    if choice < 9:
        return {
            rng.choice(keys): random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))
        }
    return [random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def test_rewriting_in_place_gives_what_the_walk_gives(
    anonymizers: tuple[PIIAnonymizer, AlwaysWalk],
) -> None:
    """Random JSON documents (secrets under sensitive keys, numbers, JSON inside
    strings, nesting past `max_depth`), in several spellings, truncated too, next to
    plain text: rewritten in place or walked, each comes out as the walk makes it, with
    the same redactions counted."""
    fast, slow = anonymizers
    rng = random.Random(41)
    rewritten = 0
    for _ in range(1500):
        document = [random_json_value(rng, 2) for _ in range(rng.randint(1, 3))]
        text = json.dumps(document, indent=rng.choice([None, 2]))
        nested: Any = [random_json_value(rng, 12), "jane.roe@example.org"]
        for _ in range(rng.randint(5, 10)):
            nested = [nested] if rng.random() < 0.5 else {"content": nested}
        values = [
            text,
            json.dumps(document, ensure_ascii=False, separators=(",", ":")),
            text[: len(text) * 2 // 3],
            " ".join(str(random_json_value(rng, 11)) for _ in range(3)),
            json.dumps(nested),
        ]
        entries = [Entry(key, value) for key in ("input.value", "app.password") for value in values]
        before = REDACTIONS.snapshot()
        expected = Sanitizer([slow]).sanitize(entries, "span")
        middle = REDACTIONS.snapshot()
        result = Sanitizer([fast]).sanitize(entries, "span")
        after = REDACTIONS.snapshot()
        assert parsed(result) == parsed(expected), values
        assert Counter(after) - Counter(middle) == Counter(middle) - Counter(before), values
        rewritten += sum(
            answer is not WALK and answer != entry.value
            for answer, entry in zip(
                fast.rewrite([(entry.value, entry.key) for entry in entries]), entries, strict=True
            )
        )
    assert rewritten > 1000  # the in-place path is actually taken


def test_integers_in_compact_json_lists(anonymizers: tuple[PIIAnonymizer, AlwaysWalk]) -> None:
    """Found leaking once, by the test above: in `[4111111111111111,1000000]` the scan
    of the text reads a decimal number (a comma then a digit), while the walk checks
    each integer alone and finds a card. Integers where a comma touches a digit are now
    checked as the walk checks them."""
    fast, slow = anonymizers
    for value in (
        "[4111111111111111,1000000]",
        "[1000000,4111111111111111]",
        '{"a":[1,4111111111111111,2]}',
        "[0.5,4111111111111111]",
    ):
        entries = [Entry("input.value", value)]
        expected = Sanitizer([slow]).sanitize(entries, "span")
        assert "4111111111111111" not in expected[0]
        assert parsed(Sanitizer([fast]).sanitize(entries, "span")) == parsed(expected), value
    assert not fast.may_change("[1000000,2000000,3]", "input.value")


def test_an_integer_found_is_counted_once(anonymizers: tuple[PIIAnonymizer, AlwaysWalk]) -> None:
    fast, _ = anonymizers
    before = REDACTIONS.snapshot()
    [result] = Sanitizer([fast]).sanitize([Entry("app.card", 4111111111111111)], "span")
    assert result == "[CREDIT_CARD]"
    assert REDACTIONS.snapshot()["credit_card"] == before.get("credit_card", 0) + 1


def test_replacements_are_escaped_inside_json_strings() -> None:
    """A label with a quote or a backslash, written into JSON text in place."""
    value = json.dumps({"note": "see TICKET-1234 from jane.roe@example.org"})
    for bounded in (True, False):  # rewritten in place, or walked and encoded again
        odd = Detector(
            "ticket", r"TICKET-\d{4}", label='T"\\K', needles=("TICKET-",), quote_bounded=bounded
        )
        anonymizer = pii_anonymizer("email", custom_detectors=[odd])
        [result] = Sanitizer([anonymizer]).sanitize([Entry("input.value", value)], "span")
        assert json.loads(result) == {"note": 'see [T"\\K] from [EMAIL]'}
        assert result.startswith('{"note": ') == bounded  # in place, the formatting stays


def test_text_that_only_looks_like_json_under_a_sensitive_key() -> None:
    """A password that starts like JSON but does not parse is text to the walk: alone in
    its field it was passed as text, its key unseen. It is replaced whole now."""
    for key in ("password", "api_key"):
        entry = Entry(key, "[hunter2", mapped=False, default_field="input")
        assert Sanitizer([pii_anonymizer()]).sanitize([entry], "span") == ["[SECRET]"]
    [result] = Sanitizer([pii_anonymizer()]).sanitize(
        [Entry("password", '{"a": "b"}', mapped=False, default_field="input")], "span"
    )
    assert json.loads(result) == {"a": "[SECRET]"}  # JSON is replaced leaf by leaf


def test_user_detectors_that_read_quotes_see_what_the_walk_sees() -> None:
    """Found by review (the screen had it too): a user pattern that tells a quote from
    the end of a text (`(?<!\\S)`) finds nothing in the JSON text, and the value went out
    as it was, while the walk, reading the string alone, finds it. JSON text where such
    a detector could match now takes the walk."""
    cases = [
        (Detector("employee_id", r"(?<!\S)E\d{5}(?!\S)"), '{"user": "E12345"}'),
        (Detector("word", r'(?<!")secret[a-z]*', needles=("secret",)), '["x\\n", "secretsauce-"]'),
        (Detector("word", r'(?<!")secret[a-z]*', needles=("secret",)), '["secretsauce"]'),
    ]
    for detector, value in cases:
        fast = pii_anonymizer("email", custom_detectors=[detector])
        slow = slow_copy(fast)
        entries = [Entry("input.value", value)]
        expected = Sanitizer([slow]).sanitize(entries, "span")
        assert expected != [value]
        assert parsed(Sanitizer([fast]).sanitize(entries, "span")) == parsed(expected), value


@pytest.mark.parametrize("chain", [1, 2])
def test_a_json_string_under_a_sensitive_key_is_replaced(chain: int) -> None:
    """Found by review: a JSON string (`"hunter2"`, quotes included) under `password`
    took the walk without the other entries of its field, which alone in the field was
    passed as bare text, its key unseen. The rewrite replaces it, and a field is passed
    as text only when the object has nothing else in it."""
    entries = [
        Entry("password", '"hunter2"', default_field="input"),
        Entry("note", "hello", default_field="input"),
    ]
    anonymizers = [pii_anonymizer() for _ in range(chain)]
    assert Sanitizer(anonymizers).sanitize(entries, "span") == ['"[SECRET]"', "hello"]


@pytest.mark.skipif(pii_anonymizer().text_screen() is None, reason="the C extension is not built")
def test_the_text_screen_passes_only_what_rewrite_leaves() -> None:
    """`PIIAnonymizer.text_screen()` lets the gateway pass texts by in C: each text it
    calls clean must be one `rewrite` returns as it is, before and after the caches
    fill; and it must pass most clean texts."""
    rng = random.Random(41)
    pieces = [
        *VALUES,
        "2024-03-14",
        "2.4.1",
        "sk-",
        "k-means",
        "https://x.org",
        '{"a": ',
        '{"password": ',
        "[1,",
        '"',
        "}",
        "\\n",
        "\\u0040",
        "\n",
        "é",
        "٣",
        "我",
        "메",
        " ",
        "word",
    ]
    anonymizer = pii_anonymizer()
    screen = anonymizer.text_screen()
    passed = 0
    for _ in range(4000):
        text = "".join(rng.choices(pieces, k=rng.randint(1, 8)))
        for value in (text, json.dumps({"content": text}), json.dumps([text, 1])):
            for _ in range(2):  # cold, then with the caches filled by rewrite
                clean = screen.clean(value)
                assert not clean or anonymizer.rewrite([(value, "input.value")])[0] is value, value
                passed += clean
    assert passed > 2000
    for text in clean_texts(100):
        assert screen.clean(text) or anonymizer.rewrite([(text, "input.value")])[0] is not text
    # A needle of a detector that reads quotes (the private key's) sends JSON to the walk,
    # also where that detector then finds nothing.
    pem = json.dumps({"note": "-----BEGIN nothing here"})
    assert anonymizer.rewrite([(pem, "input.value")])[0] is WALK
    assert not screen.clean(pem)


@pytest.mark.skipif(pii_anonymizer().text_screen() is None, reason="the C extension is not built")
def test_the_text_screen_remembers_clean_texts_only_by_all_their_characters() -> None:
    """Long texts found clean twice are remembered (system prompts and tool definitions
    come in every request), in slots chosen by their length and 32 bytes at the start,
    middle and end. A text that differs from a remembered one only elsewhere lands in
    the same slot and must still be screened: here each dirty text is a clean one with
    personal data written over other characters."""
    screen = pii_anonymizer().text_screen()
    rng = random.Random(7)
    words = ["the", "customer", "asked", "about", "order", "status", "refund", "é", "日本"]
    for length in (256, 257, 300, 1000, 5000):
        for _ in range(40):
            text = " ".join(rng.choices(words, k=length))[:length]
            assert screen.clean(text) and screen.clean(text)  # found clean twice: remembered
            for value in (VALUES[0], VALUES[1], VALUES[3], VALUES[4]):
                at = rng.randrange(40, length - 40 - len(value))
                if abs(at - length // 2) < 16 + len(value):
                    continue  # in the sampled middle: another slot, not the case here
                dirty = text[: at - 1] + " " + value + " " + text[at + len(value) + 1 :]
                assert len(dirty) == length
                assert not screen.clean(dirty), (length, at, value)
                assert screen.clean(text)
    # Texts of one length in two kinds of characters; then the same after `forget`.
    text = "a safe sentence, " * 20
    wide = text[:-1] + "日"
    assert screen.clean(text) and screen.clean(wide)
    assert not screen.clean(wide[:100] + " jane.roe@example.org " + wide[122:])
    screen.forget()
    assert screen.clean(text) and not screen.clean(
        text[:100] + " jane.roe@example.org " + text[122:]
    )


def test_text_that_only_looks_like_json() -> None:
    """JSON text without escapes that does not parse is rewritten in place without
    asking `json.loads` where that cannot change the result: each of these must still
    give what the walk gives (which scans them as text)."""
    values = [
        '{"a": "jane.roe@example.org"',
        '["jane.roe@example.org", ',
        '{"jane.roe@example.org": 1',
        '{"jane.roe@example.org": "x", "b": "y"',
        '{"k": "x"} then jane.roe@example.org',
        '{"k": "jane.roe@example.org"} and "more"',
        '[4111111111111111, "a"',
        '{"a": "call +1 415 555 2671", "b": [1, 2}',
        '"jane.roe@example.org',
        '{"a": "x"}} jane.roe@example.org',
    ]
    for value in values:
        for operator in ("replace", "hash"):
            fast_one = pii_anonymizer(operator=operator, hash_key="k" * 32)
            slow_one = slow_copy(fast_one)
            entries = [Entry("input.value", value), Entry("note", "x")]
            expected = Sanitizer([slow_one]).sanitize(entries, "span")
            assert expected[0] != value, value
            assert Sanitizer([fast_one]).sanitize(entries, "span") == expected, value


@pytest.mark.skipif(pii_anonymizer().text_screen() is None, reason="the C extension is not built")
def test_the_text_screen_reads_every_key_whatever_it_cached() -> None:
    """The text screen caches its verdicts on short keys by their characters, in a
    small table whose slots are overwritten: a sensitive key must be told apart from
    the many safe keys before and after it, in any order, short and long, and beyond
    ASCII."""
    screen = pii_anonymizer().text_screen()
    rng = random.Random(5)
    sensitive = ["password", "api_key", "apiKey", "x-api-key", "token", "secret_" + "x" * 60]
    for index in range(3000):
        keys = [f"key{rng.randrange(400)}", f"ké{rng.randrange(50)}", "role", "content"]
        secret = rng.random() < 0.3
        if secret:
            keys.append(rng.choice(sensitive))
        rng.shuffle(keys)
        text = json.dumps(dict.fromkeys(keys, "fine"))
        assert screen.clean(text) is not secret, (index, text)


@pytest.mark.skipif(pii_anonymizer().text_screen() is None, reason="the C extension is not built")
@pytest.mark.parametrize(
    "anonymizer",
    [
        pii_anonymizer(),
        pii_anonymizer(check_keys=False),
        # A user detector that reads quotes and has no needle: JSON text takes the walk.
        pii_anonymizer("email", custom_detectors=[Detector("eid", r"(?<!\S)E\d{5}(?!\S)")]),
        # One that has a needle: only JSON text holding it does.
        pii_anonymizer(
            "email", custom_detectors=[Detector("w", r'(?<!")secret', needles=("secret",))]
        ),
    ],
)
def test_the_text_screen_tells_how_rewrite_handles_a_text(anonymizer: PIIAnonymizer) -> None:
    """`TextScreen.how` decides in C what `PIIAnonymizer._how` decides in Python: text,
    JSON text without escapes, JSON text with escapes, or the walk (nested escapes,
    sensitive keys, integers and doubles a numeric detector finds, needles of detectors that read
    quotes). Both must agree on every text."""
    rng = random.Random(23)
    pieces = [
        '{"a": ', '{"password": ', '{"api\\"key": ', "[", "]", "{", "}", '"', ",", ":",
        " ", "\t", "\n", "\\", "\\\\", '\\"', "\\u0022", "1", ",4111111111111111",
        ",12", ",1234567", "-----BEGIN", "secret", "word", "é", "😀",
        # Doubles: the walk reads `4111111111111111.0` as the whole number it is.
        "4111111111111111.0", ".5", "1234567", "E+2", "41E14", "4.111111111111111E15", "e3",
        "中",
    ]  # fmt: skip
    screen = anonymizer.text_screen()
    hows: Counter[int | None] = Counter()
    for _ in range(6000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 10)))
        for value in (text, json.dumps({"content": text}), json.dumps([text, 1])):
            how = screen.how(value)
            assert how == anonymizer._python_how(value), value
            hows[how] += 1
    # Every answer was given (JSON text always takes the walk with a needle-less
    # detector that reads quotes).
    everything = {None, 0} if anonymizer._unbounded_needles is None else {None, 0, 1, 2}
    assert set(hows) == everything, hows
