"""Type stubs of the C extension (see _native.c); `base.py` holds the Python reference."""

from collections.abc import Sequence

CharClass = tuple[int, int, bool, int]

class Shapes:
    """Fixed-length sequences of character classes, searched for together."""

    def __init__(self, shapes: Sequence[Sequence[CharClass]], /) -> None: ...
    def search(self, text: str, /) -> list[int]:
        """The indices of the shapes that occur in `text`, in increasing order."""

def numeric_runs(text: str, skip_inert: bool, /) -> list[tuple[int, int]]:
    """The `(start, end)` of each numeric run of `text`, as `base.numeric_runs`."""
