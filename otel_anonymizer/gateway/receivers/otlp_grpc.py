"""The OTLP/gRPC receiver: the trace and logs `Export` services on `grpc.aio`.

Requests arrive as raw bytes (identity deserializer) and go to the worker pool as they
are; gRPC itself enforces `max_recv_msg_size_mib`, also on decompressed messages.
Refusals follow the OTLP specification: `INVALID_ARGUMENT` for bad data (not retried by
clients), `RESOURCE_EXHAUSTED` and `UNAVAILABLE` with a `RetryInfo` when the gateway
cannot take the data now, `UNAUTHENTICATED` for a missing or wrong bearer token. The
client's deadline bounds how long a synchronous export may retry upstream.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import grpc
import grpc.aio

from otel_anonymizer.gateway.codec import response_body
from otel_anonymizer.gateway.errors import GatewayError
from otel_anonymizer.gateway.grpc_status import status_trailer
from otel_anonymizer.gateway.pipeline import Router
from otel_anonymizer.gateway.receivers.auth import check_bearer
from otel_anonymizer.gateway.settings import SIGNALS, Endpoint, ServerSettings, Signal
from otel_anonymizer.gateway.tls import server_credentials

SERVICES: dict[Signal, str] = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
}
Behaviour = Callable[[bytes, "grpc.aio.ServicerContext[bytes, bytes]"], Awaitable[bytes]]
#: Seconds kept from the client's deadline to answer it in time.
_DEADLINE_MARGIN = 0.2


class GrpcReceiver:
    """Serves one `otlp` receiver's `protocols.grpc`."""

    def __init__(self, name: str, settings: ServerSettings, router: Router) -> None:
        self.name = name
        self.settings = settings
        self.router = router
        self._server: grpc.aio.Server | None = None
        self.address: Endpoint | None = None

    async def start(self) -> Endpoint:
        """Listen; returns the bound address (the port is chosen when configured as 0)."""
        limit = self.settings.max_body_bytes
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", limit),
                ("grpc.so_reuseport", 0),
            ]
        )
        for signal in SIGNALS:
            if self.router.accepts(self.name, signal):
                handler = grpc.unary_unary_rpc_method_handler(self._behaviour(signal))
                server.add_generic_rpc_handlers(
                    (grpc.method_handlers_generic_handler(SERVICES[signal], {"Export": handler}),)
                )
        address = str(self.settings.endpoint)
        if self.settings.tls:
            port = server.add_secure_port(address, server_credentials(self.settings.tls))
        else:
            port = server.add_insecure_port(address)
        await server.start()
        self._server = server
        self.address = Endpoint(self.settings.endpoint.host, port)
        return self.address

    async def stop(self, grace: float = 30.0) -> None:
        """Refuse new calls; give in-flight calls `grace` seconds to finish."""
        if self._server is not None:
            await self._server.stop(grace)

    def _behaviour(self, signal: Signal) -> Behaviour:
        async def export(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
            metadata = dict(context.invocation_metadata() or ())
            remaining = context.time_remaining()
            deadline = None
            if remaining is not None:
                deadline = time.monotonic() + max(0.0, remaining - _DEADLINE_MARGIN)
            try:
                authorization = metadata.get("authorization")
                check_bearer(
                    authorization if isinstance(authorization, str) else None,
                    self.settings.bearer_token,
                )
                result = await self.router.consume(self.name, signal, "proto", request, deadline)
            except GatewayError as error:
                self.router.rejected(self.name, error)
                await context.abort(
                    error.grpc_code,
                    error.message,
                    trailing_metadata=status_trailer(
                        error.grpc_code, error.message, error.retry_after
                    ),
                )
            return response_body(signal, "proto", result.rejected, result.message)

        return export
