"""The prescreen passes clean spans and log records by, and changes nothing else.

`Prescreen.screen` reads serialized export requests in C and tells the protobuf adapter
which items the anonymizer may change; the adapter leaves the others as they are. That
must be exact: on random requests built from the values that move its verdicts (texts
with and without personal data, JSON with and without escapes and sensitive keys, JSON
inside JSON, arrays, maps, large integers, events, links, status messages, non-ASCII
text), the adapter gives the same bytes and counts with the prescreen as without it,
for several anonymizer configurations.
"""

from __future__ import annotations

import gc
import json
import random
import struct
from collections import Counter
from collections.abc import Callable, Sequence

import pytest
from corpus import clean_texts, labeled
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_anonymizer import Detector, Sanitizer, pii_anonymizer
from otel_anonymizer.detectors import Finding
from otel_anonymizer.detectors.budget import time_budget
from otel_anonymizer.gateway import prescreen
from otel_anonymizer.gateway.otlp import OtlpSanitizer, Stats, write_any_value
from otel_anonymizer.gateway.processing import Worker
from otel_anonymizer.pii import REDACTIONS, PIIAnonymizer

Request = ExportTraceServiceRequest | ExportLogsServiceRequest
LogsRequest = ExportLogsServiceRequest

pytestmark = pytest.mark.skipif(prescreen._wire is None, reason="the C extensions are not built")
CANARY = "jane.roe@example.org"

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
    "langfuse.trace.metadata.jane.roe@example.org",  # a key to replace
    "langfuse.trace.metadata.[EMAIL]",  # and the key it would become
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
            "https://api.example.com/v1/users?email=jane.doe%40example.com&p=%2B14155552671",
            "q=my%20card%204111111111111111 100%25",
            "wire it to de89 3704 0044 0532 0130 00",  # IBANs in lower and mixed case
            "gb29NWBK60161331926819",
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
                if rng.random() < 0.5:
                    link.trace_state = rng.choice(["dd=s:1", f"app={values.text()}"])
            if rng.random() < 0.2:
                span.trace_state = rng.choice(["dd=s:1", f"app={values.text()}"])
    return request


def logs(values: Values, records: int) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    scope = request.resource_logs.add().scope_logs.add()
    for _ in range(records):
        record: LogRecord = scope.log_records.add()
        if values.rng.random() < 0.9:
            values.fill(record.body)
        values.attributes(record.attributes, values.rng.randint(0, 3))
        if values.rng.random() < 0.5:
            record.event_name = values.rng.choice(["gen_ai.choice", values.text()])
        if values.rng.random() < 0.5:
            record.severity_text = values.rng.choice(["INFO", "", values.text()])
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
    anonymizer: PIIAnonymizer,
    request: ExportTraceServiceRequest | ExportLogsServiceRequest,
    body: bytes | None = None,
) -> tuple[bytes, Stats, bool]:
    """The adapter's output for `request` (serialized as `body` when given): from the
    bytes, with the prescreen, and from a copy of the objects, without it; both must
    hold the same message (the bytes may keep the fields in their order) and counts."""
    body = request.SerializeToString() if body is None else body
    screened, screened_stats, _ = OtlpSanitizer(Sanitizer([anonymizer])).anonymize(
        type(request).FromString(body), body
    )
    # What a worker process sends back instead of the bytes: a patch that makes them.
    unspliced, _, patch = OtlpSanitizer(Sanitizer([anonymizer])).anonymize(
        type(request).FromString(body), body, spliced=False
    )
    if patch is not None:
        assert unspliced == b"" and prescreen.apply_patch(body, patch) == screened
    else:
        assert unspliced == screened
    full = type(request).FromString(body)
    full_adapter = OtlpSanitizer(Sanitizer([anonymizer]))
    if isinstance(full, ExportTraceServiceRequest):
        full_stats = full_adapter.sanitize_traces(full)
    else:
        full_stats = full_adapter.sanitize_logs(full)
    assert type(request).FromString(screened) == full
    assert (screened_stats.items, screened_stats.redacted, screened_stats.failed) == (
        full_stats.items,
        full_stats.redacted,
        full_stats.failed,
    )
    assert screened_stats.changed == (screened != body)
    return screened, screened_stats, screened != body


def dirty(screen: prescreen.Prescreen, body: bytes, logs: bool) -> dict[int, list[int]] | None:
    """The dirty items of `body`, as `Prescreen.screen` tells them (None: all)."""
    screened = screen.screen(body, logs)
    return None if screened is None else screened[0]


@pytest.mark.parametrize("name", list(ANONYMIZERS))
def test_the_prescreen_changes_nothing_in_traces(name: str) -> None:
    anonymizer = ANONYMIZERS[name]()
    values = Values(seed=len(name))
    changed = 0
    for _ in range(60):
        changed += run(anonymizer, traces(values, spans=4))[2]
    assert changed > 10  # the requests hold things to replace


def varint(value: int) -> bytes:
    encoded = bytearray()
    while value >= 0x80:
        encoded.append(value & 0x7F | 0x80)
        value >>= 7
    encoded.append(value)
    return bytes(encoded)


def length_delimited(number: int, payload: bytes) -> bytes:
    """A protobuf field of wire type LEN."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def test_fields_out_of_order_and_repeated() -> None:
    """Encoders may write a span's fields in any order, and a field twice (the last
    name and status message win, messages merge): the prescreen must still name the
    entries as the adapter orders them. Spans are written here as their fields one by
    one, shuffled, some twice."""
    anonymizer = pii_anonymizer()
    values = Values(seed=77)
    rng = values.rng
    for _ in range(150):
        request = traces(values, spans=3)
        written = []
        for span in request.resource_spans[0].scope_spans[0].spans:
            parts = []
            for descriptor, value in span.ListFields():
                items = value if descriptor.is_repeated else [value]
                for item in items:
                    part = Span()
                    if descriptor.is_repeated:
                        getattr(part, descriptor.name).append(item)
                    elif descriptor.message_type is not None:
                        getattr(part, descriptor.name).CopyFrom(item)
                    else:
                        setattr(part, descriptor.name, item)
                    parts.append(part.SerializeToString())
            if rng.random() < 0.3:
                parts.append(Span(name=values.text()).SerializeToString())
            if rng.random() < 0.3:
                extra = Span()
                extra.status.message = rng.choice(["", values.text()])
                parts.append(extra.SerializeToString())
            rng.shuffle(parts)
            written.append(length_delimited(2, b"".join(parts)))
        body = length_delimited(1, length_delimited(2, b"".join(written)))
        run(anonymizer, ExportTraceServiceRequest.FromString(body), body)


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
    # Entries in the adapter's order: name, status message, attributes, each event's
    # name and attributes, each link's attributes (the wire has them by field number).
    span = spans.add(name="layout")
    span.links.add().attributes.add(key="to", value=AnyValue(string_value=CANARY))
    event = span.events.add(name="e")
    event.attributes.add(key="ok", value=AnyValue(string_value="fine"))
    event.attributes.add(key="mail", value=AnyValue(string_value=CANARY))
    span.attributes.add(key="a", value=AnyValue(string_value="fine"))
    span.attributes.add(key="b", value=AnyValue(string_value=CANARY))
    span.status.message = f"failed for {CANARY}"
    sanitizer = Sanitizer([anonymizer])
    screen = prescreen.Prescreen.of(sanitizer)
    assert screen is not None
    found = dirty(screen, request.SerializeToString(), logs=False)
    assert found is not None
    assert {ordinal: sorted(entries) for ordinal, entries in found.items()} == {
        1: [0],
        2: [1],
        3: [1],
        4: [1],
        5: [1, 3, 6, 7],
    }
    entries = OtlpSanitizer(sanitizer)._span_entries(span)
    assert sorted(index for index, entry in enumerate(entries) if CANARY in entry.value) == [
        1,
        3,
        6,
        7,
    ]


def test_log_entries_are_named_in_the_adapters_order() -> None:
    """A log record's entries: its body, its attributes, then its event name and its
    severity text when not empty (the wire has them by field number: 3, 5, 6, 12)."""
    request = ExportLogsServiceRequest()
    records = request.resource_logs.add().scope_logs.add().log_records
    records.add(event_name="gen_ai.choice", severity_text="INFO", body=AnyValue(string_value="ok"))
    record = records.add(severity_text=f"for {CANARY}", event_name=CANARY)
    record.attributes.add(key="a", value=AnyValue(string_value="fine"))
    record.attributes.add(key="b", value=AnyValue(string_value=CANARY))
    records.add(severity_text=f"for {CANARY}")
    sanitizer = Sanitizer([pii_anonymizer()])
    screen = prescreen.Prescreen.of(sanitizer)
    assert screen is not None
    found = dirty(screen, request.SerializeToString(), logs=True)
    assert found is not None
    assert {ordinal: sorted(entries) for ordinal, entries in found.items()} == {
        1: [2, 3, 4],
        2: [1],
    }
    for ordinal, expected in ((1, [2, 3, 4]), (2, [1])):
        entries = OtlpSanitizer(sanitizer)._log_entries(records[ordinal])
        found = [index for index, entry in enumerate(entries) if CANARY in str(entry.value)]
        assert found == expected
    screened, _, changed = run(pii_anonymizer(), request)
    assert changed and CANARY.encode() not in screened


@pytest.mark.parametrize("signal", ["traces", "logs"])
def test_what_the_screen_found_rewrites_as_reading_the_values_back(signal: str) -> None:
    """`Prescreen.screen` hands over the text, how it is rewritten and the findings of
    each dirty entry whose only value is a string it scanned (under a name that passes):
    `rewrite` then need not read and scan them again. From those it must write exactly
    what reading the values back from the bytes writes, and count the same."""
    handed_over = 0
    for name, make in ANONYMIZERS.items():
        screen = prescreen.Prescreen.of(Sanitizer([make()]))
        assert screen is not None
        values = Values(seed=200 + len(name))
        for _ in range(30):
            request = traces(values, spans=4) if signal == "traces" else logs(values, records=6)
            body = request.SerializeToString()
            screened = screen.screen(body, logs=signal == "logs")
            assert screened is not None
            dirty, scanned = screened
            handed_over += sum(map(len, scanned.values()))
            results = []
            for given in (scanned, None):
                stats, before = Stats(), REDACTIONS.snapshot()
                rewritten = screen.rewrite(body, signal == "logs", dirty, stats, scanned=given)
                counted = Counter(REDACTIONS.snapshot()) - Counter(before)
                results.append((rewritten, stats.redacted, stats.changed, counted))
            assert results[0] == results[1]
    assert handed_over > 100


def scanned_entries(anonymizer: PIIAnonymizer, request: Request) -> dict[int, list[int]]:
    """The dirty entries of `request` that `Prescreen.screen` hands over scanned."""
    screen = prescreen.Prescreen.of(Sanitizer([anonymizer]))
    assert screen is not None
    screened = screen.screen(request.SerializeToString(), isinstance(request, LogsRequest))
    assert screened is not None
    return {ordinal: [index for index, *_ in found] for ordinal, found in screened[1].items()}


def attribute_bytes(key: bytes, *fields: bytes) -> bytes:
    """A span's attribute (a KeyValue) written field by field, as a client may."""
    return length_delimited(9, length_delimited(1, key) + b"".join(fields))


def any_value(*fields: bytes) -> bytes:
    """A KeyValue's value (an AnyValue) written field by field."""
    return length_delimited(2, b"".join(fields))


def string_value(text: bytes) -> bytes:
    return length_delimited(1, text)


MAIL = f"mail {CANARY}".encode()


@pytest.mark.parametrize(
    "written",
    [
        attribute_bytes(b"password", any_value(string_value(MAIL))),
        attribute_bytes(
            b"listed", any_value(length_delimited(5, length_delimited(1, string_value(MAIL))))
        ),
        attribute_bytes(b"twice", any_value(string_value(MAIL)), any_value(string_value(b"ok"))),
        attribute_bytes(b"twice", length_delimited(1, b"other"), any_value(string_value(MAIL))),
        attribute_bytes(b"both", any_value(string_value(MAIL), string_value(b"ok"))),
    ],
    ids=["sensitive name", "in a list", "value twice", "key twice", "string twice"],
)
def test_only_an_entry_whose_only_value_is_the_string_scanned_is_handed_over(
    written: bytes,
) -> None:
    """A value the adapter reads otherwise than the screen (a key or a value written
    twice, two strings in one value, a value in a list) or judges by its name is read
    back (or the request takes the full path), never rewritten from the screen's scan;
    what the adapter exports is the same either way."""
    plain = attribute_bytes(b"plain", any_value(string_value(MAIL)))
    span = length_delimited(5, b"chat") + plain + written
    body = length_delimited(1, length_delimited(2, length_delimited(2, span)))
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    # Fields written twice make the request take the full path (`has_unknown`); the
    # screen itself must not hand such an entry over either.
    found = prescreen._wire.dirty_items(
        body, False, screen._screen, screen._passes, prescreen._wire.NameCache()
    )
    assert found is not None
    assert [
        (ordinal, entries, [entry[0] for entry in scanned or ()])
        for ordinal, entries, scanned in found
    ] == [(0, [1, 2], [1])]
    screened_body, _, changed = run(
        pii_anonymizer(), ExportTraceServiceRequest.FromString(body), body
    )
    assert changed and MAIL not in screened_body


def test_the_screen_keeps_no_text_it_scanned() -> None:
    """Found by review: the text screen kept the last text it found something in (and
    its findings) until the next call, also where it did not hand that text over (a
    value in a list): personal data held past the request. It keeps nothing now."""
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    span.attributes.add(key="listed").value.array_value.values.add(string_value=f"mail {CANARY}")
    span.attributes.add(key="plain", value=AnyValue(string_value=f"mail {CANARY}"))
    screened = screen.screen(request.SerializeToString(), logs=False)
    assert screened is not None and screened[0] == {0: [1, 2]}
    held = gc.get_referents(screen._screen)
    assert not [value for value in held if isinstance(value, str | list) and CANARY in str(value)]


def test_ibans_in_lower_case_are_not_passed_by() -> None:
    """Found by review: IBANs in lower case were exported raw. The screen passes a text
    by where no detector's mark occurs; the IBAN shape holds every country's code in
    either case, so that the screen hands these texts over as the full path finds them,
    and passes a lookalike by."""
    anonymizer = pii_anonymizer()
    values = [
        "my iban is de89 3704 0044 0532 0130 00",
        json.dumps([{"role": "user", "content": "iban: gb29NWBK60161331926819"}]),
        "De89370400440532013000",
        "ab12 3456 7890 1234",  # no country AB
    ]
    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add().spans
    for value in values:
        spans.add(
            name="chat", attributes=[KeyValue(key="note", value=AnyValue(string_value=value))]
        )
    screen = prescreen.Prescreen.of(Sanitizer([anonymizer]))
    assert screen is not None
    assert dirty(screen, request.SerializeToString(), logs=False) == {0: [1], 1: [1], 2: [1]}
    screened, stats, _ = run(anonymizer, request)
    assert stats.redacted == 3
    for raw in (b"3704 0044", b"NWBK", b"370400440532013000"):
        assert raw not in screened
    assert b"ab12 3456 7890 1234" in screened


def test_a_log_body_under_a_sensitive_name_is_not_handed_over() -> None:
    """A log record's body is handed over scanned only where its name passes: under a
    sensitive name it is replaced whole, not where the scan found something."""
    request = ExportLogsServiceRequest()
    record = request.resource_logs.add().scope_logs.add().log_records.add()
    record.body.string_value = f"the user jane wrote from {CANARY} about the order"
    assert scanned_entries(pii_anonymizer(), request) == {0: [0]}
    assert scanned_entries(pii_anonymizer(sensitive_keys=["body"]), request) == {}
    screened, _, changed = run(pii_anonymizer(sensitive_keys=["body"]), request)
    assert changed and b"the user jane" not in screened


def test_a_key_not_worked_out_in_time_is_asked_again() -> None:
    """Found by review: an attribute key whose anonymization ran out of budget was
    cached as one to replace, and every later span holding it took the full path."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="n")
    span.attributes.add(key="owner@team", value=AnyValue(string_value="openai"))
    body = request.SerializeToString()
    adapter = OtlpSanitizer(Sanitizer([pii_anonymizer()]))
    with time_budget(0.0):
        late = adapter.anonymize(ExportTraceServiceRequest.FromString(body), body)
    assert late.stats.failed == 0 and b"owner@team" not in late.payload  # fail closed
    assert adapter._prescreen is not None
    assert dirty(adapter._prescreen, body, logs=False) == {}  # clean, in time
    assert adapter.anonymize(ExportTraceServiceRequest.FromString(body), body).payload == body


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


def test_json_cut_off_with_a_sensitive_key_is_not_forwarded_raw() -> None:
    """Found by review: JSON text that does not parse was scanned as plain text in the
    gateway too, and the value under `password` went upstream."""
    worker = Worker({"traces": [{"detectors": "default"}]}, {})
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="tool")
    text = json.dumps({"user": "x", "password": "hunter2-raw", "note": "y" * 40})[:60]
    span.attributes.add(key="tool.result", value=AnyValue(string_value=text))
    processed = worker.process("traces", "traces", "proto", request.SerializeToString())
    assert b"hunter2-raw" not in processed.payload
    assert processed.stats.redacted == 1


def test_long_attribute_keys_are_not_kept_by_the_name_cache() -> None:
    """Found by review: the cache of names that `_wire` asks about kept keys of any
    length, so a client could fill a worker's memory with long keys."""
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="x")
    span.attributes.add(key="k" * 1000, value=AnyValue(string_value=f"mail {CANARY}"))
    span.attributes.add(key="short", value=AnyValue(string_value="fine"))
    assert dirty(screen, request.SerializeToString(), logs=False) == {0: [1]}
    verdicts = screen._names.verdicts
    assert verdicts and all(len(str(key)) < 300 for key in verdicts)


def test_each_name_is_asked_once_in_its_scope() -> None:
    """`_wire` keeps what `passes` said of each name (by its bytes, or in the dict for
    names longer than a slot): across requests a name is asked once, and the same key
    in another scope, or a value's own name spelled like a key, is asked on its own."""
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    fits, too_long = "k" * 60, "k" * 61  # a slot holds `mapped`, a NUL and 60 bytes
    for key in ("note", "password", "span.name", fits, too_long):
        span.attributes.add(key=key, value=AnyValue(string_value="fine"))
    event = span.events.add(name="e")
    event.attributes.add(key="note", value=AnyValue(string_value="fine"))
    event.attributes.add(key="password", value=AnyValue(string_value="fine"))
    body = request.SerializeToString()
    asked: list[tuple[str, str, bool]] = []

    def passes(key: str, scope: str, mapped: bool) -> bool:
        asked.append((key, scope, mapped))
        return screen._passes(key, scope, mapped)

    names = prescreen._wire.NameCache()
    answers = [
        prescreen._wire.dirty_items(body, False, screen._screen, passes, names) for _ in range(3)
    ]
    assert sorted(asked) == sorted(
        [
            ("span.name", "", False),
            ("note", "", True),
            ("password", "", True),
            ("span.name", "", True),
            (fits, "", True),
            (too_long, "", True),
            ("events.0.name", "", False),
            ("note", "events.0", True),
            ("password", "events.0", True),
        ]
    )
    # The span's `password` (entry 2) and the event's (entry 8) stay dirty.
    assert [[entries for _, entries, _ in found] for found in answers if found] == [[[2, 8]]] * 3


@pytest.mark.parametrize("other", ["listed", "walked", "keyed"])
def test_a_text_the_screen_handed_over_is_not_scanned_again(other: str) -> None:
    """An item the bytes path cannot rewrite (another of its values is in a list, or
    JSON text takes the walk, told by the screen or from what it found) is read again
    and goes the full way; what the screen found in its texts is kept for it
    (`Scanner.remember`), not scanned anew."""
    anonymizer = pii_anonymizer()
    adapter = OtlpSanitizer(Sanitizer([anonymizer]))
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    note = f"mail {CANARY} about the order"
    span.attributes.add(key="note", value=AnyValue(string_value=note))
    if other == "listed":
        listed = span.attributes.add(key="tags").value.array_value.values.add()
        listed.string_value = f"cc {CANARY}"
    elif other == "walked":  # JSON text inside a JSON string: the walk decodes it
        walked = json.dumps({"m": json.dumps({"to": CANARY})})
        span.attributes.add(key="tool.args", value=AnyValue(string_value=walked))
    else:  # found in a key of JSON text: the walk replaces it keeping keys distinct
        keyed = json.dumps({CANARY: "reached"})
        span.attributes.add(key="tool.result", value=AnyValue(string_value=keyed))
    body = request.SerializeToString()
    scanned: list[str] = []
    scanner = anonymizer.scanner
    scan_many, scan = scanner._scan_many, scanner.scan

    def counting_many(texts: Sequence[str]) -> dict[int, list[Finding]]:
        scanned.extend(texts)
        return scan_many(texts)

    def counting(text: str) -> list[Finding]:
        scanned.append(text)
        return scan(text)

    scanner._scan_many = counting_many  # type: ignore[method-assign]
    scanner.scan = counting  # type: ignore[method-assign]
    payload, stats, *_ = adapter.anonymize(ExportTraceServiceRequest.FromString(body), body)
    assert CANARY.encode() not in payload and stats.redacted >= 2
    assert note not in scanned


def test_names_are_forgotten_together_when_the_cache_is_full() -> None:
    """Found by review: the slots kept their names when the dict of verdicts was
    cleared at its limit, so keys (which may hold personal data) stayed in memory."""
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    asked: list[str] = []

    def passes(key: str, scope: str, mapped: bool) -> bool:
        asked.append(key)
        return True

    def body(keys: list[str]) -> bytes:
        request = ExportTraceServiceRequest()
        span = request.resource_spans.add().scope_spans.add().spans.add(name="n")
        for key in keys:
            span.attributes.add(key=key, value=AnyValue(bool_value=True))
        return request.SerializeToString()

    names = prescreen._wire.NameCache()
    fill = [f"{'k' * 61}{index}" for index in range(8192)]  # too long for a slot
    for keys in (["first"], fill, ["first"]):
        prescreen._wire.dirty_items(body(keys), False, screen._screen, passes, names)
    assert asked.count("first") == 2
    assert len(names.verdicts) < 8192


def test_a_key_that_is_not_utf8_makes_its_item_dirty() -> None:
    attribute = length_delimited(1, b"k\xff") + length_delimited(
        2, AnyValue(string_value="fine").SerializeToString()
    )
    span = length_delimited(5, b"chat") + length_delimited(9, attribute)
    body = length_delimited(1, length_delimited(2, length_delimited(2, span)))
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    for _ in range(2):  # the verdict is not kept
        assert dirty(screen, body, logs=False) == {0: [1]}


def shadowed_requests() -> list[tuple[str, bytes]]:
    """Requests whose bytes hold a value a parser reads over: a oneof member followed by
    another, a log body written twice, a status message followed by an empty one."""
    shadowed = AnyValue(string_value=f"mail {CANARY}").SerializeToString()
    shadowed += AnyValue(int_value=5).SerializeToString()
    attribute = length_delimited(1, b"n") + length_delimited(2, shadowed)
    span = length_delimited(5, b"chat") + length_delimited(9, attribute)
    status = length_delimited(15, length_delimited(2, f"mail {CANARY}".encode()))
    status_span = length_delimited(5, b"chat") + status + length_delimited(15, b"\x12\x00")
    record = length_delimited(5, AnyValue(string_value=f"mail {CANARY}").SerializeToString())
    record += length_delimited(5, AnyValue(int_value=5).SerializeToString())

    def request(item: bytes) -> bytes:
        return length_delimited(1, length_delimited(2, length_delimited(2, item)))

    return [("traces", request(span)), ("traces", request(status_span)), ("logs", request(record))]


@pytest.mark.parametrize("signal, body", shadowed_requests(), ids=["oneof", "status", "body"])
def test_bytes_a_parser_reads_over_are_not_forwarded(signal: str, body: bytes) -> None:
    """Found by review: the anonymizer saw only the value the parser keeps, found
    nothing to change, and the request went out as it came, the value read over
    included. Such requests now take the full path, which writes them anew."""
    worker = Worker({"p": [{"detectors": "default"}]}, {})
    processed = worker.process("p", signal, "proto", body)  # type: ignore[arg-type]
    assert not processed.as_received and processed.payload is not body
    assert CANARY.encode() not in processed.payload


def test_bytes_values_are_anonymized_on_the_bytes_path() -> None:
    worker = Worker({"traces": [{"detectors": "default"}]}, {})
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="x")
    span.attributes.add(key="raw", value=AnyValue(bytes_value=f"mail {CANARY}".encode()))
    span.attributes.add(key="blob", value=AnyValue(bytes_value=b"\x00\x01"))
    body = request.SerializeToString()
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    assert dirty(screen, body, logs=False) == {0: [1, 2]}  # bytes: the anonymizer decides
    processed = worker.process("traces", "traces", "proto", body)
    assert CANARY.encode() not in processed.payload
    decoded = ExportTraceServiceRequest.FromString(processed.payload)
    attributes = decoded.resource_spans[0].scope_spans[0].spans[0].attributes
    assert [a.value for a in attributes] == [
        AnyValue(string_value="mail [EMAIL]"),
        AnyValue(bytes_value=b"\x00\x01"),
    ]


def test_whole_doubles_are_checked_on_the_bytes_path() -> None:
    worker = Worker({"traces": [{"detectors": "default"}]}, {})
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="x")
    span.attributes.add(key="n", value=AnyValue(double_value=4111111111111111.0))
    span.attributes.add(key="ratio", value=AnyValue(double_value=0.5))
    body = request.SerializeToString()
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    assert dirty(screen, body, logs=False) == {0: [1]}
    decoded = ExportTraceServiceRequest.FromString(
        worker.process("traces", "traces", "proto", body).payload
    )
    attributes = decoded.resource_spans[0].scope_spans[0].spans[0].attributes
    assert [a.value for a in attributes] == [
        AnyValue(string_value="[CREDIT_CARD]"),
        AnyValue(double_value=0.5),
    ]


def test_bytes_that_do_not_read_as_a_request_get_no_verdict() -> None:
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    body = ExportTraceServiceRequest()
    body.resource_spans.add().scope_spans.add().spans.add(name="x" * 50)
    serialized = body.SerializeToString()
    for cut in range(1, len(serialized)):
        assert dirty(screen, serialized[:cut], logs=False) in (None, set(), {0})
    assert dirty(screen, b"\x0b", logs=False) is None  # a group: not OTLP


def test_there_is_no_prescreen_for_other_chains() -> None:
    assert prescreen.Prescreen.of(Sanitizer([pii_anonymizer(), pii_anonymizer()])) is None
    assert prescreen.Prescreen.of(Sanitizer([pii_anonymizer(fields=[])])) is not None
    from otel_anonymizer.pii import FieldPolicy

    policies = pii_anonymizer(fields=[FieldPolicy("input.*", "keep")])
    assert prescreen.Prescreen.of(Sanitizer([policies])) is None


def test_a_value_not_found_where_expected_is_never_left_as_it_was() -> None:
    """Fail-closed guards: an entry the prescreen names but cannot find in the bytes
    goes the full way, and a splice that cannot write every replacement gives up."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    span.attributes.add(key="input.value", value=AnyValue(string_value=f"mail {CANARY}"))
    body = request.SerializeToString()
    screen = prescreen.Prescreen.of(Sanitizer([pii_anonymizer()]))
    assert screen is not None
    assert dirty(screen, body, logs=False) == {0: [1]}
    stats = Stats()
    assert screen.rewrite(body, False, {0: [1, 7]}, stats) == (body, {0: [1, 7]}, None)
    assert (stats.redacted, stats.changed) == (0, False)
    rewritten, full, patch = screen.rewrite(body, False, {0: [1]}, stats)
    assert full == {} and CANARY.encode() not in rewritten and stats.redacted == 1
    assert patch is None
    # Not built (for a worker process): no body, and a patch of it that makes the same.
    not_built, full, patch = screen.rewrite(body, False, {0: [1]}, Stats(), build=False)
    assert (not_built, full) == (b"", {}) and patch is not None
    assert CANARY.encode() not in patch
    assert prescreen.apply_patch(body, patch) == rewritten
    assert prescreen._wire.splice(body, False, {0: {1: b"x", 7: b"y"}}) is None
    assert prescreen._wire.splice_patch(body, False, {0: {1: b"x", 7: b"y"}}) is None
    # Nor is a replacement for an item the request does not hold (found by review).
    assert prescreen._wire.splice(body, False, {0: {1: b"x"}, 5: {0: b"y"}}) is None
    assert prescreen._wire.splice_patch(body, False, {5: {0: b"y"}}) is None
    assert prescreen._wire.splice(body, False, {0: {1: b"x"}}) is not None


def _texts_span(text: str) -> ExportTraceServiceRequest:
    """A span with `text` as its name, status message, an attribute, and an event's
    name and attribute: its entries 0 to 4."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name=text)
    span.status.message = text
    span.attributes.add(key="input.value", value=AnyValue(string_value=text))
    event = span.events.add(name=text)
    event.attributes.add(key="detail", value=AnyValue(string_value=text))
    return request


def test_a_patch_carries_only_what_changed_in_a_text() -> None:
    """A new text is written as the bytes it begins and ends with alike with the old
    one (ranges of the request's bytes) and what lies between (new bytes): for every
    old and new text, the splice and the patch make the request with the new text."""
    rng = random.Random(5)
    pairs = [
        ("aaaa", "aa"),
        ("aa", "aaaa"),
        ("abcabc", "abc"),
        ("abc", "abcabc"),
        ("same", "same"),
        ("x" * 40 + "\u00e9" + "y" * 40, "x" * 40 + "[E]" + "y" * 40),
        ("a@b.co" + "z" * 30, "[EMAIL]" + "z" * 30),
        ("z" * 30 + "a@b.co", "z" * 30 + "[EMAIL]"),
    ]
    pairs += [
        tuple("".join(rng.choices("ab\u00e9\u4e2d", k=rng.randrange(1, 40))) for _ in range(2))
        for _ in range(300)
    ]
    for old, new in pairs:
        body = _texts_span(old).SerializeToString()
        replacements = {0: {entry: new.encode() for entry in range(5)}}
        spliced = prescreen._wire.splice(body, False, replacements)
        assert spliced == _texts_span(new).SerializeToString(), (old, new)
        patch = prescreen._wire.splice_patch(body, False, replacements)
        assert patch is not None and prescreen.apply_patch(body, patch) == spliced
    for old, new in [("", "new"), ("old", ""), *pairs[:20]]:
        logs = ExportLogsServiceRequest()
        record = logs.resource_logs.add().scope_logs.add().log_records.add()
        record.body.string_value = old
        body = logs.SerializeToString()
        record.body.string_value = new
        patch = prescreen._wire.splice_patch(body, True, {0: {0: new.encode()}})
        assert patch is not None and prescreen.apply_patch(body, patch) == logs.SerializeToString()
    # An email in a long prompt: the patch carries the placeholder, not the prompt.
    prompt = "words " * 1000
    body = _texts_span(f"{prompt}jane.roe@example.org{prompt}").SerializeToString()
    new = f"{prompt}[EMAIL]{prompt}".encode()
    patch = prescreen._wire.splice_patch(body, False, {0: {2: new}})
    assert patch is not None and len(patch) < 600 and b"words" not in patch
    assert b"[EMAIL]" in patch and b"jane" not in patch
    assert prescreen.apply_patch(body, patch) == prescreen._wire.splice(body, False, {0: {2: new}})


def test_a_patch_that_does_not_fit_the_body_is_an_error_never_a_wrong_body() -> None:
    """`apply_patch` checks the body's size, every segment against the body and the
    patch, and that their lengths add up to the size the patch says, before it copies
    anything."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    span.attributes.add(key="input.value", value=AnyValue(string_value=f"mail {CANARY}"))
    span.attributes.add(key="output.value", value=AnyValue(string_value="plain"))
    body = request.SerializeToString()
    patch = prescreen._wire.splice_patch(body, False, {0: {1: b"mail [EMAIL]"}})
    assert patch is not None
    size, body_size, count = struct.unpack_from("=QQQ", patch)
    segments = [struct.unpack_from("=QQ", patch, 24 + 16 * s) for s in range(count)]
    literals = patch[24 + 16 * count :]
    assert body_size == len(body)
    literal = 1 << 63
    assert any(start & literal for start, _ in segments)
    assert any(not start & literal for start, _ in segments)
    assert size == sum(length for _, length in segments) == len(body) - len(CANARY) + 7

    def made(
        size: int, segments: list[tuple[int, int]], literals: bytes, body_size: int = body_size
    ) -> bytes:
        parts = [struct.pack("=QQQ", size, body_size, len(segments))]
        parts += (struct.pack("=QQ", *segment) for segment in segments)
        return b"".join([*parts, literals])

    assert made(size, segments, literals) == patch
    body_at = next(s for s, (start, _) in enumerate(segments) if not start & literal)
    literal_at = next(s for s, (start, _) in enumerate(segments) if start & literal)

    def moved(at: int, by: int) -> list[tuple[int, int]]:
        changed = list(segments)
        changed[at] = (changed[at][0] + by, changed[at][1])
        return changed

    last_start, last_length = segments[-1]
    wrong = [
        made(size + 1, segments, literals),  # more than the segments hold
        made(size - 1, segments, literals),  # less
        made(size, segments[:-1], literals),  # a segment missing
        made(size, moved(body_at, len(body)), literals),  # past the body's end
        made(size, moved(literal_at, len(literals)), literals),  # past the literals' end
        made(size, segments, literals[:-1]),  # literals cut short
        made(size, segments, literals, body_size + 1),  # made from another body
        patch[:23],  # no header
        patch[:24] + patch[40:],  # a segment cut out of the table
        # lengths that wrap around to the size
        made((size - last_length - 1) % 2**64, [*segments[:-1], (last_start, 2**64 - 1)], literals),
    ]
    for patch_ in wrong:
        with pytest.raises(ValueError, match="does not fit"):
            prescreen.apply_patch(body, patch_)
    for other in (body[:-1], body + b"\0", b""):
        with pytest.raises(ValueError, match="does not fit"):
            prescreen.apply_patch(other, patch)
    assert prescreen.apply_patch(body, patch) == prescreen._wire.splice(
        body, False, {0: {1: b"mail [EMAIL]"}}
    )


@pytest.mark.parametrize(
    "value",
    [
        AnyValue(int_value=4111111111111111),
        AnyValue(bytes_value=b"x"),
        AnyValue(array_value={"values": [AnyValue(string_value="x")]}),
        AnyValue(),
    ],
    ids=["integer", "bytes", "array", "empty"],
)
def test_a_splice_replaces_only_values_that_are_one_string(value: AnyValue) -> None:
    """The splice writes a text where the adapter read one; any other value under a
    replaced entry (replacements that do not fit the bytes) makes it give up."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="chat")
    span.attributes.add(key="a", value=value)
    logs = ExportLogsServiceRequest()
    logs.resource_logs.add().scope_logs.add().log_records.add(body=value)
    assert prescreen._wire.splice(request.SerializeToString(), False, {0: {1: b"x"}}) is None
    assert prescreen._wire.splice(logs.SerializeToString(), True, {0: {0: b"x"}}) is None
    span.attributes[0].value.CopyFrom(AnyValue(string_value="caf\u00e9 4111111111111111"))
    logs.resource_logs[0].scope_logs[0].log_records[0].body.CopyFrom(span.attributes[0].value)
    spliced = prescreen._wire.splice(request.SerializeToString(), False, {0: {1: b"x"}})
    assert spliced is not None
    assert ExportTraceServiceRequest.FromString(spliced).resource_spans[0].scope_spans[0].spans[
        0
    ].attributes[0].value == AnyValue(string_value="x")
    spliced = prescreen._wire.splice(logs.SerializeToString(), True, {0: {0: b"x"}})
    assert spliced is not None
    assert ExportLogsServiceRequest.FromString(spliced).resource_logs[0].scope_logs[0].log_records[
        0
    ].body == AnyValue(string_value="x")


@pytest.mark.parametrize(
    "where",
    ["request", "resource_spans", "resource", "scope", "span", "event", "attribute", "value"],
)
def test_fields_this_version_does_not_know_are_dropped(where: str) -> None:
    """The anonymizer cannot read a field its OTLP version does not know (a newer
    sender's), so it is not forwarded: found by review, both paths passed such fields
    through unread."""
    unknown = length_delimited(99, f"raw {CANARY}".encode())
    any_value = AnyValue(string_value="fine").SerializeToString()
    key_value = KeyValue(key="note").SerializeToString() + length_delimited(
        2, any_value + (unknown if where == "value" else b"")
    )
    key_value += unknown if where == "attribute" else b""
    event = Span.Event(name="e").SerializeToString() + (unknown if where == "event" else b"")
    span = Span(name="chat").SerializeToString() + length_delimited(9, key_value)
    span += length_delimited(11, event) + (unknown if where == "span" else b"")
    scope = length_delimited(2, span) + (unknown if where == "scope" else b"")
    resource = AnyValue().SerializeToString() + (unknown if where == "resource" else b"")
    resource_spans = length_delimited(1, resource) + length_delimited(2, scope)
    resource_spans += unknown if where == "resource_spans" else b""
    body = length_delimited(1, resource_spans) + (unknown if where == "request" else b"")
    screened, _, _ = run(pii_anonymizer(), ExportTraceServiceRequest.FromString(body), body)
    assert CANARY.encode() not in screened
    assert ExportTraceServiceRequest.FromString(screened).resource_spans[0].scope_spans[0].spans


def test_many_resources_between_the_rewritten_spans() -> None:
    """Found by review: the splice looked for the items to rewrite through all of them
    for every resource, so a request of many small resources took quadratic time. The
    result must stay the same with resources empty, clean and dirty in turns."""
    values = Values(seed=5)
    request = ExportTraceServiceRequest()
    for index in range(300):
        resource = request.resource_spans.add()
        if index % 3:
            scope = resource.scope_spans.add()
            scope.spans.add(name=f"mail {CANARY}" if index % 3 == 1 else "clean")
            values.attributes(scope.spans[0].attributes, 2)
    run(pii_anonymizer(), request)
