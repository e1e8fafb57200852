"""One-call setup: anonymizing exporters on a `TracerProvider` and a `LoggerProvider`.

`configure()` reads the YAML file and environment variables (unless anonymizers are
given), registers the anonymizers in `hooks`, and adds a batch processor with an
anonymizing OTLP exporter to each provider, creating and installing global providers
when none are set up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import _logs, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from otel_anonymizer import hooks
from otel_anonymizer.anonymizer import Anonymizer
from otel_anonymizer.config import (
    ConfigError,
    anonymizers_from_environment,
    exporter_options_from_environment,
)
from otel_anonymizer.sanitizer import checked_chain
from otel_anonymizer.sdk import AnonymizingLogRecordExporter, AnonymizingSpanExporter

_PROTOCOLS = ("grpc", "http/protobuf")


def otlp_protocol(signal: str, environ: Mapping[str, str] | None = None) -> str:
    """The OTLP protocol for `signal` (`traces`, `logs`) from the standard variables.

    Like the SDK's `otlp` exporters, gRPC unless `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL` or
    `OTEL_EXPORTER_OTLP_PROTOCOL` says `http/protobuf`.
    """
    environ = os.environ if environ is None else environ
    variable = f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL"
    protocol = environ.get(variable) or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
    if protocol not in _PROTOCOLS:
        raise ConfigError(
            f"{variable} / OTEL_EXPORTER_OTLP_PROTOCOL: expected one of "
            f"{', '.join(_PROTOCOLS)}, got {protocol!r}"
        )
    return protocol


def otlp_span_exporter() -> SpanExporter:
    """The SDK's OTLP span exporter for the configured protocol (endpoint etc. from env)."""
    if otlp_protocol("traces") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[assignment]
            OTLPSpanExporter,
        )
    return OTLPSpanExporter()


def otlp_log_exporter() -> LogRecordExporter:
    """The SDK's OTLP log exporter for the configured protocol (endpoint etc. from env)."""
    if otlp_protocol("logs") == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import (  # type: ignore[assignment]
            OTLPLogExporter,
        )
    return OTLPLogExporter()


def configured_exporter_options() -> dict[str, Any]:
    """The exporter wrappers' options set by the YAML file or the environment
    (`OTEL_ANONYMIZER_PLACEHOLDER`, `OTEL_ANONYMIZER_EXPORT_TIMEOUT`)."""
    return exporter_options_from_environment()


def configure(
    tracer_provider: TracerProvider | None = None,
    logger_provider: LoggerProvider | None = None,
    *,
    span_exporter: SpanExporter | None = None,
    log_exporter: LogRecordExporter | None = None,
    anonymizers: Sequence[Anonymizer] | None = None,
    traces: bool = True,
    logs: bool = True,
) -> list[Anonymizer]:
    """Anonymize everything `tracer_provider` and `logger_provider` export.

    - `anonymizers`: the chain; by default the one the YAML file and environment
      variables describe (the default detector set when nothing is set). They are added
      to the `hooks` registry, which the exporters read at every export.
    - Providers default to the global ones when they are SDK providers, else new ones
      are created and installed globally.
    - Exporters default to OTLP (protocol, endpoint, headers from `OTEL_EXPORTER_OTLP_*`).

    Returns the anonymizers that were registered. Bad configuration raises `ConfigError`.
    """
    # Everything that can fail first: a failed call must not leave a half-configured
    # registry or providers (retried, it would then export twice).
    chain = (
        list(checked_chain(anonymizers))
        if anonymizers is not None
        else anonymizers_from_environment()
    )
    wrapper_options = configured_exporter_options()
    span_wrapper = (
        AnonymizingSpanExporter(span_exporter or otlp_span_exporter(), **wrapper_options)
        if traces
        else None
    )
    log_wrapper = (
        AnonymizingLogRecordExporter(log_exporter or otlp_log_exporter(), **wrapper_options)
        if logs
        else None
    )
    for anonymizer in chain:
        hooks.add_anonymizer(anonymizer)
    if span_wrapper is not None:
        provider = tracer_provider or _global_tracer_provider()
        provider.add_span_processor(BatchSpanProcessor(span_wrapper))
    if log_wrapper is not None:
        log_provider = logger_provider or _global_logger_provider()
        log_provider.add_log_record_processor(BatchLogRecordProcessor(log_wrapper))
    return chain


def _global_tracer_provider() -> TracerProvider:
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        return provider
    provider = TracerProvider()
    trace.set_tracer_provider(provider)
    return provider


def _global_logger_provider() -> LoggerProvider:
    provider = _logs.get_logger_provider()
    if isinstance(provider, LoggerProvider):
        return provider
    provider = LoggerProvider()
    _logs.set_logger_provider(provider)
    return provider
