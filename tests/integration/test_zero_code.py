"""Zero-code use: `opentelemetry-instrument` with `OTEL_*_EXPORTER=anonymized_otlp`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .otlp_receiver import OTLPReceiver

APP = Path(__file__).parent / "apps" / "zero_code_app.py"
CANARIES = ("jane.roe@example.org", "4111 1111 1111 1111")


def instrument() -> str:
    path = Path(sys.executable).parent / "opentelemetry-instrument"
    found = str(path) if path.exists() else shutil.which("opentelemetry-instrument")
    assert found, "opentelemetry-instrument is installed with the test extra"
    return found


def run_app(receiver: OTLPReceiver, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "OPENAI_"))
    }
    env.update(
        OTEL_TRACES_EXPORTER="anonymized_otlp",
        OTEL_LOGS_EXPORTER="anonymized_otlp",
        OTEL_METRICS_EXPORTER="none",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://{receiver.host}:{receiver.port}",
        OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED="true",
        OTEL_SERVICE_NAME="zero-code-app",
        **extra,
    )
    return subprocess.run(
        [instrument(), sys.executable, str(APP)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_spans_and_logs_are_exported_anonymized(otlp_receiver: OTLPReceiver) -> None:
    result = run_app(otlp_receiver)
    assert result.returncode == 0, result.stderr
    [span] = otlp_receiver.spans()
    assert span.name == "chat gpt-4o"
    text = otlp_receiver.all_text()
    for canary in CANARIES:
        assert canary not in text
    assert "[EMAIL]" in text and "[CREDIT_CARD]" in text
    assert "gpt-4o" in text
    # The application's own rule applies too: the exporters read the registry.
    assert "EMP-123456" not in text and "[EMPLOYEE_ID]" in text
    bodies = [record.body.string_value for record in otlp_receiver.log_records()]
    assert "refund requested by [EMAIL] for order 1234" in bodies


def test_environment_variables_configure_the_exporters(otlp_receiver: OTLPReceiver) -> None:
    result = run_app(
        otlp_receiver,
        OTEL_ANONYMIZER_OPERATOR="hash",
        OTEL_ANONYMIZER_HASH_KEY="0123456789abcdef0123456789abcdef",
        OTEL_ANONYMIZER_DETECTORS="email",
    )
    assert result.returncode == 0, result.stderr
    text = otlp_receiver.all_text()
    assert "jane.roe@example.org" not in text
    assert "[EMAIL:" in text
    assert "4111 1111 1111 1111" in text  # credit_card not selected


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OTEL_ANONYMIZER_OPERATOR", "blur"), ("OTEL_ANONYMIZER_OPERATOR", "hash")],
)
def test_bad_configuration_fails_at_start_up_and_exports_nothing(
    otlp_receiver: OTLPReceiver, variable: str, value: str
) -> None:
    result = run_app(otlp_receiver, **{variable: value})
    assert variable in result.stderr
    assert otlp_receiver.spans() == []
    assert "jane.roe@example.org" not in otlp_receiver.all_text()
