"""Type stubs of the C extension (see _native.c); `base.py` and `runs.py` hold the Python
reference."""

from collections.abc import Callable, Sequence
from typing import Any

CharClass = tuple[int, int, bool, int]

class Shapes:
    """Fixed-length sequences of character classes, searched for together."""

    def __init__(self, shapes: Sequence[Sequence[CharClass]], /) -> None: ...
    def search(self, text: str, /) -> list[tuple[int, int]]:
        """`(index, position)` of each shape that occurs in `text`, by index: where it
        first occurs."""

def numeric_runs(text: str, skip_inert: bool, /) -> list[tuple[int, int]]:
    """The `(start, end)` of each numeric run of `text`, as `runs.numeric_runs`."""

def json_keys(text: str, /) -> set[str]:
    """The keys that `jsontext.read_keys` reads in `text`."""

class RunLookup:
    """Finds the numeric runs of texts and looks them up in `cache`, under the keys
    `Scanner._scan_numbers` stores them with."""

    def __init__(
        self,
        *,
        skip_inert: bool,
        lookbehind: int,
        lookahead: int,
        classes: str | None,
        cache: dict[Any, Any],
    ) -> None: ...
    def unknown(self, text: str, /) -> list[tuple[int, int, Any, Any]]:
        """The runs of `text` that the cache does not know to hold nothing, as
        `(start, end, key, findings)`: the cached findings, or None where there are none."""

class Passes:
    """The scanner's passes over a text, in one: where the `marks` first occur, and the
    numeric runs that `runs` does not know to hold nothing."""

    def __init__(self, marks: Shapes | None, runs: RunLookup | None, /) -> None: ...
    def run(self, text: str, /) -> tuple[list[tuple[int, int]], list[tuple[int, int, Any, Any]]]:
        """`(marks.search(text), runs.unknown(text))` in one pass (empty for a None)."""

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
