"""TLS contexts and gRPC credentials from the Collector-style `tls` settings."""

from __future__ import annotations

import ssl
from pathlib import Path

import grpc

from otel_anonymizer.gateway.settings import ClientTLS, ServerTLS


def server_context(tls: ServerTLS) -> ssl.SSLContext:
    """For the OTLP/HTTP receiver; with `client_ca_file`, client certificates are required."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.client_ca_file:
        context.load_verify_locations(tls.client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def server_credentials(tls: ServerTLS) -> grpc.ServerCredentials:
    """For the OTLP/gRPC receiver."""
    key, cert = Path(tls.key_file).read_bytes(), Path(tls.cert_file).read_bytes()
    client_ca = Path(tls.client_ca_file).read_bytes() if tls.client_ca_file else None
    return grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


def client_context(tls: ClientTLS) -> ssl.SSLContext:
    """For the OTLP/HTTP exporter's https:// endpoints."""
    context = ssl.create_default_context(cafile=tls.ca_file)
    if tls.cert_file and tls.key_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def channel_credentials(tls: ClientTLS) -> grpc.ChannelCredentials:
    """For the OTLP/gRPC exporter when `tls.insecure` is false."""
    return grpc.ssl_channel_credentials(
        root_certificates=Path(tls.ca_file).read_bytes() if tls.ca_file else None,
        private_key=Path(tls.key_file).read_bytes() if tls.key_file else None,
        certificate_chain=Path(tls.cert_file).read_bytes() if tls.cert_file else None,
    )
