r"""Shapes: short patterns, such as `[A-Z]{2}\d\d`, as sequences of character classes.

A detector's `shapes`, like its needles, say what every match contains; the scanner
looks for all of them in one pass (`_native.Shapes`, in C). This module turns a shape,
written in a small subset of regex syntax, into the class sequences that pass takes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

#: A set of characters as `_native.Shapes` takes it: bitmaps of the ASCII characters
#: 0-63 and 64-127, whether every Unicode decimal digit is in, one non-ASCII character
#: (0 for none).
CharClass = tuple[int, int, bool, int]
Shape = tuple[CharClass, ...]

#: The most sequences a shape's `{m,n}` repeats and alternatives may expand into.
_SHAPE_EXPANSION_LIMIT = 64
_SHAPE_REPEAT = re.compile(r"\{(\d+)(?:,(\d+))?\}")
_SHAPE_SPECIAL = set("()|*+?^$.{}")
_DECIMAL: CharClass = (0x03FF000000000000, 0, True, 0)  # `\d`: 0-9 and all decimal digits


def shape_classes(shape: str) -> list[Shape]:
    """The class sequences a shape stands for (its `{m,n}` repeats and its groups of
    alternatives expanded); see `parse_shape`."""
    return parse_shape(shape)[0]


def parse_shape(shape: str) -> tuple[list[Shape], CharClass | None]:
    """The class sequences a shape stands for, and the class of the characters it never
    follows (None: any).

    A shape is a regex of a few lengths at most: characters, escaped characters, `\\d`,
    classes (`[A-Z]`, `[0-9A-Fa-f_]`, not negated) and groups of alternatives of such
    (`(?:[Dd][Ee]|gb)`), each optionally repeated `{n}` or `{m,n}`; first, optionally, a
    lookbehind of one of them, `(?<![A-Za-z0-9])`, which the shape never follows. Raises
    `ValueError` naming the position of anything else.
    """
    not_after = None
    position = 0
    if shape.startswith("(?<!"):
        not_after, position = _shape_atom(shape, 4) if len(shape) > 4 else (None, 4)
        if not_after is None or not shape.startswith(")", position):
            raise ValueError("a lookbehind holds one character or class, at position 0")
        position += 1
    sequences, _ = _shape_sequences(shape, position, None)
    if any(not sequence for sequence in sequences):
        raise ValueError("empty shape")
    return [tuple(sequence) for sequence in sequences], not_after


def holds_a_digit(shape: str) -> bool:
    """Whether every string a shape stands for holds a decimal digit (`\\d`): one of its
    classes, in each of its sequences, holds nothing else."""
    return all(any(_only_decimal(atom) for atom in sequence) for sequence in shape_classes(shape))


#: A `bytes.translate` table: ASCII text as shapes are searched on it in Python, letters
#: as `a`, digits as `0`, the other characters as they are (the rest of a text, encoded
#: with `errors="replace"`, as `?`: positions stay those of the text's characters).
SKELETON = bytes(
    ord("a") if chr(code).isalpha() else ord("0") if chr(code).isdigit() else code
    for code in range(128)
) + bytes(range(128, 256))


def shape_skeletons(shape: str) -> frozenset[bytes] | None:
    """Where a shape can occur, as `SKELETON` reads text: one string per sequence of the
    shape, when each of its classes holds only ASCII letters, only ASCII digits or one
    other ASCII character; None for a shape that holds another class.

    The search of a shape that starts with letters (most places in text) and holds a
    digit or punctuation is cheaper on the skeleton (a literal such as `aa00`, found
    by `bytes.find`) than with a regex; None too for a shape that does not. A place
    found on the skeleton is then matched by the shape's regex (its lookbehind too).
    """
    skeletons = set()
    for sequence in parse_shape(shape)[0]:
        skeleton = bytearray()
        for low, high, decimal, extra in sequence:
            members = [code for code in range(128) if (low | high << 64) >> code & 1]
            kinds = {SKELETON[code] for code in members}
            if decimal or extra or len(kinds) != 1:
                return None
            skeleton += bytes(kinds)
        skeletons.add(bytes(skeleton))
    if not all(skeleton[0] == ord("a") and skeleton.strip(b"a") for skeleton in skeletons):
        return None
    return frozenset(skeletons)


def _only_decimal(atom: CharClass) -> bool:
    low, high, decimal, extra = atom
    return (low != 0 or decimal) and not low & ~_DECIMAL[0] and not high and not extra


def _shape_sequences(
    shape: str, position: int, group: int | None
) -> tuple[list[list[CharClass]], int]:
    """The class sequences of a shape from `position` to its end, or, in the group that
    opens at `group`, to the `)` that closes it, with the position after that."""
    alternatives: list[list[CharClass]] = []
    sequences: list[list[CharClass]] = [[]]
    while True:
        if position == len(shape):
            if group is not None:
                raise ValueError(f"unterminated group at position {group}")
            return alternatives + sequences, position
        if group is not None and shape[position] in "|)":
            alternatives += sequences
            if shape[position] == ")":
                return alternatives, position + 1
            sequences = [[]]
            position += 1
            continue
        start = position
        if shape.startswith("(?:", position):
            item, position = _shape_sequences(shape, position + 3, position)
        else:
            atom, position = _shape_atom(shape, position)
            item = [[atom]]
        repeat = _SHAPE_REPEAT.match(shape, position)
        low = high = 1
        if repeat is not None:
            low = int(repeat[1])
            high = int(repeat[2]) if repeat[2] is not None else low
            position = repeat.end()
            if not 1 <= low <= high:
                raise ValueError(f"bad repeat at position {start}")
        # Counted before they are made: `(?:a|b){30}` stands for 2**30 sequences.
        expanded = 0
        for count in range(low, high + 1):
            expanded += len(sequences) * len(item) ** count
            if expanded > _SHAPE_EXPANSION_LIMIT:
                raise ValueError(f"more than {_SHAPE_EXPANSION_LIMIT} lengths and alternatives")
        sequences = [
            sequence + [atom for part in parts for atom in part]
            for sequence in sequences
            for count in range(low, high + 1)
            for parts in itertools.product(item, repeat=count)
        ]


def _shape_atom(shape: str, position: int) -> tuple[CharClass, int]:
    """The class at `position` of a shape, and the position after it."""
    char = shape[position]
    if char == "\\":
        escaped = shape[position + 1 : position + 2]
        if escaped == "d":
            return _DECIMAL, position + 2
        if not escaped or escaped.isalnum():
            raise ValueError(f"unsupported escape at position {position}")
        return char_class([escaped]), position + 2
    if char == "[":
        chars: list[str] = []
        decimal = False
        index = position + 1
        if shape[index : index + 1] == "^":
            raise ValueError(f"negated class at position {position}")
        while index < len(shape) and shape[index] != "]":
            if shape[index] == "\\" and shape[index + 1 : index + 2] == "d":
                chars += "0123456789"
                decimal = True
                index += 2
                continue
            if shape[index] == "\\":
                index += 1
            first, dash, last = shape[index : index + 1], shape[index + 1 : index + 2], ""
            if dash == "-":
                last = shape[index + 2 : index + 3].replace("]", "")
            if last:
                chars += (chr(code) for code in range(ord(first), ord(last) + 1))
                index += 3
            else:
                chars.append(first)
                index += 1
        if index >= len(shape) or not chars:
            raise ValueError(f"unterminated or empty class at position {position}")
        low, high, _, extra = char_class(chars)
        return (low, high, decimal, extra), index + 1
    if char in _SHAPE_SPECIAL or char == "]":
        raise ValueError(f"unsupported {char!r} at position {position}")
    return char_class([char]), position + 1


def char_class(chars: Iterable[str]) -> CharClass:
    """The class holding `chars` (ASCII ones, and one non-ASCII character at most)."""
    low = high = extra = 0
    for char in chars:
        code = ord(char)
        if code < 64:
            low |= 1 << code
        elif code < 128:
            high |= 1 << (code - 64)
        elif extra in (0, code):
            extra = code
        else:
            raise ValueError("a class may hold one non-ASCII character at most")
    return (low, high, False, extra)
