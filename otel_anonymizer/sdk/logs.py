"""Anonymizing adapters for the OpenTelemetry SDK's log records.

GenAI instrumentations emit prompts and completions as log records (events): the body,
or for `gen_ai.client.inference.operation.details` the attributes, hold the content. The
event name (`LogRecord.event_name`, else the `event.name` attribute) decides which field
the body and unmapped attributes belong to.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.sdk._logs import LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.resources import Resource

from otel_anonymizer.anonymizer import Anonymizer
from otel_anonymizer.failures import record_failure
from otel_anonymizer.fields import DEFAULT_MAPPING, FieldMapping
from otel_anonymizer.placeholders import FAILURE_PLACEHOLDER
from otel_anonymizer.sanitizer import EMIT_TIMEOUT, EXPORT_TIMEOUT, REMOVED, Entry, Sanitizer
from otel_anonymizer.sdk._attributes import (
    attribute_entries,
    rebuild_attributes,
    sanitize_resource,
    sanitize_scope,
    text_value,
)
from otel_anonymizer.values import plain

_logger = logging.getLogger(__name__)


def sanitize_log_record(
    record: ReadableLogRecord | ReadWriteLogRecord, sanitizer: Sanitizer
) -> tuple[Any, Resource | None]:
    """An anonymized copy of `record.log_record` and of the record's resource."""
    [values] = sanitizer.sanitize_many([(_log_entries(record, sanitizer), "log")])
    return _rebuild_log(record, values, sanitizer)


def _log_entries(
    record: ReadableLogRecord | ReadWriteLogRecord, sanitizer: Sanitizer
) -> list[Entry]:
    """The values of a log record, in the order `_rebuild_log` reads them back: body
    and attributes as plain copies (`values.plain`), whatever containers they are."""
    log_record = record.log_record
    attributes = {key: plain(value) for key, value in (log_record.attributes or {}).items()}
    event_name = getattr(log_record, "event_name", None) or attributes.get("event.name")
    field = sanitizer.mapping.event_field(event_name if isinstance(event_name, str) else None)
    field = field or "metadata"
    entries = [
        Entry("body", plain(log_record.body), kind="any", default_field=field, mapped=False),
        *attribute_entries(attributes, kind="any", default_field=field),
    ]
    if getattr(log_record, "event_name", None):
        entries.append(Entry("event_name", log_record.event_name, kind="text", mapped=False))
    if log_record.severity_text:
        entries.append(Entry("severity_text", log_record.severity_text, "text", mapped=False))
    return entries


def _rebuild_log(
    record: ReadableLogRecord | ReadWriteLogRecord, sanitized: list[Any], sanitizer: Sanitizer
) -> tuple[Any, Resource | None]:
    log_record = record.log_record
    values = iter(sanitized)
    body = next(values)
    new_record = copy.copy(log_record)
    new_record.body = None if body is REMOVED else body
    new_record.attributes = rebuild_attributes(
        log_record.attributes or {}, values, sanitizer, record.dropped_attributes
    )
    if getattr(log_record, "event_name", None):
        new_record.event_name = text_value(next(values))
    if log_record.severity_text:
        new_record.severity_text = text_value(next(values))
    if hasattr(new_record, "exception"):
        new_record.exception = None  # already rendered into attributes at emit time
    if record.resource is None:
        return new_record, None
    return new_record, sanitize_resource(record.resource, sanitizer, "log")


def _sanitize_all(
    batch: Sequence[ReadableLogRecord], sanitizer: Sanitizer
) -> list[ReadableLogRecord]:
    """Sanitized copies of `batch`, their values in one Sanitizer call; a record that
    cannot be read or rebuilt is dropped (fail closed), never exported raw."""
    read = []
    for record in batch:
        try:
            read.append((record, _log_entries(record, sanitizer)))
        except Exception as error:
            record_failure("log adapter", type(error).__name__, "log", "log")
    results = sanitizer.sanitize_many([(entries, "log") for _, entries in read])
    sanitized = []
    for (record, _), values in zip(read, results, strict=True):
        try:
            log_record, resource = _rebuild_log(record, values, sanitizer)
            sanitized.append(
                ReadableLogRecord(
                    log_record=log_record,
                    resource=resource if resource is not None else record.resource,
                    instrumentation_scope=sanitize_scope(
                        record.instrumentation_scope, sanitizer, "log"
                    ),
                    limits=record.limits,
                )
            )
        except Exception as error:  # fail closed: drop the record, never export it raw
            record_failure("log adapter", type(error).__name__, "log", "log")
    return sanitized


class AnonymizingLogRecordExporter(LogRecordExporter):
    """Wraps any `LogRecordExporter` and hands it anonymized copies of the records.

    `anonymizers=None` uses the registry in `otel_anonymizer.hooks`, read at each export.
    """

    def __init__(
        self,
        exporter: LogRecordExporter,
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

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        with self.sanitizer.bounded():
            sanitized = _sanitize_all(batch, self.sanitizer)
        try:
            return self.exporter.export(sanitized)
        except Exception:
            _logger.exception("wrapped log exporter %s raised", type(self.exporter).__name__)
            return LogRecordExportResult.FAILURE

    def shutdown(self) -> None:
        self.exporter.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


class AnonymizingLogRecordProcessor(LogRecordProcessor):
    """Wraps a `LogRecordProcessor` and hands it an anonymized copy of each record.

    Runs on the thread that emits the record; the original record is left unchanged.
    """

    def __init__(
        self,
        next_processor: LogRecordProcessor,
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

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        try:
            with self.sanitizer.bounded():
                new_record, resource = sanitize_log_record(log_record, self.sanitizer)
                sanitized = ReadWriteLogRecord(
                    log_record=new_record,
                    resource=resource if resource is not None else log_record.resource,
                    instrumentation_scope=sanitize_scope(
                        log_record.instrumentation_scope, self.sanitizer, "log"
                    ),
                    limits=log_record.limits,
                )
        except Exception as error:  # fail closed: drop the record, never pass it on raw
            record_failure("log adapter", type(error).__name__, "log", "log")
            return
        try:
            self.next_processor.on_emit(sanitized)
        except Exception:
            _logger.exception("wrapped log processor %s raised", type(self.next_processor).__name__)

    def shutdown(self) -> None:
        self.next_processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.next_processor.force_flush(timeout_millis)
