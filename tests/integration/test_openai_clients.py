"""End to end: real OpenAI instrumentations -> otel_anonymizer adapters -> exporters.

Every setup runs a two-turn tool-calling conversation whose system prompt, user message,
tool arguments, tool result and answer each carry an email, a phone number, a card
number, an SSN and an API key (see scenario.py). A plain in-memory "raw tap" on the same
providers shows what the instrumentation emitted; the anonymized side (in-memory
exporters, or the real OTLP/HTTP exporters feeding a local receiver) must carry none of
the canaries, but the placeholders and the non-personal text instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LogRecordProcessor, ReadableLogRecord
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import StatusCode

from otel_anonymizer import (
    Anonymizer,
    AnonymizingLogRecordExporter,
    AnonymizingLogRecordProcessor,
    AnonymizingSpanExporter,
    AnonymizingSpanProcessor,
    create_anonymizer,
    hooks,
)

from .fake_openai import FakeOpenAI
from .instrumentations import ALL, SETUP_IDS, SETUPS, Setup, run_setup
from .otlp_receiver import OTLPReceiver
from .pipelines import Pipeline
from .scenario import (
    KINDS,
    PLACEHOLDERS,
    REQUEST_MODEL,
    RESOURCE_OWNER,
    RULES,
    SAFE_SENTENCE,
    error_present,
    leaked,
    present_locations,
    run_langchain,
    run_langchain_error,
    run_openai_error,
)
from .telemetry_text import logs_text, spans_text

STREAM = pytest.mark.parametrize("stream", [False, True], ids=["sync", "stream"])
SETUP = pytest.mark.parametrize("setup", SETUPS, ids=SETUP_IDS)
LOG_SETUPS = [s for s in SETUPS if s.emits_logs]


@pytest.fixture(scope="module")
def anonymizer() -> Anonymizer:
    """One anonymizer built from the five canary rules."""
    return create_anonymizer(RULES)


@pytest.fixture
def setup_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[Setup], None]:
    """Apply a setup's environment variables for the duration of the test."""

    def apply(setup: Setup) -> None:
        for key, value in setup.env.items():
            monkeypatch.setenv(key, value)

    return apply


def expected_placeholders(locations: frozenset[str]) -> set[str]:
    """Placeholders that must show up where these canary locations were emitted."""
    if locations & ALL:
        return {PLACEHOLDERS[kind] for kind in KINDS}
    if "end_user" in locations:
        return {PLACEHOLDERS["email"]}
    return set()


def assert_clean(text: str, locations: frozenset[str], what: str) -> None:
    """No canary in `text`; placeholders and non-personal content present."""
    assert leaked(text) == [], f"{what}: personal data survived anonymization"
    missing = {p for p in expected_placeholders(locations) if p not in text}
    assert not missing, f"{what}: placeholders missing: {sorted(missing)}"
    if "answer" in locations:
        assert SAFE_SENTENCE in text, f"{what}: the non-personal answer text was lost"


def assert_raw_capture(pipeline: Pipeline, setup: Setup) -> None:
    """The raw tap saw exactly the canary locations this setup is known to emit."""
    raw_spans, raw_logs = spans_text(pipeline.raw_spans()), logs_text(pipeline.raw_logs())
    assert present_locations(raw_spans) == setup.span_locations
    assert present_locations(raw_logs) == setup.log_locations
    assert RESOURCE_OWNER in raw_spans
    if setup.emits_logs:
        assert RESOURCE_OWNER in raw_logs


_PATTERNS = [(re.compile(rule["regex"]), rule["replace"]) for rule in RULES]


def _redact(value: Any) -> Any:
    """What the rules should make of a raw value (an independent reference, `re`-based)."""
    if isinstance(value, str):
        for pattern, replace in _PATTERNS:
            value = pattern.sub(replace, value)
        return value
    if isinstance(value, Mapping):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [_redact(v) for v in value]
    return value


def _canon(value: Any, layers: int = 2) -> Any:
    """Comparable form: JSON text parsed (twice for JSON-in-JSON), tuples as lists."""
    if isinstance(value, str):
        if layers and value.lstrip()[:1] in ("{", "[", '"'):
            try:
                return _canon(json.loads(value), layers - 1)
            except ValueError:
                return value
        return value
    if isinstance(value, Mapping):
        return {k: _canon(v, layers) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [_canon(v, layers) for v in value]
    return value


def _same_content(raw: Any, anonymized: Any) -> bool:
    return bool(_canon(_redact(raw)) == _canon(anonymized))


def assert_spans_faithful(raw: Sequence[ReadableSpan], done: Sequence[ReadableSpan]) -> None:
    """Anonymized spans equal the raw ones with only the rule matches replaced.

    JSON formatting may differ; keys, structure and every other character must not.
    """
    by_id = {span.context.span_id: span for span in done}
    assert set(by_id) == {span.context.span_id for span in raw}
    for before in raw:
        after = by_id[before.context.span_id]
        assert after.name == _redact(before.name)
        assert after.status.status_code == before.status.status_code
        attrs_before, attrs_after = dict(before.attributes or {}), dict(after.attributes or {})
        assert set(attrs_after) == set(attrs_before), "attribute keys changed"
        for key, value in attrs_before.items():
            assert _same_content(value, attrs_after[key]), f"span attribute {key!r}"
        assert [e.name for e in after.events] == [_redact(e.name) for e in before.events]
        for e_before, e_after in zip(before.events, after.events, strict=True):
            assert _same_content(dict(e_before.attributes or {}), dict(e_after.attributes or {}))
        assert _same_content(dict(before.resource.attributes), dict(after.resource.attributes))


def assert_logs_faithful(
    raw: Sequence[ReadableLogRecord], done: Sequence[ReadableLogRecord]
) -> None:
    """Anonymized log records equal the raw ones with only the rule matches replaced."""
    assert len(done) == len(raw)
    for before, after in zip(raw, done, strict=True):
        rec_before, rec_after = before.log_record, after.log_record
        assert rec_after.event_name == rec_before.event_name
        assert _same_content(rec_before.body, rec_after.body), f"{rec_before.event_name} body"
        attrs_before = dict(rec_before.attributes or {})
        attrs_after = dict(rec_after.attributes or {})
        assert set(attrs_after) == set(attrs_before), "log attribute keys changed"
        for key, value in attrs_before.items():
            assert _same_content(value, attrs_after[key]), f"log attribute {key!r}"
        assert _same_content(dict(before.resource.attributes), dict(after.resource.attributes))


def run(
    setup: Setup,
    stream: bool,
    fake: FakeOpenAI,
    pipeline: Pipeline,
    apply_env: Callable[[Setup], None],
) -> None:
    """Run the conversation through `setup` into `pipeline`, then flush."""
    apply_env(setup)
    run_setup(setup, fake, pipeline.tracer_provider, pipeline.logger_provider, stream=stream)
    pipeline.flush()


# --- the test can fail: without the anonymizer the canaries arrive ------------------------


@SETUP
def test_unwrapped_exporters_receive_the_canaries(
    setup: Setup,
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
) -> None:
    pipeline = make_pipeline()
    run(setup, False, fake_openai, pipeline, setup_env)

    spans_leak = leaked(pipeline.spans_text())
    assert spans_leak, "the raw span exporter should see personal data"
    assert present_locations(pipeline.spans_text()) == setup.span_locations
    assert present_locations(pipeline.logs_text()) == setup.log_locations
    if setup.emits_logs:
        assert leaked(pipeline.logs_text()), "the raw log exporter should see personal data"


# --- anonymizing exporters in front of in-memory exporters --------------------------------


@STREAM
@SETUP
def test_anonymizing_exporters_in_memory(
    setup: Setup,
    stream: bool,
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
    anonymizer: Anonymizer,
) -> None:
    pipeline = make_pipeline(
        wrap_span_exporter=lambda e: AnonymizingSpanExporter(e, [anonymizer]),
        wrap_log_exporter=lambda e: AnonymizingLogRecordExporter(e, [anonymizer]),
        tap_raw=True,
    )
    run(setup, stream, fake_openai, pipeline, setup_env)

    assert_raw_capture(pipeline, setup)
    assert len(pipeline.spans()) == len(pipeline.raw_spans()) == 2
    assert len(pipeline.logs()) == len(pipeline.raw_logs())

    spans = pipeline.spans_text()
    assert_clean(spans, setup.span_locations, "spans")
    assert REQUEST_MODEL in spans
    assert_clean(pipeline.logs_text(), setup.log_locations, "log records")
    assert_spans_faithful(pipeline.raw_spans(), pipeline.spans())
    assert_logs_faithful(pipeline.raw_logs(), pipeline.logs())


# --- anonymizing exporters in front of the real OTLP/HTTP exporters -----------------------


@STREAM
@SETUP
def test_anonymizing_exporters_over_otlp_http(
    setup: Setup,
    stream: bool,
    fake_openai: FakeOpenAI,
    otlp_receiver: OTLPReceiver,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
    anonymizer: Anonymizer,
) -> None:
    """sync: Simple processors; stream: Batch processors (flushed)."""
    span_processor: Callable[[SpanExporter], SpanProcessor] = (
        BatchSpanProcessor if stream else SimpleSpanProcessor
    )
    log_processor: Callable[[LogRecordExporter], LogRecordProcessor] = (
        BatchLogRecordProcessor if stream else SimpleLogRecordProcessor
    )
    pipeline = make_pipeline(
        OTLPSpanExporter(endpoint=otlp_receiver.traces_endpoint, timeout=10),
        OTLPLogExporter(endpoint=otlp_receiver.logs_endpoint, timeout=10),
        wrap_span_exporter=lambda e: AnonymizingSpanExporter(e, [anonymizer]),
        wrap_log_exporter=lambda e: AnonymizingLogRecordExporter(e, [anonymizer]),
        span_processor=span_processor,
        log_processor=log_processor,
        tap_raw=True,
    )
    run(setup, stream, fake_openai, pipeline, setup_env)

    assert_raw_capture(pipeline, setup)
    assert len(otlp_receiver.spans()) == 2
    assert len(otlp_receiver.log_records()) == len(pipeline.raw_logs())

    text = otlp_receiver.all_text()
    assert_clean(text, setup.span_locations | setup.log_locations, "OTLP export")
    assert REQUEST_MODEL in text
    assert "otel-anonymizer-integration" in text  # resource survives


# --- anonymizing processors ---------------------------------------------------------------


@SETUP
def test_anonymizing_span_processor(
    setup: Setup,
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
    anonymizer: Anonymizer,
) -> None:
    """AnonymizingSpanProcessor(SimpleSpanProcessor(InMemorySpanExporter()))."""
    pipeline = make_pipeline(
        span_processor=lambda e: AnonymizingSpanProcessor(SimpleSpanProcessor(e), [anonymizer]),
        tap_raw=True,
    )
    run(setup, False, fake_openai, pipeline, setup_env)

    assert_raw_capture(pipeline, setup)
    assert len(pipeline.spans()) == 2
    spans = pipeline.spans_text()
    assert_clean(spans, setup.span_locations, "spans")
    assert REQUEST_MODEL in spans
    assert_spans_faithful(pipeline.raw_spans(), pipeline.spans())


@pytest.mark.parametrize("setup", LOG_SETUPS, ids=[s.name for s in LOG_SETUPS])
def test_anonymizing_log_record_processor(
    setup: Setup,
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
    anonymizer: Anonymizer,
) -> None:
    """AnonymizingLogRecordProcessor(SimpleLogRecordProcessor(InMemoryLogRecordExporter()))."""
    pipeline = make_pipeline(
        log_processor=lambda e: AnonymizingLogRecordProcessor(
            SimpleLogRecordProcessor(e), [anonymizer]
        ),
        tap_raw=True,
    )
    run(setup, False, fake_openai, pipeline, setup_env)

    assert_raw_capture(pipeline, setup)
    assert len(pipeline.logs()) == len(pipeline.raw_logs()) > 0
    assert_clean(pipeline.logs_text(), setup.log_locations, "log records")
    assert_logs_faithful(pipeline.raw_logs(), pipeline.logs())


# --- the global registry (anonymizers=None) -----------------------------------------------


@pytest.fixture
def registered(anonymizer: Anonymizer) -> Iterator[Anonymizer]:
    """Register the anonymizer globally for one test."""
    hooks.clear_anonymizers()
    hooks.add_anonymizer(anonymizer)
    yield anonymizer
    hooks.clear_anonymizers()


@pytest.mark.parametrize("setup", LOG_SETUPS, ids=[s.name for s in LOG_SETUPS])
def test_global_registry(
    setup: Setup,
    fake_openai: FakeOpenAI,
    otlp_receiver: OTLPReceiver,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
    registered: Anonymizer,
) -> None:
    """Adapters built with `anonymizers=None` use `hooks.add_anonymizer` registrations."""
    pipeline = make_pipeline(
        OTLPSpanExporter(endpoint=otlp_receiver.traces_endpoint, timeout=10),
        OTLPLogExporter(endpoint=otlp_receiver.logs_endpoint, timeout=10),
        wrap_span_exporter=AnonymizingSpanExporter,
        wrap_log_exporter=AnonymizingLogRecordExporter,
        tap_raw=True,
    )
    run(setup, False, fake_openai, pipeline, setup_env)

    assert_raw_capture(pipeline, setup)
    assert len(otlp_receiver.spans()) == 2
    assert len(otlp_receiver.log_records()) == len(pipeline.raw_logs())
    assert_clean(otlp_receiver.all_text(), setup.span_locations | setup.log_locations, "OTLP")


# --- API errors: the error message lands in the span status and exception events ----------


@pytest.mark.parametrize("sink", ["memory", "otlp"])
@SETUP
def test_error_details_are_anonymized(
    setup: Setup,
    sink: str,
    fake_openai: FakeOpenAI,
    otlp_receiver: OTLPReceiver,
    make_pipeline: Callable[..., Pipeline],
    setup_env: Callable[[Setup], None],
    anonymizer: Anonymizer,
) -> None:
    """A 400 whose message quotes personal data: status description, exception events."""
    exporters = (
        (
            OTLPSpanExporter(endpoint=otlp_receiver.traces_endpoint, timeout=10),
            OTLPLogExporter(endpoint=otlp_receiver.logs_endpoint, timeout=10),
        )
        if sink == "otlp"
        else (None, None)
    )
    pipeline = make_pipeline(
        *exporters,
        wrap_span_exporter=lambda e: AnonymizingSpanExporter(e, [anonymizer]),
        wrap_log_exporter=lambda e: AnonymizingLogRecordExporter(e, [anonymizer]),
        tap_raw=True,
    )
    setup_env(setup)
    setup.instrument(pipeline.tracer_provider, pipeline.logger_provider)
    (run_langchain_error if setup.run is run_langchain else run_openai_error)(fake_openai)
    pipeline.flush()

    (raw_span,) = pipeline.raw_spans()
    assert raw_span.status.status_code is StatusCode.ERROR
    assert error_present(raw_span.status.description or "")
    if sink == "otlp":
        (span,) = otlp_receiver.spans()
        description = span.status.message
        text = otlp_receiver.all_text()
    else:
        (sdk_span,) = pipeline.spans()
        assert sdk_span.status.status_code is StatusCode.ERROR
        assert [e.name for e in sdk_span.events] == [e.name for e in raw_span.events]
        description = sdk_span.status.description or ""
        text = pipeline.spans_text() + pipeline.logs_text()
    assert leaked(text) == []
    assert "Content policy violation" in description
    assert {"[EMAIL]", "[PHONE]", "[CARD]", "[SSN]", "[API_KEY]"} <= set(
        re.findall(r"\[[A-Z_]+\]", description)
    )
