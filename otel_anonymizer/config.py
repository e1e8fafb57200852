"""Building anonymizers from configuration data (YAML files, the gateway's processor).

`anonymizers_from_options` turns a mapping of options into the chain of anonymizers it
describes, and rejects anything it does not understand with a `ConfigError` that names
the key, the value and the valid choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_anonymizer.anonymizer import Anonymizer, RuleError, create_anonymizer


class ConfigError(ValueError):
    """Configuration is invalid; the message names the key path and what is wrong."""


_KNOWN_KEYS = ("rules",)


def anonymizers_from_options(options: Mapping[str, Any] | None, where: str) -> list[Anonymizer]:
    """The anonymizers described by `options`; `where` is the key path for messages.

    Supported keys: `rules`, a list of seed-style rules (`{"regex": ..., "replace": ...}`).
    """
    if options is None:
        return []
    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(options).__name__}")
    unknown = sorted(set(options) - set(_KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}.{unknown[0]}: unknown option; valid options: {', '.join(_KNOWN_KEYS)}"
        )
    anonymizers: list[Anonymizer] = []
    rules = options.get("rules")
    if rules is not None:
        if not isinstance(rules, list):
            raise ConfigError(
                f"{where}.rules: expected a list of rules, got {type(rules).__name__}"
            )
        for index, rule in enumerate(rules):
            if not isinstance(rule, Mapping):
                raise ConfigError(
                    f"{where}.rules[{index}]: expected a mapping with 'regex' and 'replace'"
                )
        try:
            anonymizers.append(create_anonymizer([dict(rule) for rule in rules]))
        except RuleError as error:
            raise ConfigError(f"{where}.rules: {error}") from None
    return anonymizers
