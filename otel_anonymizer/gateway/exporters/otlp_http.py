"""The `otlphttp` exporter: POST protobuf requests to `<endpoint>/v1/traces` and `/v1/logs`.

Status handling follows the OTLP/HTTP specification: 2xx is success (with an optional
partial success in the body), 429, 502, 503 and 504 are retryable and may carry a
`Retry-After` header (seconds or an HTTP date), everything else is permanent. Network
errors and timeouts are retryable.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import urllib.parse
import zlib

import aiohttp

from otel_anonymizer.gateway.codec import partial_success
from otel_anonymizer.gateway.errors import bounded_hint
from otel_anonymizer.gateway.exporters.base import (
    Exporter,
    ExportResult,
    PermanentExport,
    RetryableExport,
)
from otel_anonymizer.gateway.settings import ExporterConfig, Signal
from otel_anonymizer.gateway.tls import client_context

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
#: The most of an answer read for its partial success (an export response is small).
_MAX_ANSWER_BYTES = 1 << 20
DATA_REFUSED_STATUSES = frozenset({400, 413, 415, 422})


class OtlpHttpExporter(Exporter):
    """One aiohttp session per exporter, reused across requests."""

    def __init__(self, config: ExporterConfig) -> None:
        super().__init__(config.name)
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        https = any(url.startswith("https://") for url in self.config.signal_endpoints.values())
        ssl = client_context(self.config.tls) if https else False
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl),
            timeout=aiohttp.ClientTimeout(total=self.config.timeout),
            # Only the encodings `_body` decodes (aiohttp would also offer br and zstd,
            # where installed, and their answers' partial success would be lost).
            headers={**dict(self.config.headers), "Accept-Encoding": "gzip, deflate"},
            auto_decompress=False,  # `_body` decodes: an undecodable answer is no failure
        )

    async def export(self, signal: Signal, payload: bytes) -> ExportResult:
        assert self._session is not None, "exporter not started"
        headers = {"Content-Type": "application/x-protobuf"}
        if self.config.compression == "gzip":
            payload = await asyncio.to_thread(_gzip, payload)
            headers["Content-Encoding"] = "gzip"
        url = self.config.signal_endpoints[signal]
        try:
            # Not followed: a 302 or 303 turns the POST into a GET without the data,
            # whose 200 would count as delivered (found by review: a sign-in page).
            async with self._session.post(
                url,
                data=payload,
                headers=headers,
                allow_redirects=False,
                server_hostname=self.config.tls.server_name_override,
            ) as response:
                status = response.status
                hint = response.headers.get("Retry-After")
                body = await _body(response, status) if 200 <= status < 300 else b""
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise RetryableExport(f"{type(error).__name__} from {_shown(url)}") from None
        if 200 <= status < 300:
            return ExportResult(*partial_success(signal, body)) if body else ExportResult()
        if status in RETRYABLE_STATUSES:  # the hint counts only here (not on a 2xx)
            raise RetryableExport(f"HTTP {status} from {_shown(url)}", parse_retry_after(hint))
        if 300 <= status < 400:  # the endpoint is not the receiver's: the setup is wrong
            raise PermanentExport(f"HTTP {status} (a redirect) from {_shown(url)}", False)
        refused = status in DATA_REFUSED_STATUSES
        raise PermanentExport(f"HTTP {status} from {_shown(url)}", refused)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _body(response: aiohttp.ClientResponse, status: int) -> bytes:
    """The body of an accepted request's answer (for partial success), or b"" where it
    cannot be read or decoded: the request was delivered, and sending it again for an
    unreadable answer would repeat it forever (found by review: gzip that was not, br)."""
    try:
        raw = await response.read()
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return b""
    coding = response.headers.get("Content-Encoding", "").strip().lower()
    if coding in ("", "identity"):
        return raw
    # `deflate` is zlib-wrapped, or raw as some servers send it (Go's compress/flate).
    forms = {"gzip": (16 + zlib.MAX_WBITS,), "deflate": (zlib.MAX_WBITS, -zlib.MAX_WBITS)}
    for wbits in forms.get(coding, ()):
        try:
            inflater = zlib.decompressobj(wbits=wbits)
            body = inflater.decompress(raw, _MAX_ANSWER_BYTES)
        except zlib.error:
            continue
        return b"" if inflater.unconsumed_tail else body
    return b""


def _shown(url: str) -> str:
    """`url` as errors name it (they reach clients and logs): without its query, and
    not at all if it has a user part (credentials, which may hold `/`, `?` or `#`
    and then read as a host or a path)."""
    parts = urllib.parse.urlsplit(url)
    if "@" in url or not parts.hostname:
        return "the configured endpoint"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _gzip(payload: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(payload) + compressor.flush()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # `str.isdigit` takes `²` too
        return bounded_hint(float(value))  # 400 digits read as infinity
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds: float = when.timestamp() - time.time()
        return bounded_hint(seconds)
    except (TypeError, ValueError, OverflowError):  # a date past year 9999
        return None
