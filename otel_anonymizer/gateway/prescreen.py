"""Anonymize OTLP requests in their bytes, reading into Python only what may change.

Most spans of LLM traffic hold nothing to anonymize, yet reading one into Python (its
protobuf values, then the Sanitizer's entries) costs more than scanning its text. When
the chain is one `PIIAnonymizer`:

- `Prescreen.screen` reads the serialized request in C (`_wire`, with the anonymizer's
  `TextScreen`) and returns the items the anonymizer may change, and which of their
  values (the others are passed by as they are), with what it found in those it
  scanned;
- `Prescreen.rewrite` asks the anonymizer to `rewrite` those values (from what the
  screen found in them, or read straight from the bytes), and writes the texts it
  returns back into the bytes; the items where it answers otherwise (the walk, a value
  that is not one string) are left to the adapter's full path through the request's
  objects, with those values pending.

That is exact, not a heuristic: an item is passed by only if every value it hands to the
Sanitizer is one `PIIAnonymizer.rewrite` certainly returns as it is (a name that is not
sensitive, text in which the scanner finds nothing, JSON text that `rewrite` handles
itself, integers the numeric detectors leave), and a text is written back only where the
full path would write that same text. The tests compare the paths on random requests.
Without the C extensions, or with another chain, there is no prescreen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from google.protobuf.descriptor import Descriptor
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from otel_anonymizer.anonymizer.base import WALK
from otel_anonymizer.detectors import Finding
from otel_anonymizer.pii import REDACTIONS, PIIAnonymizer
from otel_anonymizer.sanitizer import Entry, Sanitizer

try:
    from otel_anonymizer.gateway import _wire
except ImportError:  # not built (no C compiler at install): every item is handled in full
    _wire = None  # type: ignore[assignment]

#: The wire type of each protobuf field type (`FieldDescriptor.TYPE_*`; groups are none).
_WIRE_TYPES = {1: 1, 2: 5, 3: 0, 4: 0, 5: 0, 6: 1, 7: 5, 8: 0, 9: 2, 11: 2, 12: 2, 13: 0}
_WIRE_TYPES.update({14: 0, 15: 5, 16: 1, 17: 0, 18: 0})
_LENGTH_DELIMITED = 2
#: How many oneofs of a message type `_wire.Schema` tells apart (`MAX_ONEOFS` there).
_MAX_ONEOFS = 8


def _schema(root: Descriptor) -> list[list[tuple[int, int, int, bool, bool, int]]]:
    """The message types reachable from `root` (first), as `_wire.Schema` takes them:
    each field's number, wire type, the index of the type it holds (or -1), whether it
    may come packed, whether it is singular, and the index of its oneof (or -1)."""
    types: list[Descriptor] = [root]
    index = {root.full_name: 0}
    tables: list[list[tuple[int, int, int, bool, bool, int]]] = []
    for message in types:  # grows as nested types are found
        table = []
        # Oneofs of two fields or more (a proto3 `optional` field has one of its own),
        # as many as `_wire` tells apart; a singular field written twice is found anyway.
        shared = [oneof for oneof in message.oneofs if len(oneof.fields) > 1]
        oneofs = {oneof.name: number for number, oneof in enumerate(shared[:_MAX_ONEOFS])}
        for field in message.fields:
            child = -1
            if field.message_type is not None:
                name = field.message_type.full_name
                if name not in index:
                    index[name] = len(types)
                    types.append(field.message_type)
                child = index[name]
            wire = _WIRE_TYPES[field.type]
            packable = field.is_repeated and wire != _LENGTH_DELIMITED
            oneof = field.containing_oneof
            table.append(
                (
                    field.number,
                    wire,
                    child,
                    packable,
                    not field.is_repeated,
                    -1 if oneof is None else oneofs.get(oneof.name, -1),
                )
            )
        tables.append(table)
    return tables


#: Per signal (`logs`), the fields of its requests, to tell the fields this version of
#: OTLP does not know: the anonymizer cannot read them, so they are dropped.
_SCHEMAS: dict[bool, Any] = (
    {
        False: _wire.Schema(_schema(ExportTraceServiceRequest.DESCRIPTOR)),
        True: _wire.Schema(_schema(ExportLogsServiceRequest.DESCRIPTOR)),
    }
    if _wire is not None
    else {}
)


#: New texts for entries of items, as `_wire.splice` takes them: by the item's ordinal in
#: the request, by the entry's index (`Prescreen.screen`), UTF-8 encoded.
Replacements = dict[int, dict[int, bytes]]

#: What the text screen found in the values of dirty entries it scanned, by the item's
#: ordinal: `(entry index, text, how it is rewritten, findings)` (`_wire.dirty_items`).
Scanned = dict[int, list[tuple[int, str, int, list[Finding]]]]


def apply_patch(body: bytes, patch: bytes) -> bytes:
    """The new body a patch of `body` makes (`Prescreen.rewrite`'s, when not asked to
    `build` it): a copy of ranges of `body` and of the patch. ValueError if `patch` does
    not fit `body`; a patch made from another body of the same size is not told apart,
    so the caller applies it to the body it was made from."""
    return _wire.apply_patch(body, patch)


class Counts(Protocol):
    """What `Prescreen.rewrite` adds to (the adapter's `Stats`)."""

    redacted: int
    changed: bool


class Prescreen:
    """Says which items of serialized export requests the anonymizer may change, and
    rewrites what it can of them in the bytes."""

    def __init__(self, sanitizer: Sanitizer, anonymizer: PIIAnonymizer, screen: Any) -> None:
        self._sanitizer = sanitizer
        self._anonymizer = anonymizer
        self._screen = screen
        self._names = _wire.NameCache()  # `_passes`'s answers, kept by `_wire`

    @classmethod
    def of(cls, sanitizer: Sanitizer) -> Prescreen | None:
        """The prescreen for `sanitizer`'s chain, if it has one: a single
        `PIIAnonymizer` (whose `rewrite` the Sanitizer then uses), the extensions built."""
        chain = sanitizer.chain()
        if _wire is None or len(chain) != 1 or not isinstance(chain[0], PIIAnonymizer):
            return None
        screen = chain[0].text_screen()
        return None if screen is None else cls(sanitizer, chain[0], screen)

    def screen(self, body: bytes, logs: bool) -> tuple[dict[int, list[int]], Scanned] | None:
        """The spans or log records of `body` (a serialized `ExportTraceServiceRequest`,
        or `ExportLogsServiceRequest` if `logs`) that may change, by their ordinal in the
        request: the indices of their entries that may (in the order of the adapter's
        `_span_entries` / `_log_entries`); and what the text screen found in the dirty
        entries it scanned, for `rewrite` (which then need not read and scan those
        again). None if that cannot be told (then all may): also where `body` holds
        fields this version of OTLP does not know, which only the full path drops."""
        chain = self._sanitizer.chain()
        if len(chain) != 1 or chain[0] is not self._anonymizer:
            return None  # the registry's chain changed since
        if _SCHEMAS[logs].has_unknown(body) is not False:
            return None
        found = _wire.dirty_items(body, logs, self._screen, self._passes, self._names)
        if found is None:
            return None
        dirty = {ordinal: entries for ordinal, entries, _ in found}
        return dirty, {ordinal: scanned for ordinal, _, scanned in found if scanned is not None}

    def _passes(self, key: str, scope: str, mapped: bool) -> bool:
        """Whether the name of a value with this key is no reason to replace it, and
        the key (of an attribute) is exported as it is. The answers are cached: a key
        that could not be worked out (the placeholder: a budget ran out) raises, so that
        its answer is not kept, and the request takes the full path."""
        if mapped:
            new = self._sanitizer.key(key)
            if new == self._sanitizer.placeholder != key:
                raise TimeoutError("an attribute key could not be anonymized")
            if new != key:
                return False  # the full path writes the new key (`_texts`)
        return self._anonymizer.passes_name(self._name(key, scope, mapped))

    def rewrite(
        self,
        body: bytes,
        logs: bool,
        dirty: dict[int, list[int]],
        counts: Counts,
        build: bool = True,
        scanned: Scanned | None = None,
    ) -> tuple[bytes, dict[int, list[int]], bytes | None]:
        """`body` with the pending values of the `dirty` items (`screen`'s answer)
        rewritten where `rewrite` turns every pending value of an item into a text, and
        the items left for the full path, with their pending entries. Changed values are
        added to `counts`, and what was replaced to `REDACTIONS`. Not to `build` it,
        when no item is left for the full path (which reads the new body), the body
        returned is empty and the last value is the patch of `body` that makes it
        (`apply_patch`; None otherwise): whoever holds `body` makes it by copying
        (`processing.Processed.restore`), where splicing would walk the request again.
        Items whose every pending entry the screen `scanned` (`screen`'s answer) are
        rewritten from that; the others' values are read from the bytes."""
        scanned = scanned or {}
        answers, unread = self._scanned_answers(dirty, scanned)
        self._remember(scanned, unread)
        full: dict[int, list[int]] = {}
        if unread:
            texts, full = self._texts(body, logs, unread)
            if texts is None:
                return body, dirty, None
            answers.update(self._answers(texts))
        replacements: Replacements = {}
        replaced: list[str] = []
        for ordinal, rewritten in answers.items():
            try:
                changes = {
                    index: result.encode()
                    for index, text, result, _ in rewritten
                    if result is not text and result != text
                }
            except (AttributeError, UnicodeEncodeError):  # WALK, or not a text
                changes = None
            if changes is None or any(result is WALK for _, _, result, _ in rewritten):
                full[ordinal] = dirty[ordinal]
                self._remember(scanned, [ordinal])
                continue
            if changes:
                replacements[ordinal] = changes
            replaced += (name for *_, names in rewritten for name in names)
        patch = None
        if replacements:
            if build or full:
                spliced = _wire.splice(body, logs, replacements)
            else:
                patch = _wire.splice_patch(body, logs, replacements)
                spliced = b"" if patch is not None else None
            if spliced is None:  # laid out otherwise than one string per value
                return body, dirty, None
            body = spliced
            counts.redacted += sum(map(len, replacements.values()))
            counts.changed = True
        REDACTIONS.add(replaced)
        return body, full, patch

    def _remember(self, scanned: Scanned, ordinals: Iterable[int]) -> None:
        """Keep what the screen found in the texts of these items, which are read and
        handed to the anonymizer again (`Scanner.remember`): its `scan_many` then does
        not scan them again. Texts the screen found something in but did not hand over
        (a value in a list) are scanned again: rare, and not worth keeping every text."""
        remember = self._anonymizer.scanner.remember
        for ordinal in ordinals:
            for _, text, _, findings in scanned.get(ordinal, ()):
                remember(text, findings)

    def _texts(
        self, body: bytes, logs: bool, dirty: dict[int, list[int]]
    ) -> tuple[dict[int, list[tuple[int, str, str]]] | None, dict[int, list[int]]]:
        """The pending values of the dirty items, read from the bytes, as `(entry index,
        text, name)` per item; and the items left for the full path: those with a value
        that is not one plain string (or not found where expected), or an attribute key
        to replace. None for the first when the bytes cannot be read."""
        wanted = {ordinal: set(entries) for ordinal, entries in dirty.items()}
        values = _wire.entry_values(body, logs, wanted)
        if values is None or values.keys() != wanted.keys():
            return None, dirty
        texts: dict[int, list[tuple[int, str, str]]] = {}
        full: dict[int, list[int]] = {}
        exported_key = self._sanitizer.key
        for ordinal, entries in values.items():
            items = []
            for index, text, key, scope, mapped in entries:
                if text is None or (mapped and exported_key(key) != key):
                    full[ordinal] = dirty[ordinal]
                    break
                items.append((index, text, self._name(key, scope, mapped)))
            else:
                if {index for index, _, _ in items} == wanted[ordinal]:
                    texts[ordinal] = items
                else:
                    full[ordinal] = dirty[ordinal]
        return texts, full

    def _scanned_answers(
        self, dirty: dict[int, list[int]], scanned: Scanned
    ) -> tuple[dict[int, list[tuple[int, str, Any, list[str]]]], dict[int, list[int]]]:
        """`_answers` for the dirty items whose every pending entry was scanned, from
        what was found (their names pass: `rewrite` depends on the text alone); and the
        other dirty items, whose values are to be read."""
        answers: dict[int, list[tuple[int, str, Any, list[str]]]] = {}
        unread: dict[int, list[int]] = {}
        rewrite = self._anonymizer.rewrite_scanned
        for ordinal, entries in dirty.items():
            records = scanned.get(ordinal)
            if records is None or sorted(index for index, *_ in records) != sorted(entries):
                unread[ordinal] = entries
                continue
            answers[ordinal] = [
                (index, text, *rewrite(text, how, findings))
                for index, text, how, findings in records
            ]
        return answers, unread

    def _answers(
        self, texts: dict[int, list[tuple[int, str, str]]]
    ) -> dict[int, list[tuple[int, str, Any, list[str]]]]:
        """`rewrite_found` of all the texts in one call, back per item: `(entry index,
        text, result, names of what was replaced)`."""
        owners = [(ordinal, index) for ordinal, items in texts.items() for index, _, _ in items]
        items = [(text, name) for values in texts.values() for _, text, name in values]
        results, found = self._anonymizer.rewrite_found(items)
        answers: dict[int, list[tuple[int, str, Any, list[str]]]] = {}
        for (ordinal, index), (text, _), result, names in zip(
            owners, items, results, found, strict=True
        ):
            answers.setdefault(ordinal, []).append((index, text, result, names))
        return answers

    def _name(self, key: str, scope: str, mapped: bool) -> str:
        """The name a value with this key has in its field (what anonymizers see)."""
        return self._sanitizer.place(Entry(key, None, scope=scope, mapped=mapped))[1]
