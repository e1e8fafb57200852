"""The anonymizer API of the seed page: base classes, rules and `create_anonymizer`."""

from otel_anonymizer.anonymizer.base import Anonymizer, OnMaxDepth, RecursiveAnonymizer
from otel_anonymizer.anonymizer.rules import (
    DEFAULT_REGEX_TIMEOUT,
    FunctionRule,
    RegexRule,
    Rule,
    RuleError,
    RulesAnonymizer,
    create_anonymizer,
)

__all__ = [
    "DEFAULT_REGEX_TIMEOUT",
    "Anonymizer",
    "FunctionRule",
    "OnMaxDepth",
    "RecursiveAnonymizer",
    "RegexRule",
    "Rule",
    "RuleError",
    "RulesAnonymizer",
    "create_anonymizer",
]
