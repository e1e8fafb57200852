"""Anonymizing log records: a GenAI `gen_ai.user.message` event with PII in its body.

GenAI instrumentations can emit prompts and completions as log events. The event name
decides the field: `gen_ai.user.message` content is `input`, `gen_ai.choice` is
`output`. `AnonymizingLogRecordExporter` wraps any log exporter and hands it anonymized
copies; the emitted records themselves are left untouched.

Run: python examples/log_events.py
"""

import json
from collections.abc import Sequence

from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import (
    LogRecordExporter,
    LogRecordExportResult,
    SimpleLogRecordProcessor,
)

import otel_anonymizer as opik
from otel_anonymizer.anonymizer import create_anonymizer


class PrintLogExporter(LogRecordExporter):
    """Prints each record's event name, body and attributes."""

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        for record in batch:
            log = record.log_record
            print(f"event {log.event_name}")
            print(f"  body:       {json.dumps(log.body)}")
            print(f"  attributes: {dict(log.attributes or {})}")
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


opik.hooks.add_anonymizer(
    create_anonymizer(
        [
            (r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL]"),
            (r"\b\d{3}-\d{3}-\d{4}\b", "[PHONE]"),
            (r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "[CARD]"),
        ]
    )
)

provider = LoggerProvider()
provider.add_log_record_processor(
    SimpleLogRecordProcessor(opik.AnonymizingLogRecordExporter(PrintLogExporter()))
)
logger = provider.get_logger("log_events_example")

logger.emit(
    event_name="gen_ai.user.message",
    body={"content": "I am ann@example.com, call 555-123-4567, card 4111 1111 1111 1111"},
    attributes={"gen_ai.system": "openai"},
)
logger.emit(
    event_name="gen_ai.choice",
    body={
        "index": 0,
        "finish_reason": "stop",
        "message": {"role": "assistant", "content": "I'll email ann@example.com today."},
    },
    attributes={"gen_ai.system": "openai"},
)
provider.shutdown()
