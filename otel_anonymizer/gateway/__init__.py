"""A collector-style gateway: receive OTLP, anonymize it, forward it to any OTLP backend.

Configured like the OpenTelemetry Collector (`receivers`, `processors`, `exporters`,
`extensions`, `service.pipelines`) and run as `otel-anonymizer serve --config FILE`.
Modules, one job each: `config` (YAML loading and validation), `settings` (the typed
settings it produces), `otlp` (the protobuf
adapter over the core `Sanitizer`), `codec` (request bodies: encodings, compression,
limits), `processing` (the worker pool that anonymizes), `receivers`, `exporters`,
`queue` (the durable on-disk sending queue), `pipeline` (fan-out and status mapping),
`telemetry` and `extensions` (health and metrics), `server` (wiring) and `cli`.
"""

from otel_anonymizer.gateway.config import load_config
from otel_anonymizer.gateway.settings import GatewayConfig

__all__ = ["GatewayConfig", "load_config"]
