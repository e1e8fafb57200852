"""`PIIAnonymizer`: the built-in detectors and operators as a seed-style anonymizer.

It walks data like any `RecursiveAnonymizer` and, in every string, replaces what the
detectors find with what the operators say; values under sensitive keys (`password`,
`api_key`, `Authorization`, ...) are replaced whole; integers are checked by the numeric
detectors too (a card number stored as an integer). Field policies choose, per dotted
field name, to keep a value, drop it, replace it whole, or use another operator.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from otel_anonymizer.anonymizer.base import (
    DROP,
    WALK,
    OnMaxDepth,
    RecursiveAnonymizer,
    child_name,
)
from otel_anonymizer.detectors import Detector, Finding, Scanner, select
from otel_anonymizer.detectors.budget import check_budget
from otel_anonymizer.detectors.keys import DEFAULT_SAFE_KEYS, KeyClassifier
from otel_anonymizer.fields import WHOLE_FIELD_NAMES
from otel_anonymizer.jsontext import (
    IN_KEY,
    OUTSIDE,
    decode,
    encode,
    json_layout,
    looks_like_json,
    object_keys,
    parses,
    unescape,
)
from otel_anonymizer.names import renamed
from otel_anonymizer.operators import Operator, make_operator

Action = Literal["scan", "keep", "drop", "redact"]
ACTIONS: tuple[Action, ...] = ("scan", "keep", "drop", "redact")
#: Label of values replaced because of their key.
SECRET_LABEL = "SECRET"

_CACHE_LIMIT = 8192
#: Longer field names are matched each time: a request's keys must not fill memory.
_CACHED_NAME_LENGTH = 200
_MIN_NUMBER = 10**6  # integers below this hold nothing a numeric detector finds
#: Doubles are exact integers up to 2**53; past it their digits are not a number's own.
_MAX_WHOLE_DOUBLE = 2**53
#: A number of JSON text written as a double that may be a whole number a numeric
#: detector finds: seven digits before its point, or an `E` exponent (Java writes
#: `4.111111111111111E15`; Python and JavaScript write `e` only past 2**53, where no
#: digits are a number's own). A match starts where a run of digits does; the C screen
#: reads them the same way.
_JSON_DOUBLE = re.compile(r"(?<![0-9])[0-9]+(?:\.[0-9]+)?E[+-]?[0-9]+|(?<![0-9])[0-9]{7,}\.[0-9]+")
_COMMA_DIGIT = re.compile(r",\d")
#: An integer of JSON text where one can stand (also in a list of numbers in a string).
_JSON_INTEGER = re.compile(r"[\[,:][ \t\n\r]*(-?\d{7,})(?=[ \t\n\r]*[,\]}])")
#: How `PIIAnonymizer.rewrite` handles a text: rewrites it as text, rewrites it as JSON
#: text without escapes, or looks at it (anything found sends it to the walk).
_TEXT, _JSON, _LOOK = range(3)
#: What a replacement must not hold as is inside a JSON string.
_JSON_UNSAFE = re.compile(r'["\\\x00-\x1f]')


@dataclass(frozen=True)
class FieldPolicy:
    """What to do with the values whose dotted field name matches `match` (a glob).

    `action`: `scan` (detect, the default), `keep` (leave as is), `drop` (remove the key),
    `redact` (replace the whole value with `[label]` through the operator).
    `operator` overrides the operator for what is found in these fields.
    """

    match: str
    action: Action = "scan"
    operator: str | None = None
    label: str = "REDACTED"

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(
                f"field policy {self.match!r}: unknown action {self.action!r}; "
                f"valid actions: {', '.join(ACTIONS)}"
            )


class _Policy:
    """A field policy with its operator built."""

    def __init__(self, policy: FieldPolicy, operator: Operator | None) -> None:
        self.action = policy.action
        self.operator = operator
        self.label = policy.label


class RedactionCounts:
    """How many values each detector (or `key:<name>`) replaced; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, names: Iterable[str]) -> None:
        with self._lock:
            self._counts.update(names)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


#: Redactions by every `PIIAnonymizer` in the process (for self-telemetry).
REDACTIONS = RedactionCounts()


class PIIAnonymizer(RecursiveAnonymizer):
    """Detects personal data and secrets with validated detectors and replaces them."""

    def __init__(
        self,
        detectors: Sequence[Detector],
        operator: Operator,
        *,
        operators: Mapping[str, Operator] | None = None,
        policies: Sequence[tuple[FieldPolicy, Operator | None]] = (),
        keys: KeyClassifier | None = None,
        max_depth: int = 10,
        on_max_depth: OnMaxDepth = "placeholder",
        timeout: float | None = None,
    ) -> None:
        super().__init__(max_depth=max_depth, on_max_depth=on_max_depth)
        self.scanner = Scanner(detectors, timeout=timeout)
        self.operator = operator
        self.operators = dict(operators or {})
        self.keys = keys
        self._policies = [
            (re.compile(fnmatch.translate(policy.match)), _Policy(policy, op))
            for policy, op in policies
        ]
        self.reads_names = True  # sensitive keys, policies, and keys it replaces
        self._policy_cache: dict[str | None, tuple[_Policy | None, bool]] = {}
        self._clean_keys: set[str] = set()  # dict keys in which nothing was found
        numeric = [detector for detector in detectors if detector.numeric]
        self._numbers = Scanner(numeric, timeout=timeout) if numeric else None
        # JSON text is scanned as a whole only where no detector that reads quotes
        # otherwise than the ends of the walk's strings could match: where none of
        # their needles occurs, if they all have needles.
        unbounded = [detector for detector in detectors if not detector.quote_bounded]
        self._unbounded_needles: tuple[str, ...] | None = tuple(
            needle for detector in unbounded for needle in detector.needles
        )
        if any(not detector.needles or detector.shapes for detector in unbounded):
            self._unbounded_needles = None
        self._text_screen: Any = None

    def text_screen(self) -> Any:
        """A `_native.TextScreen` whose `clean(text)` says, mostly in C, that `rewrite`
        returns a text under a name that is not sensitive as it is; None without the
        extension, or under field policies (everything takes the walk). Adapters that
        read values out of serialized data use it to pass clean objects by (the
        gateway's `otel_anonymizer.gateway.prescreen`)."""
        if self._policies:
            return None
        if self._text_screen is None:
            self._text_screen = self.scanner.text_screen(
                sensitive=self.keys.is_sensitive if self.keys is not None else None,
                needles=self._unbounded_needles,
                unescape=unescape,
                unescape_keeping_quotes=functools.partial(unescape, keep_quotes=True),
                clean_scalar=self._clean_scalar,
            )
        return self._text_screen

    def passes_name(self, name: str) -> bool:
        """Whether a value's name is no reason to replace it (not a sensitive key)."""
        return self.keys is None or not self.keys.is_sensitive(name)

    def clear_caches(self) -> None:
        """Forget what the bounded caches hold (detector results, key and field
        policy lookups): results stay the same, only slower until they fill again.
        For benchmarks that pass over the same data more than once."""
        self.scanner.clear_cache()
        if self._numbers is not None:
            self._numbers.clear_cache()
        if self.keys is not None:
            self.keys.clear_cache()
        self._policy_cache.clear()
        self._clean_keys.clear()
        if self._text_screen is not None:
            self._text_screen.forget()

    def may_change(self, value: Any, name: str) -> bool:
        """False when nothing in `value` would be detected: the adapters then skip
        parsing and walking it. See `screen`."""
        return self.screen([(value, name)])[0]

    def screen(self, items: Sequence[tuple[Any, str]]) -> list[bool]:
        """Which values may change, for all the values of one object at once: those that
        `rewrite` would change or leave to the walk (all of them under field policies).
        """
        if self._policies:
            return [True] * len(items)
        results, _ = self._rewritten(items)
        return [result is not value for result, (value, _) in zip(results, items, strict=True)]

    def rewrite(self, items: Sequence[tuple[Any, str]]) -> list[Any]:
        """Each value anonymized without the walk, as it is where nothing is found, or
        `WALK`; all texts of the object are scanned in one `Scanner.scan_many` call.

        - Plain text (and text that looks like JSON but does not parse, which the walk
          scans as text): what the detectors find is replaced.
        - JSON text without escapes: what is found in its string values is replaced in
          place, so the text keeps its formatting. It takes the walk where something is
          found in a key (the walk keeps keys distinct) or outside its strings (in an
          integer), where it holds JSON inside a string or nesting near `max_depth`, or
          where a detector might read quotes otherwise than the ends of the walk's
          strings (not `Detector.quote_bounded`) could match.
        - JSON text with escapes is scanned as it is and with its escapes decoded (what
          the walk would scan); the walk takes it where either form holds something.
          Nothing else may stand in for an escape: a space for `\\n` joins
          `4111111111111111\\n2` into no card.
        - Under a sensitive key, text (also JSON text of a string) is replaced whole;
          JSON text with a sensitive key, containers and numbers that hold something
          take the walk.

        Everything takes the walk under field policies.
        """
        results, found = self.rewrite_found(items)
        REDACTIONS.add(name for names in found for name in names)
        return results

    def rewrite_found(self, items: Sequence[tuple[Any, str]]) -> tuple[list[Any], list[list[str]]]:
        """`rewrite`, leaving the count of redactions to the caller: the results, and
        for each item the names of what was replaced in it (detector names,
        `key:secret`), to add to `REDACTIONS` for the results the caller keeps."""
        if self._policies:
            return [WALK] * len(items), [[] for _ in items]
        return self._rewritten(items)

    def _rewritten(self, items: Sequence[tuple[Any, str]]) -> tuple[list[Any], list[list[str]]]:
        """`rewrite_found` without field policies."""
        results: list[Any] = [item[0] for item in items]
        found: list[list[str]] = [[] for _ in items]
        texts: list[str] = []
        # Per text scanned: its item, and how it is rewritten (`_TEXT`, `_JSON`) or
        # only looked at (`_LOOK`: anything found sends the item to the walk).
        owners: list[tuple[int, int]] = []
        sensitive = self.keys.is_sensitive if self.keys is not None else None
        for index, (value, name) in enumerate(items):
            if sensitive is not None and sensitive(name):
                decoded, shape = decode(value) if isinstance(value, str) else (None, None)
                if isinstance(decoded, str):  # text, or JSON of a string: replaced whole
                    results[index] = encode(self.operator.apply(decoded, SECRET_LABEL), shape)
                    found[index].append(f"key:{SECRET_LABEL.lower()}")
                else:  # JSON is replaced leaf by leaf, by the walk
                    results[index] = WALK
                continue
            if isinstance(value, str):
                how = self._how(value)
                if how is None:
                    results[index] = WALK
                elif how == _LOOK:
                    texts += (value, unescape(value))
                    owners += ((index, _LOOK), (index, _LOOK))
                else:
                    texts.append(value)
                    owners.append((index, how))
                continue
            for item in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(item, str) and self._how(item) == _TEXT:
                    texts.append(item)
                    owners.append((index, _LOOK))
                elif isinstance(item, str) or not self._clean_scalar(item):
                    results[index] = WALK  # JSON in a list is rare: the walk decides
                    break
        try:
            scanned = self.scanner.scan_many(texts)
        except TimeoutError:  # the walk will fail closed on them
            scanned = {}
            for index, _ in owners:
                results[index] = WALK
        for position, findings in scanned.items():
            index, how = owners[position]
            value = results[index]
            if value is not WALK:
                results[index] = self._rewritten_text(value, how, findings, found[index])
        return results, found

    def rewrite_scanned(
        self, text: str, how: int, findings: list[Finding]
    ) -> tuple[Any, list[str]]:
        """`rewrite_found` of one text under a name that is not sensitive, from its
        `findings` (not empty) and how `rewrite` handles it (`TextScreen.how`), for a
        caller whose text screen scanned it already (`_wire.dirty_items`)."""
        found: list[str] = []
        if self._policies:
            return WALK, found
        return self._rewritten_text(text, how, findings, found), found

    def _rewritten_text(
        self, text: str, how: int, findings: list[Finding], found: list[str]
    ) -> Any:
        """`text` rewritten from its findings: as text (`_TEXT`), in place as JSON text
        (`_JSON`), or `WALK` for the others; adds the names of what it replaced to
        `found`."""
        if how == _TEXT:
            found += (finding.detector.name for finding in findings)
            return self._replace(text, findings)
        if how == _JSON:
            return self._in_place(text, findings, found)
        return WALK

    def _how(self, text: str) -> int | None:
        """How `rewrite` handles a text: `_TEXT`, `_JSON`, `_LOOK`, or None for the walk;
        told in C by the text screen (`TextScreen.how`) when the extension is built."""
        screen = self.text_screen()
        return self._python_how(text) if screen is None else screen.how(text)

    def _python_how(self, text: str) -> int | None:
        """`_how` in Python: the reference, and the version without the extension."""
        if not looks_like_json(text):
            return _TEXT
        escaped = "\\" in text
        if escaped and "\\\\" in text:
            return None  # JSON nested more than twice: let the full walk decide
        if self.keys is not None:
            keys = object_keys(unescape(text, keep_quotes=True) if escaped else text)
            if self.keys.any_sensitive(keys):
                return None
        if _COMMA_DIGIT.search(text) and not self._integers_clean(text):
            return None
        if not self._doubles_clean(text):
            return None
        needles = self._unbounded_needles
        if needles is None or any(needle in text for needle in needles):
            return None  # a detector may read quotes otherwise than the walk's strings
        return _LOOK if escaped else _JSON

    def _integers_clean(self, text: str) -> bool:
        """Whether the walk leaves every integer of JSON text as it is. Asked where a
        comma touches a digit: elsewhere, scanning the text finds in an integer what the
        walk finds in it alone, but `[4111111111111111,5]` reads as a decimal number."""
        return all(self._clean_scalar(int(match[1])) for match in _JSON_INTEGER.finditer(text))

    def _doubles_clean(self, text: str) -> bool:
        """Whether the walk leaves every double of JSON text as it is: scanning the text
        reads `4111111111111111.0` as a decimal number, the walk as the whole number it
        is (`_number_detector`)."""
        return all(self._clean_scalar(float(match[0])) for match in _JSON_DOUBLE.finditer(text))

    def _in_place(self, text: str, findings: list[Finding], found: list[str]) -> Any:
        """JSON text without escapes with what was found in its string values replaced,
        text that does not parse with everything found replaced, or `WALK`.

        Whether the text parses is only asked where it changes the result: where a
        replacement must be escaped in a string. Elsewhere the walk would treat text
        that does not parse as text and replace the same; and what sends the text to the
        walk here (nested JSON, depth, integers, keys) is decided there the same way for
        text that does not parse."""
        nested, odd, deepest, places = json_layout(text, findings)
        if nested:
            return WALK  # a string that looks like JSON: the walk decodes it
        if odd:  # an odd number of quotes: it does not parse
            found += (finding.detector.name for finding in findings)
            return self._replace(text, findings)
        # The walk reaches `max_depth`: the top container is walked at depth 1, a string
        # inside n containers at n + 1.
        if deepest + 1 >= self.max_depth or OUTSIDE in places or IN_KEY in places:
            # Something was found in the structure (an integer), or in a key, which the
            # walk replaces keeping the keys distinct.
            return WALK
        escaped: list[bool] = []

        def escape(replacement: str) -> str:
            written = _json_string(replacement)
            escaped.append(written is not replacement)
            return written

        rewritten = self._replace(text, findings, escape=escape)
        if any(escaped):
            try:
                json.loads(text)
            except (ValueError, RecursionError):  # the walk scans it as text
                found += (finding.detector.name for finding in findings)
                return self._replace(text, findings)
        found += (finding.detector.name for finding in findings)
        return rewritten

    def _replace(
        self,
        text: str,
        findings: Sequence[Finding],
        override: Operator | None = None,
        escape: Callable[[str], str] | None = None,
    ) -> str:
        """`text` with each finding replaced by its operator's output (or `override`'s),
        passed through `escape` if given."""
        parts: list[str] = []
        last = 0
        for start, end, detector in findings:
            operator = override or self.operators.get(detector.name, self.operator)
            replacement = operator.apply(text[start:end], detector.label)
            parts.append(text[last:start])
            parts.append(replacement if escape is None else escape(replacement))
            last = end
        parts.append(text[last:])
        return "".join(parts)

    def _clean_scalar(self, value: Any) -> bool:
        """Whether the walk leaves a non-string value as it is."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._number_detector(value) is None
        if isinstance(value, bytes):
            return not value or not self.scanner.scan(_bytes_text(value))
        return isinstance(value, (bool, type(None)))

    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        policy = self._policy(field_name)
        if policy is not None:
            if policy.action == "keep":
                return data
            if policy.action == "redact":
                return (policy.operator or self.operator).apply(data, policy.label)
        if self._holds_sensitive_key(data):
            REDACTIONS.add([f"key:{SECRET_LABEL.lower()}"])
            operator = (policy.operator if policy is not None else None) or self.operator
            return operator.apply(data, SECRET_LABEL)
        findings = self.scanner.scan(data)
        if not findings:
            return data
        REDACTIONS.add(finding.detector.name for finding in findings)
        return self._replace(data, findings, policy.operator if policy is not None else None)

    def _holds_sensitive_key(self, text: str) -> bool:
        """Whether text that looks like JSON but does not parse (cut off by a length
        limit, or nested deeper than `json.loads` reads) has a sensitive key: the walk
        hands such text over as text, and its values cannot be told apart, so it is
        replaced whole rather than exported with the value under that key."""
        if self.keys is None or not looks_like_json(text):
            return False
        keys = object_keys(text)  # escaped keys are read with more words, never fewer
        if "\\" in text and "\\\\" not in text:
            keys |= object_keys(unescape(text, keep_quotes=True))
        if not self.keys.any_sensitive(keys):
            return False
        # JSON handed over as text on purpose (`anonymize_text` itself) parses; JSON
        # with a key twice does not, for the walk (found by review: it went out raw).
        return not parses(text)

    def anonymize_scalar(self, data: Any, field_name: str | None = None, **kwargs: Any) -> Any:
        policy = self._policy(field_name)
        if policy is not None and policy.action == "keep":
            return data
        if policy is not None and policy.action == "redact" and data is not None:
            return self._redacted(data, policy)
        if isinstance(data, bytes) and data:
            # Bytes are read as text (UTF-8, else one character per byte): what is found
            # in them is replaced, and they go out as that text.
            text = _bytes_text(data)
            anonymized = self.anonymize_text(text, field_name=field_name, **kwargs)
            return data if anonymized == text else anonymized
        detector = self._number_detector(data)
        if detector is None:
            return data
        REDACTIONS.add([detector.name])
        override = policy.operator if policy is not None else None
        operator = override or self.operators.get(detector.name, self.operator)
        return operator.apply(str(int(data)), detector.label)

    def _number_detector(self, data: Any) -> Detector | None:
        """The numeric detector that finds `data` (an integer, or a double that is a
        whole number up to 2**53) in its digits, if any."""
        if isinstance(data, float):
            whole = data.is_integer() and abs(data) < _MAX_WHOLE_DOUBLE
            data = int(data) if whole else None
        if (
            self._numbers is None
            or not isinstance(data, int)
            or isinstance(data, bool)
            or abs(data) < _MIN_NUMBER
        ):
            return None
        findings = self._numbers.scan(str(data))
        return findings[0].detector if findings else None

    def _walk_entry(
        self,
        key: Any,
        value: Any,
        field_name: str | None,
        depth: int,
        path_ids: set[int],
        kwargs: dict[str, Any],
    ) -> Any:
        policy, own = (
            self._policy_of(child_name(field_name, key)) if self._policies else (None, False)
        )
        if policy is not None and policy.action == "drop":
            return DROP
        if policy is not None and policy.action == "redact" and not isinstance(value, str):
            return self._redacted(value, policy)  # a container or a number, whole
        # Only a policy on the key itself keeps its value or chooses its operator: one on
        # a name above (`metadata.user`) does not let `metadata.user.password` out.
        own_policy = policy if own else None
        if (
            self.keys is not None
            and isinstance(key, str)
            and value is not None
            and not isinstance(value, bool)
            and self.keys.is_sensitive(key)
            and (own_policy is None or own_policy.action != "keep")
        ):
            REDACTIONS.add([f"key:{SECRET_LABEL.lower()}"])
            return self._replace_whole(value, own_policy)
        return super()._walk_entry(key, value, field_name, depth, path_ids, kwargs)

    def _keys(self, walked: dict[Any, Any], field_name: str | None) -> dict[Any, Any]:
        """A walked dict nested in the data with what the detectors find in its keys
        replaced (**differ** from the seed, whose walk never changes keys: a tool result
        keyed by email address would export every address). A key kept by a field
        policy stays as it is. A new key that meets another key gets a ` (2)`, ` (3)`,
        ... suffix, so no entry is lost."""
        new_names = {}
        for key in walked:
            policy = self._policy(child_name(field_name, key)) if self._policies else None
            if policy is None or policy.action != "keep":
                new = self._anonymized_key(key, policy)
                if new is not key:
                    new_names[key] = new
        return renamed(walked, new_names) if new_names else walked

    def anonymize_key(self, key: str) -> str:
        """`key` with what the detectors find in it replaced (`user/[EMAIL]/plan`)."""
        new: str = self._anonymized_key(key, None)
        return new

    def _anonymized_key(self, key: Any, policy: _Policy | None) -> Any:
        """`key` with what the detectors find in it replaced, or `key` itself."""
        override = policy.operator if policy is not None else None
        if isinstance(key, (int, float)) and not isinstance(key, bool):
            detector = self._number_detector(key)
            if detector is None:
                return key
            REDACTIONS.add([detector.name])
            operator = override or self.operators.get(detector.name, self.operator)
            return operator.apply(str(int(key)), detector.label)
        if key is None or isinstance(key, bool):
            return key
        # Other keys (bytes, tuples, objects) are exported as their `str()`.
        text = key if isinstance(key, str) else str(key)
        if text in self._clean_keys:
            return key
        findings = self.scanner.scan(text)
        if not findings:
            if isinstance(key, str) and len(key) <= _CACHED_NAME_LENGTH:
                if len(self._clean_keys) >= _CACHE_LIMIT:
                    self._clean_keys.clear()
                self._clean_keys.add(key)
            return key
        REDACTIONS.add(finding.detector.name for finding in findings)
        return self._replace(text, findings, override)

    def _replace_whole(self, value: Any, policy: _Policy | None) -> Any:
        operator = (policy.operator if policy is not None else None) or self.operator
        if isinstance(value, dict):
            replaced = {key: self._replace_whole(item, policy) for key, item in value.items()}
            new_names = {
                key: new for key in value if (new := self._anonymized_key(key, policy)) is not key
            }
            return renamed(replaced, new_names) if new_names else replaced
        if isinstance(value, (list, tuple)):
            return [self._replace_whole(item, policy) for item in value]
        return operator.apply(str(value), SECRET_LABEL)

    def _redacted(self, value: Any, policy: _Policy) -> str:
        """A value under a `redact` policy, replaced whole whatever it holds (a JSON
        object, a list, a number): its text, as the policy's operator writes it."""
        if isinstance(value, str):
            text = value
        else:  # sorted: a pseudonym (`hash`) must not depend on the order of the keys
            try:
                text = json.dumps(value, default=str, sort_keys=True)
            except TypeError:  # keys that do not sort together (`1` and `"total"`)
                text = json.dumps(value, default=str)
        return (policy.operator or self.operator).apply(text, policy.label)

    def _policy(self, field_name: str | None) -> _Policy | None:
        """The policy of the nearest name, `field_name` or one it lies under."""
        return self._policy_of(field_name)[0]

    def _policy_of(self, field_name: str | None) -> tuple[_Policy | None, bool]:
        """The policy of the nearest name with one, and whether it is `field_name`'s own.

        A policy on a name covers what lies under it: a field (`output`) its entries
        (`output.value`), an entry holding JSON (`output.value`) what it holds. Names
        come from the data: a long one (not cached) is read within the time budget."""
        if not self._policies:
            return None, False
        try:
            return self._policy_cache[field_name]
        except KeyError:
            pass
        cached = field_name is None or len(field_name) <= _CACHED_NAME_LENGTH
        if not cached:
            check_budget()
        found: tuple[_Policy | None, bool] = (None, False)
        name = field_name
        while name is not None:
            alias = _without_whole_name(name)
            policy = next(
                (
                    policy
                    for pattern, policy in self._policies
                    if pattern.match(name)
                    or (alias is not None and policy.action in _STRICTER and pattern.match(alias))
                ),
                None,
            )
            if policy is not None:
                found = (policy, name == field_name)
                break
            name = name.rpartition(".")[0] or None
        if cached:
            if len(self._policy_cache) >= _CACHE_LIMIT:
                self._policy_cache.clear()
            self._policy_cache[field_name] = found
        return found


#: The policies that may also match a name without its whole-input part: they only
#: replace more (found by review: a `keep` on `input.email` kept `input.value.email`
#: where the field held other entries too, and `metadata.value.email`).
_STRICTER = ("redact", "drop")


def _without_whole_name(name: str) -> str | None:
    """`input.patient.id` for `input.value.patient.id`: the name other anonymizers see
    for what a whole input or output holds (`fields.WHOLE_FIELD_NAMES`), which `redact`
    and `drop` policies may use too. None for other names."""
    field, _, rest = name.partition(".")
    whole, _, tail = rest.partition(".")
    if tail and whole in WHOLE_FIELD_NAMES and field in ("input", "output"):
        return f"{field}.{tail}"
    return None


def _json_string(text: str) -> str:
    """`text` as it is written inside a JSON string (the same object when it needs no
    escape)."""
    return json.dumps(text, ensure_ascii=False)[1:-1] if _JSON_UNSAFE.search(text) else text


def _bytes_text(data: bytes) -> str:
    """Bytes as the text they hold: UTF-8, with each byte that is not (binary data) as
    U+FFFD, so that ASCII in binary data is still read, and a byte before a value never
    reads as a letter glued to it (`\xb5` is `µ` in Latin-1: found by review, an address
    after a msgpack string header went out raw)."""
    return data.decode("utf-8", errors="replace")


def pii_anonymizer(
    detectors: str | Iterable[str] = "default",
    operator: str = "replace",
    *,
    operators: Mapping[str, str] | None = None,
    fields: Sequence[FieldPolicy] = (),
    hash_key: bytes | str | None = None,
    hash_length: int = 8,
    mask_keep: int = 4,
    custom_detectors: Sequence[Detector] = (),
    phone_regions: Sequence[str] | None = None,
    check_keys: bool = True,
    sensitive_keys: Iterable[str] = (),
    safe_keys: Iterable[str] = DEFAULT_SAFE_KEYS,
    max_depth: int = 10,
    on_max_depth: OnMaxDepth = "placeholder",
    timeout: float | None = 1.0,
) -> PIIAnonymizer:
    """An anonymizer with the built-in detectors, usable with `hooks` and the adapters.

    `detectors`: names or sets (`"default"`, `"secrets"`, `"pii"`, `"email,phone"`,
    `"default,-ip_address"`). `operator`: `replace`, `mask`, `redact` or `hash` (which
    needs `hash_key`, at least 32 bytes); `operators` overrides it per detector name;
    `fields` adds per-field policies. `custom_detectors` are added to the selection.
    `timeout` bounds each regex search, in seconds (user patterns cannot hang the
    exporter; a search that exceeds it fails closed).
    """
    options = {"hash_key": hash_key, "mask_keep": mask_keep, "hash_length": hash_length}
    chosen = select(detectors, custom=custom_detectors, phone_regions=phone_regions)
    known = {detector.name for detector in chosen} | {
        detector.name for detector in select("default", custom=custom_detectors)
    }
    per_detector: dict[str, Operator] = {}
    for name, op in (operators or {}).items():
        if name not in known:
            raise ValueError(
                f"operators: unknown detector {name!r}; valid names: {', '.join(sorted(known))}"
            )
        per_detector[name] = make_operator(op, **options)  # type: ignore[arg-type]
    policies = [
        (policy, make_operator(policy.operator, **options) if policy.operator else None)  # type: ignore[arg-type]
        for policy in fields
    ]
    return PIIAnonymizer(
        chosen,
        make_operator(operator, **options),  # type: ignore[arg-type]
        operators=per_detector,
        policies=policies,
        keys=KeyClassifier(sensitive_keys, safe_keys) if check_keys else None,
        max_depth=max_depth,
        on_max_depth=on_max_depth,
        timeout=timeout,
    )
