"""The log record adapters with the real OpenTelemetry SDK."""

from __future__ import annotations

import logging
import time
from collections import ChainMap, UserDict, UserList, deque
from types import MappingProxyType
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler, LogRecordLimits
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import Resource

from otel_anonymizer import (
    FAILURE_PLACEHOLDER,
    Anonymizer,
    AnonymizingLogRecordExporter,
    AnonymizingLogRecordProcessor,
    RecursiveAnonymizer,
    create_anonymizer,
    pii_anonymizer,
)

CANARY = "jane.roe@example.org"
EMAIL = create_anonymizer([(r"[\w.]+@[\w.]+\.\w+", "[EMAIL]")])


def logger_provider(processor: Any) -> LoggerProvider:
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc", "owner": CANARY}))
    provider.add_log_record_processor(processor)
    return provider


def emit_genai_events(provider: LoggerProvider) -> None:
    logger = provider.get_logger("genai")
    logger.emit(event_name="gen_ai.user.message", body={"content": f"I am {CANARY}"})
    logger.emit(
        event_name="gen_ai.choice",
        body={
            "index": 0,
            "message": {
                "content": f"Hello {CANARY}",
                "tool_calls": [
                    {"id": "c1", "function": {"name": "f", "arguments": f'{{"to": "{CANARY}"}}'}}
                ],
            },
        },
    )
    logger.emit(
        event_name="gen_ai.client.inference.operation.details",
        attributes={
            "gen_ai.input.messages": [{"role": "user", "parts": [{"content": CANARY}]}],
            "gen_ai.request.model": "gpt-4o",
        },
    )


def test_exporter_wrapper_sanitizes_bodies_attributes_and_resource() -> None:
    memory = InMemoryLogRecordExporter()
    emit_genai_events(
        logger_provider(SimpleLogRecordProcessor(AnonymizingLogRecordExporter(memory, [EMAIL])))
    )
    records = memory.get_finished_logs()
    assert len(records) == 3
    assert all(CANARY not in record.to_json() for record in records)
    user, choice, details = (record.log_record for record in records)
    assert user.body == {"content": "I am [EMAIL]"}
    assert user.event_name == "gen_ai.user.message"
    assert choice.body["message"]["content"] == "Hello [EMAIL]"
    assert choice.body["message"]["tool_calls"][0]["function"]["arguments"] == '{"to":"[EMAIL]"}'
    messages = details.attributes["gen_ai.input.messages"]
    assert list(messages) == [{"role": "user", "parts": [{"content": "[EMAIL]"}]}]
    assert details.attributes["gen_ai.request.model"] == "gpt-4o"
    assert records[0].resource.attributes["owner"] == "[EMAIL]"


@pytest.mark.filterwarnings("ignore:Log record attributes were dropped")
def test_the_copies_say_how_many_attributes_the_limits_dropped() -> None:
    """Found by review: a sanitized log record reported no dropped attributes."""
    raw, anonymized = InMemoryLogRecordExporter(), InMemoryLogRecordExporter()
    provider = LoggerProvider(log_record_limits=LogRecordLimits(max_attributes=1))
    provider.add_log_record_processor(SimpleLogRecordProcessor(raw))
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(AnonymizingLogRecordExporter(anonymized, [pii_anonymizer()]))
    )
    provider.get_logger("t").emit(body=f"from {CANARY}", attributes={"a": 1, "b": 2, "c": 3})
    [original], [copy] = raw.get_finished_logs(), anonymized.get_finished_logs()
    assert original.dropped_attributes == copy.dropped_attributes == 2
    assert CANARY not in str(copy.log_record.body)


def test_unwrapped_logs_leak_the_canary() -> None:
    memory = InMemoryLogRecordExporter()
    emit_genai_events(logger_provider(SimpleLogRecordProcessor(memory)))
    assert any(CANARY in record.to_json() for record in memory.get_finished_logs())


def test_event_name_decides_the_field_of_the_body() -> None:
    seen: list[tuple[str | None, Any]] = []

    class Spy(RecursiveAnonymizer):
        def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
            seen.append((field_name, kwargs.get("object_type")))
            return data

    provider = logger_provider(
        SimpleLogRecordProcessor(AnonymizingLogRecordExporter(InMemoryLogRecordExporter(), [Spy()]))
    )
    logger = provider.get_logger("t")
    logger.emit(event_name="gen_ai.user.message", body={"content": "x"})
    logger.emit(event_name="gen_ai.choice", body={"message": {"content": "y"}})
    logger.emit(body="plain log line", attributes={"event.name": "gen_ai.system.message"})
    logger.emit(body="other line")
    names = [name for name, _ in seen if name and not name.startswith("metadata.resource")]
    assert names == [
        "input.body.content",
        "metadata.event_name",  # anonymized too, after it decided the body's field
        "output.body.message.content",
        "metadata.event_name",
        "input.body",
        "input.event.name",
        "metadata.body",
    ]
    assert {object_type for _, object_type in seen} == {"log"}


def test_python_logging_records_are_sanitized_too() -> None:
    memory = InMemoryLogRecordExporter()
    provider = logger_provider(
        BatchLogRecordProcessor(AnonymizingLogRecordExporter(memory, [EMAIL]))
    )
    logger = logging.getLogger("otel_anonymizer.test.app")
    handler = LoggingHandler(logger_provider=provider)
    logger.addHandler(handler)
    try:
        logger.warning("login failed for %s", CANARY)
        try:
            raise KeyError(CANARY)
        except KeyError:
            logger.exception("lookup failed")
    finally:
        logger.removeHandler(handler)
    provider.force_flush()
    records = memory.get_finished_logs()
    assert len(records) == 2
    assert records[0].log_record.body == "login failed for [EMAIL]"
    assert all(CANARY not in record.to_json() for record in records)
    assert "[EMAIL]" in str(records[1].log_record.attributes["exception.message"])


def test_processor_wrapper_hands_a_sanitized_copy_and_keeps_the_original() -> None:
    memory = InMemoryLogRecordExporter()
    seen_by_next: list[Any] = []

    class Next(SimpleLogRecordProcessor):
        def on_emit(self, log_record: Any) -> None:
            seen_by_next.append(log_record)
            super().on_emit(log_record)

    provider = LoggerProvider()
    provider.add_log_record_processor(AnonymizingLogRecordProcessor(Next(memory), [EMAIL]))
    original = InMemoryLogRecordExporter()
    provider.add_log_record_processor(SimpleLogRecordProcessor(original))
    provider.get_logger("t").emit(body={"text": CANARY}, attributes={"who": CANARY})
    assert memory.get_finished_logs()[0].log_record.body == {"text": "[EMAIL]"}
    assert dict(memory.get_finished_logs()[0].log_record.attributes) == {"who": "[EMAIL]"}
    # The next processor in the provider sees the record as the application emitted it.
    assert original.get_finished_logs()[0].log_record.body == {"text": CANARY}
    assert len(seen_by_next) == 1


def test_a_failing_anonymizer_exports_placeholders() -> None:
    class Raises(Anonymizer):
        def anonymize(self, data: Any, **kwargs: Any) -> Any:
            raise RuntimeError(str(data))

    memory = InMemoryLogRecordExporter()
    provider = logger_provider(
        SimpleLogRecordProcessor(AnonymizingLogRecordExporter(memory, [Raises()]))
    )
    provider.get_logger("t").emit(body={"text": CANARY}, attributes={"who": CANARY})
    [record] = memory.get_finished_logs()
    assert record.log_record.body == FAILURE_PLACEHOLDER
    assert dict(record.log_record.attributes) == {"who": FAILURE_PLACEHOLDER}
    assert CANARY not in record.to_json()


def test_a_batch_is_sanitized_record_by_record_in_one_call() -> None:
    """The exporter hands all records of an export to the Sanitizer at once; each
    comes back with its own values, in order."""
    plain = InMemoryLogRecordExporter()
    emit_genai_events(logger_provider(SimpleLogRecordProcessor(plain)))
    records = plain.get_finished_logs()
    memory = InMemoryLogRecordExporter()
    AnonymizingLogRecordExporter(memory, [pii_anonymizer()]).export(records)
    sanitized = memory.get_finished_logs()
    assert [r.log_record.event_name for r in sanitized] == [
        r.log_record.event_name for r in records
    ]
    assert all(CANARY not in record.to_json() for record in sanitized)
    assert sanitized[0].log_record.body == {"content": "I am [EMAIL]"}
    assert sanitized[2].log_record.attributes is not None
    assert sanitized[2].log_record.attributes["gen_ai.request.model"] == "gpt-4o"


def test_event_names_and_severity_texts_are_anonymized() -> None:
    """Both are free text from the emitter's point of view (as span names are): they go
    to `metadata` as `event_name` and `severity_text`, after the event name decided the
    body's field."""
    for wrap in (AnonymizingLogRecordExporter, AnonymizingLogRecordProcessor):
        memory = InMemoryLogRecordExporter()
        if wrap is AnonymizingLogRecordExporter:
            processor: Any = SimpleLogRecordProcessor(wrap(memory, [pii_anonymizer()]))
        else:
            processor = wrap(SimpleLogRecordProcessor(memory), [pii_anonymizer()])
        logger = logger_provider(processor).get_logger("t")
        logger.emit(event_name="gen_ai.user.message", severity_text="INFO", body={"content": "x"})
        logger.emit(event_name=f"signup {CANARY}", severity_text=f"AUDIT {CANARY}", body="y")
        first, second = (record.log_record for record in memory.get_finished_logs())
        assert (first.event_name, first.severity_text) == ("gen_ai.user.message", "INFO")
        assert (second.event_name, second.severity_text) == ("signup [EMAIL]", "AUDIT [EMAIL]")


def bodies_of_every_container() -> list[Any]:
    """Log bodies as applications hand them to `logging` or `Logger.emit`: any Mapping
    or Sequence (the SDK's `LoggingHandler` passes them through as the body)."""
    cyclic: list[Any] = [f"to {CANARY}"]
    cyclic.append(cyclic)
    return [
        UserDict({"from": CANARY}),
        MappingProxyType({"from": CANARY}),
        ChainMap({"from": CANARY}),
        deque([f"to {CANARY}"]),
        UserList([f"to {CANARY}"]),
        {"headers": UserDict({"from": CANARY}), "seen": deque([CANARY])},
        bytearray(f"to {CANARY}".encode()),
        cyclic,
    ]


@pytest.mark.parametrize("wrapper", ["exporter", "processor"])
def test_bodies_of_any_mapping_or_sequence_are_anonymized(wrapper: str) -> None:
    """Found by review: the walk descends into dict, list and tuple only; a
    `UserDict`, `deque`, `ChainMap`... body was passed as a leaf and then exported
    raw, converted to a dict or list (a bytearray as its byte codes)."""
    memory = InMemoryLogRecordExporter()
    processor = (
        SimpleLogRecordProcessor(AnonymizingLogRecordExporter(memory, [pii_anonymizer()]))
        if wrapper == "exporter"
        else AnonymizingLogRecordProcessor(SimpleLogRecordProcessor(memory), [pii_anonymizer()])
    )
    provider = LoggerProvider()
    provider.add_log_record_processor(processor)
    logger = provider.get_logger("t")
    for body in bodies_of_every_container():
        logger.emit(body=body, attributes={"extra": UserList([CANARY])})
    records = memory.get_finished_logs()
    assert len(records) == len(bodies_of_every_container())
    for record in records:
        exported = record.to_json()
        assert CANARY not in exported and "[EMAIL]" in exported, exported
        assert "106, 97, 110, 101" not in exported  # "jane" as byte codes


def test_the_processor_hands_on_a_copy_the_application_cannot_change() -> None:
    """Found by review: a clean list body was handed on as the application's own list,
    which a batch processor exports later: what the application appended meanwhile
    went out unscanned."""
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(
        AnonymizingLogRecordProcessor(BatchLogRecordProcessor(memory), [pii_anonymizer()])
    )
    body = ["request r-1 started"]
    provider.get_logger("t").emit(body=body)
    body.append(f"user {CANARY}")
    provider.force_flush()
    assert memory.get_finished_logs()[0].log_record.body == ["request r-1 started"]


def test_a_log_body_built_to_be_slow_is_bounded_by_the_timeout() -> None:
    """The log processor runs on the application's thread: a body of many texts of
    single digits and spaces is cut off at `timeout`, the rest exported as the
    placeholder (found by review for spans; the log adapters share the bound)."""
    memory = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(
        AnonymizingLogRecordProcessor(
            SimpleLogRecordProcessor(memory), [pii_anonymizer()], timeout=0.2
        )
    )
    body = {f"row{index}": " ".join("7" * 4095) for index in range(64)}
    body["note"] = f"contact {CANARY}"
    started = time.monotonic()
    provider.get_logger("t").emit(body=body)
    assert time.monotonic() - started < 3
    exported = memory.get_finished_logs()[0].to_json()
    assert CANARY not in exported and FAILURE_PLACEHOLDER in exported
