"""Anonymizing adapters for the OpenTelemetry SDK's spans.

`AnonymizingSpanExporter` sanitizes at export time, on the exporter's thread (the worker
of a `BatchSpanProcessor`): the cheap choice for the application. `AnonymizingSpanProcessor`
sanitizes in `on_end`, on the thread that ends the span, for setups where every
downstream processor must see clean data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import Link, SpanContext, Status, TraceState

from otel_anonymizer import tracestate
from otel_anonymizer.anonymizer import Anonymizer
from otel_anonymizer.failures import record_failure
from otel_anonymizer.fields import DEFAULT_MAPPING, FieldMapping
from otel_anonymizer.placeholders import FAILURE_PLACEHOLDER
from otel_anonymizer.sanitizer import EMIT_TIMEOUT, EXPORT_TIMEOUT, Entry, ObjectType, Sanitizer
from otel_anonymizer.sdk._attributes import (
    attribute_entries,
    rebuild_attributes,
    sanitize_resource,
    sanitize_scope,
    text_value,
)

_logger = logging.getLogger(__name__)


def sanitize_span(span: ReadableSpan, sanitizer: Sanitizer) -> ReadableSpan:
    """A copy of `span` with names, attributes, events, links, status and resource
    attributes anonymized. The span's ids, times and kind are kept."""
    entries, object_type = _span_entries(span, sanitizer)
    [values] = sanitizer.sanitize_many([(entries, object_type)])
    return _rebuild_span(span, values, sanitizer, object_type)


def _span_entries(span: ReadableSpan, sanitizer: Sanitizer) -> tuple[list[Entry], ObjectType]:
    """The values of a span, in the order `_rebuild_span` reads them back."""
    entries = [Entry("span.name", span.name, kind="text", mapped=False)]
    if span.status.description is not None:
        entries.append(
            Entry("status.description", span.status.description, kind="text", mapped=False)
        )
    entries += attribute_entries(span.attributes)
    for index, event in enumerate(span.events):
        scope = f"events.{index}"
        field = sanitizer.mapping.event_field(event.name) or "metadata"
        entries.append(Entry(f"{scope}.name", event.name, kind="text", mapped=False))
        entries += attribute_entries(event.attributes, scope=scope, default_field=field)
    for index, link in enumerate(span.links):
        entries += attribute_entries(link.attributes, scope=f"links.{index}")
    if span.context is not None and span.context.trace_state:
        header = span.context.trace_state.to_header()
        entries.append(Entry("trace_state", header, kind="text", mapped=False))
    for index, link in enumerate(span.links):
        if link.context.trace_state:
            header = link.context.trace_state.to_header()
            entries.append(Entry(f"links.{index}.trace_state", header, kind="text", mapped=False))
    return entries, "trace" if span.parent is None else "span"


def _rebuild_span(
    span: ReadableSpan, sanitized: list[Any], sanitizer: Sanitizer, object_type: ObjectType
) -> ReadableSpan:
    values = iter(sanitized)
    name = text_value(next(values))
    description = span.status.description
    if description is not None:
        description = text_value(next(values))
    status = Status(span.status.status_code, description)
    attributes = rebuild_attributes(span.attributes, values, sanitizer, span.dropped_attributes)
    new_events = []
    for event in span.events:
        event_name = text_value(next(values))
        new_events.append(
            Event(
                event_name,
                rebuild_attributes(event.attributes, values, sanitizer, event.dropped_attributes),
                event.timestamp,
            )
        )
    link_attributes = [
        rebuild_attributes(link.attributes, values, sanitizer, link.dropped_attributes)
        for link in span.links
    ]
    # The trace states come last, the span's and then its links' (`_span_entries`).
    context, parent = span.context, span.parent
    if context is not None and context.trace_state:
        context = _with_trace_state(context, _trace_state(next(values)))
    if parent is not None and parent.trace_state:
        # Not exported, but processors after this one can read it: the span's own, as
        # anonymized, where the span inherited it; otherwise none (never raw).
        inherited = span.context is not None and parent.trace_state == span.context.trace_state
        parent = _with_trace_state(parent, context.trace_state if inherited else TraceState())
    new_links = [
        Link(
            _with_trace_state(link.context, _trace_state(next(values)))
            if link.context.trace_state
            else link.context,
            attributes,
        )
        for link, attributes in zip(span.links, link_attributes, strict=True)
    ]
    return ReadableSpan(
        name=name,
        context=context,
        parent=parent,
        resource=sanitize_resource(span.resource, sanitizer, object_type),
        attributes=attributes,
        events=_with_dropped(new_events, span.dropped_events),
        links=_with_dropped(new_links, span.dropped_links),
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=sanitize_scope(span.instrumentation_scope, sanitizer, object_type),
    )


def _with_dropped(items: list[Any], dropped: int) -> Sequence[Any]:
    """The events or links of a copy, saying how many of the original's the SDK's
    limits dropped (a plain list says none)."""
    if not dropped:
        return items
    bounded = BoundedList.from_seq(None, items)
    bounded.dropped = dropped
    return bounded


def _trace_state(header: Any) -> TraceState:
    """The trace state of an anonymized header; one that is no longer a valid W3C list
    is dropped whole, never exported raw (and never logged: `tracestate.members`)."""
    pairs = tracestate.members(text_value(header))
    return TraceState(pairs) if pairs else TraceState()


def _with_trace_state(context: SpanContext, state: TraceState) -> SpanContext:
    """`context` with the trace state `state`, its ids and flags kept."""
    if state == context.trace_state:
        return context
    return SpanContext(
        context.trace_id, context.span_id, context.is_remote, context.trace_flags, state
    )


def _sanitize_all(spans: Sequence[ReadableSpan], sanitizer: Sanitizer) -> list[ReadableSpan]:
    """Sanitized copies of `spans`, anonymized in one batch (`Sanitizer.sanitize_many`);
    a span that cannot be read or rebuilt is dropped (fail closed), never exported raw."""
    batch = []
    for span in spans:
        try:
            batch.append((span, *_span_entries(span, sanitizer)))
        except Exception as error:
            record_failure("span adapter", type(error).__name__, "span", "span")
    results = sanitizer.sanitize_many([(entries, object_type) for _, entries, object_type in batch])
    sanitized = []
    for (span, _, object_type), values in zip(batch, results, strict=True):
        try:
            sanitized.append(_rebuild_span(span, values, sanitizer, object_type))
        except Exception as error:
            record_failure("span adapter", type(error).__name__, "span", object_type)
    return sanitized


class AnonymizingSpanExporter(SpanExporter):
    """Wraps any `SpanExporter` and hands it anonymized copies of the spans.

    `anonymizers=None` uses the registry in `otel_anonymizer.hooks`, read at each export.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        anonymizers: Iterable[Anonymizer] | None = None,
        *,
        mapping: FieldMapping = DEFAULT_MAPPING,
        placeholder: str = FAILURE_PLACEHOLDER,
        timeout: float | None = EXPORT_TIMEOUT,
    ) -> None:
        self.exporter = exporter
        self.sanitizer = Sanitizer(
            anonymizers, mapping=mapping, placeholder=placeholder, timeout=timeout
        )

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self.sanitizer.bounded():
            sanitized = _sanitize_all(spans, self.sanitizer)
        try:
            return self.exporter.export(sanitized)
        except Exception:
            _logger.exception("wrapped span exporter %s raised", type(self.exporter).__name__)
            return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


class AnonymizingSpanProcessor(SpanProcessor):
    """Wraps a `SpanProcessor` and hands it anonymized copies of ended spans.

    `on_start` passes the live span through unchanged (it is still being written and
    processors may need to add attributes to it); `on_end` passes a sanitized copy.
    """

    def __init__(
        self,
        next_processor: SpanProcessor,
        anonymizers: Iterable[Anonymizer] | None = None,
        *,
        mapping: FieldMapping = DEFAULT_MAPPING,
        placeholder: str = FAILURE_PLACEHOLDER,
        timeout: float | None = EMIT_TIMEOUT,
    ) -> None:
        self.next_processor = next_processor
        self.sanitizer = Sanitizer(
            anonymizers, mapping=mapping, placeholder=placeholder, timeout=timeout
        )

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.next_processor.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        with self.sanitizer.bounded():
            copies = _sanitize_all([span], self.sanitizer)
        for sanitized in copies:
            try:
                self.next_processor.on_end(sanitized)
            except Exception:
                _logger.exception(
                    "wrapped span processor %s raised", type(self.next_processor).__name__
                )

    def shutdown(self) -> None:
        self.next_processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.next_processor.force_flush(timeout_millis)
