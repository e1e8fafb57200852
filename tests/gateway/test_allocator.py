"""The gateway's processes keep freed memory for the next request (`tune_allocator`).

Without it, glibc hands the copies of each large request body back to the kernel and
faults them in again for the next one. The tests count page faults (`ru_minflt`, and
`/proc` for worker processes): each runs the same work with the tuning and without it,
so they show both that the work faults without it and that it does not with it.
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from otel_anonymizer.gateway.processing import ProcessingPool
from tests.gateway.conftest import gateway_config
from tests.gateway.test_kill_restart import GatewayProcess, write_config
from tests.gateway.test_processing import request
from tests.gateway.upstream import Upstream

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or platform.libc_ver()[0] != "glibc",
    reason="page faults are read from /proc; the tuning is glibc's",
)

#: Allocates and frees four 1 MiB buffers (each written through) per round, as a
#: gateway does with copies of request bodies; prints whether the allocator was tuned
#: and the page faults per round, once warm.
ROUNDS = """
import resource, sys
from otel_anonymizer.gateway.allocator import tune_allocator
print(tune_allocator() if sys.argv[1] == "tuned" else None)
def rounds(count):
    for _ in range(count):
        blocks = [b"x" * (1 << 20) for _ in range(4)]
        del blocks
rounds(5)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
rounds(50)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50)
"""


def run_rounds(mode: str, tunables: str | None = None) -> tuple[str, float]:
    environ = {key: value for key, value in os.environ.items() if key != "GLIBC_TUNABLES"}
    if tunables is not None:
        environ["GLIBC_TUNABLES"] = tunables
    output = subprocess.run(
        [sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True, env=environ
    )
    assert output.returncode == 0, output.stderr
    tuned, faults = output.stdout.split()
    return tuned, float(faults)


def test_freed_request_buffers_stay_in_the_process() -> None:
    assert run_rounds("plain")[1] > 500  # about 1,000: each round faults its 4 MiB again
    assert run_rounds("tuned") == ("True", 0.0)


def test_the_users_own_allocator_tunables_win() -> None:
    tuned, faults = run_rounds("tuned", tunables="glibc.malloc.trim_threshold=0")
    assert tuned == "False" and faults > 500
    # Tunables of other parts of glibc do not count as tuning the allocator.
    assert run_rounds("tuned", tunables="glibc.cpu.hwcap_mask=0") == ("True", 0.0)


def children_faults() -> int:
    """Page faults so far of this process's children (the pool's worker among them)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            total += int(fields[7])
    return total


def worker_faults_per_request(body: bytes) -> float:
    pool = ProcessingPool({"anonymized": [{"detectors": "default"}]}, {}, workers=1)

    async def run() -> float:
        await pool.start()
        for _ in range(5):
            await pool.process("anonymized", "traces", "proto", body)
        before = children_faults()
        for _ in range(20):
            processed = await pool.process("anonymized", "traces", "proto", body)
            assert b"jane.roe@example.org" not in processed.payload
        return (children_faults() - before) / 20

    try:
        return asyncio.run(run())
    finally:
        pool.close()


def test_worker_processes_are_tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    body = request("Write to jane.roe@example.org. " + "Lorem ipsum dolor. " * 60_000)
    serialized = body.SerializeToString()  # 1.1 MB
    assert worker_faults_per_request(serialized) < 200  # 0-25 measured
    # The same requests, in a worker whose allocator the user tuned to trim at once.
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert worker_faults_per_request(serialized) > 1000  # about 4,750 measured


def gateway_faults_per_request(body: bytes, upstream: Upstream, directory: Path) -> float:
    """Page faults of a `serve` process per request it receives over OTLP/HTTP and
    forwards to `upstream` (its worker's not counted)."""
    config = write_config(directory / "gateway.yaml", gateway_config(upstream, workers=1))
    gateway = GatewayProcess(config)
    try:
        url = gateway.ready().http_url + "/v1/traces"

        def send(count: int) -> None:
            for _ in range(count):
                post = urllib.request.Request(url, body, {"Content-Type": "application/x-protobuf"})
                with urllib.request.urlopen(post, timeout=30) as response:
                    assert response.status == 200

        send(5)
        stat = Path(f"/proc/{gateway.process.pid}/stat")
        before = int(stat.read_text().rsplit(")", 1)[1].split()[7])
        send(20)
        faults = int(stat.read_text().rsplit(")", 1)[1].split()[7]) - before
    finally:
        gateway.process.send_signal(signal.SIGTERM)
        assert gateway.process.wait(30) == 0
    return faults / 20


def test_the_gateway_process_is_tuned(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = request("Write to jane.roe@example.org. " + "Lorem ipsum dolor. " * 60_000)
    serialized = body.SerializeToString()
    assert gateway_faults_per_request(serialized, upstream, tmp_path) < 200  # about 15 measured
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert gateway_faults_per_request(serialized, upstream, tmp_path) > 1000  # about 2,300
    spans = upstream.spans()
    assert len(spans) == 50  # every request arrived, anonymized
    assert all(
        span.attributes[0].value.string_value.startswith("Write to [EMAIL]") for span in spans
    )
