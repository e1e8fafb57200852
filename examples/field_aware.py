"""Field-aware anonymization: different treatment for input, output and metadata.

Anonymizers receive `field_name` ("input", "output", "metadata") and `object_type`
("trace" for a root span, "span" otherwise). A field that holds a single text (a plain
`output.value`, a tracked function's string result) arrives as that string; otherwise a
field arrives as a dict of its entries (`{"value": ...}`, or for `metadata` the plain
attributes such as `user_id`). This one anonymizes outputs whatever their shape, keeps
inputs as they are for debugging, and redacts metadata keys.

Run: python examples/field_aware.py
"""

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_anonymizer as opik
from otel_anonymizer.anonymizer import Anonymizer, create_anonymizer

PII = create_anonymizer(
    [
        (r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL]"),
        (r"\b\d{3}-\d{3}-\d{4}\b", "[PHONE]"),
    ]
)
SENSITIVE_KEYS = {"user_id", "session_token", "api_key"}


class FieldAwareAnonymizer(Anonymizer):
    def anonymize(self, data, **kwargs):
        field_name = kwargs.get("field_name", "")
        if field_name == "output":
            # Walks nested values and applies the PII rules to every string.
            return PII.anonymize(data, **kwargs)
        if field_name == "metadata" and isinstance(data, dict):
            return {
                key: "[REDACTED]" if key in SENSITIVE_KEYS else value for key, value in data.items()
            }
        return data  # input: left as-is


opik.hooks.add_anonymizer(FieldAwareAnonymizer())

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(opik.AnonymizingSpanExporter(exporter)))
tracer = provider.get_tracer("field_aware_example")

with tracer.start_as_current_span("support-answer") as span:
    span.set_attribute("input.value", "How do I reach support about order 98765?")
    span.set_attribute("output.value", "Write to help@example.com or call 555-123-4567.")
    span.set_attribute("user_id", "user-4711")
    span.set_attribute("session_token", "tok-9f8e7d")
    span.set_attribute("model", "gpt-4o-mini")

(exported,) = exporter.get_finished_spans()
for key, value in (exported.attributes or {}).items():
    print(f"{key:14} {value}")
