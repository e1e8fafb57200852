"""otel-anonymizer: remove personal data and secrets from OpenTelemetry telemetry.

The seed's API (`anonymizer`, `hooks`, `track`, `flush_tracker`) plus adapters that hand
anonymized copies of spans and log records to any OpenTelemetry exporter or processor.
"""

from otel_anonymizer import anonymizer, hooks
from otel_anonymizer.anonymizer import (
    Anonymizer,
    FunctionRule,
    RecursiveAnonymizer,
    RegexRule,
    RuleError,
    RulesAnonymizer,
    create_anonymizer,
)
from otel_anonymizer.config import ConfigError
from otel_anonymizer.detectors import Detector
from otel_anonymizer.failures import failure_counts
from otel_anonymizer.fields import DEFAULT_MAPPING, FieldMapping, FieldRule
from otel_anonymizer.pii import FieldPolicy, PIIAnonymizer, pii_anonymizer
from otel_anonymizer.placeholders import FAILURE_PLACEHOLDER, MAX_DEPTH_PLACEHOLDER
from otel_anonymizer.providers import configure
from otel_anonymizer.sanitizer import Entry, Sanitizer
from otel_anonymizer.sdk import (
    AnonymizingLogRecordExporter,
    AnonymizingLogRecordProcessor,
    AnonymizingSpanExporter,
    AnonymizingSpanProcessor,
)
from otel_anonymizer.tracking import flush_tracker, track

__all__ = [
    "DEFAULT_MAPPING",
    "FAILURE_PLACEHOLDER",
    "MAX_DEPTH_PLACEHOLDER",
    "Anonymizer",
    "AnonymizingLogRecordExporter",
    "AnonymizingLogRecordProcessor",
    "AnonymizingSpanExporter",
    "AnonymizingSpanProcessor",
    "ConfigError",
    "Detector",
    "Entry",
    "FieldMapping",
    "FieldPolicy",
    "FieldRule",
    "FunctionRule",
    "PIIAnonymizer",
    "RecursiveAnonymizer",
    "RegexRule",
    "RuleError",
    "RulesAnonymizer",
    "Sanitizer",
    "anonymizer",
    "configure",
    "create_anonymizer",
    "failure_counts",
    "flush_tracker",
    "hooks",
    "pii_anonymizer",
    "track",
]
