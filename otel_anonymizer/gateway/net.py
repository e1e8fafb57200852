"""Listening sockets, bound before the servers start so that port 0 can be reported."""

from __future__ import annotations

import socket

from otel_anonymizer.gateway.settings import Endpoint


def listen(endpoint: Endpoint) -> socket.socket:
    """A listening, non-blocking TCP socket on `endpoint` (port 0: any free port)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        endpoint.host, endpoint.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(128)
    sock.setblocking(False)
    return sock
