"""A custom `RecursiveAnonymizer`: one `anonymize_text` call per string, with its path.

`RecursiveAnonymizer` walks dicts and lists (keys are kept, containers are copied) and
calls `anonymize_text(text, field_name=...)` for every string, where `field_name` is the
dotted path: an unknown span attribute `ssn` is `metadata.ssn`; a tracked function's
argument `patient` is under `input.patient`, as in Opik. Rules can target paths, not just
text.

Run: python examples/custom_recursive.py
"""

import re
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_anonymizer as opik
from otel_anonymizer.anonymizer import RecursiveAnonymizer

SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")


class SSNAnonymizer(RecursiveAnonymizer):
    def __init__(self) -> None:
        super().__init__(max_depth=10)
        self.seen: list[str] = []

    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        self.seen.append(field_name or "")
        if field_name and field_name.rsplit(".", 1)[-1] == "ssn":
            return "[SSN_REMOVED]"  # any key named "ssn", wherever it is
        return SSN.sub("[SSN]", data)  # SSN-shaped text anywhere else


anonymizer = SSNAnonymizer()
opik.hooks.add_anonymizer(anonymizer)

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(opik.AnonymizingSpanExporter(exporter)))
trace.set_tracer_provider(provider)


@opik.track
def register_patient(patient: dict, note: str) -> str:
    return f"registered {patient['name']}"


with trace.get_tracer("custom_recursive_example").start_as_current_span("intake") as span:
    span.set_attribute("ssn", "123-45-6789")
    register_patient({"name": "Ann Lee", "ssn": "987-65-4321"}, note="old id 111-22-3333")
opik.flush_tracker()

print("field names seen by anonymize_text:")
for name in sorted(n for n in set(anonymizer.seen) if not n.startswith("metadata.resource")):
    print(f"  {name}")
print("exported spans:")
for span in exporter.get_finished_spans():
    attributes = span.attributes or {}
    shown = {k: v for k, v in attributes.items() if k in ("ssn", "input.value", "output.value")}
    print(f"  {span.name}: {shown}")
