"""JSON held in strings: parse it so anonymizers see structure, and write it back.

Instrumentations store messages as JSON text, sometimes JSON inside JSON (a tool result
that is itself a JSON string, MLflow's quoted strings). `decode` parses such strings,
nested ones included, and returns a *shape* recording where JSON text was found;
`encode` turns the (anonymized) structure back into compact JSON text at those places.
Strings that are not valid JSON stay strings and are anonymized as text; so does JSON
with a key twice in one object, which a parse would read as its last value only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

try:
    from otel_anonymizer.detectors import _native
except ImportError:  # not built (no C compiler at install): the Python version is used
    _native = None  # type: ignore[assignment]

#: How many times a string is decoded when JSON holds a JSON string (double encoding).
MAX_LAYERS = 2

_JSON_STARTS = frozenset('{["')
#: A key of JSON text, read in the text reversed: the colon, the closing quote, then the
#: key up to a quote that no backslash escapes (reversed, an escaped quote is `"\\`).
_REVERSED_KEY = re.compile(r':[ \t\n\r]*"([^"]*(?:"(?=\\)[^"]*)*)')
_SIMPLE_ESCAPES = (
    ('\\"', '"'),
    ("\\/", "/"),
    ("\\b", "\b"),
    ("\\f", "\f"),
    ("\\n", "\n"),
    ("\\r", "\r"),
    ("\\t", "\t"),
)
#: In JSON text without escapes: a string that starts like JSON (`looks_like_json`).
_NESTED_JSON = re.compile(r'"\s*[\[{]')
_BRACKETS = re.compile(r"[\[\]{}]")
#: After a string's closing quote: the string was a key.
_KEY_END = re.compile(r"\s*:")
#: Where `read_layout` finds a span: outside strings or across a quote, in a string
#: value, in a key.
OUTSIDE, IN_VALUE, IN_KEY = range(3)
#: A surrogate that is not half of a pair: JSON text may escape one (`\ud800`), and a
#: string holding it cannot be exported (not UTF-8).
_SURROGATE = re.compile("[\ud800-\udfff]")
#: `\uXXXX`, or a surrogate pair of them (one character beyond the BMP).
_UNICODE_ESCAPE = re.compile(
    r"\\u(?:([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|([0-9a-fA-F]{4}))"
)


class JsonText:
    """Shape node: the value here was JSON text, decoded `layers` times."""

    __slots__ = ("inner", "layers")

    def __init__(self, layers: int, inner: Shape) -> None:
        self.layers = layers
        self.inner = inner


def parses(text: str) -> bool:
    """Whether `decode` reads `text` as JSON: it parses, with no key twice in one object
    (a parse would keep only the last value; such text is anonymized as text)."""
    try:
        json.loads(text, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return False
    return True


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads`'s `object_pairs_hook`: refuse an object that has a key twice. It
    costs about 2 us more per 1.5 KB text (the parser hands over pairs, not a dict;
    the check itself is not the cost): only the walk decodes JSON."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return result


# A shape is None (no JSON text inside), a JsonText, or a dict from child key/index to
# the shape of that child.
Shape = Any


def decode(value: Any, max_depth: int = 32) -> tuple[Any, Shape]:
    """Parse JSON text in `value` (and inside it); return the structure and its shape.

    Containers are always rebuilt, so the result can be handed to code that mutates it.
    """
    if isinstance(value, str):
        return _decode_text(value, max_depth)
    if max_depth <= 0:
        return value, None
    if isinstance(value, dict):
        return _decode_items(value.items(), dict, max_depth)
    if isinstance(value, (list, tuple)):
        return _decode_items(enumerate(value), list, max_depth)
    return value, None


def encode(value: Any, shape: Shape) -> Any:
    """Undo `decode`: write JSON text back where `shape` says there was some.

    Tolerates structures that anonymizers changed: where a child is gone, or a value
    has a different type than when decoded, it is left as the anonymizer returned it.
    Raises `TypeError`/`ValueError` if something at a JSON place cannot be serialized.
    """
    if shape is None:
        return value
    if isinstance(shape, JsonText):
        text = encode(value, shape.inner)
        for _ in range(shape.layers):
            written = json.dumps(text, ensure_ascii=False, separators=(",", ":"))
            if _SURROGATE.search(written):  # escaped as it came: only then is it UTF-8
                written = json.dumps(text, separators=(",", ":"))
            text = written
        return text
    if isinstance(value, dict):
        # A key an anonymizer replaced (`names.Renamed`) has its shape under the old key.
        before = getattr(value, "renamed_from", {})
        return {key: encode(child, shape.get(before.get(key, key))) for key, child in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(child, shape.get(index)) for index, child in enumerate(value)]
    return value


def redecode(text: str, shape: Shape) -> Any:
    """`decode(text)[0]` for a text decoded before with this `shape`: parsed by
    `json.loads` alone (in C) when the shape says no JSON text was inside it."""
    if isinstance(shape, JsonText) and shape.layers == 1 and shape.inner is None:
        return json.loads(text)
    return decode(text)[0]


def _decode_text(text: str, max_depth: int) -> tuple[Any, Shape]:
    layers = 0
    value: Any = text
    while layers < MAX_LAYERS and isinstance(value, str) and looks_like_json(value):
        try:
            value = json.loads(value, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError):  # too deep to parse, a key twice: text
            break
        layers += 1
    if layers == 0:
        return text, None
    inner_value, inner_shape = decode(value, max_depth - 1)
    return inner_value, JsonText(layers, inner_shape)


def _decode_items(items: Any, container: type, max_depth: int) -> tuple[Any, Shape]:
    shape: dict[Any, Shape] = {}
    decoded: dict[Any, Any] = {}
    for key, child in items:
        child_value, child_shape = decode(child, max_depth - 1)
        decoded[key] = child_value
        if child_shape is not None:
            shape[key] = child_shape
    # Always a new container: anonymizers may mutate what they get, and the caller's
    # data (a log body, say) must stay untouched.
    rebuilt = decoded if container is dict else list(decoded.values())
    return rebuilt, (shape or None)


def unescape(text: str, *, keep_quotes: bool = False) -> str:
    """`text` with its JSON escapes replaced by the characters they stand for: the strings
    of a JSON text as `json.loads` decodes them, in place, with the structure around
    them (for scanning JSON text without parsing it).

    `keep_quotes` writes every escaped quote (`\\"`, `\\u0022`) as `\\"`: then a quote
    that delimits a string of the text is still told from one inside it.
    Every backslash must start an escape: `text` holds no escaped backslash (`\\\\`).
    """
    for escape, char in _SIMPLE_ESCAPES[1:] if keep_quotes else _SIMPLE_ESCAPES:
        if escape in text:
            text = text.replace(escape, char)
    if "\\u" in text:  # last: what it decodes to is not decoded again
        replace = _unicode_char_keeping_quotes if keep_quotes else _unicode_char
        text = _UNICODE_ESCAPE.sub(replace, text)
    return text


def _unicode_char(match: re.Match[str]) -> str:
    high, low, single = match.groups()
    if single is not None:
        return chr(int(single, 16))
    return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00))


def _unicode_char_keeping_quotes(match: re.Match[str]) -> str:
    char = _unicode_char(match)
    return '\\"' if char == '"' else char


def looks_like_json(text: str) -> bool:
    """Whether `text` starts like a JSON object, array or string (worth trying to parse)."""
    first = text[:1]
    if first.isspace():  # rare: only then is a stripped copy made
        first = text.lstrip()[:1]
    return first in _JSON_STARTS and first != ""


def read_keys(text: str) -> set[str]:
    """The distinct object keys of JSON text, and of JSON inside its strings: from each
    key's end back to the unescaped quote before it, found as the text reversed is read
    forward (a key is short, a long string value before it is never read).

    `text` is unescaped but keeps its escaped quotes (`unescape(keep_quotes=True)`): a
    top-level key holding a quote (`api\\"key`) is read whole. A key of JSON inside a
    string is read with what precedes it back to that string's opening quote: more
    words, never fewer, so a sensitive key is never missed (a safe one may be taken
    for sensitive). The C extension reads the same keys without reversing the text.
    """
    return {key[::-1] for key in _REVERSED_KEY.findall(text[::-1])}


#: `read_keys`, in C when the extension is built.
object_keys: Callable[[str], set[str]] = _native.json_keys if _native is not None else read_keys


def read_layout(text: str, spans: Sequence[tuple[int, int, Any]]) -> tuple[bool, bool, int, bytes]:
    """How the walk would read JSON text without escapes, and where `spans` of it stand,
    for anonymizing it in place: whether a string in it starts like JSON (a quote, then
    whitespace and a bracket), whether its quotes are odd in number (then it does not
    parse), how deep brackets outside strings nest, and for each span (ascending
    `(start, end, ...)` tuples) whether it is `OUTSIDE` strings or across a quote,
    `IN_VALUE` or `IN_KEY` (its string's closing quote is followed by a colon). The C
    extension reads the text once."""
    nested = _NESTED_JSON.search(text) is not None
    parts = text.split('"')
    depth = deepest = 0
    for bracket in _BRACKETS.findall("".join(parts[::2])):  # outside strings
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    places = bytearray()
    quotes = last = 0
    searched, closing = -1, -1  # the first quote from `searched`, kept for the next span
    for start, end, *_ in spans:
        quotes += text.count('"', last, start)
        last = start
        if searched < 0 or end < searched or 0 <= closing < end:
            searched, closing = end, text.find('"', end)
        if quotes % 2 == 0 or text.find('"', start, end) >= 0 or closing < 0:
            places.append(OUTSIDE)
        else:
            places.append(IN_KEY if _KEY_END.match(text, closing + 1) else IN_VALUE)
    return nested, len(parts) % 2 == 0, deepest, bytes(places)


#: `read_layout`, in C when the extension is built.
json_layout: Callable[[str, Sequence[tuple[int, int, Any]]], tuple[bool, bool, int, bytes]] = (
    _native.json_layout if _native is not None else read_layout
)
