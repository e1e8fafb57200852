"""Type stubs of the C extension (see _wire.c and prescreen.py)."""

from collections.abc import Callable
from typing import Any

from otel_anonymizer.detectors._native import TextScreen

def dirty_items(
    body: bytes,
    logs: bool,
    screen: TextScreen,
    passes: Callable[[str, str, bool], bool],
    names: dict[Any, bool],
    /,
) -> list[tuple[int, list[int]]] | None:
    """The spans (log records if `logs`) of the serialized export request `body` that
    the anonymizer behind `screen` may change, as `(ordinal, indices of the entries that
    may change)`; None if `body` does not read as a request."""
