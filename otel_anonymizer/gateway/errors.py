"""Why the gateway refuses a request, and how each protocol says so.

One exception type per answer of the OTLP specification, carrying its HTTP status, its
gRPC code and, for the retryable ones, a retry hint. Messages never contain request
content. The classes are plain exceptions with positional arguments so that they survive
pickling back from worker processes.
"""

from __future__ import annotations

import grpc


class GatewayError(Exception):
    """A request the gateway answers with an error instead of success."""

    http_status = 500
    grpc_code = grpc.StatusCode.INTERNAL
    reason = "internal"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after)
        self.message = message
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class BadRequest(GatewayError):
    """Malformed protobuf or JSON, invalid UTF-8, bad ids: the client must not retry."""

    http_status = 400
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "bad_request"


class PayloadTooLarge(GatewayError):
    """The body, or what it decompresses to, exceeds the receiver's limit."""

    http_status = 413
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "too_large"


class UnsupportedMedia(GatewayError):
    """A content type or content encoding the receiver does not accept."""

    http_status = 415
    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    reason = "unsupported_media"


class Unauthenticated(GatewayError):
    """Missing or wrong bearer token."""

    http_status = 401
    grpc_code = grpc.StatusCode.UNAUTHENTICATED
    reason = "unauthenticated"


class Overloaded(GatewayError):
    """The sending queue is full: retry later (HTTP 429, gRPC RESOURCE_EXHAUSTED + RetryInfo)."""

    http_status = 429
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED
    reason = "overloaded"


class Unavailable(GatewayError):
    """The upstream is down or the gateway is stopping: retry later (503, UNAVAILABLE)."""

    http_status = 503
    grpc_code = grpc.StatusCode.UNAVAILABLE
    reason = "unavailable"


#: The longest wait an upstream's retry hint may ask for: a far-future date would stop
#: a queue's consumer for good, or tell clients to wait for years.
MAX_RETRY_HINT = 300.0


def bounded_hint(seconds: float) -> float | None:
    """An upstream's retry hint within [0, `MAX_RETRY_HINT`]; None if not a number."""
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_HINT)
