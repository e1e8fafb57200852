"""What the real instrumentations capture, without any anonymizer (documents SHAPES.md).

These tests pin the observed behaviour so that an instrumentation upgrade that moves
content elsewhere is noticed, and they prove the canaries really reach an exporter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from .fake_openai import FakeOpenAI
from .instrumentations import SETUP_IDS, SETUPS, Setup, run_setup
from .pipelines import Pipeline
from .scenario import REQUEST_MODEL, TOOL_RESULT, present_locations

# Span attribute keys each setup was seen to write (at least on one span).
SPAN_KEYS: dict[str, set[str]] = {
    "openai_v2": {"gen_ai.input.messages", "gen_ai.output.messages"},
    "openinference": {
        "input.value",
        "output.value",
        "llm.invocation_parameters",
        "llm.input_messages.0.message.content",
        "llm.input_messages.2.message.tool_calls.0.tool_call.function.arguments",
        "llm.input_messages.3.message.content",
        "llm.output_messages.0.message.content",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
    },
    "openllmetry": {
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.tool.definitions",
        "gen_ai.user",
    },
    "openllmetry_events": {"gen_ai.user"},
}
SPAN_KEYS["langchain_openai_v2"] = SPAN_KEYS["openai_v2"]
SPAN_KEYS["langchain_openinference"] = SPAN_KEYS["openinference"]
SPAN_KEYS["langchain_openllmetry"] = SPAN_KEYS["openllmetry"]

# Log record event names each setup was seen to emit.
LOG_EVENTS: dict[str, set[str]] = {
    "openai_v2": {"gen_ai.client.inference.operation.details"},
    "langchain_openai_v2": {"gen_ai.client.inference.operation.details"},
    "openllmetry_events": {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
    },
}


def _run(
    setup: Setup,
    stream: bool,
    fake: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    monkeypatch: pytest.MonkeyPatch,
) -> Pipeline:
    for key, value in setup.env.items():
        monkeypatch.setenv(key, value)
    pipeline = make_pipeline()
    run_setup(setup, fake, pipeline.tracer_provider, pipeline.logger_provider, stream=stream)
    pipeline.flush()
    return pipeline


@pytest.mark.parametrize("stream", [False, True], ids=["sync", "stream"])
@pytest.mark.parametrize("setup", SETUPS, ids=SETUP_IDS)
def test_unwrapped_capture(
    setup: Setup,
    stream: bool,
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each setup writes the documented canary locations to spans / log records."""
    pipeline = _run(setup, stream, fake_openai, make_pipeline, monkeypatch)

    assert len(fake_openai.requests) == 2
    assert bool(fake_openai.requests[1].get("stream")) is stream
    assert fake_openai.requests[1]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_fake_0001",
        "content": TOOL_RESULT,
    }

    spans = pipeline.spans()
    assert len(spans) == 2, [s.name for s in spans]
    keys = {k for span in spans for k in (span.attributes or {})}
    assert SPAN_KEYS[setup.name] <= keys, sorted(SPAN_KEYS[setup.name] - keys)
    assert present_locations(pipeline.spans_text()) == setup.span_locations
    assert REQUEST_MODEL in pipeline.spans_text()

    logs = pipeline.logs()
    assert present_locations(pipeline.logs_text()) == setup.log_locations
    assert {log.log_record.event_name for log in logs} == LOG_EVENTS.get(setup.name, set())


def test_openai_v2_shapes(
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """openai-v2: JSON strings on spans, structured AnyValue attributes on log records."""
    setup = SETUPS[SETUP_IDS.index("openai_v2")]
    pipeline = _run(setup, False, fake_openai, make_pipeline, monkeypatch)

    second = pipeline.spans()[1].attributes or {}
    messages = json.loads(str(second["gen_ai.input.messages"]))
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool"]
    assert messages[2]["parts"][0]["type"] == "tool_call"
    assert isinstance(messages[2]["parts"][0]["arguments"], dict)
    assert messages[3]["parts"][0] == {
        "response": TOOL_RESULT,
        "id": "call_fake_0001",
        "type": "tool_call_response",
    }

    record = pipeline.logs()[1].log_record
    assert record.body is None
    log_messages: Any = (record.attributes or {})["gen_ai.input.messages"]
    assert isinstance(log_messages, Sequence) and not isinstance(log_messages, str)
    assert all(isinstance(m, Mapping) for m in log_messages)
    assert log_messages[3]["parts"][0]["response"] == TOOL_RESULT


def test_openllmetry_events_shapes(
    fake_openai: FakeOpenAI,
    make_pipeline: Callable[..., Pipeline],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OpenLLMetry events mode: one log record per message, content in a mapping body."""
    setup = SETUPS[SETUP_IDS.index("openllmetry_events")]
    pipeline = _run(setup, False, fake_openai, make_pipeline, monkeypatch)

    bodies: dict[tuple[str | None, int], Any] = {
        (log.log_record.event_name, i): log.log_record.body for i, log in enumerate(pipeline.logs())
    }
    tool_bodies = [b for (name, _), b in bodies.items() if name == "gen_ai.tool.message"]
    assert tool_bodies and isinstance(tool_bodies[0], Mapping)
    assert tool_bodies[0]["content"] == TOOL_RESULT
    assistant = [b for (name, _), b in bodies.items() if name == "gen_ai.assistant.message"]
    assert isinstance(assistant[0], Mapping)
    assert isinstance(assistant[0]["tool_calls"][0]["function"]["arguments"], str)
