"""The OpenTelemetry SDK's own OTLP exporters, pointed at a gateway, and PII-laden data."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogs
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogs
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import LogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from tests.gateway.conftest import EMAIL_CANARY, PHONE_CANARY, GatewayAddresses

RESOURCE = Resource.create({"service.name": "support-bot", "owner.email": EMAIL_CANARY})


def span_exporter(gateway: GatewayAddresses, protocol: str, **kwargs: Any) -> SpanExporter:
    if protocol == "grpc":
        return GrpcSpans(endpoint=gateway.grpc_target, insecure=True, timeout=10, **kwargs)
    return HttpSpans(endpoint=f"{gateway.http_url}/v1/traces", timeout=10, **kwargs)


def log_exporter(gateway: GatewayAddresses, protocol: str, **kwargs: Any) -> LogRecordExporter:
    if protocol == "grpc":
        return GrpcLogs(endpoint=gateway.grpc_target, insecure=True, timeout=10, **kwargs)
    return HttpLogs(endpoint=f"{gateway.http_url}/v1/logs", timeout=10, **kwargs)


def make_spans(count: int, prefix: str = "chat") -> list[ReadableSpan]:
    """`count` finished LLM spans carrying PII canaries in name, attributes and events."""
    collected: list[ReadableSpan] = []

    class Collect(SpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            collected.append(span)

    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(Collect())
    tracer = provider.get_tracer("gateway-tests")
    messages = [{"role": "user", "parts": [{"type": "text", "content": f"mail {EMAIL_CANARY}"}]}]
    for index in range(count):
        with tracer.start_as_current_span(f"{prefix} {index} for {EMAIL_CANARY}") as span:
            span.set_attribute("gen_ai.input.messages", json.dumps(messages))
            span.set_attribute("gen_ai.request.model", "gpt-4o")
            span.set_attribute("user.phone", f"call {PHONE_CANARY}")
            span.set_attribute("gen_ai.usage.input_tokens", 100 + index)
            span.add_event("gen_ai.user.message", {"content": f"I am {EMAIL_CANARY}"})
    provider.shutdown()
    return collected


def emit_logs(exporter: LogRecordExporter, count: int) -> None:
    """`count` GenAI event records with canaries in bodies and attributes, sent one by one."""
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("gateway-tests")
    for index in range(count):
        logger.emit(
            event_name="gen_ai.user.message",
            body={"content": f"message {index} from {EMAIL_CANARY}", "n": index},
            attributes={"gen_ai.system": "openai", "caller": PHONE_CANARY},
        )
    provider.shutdown()
