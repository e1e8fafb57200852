"""Rules-based anonymization: the rule types of the seed and `create_anonymizer`."""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Sequence
from typing import Any, Union

import regex

from otel_anonymizer.anonymizer.base import OnMaxDepth, RecursiveAnonymizer
from otel_anonymizer.names import renamed

#: Seconds one regex substitution may run before it is abandoned (and the value fails
#: closed). Guards the exporter against catastrophic backtracking in user patterns.
DEFAULT_REGEX_TIMEOUT = 1.0

Replacement = Union[str, Callable[[Any], str]]  # noqa: UP007 (runtime alias on 3.10)
RuleSpec = Union[dict[str, Any], tuple[Any, ...], Callable[[str], str], "Rule"]


class RuleError(ValueError):
    """A rule specification is malformed; the message says which rule and why."""


class Rule(abc.ABC):
    """One text transformation inside a `RulesAnonymizer`."""

    @abc.abstractmethod
    def apply(self, text: str) -> str:
        """Return `text` with this rule applied."""


class RegexRule(Rule):
    """Replaces every match of `regex` with `replace`, with `re.sub` semantics.

    The pattern is compiled once, here, with the `regex` module (compatible with `re`),
    so that each substitution can be bounded by `timeout` seconds; a substitution that
    exceeds it raises `TimeoutError`, which the adapters turn into a placeholder.
    """

    def __init__(
        self,
        regex: str | re.Pattern[str],
        replace: Replacement,
        *,
        timeout: float | None = DEFAULT_REGEX_TIMEOUT,
    ) -> None:
        _check_timeout(timeout)
        self.pattern = _compile(regex)
        if isinstance(replace, str):
            _check_template(self.pattern, replace)
        self.replace = replace
        self.timeout = timeout

    def apply(self, text: str) -> str:
        result: str = self.pattern.sub(self.replace, text, timeout=self.timeout)
        return result

    def __repr__(self) -> str:
        return f"RegexRule({self.pattern.pattern!r})"


class FunctionRule(Rule):
    """Applies a user function `str -> str`."""

    def __init__(self, function: Callable[[str], str]) -> None:
        self.function = function

    def apply(self, text: str) -> str:
        result = self.function(text)
        if not isinstance(result, str):
            name = getattr(self.function, "__qualname__", type(self.function).__name__)
            raise TypeError(f"function rule {name} returned {type(result).__name__}, expected str")
        return result

    def __repr__(self) -> str:
        return f"FunctionRule({getattr(self.function, '__qualname__', self.function)!r})"


class RulesAnonymizer(RecursiveAnonymizer):
    """Applies its rules, in order, to every string of the data it walks, and its regex
    rules to the keys of the dicts nested in it.

    Keys: the seed never changes them. But an object in JSON text is text to a rule in
    Opik, whose rules would replace an address used as a key there; parsed here, its keys
    would escape them. So the regex rules (not function rules, which may transform any
    text) apply to keys too, which are kept distinct (`names.renamed`).
    """

    def __init__(
        self,
        rules: Sequence[Rule],
        max_depth: int = 10,
        on_max_depth: OnMaxDepth = "placeholder",
    ) -> None:
        super().__init__(max_depth=max_depth, on_max_depth=on_max_depth)
        self.rules = list(rules)
        self._key_rules = [rule for rule in self.rules if isinstance(rule, RegexRule)]
        self._clean_keys: set[str] = set()  # keys no regex rule changes

    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        for rule in self.rules:
            data = rule.apply(data)
        return data

    def _keys(self, walked: dict[Any, Any], field_name: str | None) -> dict[Any, Any]:
        new_names = {}
        for key in walked:
            if not isinstance(key, str) or key in self._clean_keys:
                continue
            new = key
            for rule in self._key_rules:
                new = rule.apply(new)
            if new != key:
                new_names[key] = new
            elif len(key) <= _CLEAN_KEY_LENGTH:
                if len(self._clean_keys) >= _CLEAN_KEYS_LIMIT:
                    self._clean_keys.clear()
                self._clean_keys.add(key)
        return renamed(walked, new_names) if new_names else walked


#: Keys up to this length that no rule changes are remembered, up to this many.
_CLEAN_KEY_LENGTH = 256
_CLEAN_KEYS_LIMIT = 10_000


def create_anonymizer(
    rules: RuleSpec | Sequence[RuleSpec],
    max_depth: int = 10,
    on_max_depth: OnMaxDepth = "placeholder",
    *,
    timeout: float | None = DEFAULT_REGEX_TIMEOUT,
) -> RulesAnonymizer:
    """Build a `RulesAnonymizer` from one rule or a list of rules.

    A rule is a dict `{"regex": ..., "replace": ...}`, a tuple `(regex, replace)`, a
    function `str -> str`, or a `Rule`. Malformed rules raise `RuleError` (a
    `ValueError`) naming the rule's index; invalid patterns fail here, not at export time.
    `timeout` bounds each substitution of the dict and tuple rules (seconds; None for
    no bound).
    """
    _check_timeout(timeout)
    if isinstance(rules, list):
        parsed = [_parse_rule(rule, index, timeout) for index, rule in enumerate(rules)]
    elif isinstance(rules, (dict, tuple, Rule)) or callable(rules):
        parsed = [_parse_rule(rules, None, timeout)]
    else:
        raise RuleError(f"Unsupported rules type: {type(rules)}")
    return RulesAnonymizer(parsed, max_depth=max_depth, on_max_depth=on_max_depth)


def _parse_rule(spec: object, index: int | None, timeout: float | None) -> Rule:
    where = "" if index is None else f" (rule at index {index})"
    if isinstance(spec, Rule):
        return spec
    if isinstance(spec, dict):
        if "regex" not in spec or "replace" not in spec:
            raise RuleError(f"Dictionary rule must have 'regex' and 'replace' keys{where}")
        return _regex_rule(spec["regex"], spec["replace"], where, timeout)
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise RuleError(f"Tuple rule must have exactly 2 elements: (regex, replacement){where}")
        return _regex_rule(spec[0], spec[1], where, timeout)
    if callable(spec):
        return FunctionRule(spec)
    if index is None:
        raise RuleError(f"Unsupported rules type: {type(spec)}")
    raise RuleError(f"Unsupported rule type in list: {type(spec)}{where}")


def _regex_rule(pattern: object, replace: object, where: str, timeout: float | None) -> RegexRule:
    if not isinstance(pattern, (str, re.Pattern)):
        raise RuleError(f"Rule regex must be a string, got {type(pattern).__name__}{where}")
    if not isinstance(replace, str) and not callable(replace):
        raise RuleError(
            f"Rule replacement must be a string or a function, got {type(replace).__name__}{where}"
        )
    try:
        return RegexRule(pattern, replace, timeout=timeout)
    except _TemplateError as error:
        source = pattern if isinstance(pattern, str) else pattern.pattern
        message = f"Invalid replacement {replace!r} for regex {source!r}{where}: {error}"
        raise RuleError(message) from None
    except regex.error as error:
        position = f" at position {error.pos}" if error.pos is not None else ""
        source = pattern if isinstance(pattern, str) else pattern.pattern
        raise RuleError(f"Invalid regex {source!r}{where}: {error.msg}{position}") from None


class _TemplateError(RuleError):
    """A replacement template that refers to a group its pattern does not have."""


def _check_timeout(timeout: object) -> None:
    """0, a negative number or NaN would fail every value, or lift the bound."""
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout < float("inf")
    ):
        raise RuleError(f"timeout must be a positive number of seconds or None, got {timeout!r}")


def _check_template(pattern: Any, replace: str) -> None:
    """Raise `_TemplateError` if `replace` is not a valid template for `pattern` (a
    group it does not have): at creation, not at each match, where the value would
    only fail. It is expanded once on an empty match of a pattern with the same groups."""
    names = {number: name for name, number in pattern.groupindex.items()}
    groups = "".join(
        f"(?P<{names[number]}>)" if number in names else "()"
        for number in range(1, pattern.groups + 1)
    )
    try:
        regex.compile(groups).sub(replace, "")
    except IndexError as error:  # an unknown group name
        raise _TemplateError(str(error)) from None
    except regex.error as error:
        raise _TemplateError(error.msg) from None


#: The flags of `re` and the same flags of `regex`, whose values differ for some
#: (`re.ASCII` has the value of `regex.VERSION1`). `re.DEBUG` only prints: left out.
_FLAGS = tuple(
    (getattr(re, name), getattr(regex, name))
    for name in ("ASCII", "IGNORECASE", "LOCALE", "MULTILINE", "DOTALL", "UNICODE", "VERBOSE")
)


def _compile(pattern: str | re.Pattern[str]) -> Any:
    if isinstance(pattern, re.Pattern):
        flags = 0
        for re_flag, regex_flag in _FLAGS:
            if pattern.flags & re_flag:
                flags |= regex_flag
        return regex.compile(pattern.pattern, flags)
    return regex.compile(pattern)
