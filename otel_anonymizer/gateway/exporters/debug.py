"""The `debug` exporter: sanitized requests as JSON lines, to a file or stdout.

What it writes is what an upstream would receive, so it shows what the anonymizers did.
`verbosity: basic` writes one summary line per request (signal and item count);
`normal` and `detailed` write the whole request as OTLP JSON (hex ids), one line each.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from otel_anonymizer.gateway.codec import parse_request, to_json
from otel_anonymizer.gateway.exporters.base import Exporter, ExportResult
from otel_anonymizer.gateway.otlp import count_items
from otel_anonymizer.gateway.settings import ExporterConfig, Signal


class DebugExporter(Exporter):
    """Formats off the event loop; lines from concurrent requests never interleave."""

    def __init__(self, config: ExporterConfig) -> None:
        super().__init__(config.name)
        self.config = config
        self._stream: TextIO = sys.stdout
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        if self.config.path:
            self._stream = open(self.config.path, "a", encoding="utf-8")  # noqa: SIM115

    async def export(self, signal: Signal, payload: bytes) -> ExportResult:
        async with self._lock:
            await asyncio.to_thread(self._write, signal, payload)
        return ExportResult()

    def _write(self, signal: Signal, payload: bytes) -> None:
        request = parse_request(signal, "proto", payload)
        if self.config.verbosity == "basic":
            line = json.dumps({"signal": signal, "items": count_items(request)})
        else:
            line = to_json(request, signal).decode()
        self._stream.write(line + "\n")
        self._stream.flush()

    async def close(self) -> None:
        if self._stream is not sys.stdout:
            self._stream.close()
