"""`track` and `flush_tracker` on the global TracerProvider."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import otel_anonymizer as opik
from otel_anonymizer import RecursiveAnonymizer, create_anonymizer

EMAIL = create_anonymizer([(r"[\w.]+@[\w.]+\.\w+", "[EMAIL]")])
CANARY = "jane.roe@example.org"


@pytest.fixture(autouse=True)
def registry() -> Iterator[None]:
    opik.hooks.clear_anonymizers()
    opik.hooks.add_anonymizer(EMAIL)
    yield
    opik.hooks.clear_anonymizers()


def test_sync_function_records_bound_arguments_and_result(
    tracked_spans: InMemorySpanExporter,
) -> None:
    @opik.track
    def lookup(email: str, limit: int = 3, *, verbose: bool = False) -> dict[str, Any]:
        return {"found": email, "limit": limit}

    assert lookup(CANARY, verbose=True) == {"found": CANARY, "limit": 3}
    assert opik.flush_tracker() is True
    [span] = tracked_spans.get_finished_spans()
    assert span.name.endswith("lookup")
    attributes = dict(span.attributes or {})
    assert json.loads(attributes["input.value"]) == {
        "email": "[EMAIL]",
        "limit": 3,
        "verbose": True,
    }
    assert json.loads(attributes["output.value"]) == {"found": "[EMAIL]", "limit": 3}
    assert attributes["input.mime_type"] == "application/json"


def test_async_function_and_custom_name(tracked_spans: InMemorySpanExporter) -> None:
    @opik.track(name="answer")
    async def answer(question: str) -> str:
        await asyncio.sleep(0)
        return f"write to {CANARY}"

    assert asyncio.run(answer("who?")) == f"write to {CANARY}"
    [span] = tracked_spans.get_finished_spans()
    assert span.name == "answer"
    assert span.attributes is not None
    assert span.attributes["output.value"] == "write to [EMAIL]"
    assert span.attributes["output.mime_type"] == "text/plain"


def test_nested_calls_are_child_spans_and_only_the_root_is_a_trace(
    tracked_spans: InMemorySpanExporter,
) -> None:
    seen: list[tuple[str, str]] = []

    class Spy(RecursiveAnonymizer):
        def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
            if field_name == "metadata.span.name":
                seen.append((data, kwargs["object_type"]))
            return data

    opik.hooks.add_anonymizer(Spy())

    @opik.track(name="inner")
    def inner() -> int:
        return 1

    @opik.track(name="outer")
    def outer() -> int:
        return inner() + 1

    assert outer() == 2
    inner_span, outer_span = tracked_spans.get_finished_spans()
    assert inner_span.parent is not None and inner_span.parent.span_id == outer_span.context.span_id
    assert seen == [("inner", "span"), ("outer", "trace")]


def test_exceptions_are_recorded_anonymized_and_re_raised(
    tracked_spans: InMemorySpanExporter,
) -> None:
    @opik.track
    def fail(email: str) -> None:
        raise ValueError(f"no account for {email}")

    with pytest.raises(ValueError, match=CANARY):
        fail(CANARY)
    [span] = tracked_spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert CANARY not in span.to_json()
    assert "[EMAIL]" in str(span.events[0].attributes)


def test_capture_can_be_switched_off_and_odd_values_are_stringified(
    tracked_spans: InMemorySpanExporter,
) -> None:
    class Customer:
        def __str__(self) -> str:
            return f"Customer({CANARY})"

    @opik.track(capture_output=False)
    def handle(customer: Customer) -> str:
        return "secret result"

    handle(Customer())
    [span] = tracked_spans.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert json.loads(attributes["input.value"]) == {"customer": "Customer([EMAIL])"}
    assert "output.value" not in attributes


def test_an_argument_that_cannot_be_recorded_does_not_break_the_call(
    tracked_spans: InMemorySpanExporter,
) -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError(CANARY)

    @opik.track
    def handle(thing: Hostile) -> str:
        return "done"

    assert handle(Hostile()) == "done"
    [span] = tracked_spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["input.value"] == opik.FAILURE_PLACEHOLDER
    assert span.attributes["output.value"] == "done"
    assert CANARY not in span.to_json()
