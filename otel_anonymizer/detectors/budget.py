"""Time budgets for scans: a bound on the time one text, or one request, may take.

The built-in detectors run in linear time, but linear is not enough where megabytes come
from anyone (the gateway): a text built to be slow, such as `"1 " * 2**20`, where every
digit starts another reading for the numeric validators, would hold a worker for
minutes. A budget is a deadline kept in a context variable, so it belongs to one thread
(or asyncio task). Scans check it between steps and raise `TimeoutError` once it has
passed; the anonymizers then fail closed, replacing what was being scanned by the
placeholder. Budgets nest: an inner one never ends later than the one around it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_DEADLINE: ContextVar[float] = ContextVar("otel_anonymizer_deadline", default=math.inf)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Scans inside this block raise `TimeoutError` once `seconds` have passed."""
    token = start_budget(seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def start_budget(seconds: float) -> Token[float]:
    """`time_budget` for hot paths, without a generator: pass the token to `end_budget`."""
    return _DEADLINE.set(min(_DEADLINE.get(), time.monotonic() + seconds))


def end_budget(token: Token[float]) -> None:
    """End the budget that `start_budget` returned `token` for."""
    _DEADLINE.reset(token)


def remaining() -> float:
    """Seconds left of the budget running here (`math.inf` without one)."""
    return _DEADLINE.get() - time.monotonic()


def check_budget() -> None:
    """Raise `TimeoutError` if the budget running here has passed."""
    if time.monotonic() > _DEADLINE.get():
        raise TimeoutError("the time budget for anonymizing ran out")
