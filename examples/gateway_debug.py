"""The gateway in one script: OTLP in, anonymized, written out by the debug exporter.

Starts an `otel-anonymizer` gateway in this process (OTLP/HTTP receiver on a free port
of 127.0.0.1, the default detector set, the `debug` exporter writing sanitized requests
as JSON lines to stdout), sends it a GenAI span with the OpenTelemetry SDK's own
`OTLPSpanExporter` as any service in any language would, and stops it. In production the
same configuration comes from a YAML file: `otel-anonymizer serve --config gateway.yaml`.

Run: python examples/gateway_debug.py   (needs the `gateway` extra)
"""

import asyncio
import json
import threading

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_anonymizer.gateway.config import parse_config
from otel_anonymizer.gateway.server import Gateway

CONFIG = {
    "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
    "processors": {"anonymizer": {"detectors": "default"}},
    "exporters": {"debug": {"verbosity": "detailed"}},
    "service": {
        "workers": 0,  # anonymize on a thread of this process; the default is one per core
        "pipelines": {
            "traces": {"receivers": ["otlp"], "processors": ["anonymizer"], "exporters": ["debug"]}
        },
    },
}


def send_a_span(endpoint: str) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    messages = [{"role": "user", "parts": [{"type": "text", "content":
                 "Refund card 4111 1111 1111 1111 and email jane.roe@example.org"}]}]  # fmt: skip
    with provider.get_tracer("shop").start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.input.messages", json.dumps(messages))
        span.set_attribute("gen_ai.request.model", "gpt-4o")
    provider.shutdown()


def main() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    gateway = Gateway(parse_config(CONFIG, {}))
    addresses = asyncio.run_coroutine_threadsafe(gateway.start(), loop).result(timeout=30)
    try:
        send_a_span(f"http://{addresses['otlp/http']}/v1/traces")
    finally:
        asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
