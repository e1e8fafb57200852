"""`${env:VAR}` and `${file:PATH}` references in the gateway's YAML, as in the Collector.

Every string scalar of the parsed YAML is scanned; `${env:NAME}`, `${NAME}` and
`${env:NAME:-default}` are replaced by the environment variable, `${file:PATH}` by the
file's content without its trailing newline, and `$$` by a literal `$`. A variable that
is not set and has no default is an error naming the key path: silently substituting an
empty string (the Collector's behaviour) would turn a missing token into "no auth".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from otel_anonymizer.config import ConfigError

_REFERENCE = re.compile(r"\$\$|\$\{(?:(env|file):)?([^}:]+?)(?::-([^}]*))?\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def substitute(value: Any, environ: Mapping[str, str], path: str = "") -> Any:
    """A copy of the parsed YAML `value` with every reference replaced."""
    if isinstance(value, str):
        return _substitute_text(value, environ, path)
    if isinstance(value, dict):
        return {
            key: substitute(item, environ, f"{path}.{key}" if path else str(key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [substitute(item, environ, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _substitute_text(text: str, environ: Mapping[str, str], path: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        provider, name, default = match.group(1) or "env", match.group(2), match.group(3)
        if provider == "file":
            return _read_file(name, path)
        if not _NAME.fullmatch(name):
            raise ConfigError(
                f"{path}: {match.group(0)!r} is not a valid reference; use ${{env:NAME}} "
                "or ${file:PATH}"
            )
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(
            f"{path}: environment variable {name} is not set (referenced as "
            f"{match.group(0)}); set it or give a default with ${{env:{name}:-default}}"
        )

    return _REFERENCE.sub(replace, text)


def _read_file(name: str, path: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ${{file:{name}}}: {error}") from None
    except UnicodeDecodeError:  # its message quotes a byte of the (secret) file
        raise ConfigError(f"{path}: cannot read ${{file:{name}}}: not UTF-8 text") from None
