"""Runs every script in examples/ in a subprocess and checks what it prints."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=EXAMPLES.parent,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def lines_starting(output: str, prefix: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(prefix)]


def test_every_example_is_tested() -> None:
    tested = {
        "basic_setup.py",
        "field_aware.py",
        "custom_recursive.py",
        "multiple_anonymizers.py",
        "log_events.py",
        "builtin_detectors.py",
        "gateway_debug.py",
    }
    assert {path.name for path in EXAMPLES.glob("*.py")} == tested


@pytest.mark.parametrize(
    "name",
    [
        "basic_setup.py",
        "field_aware.py",
        "custom_recursive.py",
        "multiple_anonymizers.py",
        "log_events.py",
    ],
)
def test_example_has_a_docstring(name: str) -> None:
    source = (EXAMPLES / name).read_text()
    assert source.startswith('"""'), name


def test_basic_setup() -> None:
    out = run_example("basic_setup.py")
    assert "span 'process_customer_data'" in out
    assert "span 'charge'" in out
    inputs = lines_starting(out, "input:")
    outputs = lines_starting(out, "output:")
    assert json.loads(inputs[0].removeprefix("input:")) == {
        "customer_info": "John Doe, email: [EMAIL], phone: [PHONE]"
    }
    assert outputs[0] == "output: Processed customer: John Doe, email: [EMAIL], phone: [PHONE]"
    assert json.loads(inputs[1].removeprefix("input:")) == {
        "customer": {"ssn": "[SSN]", "card": "[CARD]"},
        "amount": 42.0,
    }
    assert json.loads(outputs[1].removeprefix("output:")) == {
        "status": "charged",
        "card": "[CARD]",
        "amount": 42.0,
    }
    for raw in ("john@example.com", "555-123-4567", "123-45-6789", "4111 1111 1111 1111"):
        assert raw not in out


def test_field_aware() -> None:
    out = run_example("field_aware.py")
    rows = dict(line.split(maxsplit=1) for line in out.splitlines() if line.strip())
    assert rows["output.value"] == "Write to [EMAIL] or call [PHONE]."
    assert rows["input.value"] == "How do I reach support about order 98765?"
    assert rows["user_id"] == "[REDACTED]"
    assert rows["session_token"] == "[REDACTED]"
    assert rows["model"] == "gpt-4o-mini"
    for raw in ("help@example.com", "555-123-4567", "user-4711", "tok-9f8e7d"):
        assert raw not in out


def test_custom_recursive() -> None:
    out = run_example("custom_recursive.py")
    for field_name in ("metadata.ssn", "input.patient.ssn", "input.note", "output"):
        assert f"  {field_name}\n" in out
    assert "intake: {'ssn': '[SSN_REMOVED]'}" in out
    assert '"ssn":"[SSN_REMOVED]"' in out
    assert '"note":"old id [SSN]"' in out
    for raw in ("123-45-6789", "987-65-4321", "111-22-3333"):
        assert raw not in out


def test_multiple_anonymizers() -> None:
    out = run_example("multiple_anonymizers.py")
    assert out.splitlines() == [
        "Active anonymizers: 3",
        "output: Mail [E-MAIL] or call [PHONE]",
        "Active anonymizers: 1",
        "output: Call [PHONE]",
    ]


def test_log_events() -> None:
    out = run_example("log_events.py")
    assert "event gen_ai.user.message" in out
    assert "event gen_ai.choice" in out
    bodies = [json.loads(line.removeprefix("body:")) for line in lines_starting(out, "body:")]
    assert bodies[0] == {"content": "I am [EMAIL], call [PHONE], card [CARD]"}
    assert bodies[1]["message"]["content"] == "I'll email [EMAIL] today."
    assert "'gen_ai.system': 'openai'" in out
    for raw in ("ann@example.com", "555-123-4567", "4111 1111 1111 1111"):
        assert raw not in out


def test_builtin_detectors() -> None:
    out = run_example("builtin_detectors.py")
    rows = dict(line.split(": ", 1) for line in out.splitlines())
    messages = json.loads(rows["gen_ai.input.messages"])
    text = messages[1]["parts"][0]["content"]
    assert text.startswith("I'm [EMAIL:") and "card [CREDIT_CARD]" in text
    assert "call me on [PHONE]" in text
    assert "Order ORD-2024-001234 from 2024-03-14." in text  # not personal: kept
    # The same address, differently capitalized, gets the same pseudonym.
    pseudonym = text.split("I'm ", 1)[1].split(",", 1)[0]
    assert json.loads(rows["gen_ai.tool.call.arguments"]) == {"email": pseudonym}
    assert rows["http.request.header.authorization"] == "[SECRET]"
    assert rows["gen_ai.usage.input_tokens"] == "57"
    for raw in ("jane.roe", "4111 1111", "7946 0958", "sk-proj"):
        assert raw not in out


def test_gateway_debug() -> None:
    out = run_example("gateway_debug.py")
    [line] = [line for line in out.splitlines() if line.startswith("{")]
    request = json.loads(line)
    [span] = request["resourceSpans"][0]["scopeSpans"][0]["spans"]
    attributes = {item["key"]: item["value"]["stringValue"] for item in span["attributes"]}
    content = json.loads(attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    assert content == "Refund card [CREDIT_CARD] and email [EMAIL]"
    assert attributes["gen_ai.request.model"] == "gpt-4o"
    # Not just "4111": ids and timestamps in the output may hold those digits.
    assert "4111 1111" not in out and "jane.roe" not in out
