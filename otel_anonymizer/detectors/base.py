"""Detectors and the scanner that runs many of them over a text cheaply.

A `Detector` is a pattern, an optional validator and a prefilter. The `Scanner` keeps the
common case fast: most strings in LLM telemetry hold no personal data, so a text is only
searched by a detector whose prefilter says a match is possible:

- `needles`: literal substrings, one of which every match contains (`@`, `sk-`, `eyJ`);
  all needles of all detectors are looked for in one pass;
- `numeric`: the detector only matches inside runs of digits and separators, which are
  found once per text and shared by every numeric detector (phones, cards, SSNs, IPs);
- `prefilter`: a cheap regex that every match must contain, for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import regex

Kind = Literal["pii", "secret"]

#: Runs of digits with the separators people write in numbers, plus a leading `+`/`(`.
#: Numeric detectors search only inside these.
_NUMERIC_RUN = regex.compile(r"[+(]?\d[\d().\-/ ]{5,}[\d)]")


@dataclass(frozen=True)
class Detector:
    """Finds one kind of personal data or secret in text.

    `pattern` finds candidates (group `group` is what gets replaced); `validate`, when
    given, receives that text and confirms it. `label` names the type in placeholders
    (`[EMAIL]`); it defaults to the upper-cased name.
    """

    name: str
    pattern: str
    validate: Callable[[str], bool] | None = None
    label: str = ""
    kind: Kind = "pii"
    needles: tuple[str, ...] = ()
    numeric: bool = False
    prefilter: str | None = None
    group: int = 0
    flags: int = 0
    compiled: Any = field(init=False, repr=False, compare=False)
    compiled_prefilter: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"detector name {self.name!r} must be an identifier")
        try:
            compiled = regex.compile(self.pattern, self.flags)
            prefilter = regex.compile(self.prefilter) if self.prefilter else None
        except regex.error as error:
            position = f" at position {error.pos}" if error.pos is not None else ""
            raise ValueError(
                f"detector {self.name!r}: invalid regex: {error.msg}{position}"
            ) from None
        if self.group > compiled.groups:
            raise ValueError(f"detector {self.name!r}: pattern has no group {self.group}")
        object.__setattr__(self, "compiled", compiled)
        object.__setattr__(self, "compiled_prefilter", prefilter)
        object.__setattr__(self, "label", self.label or self.name.upper())

    def find(
        self, text: str, start: int = 0, end: int | None = None, timeout: float | None = None
    ) -> Iterable[tuple[int, int]]:
        """Spans of validated matches in `text[start:end]` (lookarounds see all of it)."""
        end = len(text) if end is None else end
        # Overlapping candidates: when the longest candidate at a position fails
        # validation, a shorter or later one may still be the real thing.
        for match in self.compiled.finditer(
            text, start, end, overlapped=self.validate is not None, timeout=timeout
        ):
            span = match.span(self.group)
            if span[0] < 0:
                continue
            if self.validate is None or self.validate(text[span[0] : span[1]]):
                yield span


class Finding(NamedTuple):
    """One detection: `text[start:end]` is a `detector.name`."""

    start: int
    end: int
    detector: Detector


class Scanner:
    """Runs a set of detectors over texts and returns non-overlapping findings.

    Where findings overlap, the one that starts first wins, then the detector listed
    first, then the longer one. `timeout` bounds each regex search in seconds (for user
    detectors); exceeding it raises `TimeoutError`.
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
        self._filtered = [
            detector
            for detector in self.detectors
            if not detector.numeric and not detector.needles and detector.prefilter
        ]
        self._always = [
            detector
            for detector in self.detectors
            if not detector.numeric and not detector.needles and not detector.prefilter
        ]
        self._by_needle: dict[str, list[Detector]] = {}
        for detector in self.detectors:
            if not detector.numeric:
                for needle in detector.needles:
                    self._by_needle.setdefault(needle, []).append(detector)
        # The stdlib engine finds literal alternations fastest.
        self._needles = (
            re.compile("|".join(map(re.escape, sorted(self._by_needle, key=len, reverse=True))))
            if self._by_needle
            else None
        )

    def scan(self, text: str) -> list[Finding]:
        """The findings in `text`, sorted by position, not overlapping."""
        findings: list[Finding] = []
        timeout = self.timeout
        for detector in self._candidates(text):
            findings += (Finding(s, e, detector) for s, e in detector.find(text, timeout=timeout))
        if self._numeric:
            for run in _NUMERIC_RUN.finditer(text, timeout=timeout):
                run_start, run_end = run.span()
                for detector in self._numeric:
                    findings += (
                        Finding(s, e, detector)
                        for s, e in detector.find(text, run_start, run_end, timeout=timeout)
                    )
        if len(findings) < 2:
            return findings
        return self._resolve(findings)

    def _candidates(self, text: str) -> list[Detector]:
        selected = list(self._always)
        selected += (
            detector
            for detector in self._filtered
            if detector.compiled_prefilter.search(text, timeout=self.timeout)
        )
        if self._needles is not None:
            found = {match.group() for match in self._needles.finditer(text)}
            seen: set[str] = set()
            for needle in found:
                for detector in self._by_needle[needle]:
                    if detector.name not in seen:
                        seen.add(detector.name)
                        selected.append(detector)
        return selected

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
