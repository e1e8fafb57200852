"""What every exporter does: one attempt to hand a protobuf request to its destination.

An attempt either succeeds (possibly with a partial success from the upstream), fails
in a way worth retrying (`RetryableExport`, with the upstream's retry hint if it gave
one), or fails for good (`PermanentExport`). Retrying, backoff and queueing live in
`delivery`, the same for every exporter.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from otel_anonymizer.gateway.settings import Signal


@dataclass(frozen=True)
class ExportResult:
    """A successful attempt; `rejected` items the upstream reported as partial success."""

    rejected: int = 0
    message: str = ""


class RetryableExport(Exception):
    """The upstream is unavailable, overloaded or slow; `retry_after` is its hint."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason, retry_after)
        self.reason = reason
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


class PermanentExport(Exception):
    """The upstream refused the request in a way that retrying it as is will not fix.

    `data_refused` says the upstream found the data itself invalid or too large; otherwise
    the gateway's own setup is wrong (credentials, URL), which an operator can fix.
    """

    def __init__(self, reason: str, data_refused: bool) -> None:
        super().__init__(reason, data_refused)
        self.reason = reason
        self.data_refused = data_refused

    def __str__(self) -> str:
        return self.reason


class Exporter(abc.ABC):
    """Sends serialized OTLP export requests somewhere."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def start(self) -> None:  # noqa: B027 (optional hook)
        """Open connections; called once before the first export."""

    @abc.abstractmethod
    async def export(self, signal: Signal, payload: bytes) -> ExportResult:
        """One attempt; raises `RetryableExport` or `PermanentExport` on failure."""

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections; called once at shutdown."""
