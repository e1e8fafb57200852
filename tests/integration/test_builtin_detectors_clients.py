"""The default detector set, with no rules written, on what real instrumentations emit.

One chat turn through each instrumentation (openai-v2 spans and log events,
OpenInference, OpenLLMetry in both modes, and LangChain over each), with valid personal
data and secrets in the system prompt, the user message and the model's answer, and an
end-user id. Nothing of it may reach the exporters; the rest stays readable.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from openai import OpenAI

from otel_anonymizer import AnonymizingLogRecordExporter, AnonymizingSpanExporter, pii_anonymizer

from .fake_openai import FakeOpenAI
from .instrumentations import SETUP_IDS, SETUPS, Setup
from .pipelines import Pipeline
from .telemetry_text import logs_text, spans_text

SECRETS = {
    "email": "maria.garcia@example.com",
    "phone": "+1 415 555 2671",
    "card": "5555 5555 5555 4444",
    "iban": "DE89 3704 0044 0532 0130 00",
    "ssn": "219-09-9998",
    "openai_key": "sk-proj-" + "Qw3rTy7uIoP9aSdF" * 3,
    "aws_key": "AKIAIOSFODNN7EXAMPLE",
}
SAFE = ("The weather in Paris is sunny", "order ORD-2024-001234", "version 2.4.1")
SYSTEM = f"You are a support agent. Escalate to {SECRETS['email']} or {SECRETS['phone']}."
USER = (
    f"Refund card {SECRETS['card']} to IBAN {SECRETS['iban']}; my SSN is {SECRETS['ssn']}. "
    f"It is about order ORD-2024-001234. Our key {SECRETS['openai_key']} broke."
)
ANSWER = (
    "The weather in Paris is sunny. I will use version 2.4.1 of the tool with "
    f"{SECRETS['aws_key']} and write to {SECRETS['email']}."
)


def chat(setup: Setup, fake: FakeOpenAI) -> None:
    fake.reply_text = ANSWER
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
    if setup.run.__name__ == "run_langchain":
        from langchain_openai import ChatOpenAI

        llm = ChatOpenAI(model="gpt-4o-mini", base_url=fake.base_url, api_key="test-key")  # type: ignore[arg-type]
        llm.invoke([(message["role"], message["content"]) for message in messages])
        return
    client = OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0, timeout=10)
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=messages,
        user=SECRETS["email"],  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("setup", SETUPS, ids=SETUP_IDS)
def test_default_detectors_leave_no_personal_data(
    setup: Setup,
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in setup.env.items():
        monkeypatch.setenv(key, value)
    anonymizer = pii_anonymizer()
    pipeline = make_pipeline(
        wrap_span_exporter=lambda e: AnonymizingSpanExporter(e, [anonymizer]),
        wrap_log_exporter=lambda e: AnonymizingLogRecordExporter(e, [anonymizer]),
        tap_raw=True,
    )
    setup.instrument(pipeline.tracer_provider, pipeline.logger_provider)
    chat(setup, fake_openai)
    pipeline.flush()

    raw = spans_text(pipeline.raw_spans()) + logs_text(pipeline.raw_logs())
    exported = pipeline.spans_text() + pipeline.logs_text()
    captured = [name for name, value in SECRETS.items() if value in raw]
    assert captured, "the instrumentation should have captured some of the conversation"
    leaked = [name for name, value in SECRETS.items() if value in exported]
    assert leaked == []
    for text in SAFE:
        if text in raw:
            assert text in exported
