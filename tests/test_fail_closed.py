"""Randomized checks of the one promise that matters most: nothing raw leaks.

Random telemetry-shaped entries (plain text, JSON text, JSON inside JSON, attribute
arrays, nested log bodies) carry a canary in random places. Whatever the chain does
(raise on some values, return unusable types, delete keys, nest too deep), the canary
never comes out, and entries without it come out unchanged when the chain leaves them
alone.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from otel_anonymizer import Anonymizer, Entry, RecursiveAnonymizer, Sanitizer, create_anonymizer
from otel_anonymizer.sanitizer import REMOVED

CANARY = "jane.roe@example.org"
EMAIL = create_anonymizer([(r"[\w.]+@[\w.]+\.\w+", "[EMAIL]")])


def random_text(rng: random.Random, canary: bool) -> str:
    words = [rng.choice(["order", "refund", "ok", "2024-03-14", "$19.99", "the"]) for _ in range(8)]
    if canary:
        words.insert(rng.randrange(len(words) + 1), CANARY)
    return " ".join(words)


def random_value(rng: random.Random, canary: bool, depth: int = 0) -> Any:
    shape = rng.randrange(6 if depth < 4 else 2)
    if shape == 0:
        return random_text(rng, canary)
    if shape == 1:
        return rng.randrange(10**9)
    if shape == 2:
        return json.dumps({"content": random_value(rng, canary, depth + 1)})
    if shape == 3:
        return json.dumps(json.dumps({"nested": random_text(rng, canary)}))
    if shape == 4:
        return [random_value(rng, canary and i == 0, depth + 1) for i in range(3)]
    return {"k": random_value(rng, canary, depth + 1), "n": 1}


def entries(rng: random.Random) -> list[Entry]:
    keys = ["gen_ai.input.messages", "input.value", "output.value", "user.note", "body"]
    result = []
    for index in range(rng.randrange(1, 8)):
        value = random_value(rng, rng.random() < 0.5)
        kind = "any" if isinstance(value, (dict, list)) else "attribute"
        if kind == "attribute" and isinstance(value, list):
            value = [json.dumps(item) for item in value]
        result.append(Entry(f"{rng.choice(keys)}.{index}", value, kind=kind))
    return result


class Flaky(Anonymizer):
    """Raises on some values, returns junk for others, deletes keys, passes the rest."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        roll = self.rng.random()
        if roll < 0.25:
            raise RuntimeError(f"failed on {data!r}")
        if roll < 0.35:
            return object()
        if roll < 0.45 and isinstance(data, dict) and data:
            data = dict(data)
            data.pop(next(iter(data)))
        return data


class Saboteur(Anonymizer):
    """Fails, in a random way, on exactly the values that hold the canary."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def anonymize(self, data: Any, **kwargs: Any) -> Any:
        if CANARY not in repr(data):
            return data
        failure = self.rng.randrange(4)
        if failure == 0:
            raise RuntimeError(f"failed on {data!r}")
        if failure == 1:
            return object()
        if failure == 2:
            return None
        cycle: list[Any] = [data]
        cycle.append(cycle)
        return {key: cycle for key in data} if isinstance(data, dict) else cycle


class Deep(RecursiveAnonymizer):
    """Replaces the canary only where it can reach: shallow max_depth."""

    def __init__(self) -> None:
        super().__init__(max_depth=3)

    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        return data.replace(CANARY, "[EMAIL]")


def leaked(values: list[Any]) -> bool:
    return CANARY in repr(values)


@pytest.mark.parametrize("seed", range(200))
def test_no_chain_lets_the_canary_out(seed: int) -> None:
    rng = random.Random(seed)
    batch = entries(rng)
    chains: list[list[Anonymizer]] = [
        [Flaky(rng), EMAIL],
        [EMAIL, Flaky(rng)],
        [Deep()],
        [Flaky(rng), Deep()],
        [Saboteur(rng)],
        [Flaky(rng), Saboteur(rng)],
    ]
    for chain in chains:
        values = Sanitizer(chain).sanitize(batch, rng.choice(["trace", "span", "log"]))
        assert not leaked(values), (chain, batch, values)
        assert len(values) == len(batch)


@pytest.mark.parametrize("seed", range(50))
def test_clean_entries_survive_a_failing_neighbour(seed: int) -> None:
    rng = random.Random(seed)
    clean = Entry("input.note", random_text(rng, canary=False))

    class RaiseOnCanary(Anonymizer):
        def anonymize(self, data: Any, **kwargs: Any) -> Any:
            if CANARY in repr(data):
                raise ValueError(repr(data))
            return data

    dirty = Entry("input.other", random_text(rng, canary=True))
    values = Sanitizer([RaiseOnCanary()]).sanitize([clean, dirty], "span")
    assert values[0] == clean.value
    assert values[1] not in (dirty.value, REMOVED)
    assert not leaked(values)
