"""Undo OpenAI instrumentation between tests.

`uninstrument()` is not enough: OpenLLMetry 0.62.x calls
`unwrap("openai.resources.chat.completions", "Completions.create")`, which the current
`opentelemetry.instrumentation.utils.unwrap` resolves to a non-existent attribute, so the
wrapper (bound to the old tracer provider) stays and the next `instrument()` stacks a
second one. We therefore also restore a snapshot of the `openai` package's classes.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any

# Modules exposing an `OpenAIInstrumentor` (a per-class singleton) that tests may enable.
INSTRUMENTOR_MODULES = (
    "opentelemetry.instrumentation.openai_v2",  # OpenTelemetry contrib (openai-v2)
    "openinference.instrumentation.openai",  # Arize OpenInference
    "opentelemetry.instrumentation.openai",  # Traceloop OpenLLMetry
)

# Modules the instrumentations patch; imported up front so the snapshot covers them.
_PATCHED_MODULES = (
    "openai",
    "openai._base_client",
    "openai.resources.chat.completions",
    "openai.resources.completions",
    "openai.resources.embeddings",
    "openai.resources.images",
    "openai.resources.responses",
    "openai.resources.beta.assistants",
    "openai.resources.beta.chat.completions",
    "openai.resources.beta.threads.runs",
    "openai.resources.beta.threads.messages",
)


def uninstrument_all() -> None:
    """Call `uninstrument()` on every OpenAI instrumentor that is currently active.

    Constructing OpenLLMetry's instrumentor also resets its class-level `Config`.
    """
    for module_name in INSTRUMENTOR_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        instrumentor = module.OpenAIInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


class OpenAISnapshot:
    """The original attributes of every class and module of the `openai` package."""

    def __init__(self) -> None:
        for name in _PATCHED_MODULES:
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            # `openai` resolves most names lazily (`_EXPORTS` + module `__getattr__`).
            for export in getattr(module, "_EXPORTS", {}):
                try:
                    getattr(module, export)
                except (ImportError, AttributeError):
                    continue
        self._saved: list[tuple[Any, str, Any]] = []
        for mod_name, module in list(sys.modules.items()):
            if module is None or not (mod_name == "openai" or mod_name.startswith("openai.")):
                continue
            self._save(module, module)
            for cls in vars(module).values():
                if inspect.isclass(cls) and cls.__module__ == mod_name:
                    self._save(cls, cls)

    def _save(self, owner: Any, namespace: Any) -> None:
        for attr, value in list(vars(namespace).items()):
            if callable(value) or isinstance(value, staticmethod | classmethod):
                self._saved.append((owner, attr, value))

    def restore(self) -> int:
        """Put back every attribute that was replaced; returns how many were."""
        restored = 0
        for owner, attr, value in self._saved:
            if vars(owner).get(attr) is not value:
                setattr(owner, attr, value)
                restored += 1
        return restored
