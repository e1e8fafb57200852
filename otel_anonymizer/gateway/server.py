"""Wiring: build the running gateway from its configuration, start it, stop it gracefully.

One delivery per exporter component (shared by the pipelines that list it, as in the
Collector, so a durable queue has one directory), one worker pool for all pipelines,
and servers only for receivers that some pipeline uses. Shutdown runs in the order that
loses nothing: stop accepting (in-flight requests finish and are answered), drain the
sending queues for a while (what is left stays on disk), stop the workers, and take
the health endpoint down last.
"""

from __future__ import annotations

import asyncio
import logging

from otel_anonymizer.gateway.delivery import Delivery, QueuedDelivery, SyncDelivery
from otel_anonymizer.gateway.exporters import build_exporter
from otel_anonymizer.gateway.extensions import StatusServer
from otel_anonymizer.gateway.pipeline import Pipeline, Router
from otel_anonymizer.gateway.processing import ProcessingPool
from otel_anonymizer.gateway.receivers.otlp_grpc import GrpcReceiver
from otel_anonymizer.gateway.receivers.otlp_http import HttpReceiver
from otel_anonymizer.gateway.settings import Endpoint, ExporterConfig, GatewayConfig
from otel_anonymizer.gateway.telemetry import Telemetry

_logger = logging.getLogger("otel_anonymizer.gateway")
#: Seconds in-flight requests get to finish after SIGTERM.
RECEIVER_GRACE = 10.0
#: Seconds the sending queues get to drain after the receivers stopped.
QUEUE_DRAIN = 5.0


class Gateway:
    """The whole data path of one configuration."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.telemetry = Telemetry()
        self.pool = ProcessingPool(
            config.anonymizer_options(),
            config.environ,
            config.workers,
            config.anonymization_timeout,
        )
        used = {name for pipeline in config.pipelines.values() for name in pipeline.exporters}
        self.deliveries = {
            name: self._delivery(exporter)
            for name, exporter in config.exporters.items()
            if name in used
        }
        pipelines = [
            Pipeline(
                pipeline,
                self.pool,
                [self.deliveries[name] for name in pipeline.exporters],
                self.telemetry,
            )
            for pipeline in config.pipelines.values()
        ]
        self.router = Router(pipelines, self.telemetry)
        receivers = {name for pipeline in config.pipelines.values() for name in pipeline.receivers}
        self.receivers: list[GrpcReceiver | HttpReceiver] = []
        for name in sorted(receivers):
            settings = config.receivers[name]
            if settings.grpc:
                self.receivers.append(GrpcReceiver(name, settings.grpc, self.router))
            if settings.http:
                self.receivers.append(
                    HttpReceiver(name, settings.http, self.router, RECEIVER_GRACE)
                )
        self.status_servers = self._status_servers()
        self.ready = False

    def _delivery(self, exporter: ExporterConfig) -> Delivery:
        instance = build_exporter(exporter)
        if exporter.queue is not None:
            return QueuedDelivery(instance, exporter.retry, exporter.queue, self.telemetry)
        return SyncDelivery(instance, exporter.retry, self.telemetry)

    def _status_servers(self) -> dict[str, StatusServer]:
        servers: dict[Endpoint, StatusServer] = {}
        named: dict[str, StatusServer] = {}
        if self.config.health_check is not None:
            endpoint, path = self.config.health_check
            server = servers.setdefault(endpoint, StatusServer(endpoint))
            server.add_health(path, lambda: self.ready)
            named["health_check"] = server
        if self.config.metrics_endpoint is not None:
            endpoint = self.config.metrics_endpoint
            server = servers.setdefault(endpoint, StatusServer(endpoint))
            server.add_metrics(self.telemetry)
            named["metrics"] = server
        return named

    async def start(self) -> dict[str, Endpoint]:
        """Start everything; returns the bound addresses by name (`otlp/grpc`, `metrics`...)."""
        addresses: dict[str, Endpoint] = {}
        started: dict[int, Endpoint] = {}
        for name, server in self.status_servers.items():
            if id(server) not in started:
                started[id(server)] = await server.start()
            addresses[name] = started[id(server)]
        await self.pool.start()
        for delivery in self.deliveries.values():
            await delivery.start()
        for receiver in self.receivers:
            protocol = "grpc" if isinstance(receiver, GrpcReceiver) else "http"
            addresses[f"{receiver.name}/{protocol}"] = await receiver.start()
        self.ready = True
        for name, address in addresses.items():
            _logger.info("%s listening on %s", name, address)
        return addresses

    async def stop(self) -> None:
        """Graceful shutdown: stop accepting, finish in-flight requests, drain, flush."""
        self.ready = False
        for delivery in self.deliveries.values():  # no retry outlasts the grace
            delivery.closing(RECEIVER_GRACE)
        await asyncio.gather(
            *(
                receiver.stop(RECEIVER_GRACE) if isinstance(receiver, GrpcReceiver)
                else receiver.stop()
                for receiver in self.receivers
            )
        )  # fmt: skip
        await asyncio.gather(*(delivery.stop(QUEUE_DRAIN) for delivery in self.deliveries.values()))
        await asyncio.to_thread(self.pool.close)
        for server in {id(server): server for server in self.status_servers.values()}.values():
            await server.stop()
