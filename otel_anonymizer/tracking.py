"""`track` and `flush_tracker`: the seed's `@opik.track` on OpenTelemetry spans.

A tracked function becomes a span whose `input.value` holds its bound arguments and whose
`output.value` holds its result (OpenInference keys, which the field mapping sends to
`input` and `output`), so the anonymizing adapters see them exactly like LLM spans.
Spans go to the global `TracerProvider`; without one configured, nothing is recorded.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any, TypeVar, overload

from opentelemetry import trace
from opentelemetry.trace import Span

from otel_anonymizer.failures import record_failure
from otel_anonymizer.placeholders import FAILURE_PLACEHOLDER

F = TypeVar("F", bound=Callable[..., Any])

_TRACER_NAME = "otel_anonymizer.tracking"


@overload
def track(func: F) -> F: ...


@overload
def track(
    func: None = None,
    *,
    name: str | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[[F], F]: ...


def track(
    func: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Any:
    """Record each call of the decorated function (sync or async) as a span."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        span_name = name or function.__qualname__
        signature = inspect.signature(function)

        def start() -> Any:
            return trace.get_tracer(_TRACER_NAME).start_as_current_span(span_name)

        def record_input(span: Span, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            if capture_input and span.is_recording():
                _set_value(span, "input", _bound_arguments(signature, args, kwargs))

        def record_output(span: Span, result: Any) -> None:
            if capture_output and span.is_recording():
                _set_value(span, "output", result)

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with start() as span:
                    record_input(span, args, kwargs)
                    result = await function(*args, **kwargs)
                    record_output(span, result)
                    return result

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with start() as span:
                record_input(span, args, kwargs)
                result = function(*args, **kwargs)
                record_output(span, result)
                return result

        return wrapper

    if func is not None:
        return decorate(func)
    return decorate


def flush_tracker(timeout_millis: int = 30000) -> bool:
    """Export every span that has ended so far through the global `TracerProvider`."""
    provider = trace.get_tracer_provider()
    force_flush = getattr(provider, "force_flush", None)
    if force_flush is None:
        return True
    return bool(force_flush(timeout_millis))


def _bound_arguments(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {"args": list(args), "kwargs": kwargs}
    bound.apply_defaults()
    return dict(bound.arguments)


def _set_value(span: Span, field: str, value: Any) -> None:
    """Record `value` on the span; never raises into the tracked function (an argument
    whose `__str__` fails is recorded as the failure placeholder)."""
    try:
        _record(span, field, value)
    except Exception as error:
        record_failure("track", type(error).__name__, field, "span")
        span.set_attribute(f"{field}.value", FAILURE_PLACEHOLDER)


def _record(span: Span, field: str, value: Any) -> None:
    if isinstance(value, str):
        span.set_attribute(f"{field}.value", value)
        span.set_attribute(f"{field}.mime_type", "text/plain")
        return
    span.set_attribute(f"{field}.value", json.dumps(value, default=str, ensure_ascii=False))
    span.set_attribute(f"{field}.mime_type", "application/json")
