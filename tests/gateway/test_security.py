"""Bearer-token authentication and TLS, on receivers and exporters, with real clients."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans
from opentelemetry.sdk.trace.export import SpanExportResult

from tests.gateway.conftest import RunningGateway, gateway_config
from tests.gateway.sdk_clients import make_spans, span_exporter
from tests.gateway.test_bad_input import PROTOBUF, TRACE_SERVICE, valid_body
from tests.gateway.upstream import Upstream

StartGateway = Callable[..., RunningGateway]
TOKEN = "s3cret-token"


def with_token(upstream: Upstream) -> dict:  # type: ignore[type-arg]
    auth = {"auth": {"authenticator": "bearertokenauth"}}
    return gateway_config(
        upstream,
        http=auth,
        grpc=auth,
        extensions={"bearertokenauth": {"token": "${env:GATEWAY_TOKEN}"}},
    )


def test_bearer_token_is_required_on_both_protocols(
    upstream: Upstream, start_gateway: StartGateway
) -> None:
    gateway = start_gateway(with_token(upstream), {"GATEWAY_TOKEN": TOKEN})
    url = f"{gateway.http_url}/v1/traces"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = httpx.post(url, content=valid_body(), headers={**PROTOBUF, **headers})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    with (
        grpc.insecure_channel(gateway.grpc_target) as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        channel.unary_unary(TRACE_SERVICE)(valid_body(), timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert upstream.spans() == []

    headers = {"authorization": f"Bearer {TOKEN}"}
    for protocol in ("http", "grpc"):
        sdk = span_exporter(gateway, protocol, headers=headers)
        assert sdk.export(make_spans(1)) == SpanExportResult.SUCCESS
    assert len(upstream.spans()) == 2


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    directory = tmp_path_factory.mktemp("certs")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    # Extensions strict X.509 verification asks for (Python 3.13 sets VERIFY_X509_STRICT).
    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash")  # fmt: skip
    (directory / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyAgreement\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    for name in ("server", "client"):
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", "san.ext")  # fmt: skip
    return directory


def tls_gateway_config(upstream: Upstream, certs: Path, *, client_ca: bool = False) -> dict:  # type: ignore[type-arg]
    tls = {"cert_file": str(certs / "server.crt"), "key_file": str(certs / "server.key")}
    if client_ca:
        tls["client_ca_file"] = str(certs / "ca.crt")
    return gateway_config(upstream, http={"tls": tls}, grpc={"tls": tls})


def test_tls_receivers_with_the_sdk_exporters(
    upstream: Upstream,
    start_gateway: StartGateway,
    certificates: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # requests prefers these variables over the exporter's own CA file.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    gateway = start_gateway(tls_gateway_config(upstream, certificates))
    ca = certificates / "ca.crt"
    https = HttpSpans(
        endpoint=f"https://{gateway.addresses['otlp/http']}/v1/traces",
        certificate_file=str(ca),
        timeout=10,
    )
    assert https.export(make_spans(1)) == SpanExportResult.SUCCESS
    secure = GrpcSpans(
        endpoint=gateway.grpc_target,
        credentials=grpc.ssl_channel_credentials(ca.read_bytes()),
        timeout=10,
    )
    assert secure.export(make_spans(1)) == SpanExportResult.SUCCESS
    assert len(upstream.spans()) == 2
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"{gateway.http_url}/v1/traces", content=valid_body(), headers=PROTOBUF)


@pytest.mark.parametrize("exporter", ["otlp", "otlphttp"])
def test_tls_exporters_with_client_certificates(
    upstream: Upstream, start_gateway: StartGateway, certificates: Path, exporter: str
) -> None:
    """Gateway A exports over mutual TLS to gateway B, which requires client certificates."""
    second = start_gateway(tls_gateway_config(upstream, certificates, client_ca=True))
    config = gateway_config(None, exporter=exporter, anonymize=False)
    settings = config["exporters"][exporter]
    settings["endpoint"] = (
        f"https://{second.addresses['otlp/http']}" if exporter == "otlphttp" else second.grpc_target
    )
    settings["tls"] = {
        "ca_file": str(certificates / "ca.crt"),
        "cert_file": str(certificates / "client.crt"),
        "key_file": str(certificates / "client.key"),
    }
    first = start_gateway(config)
    assert span_exporter(first, "http").export(make_spans(2)) == SpanExportResult.SUCCESS
    assert len(upstream.spans()) == 2
    assert "[EMAIL]" in str(upstream.traces[0])  # anonymized by gateway B


@pytest.mark.parametrize("exporter", ["otlp", "otlphttp"])
def test_server_name_override_is_what_the_certificate_is_checked_against(
    upstream: Upstream, start_gateway: StartGateway, certificates: Path, exporter: str
) -> None:
    """Found by review: the HTTP exporter ignored it. The certificate names 127.0.0.1
    and localhost: any other name must fail the handshake."""
    second = start_gateway(tls_gateway_config(upstream, certificates))
    delivered = []
    for name in ("localhost", "elsewhere.example"):
        config = gateway_config(None, exporter=exporter, anonymize=False)
        settings = config["exporters"][exporter]
        settings["endpoint"] = (
            f"https://{second.addresses['otlp/http']}"
            if exporter == "otlphttp"
            else second.grpc_target
        )
        settings["tls"] = {"ca_file": str(certificates / "ca.crt"), "server_name_override": name}
        settings["retry_on_failure"] = {"max_elapsed_time": "100ms"}
        first = start_gateway(config)
        delivered.append(span_exporter(first, "http").export(make_spans(1)))
    assert delivered == [SpanExportResult.SUCCESS, SpanExportResult.FAILURE]
