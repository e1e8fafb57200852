"""The seed's anonymizer semantics (shared/opik-semantics.md) and our safer defaults."""

from __future__ import annotations

import re
from typing import Any

import pytest

from otel_anonymizer import MAX_DEPTH_PLACEHOLDER
from otel_anonymizer.anonymizer import (
    FunctionRule,
    RecursiveAnonymizer,
    RegexRule,
    RuleError,
    create_anonymizer,
)

EMAIL = r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b"


class Recorder(RecursiveAnonymizer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls: list[tuple[str | None, dict[str, Any]]] = []

    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        self.calls.append((field_name, kwargs))
        return data.upper()


def test_rules_apply_in_order_each_on_the_previous_output() -> None:
    anonymizer = create_anonymizer([("cat", "dog"), ("dog", "bird"), lambda t: t + "!"])
    assert anonymizer.anonymize("cat") == "bird!"


def test_single_dict_tuple_and_function_rules() -> None:
    assert create_anonymizer({"regex": "a", "replace": "b", "extra": 1}).anonymize("aa") == "bb"
    assert create_anonymizer(("a", "b")).anonymize("aa") == "bb"
    assert create_anonymizer(str.upper).anonymize("aa") == "AA"


def test_empty_rule_list_is_a_no_op() -> None:
    assert create_anonymizer([]).anonymize({"a": ["x"]}) == {"a": ["x"]}


def test_replacement_follows_re_sub_semantics() -> None:
    anonymizer = create_anonymizer([(r"(\w+)@(\w+)\.com", r"\2:\1"), (r"\d", lambda m: "#")])
    assert anonymizer.anonymize("bob@corp.com 42") == "corp:bob ##"


def test_patterns_are_case_sensitive_unless_flagged() -> None:
    assert create_anonymizer(("secret", "X")).anonymize("SECRET secret") == "SECRET X"
    assert create_anonymizer(("(?i)secret", "X")).anonymize("SECRET secret") == "X X"


def test_precompiled_re_pattern_keeps_its_flags() -> None:
    rule = RegexRule(re.compile("secret", re.IGNORECASE), "X")
    assert rule.apply("SeCrEt") == "X"
    # `re.ASCII` has the value of `regex.VERSION1`: translated by name, `\w` stays ASCII.
    assert RegexRule(re.compile(r"\w+", re.ASCII), "X").apply("zoë") == "Xë"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            [{"regex": "a"}],
            r"Dictionary rule must have 'regex' and 'replace' keys \(rule at index 0\)",
        ),
        (
            [("a", "b"), ("a",)],
            r"Tuple rule must have exactly 2 elements: \(regex, replacement\) \(rule at index 1\)",
        ),
        ([("a", "b"), 42], r"Unsupported rule type in list: <class 'int'> \(rule at index 1\)"),
        (42, r"Unsupported rules type: <class 'int'>"),
        (
            [("a", "b"), ("(unclosed", "x")],
            r"Invalid regex '\(unclosed' \(rule at index 1\): missing \) at position 9",
        ),
        ([(b"bytes", "x")], r"Rule regex must be a string, got bytes \(rule at index 0\)"),
        (
            [("a", 3)],
            r"Rule replacement must be a string or a function, got int \(rule at index 0\)",
        ),
        # A template that refers to a missing group fails here, not at every match.
        (
            [("a", "b"), (r"(\d)", r"\2")],
            r"Invalid replacement '\\\\2' for regex '\(\\\\d\)' \(rule at index 1\): "
            "invalid group reference",
        ),
        ([{"regex": "(?P<n>a)", "replace": r"\g<x>"}], r"\(rule at index 0\): unknown group"),
    ],
)
def test_malformed_rules_name_what_and_where(rules: Any, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        create_anonymizer(rules)
    assert issubclass(RuleError, ValueError)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "1", True])
def test_a_rule_timeout_must_be_a_positive_number(timeout: Any) -> None:
    """0 would fail every value; a negative number or NaN would lift the bound."""
    with pytest.raises(RuleError, match="timeout must be a positive number of seconds or None"):
        create_anonymizer([("a", "b")], timeout=timeout)
    assert create_anonymizer([("a", "b")], timeout=None).anonymize("a") == "b"


def test_a_subclass_that_skips_super_init_still_walks() -> None:
    """Opik's RecursiveAnonymizer needs no `super().__init__()`: code that sets only
    `max_depth` (or nothing) must not fail at the depth limit."""

    class Upper(RecursiveAnonymizer):
        def __init__(self) -> None:
            self.max_depth = 2

        def anonymize_text(self, data: str, field_name: str | None = None, **kw: Any) -> str:
            return data.upper()

    assert Upper().anonymize({"a": {"b": {"c": "x"}}, "d": "y"}) == {
        "a": {"b": MAX_DEPTH_PLACEHOLDER},
        "d": "Y",
    }


def test_regex_rules_apply_to_nested_keys_and_function_rules_do_not() -> None:
    """In Opik a JSON string is text to a rule, keys included; parsed here, an address
    used as a key must not escape. Keys that meet stay distinct."""
    anonymizer = create_anonymizer([(EMAIL, "[EMAIL]"), str.upper])
    data = {"top@example.org": {"a@example.org": "x", "b@example.org": "y", "k": "v"}}
    assert anonymizer.anonymize(data) == {
        "top@example.org": {"[EMAIL]": "X", "[EMAIL] (2)": "Y", "k": "V"}
    }
    assert anonymizer.anonymize_keys({"top@example.org": 1}) == {"[EMAIL]": 1}


def test_walks_dicts_lists_and_tuples_keeping_keys_and_other_leaves() -> None:
    anonymizer = create_anonymizer((EMAIL, "[EMAIL]"))
    data = {"a@b.com": ["x@y.org", 3, 2.5, True, None, b"c@d.io", ("e@f.net",)]}
    assert anonymizer.anonymize(data) == {
        "a@b.com": ["[EMAIL]", 3, 2.5, True, None, b"c@d.io", ("[EMAIL]",)]
    }


def test_containers_are_rebuilt_not_mutated() -> None:
    data = {"user": {"email": "a@b.com"}, "list": ["a@b.com"]}
    create_anonymizer((EMAIL, "[EMAIL]")).anonymize(data)
    assert data == {"user": {"email": "a@b.com"}, "list": ["a@b.com"]}


def test_field_names_are_dotted_and_other_kwargs_pass_through() -> None:
    recorder = Recorder()
    data = {"email": "x", "messages": [{"content": "y"}], 3: "z"}
    result = recorder.anonymize(data, field_name="metadata", object_type="span", custom=1)
    assert result == {"email": "X", "messages": [{"content": "Y"}], 3: "Z"}
    assert recorder.calls == [
        ("metadata.email", {"object_type": "span", "custom": 1}),
        ("metadata.messages.0.content", {"object_type": "span", "custom": 1}),
        ("metadata.3", {"object_type": "span", "custom": 1}),
    ]


def test_field_names_longer_than_512_characters_are_cut() -> None:
    """Found by review: each name is copied into its children's, so a long key over a
    long list cost their product (a request chooses both). Names are cut at 512
    characters, and what is under a cut name shares it."""
    recorder = Recorder()
    long_key = "k" * 1000
    recorder.anonymize({long_key: ["a", {"b": "c"}], "short": "d"}, field_name="metadata")
    cut = f"metadata.{long_key}"[:511] + "…"
    assert [name for name, _ in recorder.calls] == [cut, cut, "metadata.short"]
    assert len(cut) == 512


def test_top_level_string_gets_the_field_itself() -> None:
    recorder = Recorder()
    recorder.anonymize("x", field_name="input")
    recorder.anonymize({"k": "x"})
    assert [name for name, _ in recorder.calls] == ["input", "k"]


def nest(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = {"k": value}
    return value


def test_data_beyond_max_depth_is_replaced_by_a_placeholder_by_default() -> None:
    anonymizer = create_anonymizer((EMAIL, "[EMAIL]"), max_depth=3)
    assert anonymizer.anonymize(nest("a@b.com", 2)) == nest("[EMAIL]", 2)
    assert anonymizer.anonymize(nest("a@b.com", 3)) == nest(MAX_DEPTH_PLACEHOLDER, 3)
    assert anonymizer.anonymize(nest(["a@b.com"], 3)) == nest(MAX_DEPTH_PLACEHOLDER, 3)
    # Numbers carry no text: they are kept, even at the limit.
    assert anonymizer.anonymize(nest(7, 3)) == nest(7, 3)


def test_keeping_data_beyond_max_depth_is_an_explicit_option() -> None:
    anonymizer = create_anonymizer((EMAIL, "[EMAIL]"), max_depth=3, on_max_depth="keep")
    assert anonymizer.anonymize(nest("a@b.com", 3)) == nest("a@b.com", 3)


def test_invalid_depth_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_depth must be a non-negative int"):
        create_anonymizer([], max_depth=-1)
    with pytest.raises(ValueError, match="on_max_depth must be 'placeholder' or 'keep'"):
        create_anonymizer([], on_max_depth="drop")  # type: ignore[arg-type]


def test_cycles_do_not_hang_and_are_replaced() -> None:
    data: dict[str, Any] = {"email": "a@b.com"}
    data["self"] = data
    items: list[Any] = ["a@b.com"]
    items.append(items)
    anonymizer = create_anonymizer((EMAIL, "[EMAIL]"), max_depth=1000)
    assert anonymizer.anonymize(data) == {"email": "[EMAIL]", "self": "[CYCLE]"}
    assert anonymizer.anonymize(items) == ["[EMAIL]", "[CYCLE]"]


def test_shared_but_acyclic_containers_are_walked_each_time() -> None:
    shared = ["a@b.com"]
    result = create_anonymizer((EMAIL, "[EMAIL]")).anonymize({"x": shared, "y": shared})
    assert result == {"x": ["[EMAIL]"], "y": ["[EMAIL]"]}


def test_function_rule_returning_a_non_string_raises_without_the_value() -> None:
    rule = FunctionRule(lambda text: len(text))  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="returned int, expected str") as info:
        rule.apply("secret@example.com")
    assert "secret@example.com" not in str(info.value)


def test_catastrophic_user_regex_times_out_instead_of_hanging() -> None:
    rule = RegexRule(r"(a|aa)+$", "x", timeout=0.05)
    with pytest.raises(TimeoutError):
        rule.apply("a" * 40 + "!")
