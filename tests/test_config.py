"""Configuration by environment variables and YAML, and configure()."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_anonymizer import ConfigError, Entry, Sanitizer, configure, create_anonymizer, hooks
from otel_anonymizer.config import (
    anonymizers_from_environment,
    anonymizers_from_options,
    load_options,
)

KEY = "k" * 32
TEXT = "Mail jane.roe@example.org, card 4111 1111 1111 1111, call +1 415 555 2671."


def run(anonymizers: list[Any], data: Any, field_name: str = "input") -> Any:
    for anonymizer in anonymizers:
        data = anonymizer.anonymize(data, field_name=field_name, object_type="span")
    return data


def test_no_configuration_means_the_default_detector_set() -> None:
    chain = anonymizers_from_environment({})
    assert run(chain, TEXT) == "Mail [EMAIL], card [CREDIT_CARD], call [PHONE]."


def test_environment_variables_choose_detectors_and_operators() -> None:
    chain = anonymizers_from_environment(
        {
            "OTEL_ANONYMIZER_DETECTORS": "email,credit_card",
            "OTEL_ANONYMIZER_OPERATOR": "hash",
            "OTEL_ANONYMIZER_OPERATORS": "credit_card=mask",
            "OTEL_ANONYMIZER_HASH_KEY": KEY,
        }
    )
    result = run(chain, TEXT)
    assert result.startswith("Mail [EMAIL:")
    assert "card ***************1111" in result
    assert "+1 415 555 2671" in result  # phone not selected


def test_the_same_key_gives_the_same_pseudonym_in_every_process() -> None:
    env = {"OTEL_ANONYMIZER_OPERATOR": "hash", "OTEL_ANONYMIZER_HASH_KEY": KEY}
    first = run(anonymizers_from_environment(env), "jane.roe@example.org")
    second = run(anonymizers_from_environment(dict(env)), "Jane.Roe@example.org")
    other = run(
        anonymizers_from_environment({**env, "OTEL_ANONYMIZER_HASH_KEY": "z" * 32}),
        "jane.roe@example.org",
    )
    assert first == second != other


def test_fields_to_cover_leave_the_others_alone() -> None:
    chain = anonymizers_from_environment({"OTEL_ANONYMIZER_FIELDS": "input,output"})
    assert run(chain, {"note": TEXT}, "metadata") == {"note": TEXT}
    assert run(chain, {"note": TEXT}, "input")["note"].startswith("Mail [EMAIL]")


def test_yaml_file_with_policies_custom_detectors_and_rules(tmp_path: Path) -> None:
    path = tmp_path / "anonymizer.yaml"
    path.write_text(
        """
detectors: default,-phone
operator: replace
operators: {email: hash}
hash_key_env: MY_KEY
policies:
  - {match: "metadata.user.id", action: redact, operator: hash, label: USER}
  - {match: "metadata.debug.*", action: drop}
  - {match: "metadata.gen_ai.request.model", action: keep}
custom_detectors:
  - {name: employee_id, regex: 'EMP-\\d{6}', label: EMPLOYEE}
rules:
  - {regex: 'CONFIDENTIAL', replace: '[CLASSIFIED]', fields: [output]}
"""
    )
    chain = anonymizers_from_environment({"OTEL_ANONYMIZER_CONFIG": str(path), "MY_KEY": KEY})
    metadata = run(
        chain,
        {"user.id": "u-42", "debug.raw": "x", "gen_ai.request.model": "gpt-4o", "n": "EMP-123456"},
        "metadata",
    )
    assert metadata["user.id"].startswith("[USER:")
    assert "debug.raw" not in metadata
    assert metadata["gen_ai.request.model"] == "gpt-4o"
    assert metadata["n"] == "[EMPLOYEE]"
    assert run(chain, "CONFIDENTIAL +1 415 555 2671", "output") == "[CLASSIFIED] +1 415 555 2671"
    assert run(chain, "CONFIDENTIAL", "input") == "CONFIDENTIAL"


def test_environment_overrides_the_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("operator: mask\n")
    options, source, from_env = load_options(
        {"OTEL_ANONYMIZER_CONFIG": str(path), "OTEL_ANONYMIZER_OPERATOR": "redact"}
    )
    assert options == {"operator": "redact"}
    assert source == str(path)
    assert from_env == {"OTEL_ANONYMIZER_OPERATOR": "operator"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OTEL_ANONYMIZER_OPERATOR": "blur"},
            "OTEL_ANONYMIZER_OPERATOR: expected one of replace, mask, redact, hash, got 'blur'",
        ),
        (
            {"OTEL_ANONYMIZER_DETECTORS": "default,emial"},
            "OTEL_ANONYMIZER_DETECTORS: unknown detector 'emial'; valid names: ",
        ),
        (
            {"OTEL_ANONYMIZER_OPERATOR": "hash"},
            "OTEL_ANONYMIZER_OPERATOR: the hash operator needs a secret key of at least 32 bytes",
        ),
        (
            {"OTEL_ANONYMIZER_OPERATOR": "hash", "OTEL_ANONYMIZER_HASH_KEY": "short"},
            "OTEL_ANONYMIZER_OPERATOR: the hash operator needs a secret key of at least 32 bytes",
        ),
        (
            {"OTEL_ANONYMIZER_OPERATORS": "email=hash"},
            "OTEL_ANONYMIZER_OPERATORS: the hash operator needs",
        ),
        ({"OTEL_ANONYMIZER_OPERATORS": "emial=mask"}, "OTEL_ANONYMIZER_OPERATORS: "),
        (
            {"OTEL_ANONYMIZER_FIELDS": "input,outptu"},
            "OTEL_ANONYMIZER_FIELDS: expected one of input, output, metadata, got 'outptu'",
        ),
        (
            {"OTEL_ANONYMIZER_MASK_KEEP": "-1"},
            "OTEL_ANONYMIZER_MASK_KEEP: expected a finite int >= 0",
        ),
        (
            {"OTEL_ANONYMIZER_REGEX_TIMEOUT": "soon"},
            "OTEL_ANONYMIZER_REGEX_TIMEOUT: expected a float, got 'soon'",
        ),
        (
            {"OTEL_ANONYMIZER_CONFIG": "/nonexistent/anonymizer.yaml"},
            "OTEL_ANONYMIZER_CONFIG: cannot read '/nonexistent/anonymizer.yaml'",
        ),
        # Selections of nothing would export everything as it came.
        ({"OTEL_ANONYMIZER_DETECTORS": "-email"}, "OTEL_ANONYMIZER_DETECTORS: selects no detector"),
        ({"OTEL_ANONYMIZER_DETECTORS": ","}, "OTEL_ANONYMIZER_DETECTORS: selects no detector"),
        # `operator` is a prefix of `operators`: the error names the variable that set it.
        (
            {"OTEL_ANONYMIZER_OPERATOR": "mask", "OTEL_ANONYMIZER_OPERATORS": "email=hash"},
            "OTEL_ANONYMIZER_OPERATORS: the hash operator needs",
        ),
        # A misspelt variable would be ignored.
        (
            {"OTEL_ANONYMIZER_SENSITIVE_KEY": "pin"},
            "OTEL_ANONYMIZER_SENSITIVE_KEY: unknown variable; valid ones: OTEL_ANONYMIZER_CONFIG",
        ),
    ],
)
def test_bad_environment_names_the_variable_value_and_choices(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        anonymizers_from_environment(env)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"operater": "mask"}, "anonymizer.operater: unknown option; valid options: "),
        (
            {"hash_key": KEY, "operator": "hash"},
            "anonymizer.hash_key: a key must not be written in configuration",
        ),
        (
            {"policies": [{"match": "x", "action": "shred"}]},
            "anonymizer.policies[0].action: expected one of scan, keep, drop, redact, got 'shred'",
        ),
        ({"policies": [{"action": "drop"}]}, "anonymizer.policies[0]: missing key 'match'"),
        (
            {"custom_detectors": [{"name": "x", "regex": "(unclosed"}]},
            "anonymizer.custom_detectors[0]: detector 'x': invalid regex: missing ) at position 9",
        ),
        (
            {"rules": [{"regex": "ok", "replace": "x"}, {"regex": "(bad", "replace": "x"}]},
            "anonymizer.rules[1]: Invalid regex '(bad'",
        ),
        ({"rules": [{"regex": "a"}]}, "anonymizer.rules[0]: a rule needs 'regex' and 'replace'"),
        (
            {"rules": [{"regex": "a", "replace": "b", "fields": ["inputs"]}]},
            "anonymizer.rules[0].fields: expected one of input, output, metadata, got 'inputs'",
        ),
        ({"detectors": 3}, "anonymizer.detectors: expected a list of strings, got 3"),
        # A list whose items are all commented out reads as null.
        ({"detectors": None}, "anonymizer.detectors: selects no detector; write none"),
        ({"detectors": ""}, "anonymizer.detectors: selects no detector"),
        ({"detectors": ["-email"]}, "anonymizer.detectors: selects no detector"),
        ({"detectors": "none"}, "anonymizer.detectors: none, and no rules or custom_detectors"),
        ({"fields": []}, "anonymizer.fields: covers no field"),
        ({"max_depth": float("inf")}, "anonymizer.max_depth: expected a int, got inf"),
        ({"regex_timeout": "inf"}, "anonymizer.regex_timeout: expected a finite float"),
        ({"hash_key_env": ["A", "B"]}, "anonymizer.hash_key_env: expected a string"),
        ({"hash_key_env": {"A": 1}}, "anonymizer.hash_key_env: expected a string"),
        (
            {
                "detectors": "none",
                "rules": [{"regex": "a", "replace": "b"}],
                "policies": [{"match": "metadata.user.id", "action": "redact"}],
            },
            "anonymizer.policies: applies to the built-in detectors, and detectors is none",
        ),
        (
            {"detectors": "none", "rules": [{"regex": "a", "replace": "b"}], "check_keys": True},
            "anonymizer.check_keys: applies to the built-in detectors, and detectors is none",
        ),
        (
            {"rules": [{"regex": r"ticket-(\d+)", "replace": r"T\2"}]},
            r"anonymizer.rules[0]: Invalid replacement 'T\\2' for regex 'ticket-(\\d+)': "
            "invalid group reference",
        ),
        (
            {"policies": [{"match": "metadata.user.id", "action": "redact", "operator": "hash"}]},
            "anonymizer.policies[0].operator: the hash operator needs a secret key",
        ),
    ],
)
def test_bad_options_name_the_yaml_key(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        anonymizers_from_options(options, "anonymizer", {})
    assert str(info.value).startswith(message)


def test_rules_limited_to_fields_reach_the_keys_of_json_text() -> None:
    rule = {"regex": r"[\w.]+@[\w.]+\.\w+", "replace": "[EMAIL]", "fields": ["output"]}
    chain = anonymizers_from_options({"detectors": "none", "rules": [rule]}, "a", {})
    text = json.dumps({"jane.roe@example.com": "ok"})
    [result] = Sanitizer(chain).sanitize([Entry("output.value", text)], "span")
    assert json.loads(result) == {"[EMAIL]": "ok"}
    [kept] = Sanitizer(chain).sanitize([Entry("input.value", text)], "span")
    assert kept == text


def test_a_hash_key_file_that_is_not_text_is_named_without_its_bytes(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(b"\x01\xc3\x28" + b"k" * 40)
    with pytest.raises(ConfigError, match="hash_key_file: the file it names is not UTF-8") as error:
        anonymizers_from_options({"operator": "hash", "hash_key_file": str(key_file)}, "a", {})
    assert "0xc3" not in str(error.value)


def test_the_variable_named_by_hash_key_env_is_known(tmp_path: Path) -> None:
    path = tmp_path / "anonymizer.yaml"
    path.write_text("operator: hash\nhash_key_env: OTEL_ANONYMIZER_KEY_PROD\n")
    env = {"OTEL_ANONYMIZER_CONFIG": str(path), "OTEL_ANONYMIZER_KEY_PROD": KEY}
    assert run(anonymizers_from_environment(env), "jane.roe@example.org").startswith("[EMAIL:")


def test_custom_detectors_work_without_the_built_in_ones() -> None:
    options = {"detectors": "none", "custom_detectors": [{"name": "ticket", "regex": r"T-\d+"}]}
    assert run(anonymizers_from_options(options, "a", {}), "T-42 a@b.org") == "[TICKET] a@b.org"


def test_rules_alone_accept_settings_shared_with_the_built_in_detectors(tmp_path: Path) -> None:
    """A key file or a mask length set for every service does not stop one that uses
    only rules; a policy would (it would be ignored)."""
    path = tmp_path / "anonymizer.yaml"
    path.write_text("detectors: none\nrules: [{regex: secret, replace: '[X]'}]\n")
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    env = {
        "OTEL_ANONYMIZER_CONFIG": str(path),
        "OTEL_ANONYMIZER_HASH_KEY_FILE": str(key_file),
        "OTEL_ANONYMIZER_MASK_KEEP": "2",
    }
    assert run(anonymizers_from_environment(env), "a secret") == "a [X]"


def test_check_keys_is_read_as_a_boolean_from_text() -> None:
    """`${env:...}` and variables give text: "false" is false, not a true string."""
    rules = {"detectors": "none", "rules": [{"regex": "a", "replace": "b"}]}
    assert anonymizers_from_options({**rules, "check_keys": "false"}, "a", {})
    chain = anonymizers_from_options({"check_keys": "False"}, "a", {})
    assert run(chain, {"password": "hunter2"}) == {"password": "hunter2"}
    with pytest.raises(ConfigError, match=r"a\.check_keys: expected true or false"):
        anonymizers_from_options({"check_keys": "maybe"}, "a", {})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"detectors: default\noperator: [replace\n", r"bad\.yaml: invalid YAML at line 3"),
        # PyYAML raises ValueError for a date that is none.
        (b"detectors: default\nbuild: 2024-13-45\n", r"bad\.yaml: invalid YAML"),
        ("operator: mask # caf\xe9\n".encode("latin-1"), r"bad\.yaml: not UTF-8 text"),
    ],
    ids=["malformed", "not-a-date", "not-utf8"],
)
def test_a_yaml_file_that_does_not_read_is_named(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        anonymizers_from_environment({"OTEL_ANONYMIZER_CONFIG": str(path)})


def test_hash_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    chain = anonymizers_from_options(
        {"operator": "hash", "hash_key_file": str(key_file)}, "anonymizer", {}
    )
    assert run(chain, "jane.roe@example.org").startswith("[EMAIL:")


def test_an_unreadable_hash_key_file_is_not_echoed(tmp_path: Path) -> None:
    """A key put where the file's path goes must not appear in the error."""
    with pytest.raises(ConfigError, match="hash_key_file: cannot read") as error:
        anonymizers_from_options({"operator": "hash", "hash_key_file": KEY}, "anonymizer", {})
    assert KEY not in str(error.value)


def test_detectors_none_keeps_only_user_rules() -> None:
    chain = anonymizers_from_options(
        {"detectors": "none", "rules": [{"regex": "secret", "replace": "[X]"}]}, "a", {}
    )
    assert run(chain, "secret jane.roe@example.org") == "[X] jane.roe@example.org"


def test_regex_timeout_bounds_the_rules_too() -> None:
    """Found by review: `regex_timeout` bounded the detectors only; rules kept 1 s."""
    [rule] = anonymizers_from_options(
        {
            "detectors": "none",
            "regex_timeout": 0.05,
            "rules": [{"regex": "(a|aa)+$", "replace": ""}],
        },
        "a",
        {},
    )
    start = time.perf_counter()
    with pytest.raises(TimeoutError):
        rule.anonymize("a" * 60 + "!")
    assert time.perf_counter() - start < 0.5


def test_configure_wires_anonymizing_exporters_onto_providers() -> None:
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    tracer_provider, logger_provider = TracerProvider(), LoggerProvider()
    chain = configure(tracer_provider, logger_provider, span_exporter=spans, log_exporter=logs)
    assert hooks.get_anonymizers() == chain and len(chain) == 1
    with tracer_provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("gen_ai.input.messages", json.dumps([{"content": TEXT}]))
    logger_provider.get_logger("t").emit(event_name="gen_ai.user.message", body={"content": TEXT})
    tracer_provider.force_flush()
    logger_provider.force_flush()
    exported = json.loads(spans.get_finished_spans()[0].attributes["gen_ai.input.messages"])
    assert exported == [{"content": "Mail [EMAIL], card [CREDIT_CARD], call [PHONE]."}]
    body = logs.get_finished_logs()[0].log_record.body
    assert body == {"content": "Mail [EMAIL], card [CREDIT_CARD], call [PHONE]."}
    tracer_provider.shutdown()
    logger_provider.shutdown()


def test_configure_takes_the_placeholder_and_the_export_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The exporter wrappers `configure` builds take `OTEL_ANONYMIZER_PLACEHOLDER` and
    `OTEL_ANONYMIZER_EXPORT_TIMEOUT`: a span built to be slow is cut off there."""
    monkeypatch.setenv("OTEL_ANONYMIZER_PLACEHOLDER", "[GONE]")
    monkeypatch.setenv("OTEL_ANONYMIZER_EXPORT_TIMEOUT", "0.2")
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    configure(tracer_provider, LoggerProvider(), span_exporter=spans, logs=False)
    with tracer_provider.get_tracer("t").start_as_current_span("s") as span:
        for index in range(64):
            span.set_attribute(f"row.{index}", " ".join("7" * 4095))
    started = time.monotonic()
    tracer_provider.force_flush()
    assert time.monotonic() - started < 3
    assert "[GONE]" in spans.get_finished_spans()[0].attributes.values()
    tracer_provider.shutdown()
    monkeypatch.setenv("OTEL_ANONYMIZER_EXPORT_TIMEOUT", "0")
    with pytest.raises(ConfigError, match="OTEL_ANONYMIZER_EXPORT_TIMEOUT"):
        configure(TracerProvider(), LoggerProvider(), span_exporter=InMemorySpanExporter())


def test_configure_fails_at_start_up_on_bad_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_ANONYMIZER_OPERATOR", "blur")
    with pytest.raises(ConfigError, match="OTEL_ANONYMIZER_OPERATOR"):
        configure(TracerProvider(), LoggerProvider(), span_exporter=InMemorySpanExporter())
    assert not hooks.has_anonymizers()


def test_a_chain_with_a_non_anonymizer_registers_nothing() -> None:
    rules = create_anonymizer([("a", "b")])
    with pytest.raises(TypeError, match=r"anonymizers\[1\] is a tuple"):
        configure(
            TracerProvider(),
            LoggerProvider(),
            span_exporter=InMemorySpanExporter(),
            log_exporter=InMemoryLogRecordExporter(),
            anonymizers=[rules, ("a", "b")],  # type: ignore[list-item]
        )
    assert not hooks.has_anonymizers()


def test_a_failed_configure_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exporter that cannot be built fails the call before the registry or the
    providers change: retried, it exports each span once."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/json")
    provider, exporter = TracerProvider(), InMemorySpanExporter()
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"):
        configure(provider, LoggerProvider(), span_exporter=exporter)
    assert not hooks.has_anonymizers()
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL")
    configure(provider, LoggerProvider(), span_exporter=exporter)
    with provider.get_tracer("t").start_as_current_span("op", attributes={"input.value": "x"}):
        pass
    provider.force_flush()
    assert len(exporter.get_finished_spans()) == 1
    assert len(hooks.get_anonymizers()) == 1
    provider.shutdown()


def test_an_unknown_option_is_named_without_its_value() -> None:
    with pytest.raises(ConfigError) as info:
        anonymizers_from_options({"hmac_secret": "s3cr3t-value"}, "anonymizer", {})
    assert str(info.value).startswith("anonymizer.hmac_secret: unknown option")
    assert "s3cr3t-value" not in str(info.value)
