"""The durable queue's files: what survives a restart, and what two exporters share.

Found by review: after a restart, requests were numbered from the pending files only,
so a request refused for good replaced the one kept aside in `failed/` under the same
name; and exporters whose names hold a dot (`otlphttp/eu.prod`, `otlphttp/eu.staging`)
shared one queue directory, each sending the other's requests.
"""

from __future__ import annotations

import asyncio
import errno
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from otel_anonymizer.config import ConfigError
from otel_anonymizer.gateway.config import parse_config
from otel_anonymizer.gateway.delivery import QueuedDelivery
from otel_anonymizer.gateway.exporters.base import Exporter, ExportResult
from otel_anonymizer.gateway.queue import DiskQueue, _keep_aside
from otel_anonymizer.gateway.settings import QueueConfig, RetryConfig, Signal
from otel_anonymizer.gateway.telemetry import Telemetry


def refuse_one(directory: Path, payload: bytes) -> None:
    """A fresh queue (a restarted gateway) that accepts one request, then sees it
    refused for good."""

    async def run() -> None:
        queue = DiskQueue(directory, capacity=10)
        queue.open()
        assert queue.reserve()
        await queue.put("traces", payload, items=1)
        request, _ = await queue.take()
        await queue.fail(request)

    asyncio.run(run())


def test_a_request_kept_aside_survives_later_refusals(tmp_path: Path) -> None:
    refuse_one(tmp_path, b"first")
    refuse_one(tmp_path, b"second")
    kept = sorted(path.read_bytes() for path in (tmp_path / "failed").iterdir())
    assert kept == [b"first", b"second"]


def test_requests_kept_aside_can_be_moved_back_to_be_sent(tmp_path: Path) -> None:
    """As collector-config/README.md says: also those `failed/` named with a copy number."""
    refuse_one(tmp_path, b"first")
    refuse_one(tmp_path, b"second")
    [first, second] = sorted((tmp_path / "failed").iterdir())
    first.rename(tmp_path / first.name)
    second.rename(tmp_path / f"{second.name}.2")  # as `failed/` names a second copy

    async def run() -> set[bytes]:
        queue = DiskQueue(tmp_path, capacity=10)
        assert queue.open() == 2
        return {(await queue.take())[1], (await queue.take())[1]}

    assert asyncio.run(run()) == {b"first", b"second"}


def test_a_queued_file_removed_by_hand_is_passed_over(tmp_path: Path) -> None:
    async def run() -> list[bytes]:
        queue = DiskQueue(tmp_path, capacity=10)
        queue.open()
        for payload in (b"gone", b"kept"):
            assert queue.reserve()
            await queue.put("logs", payload, items=1)
        files = [path for path in tmp_path.iterdir() if path.is_file()]
        next(path for path in files if path.read_bytes() == b"gone").unlink()
        request, payload = await asyncio.wait_for(queue.take(), 5)
        await queue.ack(request)
        return [payload, *([b"left"] if len(queue) else [])]

    assert asyncio.run(run()) == [b"kept"]


def exporters_config(tmp_path: Path, exporters: dict[str, Any]) -> Any:
    data = {
        "receivers": {"otlp": {"protocols": {"http": None}}},
        "exporters": exporters,
        "extensions": {"file_storage": {"directory": str(tmp_path)}},
        "service": {
            "extensions": ["file_storage"],
            "pipelines": {
                "traces": {"receivers": ["otlp"], "exporters": list(exporters)},
            },
        },
    }
    return parse_config(yaml.safe_load(yaml.safe_dump(data)), {})


def test_exporter_names_with_dots_get_queues_of_their_own(tmp_path: Path) -> None:
    queue = {"sending_queue": {"storage": "file_storage"}}
    parsed = exporters_config(
        tmp_path,
        {
            "otlphttp/eu.prod": {"endpoint": "http://127.0.0.1:1", **queue},
            "otlphttp/eu.staging": {"endpoint": "http://127.0.0.1:2", **queue},
        },
    )
    directories = {exporter.queue.directory for exporter in parsed.exporters.values()}
    assert directories == {tmp_path / "otlphttp_eu.prod", tmp_path / "otlphttp_eu.staging"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("otlphttp/x/y", "otlphttp/x_y"),  # both would be otlphttp_x_y
        ("otlphttp/a", "otlphttp/b"),  # both told to use one directory
    ],
)
def test_two_exporters_never_share_a_queue_directory(
    tmp_path: Path, first: str, second: str
) -> None:
    shared = {"directory": str(tmp_path / "q")} if first == "otlphttp/a" else None
    queue = {"sending_queue": shared or {"storage": "file_storage"}}
    with pytest.raises(ConfigError, match=f"exporters.{second}.sending_queue: its queue"):
        exporters_config(
            tmp_path,
            {
                first: {"endpoint": "http://127.0.0.1:1", **queue},
                second: {"endpoint": "http://127.0.0.1:2", **queue},
            },
        )


def test_a_request_whose_file_is_gone_when_refused_is_passed_over(tmp_path: Path) -> None:
    """Found by review: moving it to `failed/` raised, and killed its consumer."""

    async def run() -> int:
        queue = DiskQueue(tmp_path, capacity=10)
        queue.open()
        assert queue.reserve()
        await queue.put("traces", b"x", items=1)
        request, _ = await queue.take()
        request.path.unlink()
        await queue.fail(request)
        return len(queue)

    assert asyncio.run(run()) == 0


def test_what_an_earlier_version_queued_is_taken_over(tmp_path: Path) -> None:
    """Found by review: earlier versions named the queue of `otlphttp/eu.prod`
    `otlphttp_eu`; after an upgrade, requests accepted there were never sent."""
    old = tmp_path / "otlphttp_eu"
    (old / "failed").mkdir(parents=True)
    (old / "00000000000000000007-3.traces").write_bytes(b"accepted")
    (old / "failed" / "00000000000000000002-1.logs").write_bytes(b"refused")
    queue = {"sending_queue": {"storage": "file_storage"}}
    parsed = exporters_config(tmp_path, {"otlphttp/eu.prod": {"endpoint": "http://h:1", **queue}})
    config = parsed.exporters["otlphttp/eu.prod"].queue
    assert config.legacy_directory == old

    async def run() -> list[bytes]:
        disk = DiskQueue(config.directory, 10, config.legacy_directory)
        assert disk.open() == 1
        request, payload = await disk.take()
        assert request.items == 3 and request.signal == "traces"
        return [payload]

    assert asyncio.run(run()) == [b"accepted"]
    assert [path.read_bytes() for path in (config.directory / "failed").iterdir()] == [b"refused"]
    # Two exporters it can have been: neither takes it over.
    parsed = exporters_config(
        tmp_path,
        {
            "otlphttp/eu.prod": {"endpoint": "http://h:1", **queue},
            "otlphttp/eu.staging": {"endpoint": "http://h:2", **queue},
        },
    )
    assert all(e.queue.legacy_directory is None for e in parsed.exporters.values())
    # Nor when an exporter of that very name exists, queued or not.
    parsed = exporters_config(
        tmp_path,
        {
            "otlphttp/eu": {"endpoint": "http://h:3"},
            "otlphttp/eu.prod": {"endpoint": "http://h:1", **queue},
        },
    )
    assert parsed.exporters["otlphttp/eu.prod"].queue.legacy_directory is None


class Once(Exporter):
    """An exporter whose first attempt fails in a way no exporter should (a bug)."""

    def __init__(self) -> None:
        super().__init__("once")
        self.sent: list[bytes] = []

    async def export(self, signal: Signal, payload: bytes) -> ExportResult:
        if not self.sent:
            self.sent.append(b"")
            raise ValueError("unexpected")
        self.sent.append(payload)
        return ExportResult()


def test_a_request_whose_send_failed_unexpectedly_is_sent_again(tmp_path: Path) -> None:
    """Found by review: it stayed counted in flight and was never sent again."""

    async def run() -> list[bytes]:
        exporter = Once()
        retry = RetryConfig(initial_interval=0.01)
        delivery = QueuedDelivery(exporter, retry, QueueConfig(tmp_path, 10, 1), Telemetry())
        await delivery.start()
        await delivery.deliver("traces", b"payload", 1, None)
        for _ in range(200):
            if len(exporter.sent) == 2:
                break
            await asyncio.sleep(0.01)
        await delivery.stop(1.0)
        return exporter.sent

    assert asyncio.run(run()) == [b"", b"payload"]


def test_a_request_that_cannot_be_read_does_not_hold_up_the_queue(tmp_path: Path) -> None:
    """Found by review: it was put back at the front and tried again forever."""

    async def run() -> bytes:
        queue = DiskQueue(tmp_path, capacity=10)
        queue.open()
        for payload in (b"unreadable", b"next"):
            assert queue.reserve()
            await queue.put("traces", payload, items=1)
        first = min(path for path in tmp_path.iterdir() if path.is_file())
        first.unlink()
        first.mkdir()  # reading it fails (as root, modes do not)
        _, payload = await asyncio.wait_for(queue.take(), 5)
        return payload

    assert asyncio.run(run()) == b"next"
    assert [path.is_dir() for path in (tmp_path / "failed").iterdir()] == [True]


def test_after_a_take_over_new_requests_do_not_reuse_names_kept_aside(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "failed").mkdir(parents=True)
    for number in (1, 2, 3):
        (old / "failed" / f"{number:020d}-1.traces").write_bytes(b"refused")

    async def run() -> str:
        queue = DiskQueue(tmp_path / "new", capacity=10, legacy=old)
        queue.open()
        assert queue.reserve()
        await queue.put("traces", b"new", items=1)
        request, _ = await queue.take()
        return request.path.name

    assert asyncio.run(run()) == f"{4:020d}-1.traces"


def test_a_read_that_fails_for_want_of_descriptors_leaves_the_request_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by review: any error reading a file sent it to `failed/`, also running out
    of file descriptors for a moment. The process's limits cannot be lowered safely in
    a test run, so the read fails through a patched `Path.read_bytes`."""
    real = Path.read_bytes
    failures = [OSError(errno.EMFILE, "Too many open files")]

    def read_bytes(path: Path) -> bytes:
        if failures and path.parent == tmp_path:
            raise failures.pop()
        return real(path)

    async def run() -> bytes:
        queue = DiskQueue(tmp_path, capacity=10)
        queue.open()
        assert queue.reserve()
        await queue.put("traces", b"payload", items=1)
        monkeypatch.setattr(Path, "read_bytes", read_bytes)
        with pytest.raises(OSError):
            await queue.take()
        _, payload = await queue.take()
        return payload

    assert asyncio.run(run()) == b"payload"
    assert list((tmp_path / "failed").iterdir()) == []


def test_names_taken_over_into_failed_keep_one_copy_number(tmp_path: Path) -> None:
    """Found by review: `X.traces.2` became `X.traces.2.2`, which the queue does not
    read when moved back."""
    old = tmp_path / "old"
    (old / "failed").mkdir(parents=True)
    name = f"{1:020d}-1.traces"
    (old / "failed" / f"{name}.2").write_bytes(b"second")
    (tmp_path / "new" / "failed").mkdir(parents=True)
    (tmp_path / "new" / "failed" / f"{name}.2").write_bytes(b"first")
    DiskQueue(tmp_path / "new", capacity=10, legacy=old).open()
    names = sorted(path.name for path in (tmp_path / "new" / "failed").iterdir())
    assert names == [name, f"{name}.2"]  # both read when moved back


def test_copies_of_one_name_kept_aside_at_once_are_all_kept(tmp_path: Path) -> None:
    """Found by review: consumers in threads both found `failed/X` free, and the
    second replaced the first. Names are claimed with a hard link now."""
    (tmp_path / "failed").mkdir()
    name = f"{1:020d}-1.traces"
    sources = [tmp_path / name] + [tmp_path / f"{name}.{n}" for n in range(2, 9)]
    for index, path in enumerate(sources):
        path.write_bytes(b"%d" % index)
    barrier = threading.Barrier(len(sources))

    def keep(path: Path) -> None:
        barrier.wait()
        _keep_aside(path, tmp_path / "failed")

    threads = [threading.Thread(target=keep, args=(path,)) for path in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = sorted(path.read_bytes() for path in (tmp_path / "failed").iterdir())
    assert kept == sorted(b"%d" % index for index in range(len(sources)))
    assert not any(path.exists() for path in sources)
