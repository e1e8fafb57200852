"""The protobuf adapter gives exactly what the SDK adapters give, and fails closed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
)

from otel_anonymizer import (
    FAILURE_PLACEHOLDER,
    Anonymizer,
    Sanitizer,
    create_anonymizer,
    pii_anonymizer,
)
from otel_anonymizer.detectors.budget import time_budget
from otel_anonymizer.gateway.otlp import OtlpSanitizer, from_any_value, write_any_value
from otel_anonymizer.sdk._attributes import sanitize_scope
from otel_anonymizer.sdk.logs import sanitize_log_record
from otel_anonymizer.sdk.spans import sanitize_span

CANARY = "jane.roe@example.org"
EMAIL = create_anonymizer([(r"[\w.]+@[\w.]+\.\w+", "[EMAIL]")])


class DropSecret(Anonymizer):
    """Removes every key ending in `secret`: exercises REMOVED entries."""

    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if not key.endswith("secret")}
        return data


class Explode(Anonymizer):
    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")


def chain() -> list[Anonymizer]:
    return [EMAIL, DropSecret()]


def ended_spans(build: Callable[[TracerProvider], None], resource: Resource) -> list[ReadableSpan]:
    """The spans `build` ends with a provider of `resource`, as an exporter gets them."""
    collected: list[ReadableSpan] = []

    class Collect(SpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            collected.append(span)

    provider = TracerProvider(resource=resource)
    provider.add_span_processor(Collect())
    build(provider)
    return collected


def through_both(spans: list[ReadableSpan]) -> tuple[Any, ExportTraceServiceRequest]:
    """`spans` through the gateway's bytes path and through the SDK adapter, each with
    the built-in anonymizer alone, as requests (the SDK's encoded by its encoder)."""
    request = encode_spans(spans)
    payload = (
        OtlpSanitizer(Sanitizer([pii_anonymizer()]))
        .anonymize(request, request.SerializeToString())
        .payload
    )
    expected = encode_spans([sanitize_span(span, Sanitizer([pii_anonymizer()])) for span in spans])
    return ExportTraceServiceRequest.FromString(payload), expected


def sdk_spans() -> list[ReadableSpan]:
    resource = Resource.create({"service.name": "svc", "owner": CANARY, "db.secret": "x"})
    return ended_spans(_build_sdk_spans, resource)


def _build_sdk_spans(provider: TracerProvider) -> None:
    tracer = provider.get_tracer("test", attributes={"scope.owner": CANARY})
    messages = [{"role": "user", "parts": [{"type": "text", "content": f"mail {CANARY}"}]}]
    with tracer.start_as_current_span(f"chat {CANARY}") as root:
        root.set_attribute("gen_ai.input.messages", json.dumps(messages))
        root.set_attribute("llm.input_messages.0.message.content", f"hi {CANARY}")
        root.set_attribute("tags", (CANARY, "b"))
        root.set_attribute("flags", (True, False))
        root.set_attribute("gen_ai.usage.input_tokens", 12)
        root.set_attribute("score", 0.5)
        root.set_attribute("api.secret", "sk-1")
        root.add_event("gen_ai.user.message", {"content": f"I am {CANARY}", "x.secret": "s"})
        with tracer.start_as_current_span(
            "child", links=[Link(root.get_span_context(), {"why": CANARY})]
        ) as child:
            child.set_status(Status(StatusCode.ERROR, f"failed for {CANARY}"))
            child.set_attribute("output.value", f"answer to {CANARY}")


def sdk_logs() -> list[ReadableLogRecord]:
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc", "owner": CANARY}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    logger = provider.get_logger("genai", attributes={"scope.owner": CANARY})
    logger.emit(event_name="gen_ai.user.message", body={"content": f"I am {CANARY}", "n": 3})
    logger.emit(
        body=f"plain {CANARY}",
        attributes={"event.name": "gen_ai.choice", "k.secret": "v", "list": [CANARY, 1]},
    )
    logger.emit(
        event_name="gen_ai.client.inference.operation.details",
        attributes={"gen_ai.input.messages": json.dumps([{"content": CANARY}])},
    )
    return list(memory.get_finished_logs())


def test_spans_match_the_sdk_adapter() -> None:
    spans = sdk_spans()
    expected = encode_spans([sanitize_span(span, Sanitizer(chain())) for span in spans])
    request = encode_spans(spans)
    stats = OtlpSanitizer(Sanitizer(chain())).sanitize_traces(request)
    assert request == expected
    assert CANARY not in str(request)
    assert stats.items == 2
    assert stats.redacted >= 8
    assert stats.failed == 0


def test_logs_match_the_sdk_adapter() -> None:
    records = sdk_logs()
    sanitizer = Sanitizer(chain())
    sanitized = []
    for record in records:
        log_record, resource = sanitize_log_record(record, sanitizer)
        sanitized.append(
            ReadableLogRecord(
                log_record=log_record,
                resource=resource or record.resource,
                instrumentation_scope=sanitize_scope(
                    record.instrumentation_scope, sanitizer, "log"
                ),
                limits=record.limits,
            )
        )
    expected = encode_logs(sanitized)
    request = encode_logs(records)
    stats = OtlpSanitizer(Sanitizer(chain())).sanitize_logs(request)
    assert request == expected
    assert CANARY not in str(request)
    assert stats.items == 3


def test_keys_holding_personal_data_match_the_sdk_adapter() -> None:
    """A log body keyed by email address and a JSON attribute keyed the same way: the
    bytes path of the gateway writes the keys the SDK adapters write, and no address."""
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    keyed = {CANARY: {"role": "admin"}, "bob@example.com": {"role": "user"}}
    provider.get_logger("app").emit(
        body=keyed, attributes={"gen_ai.tool.call.result": json.dumps(keyed)}
    )
    (record,) = memory.get_finished_logs()
    sanitized, _ = sanitize_log_record(record, Sanitizer([pii_anonymizer()]))
    expected = encode_logs(
        [
            ReadableLogRecord(
                log_record=sanitized,
                resource=record.resource,
                instrumentation_scope=record.instrumentation_scope,
                limits=record.limits,
            )
        ]
    )
    request = encode_logs([record])
    payload = (
        OtlpSanitizer(Sanitizer([pii_anonymizer()]))
        .anonymize(request, request.SerializeToString())
        .payload
    )
    assert ExportLogsServiceRequest.FromString(payload) == expected
    body = from_any_value(expected.resource_logs[0].scope_logs[0].log_records[0].body)
    assert body == {"[EMAIL]": {"role": "admin"}, "[EMAIL] (2)": {"role": "user"}}
    assert CANARY not in str(expected) and "bob@" not in str(expected)


def test_attribute_keys_holding_personal_data_match_the_sdk_adapter() -> None:
    """Clean values under keys that hold an address: the gateway's bytes path renames
    the attributes as the SDK adapter does (its screen sends them down the full path)."""

    def build(provider: TracerProvider) -> None:
        with provider.get_tracer("t").start_as_current_span("s") as span:
            span.set_attribute(f"user/{CANARY}/plan", "pro")
            span.set_attribute("user/[EMAIL]/plan", "basic")
            span.set_attribute("clean", "value")
            span.add_event("e", {f"to/{CANARY}": 1})

    gateway, expected = through_both(ended_spans(build, Resource.create({f"owner/{CANARY}": "x"})))
    assert gateway == expected
    assert CANARY not in str(expected)
    keys = [a.key for a in expected.resource_spans[0].scope_spans[0].spans[0].attributes]
    assert keys == ["user/[EMAIL]/plan (2)", "user/[EMAIL]/plan", "clean"]


def test_trace_states_match_the_sdk_adapter() -> None:
    """A span's and its links' W3C trace state: what the detectors find in them is
    replaced, the members stay (the gateway's screen sends such spans down the full
    path, which writes them as the SDK adapter does)."""
    state = TraceState([("app", f"user:{CANARY}"), ("dd", "s:1")])
    parent = trace.set_span_in_context(
        NonRecordingSpan(SpanContext(3, 4, True, TraceFlags(1), state))
    )
    linked = SpanContext(1, 2, False, TraceFlags(1), TraceState([("v", "card:4111111111111111")]))

    def build(provider: TracerProvider) -> None:
        tracer = provider.get_tracer("t")
        with tracer.start_as_current_span("s", context=parent, links=[Link(linked)]):
            pass
        with tracer.start_as_current_span("clean", links=[Link(linked)]):
            pass

    spans = ended_spans(build, Resource.create({}))
    gateway, expected = through_both(spans)
    assert gateway == expected
    assert expected.resource_spans[0].scope_spans[0].spans[0].trace_state == (
        "app=user:[EMAIL],dd=s:1"
    )
    # The SDK's encoder leaves links' trace states out; other SDKs send them.
    request = encode_spans(spans)
    links = [span.links[0] for span in request.resource_spans[0].scope_spans[0].spans]
    links[0].trace_state, links[1].trace_state = "v=card:4111111111111111", "dd=s:1"
    # No longer a W3C list once replaced (`[CREDIT_CARD]@vendor`): dropped, as the SDK
    # adapters drop it.
    request.resource_spans[0].scope_spans[0].spans[1].trace_state = "4111111111111111@vendor=x"
    payload = (
        OtlpSanitizer(Sanitizer([pii_anonymizer()]))
        .anonymize(request, request.SerializeToString())
        .payload
    )
    written = ExportTraceServiceRequest.FromString(payload).resource_spans[0].scope_spans[0]
    assert [span.links[0].trace_state for span in written.spans] == [
        "v=card:[CREDIT_CARD]",
        "dd=s:1",
    ]
    assert written.spans[1].trace_state == ""
    assert CANARY.encode() not in payload and b"4111" not in payload


def test_resources_are_cached_across_requests() -> None:
    adapter = OtlpSanitizer(Sanitizer(chain()))
    first, second = encode_spans(sdk_spans()), encode_spans(sdk_spans())
    adapter.sanitize_traces(first)
    adapter.sanitize_traces(second)
    assert first.resource_spans[0].resource == second.resource_spans[0].resource
    assert CANARY not in str(second.resource_spans[0].resource)


def repeated_keys() -> list[ExportLogsServiceRequest]:
    """Requests whose first value under a key a parser would read over: JSON text with a
    key twice (walked: it holds an escape), and OTLP maps with a key twice (which OTLP
    forbids), as a log body and inside an attribute."""
    text = AnyValue(string_value=f'{{"user":"{CANARY}","user":"x","note":"a\\nb"}}')
    twice = AnyValue(
        kvlist_value={
            "values": [
                {"key": "user", "value": {"string_value": CANARY}},
                {"key": "user", "value": {"string_value": "clean"}},
            ]
        }
    )
    requests = []
    for body, attribute in ((text, None), (twice, None), (None, twice)):
        request = ExportLogsServiceRequest()
        record = request.resource_logs.add().scope_logs.add().log_records.add()
        if body is not None:
            record.body.CopyFrom(body)
        if attribute is not None:
            record.attributes.add(key="doc", value=attribute)
        requests.append(request)
    return requests


@pytest.mark.parametrize("request_", repeated_keys())
def test_a_value_under_a_repeated_key_is_anonymized(request_: ExportLogsServiceRequest) -> None:
    """Found by review: a parse keeps the last value of a key; nothing changed in what
    it kept, so the request went out as it came, the first value raw."""
    adapter = OtlpSanitizer(Sanitizer([pii_anonymizer()]))
    payload = adapter.anonymize(request_, request_.SerializeToString()).payload
    assert CANARY.encode() not in payload
    adapter.sanitize_logs(request_)
    assert CANARY not in str(request_)


def test_an_escaped_lone_surrogate_is_written_back_escaped() -> None:
    """JSON text may escape half a surrogate pair; written back raw it is no UTF-8 and
    the value was lost (found by review). It is written back escaped."""
    request = ExportLogsServiceRequest()
    record = request.resource_logs.add().scope_logs.add().log_records.add()
    record.attributes.add(
        key="gen_ai.tool.call.result",
        value=AnyValue(string_value=f'{{"a":"{CANARY}\\ud800"}}'),
    )
    payload = (
        OtlpSanitizer(Sanitizer([pii_anonymizer()]))
        .anonymize(request, request.SerializeToString())
        .payload
    )
    written = ExportLogsServiceRequest.FromString(payload).resource_logs[0].scope_logs[0]
    value = written.log_records[0].attributes[0].value.string_value
    assert value == '{"a":"[EMAIL]\\ud800"}'


def test_a_resource_that_failed_is_not_kept() -> None:
    """A resource anonymized after the request's time budget ran out is placeholders:
    the next request anonymizes it again instead of finding that in the cache."""
    adapter = OtlpSanitizer(Sanitizer([pii_anonymizer()]))
    first, second = encode_spans(sdk_spans()), encode_spans(sdk_spans())
    with time_budget(0.0):
        adapter.sanitize_traces(first)
    adapter.sanitize_traces(second)
    owners = [
        {a.key: a.value.string_value for a in request.resource_spans[0].resource.attributes}
        for request in (first, second)
    ]
    assert [owner["owner"] for owner in owners] == [FAILURE_PLACEHOLDER, "[EMAIL]"]


def test_large_resources_are_anonymized_each_time_and_not_kept() -> None:
    adapter = OtlpSanitizer(Sanitizer(chain()))
    for size in (100, 100_000):
        request = encode_spans(sdk_spans())
        resource = request.resource_spans[0].resource
        resource.attributes.add(key="note", value=AnyValue(string_value="x" * size))
        for _ in range(2):
            copy = type(request).FromString(request.SerializeToString())
            adapter.sanitize_traces(copy)
            assert CANARY not in str(copy.resource_spans[0].resource)
    kept = [len(original) for _, original, _ in adapter._shared_cache]
    assert kept and max(kept) < 64 * 1024


def test_a_failing_chain_fails_closed() -> None:
    request = encode_spans(sdk_spans())
    OtlpSanitizer(Sanitizer([Explode()])).sanitize_traces(request)
    text = str(request)
    assert CANARY not in text
    assert FAILURE_PLACEHOLDER in text


def test_an_unwritable_result_replaces_the_item_with_placeholders() -> None:
    class HugeInt(Anonymizer):
        def anonymize(self, data: Any, **kwargs: Any) -> Any:
            if isinstance(data, dict):
                return {key: 2**80 if key == "score" else value for key, value in data.items()}
            return data

    request = encode_spans(sdk_spans())
    stats = OtlpSanitizer(Sanitizer([EMAIL, HugeInt()])).sanitize_traces(request)
    root = next(
        s
        for r in request.resource_spans
        for sc in r.scope_spans
        for s in sc.spans
        if not s.parent_span_id
    )
    assert stats.failed == 1
    assert root.name == FAILURE_PLACEHOLDER
    assert CANARY not in str(request)


def test_a_failed_item_keeps_none_of_its_values() -> None:
    """Found by review: on a failure part-way, the placeholder replaced only strings,
    so an integer card number and the keys of a list went out as they came."""

    class HugeInt(Anonymizer):
        def anonymize(self, data: Any, **kwargs: Any) -> Any:
            if isinstance(data, dict):
                return {key: 2**80 if key == "score" else value for key, value in data.items()}
            return data

    card = 4111111111111111
    nested = AnyValue(kvlist_value={"values": [{"key": CANARY, "value": {"int_value": 1}}]})
    traces = ExportTraceServiceRequest()
    span = traces.resource_spans.add().scope_spans.add().spans.add(name="s")
    logs = ExportLogsServiceRequest()
    record = logs.resource_logs.add().scope_logs.add().log_records.add()
    for attributes in (span.attributes, record.attributes):
        attributes.add(key="score", value=AnyValue(string_value="3"))
        attributes.add(key="card", value=AnyValue(int_value=card))
        attributes.add(key="doc", value=nested)
        attributes.add(key="ratio", value=AnyValue(double_value=0.5))
        attributes.add(key=f"user {CANARY}", value=AnyValue(string_value="pro"))
    record.body.int_value = card
    record.event_name, record.severity_text = f"e {CANARY}", CANARY
    adapter = OtlpSanitizer(Sanitizer([pii_anonymizer(), HugeInt()]))
    for request in (traces, logs):
        payload = adapter.anonymize(request, request.SerializeToString()).payload
        decoded = type(request).FromString(payload)
        assert str(card) not in str(decoded) and CANARY not in str(decoded)  # keys too
        assert "0.5" not in str(decoded)  # the failed item's other values too
        item = (
            decoded.resource_spans[0].scope_spans[0].spans[0]
            if isinstance(decoded, ExportTraceServiceRequest)
            else decoded.resource_logs[0].scope_logs[0].log_records[0]
        )
        # Each value the placeholder, also the one whose write failed half-way.
        values = [attribute.value.string_value for attribute in item.attributes]
        assert values == [FAILURE_PLACEHOLDER] * 5
        assert item.attributes[4].key == "user [EMAIL]"


def test_many_keys_replaced_by_one_name_cost_linear_time() -> None:
    """Found by review: each of n keys that all became `u [EMAIL]` tried every suffix
    taken before it (16,000 attributes: 23 s). The next suffix is remembered per name."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="s")
    for index in range(20_000):
        span.attributes.add(key=f"u u{index}@example.org", value=AnyValue(string_value="x"))
    started = time.monotonic()
    payload = (
        OtlpSanitizer(Sanitizer([pii_anonymizer()]))
        .anonymize(request, request.SerializeToString())
        .payload
    )
    assert time.monotonic() - started < 10  # about a minute when quadratic
    written = ExportTraceServiceRequest.FromString(payload).resource_spans[0].scope_spans[0]
    keys = [attribute.key for attribute in written.spans[0].attributes]
    assert keys[:2] == ["u [EMAIL]", "u [EMAIL] (2)"] and keys[-1] == "u [EMAIL] (20000)"
    started = time.monotonic()
    nested = pii_anonymizer().anonymize({"m": {f"u{i}@example.org": i for i in range(20_000)}})
    assert time.monotonic() - started < 10
    assert list(nested["m"])[-1] == "[EMAIL] (20000)"
    # A map with one key 20,000 times (found in the final read: each repeat tried
    # every suffix before it).
    body = AnyValue(kvlist_value={"values": [{"key": "k"}] * 20_000})
    started = time.monotonic()
    keys = list(from_any_value(body))
    assert time.monotonic() - started < 10
    assert keys[:2] == ["k", "k#2"] and keys[-1] == "k#20000"


def test_logs_fail_closed() -> None:
    request = encode_logs(sdk_logs())
    OtlpSanitizer(Sanitizer([Explode()])).sanitize_logs(request)
    assert CANARY not in str(request)


@pytest.mark.parametrize(
    "value",
    ["text", True, 7, -(2**63), 2.5, b"\x00\xff", [1, "a", [2]], {"a": {"b": [None, 1.5]}}, [], {}],
)
def test_any_value_round_trip(value: Any) -> None:
    target = AnyValue()
    write_any_value(target, value)
    assert from_any_value(target) == value
    assert type(from_any_value(target)) is type(value)


def test_empty_requests_are_fine() -> None:
    adapter = OtlpSanitizer(Sanitizer(chain()))
    assert adapter.sanitize_traces(ExportTraceServiceRequest()).items == 0
    assert adapter.sanitize_logs(ExportLogsServiceRequest()).items == 0


def test_without_the_c_extensions_every_span_is_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `_wire` (no C compiler at install) there is no prescreen: the adapter
    hands every span to the Sanitizer."""
    from otel_anonymizer import pii_anonymizer
    from otel_anonymizer.gateway import prescreen

    monkeypatch.setattr(prescreen, "_wire", None)
    adapter = OtlpSanitizer(Sanitizer([pii_anonymizer()]))
    assert adapter._prescreen is None
    request = encode_spans(sdk_spans())
    body = request.SerializeToString()
    payload, stats, patch = adapter.anonymize(request, body, spliced=False)
    assert stats.redacted > 0 and stats.changed and patch is None
    assert CANARY.encode() not in payload


@pytest.mark.parametrize("signal", ["traces", "logs"])
def test_entity_references_of_resources_are_anonymized(signal: str) -> None:
    """Found by review: newer OTLP resources carry entity references that name
    attribute keys (`id_keys`, `description_keys`) and an entity type. They went
    upstream raw, also a key whose attribute was renamed; they now become what those
    keys become, through the prescreen and the full path alike."""
    from otel_anonymizer.gateway.processing import Worker

    email, card = "jane.roe@example.org", "4111 1111 1111 1111"
    message = ExportTraceServiceRequest() if signal == "traces" else ExportLogsServiceRequest()
    if isinstance(message, ExportTraceServiceRequest):
        group = message.resource_spans.add()
        group.scope_spans.add().spans.add(name="s", trace_id=b"t" * 16, span_id=b"s" * 8)
    else:
        group = message.resource_logs.add()
        group.scope_logs.add().log_records.add(body=AnyValue(string_value="hello"))
    group.resource.attributes.add(key=email, value=AnyValue(string_value="x"))
    ref = group.resource.entity_refs.add(type=f"customer {email}")
    ref.id_keys.append(email)
    ref.description_keys.append(f"card {card}")
    worker = Worker({signal: [{"detectors": "default"}]}, {})
    payload = worker.process(signal, signal, "proto", message.SerializeToString()).payload
    assert email.encode() not in payload and card.encode() not in payload
    parsed = type(message).FromString(payload)
    groups = parsed.resource_spans if signal == "traces" else parsed.resource_logs
    resource = groups[0].resource
    assert [attribute.key for attribute in resource.attributes] == ["[EMAIL]"]
    [ref] = resource.entity_refs
    assert (ref.type, list(ref.id_keys), list(ref.description_keys)) == (
        "customer [EMAIL]",
        ["[EMAIL]"],
        ["card [CREDIT_CARD]"],
    )
