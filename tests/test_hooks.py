"""The global registry: order, copies, type checks and thread safety."""

from __future__ import annotations

import threading

import pytest

from otel_anonymizer import create_anonymizer, hooks


def test_registration_order_is_kept_and_clear_empties() -> None:
    first, second = create_anonymizer([]), create_anonymizer([])
    assert not hooks.has_anonymizers()
    hooks.add_anonymizer(first)
    hooks.add_anonymizer(second)
    assert hooks.has_anonymizers()
    assert hooks.get_anonymizers() == [first, second]
    hooks.clear_anonymizers()
    assert hooks.get_anonymizers() == []


def test_get_anonymizers_returns_a_copy() -> None:
    hooks.add_anonymizer(create_anonymizer([]))
    hooks.get_anonymizers().clear()
    assert len(hooks.get_anonymizers()) == 1


@pytest.mark.parametrize("thing", [42, "rule", lambda text: text, [("a", "b")]])
def test_non_anonymizers_are_rejected(thing: object) -> None:
    with pytest.raises(TypeError, match=r"add_anonymizer\(\) expects an .*Anonymizer"):
        hooks.add_anonymizer(thing)  # type: ignore[arg-type]
    assert not hooks.has_anonymizers()


def test_concurrent_registration_loses_nothing() -> None:
    def register() -> None:
        for _ in range(200):
            hooks.add_anonymizer(create_anonymizer([]))

    threads = [threading.Thread(target=register) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(hooks.get_anonymizers()) == 1600
