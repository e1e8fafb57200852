"""The gateway's YAML loader: Collector keys, substitution, and errors that name the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from otel_anonymizer.config import ConfigError
from otel_anonymizer.gateway.config import load_config, parse_config
from otel_anonymizer.gateway.settings import Endpoint

MINIMAL = """
receivers:
  otlp:
    protocols:
      grpc:
      http:
processors:
  anonymizer:
    rules:
      - {regex: '[\\w.]+@[\\w.]+', replace: '[EMAIL]'}
exporters:
  otlphttp:
    endpoint: https://backend.example:4318
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [anonymizer]
      exporters: [otlphttp]
"""


def config(text: str, **env: str) -> Any:
    return parse_config(yaml.safe_load(text), env)


def with_changes(**sections: Any) -> str:
    data = yaml.safe_load(MINIMAL)
    for path, value in sections.items():
        node = data
        *parents, last = path.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return yaml.safe_dump(data)


def test_minimal_config_defaults_to_loopback_and_synchronous_export() -> None:
    loaded = config(MINIMAL)
    receiver = loaded.receivers["otlp"]
    assert receiver.grpc.endpoint == Endpoint("127.0.0.1", 4317)
    assert receiver.http.endpoint == Endpoint("127.0.0.1", 4318)
    exporter = loaded.exporters["otlphttp"]
    assert exporter.signal_endpoints["traces"] == "https://backend.example:4318/v1/traces"
    assert exporter.queue is None
    assert exporter.compression == "gzip"
    assert loaded.anonymizer_options() == {"traces": [loaded.processors["anonymizer"]]}
    assert loaded.metrics_endpoint == Endpoint("127.0.0.1", 8888)


def test_collector_keys_and_substitution(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("file-token\n")
    text = f"""
receivers:
  otlp/in:
    protocols:
      grpc:
        endpoint: 0.0.0.0:${{env:GRPC_PORT}}
        auth: {{authenticator: bearertokenauth}}
exporters:
  otlp/up:
    endpoint: upstream:4317
    headers: {{authorization: "Bearer ${{env:UP_TOKEN}}", x-file: "${{file:{token_file}}}"}}
    tls: {{insecure: true}}
    timeout: 1m30s
    retry_on_failure: {{initial_interval: 250ms, max_elapsed_time: 0}}
    sending_queue: {{storage: file_storage/q, queue_size: 10}}
  debug:
    verbosity: detailed
extensions:
  bearertokenauth: {{token: "${{env:IN_TOKEN}}"}}
  file_storage/q: {{directory: {tmp_path}}}
  health_check: {{endpoint: "127.0.0.1:${{env:HEALTH:-13133}}"}}
service:
  extensions: [bearertokenauth, file_storage/q, health_check]
  workers: 0
  anonymization_timeout: 2500ms
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    logs/main:
      receivers: [otlp/in]
      exporters: [otlp/up, debug]
"""
    loaded = config(text, GRPC_PORT="5317", UP_TOKEN="up", IN_TOKEN="secret")
    grpc = loaded.receivers["otlp/in"].grpc
    assert grpc.endpoint == Endpoint("0.0.0.0", 5317)
    assert grpc.bearer_token == "secret"
    assert "secret" not in repr(grpc)
    assert loaded.receivers["otlp/in"].http is None
    exporter = loaded.exporters["otlp/up"]
    assert exporter.headers == {"authorization": "Bearer up", "x-file": "file-token"}
    assert exporter.timeout == 90
    assert exporter.retry.initial_interval == 0.25
    assert exporter.queue.directory == tmp_path / "otlp_up"
    assert loaded.health_check == (Endpoint("127.0.0.1", 13133), "/")
    assert loaded.metrics_endpoint is None
    assert loaded.workers == 0
    assert loaded.anonymization_timeout == 2.5
    assert loaded.pipelines["logs/main"].signal == "logs"


def test_load_config_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(MINIMAL)
    assert "traces" in load_config(path, {}).pipelines


def test_files_that_are_not_utf8_are_named_without_their_bytes(tmp_path: Path) -> None:
    """Found by review: the decoding error quoted a byte of the (secret) file."""
    secret = tmp_path / "token"
    secret.write_bytes(b"abc\xe9def-secret")
    for text in (
        MINIMAL.replace("endpoint: https://backend.example:4318", f"endpoint: ${{file:{secret}}}"),
        with_changes(
            extensions={"bearertokenauth": {"filename": str(secret)}},
            service__extensions=["bearertokenauth"],
            receivers__otlp__auth={"authenticator": "bearertokenauth"},
        ),
    ):
        with pytest.raises(ConfigError, match="not UTF-8 text") as error:
            config(text)
        assert "0xe9" not in str(error.value)
    path = tmp_path / "bad.yaml"
    path.write_text('exporters:\n  otlphttp:\n    headers: {x-api-key: "sk-live-9f8e7d}\n')
    with pytest.raises(ConfigError, match=r"bad\.yaml: not valid YAML at line \d+") as error:
        load_config(path, {})
    assert "sk-live" not in str(error.value)  # the parser's message quotes the line
    path = tmp_path / "dates.yaml"
    path.write_text(MINIMAL + "x-build: 2024-13-45\n")  # PyYAML raises ValueError
    with pytest.raises(ConfigError, match=r"dates\.yaml: not valid YAML"):
        load_config(path, {})
    path = tmp_path / "gateway.yaml"
    path.write_bytes(MINIMAL.encode() + b"# caf\xe9\n")
    with pytest.raises(ConfigError, match=r"gateway\.yaml: not UTF-8 text"):
        load_config(path, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            with_changes(receivers__otlp__protocols__grpc={"endpoint": "nowhere"}),
            "receivers.otlp.protocols.grpc.endpoint: invalid endpoint 'nowhere'",
        ),
        (with_changes(receivers__otlp__protocols__grpc={"endpoint": ":4317"}), "has no host"),
        (
            with_changes(receivers__otlp__protocols__grpc={"endpont": "x"}),
            "receivers.otlp.protocols.grpc.endpont: unknown key; valid keys here:",
        ),
        (
            with_changes(exporters__otlphttp__compression="zstd"),
            "exporters.otlphttp.compression: invalid value 'zstd'; valid choices: gzip, none",
        ),
        (
            with_changes(exporters__otlphttp__timeout="5"),
            "exporters.otlphttp.timeout: invalid duration '5'",
        ),
        (
            with_changes(exporters__otlphttp__sending_queue={"enabled": True}),
            "in-memory queue would lose accepted data",
        ),
        (
            with_changes(exporters__otlphttp__endpoint="backend:4318"),
            "invalid URL 'backend:4318/v1/traces'",
        ),
        (
            with_changes(exporters__kafka={"brokers": ["x"]}),
            "exporters.kafka: unknown component type 'kafka'; valid types: otlp, otlphttp, debug",
        ),
        (
            with_changes(processors__batch={}),
            "processors.batch: unknown component type 'batch'; valid types: anonymizer",
        ),
        (
            with_changes(processors__anonymizer={"rules": [{"regex": "(", "replace": "x"}]}),
            "processors.anonymizer.rules",
        ),
        (
            with_changes(processors__anonymizer={"frobnicate": True}),
            "processors.anonymizer.frobnicate: unknown option",
        ),
        (
            with_changes(service__pipelines__traces={"receivers": ["otlp"], "exporters": ["otlp"]}),
            "service.pipelines.traces.exporters[0]: 'otlp' is not defined; defined: otlphttp",
        ),
        (
            with_changes(
                service__pipelines__metrics={"receivers": ["otlp"], "exporters": ["otlphttp"]}
            ),
            "unsupported pipeline type 'metrics'; valid: traces, logs",
        ),
        (
            with_changes(service__pipelines__traces={"receivers": ["otlp"], "exporters": []}),
            "service.pipelines.traces.exporters: list at least one",
        ),
        (
            with_changes(
                receivers__otlp__protocols__http={"auth": {"authenticator": "bearertokenauth"}}
            ),
            "auth.authenticator: 'bearertokenauth' is not defined",
        ),
        (
            with_changes(
                extensions__bearertokenauth={"token": "t"},
                receivers__otlp__protocols__http={"auth": {"authenticator": "bearertokenauth"}},
            ),
            "must also be listed in service.extensions",
        ),
        (
            with_changes(exporters__otlphttp__headers={"authorization": "Bearer ${env:MISSING}"}),
            "exporters.otlphttp.headers.authorization: environment variable MISSING is not set",
        ),
        (
            with_changes(service__anonymization_timeout="0"),
            "service.anonymization_timeout: must be more than 0",
        ),
        (
            with_changes(service__anonymization_timeout="soon"),
            "service.anonymization_timeout: invalid duration 'soon'",
        ),
        (with_changes(surprise=1), "surprise: unknown key"),
        (
            with_changes(
                exporters__otlp={"endpoint": "backend:4317", "tls": {"insecure_skip_verify": True}}
            ),
            "exporters.otlp.tls.insecure_skip_verify: the gRPC exporter cannot skip",
        ),
        (
            with_changes(
                exporters__otlp={
                    "endpoint": "https://backend:4317",
                    "tls": {"insecure": True, "insecure_skip_verify": True},
                }
            ),
            "exporters.otlp.tls.insecure_skip_verify: the gRPC exporter cannot skip",
        ),
    ],
)
def test_bad_config_names_the_key_and_the_choices(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(text)
    assert message in str(caught.value)


@pytest.mark.parametrize("key", ["hash_key", "hmac_key"])
def test_an_hmac_key_in_the_yaml_is_rejected_without_echoing_it(key: str) -> None:
    text = with_changes(processors__anonymizer={key: "super-secret-value"})
    with pytest.raises(ConfigError) as caught:
        config(text)
    assert f"processors.anonymizer.{key}: a key must not be written" in str(caught.value)
    assert "super-secret-value" not in str(caught.value)


def test_bearer_token_values_are_not_echoed() -> None:
    text = with_changes(extensions__bearertokenauth={"token": 12345})
    with pytest.raises(ConfigError) as caught:
        config(text)
    assert "12345" not in str(caught.value)
