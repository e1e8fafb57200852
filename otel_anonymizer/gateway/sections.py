"""Typed, path-aware reading of one YAML mapping, for the config loader.

A `Section` hands out typed values and remembers which keys were read; `finish()` then
rejects any key nobody asked for, naming its full path and the valid keys. Every error
is a `ConfigError` that names the key path, the offending value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from otel_anonymizer.config import ConfigError

T = TypeVar("T", bound=str)

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_TRUE = {"true": True, "false": False}


class Section:
    """One mapping of the configuration, at key path `path`."""

    def __init__(self, data: Any, path: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            where = path or "the configuration"
            raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
        self.data: Mapping[str, Any] = data
        self.path = path
        self._read: set[str] = set()

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self.data.get(key, default)

    def section(self, key: str) -> Section:
        return Section(self.raw(key), self.key_path(key))

    def optional_section(self, key: str) -> Section | None:
        """The sub-mapping, or None when absent (present but empty means all defaults)."""
        if key not in self.data:
            self._read.add(key)
            return None
        return self.section(key)

    def string(self, key: str, default: str | None = None, *, secret: bool = False) -> str | None:
        value = self.raw(key, default)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not secret:
            return str(value)
        shown = "<hidden>" if secret else repr(value)
        raise ConfigError(f"{self.key_path(key)}: expected a string, got {shown}")

    def required_string(self, key: str, *, secret: bool = False) -> str:
        value = self.string(key, secret=secret)
        if not value:
            raise ConfigError(f"{self.key_path(key)}: required, and must not be empty")
        return value

    def choice(self, key: str, choices: Sequence[T], default: T) -> T:
        value = self.raw(key, default)
        for choice in choices:
            if value == choice:
                return choice
        raise ConfigError(
            f"{self.key_path(key)}: invalid value {value!r}; valid choices: {', '.join(choices)}"
        )

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE:
            return _TRUE[value.lower()]
        raise ConfigError(f"{self.key_path(key)}: expected true or false, got {value!r}")

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(key, default)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ConfigError(
                f"{self.key_path(key)}: expected an integer >= {minimum}, got {value!r}"
            )
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.raw(key, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if isinstance(value, bool) or not number >= minimum:
            raise ConfigError(
                f"{self.key_path(key)}: expected a number >= {minimum}, got {value!r}"
            )
        return number

    def duration(self, key: str, default: str) -> float:
        """Seconds, from a Go-style duration such as `5s`, `250ms` or `1m30s` (or `0`)."""
        value = self.raw(key, default)
        text = str(value).strip() if isinstance(value, (str, int)) else ""
        if text == "0":
            return 0.0
        parts = _DURATION_PART.findall(text)
        if not text or not parts or "".join(n + u for n, u in parts) != text:
            raise ConfigError(
                f"{self.key_path(key)}: invalid duration {value!r}; use a number with a unit "
                "(ns, us, ms, s, m, h), such as 5s, 250ms or 1m30s"
            )
        return sum(float(number) * _UNITS[unit] for number, unit in parts)

    def string_map(self, key: str, *, secret: bool = True) -> dict[str, str]:
        sub = self.section(key)
        return {str(name): sub.required_string(str(name), secret=secret) for name in sub.data}

    def string_list(self, key: str) -> list[str]:
        value = self.raw(key, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{self.key_path(key)}: expected a list of names, got {value!r}")
        return list(value)

    def finish(self) -> None:
        """Reject keys that were never read: they are typos or unsupported options."""
        unknown = [key for key in self.data if key not in self._read]
        if unknown:
            valid = ", ".join(sorted(self._read)) or "(none)"
            raise ConfigError(
                f"{self.key_path(str(unknown[0]))}: unknown key; valid keys here: {valid}"
            )
