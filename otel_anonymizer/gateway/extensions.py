"""The status endpoints: `health_check` (as the Collector's, default port 13133) and the
Prometheus metrics endpoint (`service.telemetry.metrics.address`, default port 8888).

Both are small aiohttp apps on their own listeners, so that probes and scrapes keep
working while the receivers are busy or refusing data.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from aiohttp import web

from otel_anonymizer.gateway.net import listen
from otel_anonymizer.gateway.settings import Endpoint
from otel_anonymizer.gateway.telemetry import Telemetry


class StatusServer:
    """Serves health and/or metrics routes on one endpoint."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.app = web.Application()
        self._runner: web.AppRunner | None = None

    def add_health(self, path: str, ready: Callable[[], bool]) -> None:
        """`GET path`: 200 while the gateway accepts data, 503 while starting or stopping."""

        async def health(request: web.Request) -> web.Response:
            if ready():
                return web.json_response({"status": "Server available"})
            return web.Response(
                status=503,
                text=json.dumps({"status": "Server not available"}),
                content_type="application/json",
            )

        self.app.router.add_get(path, health)

    def add_metrics(self, telemetry: Telemetry) -> None:
        """`GET /metrics`: the counters in the Prometheus text format."""

        async def metrics(request: web.Request) -> web.Response:
            return web.Response(text=telemetry.render(), content_type="text/plain", charset="utf-8")

        self.app.router.add_get("/metrics", metrics)

    async def start(self) -> Endpoint:
        """Listen; returns the bound address."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = listen(self.endpoint)
        await web.SockSite(self._runner, sock).start()
        return Endpoint(self.endpoint.host, sock.getsockname()[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
