"""Coercion of anonymizer results into values OpenTelemetry can carry.

Anonymizers may return anything. Attribute values must be str, bool, int, float, bytes
or a homogeneous sequence of one of them; log bodies and log attributes may also hold
nested lists and string-keyed dicts (AnyValue). What can be expressed faithfully is
converted (a dict for an attribute becomes its JSON text); anything else raises
`UnusableValue`, and the caller writes a placeholder instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from otel_anonymizer.placeholders import CYCLE_PLACEHOLDER, MAX_DEPTH_PLACEHOLDER

_PRIMITIVES = (str, bool, int, float)


class UnusableValue(TypeError):
    """An anonymizer returned something that cannot be exported; never holds the value."""

    def __init__(self, value: Any) -> None:
        super().__init__(f"cannot export a value of type {type(value).__name__}")


def to_attribute_value(value: Any) -> Any:
    """Coerce `value` to a legal span/resource attribute value (None means: drop it)."""
    if value is None or isinstance(value, (*_PRIMITIVES, bytes)):
        return value
    if isinstance(value, Sequence):
        items = tuple(value)
        kinds = {type(item) for item in items}
        if not items or (len(kinds) == 1 and kinds <= {str, bool, int, float}):
            return items
        if kinds <= {int, float}:
            return tuple(float(item) for item in items)
    if isinstance(value, (Mapping, Sequence)):
        return _to_json(value)
    raise UnusableValue(value)


def to_any_value(value: Any, depth: int = 0) -> Any:
    """Coerce `value` to an OpenTelemetry AnyValue (log bodies and log attributes)."""
    if value is None or isinstance(value, (*_PRIMITIVES, bytes)):
        return value
    if depth > 64:
        raise UnusableValue(value)
    if isinstance(value, Mapping):
        return {str(key): to_any_value(item, depth + 1) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [to_any_value(item, depth + 1) for item in value]
    raise UnusableValue(value)


#: How deep `plain` copies: deeper containers are replaced by the placeholder, as
#: anonymizers replace what lies deeper than their `max_depth`.
PLAIN_DEPTH = 64


def plain(value: Any, depth: int = 0, path: frozenset[int] = frozenset()) -> Any:
    """A copy of `value` made of the containers anonymizers walk: every mapping a new
    dict, every other sequence a new list (tuples stay tuples), bytes-like objects
    bytes. A log body can be any `Mapping` or `Sequence` (a `requests` headers dict, a
    `deque`), which the walk would pass as a leaf and the exporter then convert raw;
    and a copy is not changed by the application after it was anonymized. A container
    that contains itself is replaced by `CYCLE_PLACEHOLDER` where the cycle closes."""
    if value is None or isinstance(value, (*_PRIMITIVES, bytes)):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, (Mapping, Sequence)):
        return value
    if id(value) in path:
        return CYCLE_PLACEHOLDER
    if depth >= PLAIN_DEPTH:
        return MAX_DEPTH_PLACEHOLDER
    inner = path | {id(value)}
    if isinstance(value, Mapping):
        return {key: plain(item, depth + 1, inner) for key, item in value.items()}
    items = [plain(item, depth + 1, inner) for item in value]
    return tuple(items) if isinstance(value, tuple) else items


def _to_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise UnusableValue(value) from None
