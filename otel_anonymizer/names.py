"""Keeping keys distinct when anonymization replaces some of them.

Personal data found in a key is replaced (`[EMAIL]`), and two keys can become one: the
second would overwrite the first, and a value would be lost. A replaced key that meets
another key takes the first free ` (2)`, ` (3)`, ... suffix instead. Keys that were not
replaced keep their names, so the suffixes go to the replaced ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def free_name(name: Any, taken: set[Any]) -> Any:
    """`name`, or with the first suffix that is not in `taken`; added to `taken`."""
    free = name
    suffix = 2
    while free in taken:
        free = f"{name} ({suffix})"
        suffix += 1
    taken.add(free)
    return free


def renamed(mapping: Mapping[Any, Any], new_names: Mapping[Any, Any]) -> dict[Any, Any]:
    """`mapping` with the keys of `new_names` replaced by their new names, in place in
    the order, each made free (`free_name`) of the keys that keep theirs."""
    taken = {key for key in mapping if key not in new_names}
    return {
        free_name(new_names[key], taken) if key in new_names else key: value
        for key, value in mapping.items()
    }
