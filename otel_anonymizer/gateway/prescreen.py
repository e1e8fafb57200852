"""Pass the clean spans and log records of a request by without reading them into Python.

Most spans of LLM traffic hold nothing to anonymize, yet reading one into Python (its
protobuf values, then the Sanitizer's entries) costs more than scanning its text. When
the chain is one `PIIAnonymizer`, `Prescreen.dirty` reads the serialized request in C
(`_wire`, with the anonymizer's `TextScreen`) and returns the items the anonymizer may
change, and which of their values; the adapter hands those items to the Sanitizer,
with those values pending, and leaves the rest as it is.

That is exact, not a heuristic: an item is passed by only if every value it hands to the
Sanitizer is one `PIIAnonymizer.rewrite` certainly returns as it is (a name that is not
sensitive, text in which the scanner finds nothing, JSON text that `rewrite` handles
itself, integers the numeric detectors leave). The tests compare both paths on random
requests. Without the C extensions, or with another chain, there is no prescreen.
"""

from __future__ import annotations

from typing import Any

from otel_anonymizer.pii import PIIAnonymizer
from otel_anonymizer.sanitizer import Entry, Sanitizer

try:
    from otel_anonymizer.gateway import _wire
except ImportError:  # not built (no C compiler at install): every item is handled in full
    _wire = None  # type: ignore[assignment]


class Prescreen:
    """Says which items of serialized export requests the anonymizer may change."""

    def __init__(self, sanitizer: Sanitizer, anonymizer: PIIAnonymizer, screen: Any) -> None:
        self._sanitizer = sanitizer
        self._anonymizer = anonymizer
        self._screen = screen
        self._names: dict[Any, bool] = {}  # `_passes`'s answers, kept by `_wire`

    @classmethod
    def of(cls, sanitizer: Sanitizer) -> Prescreen | None:
        """The prescreen for `sanitizer`'s chain, if it has one: a single
        `PIIAnonymizer` (whose `rewrite` the Sanitizer then uses), the extensions built."""
        chain = sanitizer.chain()
        if _wire is None or len(chain) != 1 or not isinstance(chain[0], PIIAnonymizer):
            return None
        screen = chain[0].text_screen()
        return None if screen is None else cls(sanitizer, chain[0], screen)

    def dirty(self, body: bytes, logs: bool) -> dict[int, list[int]] | None:
        """The spans or log records of `body` (a serialized `ExportTraceServiceRequest`,
        or `ExportLogsServiceRequest` if `logs`) that may change, by their ordinal in the
        request: the indices of their entries that may (in the order of the adapter's
        `_span_entries` / `_log_entries`). None if that cannot be told (then all may)."""
        chain = self._sanitizer.chain()
        if len(chain) != 1 or chain[0] is not self._anonymizer:
            return None  # the registry's chain changed since
        dirty = _wire.dirty_items(body, logs, self._screen, self._passes, self._names)
        return None if dirty is None else dict(dirty)

    def _passes(self, key: str, scope: str, mapped: bool) -> bool:
        """Whether the name of a value with this key is no reason to replace it."""
        entry = Entry(key, None, scope=scope, mapped=mapped)
        return self._anonymizer.passes_name(self._sanitizer.place(entry)[1])
