"""Flatten SDK spans and log records into text, for `canary not in text` assertions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope


def value_strings(value: Any) -> Iterator[str]:
    """Every string inside an attribute value / AnyValue (mapping keys included)."""
    if value is None:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray):
        yield bytes(value).decode("utf-8", errors="replace")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from value_strings(item)
    elif isinstance(value, Iterable):
        for item in value:
            yield from value_strings(item)
    else:
        yield str(value)


def _resource_strings(resource: Resource | None) -> Iterator[str]:
    if resource is not None:
        yield resource.schema_url
        yield from value_strings(resource.attributes)


def _scope_strings(scope: InstrumentationScope | None) -> Iterator[str]:
    if scope is not None:
        yield scope.name
        yield scope.version or ""
        yield scope.schema_url or ""
        yield from value_strings(scope.attributes)


def span_strings(span: ReadableSpan) -> Iterator[str]:
    """Name, attributes, events, links, status, resource and scope of a span, plus its JSON."""
    yield span.to_json(indent=None)
    yield span.name
    yield from value_strings(span.attributes)
    for event in span.events:
        yield event.name
        yield from value_strings(event.attributes)
    for link in span.links:
        yield from value_strings(link.attributes)
    yield span.status.description or ""
    yield from _resource_strings(span.resource)
    yield from _scope_strings(span.instrumentation_scope)


def log_strings(log: ReadableLogRecord) -> Iterator[str]:
    """Body, attributes, event name, severity, resource and scope of a log record, plus JSON."""
    record = log.log_record
    yield log.to_json(indent=None)
    yield from value_strings(record.body)
    yield from value_strings(record.attributes)
    yield record.event_name or ""
    yield record.severity_text or ""
    yield from _resource_strings(log.resource)
    yield from _scope_strings(log.instrumentation_scope)


def spans_text(spans: Iterable[ReadableSpan]) -> str:
    """All strings of all spans, newline-joined."""
    return "\n".join(s for span in spans for s in span_strings(span))


def logs_text(logs: Iterable[ReadableLogRecord]) -> str:
    """All strings of all log records, newline-joined."""
    return "\n".join(s for log in logs for s in log_strings(log))
