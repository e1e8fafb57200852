"""Counting and logging anonymization failures without ever logging the values.

A failure (an anonymizer raising, timing out, returning an unusable type) is counted by
anonymizer and reason, and logged once per distinct (anonymizer, reason, field) so that a
broken anonymizer cannot flood the logs.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

_logger = logging.getLogger("otel_anonymizer")
_lock = threading.Lock()
_counts: Counter[tuple[str, str]] = Counter()
_logged: set[tuple[str, str, str]] = set()


def record_failure(anonymizer: str, reason: str, field: str, object_type: str) -> None:
    """Count one failure; log it the first time. Arguments must never hold user data."""
    key = (anonymizer, reason, field)
    with _lock:
        _counts[(anonymizer, reason)] += 1
        first = key not in _logged
        if first:
            _logged.add(key)
    if first:
        _logger.warning(
            "anonymizer %s failed on field %r of a %s (%s); the value was replaced by a "
            "placeholder. Further identical failures are counted, not logged.",
            anonymizer,
            field,
            object_type,
            reason,
        )


def failure_total() -> int:
    """How many failures so far, of any kind."""
    with _lock:
        return _counts.total()


def failure_counts() -> dict[tuple[str, str], int]:
    """Failures so far, keyed by (anonymizer class name, reason)."""
    with _lock:
        return dict(_counts)


def reset_failures() -> None:
    """Forget counts and which failures were logged (for tests and long-lived workers)."""
    with _lock:
        _counts.clear()
        _logged.clear()
