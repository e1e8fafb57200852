"""The prescreen passes clean spans and log records by, and changes nothing else.

`Prescreen.dirty` reads serialized export requests in C and tells the protobuf adapter
which items the anonymizer may change; the adapter leaves the others as they are. That
must be exact: on random requests built from the values that move its verdicts (texts
with and without personal data, JSON with and without escapes and sensitive keys, JSON
inside JSON, arrays, maps, large integers, events, links, status messages, non-ASCII
text), the adapter gives the same bytes and counts with the prescreen as without it,
for several anonymizer configurations.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
from corpus import clean_texts, labeled
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_anonymizer import Detector, Sanitizer, pii_anonymizer
from otel_anonymizer.gateway import prescreen
from otel_anonymizer.gateway.otlp import OtlpSanitizer, Stats, write_any_value
from otel_anonymizer.gateway.processing import Worker
from otel_anonymizer.pii import PIIAnonymizer

pytestmark = pytest.mark.skipif(prescreen._wire is None, reason="the C extensions are not built")

KEYS = [
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "input.value",
    "llm.input_messages.0.message.content",
    "gen_ai.prompt.0.api_key",
    "http.request.header.authorization",
    "user.email",
    "password",
    "session.id",
    "note",
    "gen_ai.usage.input_tokens",
]


class Values:
    """Random attribute values of every kind the prescreen judges."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.texts = [sample.text for kind in labeled(6).values() for sample in kind]
        self.texts += [
            *clean_texts(40),
            "",
            "plain answer",
            "ok 2024-03-14 2.4.1 version",
            "k-means check-in",
            "see https://example.org",
            "order 4111111111111111,5",
            "é à 日本語 ٣٤٥٦٧٨٩٠١٢",
            "tab\tjane.roe@example.org",
        ]

    def text(self) -> str:
        text = self.rng.choice(self.texts)
        shape = self.rng.randrange(8)
        if shape == 0:
            return json.dumps([{"role": "user", "content": text}])
        if shape == 1:
            return json.dumps({"password": text, "x": 1})
        if shape == 2:
            return json.dumps(json.dumps({"q": text}))
        if shape == 3:
            return json.dumps({"a": text}, indent=2, ensure_ascii=False)
        if shape == 4:
            return json.dumps([4111111111111111, 1000000, text])
        return text

    def fill(self, target: AnyValue, nested: bool = True) -> None:
        kind = self.rng.randrange(10)
        if kind < 6:
            target.string_value = self.text()
        elif kind == 6:
            target.int_value = self.rng.choice([7, 123456, 4111111111111111, -5555555555, 10**6])
        elif kind == 7 and nested:
            values = [self.text(), self.rng.choice([1, 4111111111111111]), "x"]
            write_any_value(target, self.rng.sample(values, self.rng.randint(0, 3)))
        elif kind == 8 and nested:
            write_any_value(target, {"token": self.text(), "n": 1})
        else:
            target.double_value = 2.5

    def attributes(self, owner: list[KeyValue] | object, count: int) -> None:
        for _ in range(count):
            attribute = owner.add(key=self.rng.choice(KEYS))  # type: ignore[attr-defined]
            self.fill(attribute.value)


def traces(values: Values, spans: int) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    rng = values.rng
    for _ in range(2):
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.add(key="service.name", value=AnyValue(string_value="s"))
        scope = resource_spans.scope_spans.add()
        for _ in range(spans):
            span: Span = scope.spans.add(trace_id=b"t" * 16, span_id=b"s" * 8)
            if rng.random() < 0.8:
                span.name = rng.choice(["chat gpt-4o", values.text()])
            if rng.random() < 0.3:
                span.status.message = values.text()
            values.attributes(span.attributes, rng.randint(0, 5))
            for _ in range(rng.randint(0, 2)):
                event = span.events.add(name=rng.choice(["", "gen_ai.content.prompt", "exception"]))
                values.attributes(event.attributes, rng.randint(0, 2))
            if rng.random() < 0.2:
                link = span.links.add(trace_id=b"u" * 16, span_id=b"v" * 8)
                values.attributes(link.attributes, 1)
    return request


def logs(values: Values, records: int) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    scope = request.resource_logs.add().scope_logs.add()
    for _ in range(records):
        record: LogRecord = scope.log_records.add()
        if values.rng.random() < 0.9:
            values.fill(record.body)
        values.attributes(record.attributes, values.rng.randint(0, 3))
    return request


ANONYMIZERS: dict[str, Callable[[], PIIAnonymizer]] = {
    "default": pii_anonymizer,
    "no key checks": lambda: pii_anonymizer(check_keys=False),
    "sensitive names": lambda: pii_anonymizer(sensitive_keys=["name", "value"]),
    "secrets only": lambda: pii_anonymizer("secrets"),
    # A detector that reads quotes: JSON text where its needle occurs takes the walk.
    "quote reader": lambda: pii_anonymizer(
        custom_detectors=[Detector("employee", r"(?<!\S)E\d{5}", needles=("E",))]
    ),
    # A detector without needles: every text is scanned.
    "no needles": lambda: pii_anonymizer(custom_detectors=[Detector("ticket", r"TCK-\d{6}")]),
}


def run(
    anonymizer: PIIAnonymizer, request: ExportTraceServiceRequest | ExportLogsServiceRequest
) -> tuple[bytes, Stats, bool]:
    """The adapter's output for a copy of `request`, with the prescreen, and without."""
    results = []
    for serialized in (request.SerializeToString(), None):
        copy = type(request).FromString(request.SerializeToString())
        adapter = OtlpSanitizer(Sanitizer([anonymizer]))
        if isinstance(copy, ExportTraceServiceRequest):
            stats = adapter.sanitize_traces(copy, serialized)
        else:
            stats = adapter.sanitize_logs(copy, serialized)
        results.append((copy.SerializeToString(), stats))
    (screened, screened_stats), (full, full_stats) = results
    assert screened == full
    assert (screened_stats.items, screened_stats.redacted, screened_stats.failed) == (
        full_stats.items,
        full_stats.redacted,
        full_stats.failed,
    )
    return screened, screened_stats, screened != request.SerializeToString()


@pytest.mark.parametrize("name", list(ANONYMIZERS))
def test_the_prescreen_changes_nothing_in_traces(name: str) -> None:
    anonymizer = ANONYMIZERS[name]()
    values = Values(seed=len(name))
    changed = 0
    for _ in range(60):
        changed += run(anonymizer, traces(values, spans=4))[2]
    assert changed > 10  # the requests hold things to replace


@pytest.mark.parametrize("name", list(ANONYMIZERS))
def test_the_prescreen_changes_nothing_in_logs(name: str) -> None:
    anonymizer = ANONYMIZERS[name]()
    values = Values(seed=100 + len(name))
    for _ in range(60):
        run(anonymizer, logs(values, records=6))


def test_clean_items_are_passed_by_and_dirty_ones_are_named() -> None:
    anonymizer = pii_anonymizer()
    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add().spans
    spans.add(
        name="clean", attributes=[KeyValue(key="input.value", value=AnyValue(string_value="hi"))]
    )
    spans.add(name="mail jane.roe@example.org")
    spans.add(
        name="secret", attributes=[KeyValue(key="password", value=AnyValue(string_value="x"))]
    )
    spans.add(
        name="card", attributes=[KeyValue(key="n", value=AnyValue(int_value=4111111111111111))]
    )
    spans.add(name="map", attributes=[KeyValue(key="m", value=AnyValue(kvlist_value={}))])
    screen = prescreen.Prescreen.of(Sanitizer([anonymizer]))
    assert screen is not None
    assert screen.dirty(request.SerializeToString(), logs=False) == {1, 2, 3, 4}


def test_a_clean_request_is_forwarded_as_it_came() -> None:
    worker = Worker({"traces": [{"detectors": "default"}]}, {})
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    span.attributes.add(key="input.value", value=AnyValue(string_value="What is 2 + 2?"))
    body = request.SerializeToString()
    processed = worker.process("traces", "traces", "proto", body)
    assert processed.payload is body
    assert processed.stats.items == 1
    span.attributes.add(key="user.email", value=AnyValue(string_value="jane.roe@example.org"))
    processed = worker.process("traces", "traces", "proto", request.SerializeToString())
    assert b"jane.roe" not in processed.payload
    assert processed.stats.redacted == 1


def test_bytes_that_do_not_read_as_a_request_get_no_verdict() -> None:
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    body = ExportTraceServiceRequest()
    body.resource_spans.add().scope_spans.add().spans.add(name="x" * 50)
    serialized = body.SerializeToString()
    for cut in range(1, len(serialized)):
        assert screen.dirty(serialized[:cut], logs=False) in (None, set(), {0})
    assert screen.dirty(b"\x0b", logs=False) is None  # a group: not OTLP


def test_there_is_no_prescreen_for_other_chains() -> None:
    assert prescreen.Prescreen.of(Sanitizer([pii_anonymizer(), pii_anonymizer()])) is None
    assert prescreen.Prescreen.of(Sanitizer([pii_anonymizer(fields=[])])) is not None
    from otel_anonymizer.pii import FieldPolicy

    policies = pii_anonymizer(fields=[FieldPolicy("input.*", "keep")])
    assert prescreen.Prescreen.of(Sanitizer([policies])) is None
