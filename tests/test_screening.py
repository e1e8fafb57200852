"""The fast path: values the detectors find clean skip parsing and walking.

`PIIAnonymizer.may_change` lets the Sanitizer export a value untouched without decoding
its JSON and walking it. That must never change the result: for every value of the
labeled and clean corpora, as plain text, as JSON, as JSON inside JSON and under
sensitive and ordinary keys, the fast path gives exactly what the full walk gives.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

import pytest
from corpus import clean_texts, labeled

from otel_anonymizer import Entry, PIIAnonymizer, Sanitizer, pii_anonymizer


class AlwaysWalk(PIIAnonymizer):
    """The same anonymizer with the fast path switched off."""

    def may_change(self, value: Any, name: str) -> bool:
        return True

    def screen(self, items: Sequence[tuple[Any, str]]) -> list[bool]:
        return [True] * len(items)


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
        assert Sanitizer([fast]).sanitize(entries, "span") == expected, text
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
        assert Sanitizer([fast]).sanitize(entries, "span") == expected, value


def test_random_escapes_around_values(anonymizers: tuple[PIIAnonymizer, AlwaysWalk]) -> None:
    """Values and numbers glued to escaped characters in every JSON spelling: the fast
    path gives what the full walk gives."""
    fast, slow = anonymizers
    rng = random.Random(17)
    pieces = [
        "4111111111111111",
        "4111 1111 1111 1111",
        "123-45-6789",
        "+1 415 555 2671",
        "jane.roe@example.org",
        "192.168.1.20",
        "DE89370400440532013000",
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
            assert Sanitizer([fast]).sanitize(entries, "span") == expected, value
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
            assert Sanitizer([fast]).sanitize(entries, "span") == expected, value
            leaks_found_by_walk += "hunter2" not in expected[0]
    assert leaks_found_by_walk > 1000
