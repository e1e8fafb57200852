"""The protobuf adapter: anonymize OTLP export requests in place, like the SDK adapters.

Each span and log record is described to the core `Sanitizer` with exactly the entries
the SDK adapters use (`otel_anonymizer.sdk.spans` / `.logs`): `span.name`,
`status.description`, attributes, `events.{i}.name` and event attributes (field taken
from the event name), `links.{i}` attributes, `trace_state` and `links.{i}.trace_state`,
and resource and instrumentation-scope attributes under the scopes `resource` and
`scope`; a log record's `body` and attributes, with the field taken from its event name,
then its `event_name` and `severity_text`. There is no second copy of the mapping or
anonymization logic here, only the conversion between protobuf `AnyValue`s and Python
values, and back.

It fails closed per item: if anything raises while one span, log record or resource is
handled, every value of that item is replaced by the placeholder, its attribute keys are
written as exported and its trace states emptied, so raw data is never forwarded.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, MutableSequence, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_anonymizer import tracestate
from otel_anonymizer.failures import record_failure
from otel_anonymizer.fields import Field
from otel_anonymizer.gateway.codec import Request
from otel_anonymizer.gateway.prescreen import Prescreen, Scanned
from otel_anonymizer.names import FreeNames
from otel_anonymizer.sanitizer import REMOVED, Entry, Kind, ObjectType, Sanitizer
from otel_anonymizer.values import UnusableValue

_RESOURCE_CACHE_LIMIT = 256
#: Larger resources and scopes are anonymized each time: requests must not fill memory.
_CACHED_RESOURCE_BYTES = 64 * 1024


@dataclass
class Stats:
    """What one request contained and what anonymizing it changed."""

    items: int = 0  # spans or log records
    redacted: int = 0  # values the anonymizers changed or removed
    failed: int = 0  # items (or resources) replaced by placeholders after an error
    changed: bool = False  # whether the request differs from what came in


class Anonymized(NamedTuple):
    """What `OtlpSanitizer.anonymize` gives: the bytes to forward and the counts. Asked
    not to make bytes that are the request's with new texts written in (`spliced=False`),
    it leaves `payload` empty and gives the `patch` of the request's bytes that makes
    them, for whoever holds those (`prescreen.apply_patch`)."""

    payload: bytes
    stats: Stats
    patch: bytes | None = None


class OtlpSanitizer:
    """Anonymizes `ExportTraceServiceRequest`s and `ExportLogsServiceRequest`s in place.

    Resources and instrumentation scopes repeat unchanged in every request a service
    sends, so their sanitized form is cached by their serialized bytes (the SDK adapters
    cache by object with `Sanitizer.shared`; protobuf objects are new for each request,
    so that would never hit here).
    """

    def __init__(self, sanitizer: Sanitizer) -> None:
        self.sanitizer = sanitizer
        self._shared_cache: dict[tuple[str, bytes, str], tuple[bytes | None, int]] = {}
        self._prescreen = Prescreen.of(sanitizer)

    def anonymize(self, request: Request, serialized: bytes, spliced: bool = True) -> Anonymized:
        """Anonymize `request`, parsed from `serialized` (its protobuf bytes); return the
        bytes to forward and the counts.

        With the prescreen, clean items are passed by, and the values of the others are
        rewritten in the bytes where they can be (`Prescreen.rewrite`); what is left goes
        the full way through the request's objects, which are then serialized again.
        Without it, or where the bytes hold fields this version of OTLP does not know,
        everything goes that way (and those fields are dropped). Not `spliced`, a request
        whose every change was written in its bytes comes back with its patch and no
        payload: for a caller that holds `serialized` and applies it later."""
        logs = isinstance(request, ExportLogsServiceRequest)
        screened = self._screen(serialized, logs)
        if screened is None:  # no prescreen, or bytes it cannot vouch for: all the full way
            stats = self._sanitize(request)
            stats.changed = True  # fields this version of OTLP does not know were dropped
            return Anonymized(request.SerializeToString(), stats)
        dirty, scanned = screened
        stats = Stats(items=count_items(request))
        self._shared_parts(request, stats)
        body = serialized
        if not stats.changed:  # resources as they came: rewrite in the bytes
            body, dirty, patch = self._rewrite(serialized, logs, dirty, scanned, stats, spliced)
            if not dirty:
                if body is serialized:
                    return Anonymized(body, stats)
                return Anonymized(body, stats, patch)
            if body is not serialized:
                request.ParseFromString(body)
        self._items(request, dirty, stats)
        return Anonymized(request.SerializeToString() if stats.changed else body, stats)

    def sanitize_traces(self, request: ExportTraceServiceRequest) -> Stats:
        """Anonymize every span (and its resource) of `request` in place; return the
        counts (the full path, for requests at hand as objects)."""
        return self._sanitize(request)

    def sanitize_logs(self, request: ExportLogsServiceRequest) -> Stats:
        """Anonymize every log record (and its resource) of `request` in place."""
        return self._sanitize(request)

    def _sanitize(self, request: Request) -> Stats:
        """The full path. Fields this version of OTLP does not know are dropped first:
        the anonymizer cannot read them, so they must not be forwarded."""
        request.DiscardUnknownFields()
        stats = Stats(items=count_items(request))
        self._shared_parts(request, stats)
        self._items(request, None, stats)
        return stats

    def _shared_parts(self, request: Request, stats: Stats) -> None:
        """Anonymize the resources and instrumentation scopes of `request` (cached)."""
        if isinstance(request, ExportTraceServiceRequest):
            for resource_spans in request.resource_spans:
                first = next((s for scope in resource_spans.scope_spans for s in scope.spans), None)
                object_type: ObjectType = (
                    "trace" if first is not None and not first.parent_span_id else "span"
                )
                self._shared(resource_spans.resource, "resource", object_type, stats)
                for scope_spans in resource_spans.scope_spans:
                    self._shared(scope_spans.scope, "scope", object_type, stats)
        else:
            for resource_logs in request.resource_logs:
                self._shared(resource_logs.resource, "resource", "log", stats)
                for scope_logs in resource_logs.scope_logs:
                    self._shared(scope_logs.scope, "scope", "log", stats)

    def _items(self, request: Request, dirty: dict[int, list[int]] | None, stats: Stats) -> None:
        """Anonymize the spans or log records of `request` in batches per resource: the
        `dirty` ones with their pending entries, or all of them."""
        ordinal = 0
        if isinstance(request, ExportTraceServiceRequest):
            for resource_spans in request.resource_spans:
                spans = [span for scope in resource_spans.scope_spans for span in scope.spans]
                self._spans(*_pending(spans, dirty, ordinal), stats)
                ordinal += len(spans)
        else:
            for resource_logs in request.resource_logs:
                records = [r for scope in resource_logs.scope_logs for r in scope.log_records]
                self._logs(*_pending(records, dirty, ordinal), stats)
                ordinal += len(records)

    def _rewrite(
        self,
        serialized: bytes,
        logs: bool,
        dirty: dict[int, list[int]],
        scanned: Scanned,
        stats: Stats,
        build: bool,
    ) -> tuple[bytes, dict[int, list[int]], bytes | None]:
        """`Prescreen.rewrite`; on an error, every dirty item takes the full path."""
        assert self._prescreen is not None
        try:
            return self._prescreen.rewrite(serialized, logs, dirty, stats, build, scanned)
        except Exception as error:  # the full path handles them, and fails closed
            record_failure("prescreen", type(error).__name__, "*", "log" if logs else "span")
            return serialized, dirty, None

    def _screen(
        self, serialized: bytes | None, logs: bool
    ) -> tuple[dict[int, list[int]], Scanned] | None:
        """The items that may change, with their entries that may, and what the screen
        found in them (`Prescreen.screen`); None for all."""
        if serialized is None or self._prescreen is None:
            return None
        try:
            return self._prescreen.screen(serialized, logs)
        except Exception as error:  # the full path handles every item, and fails closed
            record_failure("prescreen", type(error).__name__, "*", "log" if logs else "span")
            return None

    def _spans(
        self, spans: Sequence[Span], pending: Sequence[Sequence[int] | None], stats: Stats
    ) -> None:
        """Anonymize `spans` in one batch (`Sanitizer.sanitize_many`, with the `pending`
        entries of each); a span whose values cannot be read or written back becomes a
        placeholder span."""
        batch: list[tuple[Span, list[Entry], ObjectType, Sequence[int] | None]] = []
        for span, entries_pending in zip(spans, pending, strict=True):
            object_type: ObjectType = "span" if span.parent_span_id else "trace"
            try:
                batch.append((span, self._span_entries(span), object_type, entries_pending))
            except Exception as error:
                self._failed_span(span, error, object_type, stats)
        sanitized = self.sanitizer.sanitize_many(
            [(entries, object_type) for _, entries, object_type, _ in batch],
            [entries_pending for *_, entries_pending in batch],
        )
        for (span, entries, object_type, _), values in zip(batch, sanitized, strict=True):
            try:
                stats.changed |= _write_span(span, entries, values, stats, self.sanitizer.key)
            except Exception as error:
                self._failed_span(span, error, object_type, stats)

    def _failed_span(
        self, span: Span, error: Exception, object_type: ObjectType, stats: Stats
    ) -> None:
        record_failure("otlp adapter", type(error).__name__, "span", object_type)
        _placeholder_span(span, self.sanitizer)
        stats.failed += 1
        stats.changed = True

    def _span_entries(self, span: Span) -> list[Entry]:
        """The values of a span, in the order `_write_span` writes them back."""
        entries = [Entry("span.name", span.name, kind="text", mapped=False)]
        if span.status.message:
            entries.append(Entry("status.description", span.status.message, "text", mapped=False))
        entries += _attribute_entries(span.attributes)
        for index, event in enumerate(span.events):
            scope = f"events.{index}"
            field = self.sanitizer.mapping.event_field(event.name) or "metadata"
            entries.append(Entry(f"{scope}.name", event.name, kind="text", mapped=False))
            entries += _attribute_entries(event.attributes, scope=scope, default_field=field)
        for index, link in enumerate(span.links):
            entries += _attribute_entries(link.attributes, scope=f"links.{index}")
        if span.trace_state:
            entries.append(Entry("trace_state", span.trace_state, "text", mapped=False))
        for index, link in enumerate(span.links):
            if link.trace_state:
                name = f"links.{index}.trace_state"
                entries.append(Entry(name, link.trace_state, "text", mapped=False))
        return entries

    def _logs(
        self, records: Sequence[LogRecord], pending: Sequence[Sequence[int] | None], stats: Stats
    ) -> None:
        """Anonymize `records` in one batch, as `_spans` does spans."""
        batch: list[tuple[LogRecord, list[Entry], Sequence[int] | None]] = []
        for record, entries_pending in zip(records, pending, strict=True):
            try:
                batch.append((record, self._log_entries(record), entries_pending))
            except Exception as error:
                self._failed_log(record, error, stats)
        sanitized = self.sanitizer.sanitize_many(
            [(entries, "log") for _, entries, _ in batch],
            [entries_pending for *_, entries_pending in batch],
        )
        for (record, entries, _), values in zip(batch, sanitized, strict=True):
            try:
                stats.changed |= _write_log(record, entries, values, stats, self.sanitizer.key)
            except Exception as error:
                self._failed_log(record, error, stats)

    def _failed_log(self, record: LogRecord, error: Exception, stats: Stats) -> None:
        record_failure("otlp adapter", type(error).__name__, "log", "log")
        _placeholder_log(record, self.sanitizer)
        stats.failed += 1
        stats.changed = True

    def _log_entries(self, record: LogRecord) -> list[Entry]:
        """The values of a log record, in the order `_write_log` writes them back."""
        event_name = record.event_name or _string_attribute(record.attributes, "event.name")
        field = self.sanitizer.mapping.event_field(event_name) or "metadata"
        body = from_any_value(record.body) if record.HasField("body") else None
        entries = [
            Entry("body", body, kind="any", default_field=field, mapped=False),
            *_attribute_entries(record.attributes, kind="any", default_field=field),
        ]
        if record.event_name:
            entries.append(Entry("event_name", record.event_name, "text", mapped=False))
        if record.severity_text:
            entries.append(Entry("severity_text", record.severity_text, "text", mapped=False))
        return entries

    def _shared(
        self,
        owner: Resource | InstrumentationScope,
        name: str,
        object_type: ObjectType,
        stats: Stats,
    ) -> None:
        """Anonymize the attributes of a resource or an instrumentation scope, which
        repeat in every request: cached by their serialized bytes. A resource's entity
        references name attribute keys (and an entity type): they become what those
        keys become (`Sanitizer.key`)."""
        refs = getattr(owner, "entity_refs", ())  # newer OTLP resources only
        if not owner.attributes and not refs:
            return
        original = owner.SerializeToString(deterministic=True)
        key = (name, original, object_type)
        cached = self._shared_cache.get(key)
        if cached is None:
            try:
                entries = _attribute_entries(owner.attributes, scope=name)
                values = self.sanitizer.sanitize(entries, object_type)
                renamed = _rename_entity_refs(refs, self.sanitizer.key)
                if _unchanged(entries, values, self.sanitizer.key) and not renamed:
                    cached = (None, 0)
                else:
                    changed = Changes(entries, self.sanitizer.key)
                    _rewrite_attributes(owner.attributes, iter(values), changed)
                    cached = (
                        owner.SerializeToString(deterministic=True),
                        changed.count + renamed,
                    )
            except Exception as error:
                record_failure("otlp adapter", type(error).__name__, name, object_type)
                _placeholder_attributes(owner.attributes, self.sanitizer)
                if refs:  # entity references name what may have failed: not kept
                    del refs[:]
                stats.failed += 1
                stats.changed = True
                return
            # Not a result with a failure in it (a budget that ran out): the next
            # request may do better.
            placeholder = self.sanitizer.placeholder.encode()
            if len(original) <= _CACHED_RESOURCE_BYTES and placeholder not in (cached[0] or b""):
                if len(self._shared_cache) >= _RESOURCE_CACHE_LIMIT:
                    self._shared_cache.clear()
                self._shared_cache[key] = cached
        elif cached[0] is not None:
            owner.ParseFromString(cached[0])
        stats.redacted += cached[1]
        stats.changed |= cached[0] is not None and cached[0] != original


def _rename_entity_refs(refs: Any, key: Callable[[str], str]) -> int:
    """Write each entity reference's type and keys as `key` makes them; how many
    strings changed."""
    changed = 0
    for ref in refs:
        new_type = key(ref.type)
        changed += new_type != ref.type
        ref.type = new_type
        for names in (ref.id_keys, ref.description_keys):
            new_names = [key(name) for name in names]
            changed += sum(new != old for new, old in zip(new_names, names, strict=True))
            names[:] = new_names
    return changed


T = TypeVar("T")


def _pending(
    items: list[T], dirty: dict[int, list[int]] | None, first: int
) -> tuple[list[T], list[Sequence[int] | None]]:
    """The items (numbered from `first` in the request) that the prescreen found may
    change, each with its entries that may; all of them, with all entries, without a
    prescreen."""
    if dirty is None:
        return items, [None] * len(items)
    chosen = [(item, dirty[index]) for index, item in enumerate(items, first) if index in dirty]
    return [item for item, _ in chosen], [entries for _, entries in chosen]


def count_items(request: Request) -> int:
    """Spans or log records in an export request."""
    if isinstance(request, ExportTraceServiceRequest):
        return sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
    return sum(len(s.log_records) for r in request.resource_logs for s in r.scope_logs)


def _unchanged(
    entries: Sequence[Entry], sanitized: Sequence[Any], key: Callable[[str], str]
) -> bool:
    """Whether no value and no key (`Sanitizer.key`) changes."""
    return all(map(operator.is_, sanitized, (entry.value for entry in entries))) and all(
        key(entry.key) == entry.key for entry in entries
    )


def _write_span(
    span: Span,
    entries: Sequence[Entry],
    sanitized: Sequence[Any],
    stats: Stats,
    key: Callable[[str], str],
) -> bool:
    """Write the sanitized values of `_span_entries` back, and the attributes' keys
    (`key`), counting the changed values; return whether anything was written."""
    if _unchanged(entries, sanitized, key):
        return False  # most spans: nothing to write back
    values = iter(sanitized)
    changed = Changes(entries, key)
    span.name = _text(changed.next(values))
    if span.status.message:
        span.status.message = _text(changed.next(values))
    _rewrite_attributes(span.attributes, values, changed)
    for event in span.events:
        event.name = _text(changed.next(values))
        _rewrite_attributes(event.attributes, values, changed)
    for link in span.links:
        _rewrite_attributes(link.attributes, values, changed)
    if span.trace_state:
        new = changed.next(values)
        if changed.last:
            span.trace_state = _trace_state(new)
    for link in span.links:
        if link.trace_state:
            new = changed.next(values)
            if changed.last:
                link.trace_state = _trace_state(new)
    stats.redacted += changed.count
    return True


def _write_log(
    record: LogRecord,
    entries: Sequence[Entry],
    sanitized: Sequence[Any],
    stats: Stats,
    key: Callable[[str], str],
) -> bool:
    """`_write_span` for the values of `_log_entries`."""
    if _unchanged(entries, sanitized, key):
        return False
    values = iter(sanitized)
    changed = Changes(entries, key)
    new_body = changed.next(values)
    if new_body is REMOVED:
        record.ClearField("body")
    elif changed.last:
        write_any_value(record.body, new_body)
    _rewrite_attributes(record.attributes, values, changed)
    if record.event_name:
        record.event_name = _text(changed.next(values))
    if record.severity_text:
        record.severity_text = _text(changed.next(values))
    stats.redacted += changed.count
    return True


class Changes:
    """Walks the sanitized values alongside the entries and counts the changed ones;
    `key` gives the attributes' new keys (`Sanitizer.key`)."""

    def __init__(self, entries: Sequence[Entry], key: Callable[[str], str]) -> None:
        self._entries = iter(entries)
        self.key = key
        self.count = 0
        self.last = False  # whether the value just returned by `next` differs

    def next(self, values: Iterator[Any]) -> Any:
        value = next(values)
        original = next(self._entries).value
        self.last = not (value is original or (type(value) is type(original) and value == original))
        self.count += self.last
        return value


def _attribute_entries(
    attributes: Sequence[KeyValue],
    *,
    scope: str = "",
    kind: Kind = "attribute",
    default_field: Field = "metadata",
) -> list[Entry]:
    """One entry per attribute, in order.

    Span, event, link and resource attributes are SDK attribute values (scalars and
    tuples of one scalar type); OTLP also allows nested arrays and maps there, which go
    as AnyValues so that their structure survives.
    """
    entries = []
    for attribute in attributes:
        any_value = attribute.value
        text = any_value.string_value  # "" when another kind of value is set
        if text or any_value.WhichOneof("value") == "string_value":  # most: the short way
            entries.append(Entry(attribute.key, text, kind, scope, default_field))
            continue
        value = from_any_value(any_value)
        entry_kind = kind
        if kind == "attribute" and isinstance(value, list) and _homogeneous_scalars(value):
            value = tuple(value)
        elif kind == "attribute" and isinstance(value, (list, dict)):
            entry_kind = "any"
        entries.append(Entry(attribute.key, value, entry_kind, scope, default_field))
    return entries


def _homogeneous_scalars(items: list[Any]) -> bool:
    kinds = {type(item) for item in items}
    return len(kinds) <= 1 and kinds <= {str, bool, int, float}


def _rewrite_attributes(
    attributes: MutableSequence[KeyValue], values: Iterator[Any], changed: Changes
) -> None:
    """Write changed values and keys back; drop removed (and None) ones, as the SDK
    adapters do. A new key that meets another is made free of it (`names.FreeNames`)."""
    dropped: list[int] = []
    new_names: dict[int, str] = {}
    for index, attribute in enumerate(attributes):
        value = changed.next(values)
        if value is REMOVED or value is None:
            dropped.append(index)
            continue
        if changed.last:
            write_any_value(attribute.value, value)
        new = changed.key(attribute.key)
        if new != attribute.key:
            new_names[index] = new
    if new_names:
        gone = set(dropped)
        free = FreeNames(
            {a.key for i, a in enumerate(attributes) if i not in new_names and i not in gone}
        )
        for index, new in new_names.items():
            attributes[index].key = free(new)
    for index in reversed(dropped):
        del attributes[index]


def _string_attribute(attributes: Sequence[KeyValue], key: str) -> str | None:
    for attribute in attributes:
        if attribute.key == key and attribute.value.WhichOneof("value") == "string_value":
            return attribute.value.string_value
    return None


def _text(value: Any) -> str:
    return "" if value is REMOVED or value is None else str(value)


def _trace_state(value: Any) -> str:
    """An anonymized W3C trace state as the SDK adapters write it: one that is no longer
    a valid list (`[CREDIT_CARD]@vendor=x`, the failure placeholder) is dropped."""
    pairs = tracestate.members(_text(value))
    return tracestate.header(pairs) if pairs else ""


def from_any_value(value: AnyValue) -> Any:
    """The Python form of an `AnyValue`: a scalar, a list, a dict, or None when unset.

    A map with a key twice (OTLP forbids it, a client may send it) keeps every value:
    the repeats under `key#2`, `key#3`..., so that each is anonymized and written back.
    """
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [from_any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        free = FreeNames(set(), form="#{}")
        return {free(item.key): from_any_value(item.value) for item in value.kvlist_value.values}
    return getattr(value, kind)


def write_any_value(target: AnyValue, value: Any) -> None:
    """Store a Python value into `target`, in the matching oneof; raise if impossible."""
    target.Clear()
    if value is None:
        return
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        target.int_value = value  # raises ValueError outside int64: the item fails closed
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, bytes):
        target.bytes_value = value
    elif isinstance(value, Mapping):
        target.kvlist_value.SetInParent()
        for key, item in value.items():
            write_any_value(target.kvlist_value.values.add(key=str(key)).value, item)
    elif isinstance(value, (list, tuple)):
        target.array_value.SetInParent()
        for item in value:
            write_any_value(target.array_value.values.add(), item)
    else:
        raise UnusableValue(value)


def _placeholder_value(value: AnyValue, placeholder: str) -> None:
    """Any value, whole: a number may be a card, a list's keys may hold anything. Also
    one left unset by a write that failed half-way."""
    value.string_value = placeholder


def _placeholder_attributes(attributes: Sequence[KeyValue], sanitizer: Sanitizer) -> None:
    """Every value the placeholder; every key as exported (`Sanitizer.key`, kept
    distinct), since the keys may not have been written back yet."""
    keys = [sanitizer.key(attribute.key) for attribute in attributes]
    free = FreeNames(
        {key for attribute, key in zip(attributes, keys, strict=True) if key == attribute.key}
    )
    for attribute, key in zip(attributes, keys, strict=True):
        _placeholder_value(attribute.value, sanitizer.placeholder)
        if key != attribute.key:
            attribute.key = free(key)


def _placeholder_span(span: Span, sanitizer: Sanitizer) -> None:
    placeholder = sanitizer.placeholder
    span.name = placeholder
    if span.status.message:
        span.status.message = placeholder
    _placeholder_attributes(span.attributes, sanitizer)
    for event in span.events:
        event.name = placeholder
        _placeholder_attributes(event.attributes, sanitizer)
    for link in span.links:
        _placeholder_attributes(link.attributes, sanitizer)
        link.trace_state = ""  # a placeholder is no W3C tracestate
    span.trace_state = ""


def _placeholder_log(record: LogRecord, sanitizer: Sanitizer) -> None:
    placeholder = sanitizer.placeholder
    _placeholder_value(record.body, placeholder)
    _placeholder_attributes(record.attributes, sanitizer)
    if record.event_name:
        record.event_name = placeholder
    if record.severity_text:
        record.severity_text = placeholder
