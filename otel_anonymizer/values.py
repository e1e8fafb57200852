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


def _to_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise UnusableValue(value) from None
