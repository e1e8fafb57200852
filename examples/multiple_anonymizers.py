"""Several anonymizers, applied in registration order, each on the previous one's output.

The registry in `otel_anonymizer.hooks` is read by `AnonymizingSpanExporter` at export
time, so anonymizers added or removed later take effect without rewiring the pipeline.

Run: python examples/multiple_anonymizers.py
"""

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_anonymizer as opik
from otel_anonymizer.anonymizer import create_anonymizer

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(opik.AnonymizingSpanExporter(exporter)))
trace.set_tracer_provider(provider)

# Clear existing anonymizers, then add several in order (as on the seed page).
opik.hooks.clear_anonymizers()
opik.hooks.add_anonymizer(
    create_anonymizer(
        [{"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"}]
    )
)
opik.hooks.add_anonymizer(
    create_anonymizer([{"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"}])
)
# A third one sees the output of the first two: it can refine their placeholders.
opik.hooks.add_anonymizer(create_anonymizer(lambda text: text.replace("[EMAIL]", "[E-MAIL]")))

if opik.hooks.has_anonymizers():
    print(f"Active anonymizers: {len(opik.hooks.get_anonymizers())}")


@opik.track
def echo(message: str) -> str:
    return message


def export(message: str) -> str:
    exporter.clear()
    echo(message)
    opik.flush_tracker()
    return exporter.get_finished_spans()[0].attributes["output.value"]


print("output:", export("Mail ann@example.com or call 555-123-4567"))
opik.hooks.clear_anonymizers()
opik.hooks.add_anonymizer(create_anonymizer((r"\b\d{3}-\d{3}-\d{4}\b", "[PHONE]")))
print(f"Active anonymizers: {len(opik.hooks.get_anonymizers())}")
print("output:", export("Call 555-987-6543"))
