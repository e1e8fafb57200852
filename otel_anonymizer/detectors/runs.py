"""Numeric runs: where numeric detectors look, and the runs none of them can match.

Numbers (phones, cards, SSNs, IPv4 addresses) are searched only inside runs of digits
and the separators people write in numbers, found once per text. `numeric_runs` is the
Python reference of the runs `_native.Passes` finds in C.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from otel_anonymizer.detectors.words import glued_before

#: Runs of digits and the separators people write in numbers, at least 7 characters
#: from a digit to a digit; a run is extended over a `+` or `(` before it. Numeric
#: detectors search only inside runs. Texts that are not ASCII are searched as `str`
#: (digits of other scripts); ASCII texts on their skeleton, below.
_RUN = r"\d[\d().\-/ ]{6,}(?<=\d)"
_NUMERIC_RUN = re.compile(_RUN)
#: The same runs in ASCII text, found on a skeleton of it (digits as `0`, separators as
#: `.`, the rest as spaces): a pattern that starts with a literal lets the engine jump
#: from digit to digit, 2-3 times as fast as `_RUN` with identical spans.
_SKELETON = bytes.maketrans(
    bytes(range(256)),
    bytes(48 if 48 <= c <= 57 else 46 if c in b"().-/ " else 32 for c in range(256)),
)
_SKELETON_RUN = re.compile(rb"0[0.]{5,}0")
#: Runs that no built-in numeric detector can match (those set `skips_inert_runs`),
#: skipped before any looks at them; they are most of the runs in logs and tool
#: results: a date (`2024-03-14`, with an
#: hour `2024-03-14 10`, `14/03/2024`, `03.14.24`) or a decimal (`42.032310`): too short
#: for a card, not shaped like an SSN, never a phone (see the phone detector), one dot
#: short of an IPv4 address; bare digits, 7 to 11 (ids, epoch seconds): too short for a
#: card, an SSN has separators, and bare digits are a phone only after `+` or `00`.
#: Also inert: a run glued to a word (`_glued`).
_INERT_RUN = re.compile(
    r"\d{4}-\d\d-\d\d(?:[ T]\d\d)?|\d{1,2}([/.-])\d{1,2}\1\d{2,4}|\d+\.\d+|(?!00)\d{7,11}"
)
_DIGITS_AND_DASHES = re.compile(r"[\d-]+")


def _context_class(char: str) -> str:
    if char in " -.,+/:=<>!~\\nrt_":  # what the built-in detectors' patterns name
        return char
    if char.isalpha():
        return "a"
    return "0" if char.isdigit() else '"'


#: A `str.translate` table: the ASCII characters around a numeric run as the built-in
#: numeric detectors' patterns tell them apart (`\w`, `\d`, the space and punctuation
#: they name, and the `n`, `r`, `t` of JSON escapes), one character per class; the rest
#: (other whitespace, quotes, brackets, NUL) as `"`. Other characters stay as they are.
CONTEXT_CLASSES = "".join(_context_class(chr(code)) for code in range(128))
#: The same for the characters after a run, where the letters of JSON escapes are
#: letters like the others: the patterns look back for escapes, never ahead.
AFTER_CONTEXT_CLASSES = CONTEXT_CLASSES.translate(str.maketrans("nrt", "aaa"))


def numeric_runs(text: str, skip_inert: bool) -> Iterator[tuple[int, int]]:
    """The `(start, end)` of each numeric run in `text`: `_RUN`, extended over a `+` or
    `(` right before it; without the inert ones (`_INERT_RUN`, `_glued`) if `skip_inert`.
    The reference for the runs `_native.Passes` finds."""
    runs = (
        _SKELETON_RUN.finditer(text.encode("ascii").translate(_SKELETON))
        if text.isascii()
        else _NUMERIC_RUN.finditer(text)
    )
    for run in runs:
        start, end = run.span()
        if start and text[start - 1] in "+(":
            start -= 1
        if skip_inert:
            chunk = text[start:end]
            if _INERT_RUN.fullmatch(chunk) or _glued(text, start, chunk):
                continue
        yield start, end


def _glued(text: str, start: int, chunk: str) -> bool:
    """Whether a run is glued to a word: right after a word character (`glued_before`)
    or `-` that is not the letter of a JSON escape (`\\n`), and made of digits and
    dashes only (inside ids: `c12-3456-`, `build-20240314`). No numeric detector starts a
    match there: they start neither after a word character or `-` nor after a digit, and
    IPv4 addresses have dots.
    """
    if not start or not chunk[0].isdecimal():
        return False
    before = text[start - 1]
    if not (before == "-" or glued_before(text, start)):
        return False
    if before in "nrt" and start > 1 and text[start - 2] == "\\":
        return False
    return _DIGITS_AND_DASHES.fullmatch(chunk) is not None
