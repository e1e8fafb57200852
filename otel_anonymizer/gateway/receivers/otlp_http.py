"""The OTLP/HTTP receiver: `POST /v1/traces` and `/v1/logs` on aiohttp.

Checks in the order that costs least: bearer token, content type (415), declared and
actual body size (413), decompression with an output limit (413, 400 for corrupt data),
then the pipelines (400 for invalid bodies, 429/503 with `Retry-After` when they cannot
take the data). Success is 200 with an export response, carrying partial success when
the upstream reported one; errors carry a `google.rpc.Status`, in the request's
encoding. Nothing from the request body is ever logged, nor what aiohttp's server
logs about a request it cannot read (`_ContentFree`).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from otel_anonymizer.gateway.codec import (
    CONTENT_TYPES,
    Encoding,
    decompress,
    encoding_of,
    response_body,
    status_body,
)
from otel_anonymizer.gateway.errors import GatewayError, PayloadTooLarge
from otel_anonymizer.gateway.net import listen
from otel_anonymizer.gateway.pipeline import Router
from otel_anonymizer.gateway.receivers.auth import check_bearer
from otel_anonymizer.gateway.settings import SIGNALS, Endpoint, ServerSettings, Signal
from otel_anonymizer.gateway.tls import server_context


class _ContentFree(logging.Filter):
    """aiohttp's server logs a request it cannot read with the bytes it choked on, which
    may be a line of the body or a header with a token (found by review). Its records
    keep their level and say the type of the error only."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[0] if record.exc_info else None
        record.msg = f"unreadable HTTP request ({error.__name__})" if error else "HTTP server error"
        record.args = ()
        record.exc_info = record.exc_text = record.stack_info = None
        return True


#: The loggers of aiohttp's server side (filters apply to a logger's own records).
_SERVER_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.internal", "aiohttp.access")


def _quiet_server_logs() -> None:
    for name in _SERVER_LOGGERS:
        log = logging.getLogger(name)
        if not any(isinstance(existing, _ContentFree) for existing in log.filters):
            log.addFilter(_ContentFree())


class HttpReceiver:
    """Serves one `otlp` receiver's `protocols.http`."""

    def __init__(
        self, name: str, settings: ServerSettings, router: Router, grace: float = 10.0
    ) -> None:
        self.name = name
        self.settings = settings
        self.router = router
        self.grace = grace  # seconds in-flight requests get at `stop`
        self._runner: web.AppRunner | None = None
        self.address: Endpoint | None = None

    async def start(self) -> Endpoint:
        """Listen; returns the bound address (the port is chosen when configured as 0)."""
        _quiet_server_logs()
        app = web.Application(client_max_size=self.settings.max_body_bytes)
        for signal in SIGNALS:
            if self.router.accepts(self.name, signal):
                app.router.add_post(f"/v1/{signal}", self._handler(signal))
        # Decompression is done by `decompress`, with an output limit (gzip bombs).
        # aiohttp waits this long for handlers twice (before and after cancelling them).
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=self.grace / 2, auto_decompress=False
        )
        await self._runner.setup()
        sock = listen(self.settings.endpoint)
        tls = server_context(self.settings.tls) if self.settings.tls else None
        await web.SockSite(self._runner, sock, ssl_context=tls).start()
        self.address = Endpoint(self.settings.endpoint.host, sock.getsockname()[1])
        return self.address

    async def stop(self) -> None:
        """Stop accepting connections and wait for in-flight requests (up to `grace`)."""
        if self._runner is not None:
            await self._runner.cleanup()

    def _handler(self, signal: Signal) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(request, signal)

        return handle

    async def _handle(self, request: web.Request, signal: Signal) -> web.StreamResponse:
        encoding: Encoding = "json" if request.content_type == CONTENT_TYPES["json"] else "proto"
        try:
            check_bearer(request.headers.get("Authorization"), self.settings.bearer_token)
            encoding = encoding_of(request.content_type)
            body = await self._body(request)
            result = await self.router.consume(self.name, signal, encoding, body)
        except GatewayError as error:
            self.router.rejected(self.name, error)
            return _error_response(error, encoding)
        return web.Response(
            body=response_body(signal, encoding, result.rejected, result.message),
            content_type=CONTENT_TYPES[encoding],
        )

    async def _body(self, request: web.Request) -> bytes:
        limit = self.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise PayloadTooLarge(f"the body exceeds {limit} bytes")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise PayloadTooLarge(f"the body exceeds {limit} bytes") from None
        coding = request.headers.get("Content-Encoding", "")
        if not coding:
            return body
        return await asyncio.to_thread(decompress, body, coding, limit)


def _error_response(error: GatewayError, encoding: Encoding) -> web.Response:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    if error.http_status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return web.Response(
        status=error.http_status,
        body=status_body(error.grpc_code.value[0], error.message, encoding),
        content_type=CONTENT_TYPES[encoding],
        headers=headers,
    )
