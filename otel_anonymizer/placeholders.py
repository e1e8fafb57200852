"""Placeholders written where a value could not be anonymized safely.

They are plain strings so that they stay legal in every OpenTelemetry value slot and are
easy to search for in a backend.
"""

from __future__ import annotations

#: Written where an anonymizer raised, timed out or returned an unusable type.
FAILURE_PLACEHOLDER = "[ANONYMIZATION_FAILED]"
#: Written where data lies deeper than an anonymizer's `max_depth`.
MAX_DEPTH_PLACEHOLDER = "[MAX_DEPTH_EXCEEDED]"
#: Written where a container contains itself.
CYCLE_PLACEHOLDER = "[CYCLE]"
