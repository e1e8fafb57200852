"""The OpenAI instrumentations under test, and what each one was observed to capture.

See SHAPES.md for the attribute keys and shapes behind the `*_locations` sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.trace import TracerProvider

from .fake_openai import FakeOpenAI
from .scenario import LOCATIONS, Turn, run_langchain, run_openai

ALL = frozenset(LOCATIONS)
CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def _openai_v2(tp: TracerProvider, lp: LoggerProvider) -> None:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tp, logger_provider=lp)


def _openinference(tp: TracerProvider, lp: LoggerProvider) -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tp)


def _openllmetry(tp: TracerProvider, lp: LoggerProvider) -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tp, logger_provider=lp)


def _openllmetry_events(tp: TracerProvider, lp: LoggerProvider) -> None:
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    # `use_attributes=False`: messages go to log records instead of span attributes.
    OpenAIInstrumentor(use_attributes=False).instrument(tracer_provider=tp, logger_provider=lp)


@dataclass(frozen=True)
class Setup:
    """An instrumentation + client combination and the locations it captures."""

    name: str
    instrument: Callable[[TracerProvider, LoggerProvider], None]
    run: Callable[..., list[Turn]]
    span_locations: frozenset[str]
    log_locations: frozenset[str] = frozenset()
    env: dict[str, str] = field(default_factory=dict)

    @property
    def emits_logs(self) -> bool:
        """Whether message content is written to log records."""
        return bool(self.log_locations)


_V2_ENV = {CAPTURE_ENV: "SPAN_AND_EVENT"}
_LL_ENV = {"TRACELOOP_TRACE_CONTENT": "true"}

SETUPS: tuple[Setup, ...] = (
    # openai-v2 records neither the `user` parameter nor tool definitions.
    Setup("openai_v2", _openai_v2, run_openai, ALL, ALL, _V2_ENV),
    Setup("openinference", _openinference, run_openai, ALL | {"end_user"}),
    Setup("openllmetry", _openllmetry, run_openai, ALL | {"end_user"}, env=_LL_ENV),
    # Events mode: content in log records; the span keeps only `gen_ai.user`.
    Setup(
        "openllmetry_events",
        _openllmetry_events,
        run_openai,
        frozenset({"end_user"}),
        ALL,
        _LL_ENV,
    ),
    Setup("langchain_openai_v2", _openai_v2, run_langchain, ALL, ALL, _V2_ENV),
    Setup("langchain_openinference", _openinference, run_langchain, ALL | {"end_user"}),
    Setup("langchain_openllmetry", _openllmetry, run_langchain, ALL | {"end_user"}, env=_LL_ENV),
)
SETUP_IDS = [s.name for s in SETUPS]


def run_setup(
    setup: Setup, fake: FakeOpenAI, tp: TracerProvider, lp: LoggerProvider, *, stream: bool
) -> list[Turn]:
    """Instrument and run the conversation (the autouse fixture uninstruments)."""
    setup.instrument(tp, lp)
    return setup.run(fake, stream=stream)
