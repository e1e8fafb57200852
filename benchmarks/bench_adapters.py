"""Export-time cost of the SDK adapters on realistic LLM spans.

Run:  python benchmarks/bench_adapters.py [--spans 200] [--repeat 7]

Builds LLM spans the way instrumentations write them (GenAI JSON messages with several KB
of prompt text, OpenInference flat keys, a resource of a dozen attributes; most strings
hold no personal data, a few do), then measures in the same run:

- baseline: what exporting costs without anonymization, i.e. the OTLP exporter's own
  work before the network: encoding the spans to an OTLP protobuf request;
- exporter: `AnonymizingSpanExporter` with the seed's four PII rules, then the same
  encoding (the cost on the batch worker thread);
- processor: `AnonymizingSpanProcessor.on_end` alone (the cost on the application thread);
- the same two with the built-in default detector set (`pii_anonymizer()`) instead.

It prints microseconds per span and ratios against the baseline. Timings are the best of
`--repeat` runs, the paths taking turns in each, to filter out noise from the other
core and from slow phases of the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_anonymizer import (
    AnonymizingSpanExporter,
    AnonymizingSpanProcessor,
    create_anonymizer,
    pii_anonymizer,
)

SEED_RULES = [
    {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
    {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
    {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
    {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
]

WORDS = (
    "the customer asked about order status shipping refund policy invoice warranty "
    "please summarize this conversation and answer politely in two sentences product "
    "delivery tracking number was delayed because of weather conditions in the region "
    "version 2.4.1 released on 2025-03-14 costs $19.99 per month order ORD-448812"
).split()
PII = ["jane.roe@example.org", "555-867-5309", "078-05-1120", "4111 1111 1111 1111"]


def prose(rng: random.Random, words: int, pii_rate: float) -> str:
    out = []
    for _ in range(words):
        out.append(rng.choice(PII) if rng.random() < pii_rate else rng.choice(WORDS))
    return " ".join(out)


def make_spans(count: int, seed: int = 7, system_prompts: int = 0) -> list[ReadableSpan]:
    """LLM spans with about 5 KB of message text each; 1 in 4 spans carries PII.

    `system_prompts`: 0, every span has a system message of its own, inside its input
    messages (nothing recurs); N, the system instructions are one of N fixed texts, in
    `gen_ai.system_instructions`, as an application sends them."""
    rng = random.Random(seed)
    fixed = random.Random(seed + 1)
    prompts = [
        json.dumps([{"type": "text", "content": prose(fixed, 150, 0.0)}])
        for _ in range(system_prompts)
    ]
    collected: list[ReadableSpan] = []

    class Collect(SpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            collected.append(span)

    resource = Resource.create(
        {
            "service.name": "support-bot",
            "service.version": "1.8.2",
            "deployment.environment": "production",
            "host.name": "ip-10-0-3-17",
            "process.pid": 4242,
            "process.runtime.name": "cpython",
            "process.runtime.version": "3.11.7",
            "telemetry.sdk.language": "python",
            "cloud.region": "eu-west-1",
            "k8s.pod.name": "support-bot-7f9c6d-x2x9z",
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(Collect())
    tracer = provider.get_tracer("bench")
    for index in range(count):
        rate = 0.01 if index % 4 == 0 else 0.0
        messages = [
            {"role": "user", "parts": [{"type": "text", "content": prose(rng, 350, rate)}]},
        ]
        if not prompts:
            system = {"type": "text", "content": prose(rng, 150, 0.0)}
            messages.insert(0, {"role": "system", "parts": [system]})
        answer = [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": prose(rng, 120, rate)}],
                "finish_reason": "stop",
            }
        ]
        with tracer.start_as_current_span("chat gpt-4o") as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.set_attribute("gen_ai.request.model", "gpt-4o")
            if prompts:
                span.set_attribute("gen_ai.system_instructions", rng.choice(prompts))
            span.set_attribute("gen_ai.input.messages", json.dumps(messages))
            span.set_attribute("gen_ai.output.messages", json.dumps(answer))
            span.set_attribute("llm.input_messages.0.message.role", "user")
            span.set_attribute("llm.input_messages.0.message.content", prose(rng, 60, rate))
            span.set_attribute("llm.invocation_parameters", '{"temperature": 0.2, "user": "u-81"}')
            span.set_attribute("gen_ai.usage.input_tokens", 1200 + index)
            span.set_attribute("gen_ai.usage.output_tokens", 180)
            span.set_attribute("gen_ai.response.id", f"chatcmpl-{index:08d}")
    return collected


class EncodingExporter(SpanExporter):
    """Does what an OTLP exporter does before the network: build and serialize."""

    def __init__(self) -> None:
        self.bytes = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.bytes += len(encode_spans(spans).SerializeToString())
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def best_in_turns(
    repeat: int,
    runs: dict[str, Callable[[], object]],
    setups: dict[str, Callable[[], object]],
) -> dict[str, float]:
    """Seconds of the fastest of `repeat` runs of each, the runs taking turns in every
    pass, so that a slow phase of the machine hits all of them alike; each run after
    its untimed setup."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            setups.get(name, list)()
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    spans = make_spans(args.spans)
    text_bytes = sum(
        len(str(value)) for span in spans for value in (span.attributes or {}).values()
    )
    plain = EncodingExporter()
    runs: dict[str, Callable[[], object]] = {
        "baseline: OTLP encode, no anonymization": lambda: plain.export(spans)
    }
    # Every pass over the same spans starts with empty detector caches: it must not
    # profit from the pass before.
    detectors = pii_anonymizer()
    setups: dict[str, Callable[[], object]] = {}
    for label, anonymizer in (
        ("seed's 4 rules", create_anonymizer(SEED_RULES)),
        ("default detectors", detectors),
    ):
        wrapped = AnonymizingSpanExporter(EncodingExporter(), [anonymizer])
        processor = AnonymizingSpanProcessor(SpanProcessor(), [anonymizer])

        def process(processor: SpanProcessor = processor) -> None:
            for span in spans:
                processor.on_end(span)

        runs[f"{label}: exporter + OTLP encode (batch worker)"] = lambda wrapped=wrapped: (
            wrapped.export(spans)
        )
        runs[f"{label}: processor on_end (app thread)"] = process
    for path in (f"default detectors: {where}" for where in ("exporter", "processor")):
        for name in runs:
            if name.startswith(path):
                setups[name] = detectors.clear_caches
    timings = best_in_turns(args.repeat, runs, setups)
    baseline = timings["baseline: OTLP encode, no anonymization"]
    per_span = 1e6 / len(spans)
    print(f"{len(spans)} spans, {text_bytes / len(spans) / 1024:.1f} KB of attribute text each")
    print(f"{'path':<58}{'us/span':>10}{'ratio':>8}")
    for path, seconds in timings.items():
        print(f"{path:<58}{seconds * per_span:>10.1f}{seconds / baseline:>8.2f}")


if __name__ == "__main__":
    main()
