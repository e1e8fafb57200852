"""Fixtures for the gateway tests: a real upstream and gateways started in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from otel_anonymizer.gateway.config import parse_config
from otel_anonymizer.gateway.server import Gateway
from otel_anonymizer.gateway.settings import Endpoint
from tests.gateway.upstream import LoopThread, Upstream

EMAIL_CANARY = "jane.roe@example.org"
PHONE_CANARY = "555-867-5309"
#: The seed's four PII rules (the benchmark uses the same).
SEED_RULES = [
    {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
    {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
    {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
    {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
]
FAST_RETRY = {"initial_interval": "10ms", "max_interval": "50ms", "max_elapsed_time": "5s"}


def gateway_config(
    upstream: Upstream | None,
    *,
    exporter: str = "otlphttp",
    anonymize: bool = True,
    queue_dir: str | None = None,
    workers: int = 0,
    http: dict[str, Any] | None = None,
    grpc: dict[str, Any] | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A gateway configuration on free loopback ports, forwarding to `upstream`."""
    exporter_config: dict[str, Any] = {"retry_on_failure": dict(FAST_RETRY), "timeout": "5s"}
    if exporter == "otlphttp":
        exporter_config["endpoint"] = upstream.http_url if upstream else "http://127.0.0.1:9"
    elif exporter == "otlp":
        exporter_config["endpoint"] = upstream.grpc_target if upstream else "127.0.0.1:9"
        exporter_config["tls"] = {"insecure": True}
    else:
        exporter_config = {"verbosity": "detailed"}
    if queue_dir is not None:
        exporter_config["sending_queue"] = {"directory": queue_dir, "queue_size": 100}
    pipeline: dict[str, Any] = {"receivers": ["otlp"], "exporters": [exporter]}
    if anonymize:
        pipeline["processors"] = ["anonymizer"]
    return {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": "127.0.0.1:0", **(grpc or {})},
                    "http": {"endpoint": "127.0.0.1:0", **(http or {})},
                }
            }
        },
        "processors": {"anonymizer": {"rules": SEED_RULES}},
        "exporters": {exporter: exporter_config},
        "extensions": extensions or {},
        "service": {
            "workers": workers,
            "extensions": list(extensions or {}),
            "telemetry": {"metrics": {"address": "127.0.0.1:0"}},
            "pipelines": {"traces": dict(pipeline), "logs": dict(pipeline)},
        },
    }


@dataclass
class GatewayAddresses:
    """Where a gateway listens, by name (`otlp/http`, `otlp/grpc`, `metrics`...)."""

    addresses: dict[str, Endpoint]

    @property
    def http_url(self) -> str:
        return f"http://{self.addresses['otlp/http']}"

    @property
    def grpc_target(self) -> str:
        return str(self.addresses["otlp/grpc"])

    def url(self, name: str, path: str) -> str:
        return f"http://{self.addresses[name]}{path}"


@dataclass
class RunningGateway(GatewayAddresses):
    """A gateway started in this process, on a loop thread of its own."""

    gateway: Gateway
    thread: LoopThread

    def stop(self) -> None:
        self.thread.run(self.gateway.stop(), timeout=60)
        self.thread.close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture
def start_gateway() -> Iterator[Callable[..., RunningGateway]]:
    """Starts gateways on a loop thread of their own; stops them after the test."""
    running: list[RunningGateway] = []

    def start(config: dict[str, Any], environ: dict[str, str] | None = None) -> RunningGateway:
        thread = LoopThread("gateway")
        gateway = Gateway(parse_config(config, environ or {}))
        addresses = thread.run(gateway.start(), timeout=60)
        result = RunningGateway(addresses, gateway, thread)
        running.append(result)
        return result

    yield start
    for gateway in running:
        if gateway.thread.thread.is_alive():
            gateway.stop()
