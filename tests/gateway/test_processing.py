"""The pool of worker processes: what goes back through its pipes, and what comes out.

A worker parses, anonymizes and serializes each request body. What the gateway process
can make from the body it holds is not sent back through the pool's pipe: a payload
that is the body as it came (a pass-through pipeline, a request with nothing to
anonymize), or the body with new texts written in, of which only the texts are sent.
Each request is anonymized within a time budget. The pool tests run a real worker
process.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from google.protobuf.json_format import MessageToJson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from otel_anonymizer.gateway import processing
from otel_anonymizer.gateway.errors import Unavailable
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


def test_a_worker_sends_back_only_what_the_gateway_cannot_make(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = Worker(OPTIONS, {})
    monkeypatch.setattr(processing, "_worker", worker)
    for pipeline in ("anonymized", "plain"):
        processed = processing._process(pipeline, "traces", "proto", CLEAN)
        assert (processed.payload, processed.as_received) == (b"", True)
        assert processed.restore(CLEAN).payload is CLEAN
    # Anonymized in the bytes: only a patch of them comes back (what changed in the text,
    # not the body), and makes the same bytes in the gateway process.
    unspliced = worker.process("anonymized", "traces", "proto", DIRTY, spliced=False)
    assert unspliced.payload == b"" and unspliced.patch
    processed = processing._process("anonymized", "traces", "proto", DIRTY)
    assert processed.payload == b"" and not processed.as_received and processed.patch
    assert b"[EMAIL]" in processed.patch and EMAIL.encode() not in processed.patch
    assert b"Write to" not in processed.patch  # the text's head is the body's
    expected = worker.process("anonymized", "traces", "proto", DIRTY).payload
    assert EMAIL.encode() not in expected
    restored = processed.restore(DIRTY)
    assert restored.payload == expected and restored.patch is None
    # A patch that does not fit the body (a bug) is an answer to retry, never a body.
    with pytest.raises(Unavailable, match="could not be rebuilt"):
        processed.restore(DIRTY + b"\0")
    # Made from JSON, the payload is not the body, nor made from it: it comes back.
    body = MessageToJson(request(f"Write to {EMAIL}")).encode()
    anonymized = processing._process("anonymized", "traces", "json", body)
    plain = processing._process("plain", "traces", "json", body)
    for processed in (anonymized, plain):
        assert processed.payload and not processed.as_received and processed.patch is None
    assert EMAIL.encode() not in anonymized.payload
    assert plain.payload == DIRTY


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


def test_a_request_built_to_be_slow_is_cut_off_and_fails_closed() -> None:
    """`"1 " * n` makes every digit a new reading for the numeric validators (about 7 us
    a character): 2 MB would hold a worker for about 15 s. The request's budget cuts it
    off; what was not scanned by then is the placeholder, never the text as it came."""
    options = {"anonymized": [{"detectors": "default", "regex_timeout": 600}]}
    worker = Worker(options, {}, budget=0.3)
    message = request("1 " * 1_000_000)
    message.resource_spans[0].scope_spans[0].spans.add(name="next").attributes.add(
        key="input.value", value=AnyValue(string_value=f"Write to {EMAIL}")
    )
    started = time.monotonic()
    processed = worker.process("anonymized", "traces", "proto", message.SerializeToString())
    assert time.monotonic() - started < 5
    assert b"1 1 1 1" not in processed.payload and EMAIL.encode() not in processed.payload
    assert processed.stats.items == 2
    assert processed.failures.get(("PIIAnonymizer", "TimeoutError"), 0) >= 1
    # The next request has a budget of its own.
    assert worker.process("anonymized", "traces", "proto", DIRTY).payload.endswith(
        b"Write to [EMAIL]"
    )


def test_each_result_counts_what_its_own_request_redacted() -> None:
    """Detections are counted process-wide; a result carries what its request added,
    which the gateway process adds to its telemetry (`redactions_total`)."""
    worker = Worker(OPTIONS, {})
    twice = request(f"Write to {EMAIL} or cc {EMAIL}").SerializeToString()
    found = [
        worker.process("anonymized", "traces", "proto", body).redactions
        for body in (DIRTY, twice, CLEAN, DIRTY)
    ]
    assert found == [{"email": 1}, {"email": 2}, {}, {"email": 1}]
