"""Exporters for zero-code use with `opentelemetry-instrument`.

`OTEL_TRACES_EXPORTER=anonymized_otlp` and `OTEL_LOGS_EXPORTER=anonymized_otlp` select
these through the `opentelemetry_traces_exporter` / `opentelemetry_logs_exporter` entry
points. `opentelemetry-instrument` builds them with no arguments, so they read their
configuration from the environment (and `OTEL_ANONYMIZER_CONFIG`), wrap the SDK's OTLP
exporter for the protocol the standard `OTEL_EXPORTER_OTLP_*` variables choose, and fail
at start-up on bad configuration.

The environment's anonymizers come first, then those in the `hooks` registry, read at
each export: anonymizers the application registers itself apply too, and an application
that clears the registry (as Opik's samples do) does not remove the operator's.
"""

from __future__ import annotations

from otel_anonymizer.config import anonymizers_from_environment
from otel_anonymizer.providers import (
    configured_exporter_options,
    otlp_log_exporter,
    otlp_span_exporter,
)
from otel_anonymizer.sanitizer import Sanitizer
from otel_anonymizer.sdk import AnonymizingLogRecordExporter, AnonymizingSpanExporter


def _sanitizer() -> Sanitizer:
    """The environment's chain, then the registry's."""
    options = configured_exporter_options()
    return Sanitizer(anonymizers_from_environment(), then_registry=True, **options)


class AnonymizedOTLPSpanExporter(AnonymizingSpanExporter):
    """An OTLP span exporter that anonymizes with the environment's configuration and
    the anonymizers registered in `hooks`."""

    def __init__(self) -> None:
        sanitizer = _sanitizer()
        super().__init__(otlp_span_exporter(), [])
        self.sanitizer = sanitizer


class AnonymizedOTLPLogExporter(AnonymizingLogRecordExporter):
    """An OTLP log exporter that anonymizes with the environment's configuration and
    the anonymizers registered in `hooks`."""

    def __init__(self) -> None:
        sanitizer = _sanitizer()
        super().__init__(otlp_log_exporter(), [])
        self.sanitizer = sanitizer
