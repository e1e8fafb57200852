"""SDK exporters -> gateway -> real upstream, over loopback: PII never arrives upstream."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, TraceState

from otel_anonymizer import FAILURE_PLACEHOLDER
from tests.gateway.conftest import EMAIL_CANARY, PHONE_CANARY, RunningGateway, gateway_config
from tests.gateway.sdk_clients import emit_logs, log_exporter, make_spans, span_exporter
from tests.gateway.upstream import Upstream

StartGateway = Callable[..., RunningGateway]


@pytest.mark.parametrize(
    ("client", "exporter"),
    [("http", "otlphttp"), ("grpc", "otlp"), ("http", "otlp"), ("grpc", "otlphttp")],
)
def test_spans_arrive_anonymized(
    upstream: Upstream, start_gateway: StartGateway, client: str, exporter: str
) -> None:
    gateway = start_gateway(gateway_config(upstream, exporter=exporter))
    spans = make_spans(5)
    sdk = span_exporter(gateway, client)
    assert sdk.export(spans) == SpanExportResult.SUCCESS
    sdk.shutdown()

    received = upstream.spans()  # synchronous mode: already there when export returned
    assert len(received) == 5
    text = "".join(str(request) for request in upstream.traces)
    assert EMAIL_CANARY not in text
    assert PHONE_CANARY not in text
    assert "[EMAIL]" in text and "[PHONE]" in text
    assert "gpt-4o" in text  # the rest arrives untouched
    assert {span.span_id for span in received} == {
        span.context.span_id.to_bytes(8, "big") for span in spans
    }
    resource = upstream.traces[0].resource_spans[0].resource
    assert "[EMAIL]" in str(resource) and "support-bot" in str(resource)
    telemetry = gateway.gateway.telemetry
    assert telemetry.total("received_items_total") == 5
    assert telemetry.total("exported_items_total") == 5
    assert telemetry.total("redacted_values_total") >= 20


@pytest.mark.parametrize(("client", "exporter"), [("http", "otlp"), ("grpc", "otlphttp")])
def test_logs_arrive_anonymized(
    upstream: Upstream, start_gateway: StartGateway, client: str, exporter: str
) -> None:
    gateway = start_gateway(gateway_config(upstream, exporter=exporter))
    emit_logs(log_exporter(gateway, client), 4)
    records = upstream.log_records()
    assert len(records) == 4
    text = "".join(str(request) for request in upstream.logs)
    assert EMAIL_CANARY not in text and PHONE_CANARY not in text
    assert "[EMAIL]" in text and "gen_ai.user.message" in text


def test_pass_through_forwards_unchanged(upstream: Upstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_config(upstream, anonymize=False))
    sdk = span_exporter(gateway, "http")
    assert sdk.export(make_spans(2)) == SpanExportResult.SUCCESS
    assert EMAIL_CANARY in str(upstream.traces[0])


def test_otlp_json_with_hex_ids(upstream: Upstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_config(upstream))
    trace_id, span_id = "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174"
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "js"}}]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": span_id,
                                "name": f"hello {EMAIL_CANARY}",
                                "kind": 2,
                                "startTimeUnixNano": "1544712660000000000",
                                "endTimeUnixNano": "1544712661000000000",
                                "attributes": [
                                    {"key": "n", "value": {"intValue": "7"}},
                                    {"key": "to", "value": {"stringValue": EMAIL_CANARY}},
                                ],
                                "links": [{"traceId": trace_id, "spanId": span_id}],
                            }
                        ]
                    }
                ],
            }
        ]
    }
    response = httpx.post(f"{gateway.http_url}/v1/traces", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    [span] = upstream.spans()
    assert span.trace_id.hex() == trace_id and span.span_id.hex() == span_id
    assert span.links[0].span_id.hex() == span_id
    assert span.name == "hello [EMAIL]"
    assert EMAIL_CANARY not in str(span)


def test_upstream_receives_configured_headers_and_gzip(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    config = gateway_config(upstream)
    config["exporters"]["otlphttp"]["headers"] = {"authorization": "Bearer ${env:UP_TOKEN}"}
    gateway = start_gateway(config, {"UP_TOKEN": "t0k"})
    assert span_exporter(gateway, "grpc").export(make_spans(1)) == SpanExportResult.SUCCESS
    headers = upstream.headers[0]
    assert headers["Authorization"] == "Bearer t0k"
    assert headers["Content-Encoding"] == "gzip"


def test_debug_exporter_writes_sanitized_json_lines(
    tmp_path: Path, start_gateway: StartGateway
) -> None:
    output = tmp_path / "debug.jsonl"
    config = gateway_config(None, exporter="debug")
    config["exporters"]["debug"]["path"] = str(output)
    gateway = start_gateway(config)
    spans = make_spans(3)
    assert span_exporter(gateway, "http").export(spans) == SpanExportResult.SUCCESS
    emit_logs(log_exporter(gateway, "grpc"), 2)
    gateway.stop()
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(lines) == 3
    assert EMAIL_CANARY not in output.read_text()
    first_span = lines[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert first_span["spanId"] == format(spans[0].context.span_id, "016x")
    assert "[EMAIL]" in first_span["name"]


def test_worker_processes(upstream: Upstream, start_gateway: StartGateway) -> None:
    """The default deployment: anonymization in a pool of worker processes."""
    gateway = start_gateway(gateway_config(upstream, workers=2))
    sdk = span_exporter(gateway, "grpc")
    for _ in range(4):
        assert sdk.export(make_spans(3)) == SpanExportResult.SUCCESS
    assert len(upstream.spans()) == 12
    assert EMAIL_CANARY not in "".join(str(request) for request in upstream.traces)
    assert gateway.gateway.telemetry.total("redacted_values_total") >= 48
    # Refusals raised in a worker process come back as such.
    response = httpx.post(
        f"{gateway.http_url}/v1/traces",
        content=b"\x0a\xff",
        headers={"Content-Type": "application/x-protobuf"},
    )
    assert response.status_code == 400


def test_keys_trace_states_and_log_fields_arrive_anonymized(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    """With the built-in detectors in a real worker process: an attribute key, the keys
    of a JSON tool result and of a log body map, a trace state, a log record's event
    name and severity text, all holding an address, sent by the SDK's own exporters."""
    config = gateway_config(upstream, exporter="otlp", workers=1)
    config["processors"]["anonymizer"] = {"detectors": "default"}
    gateway = start_gateway(config)

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter(gateway, "grpc")))
    state = TraceState([("app", f"user:{EMAIL_CANARY}")])
    parent = NonRecordingSpan(SpanContext(7, 8, True, TraceFlags(1), state))
    context = trace.set_span_in_context(parent)
    with tracer_provider.get_tracer("t").start_as_current_span("tool", context) as span:
        span.set_attribute(f"customer/{EMAIL_CANARY}/tier", "gold")
        span.set_attribute("gen_ai.tool.call.result", json.dumps({EMAIL_CANARY: {"orders": 3}}))
    tracer_provider.shutdown()

    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(log_exporter(gateway, "grpc"))
    )
    logger_provider.get_logger("t").emit(
        event_name=f"signup {EMAIL_CANARY}",
        severity_text=f"AUDIT {EMAIL_CANARY}",
        body={EMAIL_CANARY: {"plan": "pro"}},
    )
    logger_provider.shutdown()

    (span,) = upstream.spans()
    (record,) = upstream.log_records()
    text = "".join(str(request) for request in [*upstream.traces, *upstream.logs])
    assert EMAIL_CANARY not in text
    assert {attribute.key for attribute in span.attributes} == {
        "customer/[EMAIL]/tier",
        "gen_ai.tool.call.result",
    }
    result = next(a for a in span.attributes if a.key == "gen_ai.tool.call.result")
    assert json.loads(result.value.string_value) == {"[EMAIL]": {"orders": 3}}
    assert span.trace_state == "app=user:[EMAIL]"
    assert (record.event_name, record.severity_text) == ("signup [EMAIL]", "AUDIT [EMAIL]")
    assert record.body.kvlist_value.values[0].key == "[EMAIL]"


def test_a_request_built_to_be_slow_is_cut_off_by_the_configured_budget(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    """`service.anonymization_timeout` reaches the worker processes: a 2 MB text that
    costs the validators about 15 s arrives as the placeholder within the budget."""
    config = gateway_config(upstream, exporter="otlp", workers=1)
    config["processors"]["anonymizer"] = {"detectors": "default", "regex_timeout": 600}
    config["service"]["anonymization_timeout"] = "300ms"
    gateway = start_gateway(config)
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter(gateway, "http")))
    with tracer_provider.get_tracer("t").start_as_current_span("slow") as span:
        span.set_attribute("input.value", "1 " * 1_000_000)
        span.set_attribute("output.value", f"mail {EMAIL_CANARY}")
    started = time.monotonic()
    tracer_provider.shutdown()
    assert time.monotonic() - started < 8
    (received,) = upstream.spans()
    values = {a.key: a.value.string_value for a in received.attributes}
    assert values["input.value"] == FAILURE_PLACEHOLDER
    assert EMAIL_CANARY not in str(received)
    assert gateway.gateway.telemetry.total("anonymization_failures_total") >= 1
