"""From a receiver to the exporters: the pipelines, and routing requests into them.

A request from a receiver goes into every pipeline of its signal that lists that
receiver (as in the Collector). Each pipeline has its body processed by the worker pool
(parse, anonymize, serialize), then hands the result to all its exporters at once. The
client gets success only when every exporter took responsibility for the request
(upstream accepted, or persisted on disk); otherwise the most telling `GatewayError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from otel_anonymizer.gateway.codec import Encoding
from otel_anonymizer.gateway.delivery import Delivery
from otel_anonymizer.gateway.errors import GatewayError, Unavailable
from otel_anonymizer.gateway.exporters import ExportResult
from otel_anonymizer.gateway.processing import ProcessingPool
from otel_anonymizer.gateway.settings import PipelineConfig, Signal
from otel_anonymizer.gateway.telemetry import Telemetry

_logger = logging.getLogger(__name__)


class Pipeline:
    """One `service.pipelines` entry, running."""

    def __init__(
        self,
        config: PipelineConfig,
        pool: ProcessingPool,
        deliveries: Sequence[Delivery],
        telemetry: Telemetry,
    ) -> None:
        self.config = config
        self.pool = pool
        self.deliveries = deliveries
        self.telemetry = telemetry

    async def consume(
        self, encoding: Encoding, body: bytes, deadline: float | None
    ) -> ExportResult:
        """Process one request body and deliver it; raises `GatewayError` for the client."""
        name, signal = self.config.name, self.config.signal
        processed = await self.pool.process(name, signal, encoding, body)
        stats = processed.stats
        self.telemetry.add("received_items_total", stats.items, pipeline=name)
        if self.config.processors:
            self.telemetry.add("anonymized_items_total", stats.items, pipeline=name)
            self.telemetry.add("redacted_values_total", stats.redacted, pipeline=name)
        for (anonymizer, _reason), count in processed.failures.items():
            self.telemetry.add("anonymization_failures_total", count, anonymizer=anonymizer)
        for detector, count in processed.redactions.items():
            self.telemetry.add("redactions_total", count, detector=detector)
        if stats.items == 0:
            return ExportResult()
        results = await asyncio.gather(
            *(
                delivery.deliver(signal, processed.payload, stats.items, deadline)
                for delivery in self.deliveries
            ),
            return_exceptions=True,
        )
        return _combine(results)


def _combine(results: Sequence[ExportResult | BaseException]) -> ExportResult:
    """One answer for several exporters (or pipelines): any error wins over success."""
    errors = [result for result in results if isinstance(result, BaseException)]
    for error in errors:
        if isinstance(error, GatewayError):
            raise error
    for error in errors:
        if isinstance(error, asyncio.CancelledError):
            raise error
        _logger.error("delivery failed unexpectedly: %s", type(error).__name__)
        raise Unavailable("internal error while delivering; retry", retry_after=1.0)
    successes = [result for result in results if isinstance(result, ExportResult)]
    rejected = max((result.rejected for result in successes), default=0)
    message = "; ".join(result.message for result in successes if result.message)
    return ExportResult(rejected, message)


class Router:
    """Finds the pipelines for a receiver and signal, and combines their answers."""

    def __init__(self, pipelines: Sequence[Pipeline], telemetry: Telemetry) -> None:
        self.pipelines = pipelines
        self.telemetry = telemetry

    def accepts(self, receiver: str, signal: Signal) -> bool:
        """Whether any pipeline takes this signal from this receiver."""
        return bool(self._targets(receiver, signal))

    def _targets(self, receiver: str, signal: Signal) -> list[Pipeline]:
        return [
            pipeline
            for pipeline in self.pipelines
            if pipeline.config.signal == signal and receiver in pipeline.config.receivers
        ]

    async def consume(
        self,
        receiver: str,
        signal: Signal,
        encoding: Encoding,
        body: bytes,
        deadline: float | None = None,
    ) -> ExportResult:
        """Run the request through its pipelines; raise `GatewayError` on refusal."""
        self.telemetry.add("received_requests_total", receiver=receiver, signal=signal)
        targets = self._targets(receiver, signal)
        results = await asyncio.gather(
            *(pipeline.consume(encoding, body, deadline) for pipeline in targets),
            return_exceptions=True,
        )
        return _combine(results)

    def rejected(self, receiver: str, error: GatewayError) -> None:
        """Count a refused request; receivers call it for every error they answer."""
        self.telemetry.add("rejected_requests_total", receiver=receiver, reason=error.reason)
