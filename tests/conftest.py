"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_anonymizer import AnonymizingSpanExporter, hooks


@pytest.fixture(autouse=True)
def empty_registry() -> Iterator[None]:
    """Every test starts and ends with no anonymizer registered in `hooks`."""
    hooks.clear_anonymizers()
    yield
    hooks.clear_anonymizers()


@pytest.fixture(scope="session")
def _global_exporter() -> InMemorySpanExporter:
    """The in-memory exporter behind the global TracerProvider (which `track` uses).

    The global provider can be set once per process, so this is session-scoped; if some
    other test already installed an SDK provider, the exporter is attached to that one.
    """
    exporter = InMemorySpanExporter()
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(AnonymizingSpanExporter(exporter)))
    return exporter


@pytest.fixture
def tracked_spans(_global_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    """The exporter receiving the (anonymized) spans of `@track`ed functions, emptied."""
    _global_exporter.clear()
    yield _global_exporter
    _global_exporter.clear()
