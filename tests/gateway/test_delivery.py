"""No loss and backpressure: retries, retry hints, the durable queue, retryable refusals."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
import pytest
from google.protobuf.any_pb2 import Any
from google.protobuf.duration_pb2 import Duration
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.trace.export import SpanExportResult

from otel_anonymizer.gateway.delivery import Backoff
from otel_anonymizer.gateway.errors import MAX_RETRY_HINT
from otel_anonymizer.gateway.exporters.otlp_http import _shown, parse_retry_after
from otel_anonymizer.gateway.grpc_status import retry_delay
from otel_anonymizer.gateway.settings import RetryConfig
from tests.gateway.conftest import EMAIL_CANARY, RunningGateway, gateway_config
from tests.gateway.sdk_clients import make_spans, span_exporter
from tests.gateway.test_bad_input import PROTOBUF, TRACE_SERVICE
from tests.gateway.upstream import Upstream

StartGateway = Callable[..., RunningGateway]


RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"


def test_retry_hints_that_are_not_numbers_or_too_far_are_not_obeyed() -> None:
    """Found by review: `Retry-After: \u00b2` passed `str.isdigit` and raised; a
    far-future date would have stopped a queue's consumer for good."""
    assert parse_retry_after("\u00b2") is None
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("9" * 400) == MAX_RETRY_HINT  # reads as infinity
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT") == MAX_RETRY_HINT
    assert parse_retry_after("31 Dec 99999999999 23:59:59") is None  # past year 9999
    malformed = Status(code=14, details=[Any(type_url=RETRY_INFO_TYPE, value=b"\xff")])
    assert retry_delay([("grpc-status-details-bin", malformed.SerializeToString())]) is None
    years = Status(code=14)
    years.details.add().Pack(RetryInfo(retry_delay=Duration(seconds=10**11)))
    assert retry_delay([("grpc-status-details-bin", years.SerializeToString())]) == MAX_RETRY_HINT


@pytest.mark.parametrize("mode", ["synchronous", "queued"])
def test_counts_in_equal_counts_out_with_a_flaky_upstream(
    upstream: Upstream, start_gateway: StartGateway, tmp_path: Path, mode: str
) -> None:
    upstream.fail_every = 3  # every third attempt: 503 + Retry-After / UNAVAILABLE + RetryInfo
    queue_dir = str(tmp_path / "queue") if mode == "queued" else None
    gateway = start_gateway(gateway_config(upstream, queue_dir=queue_dir, workers=2))
    batches = [make_spans(20, prefix=f"batch{index}") for index in range(24)]
    results: list[SpanExportResult] = []

    def client(protocol: str, mine: list[list]) -> None:  # type: ignore[type-arg]
        exporter = span_exporter(gateway, protocol)
        results.extend(exporter.export(batch) for batch in mine)
        exporter.shutdown()

    threads = [
        threading.Thread(target=client, args=(protocol, batches[index::4]))
        for index, protocol in enumerate(["http", "grpc", "http", "grpc"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [SpanExportResult.SUCCESS] * len(batches)

    sent = {span.context.span_id.to_bytes(8, "big") for batch in batches for span in batch}
    upstream.wait_for_spans(len(sent))
    received = upstream.spans()
    assert {span.span_id for span in received} == sent
    assert len(received) == len(sent)  # nothing lost, nothing doubled
    assert upstream.attempts > len(upstream.traces)  # the upstream did refuse some
    assert EMAIL_CANARY not in "".join(span.name for span in received)
    gateway.stop()  # settles the counters of requests acknowledged a moment ago
    telemetry = gateway.gateway.telemetry
    assert telemetry.total("exported_items_total") == len(sent)
    assert telemetry.total("export_retries_total") >= 1


@pytest.mark.parametrize(("exporter", "hint"), [("otlphttp", 1.0), ("otlp", 0.3)])
def test_upstream_retry_hints_are_honoured(
    upstream: Upstream, start_gateway: StartGateway, exporter: str, hint: float
) -> None:
    upstream.fail_every, upstream.retry_after = 2, hint
    gateway = start_gateway(gateway_config(upstream, exporter=exporter))
    sdk = span_exporter(gateway, "http")
    assert sdk.export(make_spans(1)) == SpanExportResult.SUCCESS  # attempt 1: accepted
    assert sdk.export(make_spans(1)) == SpanExportResult.SUCCESS  # 2: refused, 3: accepted
    first_try, retry = upstream.attempt_times[1:3]
    assert retry - first_try >= hint * 0.95


def test_synchronous_mode_answers_retryable_when_the_upstream_is_down(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    upstream.down, upstream.retry_after = True, 2
    config = gateway_config(upstream, exporter="otlp")
    config["exporters"]["otlp"]["retry_on_failure"]["max_elapsed_time"] = "100ms"
    gateway = start_gateway(config)
    body = encode_spans(make_spans(1)).SerializeToString()

    response = httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    with (
        grpc.insecure_channel(gateway.grpc_target) as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        channel.unary_unary(TRACE_SERVICE)(body, timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert retry_delay(caught.value.trailing_metadata()) == 2
    assert upstream.spans() == []

    upstream.down = False  # the client's own retry now succeeds
    assert httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF).is_success
    assert len(upstream.spans()) == 1


def test_a_full_queue_answers_429_and_delivers_what_it_accepted(
    upstream: Upstream, start_gateway: StartGateway, tmp_path: Path
) -> None:
    upstream.down = True
    config = gateway_config(upstream, queue_dir=str(tmp_path))
    config["exporters"]["otlphttp"]["sending_queue"]["queue_size"] = 2
    gateway = start_gateway(config)
    bodies = [encode_spans(make_spans(1)).SerializeToString() for _ in range(3)]
    url = f"{gateway.http_url}/v1/traces"

    assert httpx.post(url, content=bodies[0], headers=PROTOBUF).status_code == 200
    assert httpx.post(url, content=bodies[1], headers=PROTOBUF).status_code == 200
    full = httpx.post(url, content=bodies[2], headers=PROTOBUF)
    assert full.status_code == 429
    assert int(full.headers["Retry-After"]) >= 1
    with (
        grpc.insecure_channel(gateway.grpc_target) as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        channel.unary_unary(TRACE_SERVICE)(bodies[2], timeout=5)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert retry_delay(caught.value.trailing_metadata()) is not None
    assert "queue_size" in httpx.get(gateway.url("metrics", "/metrics")).text

    upstream.down = False
    upstream.wait_for_spans(2)
    gateway.stop()
    assert len(upstream.spans()) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["failed"]  # delivered, deleted


def test_a_permanently_refused_request_is_kept_aside(
    upstream: Upstream, start_gateway: StartGateway, tmp_path: Path
) -> None:
    config = gateway_config(upstream, queue_dir=str(tmp_path))
    config["exporters"]["otlphttp"]["traces_endpoint"] = f"{upstream.http_url}/nowhere"
    gateway = start_gateway(config)
    body = encode_spans(make_spans(1)).SerializeToString()
    assert httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF).is_success
    failed = tmp_path / "failed"
    gateway.stop()  # drains: the one request is refused (404) and moved aside
    assert len(list(failed.iterdir())) == 1
    assert gateway.gateway.telemetry.total("failed_items_total") == 1


def test_a_redirect_is_not_a_delivery(
    upstream: Upstream, start_gateway: StartGateway, tmp_path: Path
) -> None:
    """Found by review: a redirect turned the POST into a GET without the data, whose
    200 counted as delivered. It is now a permanent error of the gateway's setup."""
    config = gateway_config(upstream)
    config["exporters"]["otlphttp"]["traces_endpoint"] = f"{upstream.http_url}/sso/v1/traces"
    gateway = start_gateway(config)
    body = encode_spans(make_spans(1)).SerializeToString()
    response = httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF)
    assert not response.is_success and upstream.attempts == 1
    assert gateway.gateway.telemetry.total("exported_items_total") == 0


def test_errors_do_not_show_credentials_in_the_upstream_url(
    upstream: Upstream, start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors reach clients and logs: a URL's user part and query are left out."""
    config = gateway_config(upstream)
    url = upstream.http_url.replace("http://", "http://user:pa55word@")
    config["exporters"]["otlphttp"]["traces_endpoint"] = f"{url}/nowhere?token=s3cr3t"
    gateway = start_gateway(config)
    body = encode_spans(make_spans(1)).SerializeToString()
    response = httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code >= 400
    message = Status.FromString(response.content).message
    assert "HTTP 404 from the configured endpoint" in message
    for secret in ("pa55word", "s3cr3t"):
        assert secret not in message and secret not in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://svc:tok/EN+s3cr3t@127.0.0.1:9/v1/traces",  # a / in the password
        "http://svc:ab#s3cr3t@127.0.0.1:9/v1/traces",
        "http://svc:ab?s3cr3t@127.0.0.1:9/v1/traces",
        "http://127.0.0.1:9/v1/traces?key=s3cr3t",
    ],
)
def test_the_url_errors_show_holds_no_credentials(url: str) -> None:
    """Found by review: a password holding `/`, `?` or `#` read as a host or a path."""
    assert "s3cr3t" not in _shown(url) and "tok" not in _shown(url)


def test_a_retry_hint_on_an_accepted_request_is_ignored(
    upstream: Upstream, start_gateway: StartGateway, tmp_path: Path
) -> None:
    """Found by review: a 200 carrying a Retry-After date past year 9999 raised while
    it was read, and the accepted request was sent again and again."""
    upstream.success_headers = {"Retry-After": "31 Dec 99999999999 23:59:59"}
    gateway = start_gateway(gateway_config(upstream, queue_dir=str(tmp_path)))
    body = encode_spans(make_spans(1)).SerializeToString()
    assert httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF).is_success
    upstream.wait_for_spans(1)
    gateway.stop()
    assert upstream.attempts == 1 and len(upstream.spans()) == 1


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_an_accepted_request_whose_answer_cannot_be_read_is_not_resent(
    upstream: Upstream, start_gateway: StartGateway, tmp_path: Path, coding: str
) -> None:
    """Found by review: a 200 whose body could not be read (declared gzip, and not; or
    an encoding aiohttp cannot decode) counted as a failed attempt, and the request was
    sent again and again."""
    upstream.success_headers = {"Content-Encoding": coding}
    upstream.success_body = b"not gzip at all"
    gateway = start_gateway(gateway_config(upstream, queue_dir=str(tmp_path)))
    body = encode_spans(make_spans(1)).SerializeToString()
    assert httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF).is_success
    upstream.wait_for_spans(1)
    gateway.stop()
    assert upstream.attempts == 1


def test_retries_never_follow_each_other_at_once() -> None:
    """Found by review: `initial_interval: 0s` and `Retry-After: 0` gave thousands of
    attempts a second."""
    backoff = Backoff(RetryConfig(initial_interval=0.0, randomization_factor=0.0))
    assert min(backoff.next_delay(0.0) for _ in range(5)) >= 0.05


def test_a_refusal_whose_answer_cannot_be_read_is_a_refusal(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    """Found by review: a 400 whose body could not be read became retryable (503 to
    the client after seven attempts). Its body is not read at all now."""
    config = gateway_config(upstream)
    config["exporters"]["otlphttp"]["traces_endpoint"] = f"{upstream.http_url}/refuse/v1/traces"
    gateway = start_gateway(config)
    body = encode_spans(make_spans(1)).SerializeToString()
    response = httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 400 and upstream.attempts == 1


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw deflate"])
def test_partial_success_in_a_compressed_answer_is_counted(
    upstream: Upstream, start_gateway: StartGateway, coding: str
) -> None:
    """Found by review: decoding answers itself, the exporter lost the partial success
    of raw-deflate answers (Go's compress/flate), and let aiohttp offer encodings it
    does not decode (br, zstd). It offers gzip and deflate only, and reads both forms."""
    answer = ExportTraceServiceResponse()
    answer.partial_success.rejected_spans = 1
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}.get(coding, -zlib.MAX_WBITS)
    compressor = zlib.compressobj(wbits=wbits)
    upstream.success_body = compressor.compress(answer.SerializeToString()) + compressor.flush()
    upstream.success_headers = {"Content-Encoding": coding.split()[-1]}
    gateway = start_gateway(gateway_config(upstream))
    body = encode_spans(make_spans(2)).SerializeToString()
    assert httpx.post(f"{gateway.http_url}/v1/traces", content=body, headers=PROTOBUF).is_success
    assert upstream.headers[0]["Accept-Encoding"] == "gzip, deflate"
    telemetry = gateway.gateway.telemetry
    assert telemetry.total("failed_items_total") == 1
    assert telemetry.total("exported_items_total") == 1
