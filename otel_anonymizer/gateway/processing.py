"""Parsing and anonymizing requests off the event loop, in a pool of worker processes.

Anonymization is CPU-bound Python: run on the event loop, it would stall every receiver;
run in threads, the GIL would keep it on one core. So each request's body goes, as
bytes, to a `ProcessPoolExecutor` whose workers rebuild the anonymizers from the
configuration's plain option mappings (and the environment they were checked against,
for `hash_key_env`) once, in their initializer. A worker parses the body (which also
validates it), anonymizes it per pipeline, and returns the serialized result and its
counts (items, values changed, anonymizer failures and detections by detector, which
live in the worker process and travel back with each result). A result the gateway
process can make from the body it holds does not travel back (`Processed.compact`): a
body as it came (a pass-through, a request with nothing to anonymize), or one where the
anonymizer wrote new texts into the bytes, of which only a patch travels back (the new
texts, and the ranges of the body between them: the gateway process makes the new body
by copying, `prescreen.apply_patch`).
`workers: 0` runs the same code on one thread of this process (with its own `Worker`),
for tests and debugging.

A worker anonymizes each request within a time budget (`service.anonymization_timeout`):
values it has not scanned when the budget runs out are replaced by the placeholder,
so a request built to be slow costs a worker seconds, not minutes.

Workers are started with `spawn`: forking a process that runs gRPC threads is unsafe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any

from otel_anonymizer.config import anonymizers_from_options
from otel_anonymizer.detectors.budget import time_budget
from otel_anonymizer.failures import failure_counts
from otel_anonymizer.gateway.allocator import tune_allocator
from otel_anonymizer.gateway.codec import Encoding, parse_request
from otel_anonymizer.gateway.errors import Unavailable
from otel_anonymizer.gateway.otlp import OtlpSanitizer, Stats, count_items
from otel_anonymizer.gateway.prescreen import apply_patch
from otel_anonymizer.gateway.settings import DEFAULT_ANONYMIZATION_TIMEOUT, Signal
from otel_anonymizer.pii import REDACTIONS
from otel_anonymizer.sanitizer import Sanitizer

#: Per pipeline, the option mappings of its anonymizer processors (in order).
PipelineOptions = Mapping[str, Sequence[Mapping[str, Any]]]


@dataclass
class Processed:
    """One request after a pipeline's processors: what to export, and the counts."""

    payload: bytes  # protobuf, ready for every exporter
    stats: Stats
    failures: dict[tuple[str, str], int] = field(default_factory=dict)  # new anonymizer failures
    redactions: dict[str, int] = field(default_factory=dict)  # new detections, by detector
    # From a worker process, which does not send back what the gateway process can make
    # from the body it holds: the payload is the body as it came, or the body this
    # patch of it makes (`prescreen.apply_patch`); `payload` is empty then.
    as_received: bool = False
    patch: bytes | None = None

    def compact(self, body: bytes) -> Processed:
        """This result as a worker process sends it back, for the request `body`."""
        if self.payload is body:
            return replace(self, payload=b"", as_received=True)
        if self.patch is not None:
            return replace(self, payload=b"")
        return self

    def restore(self, body: bytes) -> Processed:
        """This result with its payload, as the gateway process makes it from the
        request `body` it sent (the reverse of `compact`)."""
        if self.as_received:
            return replace(self, payload=body, as_received=False)
        if self.patch is not None:
            try:
                payload = apply_patch(body, self.patch)
            except ValueError:  # not made from this body: never
                raise Unavailable("an anonymized request could not be rebuilt; retry") from None
            return replace(self, payload=payload, patch=None)
        return self


class Worker:
    """The per-process state: one `OtlpSanitizer` per pipeline that has processors."""

    def __init__(
        self,
        options: PipelineOptions,
        environ: Mapping[str, str],
        budget: float = DEFAULT_ANONYMIZATION_TIMEOUT,
    ) -> None:
        self.budget = budget  # seconds per request
        self.adapters: dict[str, OtlpSanitizer | None] = {}
        for pipeline, processors in options.items():
            anonymizers = [
                anonymizer
                for index, processor in enumerate(processors)
                for anonymizer in anonymizers_from_options(
                    processor, f"service.pipelines.{pipeline}.processors[{index}]", environ
                )
            ]
            self.adapters[pipeline] = OtlpSanitizer(Sanitizer(anonymizers)) if processors else None
        self._failures = failure_counts()
        self._redactions = REDACTIONS.snapshot()

    def process(
        self, pipeline: str, signal: Signal, encoding: Encoding, body: bytes, spliced: bool = True
    ) -> Processed:
        """Parse, anonymize and serialize one request body; `BadRequest` if invalid.
        Not `spliced`, a protobuf body whose changes were all written into its bytes
        comes back with its patch and no payload (`Processed.restore`)."""
        request = parse_request(signal, encoding, body)
        adapter = self.adapters[pipeline]
        if adapter is None:  # pass-through: validated and counted, forwarded as is
            stats = Stats(items=count_items(request))
            payload = body if encoding == "proto" else request.SerializeToString()
            return Processed(payload, stats)
        serialized = body if encoding == "proto" else request.SerializeToString()
        with time_budget(self.budget):
            payload, stats, patch = adapter.anonymize(
                request, serialized, spliced or serialized is not body
            )
        failures, self._failures = _delta(self._failures, failure_counts())
        redactions, self._redactions = _delta(self._redactions, REDACTIONS.snapshot())
        if serialized is not body:  # made from JSON: the gateway process has not these
            patch = None
        return Processed(payload, stats, failures, redactions, patch=patch)


def _delta(before: Mapping[Any, int], now: dict[Any, int]) -> tuple[dict[Any, int], dict[Any, int]]:
    """What a process-wide counter (a snapshot, `now`) gained since `before`, and `now`.
    A dict's comprehension, not `Counter` arithmetic: this runs for every request."""
    gained = {key: count - before.get(key, 0) for key, count in now.items()}
    return {key: count for key, count in gained.items() if count > 0}, now


_worker: Worker | None = None
#: How often a worker checks that the gateway process is still its parent.
_PARENT_CHECK_SECONDS = 1.0


def _initialize(
    options: PipelineOptions, environ: Mapping[str, str], budget: float, parent: int
) -> None:
    """Worker process start-up. Ctrl-C reaches the whole process group: the gateway
    process decides when workers stop (after draining), so they ignore SIGINT. A gateway
    killed with SIGKILL cannot stop them, so they watch for it and exit on their own.
    Their allocator keeps freed memory for the next request (`tune_allocator`)."""
    global _worker
    tune_allocator()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    _worker = Worker(options, environ, budget)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(0)


def _process(pipeline: str, signal: Signal, encoding: Encoding, body: bytes) -> Processed:
    """`Worker.process` in a worker process, with the result `compact`: what the gateway
    process can make from the body it holds is not pickled back through the pool's pipe
    (a body as it came; an anonymized body made by writing new texts into it, of which
    the worker sends the patch)."""
    assert _worker is not None, "worker process was not initialized"
    return _worker.process(pipeline, signal, encoding, body, spliced=False).compact(body)


def _ready() -> bool:
    return _worker is not None


class ProcessingPool:
    """Runs `Worker.process` in worker processes (or one thread when `workers == 0`)."""

    def __init__(
        self,
        options: PipelineOptions,
        environ: Mapping[str, str],
        workers: int,
        budget: float = DEFAULT_ANONYMIZATION_TIMEOUT,
    ) -> None:
        self.options = options
        self.environ = dict(environ)
        self.workers = workers
        self.budget = budget
        # In-thread mode keeps its own worker: gateways in one process must not share one.
        self._local = Worker(options, self.environ, budget) if workers == 0 else None
        self._executor: Executor = self._new_executor()

    def _new_executor(self) -> Executor:
        if self.workers == 0:
            return ThreadPoolExecutor(1, "anonymizer")
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_initialize,
            initargs=(self.options, self.environ, self.budget, os.getpid()),
        )

    async def start(self) -> None:
        """Start every worker now, so the first requests do not wait for start-up."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, _ready) for _ in range(self.workers))
        )

    async def process(
        self, pipeline: str, signal: Signal, encoding: Encoding, body: bytes
    ) -> Processed:
        """The processed request; raises `BadRequest` for invalid bodies."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        function = self._local.process if self._local is not None else _process
        try:
            processed = await loop.run_in_executor(
                executor, function, pipeline, signal, encoding, body
            )
        except BrokenProcessPool:
            # A worker died (killed, out of memory): replace the pool, let the client retry.
            if executor is self._executor:
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            raise Unavailable("an anonymizer worker died; retry", retry_after=1.0) from None
        return processed.restore(body)

    def close(self) -> None:
        """Stop the workers once in-flight work is done."""
        self._executor.shutdown(wait=True, cancel_futures=False)
