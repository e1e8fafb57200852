"""Zero regexes written: the built-in detectors on an LLM span, with keyed pseudonyms.

`pii_anonymizer()` finds emails, phones, cards (Luhn-checked), IBANs, SSNs, IPs and
secrets such as API keys and JWTs, and replaces values under sensitive keys whole. Here
emails get a keyed pseudonym (`[EMAIL:5f2c9a1b]`): the same address gives the same
pseudonym in every process that shares the key, so traces stay correlatable.

Run: python examples/builtin_detectors.py
"""

import json
import os

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_anonymizer import AnonymizingSpanExporter, pii_anonymizer

# In production the key comes from a secret store; 32 bytes at least.
hash_key = os.environ.get("OTEL_ANONYMIZER_HASH_KEY", "example-key-use-openssl-rand-hex-32")
anonymizer = pii_anonymizer(operators={"email": "hash"}, hash_key=hash_key)

exported = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(AnonymizingSpanExporter(exported, [anonymizer])))

messages = [
    {"role": "system", "parts": [{"type": "text", "content": "You are a billing assistant."}]},
    {
        "role": "user",
        "parts": [
            {
                "type": "text",
                "content": "I'm jane.roe@example.org, card 4111 1111 1111 1111, "
                "call me on +44 20 7946 0958. Order ORD-2024-001234 from 2024-03-14.",
            }
        ],
    },
]
with provider.get_tracer("billing-bot").start_as_current_span("chat gpt-4o") as span:
    span.set_attribute("gen_ai.request.model", "gpt-4o")
    span.set_attribute("gen_ai.input.messages", json.dumps(messages))
    span.set_attribute("gen_ai.usage.input_tokens", 57)
    span.set_attribute("http.request.header.authorization", "Bearer sk-proj-abc123")
    span.set_attribute("gen_ai.tool.call.arguments", '{"email": "Jane.Roe@example.org"}')

[sanitized] = exported.get_finished_spans()
for key, value in (sanitized.attributes or {}).items():
    print(f"{key}: {value}")
