"""Recall and false positives of the default detector set on the seeded corpus.

Every labeled value must be found *exactly* (the finding covers the whole value and
nothing more: a spaced card number with its spaces, only the password of a URL) by a
detector of its type; recall must be at least 0.99 per type. Clean LLM-trace texts must
come out of the anonymizer unchanged, and labeled texts must have no findings besides
their values. Run with `-s` to see the per-type table.
"""

from __future__ import annotations

import collections
import functools
from dataclasses import dataclass, field

import pytest

from otel_anonymizer import pii_anonymizer
from otel_anonymizer.pii import PIIAnonymizer
from tests.corpus import KINDS, Sample, clean_texts, labeled

MIN_RECALL = 0.99


@dataclass
class KindStats:
    values: int = 0
    hits: int = 0
    partial: int = 0  # found, but not exactly the value (or by another type's detector)
    exact_texts: int = 0  # anonymized text equals the expected text
    texts: int = 0
    misses: list[tuple[Sample, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hits / self.values if self.values else 0.0


@dataclass
class Evaluation:
    kinds: dict[str, KindStats]
    #: Findings that are no labeled value, per detector name: (text, found value).
    false_positives: dict[str, list[tuple[str, str]]]
    #: Clean texts the anonymizer changed: (input, output).
    changed_clean: list[tuple[str, str]]
    clean_count: int


@functools.cache
def _anonymizer() -> PIIAnonymizer:
    return pii_anonymizer()


@functools.cache
def evaluate() -> Evaluation:
    anonymizer = _anonymizer()
    scanner = anonymizer.scanner
    kinds = {kind: KindStats() for kind in KINDS}
    false_positives: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for kind, samples in labeled().items():
        stats = kinds[kind]
        accepted = KINDS[kind]
        for sample in samples:
            findings = scanner.scan(sample.text)
            spans = set(sample.spans)
            for start, end, detector in findings:
                if (start, end) not in spans or detector.name not in accepted:
                    false_positives[detector.name].append((sample.text, sample.text[start:end]))
            for start, end in sample.spans:
                stats.values += 1
                exact = [
                    f
                    for f in findings
                    if (f.start, f.end) == (start, end) and f.detector.name in accepted
                ]
                if exact:
                    stats.hits += 1
                    continue
                overlapping = [f for f in findings if f.start < end and start < f.end]
                if overlapping:
                    stats.partial += 1
                    found = ", ".join(
                        f"{f.detector.name}:{sample.text[f.start : f.end]!r}" for f in overlapping
                    )
                    stats.misses.append((sample, f"partial [{found}]"))
                else:
                    stats.misses.append((sample, "missed"))
            stats.texts += 1
            expected, last = [], 0
            for start, end in sample.spans:
                expected += [sample.text[last:start], f"[{_label(kind)}]"]
                last = end
            expected.append(sample.text[last:])
            if anonymizer.anonymize_text(sample.text) == "".join(expected):
                stats.exact_texts += 1
    clean = clean_texts()
    changed = []
    for text in clean:
        output = anonymizer.anonymize_text(text)
        if output != text:
            changed.append((text, output))
            for start, end, detector in scanner.scan(text):
                false_positives[detector.name].append((text, text[start:end]))
    return Evaluation(kinds, dict(false_positives), changed, len(clean))


def _label(kind: str) -> str:
    anonymizer = _anonymizer()
    (name,) = sorted(KINDS[kind])[:1]
    return next(d.label for d in anonymizer.scanner.detectors if d.name == name)


def _table(evaluation: Evaluation) -> str:
    rows = [f"{'type':<27} {'values':>6} {'recall':>7} {'partial':>7} {'exact':>6} {'FP':>4}"]
    detector_fp = {name: len(items) for name, items in evaluation.false_positives.items()}
    for kind, stats in evaluation.kinds.items():
        fp = sum(detector_fp.get(name, 0) for name in KINDS[kind])
        rows.append(
            f"{kind:<27} {stats.values:>6} {stats.recall:>7.3f} {stats.partial:>7} "
            f"{stats.exact_texts / stats.texts:>6.3f} {fp:>4}"
        )
    rows.append(
        f"clean texts: {evaluation.clean_count}, changed: {len(evaluation.changed_clean)}; "
        f"false positives in total: {sum(detector_fp.values())}"
    )
    return "\n".join(rows)


def test_report_table_lists_every_type() -> None:
    """The per-type table (printed; visible with `pytest -s`) has a row for every type."""
    table = _table(evaluate())
    print("\n" + table)
    rows = {line.split()[0] for line in table.splitlines() if line.strip()}
    assert set(KINDS) <= rows


def test_corpus_is_large_enough() -> None:
    evaluation = evaluate()
    assert set(evaluation.kinds) == set(KINDS)
    assert all(stats.texts >= 300 for stats in evaluation.kinds.values())
    assert evaluation.clean_count >= 300


@pytest.mark.parametrize("kind", list(KINDS))
def test_recall(kind: str) -> None:
    stats = evaluate().kinds[kind]
    examples = "\n".join(
        f"  {why}: {sample.form}: {sample.values}" for sample, why in stats.misses[:10]
    )
    assert stats.recall >= MIN_RECALL, f"{kind}: recall {stats.recall:.3f}\n{examples}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_values_are_replaced_exactly(kind: str) -> None:
    """The anonymized text equals the text with each value replaced by its placeholder."""
    stats = evaluate().kinds[kind]
    assert stats.exact_texts / stats.texts >= MIN_RECALL


def test_clean_texts_are_unchanged() -> None:
    changed = evaluate().changed_clean
    examples = "\n".join(f"  {before!r}\n  -> {after!r}" for before, after in changed[:10])
    assert not changed, f"{len(changed)} clean texts changed:\n{examples}"


def test_no_false_positives() -> None:
    """Nothing but the labeled values is found, in labeled and clean texts alike."""
    false_positives = evaluate().false_positives
    examples = "\n".join(
        f"  {name}: {value!r} in {text[:200]!r}"
        for name, items in false_positives.items()
        for text, value in items[:5]
    )
    assert not false_positives, f"false positives:\n{examples}"
