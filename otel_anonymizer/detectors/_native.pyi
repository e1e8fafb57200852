"""Type stubs of the C extension (see _native.c); `base.py` and `runs.py` hold the Python
reference."""

from collections.abc import Sequence

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
