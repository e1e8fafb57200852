"""Basic setup: the seed page's PII rules applied to a `@track`ed function.

A TracerProvider exports through `AnonymizingSpanExporter`, which reads the anonymizers
registered with `hooks.add_anonymizer()` at export time. The traced function gets its real
arguments and result; only the exported copy of the span is anonymized. The spans are
printed to stdout in a compact form (swap in an OTLP exporter to send them to a backend).

Run: python examples/basic_setup.py
"""

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

import otel_anonymizer as opik
from otel_anonymizer.anonymizer import create_anonymizer


class PrintSpanExporter(SpanExporter):
    """Prints each span's name, input and output: what a backend would receive."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            attributes = span.attributes or {}
            print(f"span {span.name!r}")
            print(f"  input:  {attributes.get('input.value')}")
            print(f"  output: {attributes.get('output.value')}")
        return SpanExportResult.SUCCESS


# Export every span through the anonymizers registered in `opik.hooks`.
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(opik.AnonymizingSpanExporter(PrintSpanExporter())))
trace.set_tracer_provider(provider)

# Define PII anonymization rules (as on the seed page)
pii_rules = [
    {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
    {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
    {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
    {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
]
opik.hooks.add_anonymizer(create_anonymizer(pii_rules))


@opik.track
def process_customer_data(customer_info: str) -> str:
    return f"Processed customer: {customer_info}"


@opik.track
def charge(customer: dict, amount: float) -> dict:
    return {"status": "charged", "card": customer["card"], "amount": amount}


process_customer_data("John Doe, email: john@example.com, phone: 555-123-4567")
charge({"ssn": "123-45-6789", "card": "4111 1111 1111 1111"}, amount=42.0)
opik.flush_tracker()
