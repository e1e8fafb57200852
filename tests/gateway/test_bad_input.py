"""Bad input gets the OTLP-specified 4xx / INVALID_ARGUMENT; the gateway keeps serving."""

from __future__ import annotations

import gzip
import logging
import socket
import zlib
from collections.abc import Callable, Iterator

import grpc
import httpx
import pytest
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from tests.gateway.conftest import EMAIL_CANARY, RunningGateway, gateway_config
from tests.gateway.sdk_clients import make_spans
from tests.gateway.upstream import Upstream

LIMIT = 64 * 1024
PROTOBUF = {"Content-Type": "application/x-protobuf"}
TRACE_SERVICE = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def valid_body() -> bytes:
    return encode_spans(make_spans(1)).SerializeToString()


def invalid_utf8_body() -> bytes:
    """A valid request whose span name holds bytes that are not UTF-8."""
    body = valid_body()
    marker = f"chat 0 for {EMAIL_CANARY}".encode()
    assert marker in body
    return body.replace(marker, b"\xff\xfe" + marker[2:])


@pytest.fixture
def gateway(
    upstream: Upstream, start_gateway: Callable[..., RunningGateway]
) -> Iterator[RunningGateway]:
    config = gateway_config(
        upstream,
        http={"max_request_body_size": LIMIT},
        grpc={"max_recv_msg_size_mib": 1},
    )
    yield start_gateway(config)


def post(gateway: RunningGateway, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"\x0a\xff\xff\xff\xff\x0f", PROTOBUF, 400),
        (b'{"resourceSpans": [', {"Content-Type": "application/json"}, 400),
        (b'{"resourceSpans": 5}', {"Content-Type": "application/json"}, 400),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400),
        (
            b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","name":"x"}]}]}]}',
            {"Content-Type": "application/json"},
            400,
        ),
        (b'{"resourceSpans": []}\xff', {"Content-Type": "application/json"}, 400),
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b"{}", {}, 415),
        (b"x" * (LIMIT + 1), PROTOBUF, 413),
        (gzip.compress(b"\0" * (LIMIT * 100)), {**PROTOBUF, "Content-Encoding": "gzip"}, 413),
        (b"not gzip at all", {**PROTOBUF, "Content-Encoding": "gzip"}, 400),
        (gzip.compress(b"abc")[:-4], {**PROTOBUF, "Content-Encoding": "gzip"}, 400),
        (gzip.compress(valid_body()) + b"junk", {**PROTOBUF, "Content-Encoding": "gzip"}, 400),
        (zlib.compress(valid_body()) + b"x", {**PROTOBUF, "Content-Encoding": "deflate"}, 400),
        (gzip.compress(b"") * 65, {**PROTOBUF, "Content-Encoding": "gzip"}, 400),
        (b"", {**PROTOBUF, "Content-Encoding": "br"}, 415),
    ],
    ids=[
        "malformed-protobuf",
        "truncated-json",
        "wrong-json-type",
        "json-array",
        "bad-hex-id",
        "invalid-utf8-json",
        "text-plain",
        "no-content-type",
        "oversized",
        "gzip-bomb",
        "corrupt-gzip",
        "truncated-gzip",
        "gzip-then-junk",
        "deflate-then-junk",
        "too-many-gzip-members",
        "brotli",
    ],
)
def test_http_bad_input(
    gateway: RunningGateway, upstream: Upstream, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = post(gateway, body, headers)
    assert response.status_code == status
    if "json" not in headers.get("Content-Type", ""):
        Status.FromString(response.content)  # OTLP: errors carry a google.rpc.Status
    # ...and the gateway keeps serving.
    assert post(gateway, valid_body(), PROTOBUF).status_code == 200
    assert len(upstream.spans()) == 1


def test_every_member_of_a_gzip_body_is_read(gateway: RunningGateway, upstream: Upstream) -> None:
    """Found by review: a body of two gzip members (RFC 1952; `gzip.decompress` reads
    both) was answered 200 with only the first member's spans forwarded."""
    first = encode_spans(make_spans(1)).SerializeToString()
    second = encode_spans(make_spans(2)[1:]).SerializeToString()
    body = gzip.compress(first) + gzip.compress(second)
    assert post(gateway, body, {**PROTOBUF, "Content-Encoding": "gzip"}).status_code == 200
    assert len(upstream.spans()) == 2


def test_invalid_utf8_is_refused_on_both_protocols(gateway: RunningGateway) -> None:
    body = invalid_utf8_body()
    assert post(gateway, body, PROTOBUF).status_code == 400
    with grpc.insecure_channel(gateway.grpc_target) as channel:
        call = channel.unary_unary(TRACE_SERVICE)
        with pytest.raises(grpc.RpcError) as caught:
            call(body, timeout=5)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_ids_of_other_lengths_than_otlps_are_refused(
    gateway: RunningGateway, upstream: Upstream
) -> None:
    """Found by review: ids are bytes no anonymizer reads, and a 20-byte "trace id"
    holding an email address went upstream. Ids of other lengths than 16 and 8 bytes
    are refused, as the Collector refuses them, on both protocols, naming the id."""
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="s", span_id=b"s" * 8)
    span.trace_id = EMAIL_CANARY.encode()
    response = post(gateway, request.SerializeToString(), PROTOBUF)
    assert response.status_code == 400
    message = Status.FromString(response.content).message
    assert "resource_spans[0].scope_spans[0].spans[0].trace_id has 20 bytes" in message
    assert EMAIL_CANARY not in message
    span.trace_id = b"t" * 16
    span.links.add(trace_id=b"t" * 16, span_id=b"l" * 9)
    with grpc.insecure_channel(gateway.grpc_target) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            channel.unary_unary(TRACE_SERVICE)(request.SerializeToString(), timeout=5)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "links[0].span_id has 9 bytes" in (caught.value.details() or "")
    assert upstream.spans() == []


def test_grpc_bad_input_and_oversized(gateway: RunningGateway, upstream: Upstream) -> None:
    with grpc.insecure_channel(gateway.grpc_target) as channel:
        call = channel.unary_unary(TRACE_SERVICE)
        with pytest.raises(grpc.RpcError) as caught:
            call(b"\x0a\xff\xff\xff\xff\x0f", timeout=5)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        huge = AnyValue(string_value="x" * (2 << 20)).SerializeToString()
        with pytest.raises(grpc.RpcError) as caught:
            call(huge, timeout=5)
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert call(valid_body(), timeout=5) == b""
    assert len(upstream.spans()) == 1


def test_unknown_paths_and_methods(gateway: RunningGateway) -> None:
    assert httpx.post(f"{gateway.http_url}/v1/metrics", content=b"").status_code == 404
    assert httpx.get(f"{gateway.http_url}/v1/traces").status_code == 405


def test_refused_headers_are_not_quoted_back(gateway: RunningGateway) -> None:
    """Found by review: a 415 named the Content-Type or Content-Encoding it refused."""
    for headers in (
        {"Content-Type": f"text/{EMAIL_CANARY}"},
        {**PROTOBUF, "Content-Encoding": f"x-{EMAIL_CANARY}"},
    ):
        response = post(gateway, b"{}", headers)
        assert response.status_code == 415
        assert EMAIL_CANARY.encode() not in response.content


def test_request_content_never_reaches_the_logs(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    post(gateway, invalid_utf8_body(), PROTOBUF)
    post(gateway, f'{{"x": "{EMAIL_CANARY}"'.encode(), {"Content-Type": "application/json"})
    post(gateway, valid_body(), PROTOBUF)
    assert EMAIL_CANARY not in caplog.text


def test_what_aiohttp_cannot_read_is_logged_without_content(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by review: aiohttp logged a request it could not read with the bytes it
    choked on: a JSON body sent as chunked without chunks, a header without its colon."""
    caplog.set_level(logging.DEBUG)
    host, port = gateway.http_url.removeprefix("http://").split(":")
    body = f'{{"resourceSpans": [], "note": "{EMAIL_CANARY}"}}'.encode()
    requests = [
        b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + body + b"\r\n",
        b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nAuthorization Bearer sk-live-0123456789\r\n"
        b"Content-Length: 0\r\n\r\n",
    ]
    for request in requests:
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(request)
            assert b" 400 " in connection.recv(4096).split(b"\r\n", 1)[0]
    assert post(gateway, valid_body(), PROTOBUF).status_code == 200
    assert "unreadable HTTP request" in caplog.text
    assert EMAIL_CANARY not in caplog.text and "sk-live" not in caplog.text


def test_rejections_are_counted(gateway: RunningGateway) -> None:
    post(gateway, b"{}", {"Content-Type": "text/plain"})
    post(gateway, b"\x0a\xff", PROTOBUF)
    metrics = httpx.get(gateway.url("metrics", "/metrics")).text
    assert (
        'otel_anonymizer_gateway_rejected_requests_total{reason="unsupported_media",receiver="otlp"} 1'
        in metrics
    )
    assert 'rejected_requests_total{reason="bad_request",receiver="otlp"} 1' in metrics
