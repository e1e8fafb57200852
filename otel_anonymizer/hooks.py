"""The global registry of anonymizers, applied in registration order.

The adapters read it at export time when they were built with `anonymizers=None`, so
registering an anonymizer takes effect without any other wiring.
"""

from __future__ import annotations

import threading

from otel_anonymizer.anonymizer import Anonymizer

_lock = threading.Lock()
_anonymizers: tuple[Anonymizer, ...] = ()


def add_anonymizer(anonymizer: Anonymizer) -> None:
    """Append `anonymizer` to the registry; it runs after those already registered."""
    if not isinstance(anonymizer, Anonymizer):
        raise TypeError(
            "add_anonymizer() expects an otel_anonymizer.anonymizer.Anonymizer, got "
            f"{type(anonymizer).__name__}; wrap rules or functions with create_anonymizer()"
        )
    global _anonymizers
    with _lock:
        _anonymizers = (*_anonymizers, anonymizer)


def clear_anonymizers() -> None:
    """Remove every registered anonymizer."""
    global _anonymizers
    with _lock:
        _anonymizers = ()


def has_anonymizers() -> bool:
    """Whether at least one anonymizer is registered."""
    return bool(_anonymizers)


def get_anonymizers() -> list[Anonymizer]:
    """A copy of the registered anonymizers, in the order they run."""
    return list(_anonymizers)
