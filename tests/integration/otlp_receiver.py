"""A real OTLP/HTTP (protobuf) receiver for traces and logs, for tests."""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from .background_server import BackgroundServer


@dataclass
class OTLPReceiver:
    """Collects OTLP/HTTP export requests posted to `/v1/traces` and `/v1/logs`."""

    host: str = "127.0.0.1"
    port: int = 0
    trace_requests: list[ExportTraceServiceRequest] = field(default_factory=list)
    log_requests: list[ExportLogsServiceRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: BackgroundServer | None = None

    @property
    def traces_endpoint(self) -> str:
        """URL for `OTLPSpanExporter(endpoint=...)`."""
        return f"http://{self.host}:{self.port}/v1/traces"

    @property
    def logs_endpoint(self) -> str:
        """URL for `OTLPLogExporter(endpoint=...)`."""
        return f"http://{self.host}:{self.port}/v1/logs"

    def start(self) -> OTLPReceiver:
        """Start serving in a daemon thread on a random free port."""
        handler = type("_BoundHandler", (_Handler,), {"receiver": self})
        self._server = BackgroundServer(handler, "otlp-receiver").start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Stop the server and join its thread."""
        if self._server is not None:
            self._server.stop()
        self._server = None

    def clear(self) -> None:
        """Forget all received requests."""
        with self._lock:
            self.trace_requests.clear()
            self.log_requests.clear()

    def add(self, request: ExportTraceServiceRequest | ExportLogsServiceRequest) -> None:
        """Record a parsed request (thread-safe)."""
        with self._lock:
            if isinstance(request, ExportTraceServiceRequest):
                self.trace_requests.append(request)
            else:
                self.log_requests.append(request)

    # --- inspection helpers ---------------------------------------------------------------

    def spans(self) -> list[Any]:
        """All received protobuf `Span`s."""
        with self._lock:
            requests = list(self.trace_requests)
        return [
            span
            for req in requests
            for rs in req.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        ]

    def log_records(self) -> list[Any]:
        """All received protobuf `LogRecord`s."""
        with self._lock:
            requests = list(self.log_requests)
        return [
            rec
            for req in requests
            for rl in req.resource_logs
            for sl in rl.scope_logs
            for rec in sl.log_records
        ]

    def all_strings(self) -> list[str]:
        """Every string found anywhere in the received trace and log requests."""
        with self._lock:
            traces = list(self.trace_requests)
            logs = list(self.log_requests)
        out: list[str] = []
        for treq in traces:
            out.extend(_trace_request_strings(treq))
        for lreq in logs:
            out.extend(_logs_request_strings(lreq))
        return out

    def all_text(self) -> str:
        """`all_strings()` joined with newlines, for `canary not in ...` assertions."""
        return "\n".join(self.all_strings())


def any_value_strings(value: AnyValue) -> Iterator[str]:
    """Strings inside an `AnyValue`, recursing into arrays and kvlists (bytes decoded)."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        yield value.string_value
    elif kind == "bytes_value":
        yield value.bytes_value.decode("utf-8", errors="replace")
    elif kind == "array_value":
        for item in value.array_value.values:
            yield from any_value_strings(item)
    elif kind == "kvlist_value":
        yield from key_values_strings(value.kvlist_value.values)
    elif kind is not None:
        yield str(getattr(value, kind))


def key_values_strings(kvs: Any) -> Iterator[str]:
    """Keys and values of a repeated `KeyValue`."""
    kv: KeyValue
    for kv in kvs:
        yield kv.key
        yield from any_value_strings(kv.value)


def _resource_strings(resource: Resource) -> Iterator[str]:
    yield from key_values_strings(resource.attributes)


def _scope_strings(scope: InstrumentationScope) -> Iterator[str]:
    yield scope.name
    yield scope.version
    yield from key_values_strings(scope.attributes)


def _trace_request_strings(req: ExportTraceServiceRequest) -> Iterator[str]:
    for rs in req.resource_spans:
        yield rs.schema_url
        yield from _resource_strings(rs.resource)
        for ss in rs.scope_spans:
            yield ss.schema_url
            yield from _scope_strings(ss.scope)
            for span in ss.spans:
                yield span.name
                yield span.trace_state
                yield from key_values_strings(span.attributes)
                for event in span.events:
                    yield event.name
                    yield from key_values_strings(event.attributes)
                for link in span.links:
                    yield link.trace_state
                    yield from key_values_strings(link.attributes)
                yield span.status.message


def _logs_request_strings(req: ExportLogsServiceRequest) -> Iterator[str]:
    for rl in req.resource_logs:
        yield rl.schema_url
        yield from _resource_strings(rl.resource)
        for sl in rl.scope_logs:
            yield sl.schema_url
            yield from _scope_strings(sl.scope)
            for rec in sl.log_records:
                yield rec.severity_text
                yield rec.event_name
                yield from any_value_strings(rec.body)
                yield from key_values_strings(rec.attributes)


def _decode_body(raw: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "deflate":
        return zlib.decompress(raw)
    if encoding in ("", "identity"):
        return raw
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


class _Handler(BaseHTTPRequestHandler):
    receiver: OTLPReceiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0].rstrip("/")
        request: ExportTraceServiceRequest | ExportLogsServiceRequest
        response: ExportTraceServiceResponse | ExportLogsServiceResponse
        if path == "/v1/traces":
            request, response = ExportTraceServiceRequest(), ExportTraceServiceResponse()
        elif path == "/v1/logs":
            request, response = ExportLogsServiceRequest(), ExportLogsServiceResponse()
        else:
            self._reply(404, b"not found", "text/plain")
            return
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type != "application/x-protobuf":
            self._reply(415, b"only application/x-protobuf is supported", "text/plain")
            return
        try:
            request.ParseFromString(_decode_body(raw, self.headers.get("Content-Encoding") or ""))
        except Exception as exc:  # a bad request is reported, not raised
            self._reply(400, str(exc).encode(), "text/plain")
            return
        self.receiver.add(request)
        self._reply(200, response.SerializeToString(), "application/x-protobuf")
