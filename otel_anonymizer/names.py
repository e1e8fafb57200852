"""Keeping keys distinct when anonymization replaces some of them.

Personal data found in a key is replaced (`[EMAIL]`), and two keys can become one: the
second would overwrite the first, and a value would be lost. A replaced key that meets
another key takes the first free ` (2)`, ` (3)`, ... suffix instead. Keys that were not
replaced keep their names, so the suffixes go to the replaced ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FreeNames:
    """Hands out names not taken yet: a taken name gets the first free suffix written by
    `form` (` (2)`, ` (3)`... by default). It goes on from the suffix it stopped at for
    that name, so that many keys of one name (a request can hold thousands of addresses
    as keys, or a key repeated thousands of times) cost linear time, not quadratic."""

    def __init__(self, taken: set[Any], form: str = " ({})") -> None:
        self.taken = taken
        self.form = form
        self._next: dict[Any, int] = {}

    def __call__(self, name: Any) -> Any:
        """`name`, or with the first suffix not taken; it is taken from now on."""
        free = name
        if free in self.taken:
            suffix = self._next.get(name, 2)
            free = f"{name}{self.form.format(suffix)}"
            while free in self.taken:
                suffix += 1
                free = f"{name}{self.form.format(suffix)}"
            self._next[name] = suffix + 1
        self.taken.add(free)
        return free


class Renamed(dict[Any, Any]):
    """A dict some keys of which were replaced: `renamed_from` maps each new key to the
    old one, so that what was known under the old key (whether its value was JSON text,
    `jsontext.encode`) is still found."""

    renamed_from: dict[Any, Any]


def renamed(mapping: Mapping[Any, Any], new_names: Mapping[Any, Any]) -> Renamed:
    """`mapping` with the keys of `new_names` replaced by their new names, in place in
    the order, each made free (`FreeNames`) of the keys that keep theirs. A key that
    was renamed before (`mapping` is `Renamed`) keeps its first name as the old one."""
    before = getattr(mapping, "renamed_from", {})
    free = FreeNames({key for key in mapping if key not in new_names})
    result = Renamed()
    result.renamed_from = {
        key: old for key, old in before.items() if key in mapping and key not in new_names
    }
    for key, value in mapping.items():
        if key in new_names:
            new = free(new_names[key])
            result.renamed_from[new] = before.get(key, key)
            key = new
        result[key] = value
    return result


def keep_old_names(source: Mapping[Any, Any], rebuilt: dict[Any, Any]) -> dict[Any, Any]:
    """`rebuilt`, a dict made from `source` with the same keys (or fewer), knowing the
    old names `source` knew (`Renamed`): an anonymizer after the one that replaced
    some keys must not lose them."""
    before = getattr(source, "renamed_from", None)
    if not before:
        return rebuilt
    result = Renamed(rebuilt)
    result.renamed_from = {key: old for key, old in before.items() if key in rebuilt}
    return result
