"""W3C trace state headers read as the OpenTelemetry API reads them, without logging."""

from __future__ import annotations

import logging
import random

import pytest
from opentelemetry.trace import TraceState

from otel_anonymizer import tracestate

EDGES = [
    "",
    "a=1",
    " a=1 , b=2 ",
    "a=1,,b=2",
    "a=1,a=2",
    "A=1",
    "1a=1",
    "t@s=x",
    "4111111111111111@vendor=x",
    "[CREDIT_CARD]@vendor=x",
    "app=user:[EMAIL],dd=s:1",
    "a=",
    "a= x",
    "a=x ",
    "a=b=c",
    "=x",
    "[ANONYMIZATION_FAILED]",
    "k=" + "v" * 256,
    "k=" + "v" * 257,
    "k" * 256 + "=v",
    "k" * 257 + "=v",
    ",".join(f"k{index}=v" for index in range(32)),
    ",".join(f"k{index}=v" for index in range(33)),
]


def random_header(rng: random.Random) -> str:
    """Members from pieces that are valid or break the grammar in one place each."""
    keys = ["a", "dd", "k1", "t@s", "0x@v", "k*/-_", "A", "a b", "", "@v", "a@B", "k" * 257]
    values = [
        "1",
        "s:1",
        "x y",
        "[EMAIL]",
        "~",
        "",
        " x",
        "x ",
        "a=b",
        "\x7f",
        "v" * 256,
        "v" * 257,
    ]
    members = [
        f"{rng.choice(['', ' ', chr(9)])}{rng.choice(keys)}={rng.choice(values)}{rng.choice(['', ' '])}"
        for _ in range(rng.randrange(6))
    ]
    return ",".join(members)


def same_as_the_api(header: str) -> None:
    expected = TraceState.from_header([header])
    pairs = tracestate.members(header)
    assert (pairs or []) == list(expected.items()), header
    if pairs:
        assert tracestate.header(pairs) == expected.to_header()


@pytest.mark.parametrize("header", EDGES)
def test_members_match_the_opentelemetry_api(header: str) -> None:
    same_as_the_api(header)


def test_random_headers_match_the_opentelemetry_api() -> None:
    rng = random.Random(12)
    for _ in range(2000):
        same_as_the_api(random_header(rng))


def test_a_refused_member_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The member comes from telemetry: refused, it must not reach the logs (the API's
    `TraceState.from_header` logs it)."""
    with caplog.at_level(logging.DEBUG):
        assert tracestate.members("[CREDIT_CARD]@vendor=x") is None
    assert caplog.records == []
