"""The `otlp` exporter: OTLP/gRPC `Export` calls with the already serialized request.

The channel's serializers are identities: the bytes the workers produced go out as is.
Status codes follow the OTLP specification: `UNAVAILABLE`, `CANCELLED`,
`DEADLINE_EXCEEDED`, `ABORTED`, `OUT_OF_RANGE` and `DATA_LOSS` are retryable,
`RESOURCE_EXHAUSTED` only when the server sent a `RetryInfo` (whose delay is honoured);
everything else is permanent.
"""

from __future__ import annotations

import grpc
import grpc.aio

from otel_anonymizer.gateway.codec import partial_success
from otel_anonymizer.gateway.exporters.base import (
    Exporter,
    ExportResult,
    PermanentExport,
    RetryableExport,
)
from otel_anonymizer.gateway.grpc_status import retry_delay
from otel_anonymizer.gateway.settings import ExporterConfig, Signal
from otel_anonymizer.gateway.tls import channel_credentials

METHODS: dict[Signal, str] = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}
RETRYABLE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.DATA_LOSS,
    }
)

DATA_REFUSED_CODES = frozenset(
    {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.RESOURCE_EXHAUSTED}
)


def _identity(data: bytes) -> bytes:
    return data


class OtlpGrpcExporter(Exporter):
    """One channel per exporter; `http://` endpoints or `tls.insecure` mean plaintext."""

    def __init__(self, config: ExporterConfig) -> None:
        super().__init__(config.name)
        self.config = config
        self._channel: grpc.aio.Channel | None = None
        self._metadata = tuple((key.lower(), value) for key, value in config.headers.items())

    async def start(self) -> None:
        endpoint = self.config.endpoint
        target = endpoint.split("://", 1)[-1].rstrip("/")
        insecure = endpoint.startswith("http://") or (
            self.config.tls.insecure and not endpoint.startswith("https://")
        )
        compression = grpc.Compression.Gzip if self.config.compression == "gzip" else None
        if insecure:
            self._channel = grpc.aio.insecure_channel(target, compression=compression)
        else:
            options = []
            if self.config.tls.server_name_override:
                options.append(
                    ("grpc.ssl_target_name_override", self.config.tls.server_name_override)
                )
            self._channel = grpc.aio.secure_channel(
                target, channel_credentials(self.config.tls), options, compression
            )

    async def export(self, signal: Signal, payload: bytes) -> ExportResult:
        assert self._channel is not None, "exporter not started"
        call = self._channel.unary_unary(
            METHODS[signal], request_serializer=_identity, response_deserializer=_identity
        )
        try:
            response: bytes = await call(
                payload, timeout=self.config.timeout, metadata=self._metadata
            )
        except grpc.aio.AioRpcError as error:
            code = error.code()
            delay = retry_delay(error.trailing_metadata())
            reason = f"gRPC {code.name} from {self.config.endpoint}"
            if code in RETRYABLE_CODES or (
                code == grpc.StatusCode.RESOURCE_EXHAUSTED and delay is not None
            ):
                raise RetryableExport(reason, delay) from None
            raise PermanentExport(reason, code in DATA_REFUSED_CODES) from None
        return ExportResult(*partial_success(signal, response))

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close(None)
