"""Throughput and added latency of the gateway: anonymizing vs pass-through.

Run:  python benchmarks/bench_gateway.py [--requests 1000] [--spans 32] [--concurrency 8]
                                         [--workers 2] [--anonymizer default|seed]
                                         [--rounds 5] [--system-prompts 0]

Starts the gateway in turns as a subprocess (`python -m otel_anonymizer.gateway serve`),
once with the anonymizer processor and once as a pass-through (no processor), each time
with `--workers` anonymizer processes (default 2: both cores) and the OTLP/gRPC exporter
pointing at a sink in this process that accepts everything. Requests are the realistic
LLM spans of `bench_adapters.py` (about 5 KB of message text each, 1 in 4 with PII),
pre-serialized, sent over OTLP/gRPC by an asyncio client. No request is sent twice
(warm-up, load and latency requests are all different spans): the anonymizer caches
what numeric runs hold, and repeating requests would measure that cache rather than
traffic, in which only parts of texts recur. By default every span's system prompt is
its own too; `--system-prompts N` sends the system instructions as applications do, one
of N fixed texts in `gen_ai.system_instructions` (the text screen remembers long texts
it found clean twice, so these cost a comparison).

- throughput: `--requests` requests, `--concurrency` in flight, spans per second; the
  two configurations take turns for `--rounds` rounds (each with a fresh gateway), and
  the ratio printed is the median of the rounds' ratios, with their range;
- latency: one request at a time, p50 and p99 per request, and what anonymization adds;
- where the time goes: the CPU cost per span of one worker's job (parse, anonymize,
  serialize) in this process, for both configurations; and, on Linux, the CPU each
  process spent per span under load (the gateway process, its workers together, and
  this process's client and sink), and the page faults of the gateway and its workers
  per request (memory handed back to the kernel and faulted in again), medians of the
  rounds.

Anonymization uses the built-in default detector set (`--anonymizer default`, the
configuration the project's target is about) or the seed's four PII regex rules alone
(`--anonymizer seed`). Everything runs on this machine, so the client and the sink
compete with the gateway for the same cores, equally in both runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import grpc
import grpc.aio
import yaml
from bench_adapters import SEED_RULES, make_spans
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from otel_anonymizer.gateway.processing import Worker

ROOT = Path(__file__).resolve().parents[1]
METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def _identity(data: bytes) -> bytes:
    return data


class Sink:
    """An OTLP/gRPC trace receiver that accepts and counts (the fastest possible backend)."""

    def __init__(self) -> None:
        self.requests = 0
        self.server = grpc.aio.server(options=[("grpc.max_receive_message_length", 64 << 20)])
        handler = grpc.unary_unary_rpc_method_handler(self._export)
        self.server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    "opentelemetry.proto.collector.trace.v1.TraceService", {"Export": handler}
                ),
            )
        )
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    async def _export(self, request: bytes, context: Any) -> bytes:
        self.requests += 1
        return b""


ANONYMIZERS: dict[str, dict[str, Any]] = {
    "default": {"detectors": "default"},
    "seed": {"detectors": "none", "rules": SEED_RULES},
}


def gateway_config(
    sink_port: int, anonymize: bool, workers: int, anonymizer: str
) -> dict[str, Any]:
    pipeline: dict[str, Any] = {"receivers": ["otlp"], "exporters": ["otlp"]}
    if anonymize:
        pipeline["processors"] = ["anonymizer"]
    return {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:0"}}}},
        "processors": {"anonymizer": ANONYMIZERS[anonymizer]},
        "exporters": {
            "otlp": {
                "endpoint": f"127.0.0.1:{sink_port}",
                "tls": {"insecure": True},
                "compression": "none",
            }
        },
        "service": {
            "workers": workers,
            "telemetry": {"metrics": {"level": "none"}},
            "pipelines": {"traces": pipeline},
        },
    }


def start_gateway(config: dict[str, Any], directory: Path) -> tuple[subprocess.Popen[str], str]:
    """The gateway process and its gRPC address (read from its `listening on` log line)."""
    path = directory / "gateway.yaml"
    path.write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [sys.executable, "-m", "otel_anonymizer.gateway", "serve", "--config", str(path)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    address = ""
    deadline = time.monotonic() + 60
    for line in process.stderr:
        if "otlp/grpc listening on " in line:
            address = line.rsplit(" ", 1)[1].strip()
        if "gateway ready" in line or time.monotonic() > deadline:
            break
    if not address:
        process.kill()
        raise RuntimeError("the gateway did not start")
    return process, address


async def run_load(address: str, bodies: list[bytes], total: int, concurrency: int) -> float:
    """Seconds to send `total` requests with `concurrency` in flight."""
    async with grpc.aio.insecure_channel(
        address, options=[("grpc.max_send_message_length", 64 << 20)]
    ) as channel:
        call = channel.unary_unary(
            METHOD, request_serializer=_identity, response_deserializer=_identity
        )
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for index in range(total):
            queue.put_nowait(bodies[index % len(bodies)])

        async def client() -> None:
            while not queue.empty():
                await call(queue.get_nowait(), timeout=60)

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return time.perf_counter() - start


async def run_latency(address: str, bodies: list[bytes], count: int) -> list[float]:
    """Seconds per request, one request at a time."""
    async with grpc.aio.insecure_channel(address) as channel:
        call = channel.unary_unary(
            METHOD, request_serializer=_identity, response_deserializer=_identity
        )
        timings = []
        for index in range(count):
            start = time.perf_counter()
            await call(bodies[index % len(bodies)], timeout=60)
            timings.append(time.perf_counter() - start)
        return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Round(NamedTuple):
    """One configuration's run through a fresh gateway."""

    spans_per_second: float
    latencies: list[float]  # seconds per request, one at a time
    cpu: dict[str, float]  # CPU seconds under load by process kind (empty without /proc)
    faults: dict[str, int]  # page faults under load, of the gateway and of its workers


class Usage(NamedTuple):
    """What the processes used so far: CPU seconds by process kind (the gateway
    process, its children the workers together, this process's client and sink), and
    page faults (the gateway's and the workers'). Empty without /proc."""

    cpu: dict[str, float]
    faults: dict[str, int]


def usage(gateway: int) -> Usage:
    """The gateway's, its workers' and this process's use so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def stat(pid: str) -> tuple[int, float, int] | None:
        try:
            with open(f"/proc/{pid}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks, int(fields[7])

    if not os.path.isdir("/proc"):
        return Usage({}, {})
    seconds = {"gateway": 0.0, "workers": 0.0, "client and sink": time.process_time()}
    faults = {"gateway": 0, "workers": 0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        found = stat(pid)
        if found is None:
            continue
        kind = "gateway" if int(pid) == gateway else "workers" if found[0] == gateway else ""
        if kind:
            seconds[kind] += found[1]
            faults[kind] += found[2]
    return Usage(seconds, faults)


async def run_gateway(
    config: dict[str, Any], args: argparse.Namespace, bodies: dict[str, list[bytes]]
) -> Round:
    """Start a gateway with `config`, warm it up, load it, then time single requests."""
    with tempfile.TemporaryDirectory() as directory:
        process, address = start_gateway(config, Path(directory))
        try:
            warm_up = bodies["warm-up"]
            await run_load(address, warm_up, len(warm_up), args.concurrency)
            before = usage(process.pid)
            seconds = await run_load(address, bodies["load"], args.requests, args.concurrency)
            after = usage(process.pid)
            latencies = await run_latency(address, bodies["latency"], args.latency_requests)
        finally:
            process.terminate()
            process.wait(60)
    cpu = {kind: after.cpu[kind] - before.cpu[kind] for kind in after.cpu}
    faults = {kind: after.faults[kind] - before.faults[kind] for kind in after.faults}
    return Round(args.requests * args.spans / seconds, latencies, cpu, faults)


async def measure(
    args: argparse.Namespace, bodies: dict[str, list[bytes]]
) -> dict[str, list[Round]]:
    """Per mode, one `Round` per round; the modes take turns in each round, so a slow
    phase of the machine weighs on both alike."""
    sink = Sink()
    await sink.server.start()
    results: dict[str, list[Round]] = {"pass-through": [], "anonymizing": []}
    try:
        for _ in range(args.rounds):
            for mode, rounds in results.items():
                anonymize = mode == "anonymizing"
                config = gateway_config(sink.port, anonymize, args.workers, args.anonymizer)
                rounds.append(await run_gateway(config, args, bodies))
    finally:
        await sink.server.stop(0)
    return results


def worker_cost(config: dict[str, Any], bodies: list[bytes], spans: int) -> float:
    """Microseconds of one worker's CPU per span, for the pipeline in `config`."""
    processors = config["service"]["pipelines"]["traces"].get("processors", [])
    worker = Worker({"traces": [config["processors"][name] for name in processors]}, {})
    start = time.process_time()
    for body in bodies:
        worker.process("traces", "traces", "proto", body)
    return (time.process_time() - start) / (len(bodies) * spans) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Runs shorter than a few seconds gave ratios 0.1 apart from one round to the next.
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--spans", type=int, default=32, help="spans per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--anonymizer", default="default", choices=sorted(ANONYMIZERS))
    parser.add_argument("--rounds", type=int, default=5, help="pass-through/anonymizing pairs")
    parser.add_argument(
        "--system-prompts",
        type=int,
        default=0,
        help="0: nothing recurs (the target's workload); N: system instructions are one of "
        "N fixed texts, as applications send them",
    )
    args = parser.parse_args()

    def requests(count: int, seed: int) -> list[bytes]:
        spans = make_spans(count * args.spans, seed=seed, system_prompts=args.system_prompts)
        return [
            encode_spans(spans[index : index + args.spans]).SerializeToString()
            for index in range(0, len(spans), args.spans)
        ]

    bodies = {
        "warm-up": requests(16, seed=101),
        "load": requests(args.requests, seed=102),
        "latency": requests(args.latency_requests, seed=103),
    }
    costs = {
        mode: worker_cost(
            gateway_config(0, mode == "anonymizing", 1, args.anonymizer),
            bodies["load"],
            args.spans,
        )
        for mode in ("pass-through", "anonymizing")
    }
    results = asyncio.run(measure(args, bodies))
    size = sum(map(len, bodies["load"])) / len(bodies["load"]) / 1024
    print(
        f"{args.requests} requests of {args.spans} spans ({size:.0f} KB each), "
        f"concurrency {args.concurrency}, {args.workers} workers, anonymizer={args.anonymizer}, "
        f"{args.rounds} rounds, system prompts {args.system_prompts or 'all different'}"
    )
    print(f"{'gateway':<16}{'spans/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'worker us/span':>16}")
    summary = {}
    for name, rounds in results.items():
        latencies = [latency for result in rounds for latency in result.latencies]
        summary[name] = (
            statistics.median(result.spans_per_second for result in rounds),
            percentile(latencies, 0.50) * 1000,
            percentile(latencies, 0.99) * 1000,
        )
        rate, p50, p99 = summary[name]
        print(f"{name:<16}{rate:>10.0f}{p50:>9.1f}{p99:>9.1f}{costs[name]:>16.1f}")
    ratios = [
        anonymized.spans_per_second / plain.spans_per_second
        for plain, anonymized in zip(results["pass-through"], results["anonymizing"], strict=True)
    ]
    print(
        f"throughput ratio anonymizing / pass-through: {statistics.median(ratios):.2f}x "
        f"(median of rounds; range {min(ratios):.2f}-{max(ratios):.2f}; target >= 0.70x)"
    )
    plain, anonymized = summary["pass-through"], summary["anonymizing"]
    print(
        f"added latency per request: p50 {anonymized[1] - plain[1]:.1f} ms, "
        f"p99 {anonymized[2] - plain[2]:.1f} ms"
    )
    spans = args.requests * args.spans
    for name, rounds in results.items():
        if rounds[0].cpu:
            parts = ", ".join(
                f"{kind} {statistics.median(r.cpu[kind] for r in rounds) / spans * 1e6:.1f}"
                for kind in rounds[0].cpu
            )
            print(f"CPU us per span under load, {name}: {parts}")
            parts = ", ".join(
                f"{kind} {statistics.median(r.faults[kind] for r in rounds) / args.requests:.1f}"
                for kind in rounds[0].faults
            )
            print(f"page faults per request under load, {name}: {parts}")


if __name__ == "__main__":
    main()
