"""Exporters for zero-code use with `opentelemetry-instrument`.

`OTEL_TRACES_EXPORTER=anonymized_otlp` and `OTEL_LOGS_EXPORTER=anonymized_otlp` select
these through the `opentelemetry_traces_exporter` / `opentelemetry_logs_exporter` entry
points. `opentelemetry-instrument` builds them with no arguments, so they read their
configuration from the environment (and `OTEL_ANONYMIZER_CONFIG`), wrap the SDK's OTLP
exporter for the protocol the standard `OTEL_EXPORTER_OTLP_*` variables choose, and fail
at start-up on bad configuration.

As with `configure()`, the environment's anonymizers go into the `hooks` registry
(once, however many exporters are built), and the exporters read the registry at each
export: anonymizers the application registers itself apply too.
"""

from __future__ import annotations

import threading

from otel_anonymizer import hooks
from otel_anonymizer.config import anonymizers_from_environment
from otel_anonymizer.providers import (
    configured_exporter_options,
    otlp_log_exporter,
    otlp_span_exporter,
)
from otel_anonymizer.sdk import AnonymizingLogRecordExporter, AnonymizingSpanExporter

_registered = False
_lock = threading.Lock()


def _register_environment_chain() -> None:
    """Add the environment's anonymizers to the registry, the first time only."""
    global _registered
    with _lock:
        if not _registered:
            for anonymizer in anonymizers_from_environment():
                hooks.add_anonymizer(anonymizer)
            _registered = True


class AnonymizedOTLPSpanExporter(AnonymizingSpanExporter):
    """An OTLP span exporter that anonymizes with the environment's configuration and
    the anonymizers registered in `hooks`."""

    def __init__(self) -> None:
        options = configured_exporter_options()
        exporter = otlp_span_exporter()
        _register_environment_chain()
        super().__init__(exporter, None, **options)


class AnonymizedOTLPLogExporter(AnonymizingLogRecordExporter):
    """An OTLP log exporter that anonymizes with the environment's configuration and
    the anonymizers registered in `hooks`."""

    def __init__(self) -> None:
        options = configured_exporter_options()
        exporter = otlp_log_exporter()
        _register_environment_chain()
        super().__init__(exporter, None, **options)
