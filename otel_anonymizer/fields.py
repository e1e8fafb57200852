"""Where user content lives in telemetry: the table mapping keys onto logical fields.

Every adapter (SDK spans, SDK log records, OTLP protobuf) asks one `FieldMapping` which
logical field (`input`, `output`, `metadata`) a key belongs to and under which name the
value appears inside that field; anonymizers then see `field_name`s such as
`input.messages.0.parts.0.content`. Keys the table does not know go to `metadata` under
their own name: they are anonymized too, never skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Field = Literal["input", "output", "metadata"]
FIELDS: tuple[Field, ...] = ("input", "output", "metadata")

_CACHE_LIMIT = 8192
#: Longer keys are located each time: a request's keys must not fill memory.
_CACHED_KEY_LENGTH = 200


@dataclass(frozen=True)
class FieldRule:
    """Maps one attribute key onto a field.

    `key` is an exact key, or a prefix ending in `.*` for flat indexed keys
    (`llm.input_messages.*` matches `llm.input_messages.0.message.content`).
    `name` is the name inside the field (default: the key); for a prefix rule it is a
    prefix too, and the rest of the key is appended (`messages.*` gives
    `messages.0.message.content`).
    """

    key: str
    field: Field
    name: str | None = None

    def __post_init__(self) -> None:
        if self.field not in FIELDS:
            raise ValueError(
                f"FieldRule {self.key!r}: field must be one of {FIELDS}, got {self.field!r}"
            )
        if self.name is not None and self.key.endswith(".*") != self.name.endswith(".*"):
            raise ValueError(
                f"FieldRule {self.key!r}: a prefix key ('.*') needs a prefix name and vice versa"
            )

    @property
    def is_prefix(self) -> bool:
        return self.key.endswith(".*")


def _rules(field: Field, pairs: Iterable[tuple[str, str | None]]) -> list[FieldRule]:
    return [FieldRule(key, field, name) for key, name in pairs]


#: The conventions of shared/conventions.md, as data. Exact keys win over prefixes, and
#: longer prefixes over shorter ones.
DEFAULT_RULES: tuple[FieldRule, ...] = (
    # OpenTelemetry GenAI semantic conventions (current).
    *_rules(
        "input",
        [
            ("gen_ai.input.messages", "messages"),
            ("gen_ai.system_instructions", "system_instructions"),
            ("gen_ai.tool.definitions", "tool_definitions"),
            ("gen_ai.tool.call.arguments", "tool_call.arguments"),
            ("gen_ai.retrieval.query.text", "retrieval.query"),
        ],
    ),
    *_rules(
        "output",
        [
            ("gen_ai.output.messages", "messages"),
            ("gen_ai.tool.call.result", "tool_call.result"),
            ("gen_ai.retrieval.documents", "retrieval.documents"),
        ],
    ),
    # Deprecated GenAI forms, LangSmith OTel, OpenLLMetry <= 0.54 (flat, indexed).
    FieldRule("gen_ai.prompt", "input", "prompt"),
    FieldRule("gen_ai.prompt.name", "metadata"),
    FieldRule("gen_ai.prompt.*", "input", "prompt.*"),
    FieldRule("gen_ai.completion", "output", "completion"),
    FieldRule("gen_ai.completion.*", "output", "completion.*"),
    FieldRule("llm.request.functions.*", "input", "functions.*"),
    # OpenInference (Arize Phoenix).
    *_rules(
        "input",
        [
            ("input.value", "value"),
            ("llm.input_messages.*", "messages.*"),
            ("llm.prompts.*", "prompts.*"),
            ("llm.tools.*", "tools.*"),
            ("llm.prompt_template.template", "prompt_template.template"),
            ("llm.prompt_template.variables", "prompt_template.variables"),
            ("tool.parameters", "tool.parameters"),
            ("embedding.embeddings.*", "embeddings.*"),
            ("reranker.query", "reranker.query"),
            ("reranker.input_documents.*", "reranker.input_documents.*"),
        ],
    ),
    *_rules(
        "output",
        [
            ("output.value", "value"),
            ("llm.output_messages.*", "messages.*"),
            ("llm.choices.*", "choices.*"),
            ("retrieval.documents.*", "retrieval.documents.*"),
            ("reranker.output_documents.*", "reranker.output_documents.*"),
        ],
    ),
    # OpenLLMetry / Traceloop.
    FieldRule("traceloop.entity.input", "input", "entity"),
    FieldRule("traceloop.entity.output", "output", "entity"),
    # Langfuse.
    *_rules(
        "input",
        [
            ("langfuse.observation.input", "observation"),
            ("langfuse.trace.input", "trace"),
        ],
    ),
    *_rules(
        "output",
        [
            ("langfuse.observation.output", "observation"),
            ("langfuse.trace.output", "trace"),
        ],
    ),
    # MLflow.
    FieldRule("mlflow.spanInputs", "input", "span_inputs"),
    FieldRule("mlflow.spanOutputs", "output", "span_outputs"),
    # Pydantic AI and Logfire.
    *_rules(
        "input",
        [
            ("pydantic_ai.all_messages", "all_messages"),
            ("all_messages_events", "all_messages_events"),
            ("events", "events"),
            ("request_data", "request_data"),
        ],
    ),
    FieldRule("final_result", "output", "final_result"),
    FieldRule("response_data", "output", "response_data"),
    # Vercel AI SDK.
    *_rules(
        "input",
        [
            ("ai.prompt", "prompt"),
            ("ai.prompt.messages", "messages"),
            ("ai.toolCall.args", "tool_call.arguments"),
        ],
    ),
    *_rules(
        "output",
        [
            ("ai.response.text", "text"),
            ("ai.response.object", "object"),
            ("ai.response.toolCalls", "tool_calls"),
            ("ai.toolCall.result", "tool_call.result"),
        ],
    ),
)

#: The names the rules above give a whole input or output (OpenInference's `input.value`,
#: OpenLLMetry's entity, Langfuse's observation and trace, MLflow's span inputs, and
#: `track`'s): a field that holds one of them alone is that value, as Opik's `input` is
#: the dict of a function's arguments.
WHOLE_FIELD_NAMES = frozenset({"value", "entity", "observation", "trace", "span_inputs"})
WHOLE_FIELD_NAMES |= {"span_outputs"}

#: Event names (of log records and span events) whose body and unmapped attributes hold
#: content of a field.
DEFAULT_EVENT_FIELDS: Mapping[str, Field] = {
    "gen_ai.system.message": "input",
    "gen_ai.user.message": "input",
    "gen_ai.assistant.message": "input",
    "gen_ai.tool.message": "input",
    "gen_ai.choice": "output",
    "gen_ai.content.prompt": "input",
    "gen_ai.content.completion": "output",
}


class FieldMapping:
    """Answers, for a key, which field it belongs to and its name inside that field.

    Build a custom mapping with `DEFAULT_MAPPING.extended([...])`; rules given there take
    precedence over the defaults. Instances are immutable apart from a bounded cache.
    """

    def __init__(
        self,
        rules: Iterable[FieldRule] = DEFAULT_RULES,
        event_fields: Mapping[str, Field] = DEFAULT_EVENT_FIELDS,
    ) -> None:
        self.rules = tuple(rules)
        self.event_fields = dict(event_fields)
        self._exact: dict[str, FieldRule] = {}
        for rule in self.rules:
            if not rule.is_prefix:
                self._exact.setdefault(rule.key, rule)
        prefix_rules = [rule for rule in self.rules if rule.is_prefix]
        # Stable sort: for equal lengths, the earlier (user) rule wins.
        self._prefixes = sorted(prefix_rules, key=lambda rule: -len(rule.key))
        self._cache: dict[tuple[str, Field], tuple[Field, str]] = {}

    def extended(
        self, rules: Iterable[FieldRule] = (), event_fields: Mapping[str, Field] | None = None
    ) -> FieldMapping:
        """A new mapping where `rules` and `event_fields` override this one's."""
        return FieldMapping((*rules, *self.rules), {**self.event_fields, **(event_fields or {})})

    def locate(self, key: str, default: Field = "metadata") -> tuple[Field, str]:
        """The field of attribute `key` and its name there; unknown keys go to `default`."""
        cached = self._cache.get((key, default))
        if cached is not None:
            return cached
        located = self._locate(key, default)
        if len(key) <= _CACHED_KEY_LENGTH:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[(key, default)] = located
        return located

    def event_field(self, event_name: str | None) -> Field | None:
        """The field that the content of an event with this name belongs to, if known."""
        return self.event_fields.get(event_name) if event_name else None

    def _locate(self, key: str, default: Field) -> tuple[Field, str]:
        rule = self._exact.get(key)
        if rule is not None:
            return rule.field, rule.name or key
        for rule in self._prefixes:
            stem = rule.key[:-1]  # keeps the trailing dot
            if key.startswith(stem) and len(key) > len(stem):
                name = (rule.name or rule.key)[:-1] + key[len(stem) :]
                return rule.field, name
        return default, key


DEFAULT_MAPPING = FieldMapping()
