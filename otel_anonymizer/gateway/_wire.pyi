"""Type stubs of the C extension (see _wire.c and prescreen.py)."""

from collections.abc import Callable, Sequence
from typing import Any

from otel_anonymizer.detectors._native import TextScreen
from otel_anonymizer.detectors.base import Finding

def dirty_items(
    body: bytes,
    logs: bool,
    screen: TextScreen,
    passes: Callable[[str, str, bool], bool],
    names: NameCache,
    /,
) -> list[tuple[int, list[int], list[tuple[int, str, int, list[Finding]]] | None]] | None:
    """The spans (log records if `logs`) of the serialized export request `body` that
    the anonymizer behind `screen` may change, as `(ordinal, indices of the entries that
    may change, (index, text, how, findings) of those the screen scanned)`; None if
    `body` does not read as a request."""

def entry_values(
    body: bytes, logs: bool, wanted: dict[int, set[int]], /
) -> dict[int, list[tuple[int, str | None, str, str, bool]]] | None:
    """For each item of `body` named in `wanted` (ordinal -> entry indices), those entries
    as `(index, text, key, scope, mapped)`: the text of a value that is one plain string
    (None for any other), and what its name is made of. None if `body` does not read as
    a request."""

def splice(body: bytes, logs: bool, replacements: dict[int, dict[int, bytes]], /) -> bytes | None:
    """`body` with the texts of the entries in `replacements` (ordinal -> entry index ->
    UTF-8 text) replaced, everything else keeping its bytes; None where an entry is not
    laid out as one plain string that can be replaced alone."""

def splice_patch(
    body: bytes, logs: bool, replacements: dict[int, dict[int, bytes]], /
) -> bytes | None:
    """`splice(body, logs, replacements)` as a patch of `body` (ranges of it, and the
    bytes that are new), in this machine's byte order; None where that is None."""

def apply_patch(body: bytes, patch: bytes, /) -> bytes:
    """The new body a `splice_patch` of `body` makes, by copying; ValueError if `patch`
    does not fit `body` (one made from another body of the same size is not told apart)."""

class Schema:
    """The fields of the message types of an OTLP request (the request first): for each
    type, (number, wire type, index of the type it holds or -1, packable, singular,
    index of its oneof or -1)."""

    def __init__(
        self, messages: Sequence[Sequence[tuple[int, int, int, bool, bool, int]]], /
    ) -> None: ...
    def has_unknown(self, body: bytes, /) -> bool | None:
        """Whether `body` holds, at any depth, a field the schema does not know or with
        another wire type, a singular field written twice or two fields of one oneof
        (bytes a parser reads over); None if it does not read as a message."""

class NameCache:
    """What `passes` said of names, for `dirty_items`: by their bytes in a table of
    slots, and all in a dict (names longer than a slot, up to 200 characters)."""

    @property
    def verdicts(self) -> dict[Any, bool]:
        """Every verdict kept: key, or (key, scope or None, mapped) -> bool."""
