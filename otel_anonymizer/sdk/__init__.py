"""Adapters for the OpenTelemetry SDK: exporter and processor wrappers."""

from otel_anonymizer.sdk.logs import AnonymizingLogRecordExporter, AnonymizingLogRecordProcessor
from otel_anonymizer.sdk.spans import AnonymizingSpanExporter, AnonymizingSpanProcessor

__all__ = [
    "AnonymizingLogRecordExporter",
    "AnonymizingLogRecordProcessor",
    "AnonymizingSpanExporter",
    "AnonymizingSpanProcessor",
]
