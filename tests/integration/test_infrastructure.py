"""Self-tests of the test doubles: fake OpenAI server and OTLP/HTTP receiver."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from typing import Any

import pytest
from openai import OpenAI
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import Link, StatusCode

from .fake_openai import FakeOpenAI, ToolCall
from .otlp_receiver import OTLPReceiver


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _client(fake: FakeOpenAI) -> OpenAI:
    return OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0, timeout=5)


# --- fake OpenAI ------------------------------------------------------------------------


def test_fake_openai_text_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply_text = "It is sunny."
    result = _client(fake_openai).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert result.choices[0].message.content == "It is sunny."
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None and result.usage.total_tokens == 49
    assert fake_openai.requests == [{"model": "m", "messages": [{"role": "user", "content": "hi"}]}]


def test_fake_openai_tool_call(fake_openai: FakeOpenAI) -> None:
    fake_openai.tool_call = ToolCall("lookup", '{"q": "x"}')
    result = _client(fake_openai).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    call: Any = (result.choices[0].message.tool_calls or [])[0]
    assert (call.function.name, call.function.arguments) == ("lookup", '{"q": "x"}')
    assert result.choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize("include_usage", [False, True])
def test_fake_openai_stream(fake_openai: FakeOpenAI, include_usage: bool) -> None:
    fake_openai.reply_text = "It is sunny in Paris."
    options: dict[str, Any] = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks = list(
        _client(fake_openai).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True, **options
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "It is sunny in Paris."
    assert [c.usage is not None for c in chunks].count(True) == int(include_usage)
    assert fake_openai.requests[0]["stream"] is True


def test_fake_openai_stream_tool_call(fake_openai: FakeOpenAI) -> None:
    fake_openai.tool_call = ToolCall("lookup", '{"q": "a longer argument"}')
    chunks = list(
        _client(fake_openai).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    deltas = [tc for c in chunks for tc in (c.choices[0].delta.tool_calls or [])]
    assert "".join(d.function.arguments or "" for d in deltas if d.function) == (
        '{"q": "a longer argument"}'
    )
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_fake_openai_unknown_path(fake_openai: FakeOpenAI) -> None:
    status, _ = _post(f"{fake_openai.base_url}/embeddings", b"{}", {})
    assert status == 404


# --- OTLP receiver ----------------------------------------------------------------------


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_receiver_collects_every_span_string(
    otlp_receiver: OTLPReceiver, compression: Compression
) -> None:
    """A real OTLPSpanExporter reaches the receiver; all_text() sees every string."""
    provider = TracerProvider(resource=Resource.create({"host.name": "res-canary"}))
    provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=otlp_receiver.traces_endpoint, compression=compression)
        )
    )
    tracer = provider.get_tracer("scope-canary", "1.2.3")
    with tracer.start_as_current_span("linked") as linked:
        pass
    with tracer.start_as_current_span(
        "name-canary",
        attributes={"attr.key": "attr-canary", "attr.list": ["list-canary", "x"]},
        links=[Link(linked.get_span_context(), {"link.attr": "link-canary"})],
    ) as span:
        span.add_event("event-canary", {"event.attr": "event-attr-canary"})
        span.set_status(StatusCode.ERROR, "status-canary")
    assert provider.force_flush(10_000)
    provider.shutdown()

    text = otlp_receiver.all_text()
    for canary in (
        "res-canary",
        "scope-canary",
        "1.2.3",
        "name-canary",
        "attr.key",
        "attr-canary",
        "list-canary",
        "link-canary",
        "event-canary",
        "event-attr-canary",
        "status-canary",
    ):
        assert canary in text
    assert {s.name for s in otlp_receiver.spans()} == {"linked", "name-canary"}


def test_receiver_collects_nested_log_values(otlp_receiver: OTLPReceiver) -> None:
    """Structured (AnyValue kvlist/array) log bodies and attributes are walked."""
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc-canary"}))
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(
            OTLPLogExporter(endpoint=otlp_receiver.logs_endpoint, compression=Compression.Gzip)
        )
    )
    logger = provider.get_logger("log-scope-canary")
    logger.emit(
        event_name="event-name-canary",
        body={"messages": [{"role": "user", "parts": [{"content": "body-canary"}]}]},
        attributes={
            "gen_ai.input.messages": ({"role": "user", "parts": ({"content": "attr-canary"},)},),
            "bytes.attr": b"bytes-canary",
        },
    )
    assert provider.force_flush(10_000)
    provider.shutdown()

    text = otlp_receiver.all_text()
    for canary in (
        "svc-canary",
        "log-scope-canary",
        "event-name-canary",
        "body-canary",
        "attr-canary",
        "bytes-canary",
        "gen_ai.input.messages",
    ):
        assert canary in text
    assert len(otlp_receiver.log_records()) == 1


def test_receiver_protocol(otlp_receiver: OTLPReceiver) -> None:
    """Raw protocol checks: empty protobuf answer, gzip, bad input, unknown path."""
    body = ExportTraceServiceRequest().SerializeToString()
    headers = {"Content-Type": "application/x-protobuf"}
    status, answer = _post(otlp_receiver.traces_endpoint, body, headers)
    assert status == 200
    assert ExportTraceServiceResponse.FromString(answer) == ExportTraceServiceResponse()

    gz = {**headers, "Content-Encoding": "gzip"}
    assert _post(otlp_receiver.traces_endpoint, gzip.compress(body), gz)[0] == 200
    assert _post(otlp_receiver.traces_endpoint, b"\xff\xff", headers)[0] == 400
    assert (
        _post(otlp_receiver.traces_endpoint, body, {"Content-Type": "application/json"})[0] == 415
    )
    assert (
        _post(otlp_receiver.traces_endpoint.replace("traces", "metrics"), body, headers)[0] == 404
    )
    assert len(otlp_receiver.trace_requests) == 2


def test_receiver_simple_processor(otlp_receiver: OTLPReceiver) -> None:
    """SimpleSpanProcessor exports synchronously on span end."""
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=otlp_receiver.traces_endpoint))
    )
    with provider.get_tracer("t").start_as_current_span("one"):
        pass
    assert [s.name for s in otlp_receiver.spans()] == ["one"]
    provider.shutdown()
