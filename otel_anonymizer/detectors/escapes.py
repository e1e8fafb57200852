"""Values hidden by URL encoding: a decoded view of a text, and the way back.

URLs and form bodies (`url.full`, `http.url`, tool arguments) hold personal data
percent-encoded, `email=jane.doe%40example.com`, `phone=%2B14155552671`,
`q=my%20card%204111...` (the `20` of an encoded space glues to the number), and with `+`
for spaces, `card=4111+1111+1111+1111`, though a `+` may be a plus too
(`?q=call%20+44%2020...`, as browsers write it). The scanner also scans the `decoded`
views of a text holding escapes, one reading `+` as a space in form fields and one
as a plus, and maps what it finds there back onto the text (`DecodedView.span`).
"""

from __future__ import annotations

import codecs
import re

#: Where the view may differ from the text, as the scanner's passes look for it (shapes,
#: see `shapes`): an escape, or a `+` between digits (a form-encoded space in a number).
ESCAPE_SHAPES = ("%[0-9A-Fa-f]{2}", r"\d\+\d")
#: How many times a text is decoded at most: twice-encoded values (`%2540` for `@`) are
#: common, more rarely needed, and each level costs a scan of the text.
LEVELS = 3
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
#: A token, where `+` stands for a space if it holds `=` (a form field or query
#: parameter); not across a NUL, which separates the texts `Scanner.scan_many` joins.
_TOKEN = re.compile(r"[^\s\"'<>\0]+")


class DecodedView:
    """A text with its escapes decoded (UTF-8; bytes that are not read as U+FFFD, which
    glues to nothing), and `+` as a space in form fields."""

    __slots__ = ("_ends", "_starts", "text")

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        #: The decoded text.
        self.text = text
        # Per character of the view: where the text it was decoded from starts and ends.
        self._starts = starts
        self._ends = ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where the view's `text[start:end]` (not empty) is in the original text."""
        return self._starts[start], self._ends[end - 1]


def decoded(text: str) -> list[DecodedView]:
    """The views of `text` decoded up to `LEVELS` times: with `+` as a plus, and, where
    a form field holds one, with `+` as a space (at every level: a field's `+` decoded
    from `%2B` in a query carried in a parameter is a space again); none if it holds
    neither an escape nor such a `+`."""
    views: list[DecodedView] = []
    for form in (False, True):
        view: DecodedView | None = None
        for _ in range(LEVELS):
            inner = _decoded_once(text if view is None else view.text, form=form)
            if inner is None:
                break
            if view is not None:  # positions in the previous view, to the original text
                inner = DecodedView(
                    inner.text,
                    [view._starts[start] for start in inner._starts],
                    [view._ends[end - 1] for end in inner._ends],
                )
            view = inner
        if view is not None and all(view.text != other.text for other in views):
            views.append(view)
    return views


def _spaced(token: re.Match[str]) -> str:
    return token[0].replace("+", " ") if "=" in token[0] else token[0]


def _decoded_once(text: str, *, form: bool) -> DecodedView | None:
    spaced = _TOKEN.sub(_spaced, text) if form and "+" in text else text
    if spaced == text and _ESCAPE_RUN.search(text) is None:
        return None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = 0
    for run in _ESCAPE_RUN.finditer(spaced):
        start, stop = run.span()
        pieces.append(spaced[last:start])
        starts += range(last, start)
        ends += range(last + 1, start + 1)
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        first = start  # where the escapes of the character being decoded start
        for index, byte in enumerate(bytes.fromhex(run[0].replace("%", ""))):
            chars = decoder.decode(bytes((byte,)), final=index == (stop - start) // 3 - 1)
            if chars:
                # The bytes still buffered start the next character (after an invalid
                # sequence, the byte that ended it may).
                end = start + 3 * (index + 1 - len(decoder.getstate()[0]))
                pieces.append(chars)
                starts += [first] * len(chars)
                ends += [end] * len(chars)
                first = end
        last = stop
    pieces.append(spaced[last:])
    starts += range(last, len(text))
    ends += range(last + 1, len(text) + 1)
    return DecodedView("".join(pieces), starts, ends)
