"""How a request gets to an exporter: synchronously, or through the durable queue.

The two no-loss modes of `sending_queue`:

- `SyncDelivery` (no `sending_queue`, or `enabled: false`): the client is answered only
  after the upstream accepted. Retryable failures are retried with exponential backoff
  (`retry_on_failure`, honouring the upstream's retry hints) until `max_elapsed_time` or
  the client's deadline; then the client gets a retryable error (503 / `UNAVAILABLE`
  with a retry hint) and keeps the data.
- `QueuedDelivery` (`sending_queue` with `storage` or `directory`): the sanitized
  request is fsynced to disk before the client is answered; consumers deliver it in the
  background, retrying retryable failures without a time limit (dropping would break
  the promise made to the client), and delete it once accepted. A full queue answers
  429 / `RESOURCE_EXHAUSTED` with a retry hint.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import math
import random
import time

from otel_anonymizer.gateway.errors import BadRequest, Overloaded, Unavailable
from otel_anonymizer.gateway.exporters import (
    Exporter,
    ExportResult,
    PermanentExport,
    RetryableExport,
)
from otel_anonymizer.gateway.queue import DiskQueue, QueuedRequest
from otel_anonymizer.gateway.settings import QueueConfig, RetryConfig, Signal
from otel_anonymizer.gateway.telemetry import Telemetry

_logger = logging.getLogger(__name__)
#: Retry hint given to clients when the gateway itself cannot tell when to come back.
DEFAULT_RETRY_AFTER = 1.0


#: The least a queue consumer waits after an unexpected error (no busy loop).
_MIN_ERROR_PAUSE = 0.1
#: The least any retry waits (an interval of 0 and `Retry-After: 0` hammered the
#: upstream thousands of times a second).
_MIN_RETRY_PAUSE = 0.05


class Backoff:
    """Exponential backoff with jitter; a retry hint from the upstream is a lower bound."""

    def __init__(self, retry: RetryConfig) -> None:
        self.retry = retry
        self._interval = retry.initial_interval

    def next_delay(self, hint: float | None) -> float:
        factor = self.retry.randomization_factor
        delay = self._interval * (1 + factor * (2 * random.random() - 1))
        self._interval = min(self._interval * self.retry.multiplier, self.retry.max_interval)
        return max(delay, hint or 0.0, _MIN_RETRY_PAUSE)  # hints bounded where read


class Delivery(abc.ABC):
    """Hands requests of one pipeline to one exporter."""

    def __init__(self, exporter: Exporter, retry: RetryConfig, telemetry: Telemetry) -> None:
        self.exporter = exporter
        self.retry = retry
        self.telemetry = telemetry
        self._closing_at = math.inf  # when the receivers' grace ends, once stopping

    async def start(self) -> None:
        await self.exporter.start()

    def closing(self, grace: float) -> None:
        """The gateway is stopping: requests in flight must be answered within `grace`
        seconds, so no retry is started that would end later."""
        self._closing_at = time.monotonic() + grace

    @abc.abstractmethod
    async def deliver(
        self, signal: Signal, payload: bytes, items: int, deadline: float | None
    ) -> ExportResult:
        """Take responsibility for the request, or raise a `GatewayError` for the client.

        `deadline` is the client's, on the `time.monotonic()` clock, when it sent one.
        """

    async def stop(self, drain_timeout: float) -> None:
        await self.exporter.close()

    def _exported(self, items: int, result: ExportResult) -> None:
        name = self.exporter.name
        rejected = min(result.rejected, items)  # an upstream may say more than it got
        self.telemetry.add("exported_items_total", items - rejected, exporter=name)
        if rejected:
            self.telemetry.add("failed_items_total", rejected, exporter=name)


class SyncDelivery(Delivery):
    """Answers the client only once the upstream accepted."""

    async def deliver(
        self, signal: Signal, payload: bytes, items: int, deadline: float | None
    ) -> ExportResult:
        name = self.exporter.name
        limit = self.retry.max_elapsed_time or math.inf
        end = min(time.monotonic() + limit, deadline or math.inf)
        backoff = Backoff(self.retry)
        while True:
            try:
                result = await self.exporter.export(signal, payload)
            except RetryableExport as error:
                delay = backoff.next_delay(error.retry_after)
                if not self.retry.enabled or time.monotonic() + delay > min(end, self._closing_at):
                    raise Unavailable(
                        f"exporter {name}: upstream unavailable ({error})",
                        retry_after=error.retry_after or DEFAULT_RETRY_AFTER,
                    ) from None
                self.telemetry.add("export_retries_total", exporter=name)
                await asyncio.sleep(delay)
                continue
            except PermanentExport as error:
                self.telemetry.add("failed_items_total", items, exporter=name)
                if error.data_refused:
                    raise BadRequest(
                        f"exporter {name}: upstream refused the data ({error})"
                    ) from None
                raise Unavailable(
                    f"exporter {name}: upstream refused the request ({error})",
                    retry_after=self.retry.max_interval,
                ) from None
            self._exported(items, result)
            return result


class QueuedDelivery(Delivery):
    """Persists requests to a `DiskQueue`; consumers deliver them in the background."""

    def __init__(
        self, exporter: Exporter, retry: RetryConfig, queue: QueueConfig, telemetry: Telemetry
    ) -> None:
        super().__init__(exporter, retry, telemetry)
        self.config = queue
        self.queue = DiskQueue(queue.directory, queue.queue_size, queue.legacy_directory)
        self._consumers: list[asyncio.Task[None]] = []
        telemetry.gauge("queue_size", lambda: float(len(self.queue)), exporter=exporter.name)

    async def start(self) -> None:
        await super().start()
        recovered = await asyncio.to_thread(self.queue.open)
        if recovered:
            _logger.info(
                "exporter %s: %d queued requests found on disk, resending",
                self.exporter.name,
                recovered,
            )
        self._consumers = [
            asyncio.create_task(self._consume(), name=f"{self.exporter.name}-consumer-{index}")
            for index in range(self.config.num_consumers)
        ]

    async def deliver(
        self, signal: Signal, payload: bytes, items: int, deadline: float | None
    ) -> ExportResult:
        if not self.queue.reserve():
            raise Overloaded(
                f"exporter {self.exporter.name}: sending queue is full",
                retry_after=max(DEFAULT_RETRY_AFTER, self.retry.initial_interval),
            )
        await self.queue.put(signal, payload, items)
        return ExportResult()

    async def _consume(self) -> None:
        """Send queued requests until cancelled. An unexpected error is logged and the
        consumer goes on: a dead one would leave accepted requests on disk unsent."""
        while True:
            try:
                await self._consume_one()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                _logger.error(
                    "exporter %s: a queue consumer failed (%s); it goes on",
                    self.exporter.name,
                    type(error).__name__,
                )
                await asyncio.sleep(max(self.retry.initial_interval, _MIN_ERROR_PAUSE))

    async def _consume_one(self) -> None:
        request, payload = await self.queue.take()
        try:
            result = await self._send(request, payload)
        except BaseException:  # cancelled, or an error: still on disk, sent again later
            await self.queue.release(request)
            raise
        # Counted first: a shutdown may cancel this task while the file is removed.
        if result is None:
            self.telemetry.add("failed_items_total", request.items, exporter=self.exporter.name)
            await asyncio.shield(self.queue.fail(request))
        else:
            self._exported(request.items, result)
            await asyncio.shield(self.queue.ack(request))

    async def _send(self, request: QueuedRequest, payload: bytes) -> ExportResult | None:
        """Retry until the upstream accepts (the result) or refuses for good (None)."""
        name = self.exporter.name
        backoff = Backoff(self.retry)
        while True:
            try:
                return await self.exporter.export(request.signal, payload)
            except RetryableExport as error:
                self.telemetry.add("export_retries_total", exporter=name)
                await asyncio.sleep(backoff.next_delay(error.retry_after))
            except PermanentExport as error:
                _logger.error(
                    "exporter %s: upstream refused a queued request (%s); kept in %s",
                    name,
                    error,
                    self.queue.directory / "failed",
                )
                return None

    async def stop(self, drain_timeout: float) -> None:
        """Deliver what is queued for up to `drain_timeout` s; the rest stays on disk."""
        end = time.monotonic() + drain_timeout
        while len(self.queue) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        for consumer in self._consumers:
            consumer.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)
        await super().stop(drain_timeout)
