"""Values hidden by percent-encoding: a decoded view of a text, and the way back.

URLs and form bodies (`url.full`, `http.url`, tool arguments) hold personal data
percent-encoded: `email=jane.doe%40example.com`, `phone=%2B14155552671`,
`q=my%20card%204111...` (the `20` of an encoded space glues to the number). The scanner
also scans the `decoded` view of a text holding escapes and maps what it finds there back
onto the text (`DecodedView.span`).
"""

from __future__ import annotations

import bisect
import re

#: An escape, as the scanner's passes look for it (a shape, see `shapes`).
ESCAPE_SHAPE = "%[0-9A-Fa-f]{2}"
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


class DecodedView:
    """A text with its runs of escapes decoded (UTF-8; bytes that are not read as
    U+FFFD, which glues to nothing)."""

    __slots__ = ("_runs", "_view_starts", "text")

    def __init__(self, text: str, runs: list[tuple[int, int, int, int]]) -> None:
        #: The decoded text.
        self.text = text
        # Per run of escapes: where it is in the view (start, end) and in the text.
        self._runs = runs
        self._view_starts = [run[0] for run in runs]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where the view's `text[start:end]` is in the original text: exactly, or taking
        the whole of a run of escapes that decoded to characters of several bytes."""
        return self._position(start, end=False), self._position(end, end=True)

    def _position(self, position: int, *, end: bool) -> int:
        index = bisect.bisect_right(self._view_starts, position) - 1
        if index < 0:
            return position
        view_start, view_end, start, stop = self._runs[index]
        if position >= view_end:
            return position - view_end + stop
        if position == view_start:
            return start
        if (view_end - view_start) * 3 == stop - start:  # one escape per character
            return start + 3 * (position - view_start)
        return stop if end else start


def decoded(text: str) -> DecodedView | None:
    """The view of `text` with its percent escapes decoded; None if it holds none."""
    pieces: list[str] = []
    runs: list[tuple[int, int, int, int]] = []
    last = length = 0
    for run in _ESCAPE_RUN.finditer(text):
        start, stop = run.span()
        plain = text[last:start]
        value = bytes.fromhex(run.group().replace("%", "")).decode("utf-8", "replace")
        length += len(plain)
        runs.append((length, length + len(value), start, stop))
        length += len(value)
        pieces += (plain, value)
        last = stop
    if not runs:
        return None
    pieces.append(text[last:])
    return DecodedView("".join(pieces), runs)
