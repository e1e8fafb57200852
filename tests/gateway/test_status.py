"""Health endpoint, Prometheus self-telemetry, and graceful shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace.export import SpanExportResult

from otel_anonymizer.gateway import server
from otel_anonymizer.gateway.telemetry import Telemetry
from tests.gateway.conftest import RunningGateway, gateway_config
from tests.gateway.sdk_clients import make_spans, span_exporter
from tests.gateway.test_bad_input import PROTOBUF
from tests.gateway.upstream import Upstream

StartGateway = Callable[..., RunningGateway]
HEALTH = {"health_check": {"endpoint": "127.0.0.1:0"}}


def test_health_check(upstream: Upstream, start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_config(upstream, extensions=HEALTH))
    response = httpx.get(gateway.url("health_check", "/"))
    assert response.status_code == 200
    assert response.json() == {"status": "Server available"}
    gateway.gateway.ready = False  # as while starting or stopping
    assert httpx.get(gateway.url("health_check", "/")).status_code == 503


def test_metrics_in_prometheus_text_format(upstream: Upstream, start_gateway: StartGateway) -> None:
    upstream.fail_every = 2
    gateway = start_gateway(gateway_config(upstream))
    sdk = span_exporter(gateway, "http")
    assert sdk.export(make_spans(3)) == SpanExportResult.SUCCESS
    assert sdk.export(make_spans(3)) == SpanExportResult.SUCCESS
    response = httpx.get(gateway.url("metrics", "/metrics"))
    assert response.headers["content-type"].startswith("text/plain")
    lines = set(response.text.splitlines())
    prefix = "otel_anonymizer_gateway_"
    assert f"# TYPE {prefix}received_items_total counter" in lines
    assert f'{prefix}received_items_total{{pipeline="traces"}} 6' in lines
    assert f'{prefix}anonymized_items_total{{pipeline="traces"}} 6' in lines
    assert f'{prefix}exported_items_total{{exporter="otlphttp"}} 6' in lines
    assert f'{prefix}export_retries_total{{exporter="otlphttp"}} 1' in lines
    assert f'{prefix}received_requests_total{{receiver="otlp",signal="traces"}} 2' in lines
    redacted = next(line for line in lines if line.startswith(f"{prefix}redacted_values_total"))
    assert float(redacted.rsplit(" ", 1)[1]) >= 24
    emails = next(
        line for line in lines if line.startswith(f'{prefix}redactions_total{{detector="email"}}')
    )
    assert float(emails.rsplit(" ", 1)[1]) >= 6


def test_counts_are_exposed_exactly() -> None:
    """Found by review: `{:g}` wrote 1,234,567 items as `1.23457e+06`."""
    telemetry = Telemetry()
    telemetry.add("received_items_total", 1_234_567, pipeline="traces")
    telemetry.add("exported_items_total", 2**53 + 2, exporter="otlp")
    telemetry.gauge("queue_size", lambda: 0.5, exporter="otlp")
    lines = set(telemetry.render().splitlines())
    prefix = "otel_anonymizer_gateway_"
    assert f'{prefix}received_items_total{{pipeline="traces"}} 1234567' in lines
    assert f'{prefix}exported_items_total{{exporter="otlp"}} {2**53 + 2}' in lines
    assert f'{prefix}queue_size{{exporter="otlp"}} 0.5' in lines


def test_stop_answers_requests_in_flight_within_the_grace(
    upstream: Upstream, start_gateway: StartGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by review: with the upstream down, an OTLP/HTTP request in flight kept the
    gateway retrying until `max_elapsed_time` (40 s here) after SIGTERM. No retry now
    outlasts the receivers' grace (1 s here, 10 s by default); the client gets 503."""
    monkeypatch.setattr(server, "RECEIVER_GRACE", 1.0)
    upstream.down = True
    config = gateway_config(upstream)
    config["exporters"]["otlphttp"]["retry_on_failure"] = {
        "initial_interval": "50ms",
        "max_interval": "100ms",
        "max_elapsed_time": "40s",
    }
    gateway = start_gateway(config)
    body = encode_spans(make_spans(1)).SerializeToString()
    answers: list[int] = []
    client = threading.Thread(
        target=lambda: answers.append(
            httpx.post(
                f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF, timeout=60
            ).status_code
        )
    )
    client.start()
    upstream.wait_for(lambda: upstream.attempts >= 2)  # retrying
    started = time.monotonic()
    gateway.stop()
    client.join(30)
    assert answers == [503]
    assert time.monotonic() - started < 5


def test_sigterm_style_stop_finishes_in_flight_requests(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    upstream.delay = 0.5
    gateway = start_gateway(gateway_config(upstream))
    body = encode_spans(make_spans(1)).SerializeToString()
    answers: list[int] = []
    client = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF).status_code
        )
    )
    client.start()
    upstream.wait_for(lambda: upstream.attempts == 1)  # the request is in flight upstream
    gateway.stop()
    client.join(10)
    assert answers == [200]
    assert len(upstream.spans()) == 1
