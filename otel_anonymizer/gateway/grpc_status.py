"""gRPC retry hints: `google.rpc.RetryInfo` in the `grpc-status-details-bin` trailer.

The OTLP specification has servers signal throttling with `RESOURCE_EXHAUSTED` or
`UNAVAILABLE` plus a `RetryInfo` detail; a client retries `RESOURCE_EXHAUSTED` only
when that detail is present. The gateway both sends such hints (receiver) and honours
them (exporter).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import DecodeError
from google.rpc.error_details_pb2 import RetryInfo
from google.rpc.status_pb2 import Status

from otel_anonymizer.gateway.errors import bounded_hint

DETAILS_KEY = "grpc-status-details-bin"


def status_trailer(
    code: grpc.StatusCode, message: str, retry_after: float | None
) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata carrying a `google.rpc.Status` with a `RetryInfo` detail."""
    if retry_after is None:
        return ()
    status = Status(code=code.value[0], message=message)
    delay = Duration()
    delay.FromNanoseconds(int(retry_after * 1e9))
    status.details.add().Pack(RetryInfo(retry_delay=delay))
    return ((DETAILS_KEY, status.SerializeToString()),)


def retry_delay(trailing_metadata: Iterable[Any] | None) -> float | None:
    """Seconds from a `RetryInfo` in trailing metadata, if the server sent one."""
    for key, value in trailing_metadata or ():
        if key != DETAILS_KEY or not isinstance(value, bytes):
            continue
        try:
            status = Status.FromString(value)
            for detail in status.details:
                info = RetryInfo()
                if detail.Unpack(info):
                    return bounded_hint(float(info.retry_delay.ToNanoseconds()) / 1e9)
        except DecodeError:  # a malformed status or RetryInfo: no hint
            return None
    return None
