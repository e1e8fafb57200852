"""Type stubs of the C extension (see _native.c); `base.py` and `runs.py` hold the Python
reference."""

from collections.abc import Callable, Sequence
from typing import Any

CharClass = tuple[int, int, bool, int]

class Shapes:
    """Fixed-length sequences of character classes, looked for together (`Passes`);
    `not_after`, for each, the class of the characters it never follows (None: any)."""

    def __init__(
        self,
        shapes: Sequence[Sequence[CharClass]],
        not_after: Sequence[CharClass | None] | None = None,
        /,
    ) -> None: ...
    def places(self, text: str, start: int, /) -> list[int]:
        """Every place from `start` on where one of the shapes occurs in `text`,
        ascending."""

def simd(level: str | None = None, /) -> str:
    """The vector instructions the passes over one-byte texts (and the first look at
    JSON text) use: 'avx2', 'ssse3' or 'none' (one place at a time). With `level`, use
    those from now on (for the tests, which check that every level finds the same);
    ValueError for a level the CPU lacks."""

def json_keys(text: str, /) -> set[str]:
    """The keys that `jsontext.read_keys` reads in `text`."""

def json_layout(
    text: str, spans: Sequence[tuple[int, int, Any]], /
) -> tuple[bool, bool, int, bytes]:
    """`jsontext.read_layout`, reading the text once; raises `ValueError` for spans that
    are not ascending `(start, end, ...)` tuples within the text."""

class RunLookup:
    """Looks the numeric runs `Passes` finds up in `cache`, under the keys
    `Scanner._scan_numbers` stores them with."""

    def __init__(
        self,
        *,
        skip_inert: bool,
        lookbehind: int,
        lookahead: int,
        classes: str | None,
        cache: dict[Any, Any],
        after_classes: str | None,
    ) -> None: ...
    def clear(self) -> None:
        """Forget the runs known to hold nothing, as the cache forgets its own."""

class Passes:
    """The scanner's passes over a text, in one: where the `marks` first occur, and the
    numeric runs that `runs` does not know to hold nothing."""

    def __init__(self, marks: Shapes | None, runs: RunLookup | None, /) -> None: ...
    def run(self, text: str, /) -> tuple[list[tuple[int, int]], list[tuple[int, int, Any, Any]]]:
        """`(marks, runs)` of `text`, in one pass: `(index, position)` where each mark
        first occurs, by index; `(start, end, key, findings)` for each numeric run the
        cache does not know to hold nothing (its cached findings, or None). A list is
        empty where its side is None."""

class TextScreen:
    """Says which texts an anonymizer's `rewrite` leaves as they are (see
    `Scanner.text_screen`, `PIIAnonymizer.text_screen`)."""

    def __init__(
        self,
        *,
        passes: Passes,
        scan: Callable[..., Sequence[Any]],
        always: bool,
        sensitive: Callable[[str], bool] | None,
        needles: tuple[str, ...] | None,
        needles_marked: bool,
        unescape: Callable[[str], str],
        unescape_keeping_quotes: Callable[[str], str],
        clean_scalar: Callable[[int], bool],
    ) -> None: ...
    def clean(self, text: str, /) -> bool:
        """Whether `rewrite` certainly returns `text` as it is (under a name that is
        not sensitive)."""
    def forget(self) -> None:
        """Forget the long texts remembered clean (verdicts stay the same)."""
    def how(self, text: str, /) -> int | None:
        """How `rewrite` handles `text` (`PIIAnonymizer._how`): 0 as text, 1 as JSON
        text without escapes, 2 looked at, or None for the walk."""
