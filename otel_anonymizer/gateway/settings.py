"""The gateway's validated settings: what `config` produces from the YAML file.

Plain frozen dataclasses, so that the rest of the gateway depends on typed settings
rather than on the file's layout, and so that what worker processes need is picklable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Signal = Literal["traces", "logs"]
SIGNALS: tuple[Signal, ...] = ("traces", "logs")
ExporterType = Literal["otlp", "otlphttp", "debug"]
EXPORTER_TYPES: tuple[ExporterType, ...] = ("otlp", "otlphttp", "debug")
Verbosity = Literal["basic", "normal", "detailed"]
VERBOSITIES: tuple[Verbosity, ...] = ("basic", "normal", "detailed")
Compression = Literal["gzip", "none"]
COMPRESSIONS: tuple[Compression, ...] = ("gzip", "none")
RECEIVER_TYPES = ("otlp",)
PROCESSOR_TYPES = ("anonymizer",)
EXTENSION_TYPES = ("health_check", "file_storage", "bearertokenauth")
#: Anonymizer options that would hold the HMAC key in clear.
SECRET_OPTIONS = ("hash_key", "hmac_key")
_MIB = 1024 * 1024

#: Seconds a worker may spend anonymizing one request, unless configured otherwise.
DEFAULT_ANONYMIZATION_TIMEOUT = 10.0


@dataclass(frozen=True)
class Endpoint:
    """A listening or connecting address, `host:port`."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ServerTLS:
    """TLS of a receiver; with `client_ca_file`, clients must present a certificate."""

    cert_file: str
    key_file: str
    client_ca_file: str | None = None


@dataclass(frozen=True)
class ServerSettings:
    """One receiver protocol's listener."""

    endpoint: Endpoint
    tls: ServerTLS | None = None
    authenticator: str | None = None
    bearer_token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 20 * _MIB


@dataclass(frozen=True)
class ReceiverConfig:
    """An `otlp` receiver: OTLP/gRPC and/or OTLP/HTTP."""

    name: str
    grpc: ServerSettings | None
    http: ServerSettings | None


@dataclass(frozen=True)
class ClientTLS:
    """TLS towards an upstream, with the Collector's `tls` keys."""

    insecure: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False
    server_name_override: str | None = None


@dataclass(frozen=True)
class RetryConfig:
    """`retry_on_failure`: exponential backoff, as the Collector's exporters do it."""

    enabled: bool = True
    initial_interval: float = 5.0
    randomization_factor: float = 0.5
    multiplier: float = 1.5
    max_interval: float = 30.0
    max_elapsed_time: float = 300.0


@dataclass(frozen=True)
class QueueConfig:
    """A durable `sending_queue`: requests persisted under `directory` before success."""

    directory: Path
    queue_size: int = 1000
    num_consumers: int = 2
    storage: str | None = None  # the file_storage extension, if the directory is its
    # Where earlier versions put this queue (they cut an id at its first dot), to take
    # over what it holds; None where that is not this queue's alone.
    legacy_directory: Path | None = None


@dataclass(frozen=True)
class ExporterConfig:
    """An `otlp` (gRPC), `otlphttp` or `debug` exporter."""

    name: str
    type: ExporterType
    endpoint: str = ""
    signal_endpoints: Mapping[Signal, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    tls: ClientTLS = field(default_factory=ClientTLS)
    compression: Compression = "gzip"
    timeout: float = 5.0
    retry: RetryConfig = field(default_factory=RetryConfig)
    queue: QueueConfig | None = None
    verbosity: Verbosity = "basic"
    path: str | None = None


@dataclass(frozen=True)
class PipelineConfig:
    """One `service.pipelines` entry: `traces`, `logs`, or `traces/name`, `logs/name`."""

    name: str
    signal: Signal
    receivers: tuple[str, ...]
    processors: tuple[str, ...]
    exporters: tuple[str, ...]


@dataclass(frozen=True)
class GatewayConfig:
    """The whole, validated gateway configuration."""

    receivers: Mapping[str, ReceiverConfig]
    processors: Mapping[str, Mapping[str, Any]]
    exporters: Mapping[str, ExporterConfig]
    pipelines: Mapping[str, PipelineConfig]
    health_check: tuple[Endpoint, str] | None = None
    metrics_endpoint: Endpoint | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: Seconds a worker may spend anonymizing one request (`budget.time_budget`).
    anonymization_timeout: float = DEFAULT_ANONYMIZATION_TIMEOUT
    #: The environment the anonymizer options are resolved against (`hash_key_env`...).
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    def anonymizer_options(self) -> dict[str, list[Mapping[str, Any]]]:
        """Per pipeline, the options of its anonymizer processors, in order.

        Plain data (picklable), so that worker processes can rebuild the anonymizers.
        """
        return {
            name: [self.processors[processor] for processor in pipeline.processors]
            for name, pipeline in self.pipelines.items()
        }
