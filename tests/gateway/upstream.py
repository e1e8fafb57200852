"""A real OTLP backend for the gateway tests: OTLP/HTTP (aiohttp) and OTLP/gRPC servers.

It records every accepted request and can fail on purpose: `down` refuses everything,
`fail_every=n` refuses every n-th request, `delay` makes it slow. Refusals are HTTP 503
with `Retry-After` or gRPC `UNAVAILABLE` with a `RetryInfo`, as a throttling backend
sends them. Waiting for data uses a condition variable with a deadline, never a bare
sleep.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import grpc
import grpc.aio
from aiohttp import web
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_anonymizer.gateway.grpc_status import status_trailer

T = TypeVar("T")


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


class Upstream:
    """Collects export requests; see the module docstring for failure injection."""

    def __init__(self) -> None:
        self.traces: list[ExportTraceServiceRequest] = []
        self.logs: list[ExportLogsServiceRequest] = []
        self.headers: list[dict[str, str]] = []
        self.attempts = 0
        self.attempt_times: list[float] = []
        self.down = False
        self.fail_every = 0
        self.success_headers: dict[str, str] = {}  # sent with every 200
        self.success_body: bytes | None = None  # instead of the export response
        self.retry_after = 0.0
        self.delay = 0.0  # seconds before answering: a slow backend
        self._changed = threading.Condition()
        self._thread = LoopThread("fake-upstream")
        self._runner: web.AppRunner | None = None
        self._server: grpc.aio.Server | None = None
        self.http_url = ""
        self.grpc_target = ""

    def start(self) -> Upstream:
        self._thread.run(self._start())
        return self

    def stop(self) -> None:
        self._thread.run(self._stop())
        self._thread.close()

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/traces", self._http("traces"))
        app.router.add_post("/v1/logs", self._http("logs"))
        # A sign-in proxy: a POST is sent to a page that answers any GET with 200.
        app.router.add_post("/sso/v1/traces", self._redirect)
        app.router.add_get("/sign-in", self._sign_in)
        # A refusal whose body cannot be read (declared gzip, and not).
        app.router.add_post("/refuse/v1/traces", self._refuse_unreadably)
        self._runner = web.AppRunner(app, access_log=None, auto_decompress=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.http_url = f"http://127.0.0.1:{port}"
        self._server = grpc.aio.server(options=[("grpc.max_receive_message_length", 64 << 20)])
        for service, signal in (
            ("opentelemetry.proto.collector.trace.v1.TraceService", "traces"),
            ("opentelemetry.proto.collector.logs.v1.LogsService", "logs"),
        ):
            handler = grpc.unary_unary_rpc_method_handler(self._grpc(signal))
            self._server.add_generic_rpc_handlers(
                (grpc.method_handlers_generic_handler(service, {"Export": handler}),)
            )
        grpc_port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        self.grpc_target = f"127.0.0.1:{grpc_port}"

    async def _stop(self) -> None:
        if self._server is not None:
            await self._server.stop(0)
        if self._runner is not None:
            await self._runner.cleanup()

    def _refuse(self) -> bool:
        with self._changed:
            self.attempts += 1
            self.attempt_times.append(time.monotonic())
            self._changed.notify_all()
            return self.down or bool(self.fail_every and self.attempts % self.fail_every == 0)

    def _record(self, signal: str, body: bytes, headers: dict[str, str]) -> bytes:
        with self._changed:
            self.headers.append(headers)
            if signal == "traces":
                self.traces.append(ExportTraceServiceRequest.FromString(body))
                response = ExportTraceServiceResponse().SerializeToString()
            else:
                self.logs.append(ExportLogsServiceRequest.FromString(body))
                response = ExportLogsServiceResponse().SerializeToString()
            self._changed.notify_all()
        return response

    async def _redirect(self, request: web.Request) -> web.Response:
        await request.read()
        with self._changed:
            self.attempts += 1
        raise web.HTTPFound("/sign-in")

    async def _refuse_unreadably(self, request: web.Request) -> web.Response:
        await request.read()
        with self._changed:
            self.attempts += 1
            self._changed.notify_all()
        return web.Response(status=400, body=b"not gzip", headers={"Content-Encoding": "gzip"})

    async def _sign_in(self, request: web.Request) -> web.Response:
        return web.Response(text="please sign in")

    def _http(self, signal: str) -> Callable[[web.Request], Coroutine[Any, Any, web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            refused = self._refuse()
            await asyncio.sleep(self.delay)
            if refused:
                return web.Response(status=503, headers={"Retry-After": f"{self.retry_after:.0f}"})
            if request.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            response = self._record(signal, body, dict(request.headers))
            return web.Response(
                body=response if self.success_body is None else self.success_body,
                content_type="application/x-protobuf",
                headers=self.success_headers,
            )

        return handle

    def _grpc(self, signal: str) -> Callable[..., Coroutine[Any, Any, bytes]]:
        async def export(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
            refused = self._refuse()
            await asyncio.sleep(self.delay)
            if refused:
                code = grpc.StatusCode.UNAVAILABLE
                await context.abort(
                    code, "try later", trailing_metadata=status_trailer(code, "", self.retry_after)
                )
            metadata = {key: str(value) for key, value in context.invocation_metadata() or ()}
            return self._record(signal, request, metadata)

        return export

    # Reading what arrived ---------------------------------------------------------------

    def spans(self) -> list[Span]:
        with self._changed:
            requests = list(self.traces)
        return [
            span
            for request in requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]

    def log_records(self) -> list[LogRecord]:
        with self._changed:
            requests = list(self.logs)
        return [
            record
            for request in requests
            for resource in request.resource_logs
            for scope in resource.scope_logs
            for record in scope.log_records
        ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20) -> None:
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise TimeoutError("the upstream did not receive the expected data in time")

    def wait_for_spans(self, count: int, timeout: float = 20) -> None:
        def enough() -> bool:
            total = sum(
                len(scope.spans)
                for request in self.traces
                for resource in request.resource_spans
                for scope in resource.scope_spans
            )
            return total >= count

        self.wait_for(enough, timeout)
