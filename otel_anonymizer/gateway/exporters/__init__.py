"""Exporters: where sanitized requests go (OTLP/gRPC, OTLP/HTTP, debug output)."""

from __future__ import annotations

from otel_anonymizer.gateway.exporters.base import (
    Exporter,
    ExportResult,
    PermanentExport,
    RetryableExport,
)
from otel_anonymizer.gateway.exporters.debug import DebugExporter
from otel_anonymizer.gateway.exporters.otlp_grpc import OtlpGrpcExporter
from otel_anonymizer.gateway.exporters.otlp_http import OtlpHttpExporter
from otel_anonymizer.gateway.settings import ExporterConfig

__all__ = [
    "ExportResult",
    "Exporter",
    "PermanentExport",
    "RetryableExport",
    "build_exporter",
]


def build_exporter(config: ExporterConfig) -> Exporter:
    """The exporter for a configured `otlp`, `otlphttp` or `debug` component."""
    if config.type == "otlp":
        return OtlpGrpcExporter(config)
    if config.type == "otlphttp":
        return OtlpHttpExporter(config)
    return DebugExporter(config)
