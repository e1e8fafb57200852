"""Exporters for zero-code use with `opentelemetry-instrument`.

`OTEL_TRACES_EXPORTER=anonymized_otlp` and `OTEL_LOGS_EXPORTER=anonymized_otlp` select
these through the `opentelemetry_traces_exporter` / `opentelemetry_logs_exporter` entry
points. `opentelemetry-instrument` builds them with no arguments, so they read their
configuration from the environment (and `OTEL_ANONYMIZER_CONFIG`), wrap the SDK's OTLP
exporter for the protocol the standard `OTEL_EXPORTER_OTLP_*` variables choose, and fail
at start-up on bad configuration.
"""

from __future__ import annotations

from otel_anonymizer.config import anonymizers_from_environment
from otel_anonymizer.providers import (
    configured_exporter_options,
    otlp_log_exporter,
    otlp_span_exporter,
)
from otel_anonymizer.sdk import AnonymizingLogRecordExporter, AnonymizingSpanExporter


class AnonymizedOTLPSpanExporter(AnonymizingSpanExporter):
    """An OTLP span exporter that anonymizes with the environment's configuration."""

    def __init__(self) -> None:
        super().__init__(
            otlp_span_exporter(),
            anonymizers_from_environment(),
            **configured_exporter_options(),
        )


class AnonymizedOTLPLogExporter(AnonymizingLogRecordExporter):
    """An OTLP log exporter that anonymizes with the environment's configuration."""

    def __init__(self) -> None:
        super().__init__(
            otlp_log_exporter(),
            anonymizers_from_environment(),
            **configured_exporter_options(),
        )
