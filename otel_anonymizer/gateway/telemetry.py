"""Self-telemetry: counters of what the gateway did, in the Prometheus text format.

Collector users scrape `otelcol_*` metrics; these are named `otel_anonymizer_gateway_*`
and cover the same story: items received, anonymized, exported, retried, rejected and
failed, values redacted, anonymizer failures (counted in the workers and reported back
with each request), and the sending queues' sizes. Labels carry component names and
reasons, never request content.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

PREFIX = "otel_anonymizer_gateway_"
Labels = tuple[tuple[str, str], ...]

#: name -> (type, help)
METRICS: dict[str, tuple[str, str]] = {
    "received_items_total": ("counter", "Spans or log records received and parsed."),
    "received_requests_total": ("counter", "Export requests received."),
    "rejected_requests_total": ("counter", "Requests answered with an error, by reason."),
    "anonymized_items_total": ("counter", "Items that went through anonymizer processors."),
    "redacted_values_total": ("counter", "Values the anonymizers changed or removed."),
    "redactions_total": (
        "counter",
        "Detections replaced by the built-in anonymizer, by detector (key:secret for values "
        "under sensitive keys).",
    ),
    "anonymization_failures_total": (
        "counter",
        "Values or items replaced by a placeholder because anonymizing them failed.",
    ),
    "exported_items_total": ("counter", "Items the upstream accepted."),
    "export_retries_total": ("counter", "Export attempts that failed and were retried."),
    "failed_items_total": ("counter", "Items the upstream rejected permanently."),
    "queue_size": ("gauge", "Requests waiting in a durable sending queue."),
}


class Telemetry:
    """Thread-safe counters and gauges, rendered on demand."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._gauges: dict[tuple[str, Labels], Callable[[], float]] = {}

    def add(self, name: str, amount: float = 1, **labels: str) -> None:
        """Add `amount` to counter `name` with these labels."""
        if name not in METRICS:
            raise KeyError(name)
        key = tuple(sorted(labels.items()))
        with self._lock:
            series = self._values[name]
            series[key] = series.get(key, 0) + amount

    def gauge(self, name: str, read: Callable[[], float], **labels: str) -> None:
        """Register a gauge read at scrape time."""
        self._gauges[(name, tuple(sorted(labels.items())))] = read

    def total(self, name: str) -> float:
        """A counter summed over all its label sets (for tests and the benchmark)."""
        with self._lock:
            return sum(self._values[name].values())

    def render(self) -> str:
        """All metrics in the Prometheus text exposition format (version 0.0.4)."""
        with self._lock:
            values = {name: dict(series) for name, series in self._values.items()}
        for (name, labels), read in self._gauges.items():
            values.setdefault(name, {})[labels] = read()
        lines = []
        for name, (kind, help_text) in METRICS.items():
            lines += [f"# HELP {PREFIX}{name} {help_text}", f"# TYPE {PREFIX}{name} {kind}"]
            for labels, value in sorted(values.get(name, {}).items()):
                lines.append(f"{PREFIX}{name}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    """A sample value as Prometheus reads it: counts exactly (`{:g}` wrote 1234567 as
    `1.23457e+06`), other numbers in full precision."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    return repr(float(value))
