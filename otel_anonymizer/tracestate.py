"""W3C trace state (`tracestate`) headers, read without logging them.

An anonymized trace state is written back only while it is still a valid list: a
replacement can break its grammar (`[CREDIT_CARD]@vendor=x`, the failure placeholder).
The OpenTelemetry API's `TraceState.from_header` checks the same grammar, but logs the
member it refuses, and a member comes from telemetry: it must not reach the logs.
"""

from __future__ import annotations

import re

# As in the W3C Trace Context specification (and the OpenTelemetry API).
_KEY = re.compile(
    r"[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13}"
)
_VALUE = re.compile(r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]")
_MAX_MEMBERS = 32


def members(header: str) -> list[tuple[str, str]] | None:
    """The `(key, value)` members of a trace state header, or None when it is not a
    valid list (a member out of the grammar, a key twice, more than 32 members)."""
    pairs: dict[str, str] = {}
    for member in header.split(","):
        member = member.strip(" \t")  # optional whitespace; empty members are valid
        if not member:
            continue
        key, equals, value = member.partition("=")
        if not equals or not _KEY.fullmatch(key) or not _VALUE.fullmatch(value) or key in pairs:
            return None
        pairs[key] = value
    return list(pairs.items()) if len(pairs) <= _MAX_MEMBERS else None


def header(pairs: list[tuple[str, str]]) -> str:
    """The header of `members`, as the OTLP encoders write it."""
    return ",".join(f"{key}={value}" for key, value in pairs)
