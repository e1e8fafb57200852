"""The durable queue's promise, tested on a real process: SIGKILL loses nothing accepted.

The gateway runs as `python -m otel_anonymizer.gateway serve`; the upstream refuses
everything while the SDK's exporters send, so every accepted span exists only in the
gateway's queue directory when the gateway is killed with SIGKILL. A new gateway on the
same directory, with the upstream back, must deliver every one of them; SIGTERM then
stops it cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from opentelemetry.sdk.trace.export import SpanExportResult

from otel_anonymizer.gateway.settings import Endpoint
from tests.gateway.conftest import EMAIL_CANARY, GatewayAddresses, gateway_config
from tests.gateway.sdk_clients import make_spans, span_exporter
from tests.gateway.upstream import Upstream

ROOT = Path(__file__).resolve().parents[2]


class GatewayProcess:
    """A gateway subprocess; its addresses are read from its `listening on` log lines."""

    def __init__(self, config_path: Path) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "otel_anonymizer.gateway",
                "serve",
                "--config",
                str(config_path),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip())
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<exited>")
            self._changed.notify_all()

    def wait_for_line(self, text: str, timeout: float = 30) -> None:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line or line == "<exited>" for line in self.lines), timeout
            )
            if not found or not any(text in line for line in self.lines):
                raise AssertionError(f"gateway never logged {text!r}:\n" + "\n".join(self.lines))

    def ready(self) -> GatewayAddresses:
        """Wait for start-up; a handle usable by the SDK client helpers."""
        self.wait_for_line("gateway ready")
        addresses = {}
        for line in self.lines:
            if " listening on " in line:
                name, address = line.split(": ", 1)[1].split(" listening on ")
                host, port = address.rsplit(":", 1)
                addresses[name] = Endpoint(host, int(port))
        return GatewayAddresses(addresses)


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux `/proc`)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def write_config(path: Path, config: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def test_sigkill_after_success_loses_nothing(upstream: Upstream, tmp_path: Path) -> None:
    queue = tmp_path / "queue"
    config = write_config(
        tmp_path / "gateway.yaml", gateway_config(upstream, queue_dir=str(queue), workers=1)
    )
    upstream.down = True
    first = GatewayProcess(config)
    try:
        handle = first.ready()
        batches = [make_spans(5, prefix=f"b{index}") for index in range(10)]
        exporters = [span_exporter(handle, "http"), span_exporter(handle, "grpc")]
        for index, batch in enumerate(batches):
            assert exporters[index % 2].export(batch) == SpanExportResult.SUCCESS
    finally:
        workers = children(first.process.pid)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    for exporter in exporters:
        exporter.shutdown()
    # Its anonymizer workers notice the gateway is gone and exit: no orphans.
    assert workers
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
    stored = [path for path in queue.iterdir() if path.is_file()]
    assert len(stored) == 10
    assert not any(EMAIL_CANARY.encode() in path.read_bytes() for path in stored)
    assert upstream.spans() == []

    upstream.down = False
    second = GatewayProcess(config)
    try:
        second.ready()
        sent = {span.context.span_id.to_bytes(8, "big") for batch in batches for span in batch}
        upstream.wait_for_spans(len(sent), timeout=30)
        assert {span.span_id for span in upstream.spans()} == sent
    finally:
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(30) == 0
    second.wait_for_line("stopped")
    assert not [path for path in queue.iterdir() if path.is_file()]


def test_bad_config_exits_2_with_the_key_path(tmp_path: Path) -> None:
    config = gateway_config(None)
    config["exporters"]["otlphttp"]["compression"] = "lz4"
    path = write_config(tmp_path / "bad.yaml", config)
    result = subprocess.run(
        [sys.executable, "-m", "otel_anonymizer.gateway", "serve", "--config", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "exporters.otlphttp.compression: invalid value 'lz4'; valid choices: gzip, none" in (
        result.stderr
    )
