"""Configuration by environment variables and YAML, turned into anonymizers.

The same options serve the YAML file (`OTEL_ANONYMIZER_CONFIG`), the environment
variables and the gateway's `anonymizer` processor; `anonymizers_from_options` builds the
chain they describe. Anything invalid raises a `ConfigError` that names the key (the YAML
path or the variable), the value and the valid choices, before any telemetry flows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from otel_anonymizer.anonymizer import Anonymizer, RuleError, create_anonymizer
from otel_anonymizer.detectors import Detector, select
from otel_anonymizer.detectors.keys import DEFAULT_SAFE_KEYS
from otel_anonymizer.fields import FIELDS
from otel_anonymizer.operators import MIN_HASH_KEY_BYTES, OPERATOR_NAMES
from otel_anonymizer.pii import ACTIONS, FieldPolicy, pii_anonymizer
from otel_anonymizer.placeholders import FAILURE_PLACEHOLDER
from otel_anonymizer.sanitizer import EXPORT_TIMEOUT


class ConfigError(ValueError):
    """Configuration is invalid; the message names the key path and what is wrong."""


#: Environment variables and the option each sets (list options: comma-separated).
ENVIRONMENT = {
    "OTEL_ANONYMIZER_DETECTORS": "detectors",
    "OTEL_ANONYMIZER_OPERATOR": "operator",
    "OTEL_ANONYMIZER_OPERATORS": "operators",
    "OTEL_ANONYMIZER_FIELDS": "fields",
    "OTEL_ANONYMIZER_PLACEHOLDER": "placeholder",
    "OTEL_ANONYMIZER_PHONE_REGIONS": "phone_regions",
    "OTEL_ANONYMIZER_SENSITIVE_KEYS": "sensitive_keys",
    "OTEL_ANONYMIZER_SAFE_KEYS": "safe_keys",
    "OTEL_ANONYMIZER_HASH_KEY_FILE": "hash_key_file",
    "OTEL_ANONYMIZER_MASK_KEEP": "mask_keep",
    "OTEL_ANONYMIZER_REGEX_TIMEOUT": "regex_timeout",
    "OTEL_ANONYMIZER_EXPORT_TIMEOUT": "export_timeout",
}
_PREFIX = "OTEL_ANONYMIZER_"
CONFIG_ENV = "OTEL_ANONYMIZER_CONFIG"
HASH_KEY_ENV = "OTEL_ANONYMIZER_HASH_KEY"

_NO_DETECTOR = (
    "selects no detector; write none for no detectors, or start from a set to remove "
    "some (default,-email)"
)
_LIST_OPTIONS = ("fields", "phone_regions", "sensitive_keys", "safe_keys")


def _reject(where: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{where}: {expected}, got {value!r}")


def _string(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _reject(where, value, "expected a string")
    return value


def _strings(where: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _reject(where, value, "expected a list of strings")
    return list(value)


def _choice(where: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise _reject(where, value, f"expected one of {', '.join(choices)}")
    return str(value)


def _number(where: str, value: Any, kind: type, minimum: float) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):  # int(inf) overflows
        raise _reject(where, value, f"expected a {kind.__name__}") from None
    # NaN is no number of seconds, and infinity no bound.
    if isinstance(value, bool) or not minimum <= number < math.inf:
        raise _reject(where, value, f"expected a finite {kind.__name__} >= {minimum}")
    return number


def _boolean(where: str, value: Any) -> bool:
    """A boolean, or its text (`${env:...}` substitutes text): `"false"` is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _reject(where, value, "expected true or false")


def _mapping(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _reject(where, value, "expected a mapping")
    return value


def _entry(where: str, value: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
    """A mapping with no keys but `keys`."""
    item = _mapping(where, value)
    unknown = sorted(set(item) - set(keys))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key; valid keys: {', '.join(keys)}")
    return item


def _operators(where: str, value: Any) -> dict[str, str]:
    if isinstance(value, str):  # env form: "email=hash,credit_card=mask"
        pairs: dict[str, Any] = {}
        for item in _strings(where, value):
            name, sep, operator = item.partition("=")
            if not sep:
                raise _reject(where, item, "expected detector=operator pairs")
            pairs[name.strip()] = operator.strip()
        value = pairs
    return {
        str(name): _choice(f"{where}.{name}", operator, OPERATOR_NAMES)
        for name, operator in _mapping(where, value).items()
    }


def _policies(where: str, value: Any) -> list[FieldPolicy]:
    if not isinstance(value, list):
        raise _reject(where, value, "expected a list of field policies")
    policies = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        item = _entry(at, item, ("match", "action", "operator", "label"))
        if "match" not in item:
            raise ConfigError(f"{at}: missing key 'match' (a glob over field names)")
        policies.append(
            FieldPolicy(
                _string(f"{at}.match", item["match"]),
                action=_choice(f"{at}.action", item.get("action", "scan"), ACTIONS),  # type: ignore[arg-type]
                operator=(
                    _choice(f"{at}.operator", item["operator"], OPERATOR_NAMES)
                    if "operator" in item
                    else None
                ),
                label=_string(f"{at}.label", item.get("label", "REDACTED")),
            )
        )
    return policies


def _custom_detectors(where: str, value: Any) -> list[Detector]:
    if not isinstance(value, list):
        raise _reject(where, value, "expected a list of detectors")
    detectors = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        item = _entry(at, item, ("name", "regex", "label", "kind"))
        for key in ("name", "regex"):
            if key not in item:
                raise ConfigError(f"{at}: missing key {key!r}")
        try:
            detectors.append(
                Detector(
                    _string(f"{at}.name", item["name"]),
                    _string(f"{at}.regex", item["regex"]),
                    label=_string(f"{at}.label", item.get("label", "")),
                    kind=_choice(f"{at}.kind", item.get("kind", "pii"), ("pii", "secret")),  # type: ignore[arg-type]
                )
            )
        except ValueError as error:
            raise ConfigError(f"{at}: {error}") from None
    return detectors


def _rules(where: str, value: Any, max_depth: int, timeout: float) -> list[Anonymizer]:
    if not isinstance(value, list):
        raise _reject(where, value, "expected a list of rules")
    anonymizers: list[Anonymizer] = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        item = _entry(at, item, ("regex", "replace", "fields"))
        if "regex" not in item or "replace" not in item:
            raise ConfigError(f"{at}: a rule needs 'regex' and 'replace'")
        try:
            rule = create_anonymizer(
                {"regex": item["regex"], "replace": item["replace"]},
                max_depth=max_depth,
                timeout=timeout,
            )
        except RuleError as error:
            raise ConfigError(f"{at}: {error}") from None
        fields = item.get("fields")
        if fields is None:
            anonymizers.append(rule)
        else:
            chosen = [_choice(f"{at}.fields", field, FIELDS) for field in _strings(at, fields)]
            anonymizers.append(FieldScoped(rule, chosen))
    return anonymizers


class FieldScoped(Anonymizer):
    """Applies an anonymizer only to some logical fields (`input`, `output`, `metadata`)."""

    def __init__(self, anonymizer: Anonymizer, fields: Sequence[str]) -> None:
        self.anonymizer = anonymizer
        self.fields = frozenset(fields)

    @property
    def reads_names(self) -> bool:  # type: ignore[override]
        return self.anonymizer.reads_names

    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        if self._covers(kwargs.get("field_name")):
            return self.anonymizer.anonymize(data, **kwargs)
        return data

    def anonymize_keys(self, data: dict[Any, Any], field_name: str | None = None) -> dict[Any, Any]:
        if self._covers(field_name):
            return self.anonymizer.anonymize_keys(data, field_name)
        return data

    def _covers(self, field_name: str | None) -> bool:
        return str(field_name or "").split(".", 1)[0] in self.fields


def _hash_key(options: Mapping[str, Any], where: str, environ: Mapping[str, str]) -> str | None:
    if "hash_key_file" in options:
        path = Path(_string(f"{where}.hash_key_file", options["hash_key_file"]))
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as error:
            # Not the path itself: a key set there by mistake would be echoed.
            raise ConfigError(
                f"{where}.hash_key_file: cannot read the file it names: {error.strerror}"
            ) from None
        except UnicodeDecodeError:  # nor the byte it stopped at: a part of the key
            raise ConfigError(
                f"{where}.hash_key_file: the file it names is not UTF-8 text; write the "
                "key as text (`openssl rand -hex 32`)"
            ) from None
    variable = _string(f"{where}.hash_key_env", options.get("hash_key_env", HASH_KEY_ENV))
    return environ.get(variable) or None


#: Options of the built-in anonymizer whose loss, with no built-in anonymizer, would
#: anonymize less than asked or otherwise than asked (others, a shared key file, are fine).
_BUILT_IN_OPTIONS = ("policies", "sensitive_keys", "operator", "operators")

#: Every option the anonymizer accepts, and how it is read.
OPTIONS = (
    "detectors", "operator", "operators", "fields", "policies", "custom_detectors", "rules",
    "phone_regions", "check_keys", "sensitive_keys", "safe_keys", "hash_key_env",
    "hash_key_file", "hash_length", "mask_keep", "regex_timeout", "max_depth", "placeholder",
    "hash_key", "export_timeout",
)  # fmt: skip


def anonymizers_from_options(
    options: Mapping[str, Any] | None,
    where: str,
    environ: Mapping[str, str] | None = None,
) -> list[Anonymizer]:
    """The anonymizers `options` describe; `where` is the key path used in messages.

    With `detectors` (default `default`) the chain starts with a `PIIAnonymizer`; set
    `detectors: none` for user rules only. `rules` adds seed-style regex rules, each
    optionally limited to some `fields`.
    """
    environ = os.environ if environ is None else environ
    options = _mapping(where, options or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        # The value is not quoted: a misspelt key may well hold a secret.
        raise ConfigError(
            f"{where}.{unknown[0]}: unknown option; valid options: {', '.join(sorted(OPTIONS))}"
        )
    if "hash_key" in options:  # whatever the operator: a secret never sits in a config file
        raise ConfigError(
            f"{where}.hash_key: a key must not be written in configuration; set "
            f"{HASH_KEY_ENV}, or hash_key_env (a variable name) or hash_key_file (a path)"
        )
    for name in ("hash_key_env", "hash_key_file"):  # checked even where no hash needs them
        if name in options:
            _string(f"{where}.{name}", options[name])
    max_depth = _number(f"{where}.max_depth", options.get("max_depth", 10), int, 1)
    timeout = _number(f"{where}.regex_timeout", options.get("regex_timeout", 1.0), float, 0.001)
    exporter_options(options, where)  # read by `configure`: checked here with the rest
    anonymizers: list[Anonymizer] = []
    detectors = options.get("detectors", "default")
    if detectors is None or detectors == [] or detectors == "":
        # A list whose items were all commented out reads as null: not "no detectors".
        raise ConfigError(f"{where}.detectors: {_NO_DETECTOR}")
    if detectors == "none" and not options.get("custom_detectors"):
        if not options.get("rules"):
            raise ConfigError(
                f"{where}.detectors: none, and no rules or custom_detectors: nothing would "
                "be anonymized"
            )
        unused = sorted(set(options) & set(_BUILT_IN_OPTIONS))
        if _boolean(f"{where}.check_keys", options.get("check_keys", False)):
            # asked for, and no built-in anonymizer to do it
            unused.append("check_keys")
        if unused:  # they would be ignored (a policy to redact, not applied)
            raise ConfigError(
                f"{where}.{unused[0]}: applies to the built-in detectors, and detectors is none"
            )
    if detectors != "none" or options.get("custom_detectors"):
        try:
            anonymizers.append(_pii(options, where, environ, max_depth, timeout))
        except ValueError as error:
            if isinstance(error, ConfigError):
                raise
            raise ConfigError(f"{where}: {error}") from None
    if "rules" in options:
        anonymizers += _rules(f"{where}.rules", options["rules"], max_depth, timeout)
    return anonymizers


def _pii(
    options: Mapping[str, Any],
    where: str,
    environ: Mapping[str, str],
    max_depth: int,
    timeout: float,
) -> Anonymizer:
    policies = _policies(f"{where}.policies", options.get("policies", []))
    if "fields" in options:
        covered = [
            _choice(f"{where}.fields", field, FIELDS)
            for field in _strings(f"{where}.fields", options["fields"])
        ]
        if not covered:  # every field kept: everything would go out as it came
            raise ConfigError(f"{where}.fields: covers no field; list some of {', '.join(FIELDS)}")
        for field in FIELDS:
            if field not in covered:
                policies += [FieldPolicy(field, "keep"), FieldPolicy(f"{field}.*", "keep")]
    operator = _choice(f"{where}.operator", options.get("operator", "replace"), OPERATOR_NAMES)
    operators = _operators(f"{where}.operators", options.get("operators", {}))
    hash_key = (
        _hash_key(options, where, environ) if _needs_hash(operator, operators, policies) else None
    )
    detectors = options.get("detectors", "default")
    selection = [] if detectors == "none" else _strings(f"{where}.detectors", detectors)
    custom = _custom_detectors(f"{where}.custom_detectors", options.get("custom_detectors", []))
    regions = (
        _strings(f"{where}.phone_regions", options["phone_regions"])
        if "phone_regions" in options
        else None
    )
    try:
        chosen = select(selection, custom=custom, phone_regions=regions)
    except ValueError as error:
        raise ConfigError(f"{where}.detectors: {error}") from None
    if not chosen:  # `-email` alone, or `,`: everything would go out as it came
        raise ConfigError(f"{where}.detectors: {_NO_DETECTOR}")
    needs_key = _needs_hash(operator, operators, policies)
    if needs_key and (hash_key is None or len(hash_key.encode()) < MIN_HASH_KEY_BYTES):
        if operator == "hash":
            key = "operator"
        elif "hash" in operators.values():
            key = "operators"
        else:
            first = next(i for i, policy in enumerate(policies) if policy.operator == "hash")
            key = f"policies[{first}].operator"
        raise ConfigError(
            f"{where}.{key}: the hash operator needs a secret key of at least "
            f"{MIN_HASH_KEY_BYTES} bytes in {HASH_KEY_ENV} (or the variable named by "
            "hash_key_env, or the file named by hash_key_file); generate one with "
            "`openssl rand -hex 32`"
        )
    try:
        return pii_anonymizer(
            selection,
            operator,
            operators=operators,
            fields=policies,
            hash_key=hash_key,
            hash_length=_number(f"{where}.hash_length", options.get("hash_length", 8), int, 4),
            mask_keep=_number(f"{where}.mask_keep", options.get("mask_keep", 4), int, 0),
            custom_detectors=custom,
            phone_regions=regions,
            check_keys=_boolean(f"{where}.check_keys", options.get("check_keys", True)),
            sensitive_keys=_strings(f"{where}.sensitive_keys", options.get("sensitive_keys", [])),
            safe_keys=DEFAULT_SAFE_KEYS
            | frozenset(_strings(f"{where}.safe_keys", options.get("safe_keys", []))),
            max_depth=max_depth,
            timeout=timeout,
        )
    except ConfigError:
        raise
    except ValueError as error:  # an operator override naming an unknown detector
        raise ConfigError(f"{where}.operators: {error}") from None


def _needs_hash(operator: str, operators: Mapping[str, str], policies: list[FieldPolicy]) -> bool:
    return (
        operator == "hash"
        or "hash" in operators.values()
        or any(policy.operator == "hash" for policy in policies)
    )


def load_options(
    environ: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """Options from the YAML file named by `OTEL_ANONYMIZER_CONFIG` (if any), overridden
    by the `OTEL_ANONYMIZER_*` variables; where they came from (for messages); and which
    variable set which option."""
    environ = os.environ if environ is None else environ
    options: dict[str, Any] = {}
    source = "environment"
    path = environ.get(CONFIG_ENV)
    if path:
        options.update(read_yaml(path))
        source = path
    named = options.get("hash_key_env")  # checked with the other options
    known = {*ENVIRONMENT, CONFIG_ENV, HASH_KEY_ENV, named if isinstance(named, str) else ""}
    unknown = sorted(name for name in environ if name.startswith(_PREFIX) and name not in known)
    if unknown:  # a misspelt variable would be ignored, and its data exported as it came
        raise ConfigError(
            f"{unknown[0]}: unknown variable; valid ones: "
            f"{', '.join(sorted({*ENVIRONMENT, CONFIG_ENV, HASH_KEY_ENV}))}"
        )
    from_environment: dict[str, str] = {}
    for variable, option in ENVIRONMENT.items():
        value = environ.get(variable)
        if value is not None and value.strip():
            options[option] = value.strip()
            from_environment[variable] = option
    return options, source, from_environment


def exporter_options(options: Mapping[str, Any], where: str) -> dict[str, Any]:
    """What the options ask of the exporter wrappers `configure` and the zero-code
    exporters build: the failure placeholder (default `[ANONYMIZATION_FAILED]`) and the
    most an export call may spend anonymizing (`export_timeout`, default 10 s)."""
    return {
        "placeholder": _string(
            f"{where}.placeholder", options.get("placeholder", FAILURE_PLACEHOLDER)
        ),
        "timeout": _number(
            f"{where}.export_timeout", options.get("export_timeout", EXPORT_TIMEOUT), float, 0.001
        ),
    }


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping from `path`; unreadable or malformed files raise `ConfigError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{CONFIG_ENV}: cannot read {str(path)!r}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{line}") from None
    except (ValueError, RecursionError):  # a date that is none (2024-13-45), deep nesting
        raise ConfigError(f"{path}: invalid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of options at the top level")
    return data


def anonymizers_from_environment(environ: Mapping[str, str] | None = None) -> list[Anonymizer]:
    """The anonymizers configured by the YAML file and the environment variables.

    Errors about an option set by a variable name that variable.
    """
    environ = os.environ if environ is None else environ
    options, source, from_environment = load_options(environ)
    try:
        return anonymizers_from_options(options, source, environ)
    except ConfigError as error:
        raise _named_by_variable(error, source, from_environment) from None


def exporter_options_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`exporter_options` as the YAML file and the environment variables set them."""
    options, source, from_environment = load_options(environ)
    try:
        return exporter_options(options, source)
    except ConfigError as error:
        raise _named_by_variable(error, source, from_environment) from None


def _named_by_variable(
    error: ConfigError, source: str, from_environment: Mapping[str, str]
) -> ConfigError:
    """`error`, naming the environment variable that set the option it is about."""
    message = str(error)
    for variable, option in from_environment.items():
        prefix = f"{source}.{option}"
        # `operator` is a prefix of `operators`: the option's name must end there.
        if message.startswith(prefix) and message[len(prefix) : len(prefix) + 1] in ".[:":
            return ConfigError(variable + message[len(prefix) :])
    return error
