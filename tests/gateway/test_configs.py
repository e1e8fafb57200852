"""Every YAML file in collector-config/ is valid.

Gateway configurations (`gateway*.yaml`) must load with the gateway's own loader.
OpenTelemetry Collector configurations (`otelcol-*.yaml`) must be well-formed and use
only components that exist in the Collector distributions (core and contrib), and their
pipelines must reference only components they define.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from otel_anonymizer.gateway.config import load_config

CONFIG_DIR = Path(__file__).resolve().parents[2] / "collector-config"
GATEWAY_FILES = sorted(CONFIG_DIR.glob("gateway*.yaml"))
COLLECTOR_FILES = sorted(CONFIG_DIR.glob("otelcol-*.yaml"))
#: Variables the example files need (those without a `:-default`).
ENVIRONMENT = {
    "OTLP_ENDPOINT": "https://otlp.example.com:4318",
    "UPSTREAM_ENDPOINT": "otlp.example.com:4317",
    "UPSTREAM_TOKEN": "upstream-token",
    "GATEWAY_TOKEN": "gateway-token",
    "OTEL_ANONYMIZER_HASH_KEY": "0123456789abcdef" * 4,
    "LANGFUSE_AUTH": "cGstbGYtMTpzay1sZi0x",
    "OPIK_API_KEY": "opik-key",
    "OPIK_WORKSPACE": "workspace",
}
#: Collector component types used here, by kind (core and contrib distributions).
KNOWN_COMPONENTS = {
    "receivers": {"otlp"},
    "processors": {"batch", "memory_limiter"},
    "exporters": {"otlp", "otlphttp", "debug", "loadbalancing"},
    "extensions": {"health_check", "file_storage", "bearertokenauth"},
    "connectors": set(),
}
PIPELINE_TYPES = {"traces", "logs", "metrics"}


def test_the_directory_has_every_deployment() -> None:
    names = {path.name for path in CONFIG_DIR.glob("*.yaml")}
    for name in (
        "gateway.yaml",
        "gateway-minimal.yaml",
        "gateway-phoenix.yaml",
        "gateway-langfuse.yaml",
        "gateway-opik.yaml",
        "gateway-otlp.yaml",
        "otelcol-agent.yaml",
        "otelcol-loadbalancer.yaml",
    ):
        assert name in names
    assert set(GATEWAY_FILES) | set(COLLECTOR_FILES) == set(CONFIG_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", GATEWAY_FILES, ids=lambda path: path.name)
def test_gateway_configs_load(path: Path) -> None:
    config = load_config(path, ENVIRONMENT)
    assert config.pipelines
    for pipeline in config.pipelines.values():
        assert "anonymizer" in pipeline.processors  # every example anonymizes
    for receiver in config.receivers.values():
        for settings in (receiver.grpc, receiver.http):
            assert settings is None or settings.endpoint.host == "127.0.0.1"  # local default


def component_type(name: str) -> str:
    return name.split("/", 1)[0]


@pytest.mark.parametrize("path", COLLECTOR_FILES, ids=lambda path: path.name)
def test_collector_configs_reference_existing_components(path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    assert set(data) <= {*KNOWN_COMPONENTS, "service"}
    for kind, known in KNOWN_COMPONENTS.items():
        for name in data.get(kind) or {}:
            assert component_type(name) in known, f"{path.name}: {kind}.{name} does not exist"
    service = data["service"]
    for name in service.get("extensions", []):
        assert name in data["extensions"], f"{path.name}: extension {name} is not defined"
    assert service["pipelines"]
    for pipeline, parts in service["pipelines"].items():
        assert component_type(pipeline) in PIPELINE_TYPES
        assert set(parts) <= {"receivers", "processors", "exporters"}
        assert parts["receivers"] and parts["exporters"]
        for kind in ("receivers", "processors", "exporters"):
            for name in parts.get(kind, []):
                assert name in (data.get(kind) or {}), (
                    f"{path.name}: service.pipelines.{pipeline}.{kind}: {name} is not defined"
                )


def test_the_load_balancer_routes_by_trace_id() -> None:
    data = yaml.safe_load((CONFIG_DIR / "otelcol-loadbalancer.yaml").read_text())
    exporter = data["exporters"]["loadbalancing"]
    assert exporter["routing_key"] == "traceID"
    assert exporter["resolver"]["dns"]["port"] == 4317
    assert "otlp" in exporter["protocol"]


def test_the_agent_forwards_to_the_gateway() -> None:
    data = yaml.safe_load((CONFIG_DIR / "otelcol-agent.yaml").read_text())
    gateway = data["exporters"]["otlp/anonymizer"]
    assert gateway["endpoint"].endswith(":4317}")
    for pipeline in data["service"]["pipelines"].values():
        assert pipeline["exporters"] == ["otlp/anonymizer"]
