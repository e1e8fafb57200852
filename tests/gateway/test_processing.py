"""The pool of worker processes: what goes back through its pipes, and what comes out.

A worker parses, anonymizes and serializes each request body. A payload that is the
body as it came (a pass-through pipeline, a request with nothing to anonymize) is not
sent back through the pool's pipe; the gateway process puts its own copy of the body in
its place. These tests run a real worker process.
"""

from __future__ import annotations

import asyncio

import pytest
from google.protobuf.json_format import MessageToJson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from otel_anonymizer.gateway import processing
from otel_anonymizer.gateway.processing import Processed, ProcessingPool, Worker

OPTIONS = {"anonymized": [{"detectors": "default"}], "plain": []}
EMAIL = "jane.roe@example.org"


def request(text: str) -> ExportTraceServiceRequest:
    message = ExportTraceServiceRequest()
    span = message.resource_spans.add().scope_spans.add().spans.add(name="chat")
    span.attributes.add(key="input.value", value=AnyValue(string_value=text))
    return message


CLEAN = request("What is 2 + 2?").SerializeToString()
DIRTY = request(f"Write to {EMAIL}").SerializeToString()


def test_a_worker_sends_back_no_payload_that_is_the_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(processing, "_worker", Worker(OPTIONS, {}))
    for pipeline in ("anonymized", "plain"):
        processed = processing._process(pipeline, "traces", "proto", CLEAN)
        assert (processed.payload, processed.as_received) == (b"", True)
    processed = processing._process("anonymized", "traces", "proto", DIRTY)
    assert not processed.as_received
    assert EMAIL.encode() not in processed.payload and b"[EMAIL]" in processed.payload
    # JSON bodies are forwarded as protobuf: that payload is not the body.
    body = MessageToJson(request("What is 2 + 2?")).encode()
    processed = processing._process("plain", "traces", "json", body)
    assert not processed.as_received and processed.payload == CLEAN


def test_the_gateway_puts_its_copy_of_the_body_back() -> None:
    pool = ProcessingPool(OPTIONS, {}, workers=1)

    async def run() -> list[Processed]:
        await pool.start()
        return [
            await pool.process("anonymized", "traces", "proto", CLEAN),
            await pool.process("plain", "traces", "proto", DIRTY),
            await pool.process("anonymized", "traces", "proto", DIRTY),
        ]

    try:
        clean, plain, anonymized = asyncio.run(run())
    finally:
        pool.close()
    assert clean.payload == CLEAN and clean.stats.items == 1
    assert plain.payload == DIRTY
    assert EMAIL.encode() not in anonymized.payload
    assert anonymized.stats.redacted == 1
