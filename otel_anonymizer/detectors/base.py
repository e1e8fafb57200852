r"""Detectors and the scanner that runs many of them over a text cheaply.

A `Detector` is a pattern, an optional validator and a prefilter. The `Scanner` keeps the
common case fast: most strings in LLM telemetry hold no personal data, so a text is only
searched by a detector whose prefilter says a match is possible:

- `needles`: literal substrings, one of which every match contains (`@`, `sk-`, `eyJ`),
  and `shapes`: the same with character classes (`[A-Z]{2}\d\d`); all needles and
  shapes of all detectors are looked for in one pass;
- `numeric`: the detector only matches inside runs of digits and separators, which are
  found once per text and shared by every numeric detector (phones, cards, SSNs, IPs);
  `min_digits`, `needles` and `run_filter` skip runs that cannot hold a match;
- `prefilter`: regexes, one of which every match must contain, for the rest.

The two passes over every text (needles and shapes, numeric runs) run in C when the
package's extension `_native` is built (it is, wherever a C compiler was at install
time); otherwise in Python, with the same results, several times slower.

Costs that matter at this scale: a `regex` call with a `timeout` costs about 1.5 µs more
than one without, and `finditer` costs three times a failing `search`. Built-in patterns
are reviewed to run in linear time and are marked `trusted`: they run without the
timeout, which bounds user patterns only. A detector is searched once, and iterated only
when that search found something.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import regex

from otel_anonymizer.detectors.budget import check_budget, end_budget, remaining, start_budget
from otel_anonymizer.detectors.escapes import ESCAPE_SHAPES, decoded
from otel_anonymizer.detectors.runs import AFTER_CONTEXT_CLASSES, CONTEXT_CLASSES, numeric_runs
from otel_anonymizer.detectors.shapes import (
    SKELETON,
    CharClass,
    Shape,
    char_class,
    holds_a_digit,
    parse_shape,
    shape_skeletons,
)
from otel_anonymizer.detectors.words import ALNUM

try:
    from otel_anonymizer.detectors import _native
except ImportError:  # not built: the passes below run in Python
    _native = None  # type: ignore[assignment]

Kind = Literal["pii", "secret"]

_DROP_SEPARATORS = str.maketrans("", "", " ().-/")
#: How far past the end of its search range a detector's lookaheads can see (enough for
#: `(?![.,]\d)`; every character more is one more place a numeric search must try).
LOOKAHEAD_CONTEXT = 4
#: How far past a numeric run the lookaheads of the detectors that set `context_classes`
#: read (`(?![.,]\d)`): the context after a run in the key its findings are cached under,
#: when every numeric detector sets it. Fewer characters, more runs share an entry.
CLASSED_LOOKAHEAD = 2
#: How far before a match a numeric detector's lookbehinds may look (`(?<!\d[.,])`,
#: `not_after`'s `\n_`).
LOOKBEHIND_CONTEXT = 3
_RUN_CACHE_LIMIT = 8192
#: A search over more characters than this is bounded by the time budget running here,
#: trusted patterns too: linear, but one window over megabytes of `a@a@...` takes
#: seconds, and a search cannot be stopped between its steps.
_LONG_SEARCH = 1 << 16
#: Texts up to this long are scanned without a budget of their own (tens of ms at worst,
#: and setting one costs about 0.5 us, most of a short text's scan); a budget running
#: around them still applies.
_UNBOUNDED_LENGTH = 1 << 13
#: Loops over the places of a text check the time budget once in this many steps
#: (a check costs about 70 ns, a step about 0.5 us and more).
_CHECK_EVERY = 64
#: The longest key of a run whose findings are cached (a run of numbers and spaces in a
#: table can be as long as its text): the cache holds at most `_RUN_CACHE_LIMIT` keys.
_CACHED_RUN_LENGTH = 128
#: The longest window whose findings are cached (an email address is at most 318
#: characters): the cache holds at most `_RUN_CACHE_LIMIT` keys of about this size.
_CACHED_WINDOW_LENGTH = 320
#: A `str.translate` table: how `Scanner` keys a `cacheable_windows` window's context
#: (ASCII letters other than `n`, `r`, `t` as `a`, digits as `0`).
_WINDOW_CONTEXT = "".join(
    "0" if char.isdigit() else "a" if char.isalpha() and char not in "nrt" else char
    for char in map(chr, range(128))
)
#: How many texts `Scanner.remember` keeps the findings of (more than the prescreen
#: hands back in one request), and how many characters they may hold together (the
#: texts are kept alive with their findings).
_REMEMBERED_TEXTS = 1024
_REMEMBERED_CHARACTERS = 1 << 22
#: Remembered texts are found by their length and this many characters at each end (a
#: whole text of kilobytes would be hashed each time it is looked up), then compared.
_REMEMBERED_EDGE = 64
#: Detectors with at most this `reach` are tried with `match` where a match can start
#: (around each needle), not searched: fewer steps unless needles are everywhere.
_ANCHORED_REACH = 16


#: What `regex` reads otherwise than the stdlib engine, which takes it without an error:
#: POSIX classes (`[[:alnum:]]`) and set operations in classes.
_REGEX_ONLY = ("[:", "[[", "--", "&&", "~~", "||")


def _compiled(pattern: str) -> Any:
    """`pattern` compiled by the stdlib engine (faster to call), or by `regex` where
    only that one reads it, or might read it otherwise (`_REGEX_ONLY`)."""
    if not any(construct in pattern for construct in _REGEX_ONLY):
        try:
            return re.compile(pattern)
        except re.error:
            pass
    return regex.compile(pattern)


def _ascii_class(pattern: str | None) -> str | None:
    """The characters `pattern` matches, if it is one class of ASCII characters
    (`[A-Za-z0-9._%+-]`), for `str.rstrip`; else None."""
    if pattern is None:
        return None
    try:
        sequences, not_after = parse_shape(pattern)
    except (ValueError, IndexError):
        return None
    if len(sequences) != 1 or len(sequences[0]) != 1 or not_after is not None:
        return None
    low, high, decimal, extra = sequences[0][0]
    characters = "".join(chr(code) for code in range(128) if (low | high << 64) >> code & 1)
    # Read as a shape, the class holds no other character; the engine must agree
    # (a shape reads `[\w]` as `w`).
    matched = "".join(chr(code) for code in range(128) if regex.fullmatch(pattern, chr(code)))
    return characters if not (decimal or extra) and matched == characters else None


@dataclass(frozen=True)
class Detector:
    """Finds one kind of personal data or secret in text.

    `pattern` finds candidates (group `group` is what gets replaced); `validate`, when
    given, receives that text and confirms it. `label` names the type in placeholders
    (`[EMAIL]`); it defaults to the upper-cased name.

    Prefilters (see the module docs): `needles` and `shapes` (short patterns:
    characters, `\\d`, classes such as `[0-9A-Fa-f]`, groups of alternatives such as
    `(?:[Dd][Ee]|gb)`, repeats `{n}` and `{m,n}`, after a lookbehind of one class such
    as `(?<![A-Za-z0-9])` if need be),
    `prefilter` (one regex or several; a string is compiled with `regex`, a compiled
    stdlib `re` pattern is used as is); a text is searched when any of them occurs in
    it. Or `numeric` (with `min_digits`: no match has fewer digits, so runs and shorter
    readings with fewer are skipped; `needles`: runs must contain one; `run_filter`: a
    cheap test of the run's text that any run holding a match passes). A numeric pattern
    must end in a digit, look at most `LOOKBEHIND_CONTEXT` characters before a match,
    and, like `validate`, give the same answer for the same text (results are cached per
    run); `skips_inert_runs` says the detector never matches in a run that is a whole
    date, decimal or bare 7-11 digits (`runs._INERT_RUN`), nor starts a match inside a
    run of digits and dashes glued to a word (`runs._glued`), so that the scanner may
    skip those when every numeric detector says so. `context_classes` says that its
    lookarounds tell the characters around a run apart only by their class in
    `runs.CONTEXT_CLASSES` (after the run, `runs.AFTER_CONTEXT_CLASSES`; the farthest
    one before it, `LOOKBEHIND_CONTEXT` back, only as `\\` or not), and read at most
    `CLASSED_LOOKAHEAD` characters past it: the scanner then caches results per run
    and classes of its context when every numeric detector says so. `trusted` exempts
    the pattern and prefilters from the scanner's timeout; only set it for patterns
    known to run in linear time. A trusted `pattern` may be a compiled stdlib `re`
    pattern: cheaper to call on short numeric runs. `joinable` says that a NUL character
    reads to the pattern like the start or end of a text (no anchors, no lookaround that
    a NUL passes) and that no candidate it validates holds one: then `Scanner.scan_many`
    may scan many texts joined by NULs as one. `reach`, when known, says how far from
    the start of a match the first needle or shape inside it may begin (0 for a prefix
    such as `AKIA`): the pattern is then tried only that far before each needle (up to
    16), or searched from that far before the first one. `quote_bounded` says that no
    match holds a `"`, and that a `"` next to a match reads to the pattern like the
    start or end of a text: then, in JSON text without escapes, what it finds within a
    string is what it finds in that string alone. `extent`, with `reach`, is a regex
    that, matched where a needle or shape occurs, ends where any match around it ends at
    the latest (`@[A-Za-z0-9.-]*`: an email ends within the domain characters after its
    `@`): the pattern is then searched only in those windows, not through the rest of
    the text. `lead`, with `extent`, is a regex of one character that every character of
    a match before its needle matches (`[A-Za-z0-9._%+-]`, an email's local part): a
    window then starts where the run of them before the needle starts, not `reach`
    before it. `cacheable_windows`, with `extent`, says that where the pattern is
    searched in a window, it reads at most `LOOKBEHIND_CONTEXT` characters before it,
    tells the characters around it apart no further than `_WINDOW_CONTEXT` does (ASCII
    letters other than `n`, `r`, `t` alike, digits alike), and that `validate` gives the
    same answer for the same text: what it finds in a window is then cached by the
    window's text and that context (the same address recurs in every turn of a
    conversation).
    """

    name: str
    pattern: str | re.Pattern[str]
    validate: Callable[[str], bool] | None = None
    label: str = ""
    kind: Kind = "pii"
    needles: tuple[str, ...] = ()
    shapes: tuple[str, ...] = ()
    numeric: bool = False
    prefilter: str | re.Pattern[str] | tuple[str | re.Pattern[str], ...] | None = None
    group: int = 0
    flags: int = 0
    min_digits: int = 0
    run_filter: Callable[[str], bool] | None = None
    trusted: bool = False
    skips_inert_runs: bool = False
    context_classes: bool = False
    quote_bounded: bool = False
    joinable: bool = False
    reach: int | None = None
    extent: str | None = None
    lead: str | None = None
    cacheable_windows: bool = False
    compiled: Any = field(init=False, repr=False, compare=False)
    compiled_prefilter: Any = field(init=False, repr=False, compare=False)
    compiled_extent: Any = field(init=False, repr=False, compare=False)
    compiled_lead: Any = field(init=False, repr=False, compare=False)
    #: `lead` as the ASCII characters it matches, when it is a class of only those.
    lead_characters: str | None = field(init=False, repr=False, compare=False)
    shape_classes: tuple[Shape, ...] = field(init=False, repr=False, compare=False)
    #: For each of `shape_classes`, the class of the characters it never follows.
    shape_not_after: tuple[CharClass | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"detector name {self.name!r} must be an identifier")
        try:
            if isinstance(self.pattern, re.Pattern):
                if not self.trusted:
                    raise ValueError(
                        f"detector {self.name!r}: a compiled stdlib pattern cannot be bounded "
                        "by a timeout; pass the pattern as a string"
                    )
                compiled: Any = self.pattern
            else:
                compiled = regex.compile(self.pattern, self.flags)
            prefilters = self.prefilter if isinstance(self.prefilter, tuple) else (self.prefilter,)
            prefilter = tuple(
                # (pattern, whether it takes a timeout)
                (regex.compile(item), True) if isinstance(item, str) else (item, False)
                for item in prefilters
                if item is not None and item != ""
            )
        except regex.error as error:
            position = f" at position {error.pos}" if error.pos is not None else ""
            raise ValueError(
                f"detector {self.name!r}: invalid regex: {error.msg}{position}"
            ) from None
        if self.group > compiled.groups:
            raise ValueError(f"detector {self.name!r}: pattern has no group {self.group}")
        if "" in self.needles:
            raise ValueError(f"detector {self.name!r}: a needle is empty")
        if self.reach is not None and (
            self.reach < 0 or self.prefilter or not (self.needles or self.shapes)
        ):
            raise ValueError(
                f"detector {self.name!r}: reach needs needles or shapes, no prefilter, and "
                "a non-negative value"
            )
        if self.extent is not None and self.reach is None:
            raise ValueError(f"detector {self.name!r}: extent needs reach")
        if self.lead is not None and self.extent is None:
            raise ValueError(f"detector {self.name!r}: lead needs extent")
        if self.cacheable_windows and self.extent is None:
            raise ValueError(f"detector {self.name!r}: cacheable_windows needs extent")
        try:
            extent = None if self.extent is None else _compiled(self.extent)
        except regex.error as error:
            raise ValueError(f"detector {self.name!r}: invalid extent: {error.msg}") from None
        try:
            # Matched backwards from the needle: the run of such characters before it.
            lead = None if self.lead is None else regex.compile(f"(?r)(?:{self.lead})*")
        except regex.error as error:
            raise ValueError(f"detector {self.name!r}: invalid lead: {error.msg}") from None
        if self.numeric and self.shapes:
            raise ValueError(f"detector {self.name!r}: a numeric detector takes no shapes")
        shapes: list[Shape] = []
        not_after: list[CharClass | None] = []
        for index, shape in enumerate(self.shapes):
            try:
                sequences, lookbehind = parse_shape(shape)
            except ValueError as error:
                raise ValueError(f"detector {self.name!r}: shapes[{index}]: {error}") from None
            shapes += sequences
            not_after += [lookbehind] * len(sequences)
        object.__setattr__(self, "shape_classes", tuple(shapes))
        object.__setattr__(self, "shape_not_after", tuple(not_after))
        object.__setattr__(self, "compiled", compiled)
        object.__setattr__(self, "compiled_prefilter", prefilter)
        object.__setattr__(self, "compiled_extent", extent)
        object.__setattr__(self, "compiled_lead", lead)
        object.__setattr__(self, "lead_characters", _ascii_class(self.lead))
        object.__setattr__(self, "label", self.label or self.name.upper())

    def find(
        self, text: str, start: int = 0, end: int | None = None, timeout: float | None = None
    ) -> list[tuple[int, int]]:
        """Spans of validated matches within `text[start:end]`.

        Lookbehinds see all the text before `start`; lookaheads see up to
        `LOOKAHEAD_CONTEXT` characters past `end`, so that a match ending at `end` (the end
        of a numeric run) is not taken for one that ends the text: `(?!\\w)` must still
        reject `12345` in `span_id=12345abc`. `timeout` (seconds) bounds each regex call
        unless the detector is `trusted`; exceeding it raises `TimeoutError`.

        With a validator, candidates overlap: the search resumes one character after each
        candidate's start, so when the longest candidate at a position fails validation,
        a later one may still be the real thing.
        """
        stop = len(text) if end is None else end
        window = min(len(text), stop + LOOKAHEAD_CONTEXT)
        limit = self._limit(timeout, window - start)
        if limit is None:
            match = self.compiled.search(text, start, window)
        else:
            match = self.compiled.search(text, start, window, timeout=limit)
        return [] if match is None else self.collect(text, match, stop, window, timeout)

    def _limit(self, timeout: float | None, length: int) -> float | None:
        """The timeout of one search over `length` characters: `timeout` unless the
        pattern is `trusted`, and within the time budget for a long one (where the
        pattern takes a timeout: a stdlib one, trusted, is bounded between searches)."""
        limit = None if self.trusted else timeout
        if length > _LONG_SEARCH and not isinstance(self.compiled, re.Pattern):
            check_budget()
            left = max(0.0, remaining())  # `regex` reads a negative timeout as none
            if left != math.inf:
                limit = left if limit is None else min(limit, left)
        return limit

    def find_at(
        self, text: str, starts: Iterable[int], timeout: float | None = None
    ) -> list[tuple[int, int]]:
        """`find` for a detector whose matches can only start at `starts` (ascending; up
        to its `reach` before a needle or shape): spans of the validated matches there,
        each tried with `match` instead of searching the text between them."""
        match_at = self.compiled.match
        bounded = timeout is not None and not self.trusted
        validate = self.validate
        spans = []
        resume = 0
        for count, start in enumerate(starts):
            if start < resume:
                continue
            if not count % _CHECK_EVERY:
                check_budget()
            match = match_at(text, start, timeout=timeout) if bounded else match_at(text, start)
            if match is None:
                continue
            match_end = match.end()
            resume = start + 1 if validate is not None or match_end == start else match_end
            span = match.span(self.group)
            if span[0] >= 0 and (validate is None or validate(text[span[0] : span[1]])):
                spans.append(span)
        return spans

    def collect(
        self, text: str, match: Any, stop: int, window: int, timeout: float | None = None
    ) -> list[tuple[int, int]]:
        """`find` from its first match on: the spans of `match` and the matches after it
        that end by `stop`, searching up to `window` (see `find`)."""
        search = self.compiled.search
        validate = self.validate
        group = self.group
        spans = []
        count = 0
        while match is not None:
            if not count % _CHECK_EVERY:  # a text can hold as many candidates as characters
                check_budget()
            count += 1
            match_start, match_end = match.span()
            if match_start >= stop:
                break
            if validate is not None or match_end == match_start:
                position = match_start + 1
            else:
                position = match_end
            if match_end <= stop:
                span = match.span(group)
                if span[0] >= 0 and (validate is None or validate(text[span[0] : span[1]])):
                    spans.append(span)
                elif validate is not None and self.numeric:
                    shorter = self._shorter(text, match_start, match_end, timeout)
                    if shorter is not None:
                        spans.append(shorter)
            if position > stop:
                break
            limit = self._limit(timeout, window - position)
            if limit is None:
                match = search(text, position, window)
            else:
                match = search(text, position, window, timeout=limit)
        return spans

    def _shorter(
        self, text: str, start: int, end: int, timeout: float | None
    ) -> tuple[int, int] | None:
        """For a numeric candidate `text[start:end]` that failed validation: the longest
        validated one at the same start that ends before a space inside it. Greedy
        patterns read on into the next number (`415-555-2671 2024-05-01`, a card and its
        expiry `4111111111111111 12/26`), and a space after a number passes every
        built-in end condition, so the shorter reading is as the pattern would see it.
        Readings with fewer than `min_digits` digits are not tried: no match has fewer."""
        match_at = self.compiled.match
        bounded = timeout is not None and not self.trusted
        cut = text.rfind(" ", start + 1, end)
        while cut > start:
            if self.min_digits and len(text[start:cut].translate(_DROP_SEPARATORS)) < (
                self.min_digits
            ):
                return None  # and shorter still for the cuts before this one
            if bounded:
                match = match_at(text, start, cut, timeout=timeout)
            else:
                match = match_at(text, start, cut)
            if match is not None and self.validate is not None:
                span: tuple[int, int] = match.span(self.group)
                if span[0] >= 0 and self.validate(text[span[0] : span[1]]):
                    return span
            cut = text.rfind(" ", start + 1, cut)
        return None


#: What `_native.Passes.run` finds in a text: the marks (index, first position) and the
#: numeric runs the cache does not know to hold nothing (start, end, key, findings).
Passed = tuple[list[tuple[int, int]], list[tuple[int, int, Any, Any]]]


class Finding(NamedTuple):
    """One detection: `text[start:end]` is a `detector.name`."""

    start: int
    end: int
    detector: Detector


#: Marks texts holding escapes, whose decoded view is scanned too (`escapes`); never
#: reported.
_ESCAPES = Detector("url_escapes", "|".join(ESCAPE_SHAPES), shapes=ESCAPE_SHAPES, trusted=True)


class Scanner:
    """Runs a set of detectors over texts and returns non-overlapping findings.

    Where findings overlap, the one that starts first wins, then the detector listed
    first, then the longer one. `timeout` bounds each regex search of an untrusted (user)
    detector in seconds; exceeding it raises `TimeoutError`. A text holding URL escapes
    (`jane%40example.com`, `card=4111+1111+...`) is also scanned decoded
    (`_with_decoded`).
    """

    def __init__(self, detectors: Sequence[Detector], timeout: float | None = None) -> None:
        names = [detector.name for detector in detectors]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"detector names must be unique; repeated: {', '.join(duplicates)}")
        self.detectors = tuple(detectors)
        self.timeout = timeout
        self._rank = {detector.name: index for index, detector in enumerate(self.detectors)}
        self._numeric = [detector for detector in self.detectors if detector.numeric]
        # Inert runs are skipped only when no numeric detector could match one.
        self._skip_inert = all(detector.skips_inert_runs for detector in self._numeric)
        self._context_classes = (
            CONTEXT_CLASSES if all(detector.context_classes for detector in self._numeric) else None
        )
        # The context after a run that its key holds (see `_python_unknown_runs`).
        self._run_lookahead = (
            LOOKAHEAD_CONTEXT if self._context_classes is None else CLASSED_LOOKAHEAD
        )
        # What `_scan_numbers` needs of each numeric detector, looked up once.
        self._numeric_plan = [
            (
                detector,
                detector.min_digits,
                _run_filter(detector),
                detector.compiled.search,
                timeout is not None and not detector.trusted,
            )
            for detector in self._numeric
        ]
        textual = [detector for detector in self.detectors if not detector.numeric]
        self._always = [
            detector
            for detector in textual
            if not (detector.needles or detector.shapes or detector.prefilter)
        ]
        self._filtered = [detector for detector in textual if detector.prefilter]
        # Needles and shapes, each with the detector it selects, searched in one pass.
        marks = [
            (detector, shape, not_after)
            for detector in (*textual, _ESCAPES)
            for shape, not_after in (
                *(
                    (tuple(char_class(char) for char in needle), None)
                    for needle in detector.needles
                ),
                *zip(detector.shape_classes, detector.shape_not_after, strict=True),
            )
        ]
        self._mark_owners = [detector for detector, _, _ in marks]
        self._marks = (
            _native.Shapes([shape for _, shape, _ in marks], [after for _, _, after in marks])
            if _native and marks
            else None
        )
        # Without `_native`: the needles as one trie, for one pass of the stdlib engine
        # (about twice as fast as a flat alternation, which retries every needle at each
        # position), and each shape as a regex.
        by_needle: dict[str, list[Detector]] = {}
        for detector in textual:
            for needle in detector.needles:
                by_needle.setdefault(needle, []).append(detector)
        # The trie reports one needle per place, the longest; a needle inside it
        # (`sk-` in `sk-ant-`) is there too, so its detectors run as well.
        self._by_needle = {
            needle: [
                detector
                for other, detectors in by_needle.items()
                if other in needle
                for detector in detectors
            ]
            for needle in by_needle
        }
        self._needles = re.compile(_trie(by_needle)) if by_needle else None
        self._shapes = [
            (detector, [_ShapeSearch(shape) for shape in detector.shapes])
            for detector in (*textual, _ESCAPES)
            if detector.shapes
        ]
        # For `_places`, by name (`_ESCAPES` is never searched there, and a user's
        # detector may carry its name).
        self._shape_searches = {
            detector.name: searches
            for detector, searches in self._shapes
            if detector is not _ESCAPES
        }
        # Where a detector's shapes occur, found in C: for `_places`, once they occur.
        self._shape_places = {
            detector.name: _native.Shapes(detector.shape_classes, detector.shape_not_after).places
            for detector, _ in self._shapes
            if _native is not None and detector is not _ESCAPES
        }
        self._run_cache: dict[tuple[int, int, str], tuple[tuple[int, int, Detector], ...]] = {}
        self._window_cache: dict[tuple[str, bool, str, str], tuple[tuple[int, int], ...]] = {}
        self._run_lookup = (
            _native.RunLookup(
                skip_inert=self._skip_inert,
                lookbehind=LOOKBEHIND_CONTEXT,
                lookahead=self._run_lookahead,
                classes=self._context_classes,
                after_classes=AFTER_CONTEXT_CLASSES if self._context_classes else None,
                cache=self._run_cache,
            )
            if _native is not None
            else None
        )
        self._passes = (
            _native.Passes(self._marks, self._run_lookup if self._numeric else None)
            if _native is not None
            else None
        )
        self._gate = _gate((*self.detectors, _ESCAPES))
        # By `_remembered_key`: the text, and its findings.
        self._remembered: dict[tuple[int, str, str], tuple[str, tuple[Finding, ...]]] = {}
        self._remembered_lengths: set[int] = set()
        self._remembered_characters = 0
        # For `scan_many`: the joinable detectors and the others, each as a scanner.
        joinable = [detector for detector in self.detectors if detector.joinable]
        single = [detector for detector in self.detectors if not detector.joinable]
        self._joined = self if not single else Scanner(joinable, timeout) if joinable else None
        self._single = self if not joinable else Scanner(single, timeout) if single else None

    def clear_cache(self) -> None:
        """Forget cached results (of numeric runs, remembered texts, and of validators
        that cache, such as the phone detector's): for benchmarks that pass over the
        same texts again."""
        self._run_cache.clear()
        self._window_cache.clear()
        if self._run_lookup is not None:
            self._run_lookup.clear()
        self._forget_remembered()
        for detector in self.detectors:
            cache_clear = getattr(detector.validate, "cache_clear", None)
            if cache_clear is not None:
                cache_clear()

    def text_screen(
        self,
        *,
        sensitive: Callable[[str], bool] | None,
        needles: tuple[str, ...] | None,
        unescape: Callable[[str], str],
        unescape_keeping_quotes: Callable[[str], str],
        clean_scalar: Callable[[int], bool],
    ) -> Any:
        """A `_native.TextScreen` that tells, in C, the texts in which `scan` finds
        nothing: where no needle or shape occurs and every numeric run is one the cache
        knows to hold nothing; it calls `scan` for the others. The keyword arguments
        describe how an anonymizer treats JSON text (see `PIIAnonymizer.text_screen`).
        None without the extension."""
        if _native is None:
            return None
        return _native.TextScreen(
            passes=self._passes,
            scan=self.scan_passed,
            always=bool(self._always or self._filtered),
            sensitive=sensitive,
            needles=needles,
            # Needles that are also marks occur only where the passes find something.
            needles_marked=needles is not None
            and all(
                any(needle in owner.needles for owner in self._mark_owners) for needle in needles
            ),
            unescape=unescape,
            unescape_keeping_quotes=unescape_keeping_quotes,
            clean_scalar=clean_scalar,
        )

    def scan(self, text: str) -> list[Finding]:
        """The findings in `text`, sorted by position, not overlapping."""
        if len(text) <= _GATED_LENGTH and self._gate is not None and not self._gate.search(text):
            return []  # no detector's prefilter can match: most short values
        return self._scan(text, self._passes.run(text) if self._passes is not None else None)

    def _scan(self, text: str, passed: Passed | None) -> list[Finding]:
        """`scan`, from what the passes over `text` found (`_native.Passes.run`), or
        without them (they then run in Python). With a `timeout`, the scan of a long
        text as a whole is bounded by it too (`budget.time_budget`), as is any budget
        running here."""
        check_budget()
        if self.timeout is None or len(text) <= _UNBOUNDED_LENGTH:
            return self._scan_within(text, passed)
        token = start_budget(self.timeout)
        try:
            return self._scan_within(text, passed)
        finally:
            end_budget(token)

    def _scan_within(self, text: str, passed: Passed | None, decode: bool = True) -> list[Finding]:
        findings: list[Finding] = []
        timeout = self.timeout
        if passed is not None:
            marked, unknown = passed
            marks: Iterable[tuple[Detector, int]] = (
                (self._mark_owners[index], position) for index, position in marked
            )
        else:
            marks, unknown = self._marked(text), None
        escaped = False
        for detector, first in self._candidates(text, marks):
            if detector is _ESCAPES:
                escaped = decode
                continue
            reach = detector.reach
            if reach is None:
                spans = detector.find(text, timeout=timeout)
            elif reach <= _ANCHORED_REACH:  # tried only where a match can start
                spans = detector.find_at(text, self._starts(detector, text, first), timeout)
            elif detector.extent is not None:  # searched only around its needles
                spans = self._find_in_windows(detector, text, first, timeout)
            else:  # searched from as far before its first needle as a match can start
                spans = detector.find(text, max(0, first - reach), timeout=timeout)
            findings += (Finding(s, e, detector) for s, e in spans)
        if self._numeric:
            findings += self._scan_numbers(text, timeout, unknown)
        if len(findings) >= 2:
            findings = self._resolve(findings)
        if escaped:
            return self._with_decoded(text, findings)
        return findings

    def _with_decoded(self, text: str, findings: list[Finding]) -> list[Finding]:
        """`findings` in `text` with those in its decoded views (`escapes`), merged one
        view after the other (`_merged`)."""
        for view in decoded(text):
            passed = self._passes.run(view.text) if self._passes is not None else None
            found = self._scan_within(view.text, passed, decode=False)
            findings = _merged(
                findings, [Finding(*view.span(f.start, f.end), f.detector) for f in found]
            )
        return findings

    def scan_passed(self, text: str, passed: Passed | None = None) -> list[Finding]:
        """`scan`, from what the passes over `text` found when the caller ran them (the
        text screen does: it asks only about texts in which they found something)."""
        return self.scan(text) if passed is None else self._scan(text, passed)

    def remember(self, text: str, findings: Sequence[Finding]) -> None:
        """Keep the `findings` of `text` for `scan_many`, which then does not scan that
        text again: for a caller that had it scanned otherwise (the gateway's text
        screen) and hands it to the anonymizer again. The findings of the last
        `_REMEMBERED_TEXTS` texts are kept, up to `_REMEMBERED_CHARACTERS` characters."""
        size = len(text)
        if (
            len(self._remembered) >= _REMEMBERED_TEXTS
            or self._remembered_characters + size > _REMEMBERED_CHARACTERS
        ):
            self._forget_remembered()
        if size <= _REMEMBERED_CHARACTERS:
            self._remembered[_remembered_key(text)] = (text, tuple(findings))
            self._remembered_lengths.add(size)
            self._remembered_characters += size

    def _forget_remembered(self) -> None:
        self._remembered.clear()
        self._remembered_lengths.clear()
        self._remembered_characters = 0

    def scan_many(self, texts: Sequence[str]) -> dict[int, list[Finding]]:
        """The findings of `self.scan(text)` for each of `texts` that holds some, by
        index; those of texts that `remember` kept are not searched again."""
        if not self._remembered:
            return self._scan_many(texts)
        found: dict[int, list[Finding]] = {}
        rest: list[int] = []
        for index, text in enumerate(texts):
            entry = (
                self._remembered.get(_remembered_key(text))
                if len(text) in self._remembered_lengths
                else None
            )
            if entry is None or entry[0] != text:  # not kept, or another with its ends
                rest.append(index)
            elif entry[1]:
                found[index] = list(entry[1])
        if rest:
            scanned = self._scan_many([texts[index] for index in rest])
            found.update((rest[index], findings) for index, findings in scanned.items())
        return found

    def _scan_many(self, texts: Sequence[str]) -> dict[int, list[Finding]]:
        """`scan_many`, in fewer calls: the `joinable` detectors scan all the texts at once,
        joined by NUL characters (one call instead of one per text, for the many short
        values of a span); the others scan the texts one by one. A text that a finding
        reads into from its neighbour (a PEM block has no validator), or where the
        others find something, is scanned again alone, so that overlaps between
        findings are settled as `scan` settles them."""
        if self._joined is None or len(texts) < 2:
            scanned = {index: self.scan(text) for index, text in enumerate(texts)}
            return {index: findings for index, findings in scanned.items() if findings}
        found: dict[int, list[Finding]] = {}
        again: set[int] = set()
        bounds = list(itertools.accumulate((len(text) + 1 for text in texts), initial=0))
        for start, end, detector in self._joined.scan("\0".join(texts)):
            index = bisect.bisect_right(bounds, start) - 1
            offset = bounds[index]
            if end > offset + len(texts[index]):
                last = bisect.bisect_right(bounds, end - 1) - 1
                again.update(range(index, last + 1))
            else:
                found.setdefault(index, []).append(Finding(start - offset, end - offset, detector))
        if self._single is not None:
            again.update(index for index, text in enumerate(texts) if self._single.scan(text))
        for index in again:
            found[index] = self.scan(texts[index])
        return {index: findings for index, findings in found.items() if findings}

    def _scan_numbers(
        self, text: str, timeout: float | None, unknown: Iterable[tuple[int, int, Any, Any]] | None
    ) -> list[Finding]:
        """The numeric detectors' findings, run by run. What a run holds depends only on
        the run, `LOOKBEHIND_CONTEXT` characters before it and those after it that the
        detectors read (`CLASSED_LOOKAHEAD`, or `LOOKAHEAD_CONTEXT`), and
        the same runs recur endlessly in traces (dates, versions, prices, the numbers of
        a conversation sent again each turn): results are cached by that text (with the
        context as classes of characters, when the detectors allow it). Runs cached as
        holding nothing, most of them, are passed over in C (`_native.Passes`), which
        gives the others as `unknown`; without it, they are found here."""
        findings: list[Finding] = []
        cache = self._run_cache
        runs = self._python_unknown_runs(text) if unknown is None else unknown
        for start, end, key, known in runs:
            # The same new run may occur twice in one text: the first fills the cache.
            found = cache.get(key) if known is None else known
            if found is None:
                check_budget()
                found = tuple(
                    (finding.start - start, finding.end - start, finding.detector)
                    for finding in self._numbers_in(text, start, end, timeout)
                )
                if len(key[2]) <= _CACHED_RUN_LENGTH:
                    if len(cache) >= _RUN_CACHE_LIMIT:
                        cache.clear()
                    cache[key] = found
            findings += (Finding(start + s, start + e, detector) for s, e, detector in found)
        return findings

    def _python_unknown_runs(self, text: str) -> Iterator[tuple[int, int, Any, Any]]:
        """Without `_native` (and the reference for `Passes.run`): the runs of `text`
        that the cache does not know to hold nothing, as `(start, end, key, cached
        findings or None)`."""
        classes = self._context_classes
        for start, end in numeric_runs(text, self._skip_inert):
            before = max(0, start - LOOKBEHIND_CONTEXT)
            if classes is None:
                key: tuple[int, int, str] = (
                    0,
                    start - before,
                    text[before : end + self._run_lookahead],
                )
            else:
                # With the run's length: classes blur where a run would have ended.
                context = text[end : end + self._run_lookahead].translate(AFTER_CONTEXT_CLASSES)
                lead = text[before:start].translate(classes)
                if start - before == LOOKBEHIND_CONTEXT and lead[0] != "\\":
                    lead = " " + lead[1:]  # the farthest is only told from `\` (`\n_`)
                key = (end - start, start - before, lead + text[start:end] + context)
            found = self._run_cache.get(key)
            if found != ():
                yield start, end, key, found

    def _numbers_in(self, text: str, start: int, end: int, timeout: float | None) -> list[Finding]:
        """The numeric detectors' findings in the run `text[start:end]`."""
        findings: list[Finding] = []
        chunk = text[start:end]
        window = end + LOOKAHEAD_CONTEXT  # past the text's end is fine for `search`
        digits = -1
        for detector, min_digits, run_filter, search, bounded in self._numeric_plan:
            if min_digits:
                if digits < 0:
                    digits = len(chunk.translate(_DROP_SEPARATORS))
                if digits < min_digits:
                    continue
            if run_filter is not None and not run_filter(chunk):
                continue
            if end - start > _LONG_SEARCH:  # a stdlib search cannot be stopped midway
                check_budget()
            if bounded:
                match = search(text, start, window, timeout=timeout)
            else:
                match = search(text, start, window)
            if match is not None:  # most runs hold nothing
                for span_start, span_end in detector.collect(text, match, end, window, timeout):
                    findings.append(Finding(span_start, span_end, detector))
        return findings

    def _candidates(
        self, text: str, marks: Iterable[tuple[Detector, int]]
    ) -> list[tuple[Detector, int]]:
        """The detectors whose prefilters say `text` may hold a match, each with where
        its first needle or shape is (0 for those without); `marks` are the detectors
        whose needles or shapes occur, with where."""
        selected = [(detector, 0) for detector in self._always]
        # By identity (a user's detector may be named as `_ESCAPES`): the first needle
        # or shape of each detector.
        firsts: dict[int, tuple[Detector, int]] = {}
        for detector, position in marks:
            first = firsts.get(id(detector))
            if first is None or position < first[1]:
                firsts[id(detector)] = (detector, position)
        selected += firsts.values()
        timeout = self.timeout
        for detector in self._filtered:
            if id(detector) in firsts:
                continue
            bounded = timeout is not None and not detector.trusted
            for pattern, takes_timeout in detector.compiled_prefilter:
                if bounded and takes_timeout:
                    hit = pattern.search(text, timeout=timeout)
                else:
                    hit = pattern.search(text)
                if hit is not None:
                    selected.append((detector, 0))
                    break
        return selected

    def _find_in_windows(
        self, detector: Detector, text: str, first: int, timeout: float | None
    ) -> list[tuple[int, int]]:
        """`find` for a detector with an `extent`: in windows from `reach` before each
        place one of its needles or shapes occurs (or from where its `lead` run starts)
        to where `extent` ends there (windows that overlap are searched as one)."""
        reach = detector.reach or 0
        extent = detector.compiled_extent.match
        lead = detector.compiled_lead
        lead_characters = detector.lead_characters
        spans: list[tuple[int, int]] = []
        start = end = -1
        for count, place in enumerate(sorted(self._places(detector, text, first))):
            if not count % _CHECK_EVERY:
                check_budget()
            low = max(0, place - reach)
            # Where the run of characters a match may hold before the needle starts.
            if lead_characters is not None:
                low += len(text[low:place].rstrip(lead_characters))
            elif lead is not None:
                low = lead.match(text, low, place).start()
            match = extent(text, place)
            high = place if match is None else match.end()
            if low <= end:
                end = max(end, high)
                continue
            if end >= 0:
                spans += self._find_window(detector, text, start, end, timeout)
            start, end = low, high
        if end >= 0:
            spans += self._find_window(detector, text, start, end, timeout)
        return spans

    def _find_window(
        self, detector: Detector, text: str, start: int, end: int, timeout: float | None
    ) -> list[tuple[int, int]]:
        """`detector.find` in one window, cached for a `cacheable_windows` detector by
        the window's text and the classes of what its search reads around it:
        `LOOKBEHIND_CONTEXT` characters before (and whether the text starts there) and
        `LOOKAHEAD_CONTEXT` after. Longer windows than any address are searched each
        time, so that the cache's size stays bounded."""
        if not detector.cacheable_windows or end - start > _CACHED_WINDOW_LENGTH:
            return detector.find(text, start, end, timeout)
        low = max(0, start - LOOKBEHIND_CONTEXT)
        before = text[low:start].translate(_WINDOW_CONTEXT)
        if len(before) == LOOKBEHIND_CONTEXT and before[0] != "\\":
            before = " " + before[1:]  # the farthest is only ever told from `\` (`\n_`)
        after = text[end : end + LOOKAHEAD_CONTEXT].translate(_WINDOW_CONTEXT)
        key = (detector.name, low == 0, before, text[start:end] + after)
        found = self._window_cache.get(key)
        if found is None:
            found = tuple(
                (s - start, e - start) for s, e in detector.find(text, start, end, timeout)
            )
            if len(self._window_cache) >= _RUN_CACHE_LIMIT:
                self._window_cache.clear()
            self._window_cache[key] = found
        return [(start + s, start + e) for s, e in found]

    def _starts(self, detector: Detector, text: str, first: int) -> list[int]:
        """Where a match of `detector` can start: up to its `reach` before each place one
        of its needles or shapes occurs, from `first` on (overlaps included); ascending."""
        places = self._places(detector, text, first)
        reach = detector.reach or 0
        if reach:
            places = {start for place in places for start in range(place - reach, place + 1)}
        return sorted(start for start in places if start >= 0)

    def _places(self, detector: Detector, text: str, first: int) -> set[int]:
        """Where the needles and shapes of `detector` occur in `text`, from `first` on."""
        places: set[int] = set()
        for needle in detector.needles:
            position = text.find(needle, first)
            while position >= 0:
                places.add(position)
                if not len(places) % _CHECK_EVERY:  # as many needles as characters
                    check_budget()
                position = text.find(needle, position + 1)
        shape_places = self._shape_places.get(detector.name)
        if shape_places is not None:
            places.update(shape_places(text, first))
            check_budget()
            return places
        for shape in self._shape_searches.get(detector.name, ()):
            for position in shape.places(text, first):
                places.add(position)
                if not len(places) % _CHECK_EVERY:
                    check_budget()
        return places

    def _marked(self, text: str) -> Iterator[tuple[Detector, int]]:
        """Without `_native`: the detectors one of whose needles or shapes occurs, with
        where (at or before the first occurrence)."""
        if self._needles is not None:
            # Resume one character after each hit, not after the needle: a needle may
            # start inside another (`bc` in `abc`).
            found: dict[str, int] = {}
            search = self._needles.search
            match = search(text)
            while match is not None:
                found.setdefault(match.group(), match.start())
                match = search(text, match.start() + 1)
            for needle, position in found.items():
                for detector in self._by_needle[needle]:
                    yield detector, position
        for detector, searches in self._shapes:
            for shape in searches:
                position = shape.first(text)
                if position >= 0:
                    yield detector, position

    def _resolve(self, findings: list[Finding]) -> list[Finding]:
        rank = self._rank
        findings.sort(key=lambda f: (f.start, rank[f.detector.name], f.start - f.end))
        kept: list[Finding] = []
        last_end = -1
        for finding in findings:
            if finding.start >= last_end:
                kept.append(finding)
                last_end = finding.end
        return kept


def _merged(findings: list[Finding], decoded: list[Finding]) -> list[Finding]:
    """`Scanner._with_decoded`'s merge of the `decoded` findings (ascending, not
    overlapping) into `findings` (the same): one replaces the findings it holds whole;
    one that ends inside a finding is cut where that starts (`q=%22DE89 3704 0044
    0532 0130 00 12`, whose tail reads as a phone number in the text: the IBAN's head
    is replaced too); one that starts inside a finding is dropped (`user:p%40ss@host`
    is a password, not `ss@host`)."""
    starts = [finding.start for finding in findings]
    replaced: set[int] = set()
    added: list[Finding] = []
    for finding in decoded:
        start, end = finding.start, finding.end
        low = bisect.bisect_left(starts, start)
        if low and findings[low - 1].end > start:
            continue  # it starts inside a finding of the text, which holds the value's start
        high = bisect.bisect_left(starts, end)  # the findings starting before `end`
        if high and findings[high - 1].end > end:  # it ends inside one: up to it
            end = findings[high - 1].start
            high -= 1
        if added and added[-1].end > start:  # two characters decoded from one byte
            start = added[-1].end
        if start >= end:
            continue
        replaced.update(range(low, high))
        added.append(Finding(start, end, finding.detector))
    if not added:
        return findings
    kept = [finding for index, finding in enumerate(findings) if index not in replaced]
    return sorted(kept + added, key=lambda finding: finding.start)


class _ShapeSearch:
    """Without `_native` (and the reference for `Passes` and `Shapes.places`): where a
    shape occurs in a text. With the shape's regex, or, for a shape that starts with
    letters and holds a digit or punctuation (the IBAN's country codes and check
    digits), where its skeleton (`shapes.shape_skeletons`, `aa00`) occurs in the text's,
    each place then matched by the regex, after a look at the character before it when
    the shape has a lookbehind (most places on the skeleton are inside words and ids).
    A regex search stops at every place whose character the shape may start with: for
    the IBAN's 24 alternatives at most letters, about 200 ns per character; 2-3 ns on
    the skeleton."""

    def __init__(self, shape: str) -> None:
        self._pattern = regex.compile(shape)
        self._skeletons = shape_skeletons(shape)
        # The characters the shape never follows, when all are ASCII.
        self._not_after: frozenset[str] = frozenset()
        not_after = parse_shape(shape)[1]
        if not_after is not None and not (not_after[2] or not_after[3]):
            bits = not_after[0] | not_after[1] << 64
            self._not_after = frozenset(chr(code) for code in range(128) if bits >> code & 1)

    def first(self, text: str) -> int:
        """Where the shape first occurs in `text`, or -1."""
        if self._skeletons is None:
            match = self._pattern.search(text)
            return -1 if match is None else match.start()
        skeleton = self._skeleton(text)
        firsts = (
            next(self._on_skeleton(text, skeleton, literal, 0), -1)
            for literal in self._skeletons
            if literal in skeleton
        )
        return min((first for first in firsts if first >= 0), default=-1)

    def places(self, text: str, start: int) -> Iterator[int]:
        """Every place from `start` on where the shape occurs (in no given order)."""
        if self._skeletons is None:
            match = self._pattern.search(text, start)
            while match is not None:
                yield match.start()
                match = self._pattern.search(text, match.start() + 1)
            return
        skeleton = self._skeleton(text)
        for literal in self._skeletons:
            yield from self._on_skeleton(text, skeleton, literal, start)

    @staticmethod
    def _skeleton(text: str) -> bytes:
        return text.encode("ascii", "replace").translate(SKELETON)

    def _on_skeleton(self, text: str, skeleton: bytes, literal: bytes, start: int) -> Iterator[int]:
        """The places from `start` on where `literal` occurs in the text's `skeleton` and
        the shape in the text, ascending."""
        match_at, not_after = self._pattern.match, self._not_after
        position = skeleton.find(literal, start)
        while position >= 0:
            if not (position and text[position - 1] in not_after) and match_at(text, position):
                yield position
            position = skeleton.find(literal, position + 1)


def _remembered_key(text: str) -> tuple[int, str, str]:
    """How `Scanner.remember` files a text: cheaper to hash than the text."""
    return len(text), text[:_REMEMBERED_EDGE], text[-_REMEMBERED_EDGE:]


def not_after(chars: str, *, word: bool = False) -> str:
    """A start boundary: not right after one of `chars` (a character class body), nor
    with `word` glued to a word before it: after a letter or digit, unless that is the
    letter of a JSON escape (`\\n`, `\\r`, `\\t`: in raw JSON text the escape's letter
    touches the value, `\\n+1 415...`, `\\tjane@...`), or after `_` after one
    (`user_4111...`, but `_jane@example.org_` is found; see `words`).

    One lookbehind with a nested one, not an alternation of two: both engines keep their
    fast scan for what follows (an alternation made the IBAN search 30 times slower).
    """
    characters = rf"(?<![{chars}](?<!\\[nrt]))" if chars else ""
    word_before = rf"(?<!{ALNUM}(?<!\\[nrt]))(?<!{ALNUM}(?<!\\[nrt])_)"
    return characters + (word_before if word else "")


def _run_filter(detector: Detector) -> Callable[[str], bool] | None:
    """A numeric detector's test of a run: its `run_filter` and its `needles`."""
    needles, run_filter = detector.needles, detector.run_filter
    if not needles:
        return run_filter

    def check(run: str) -> bool:
        return any(needle in run for needle in needles) and (run_filter is None or run_filter(run))

    return check


def _trie(words: Iterable[str]) -> str:
    """A regex matching any of `words` (longest first where one is a prefix of another),
    written as a trie so that a position is tried once per character, not once per word."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


#: Texts up to this length are first checked against the union of all prefilters in one
#: search: for short values (roles, model names, ids) that replaces the fixed cost of
#: every pass; for long texts, which almost always hold a digit somewhere, the union's
#: alternation would only add to it.
_GATED_LENGTH = 256


def _gate(detectors: Sequence[Detector]) -> re.Pattern[str] | None:
    """One search that every text holding a finding of any of `detectors` matches: the
    union of their prefilters (a digit for numeric detectors, their needles, their
    prefilter patterns). None when a detector has no prefilter, or an untrusted one
    (user patterns run only under the scanner's timeout, which `re` cannot bound).

    With a digit in the union, shapes that hold one (the IBAN shape) are left out: a
    text holding one matches anyway, and each alternative costs at every place whose
    character may start it (the IBAN shape, starting with most letters of either case,
    made the search of prose three times as long)."""
    digit = any(detector.numeric for detector in detectors)
    parts: list[str] = []
    for detector in detectors:
        if detector.numeric:
            parts.append(r"\d")
            continue
        if not (detector.needles or detector.shapes or detector.prefilter):
            return None
        if detector.prefilter and not detector.trusted:
            return None
        parts += (re.escape(needle) for needle in detector.needles)
        parts += (shape for shape in detector.shapes if not (digit and holds_a_digit(shape)))
        parts += (pattern.pattern for pattern, _ in detector.compiled_prefilter)
    try:
        return re.compile("|".join(f"(?:{part})" for part in dict.fromkeys(parts)))
    except re.error:
        return None
