"""The mapping table: conventions onto input / output / metadata."""

from __future__ import annotations

import pytest

from otel_anonymizer import DEFAULT_MAPPING, FieldMapping, FieldRule


@pytest.mark.parametrize(
    ("key", "field", "name"),
    [
        ("gen_ai.input.messages", "input", "messages"),
        ("gen_ai.output.messages", "output", "messages"),
        ("gen_ai.system_instructions", "input", "system_instructions"),
        ("gen_ai.tool.call.arguments", "input", "tool_call.arguments"),
        ("gen_ai.tool.call.result", "output", "tool_call.result"),
        ("gen_ai.prompt", "input", "prompt"),
        ("gen_ai.prompt.0.content", "input", "prompt.0.content"),
        ("gen_ai.prompt.name", "metadata", "gen_ai.prompt.name"),
        (
            "gen_ai.completion.0.tool_calls.1.arguments",
            "output",
            "completion.0.tool_calls.1.arguments",
        ),
        ("input.value", "input", "value"),
        ("output.value", "output", "value"),
        ("llm.input_messages.0.message.content", "input", "messages.0.message.content"),
        (
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
            "output",
            "messages.0.message.tool_calls.0.tool_call.function.arguments",
        ),
        (
            "retrieval.documents.3.document.content",
            "output",
            "retrieval.documents.3.document.content",
        ),
        ("traceloop.entity.input", "input", "entity"),
        ("langfuse.observation.output", "output", "observation"),
        ("mlflow.spanInputs", "input", "span_inputs"),
        ("ai.response.text", "output", "text"),
        ("llm.invocation_parameters", "metadata", "llm.invocation_parameters"),
        ("user.id", "metadata", "user.id"),
        ("gen_ai.usage.input_tokens", "metadata", "gen_ai.usage.input_tokens"),
    ],
)
def test_default_mapping(key: str, field: str, name: str) -> None:
    assert DEFAULT_MAPPING.locate(key) == (field, name)


def test_a_bare_prefix_is_not_a_flat_key() -> None:
    assert DEFAULT_MAPPING.locate("llm.input_messages.") == ("metadata", "llm.input_messages.")
    assert DEFAULT_MAPPING.locate("llm.input_messages") == ("metadata", "llm.input_messages")


def test_unknown_keys_take_the_default_field() -> None:
    assert DEFAULT_MAPPING.locate("content", "input") == ("input", "content")
    assert DEFAULT_MAPPING.locate("content") == ("metadata", "content")


def test_event_names_give_the_field_of_their_content() -> None:
    assert DEFAULT_MAPPING.event_field("gen_ai.user.message") == "input"
    assert DEFAULT_MAPPING.event_field("gen_ai.choice") == "output"
    assert DEFAULT_MAPPING.event_field("exception") is None
    assert DEFAULT_MAPPING.event_field(None) is None


def test_user_rules_extend_and_override_the_defaults() -> None:
    mapping = DEFAULT_MAPPING.extended(
        [
            FieldRule("my.prompt", "input"),
            FieldRule("input.value", "metadata", "raw"),
            FieldRule("my.flat.*", "output", "flat.*"),
        ],
        event_fields={"my.event": "output"},
    )
    assert mapping.locate("my.prompt") == ("input", "my.prompt")
    assert mapping.locate("input.value") == ("metadata", "raw")
    assert mapping.locate("my.flat.0.text") == ("output", "flat.0.text")
    assert mapping.event_field("my.event") == "output"
    assert DEFAULT_MAPPING.locate("input.value") == ("input", "value")


def test_longest_prefix_wins() -> None:
    mapping = FieldMapping([FieldRule("a.*", "input"), FieldRule("a.b.*", "output")])
    assert mapping.locate("a.b.c") == ("output", "a.b.c")
    assert mapping.locate("a.c") == ("input", "a.c")


def test_malformed_rules_are_rejected_with_their_key() -> None:
    with pytest.raises(ValueError, match="FieldRule 'k': field must be one of"):
        FieldRule("k", "inputs")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"FieldRule .k\.\*.: a prefix key"):
        FieldRule("k.*", "input", "name")
