"""Tracer/logger provider pipelines ending in in-memory or OTLP exporters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry.sdk._logs import LoggerProvider, LogRecordProcessor, ReadableLogRecord
from opentelemetry.sdk._logs.export import (
    InMemoryLogRecordExporter,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from .scenario import RESOURCE_OWNER
from .telemetry_text import logs_text, spans_text

RESOURCE = Resource.create(
    {"service.name": "otel-anonymizer-integration", "service.owner": RESOURCE_OWNER}
)

SpanWrap = Callable[[SpanExporter], SpanExporter]
LogWrap = Callable[[LogRecordExporter], LogRecordExporter]


def simple_span_processor(exporter: SpanExporter) -> SpanProcessor:
    """Default span processor factory."""
    return SimpleSpanProcessor(exporter)


def simple_log_processor(exporter: LogRecordExporter) -> LogRecordProcessor:
    """Default log record processor factory."""
    return SimpleLogRecordProcessor(exporter)


@dataclass
class Pipeline:
    """A TracerProvider and LoggerProvider, each with one processor chain."""

    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    span_memory: InMemorySpanExporter | None = None
    log_memory: InMemoryLogRecordExporter | None = None
    raw_span_memory: InMemorySpanExporter | None = None
    raw_log_memory: InMemoryLogRecordExporter | None = None
    _closed: bool = field(default=False, repr=False)

    def flush(self) -> None:
        """Force-flush both providers (needed with batch processors)."""
        assert self.tracer_provider.force_flush(10_000), "span flush timed out"
        assert self.logger_provider.force_flush(10_000), "log flush timed out"

    def shutdown(self) -> None:
        """Shut both providers down (idempotent)."""
        if not self._closed:
            self._closed = True
            self.tracer_provider.shutdown()
            self.logger_provider.shutdown()

    def spans(self) -> tuple[ReadableSpan, ...]:
        """Spans that reached the in-memory span exporter."""
        assert self.span_memory is not None
        return self.span_memory.get_finished_spans()

    def logs(self) -> tuple[ReadableLogRecord, ...]:
        """Log records that reached the in-memory log exporter."""
        assert self.log_memory is not None
        return self.log_memory.get_finished_logs()

    def spans_text(self) -> str:
        """Every string of every exported span."""
        return spans_text(self.spans())

    def logs_text(self) -> str:
        """Every string of every exported log record."""
        return logs_text(self.logs())

    def raw_spans(self) -> tuple[ReadableSpan, ...]:
        """Spans seen by the un-anonymized tap (`tap_raw=True`)."""
        assert self.raw_span_memory is not None
        return self.raw_span_memory.get_finished_spans()

    def raw_logs(self) -> tuple[ReadableLogRecord, ...]:
        """Log records seen by the un-anonymized tap (`tap_raw=True`)."""
        assert self.raw_log_memory is not None
        return self.raw_log_memory.get_finished_logs()


def build_pipeline(
    span_exporter: SpanExporter | None = None,
    log_exporter: LogRecordExporter | None = None,
    *,
    wrap_span_exporter: SpanWrap = lambda e: e,
    wrap_log_exporter: LogWrap = lambda e: e,
    span_processor: Callable[[SpanExporter], SpanProcessor] = simple_span_processor,
    log_processor: Callable[[LogRecordExporter], LogRecordProcessor] = simple_log_processor,
    tap_raw: bool = False,
) -> Pipeline:
    """Providers whose exporters (in-memory by default) are wrapped and put behind processors.

    `span_processor` / `log_processor` build the processor around the (wrapped) exporter;
    pass a factory that wraps the processor to test processor-level anonymization.
    `tap_raw` first adds plain in-memory exporters on the same providers, to see what the
    instrumentation emitted (and that the anonymizing side did not alter those objects).
    """
    span_memory = log_memory = None
    if span_exporter is None:
        span_exporter = span_memory = InMemorySpanExporter()
    if log_exporter is None:
        log_exporter = log_memory = InMemoryLogRecordExporter()
    tracer_provider = TracerProvider(resource=RESOURCE)
    logger_provider = LoggerProvider(resource=RESOURCE)
    raw_span_memory = raw_log_memory = None
    if tap_raw:
        raw_span_memory, raw_log_memory = InMemorySpanExporter(), InMemoryLogRecordExporter()
        tracer_provider.add_span_processor(SimpleSpanProcessor(raw_span_memory))
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(raw_log_memory))
    tracer_provider.add_span_processor(span_processor(wrap_span_exporter(span_exporter)))
    logger_provider.add_log_record_processor(log_processor(wrap_log_exporter(log_exporter)))
    return Pipeline(
        tracer_provider, logger_provider, span_memory, log_memory, raw_span_memory, raw_log_memory
    )
