"""A durable on-disk queue of sanitized requests: one fsynced file per request.

`put` writes the request to a temporary file, fsyncs it, renames it into place and
fsyncs the directory: once it returns, the request survives a SIGKILL or a power cut,
so the receiver may answer success. Consumers `take` the oldest requests, and `ack`
deletes them after the upstream accepted, so delivery is at least once (a crash between
upload and delete sends the request again). On start, leftover temporary files (never
acknowledged to any client) are removed and every complete file is queued again.
Requests the upstream refuses permanently are moved to `failed/` instead of deleted.

Only sanitized data is ever written here: raw requests never touch the disk.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from otel_anonymizer.gateway.settings import SIGNALS, Signal

_TEMP_PREFIX = ".tmp-"
#: Errors reading a file that say nothing about the file (out of descriptors or memory).
_PASSING_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EAGAIN, errno.EINTR})
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedRequest:
    """A request on disk; its payload is read when a consumer takes it."""

    path: Path
    signal: Signal
    items: int  # spans or log records, for the exported/failed counters


class DiskQueue:
    """At most `capacity` requests in `directory`, oldest first.

    File I/O runs in threads (`asyncio.to_thread`); the bookkeeping runs on the event
    loop, which is the only thread touching it.
    """

    def __init__(self, directory: Path, capacity: int, legacy: Path | None = None) -> None:
        self.directory = directory
        self.capacity = capacity
        self.legacy = legacy  # an earlier version's directory for this queue
        self._pending: deque[QueuedRequest] = deque()
        self._in_flight = 0
        self._reserved = 0
        self._sequence = 0
        self._available = asyncio.Condition()

    def open(self) -> int:
        """Create the directory, clean it up and queue what it holds; the count recovered."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "failed").mkdir(exist_ok=True)
        found = []
        for path in self.directory.iterdir():
            if path.name.startswith(_TEMP_PREFIX):
                path.unlink()
                continue
            request = _parse_name(path)
            if request is not None and path.is_file():
                found.append(request)
        found.sort(key=lambda request: request.path.name)
        self._pending.extend(found)
        # Numbered on from the highest number here or in `failed/`: a new request must
        # not take the name of one kept aside there (it would replace it when refused).
        kept = [_parse_name(path) for path in (self.directory / "failed").iterdir()]
        numbers = [_sequence(request) for request in [*found, *kept] if request is not None]
        self._sequence = max(numbers, default=0)
        if self.legacy is not None and self.legacy.is_dir():
            adopted = self._adopt(self.legacy)
            self._pending.extend(adopted)
            found += adopted
        return len(found)

    def _adopt(self, legacy: Path) -> list[QueuedRequest]:
        """Take over the requests an earlier version queued in `legacy` (accepted, so
        they must be sent), numbered after this queue's; and what it kept aside."""
        failed = self.directory / "failed"
        if (legacy / "failed").is_dir():
            for path in sorted((legacy / "failed").iterdir()):
                request = _parse_name(path)
                if request is not None and _move(path, _free_name(path.name, failed)):
                    self._sequence = max(self._sequence, _sequence(request))
        adopted = []
        for path in sorted(legacy.iterdir()):
            request = _parse_name(path)
            if request is None or not path.is_file():
                continue
            name = f"{self._sequence + 1:020d}-{request.items}.{request.signal}"
            if _move(path, self.directory / name):
                self._sequence += 1
                adopted.append(QueuedRequest(self.directory / name, request.signal, request.items))
        _fsync_directory(self.directory)
        _fsync_directory(failed)
        if adopted:
            logger.info("took over %d queued requests from %s", len(adopted), legacy)
        return adopted

    def __len__(self) -> int:
        """Requests on disk that are not yet acknowledged (waiting or being sent)."""
        return len(self._pending) + self._in_flight

    def reserve(self) -> bool:
        """Claim room for one `put`; False when the queue is full."""
        if len(self) + self._reserved >= self.capacity:
            return False
        self._reserved += 1
        return True

    async def put(self, signal: Signal, payload: bytes, items: int) -> None:
        """Persist one request durably (after a successful `reserve`)."""
        try:
            self._sequence += 1
            name = f"{self._sequence:020d}-{items}.{signal}"
            path = await asyncio.to_thread(self._write, name, payload)
        finally:
            self._reserved -= 1
        async with self._available:
            self._pending.append(QueuedRequest(path, signal, items))
            self._available.notify()

    def _write(self, name: str, payload: bytes) -> Path:
        temporary = self.directory / f"{_TEMP_PREFIX}{name}"
        final = self.directory / name
        with open(temporary, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, final)
        _fsync_directory(self.directory)
        return final

    async def take(self) -> tuple[QueuedRequest, bytes]:
        """The oldest waiting request and its payload; waits while the queue is empty.
        A request whose file is gone (removed by hand) is passed over, and one that
        cannot be read is moved to `failed/` (it would hold up all behind it); both are
        logged."""
        while True:
            async with self._available:
                await self._available.wait_for(lambda: bool(self._pending))
                request = self._pending.popleft()
                self._in_flight += 1
            try:
                return request, await asyncio.to_thread(request.path.read_bytes)
            except FileNotFoundError:
                self._in_flight -= 1
                logger.error("queued request %s is gone from %s", request.path.name, self.directory)
            except OSError as error:
                if error.errno in _PASSING_ERRORS:  # not the file's fault: read it later
                    await self.release(request)
                    raise
                logger.error(
                    "queued request %s cannot be read (%s); moved to %s",
                    request.path.name,
                    error.strerror,
                    self.directory / "failed",
                )
                await self.fail(request)
            except BaseException:
                await self.release(request)
                raise

    async def release(self, request: QueuedRequest) -> None:
        """Put a taken request back at the front, unsent (at shutdown)."""
        async with self._available:
            self._in_flight -= 1
            self._pending.appendleft(request)
            self._available.notify()

    async def ack(self, request: QueuedRequest) -> None:
        """The upstream accepted it: delete it."""
        self._in_flight -= 1
        await asyncio.to_thread(request.path.unlink, True)

    async def fail(self, request: QueuedRequest) -> None:
        """The upstream refused it for good: keep it aside, in `failed/`, for inspection
        (never over another one kept there)."""
        self._in_flight -= 1
        await asyncio.to_thread(_keep_aside, request.path, self.directory / "failed")


def _base_name(name: str) -> str:
    """`name` without its copy number (`_parse_name` reads one, not two)."""
    stem, dot, copy = name.rpartition(".")
    return stem if dot and copy.isdigit() and stem.count(".") == 1 else name


def _free_name(name: str, failed: Path) -> Path:
    """`failed / name`, or with the first free `.2`, `.3`... after its base name."""
    name = _base_name(name)
    target = failed / name
    number = 1
    while target.exists():
        number += 1
        target = failed / f"{name}.{number}"
    return target


def _keep_aside(path: Path, failed: Path) -> None:
    """Move `path` into `failed`, under a name no other file has. The name is claimed
    by creating it (consumers in threads may keep copies of one name aside at once:
    found by review, the second replaced the first), then the file replaces the claim
    in one step (a crash leaves it in one place, or an empty claim); across file systems
    it is copied (`_move`)."""
    base, number = _base_name(path.name), 1
    while True:
        target = failed / (base if number == 1 else f"{base}.{number}")
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            number += 1
    try:
        os.replace(path, target)
    except FileNotFoundError:  # removed by hand while it was being sent
        logger.error("queued request %s is gone from %s", path.name, path.parent)
        target.unlink(missing_ok=True)
    except OSError as error:
        if error.errno == errno.EXDEV and _move(path, target):
            return
        target.unlink(missing_ok=True)  # not a file (a directory in its place): as it is
        os.replace(path, _free_name(path.name, failed))


def _move(path: Path, target: Path) -> bool:
    """`path` moved to `target` durably, also from another file system (copied, synced,
    then removed); False, logged, where it cannot be (left where it is)."""
    try:
        os.replace(path, target)
        return True
    except OSError as error:
        if error.errno != errno.EXDEV:
            logger.error("cannot move %s to %s (%s)", path, target.parent, error.strerror)
            return False
    temporary = target.parent / f"{_TEMP_PREFIX}{target.name}"
    try:
        with open(temporary, "wb") as file:
            file.write(path.read_bytes())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
        _fsync_directory(target.parent)  # the new name is on disk before the old goes
    except OSError as error:
        logger.error("cannot move %s to %s (%s)", path, target.parent, error.strerror)
        temporary.unlink(missing_ok=True)
        return False
    try:
        path.unlink()
    except OSError as error:  # left where it was: the copy goes, or it would be sent twice
        logger.error("cannot move %s to %s (%s)", path, target.parent, error.strerror)
        target.unlink(missing_ok=True)
        return False
    return True


def _sequence(request: QueuedRequest) -> int:
    return int(request.path.name.split("-", 1)[0])


def _parse_name(path: Path) -> QueuedRequest | None:
    """`<sequence>-<items>.<signal>`, as `put` names files, or with `.<copy>` after it
    as `failed/` may (moved back by hand to be sent again); None for anything else."""
    stem, _, signal = path.name.partition(".")
    sequence, _, items = stem.partition("-")
    signal, _, copy = signal.partition(".")
    if not (sequence.isdigit() and items.isdigit()) or (copy and not copy.isdigit()):
        return None
    for known in SIGNALS:
        if signal == known:
            return QueuedRequest(path, known, int(items))
    return None


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
