"""Cost and quality of the built-in detectors against the alternatives, on LLM-trace text.

Run:  python benchmarks/bench_detectors.py [--texts 200] [--repeat 7] [--profile]

On one seeded corpus (`llm_corpus.py`: 1-3 KB assistant answers, user questions, system
prompts, JSON tool results, code and logs; one text in ten with personal data), it
measures per text, in the same run:

1. default: `pii_anonymizer().anonymize_text(text)`, every built-in detector;
2. opik: the seed page's four PII regex rules through `opik`'s own `create_anonymizer`
   (`pip install opik`; used for this benchmark only);
3. presidio: `PresidioAnonymizer` on Presidio's pattern recognizers and a blank spaCy
   pipeline (`pip install 'otel-anonymizer[presidio]'`), i.e. its `AnalyzerEngine` with
   `DEFAULT_ENTITIES`;
4. otlp: OTLP protobuf encoding of the same text as one span attribute
   (`encode_spans([span]).SerializeToString()`), what exporting costs anyway.

It prints microseconds per text (best of `--repeat` passes over the corpus, the engines
taking turns in each pass, to filter
out noise from the other core), the target ratios, and detection quality: how many of
the planted personal values each engine removed, and how many texts without personal
data it changed. `--profile` adds where the default set spends its time: the cost of
each detector alone and a cProfile of the default set.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# opik reads its settings at import: keep it offline and quiet (no Sentry, no backend).
os.environ.setdefault("OPIK_URL_OVERRIDE", "http://127.0.0.1:9/api")
os.environ.setdefault("OPIK_SENTRY_ENABLE", "false")
os.environ.setdefault("OPIK_TRACK_DISABLE", "true")
os.environ.setdefault("OPIK_CHECK_TLS_CERTIFICATE", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from llm_corpus import PII_TYPES, Sample, make_corpus
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, TraceFlags

from otel_anonymizer import pii_anonymizer
from otel_anonymizer.detectors import Scanner, select

SEED_RULES = [
    {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
    {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
    {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
    {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
]

Engine = Callable[[str], object]


def opik_engine() -> Engine | str:
    """The seed's four rules through opik's `create_anonymizer`, or why it is missing."""
    try:
        from opik.anonymizer import create_anonymizer
    except ImportError:
        return "not installed (pip install opik)"
    anonymizer: Any = create_anonymizer(SEED_RULES)  # a RecursiveAnonymizer
    return anonymizer.anonymize_text  # type: ignore[no-any-return]


def presidio_engine() -> Engine | str:
    """`PresidioAnonymizer` on pattern recognizers only, or why it is missing."""
    try:
        from otel_anonymizer.presidio import PresidioAnonymizer

        return PresidioAnonymizer().anonymize_text
    except ImportError:
        return "not installed (pip install 'otel-anonymizer[presidio]')"


def otlp_spans(texts: Sequence[str]) -> list[ReadableSpan]:
    """One ended client span per text, the text as its only attribute."""
    resource = Resource.create({"service.name": "support-bot"})
    scope = InstrumentationScope("opentelemetry.instrumentation.openai_v2", "2.4b0")
    spans = []
    for index, text in enumerate(texts):
        context = SpanContext(
            trace_id=0x5B8AA5A2D2C872E8321CF37308D69DF2 + index,
            span_id=0x051581BF3BB55C45 + index,
            is_remote=False,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
        )
        spans.append(
            ReadableSpan(
                name="chat gpt-4o-mini",
                context=context,
                resource=resource,
                attributes={"gen_ai.completion": text},
                kind=SpanKind.CLIENT,
                start_time=1_718_000_000_000_000_000 + index,
                end_time=1_718_000_000_250_000_000 + index,
                instrumentation_scope=scope,
            )
        )
    return spans


def best_of(
    run: Callable[[], object], count: int, repeat: int, setup: Callable[[], object] = list
) -> float:
    """Microseconds per item of the fastest of `repeat` runs of `run` over `count` items,
    each after an untimed `setup()`."""
    best = float("inf")
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            setup()
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best / count * 1e6


def best_interleaved(
    runs: dict[str, Callable[[], object]],
    count: int,
    repeat: int,
    setups: dict[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """Like `best_of` for several runs, taking turns in each of the `repeat` passes."""
    best = dict.fromkeys(runs, float("inf"))
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            for name, run in runs.items():
                (setups or {}).get(name, list)()
                start = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: seconds / count * 1e6 for name, seconds in best.items()}


def per_text(engine: Engine, texts: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        for text in texts:
            engine(text)

    return run


def quality(engine: Engine, corpus: Sequence[Sample]) -> tuple[dict[str, list[int]], int, int]:
    """Per PII type [removed, planted]; and clean texts changed out of clean texts."""
    found: dict[str, list[int]] = {kind: [0, 0] for kind in PII_TYPES}
    changed = clean = 0
    for sample in corpus:
        output = str(engine(sample.text))
        if not sample.pii:
            clean += 1
            changed += output != sample.text
            continue
        for kind, value in sample.pii:
            found[kind][1] += 1
            found[kind][0] += value not in output
    return found, changed, clean


def profile_default(texts: Sequence[str], repeat: int) -> None:
    """Where the default set spends its time: each detector alone, then cProfile."""
    print("\nDefault set, each detector alone (us/text; scanner overhead included):")
    base = best_of(per_text(Scanner([]).scan, texts), len(texts), repeat)
    print(f"  {'(no detector)':28s} {base:8.1f}")
    rows = []
    for detector in select("default"):
        scanner = Scanner([detector])
        cost = best_of(per_text(scanner.scan, texts), len(texts), repeat, scanner.clear_cache)
        rows.append((cost - base, detector))
    for cost, detector in sorted(rows, key=lambda row: -row[0]):
        how = (
            "numeric runs"
            if detector.numeric
            else "needles " + ",".join(detector.needles[:3])
            if detector.needles
            else "shapes " + ",".join(detector.shapes)
            if detector.shapes
            else f"prefilter {detector.prefilter!r}"
            if detector.prefilter
            else "always"
        )
        print(f"  {detector.name:28s} {cost:+8.1f}   ({how})")
    anonymizer = pii_anonymizer()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        anonymizer.clear_caches()
        for text in texts:
            anonymizer.anonymize_text(text)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(14)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    print(f"\ncProfile of the default set, {repeat} passes, by own time:")
    print("\n".join(lines[start:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=200, help="corpus size")
    parser.add_argument("--seed", type=int, default=1234, help="corpus seed")
    parser.add_argument("--repeat", type=int, default=7, help="passes; the best one counts")
    parser.add_argument("--presidio-repeat", type=int, default=3, help="passes for Presidio (slow)")
    parser.add_argument("--profile", action="store_true", help="break the default set down")
    args = parser.parse_args()

    corpus = make_corpus(args.texts, args.seed)
    texts = [sample.text for sample in corpus]
    size = sum(map(len, texts)) / len(texts)
    with_pii = sum(1 for sample in corpus if sample.pii)
    print(
        f"Corpus: {len(texts)} texts (seed {args.seed}), {size:.0f} chars on average, "
        f"{with_pii} with personal data ({sum(len(s.pii) for s in corpus)} values)"
    )
    print(f"Python {sys.version.split()[0]}, best of {args.repeat} passes\n")

    anonymizer = pii_anonymizer()
    default = anonymizer.anonymize_text
    spans = otlp_spans(texts)

    def encode_all() -> None:
        for span in spans:
            encode_spans([span]).SerializeToString()

    engines: dict[str, Engine | str] = {
        "default": default,
        "opik": opik_engine(),
        "presidio": presidio_engine(),
    }
    timings: dict[str, float] = {}
    # The fast engines and the encoding are timed in turns, pass after pass, so that a
    # slow phase of this shared machine hits every one of them, not just one row.
    runs: dict[str, Callable[[], object]] = {"otlp": encode_all}
    for name, engine in engines.items():
        if isinstance(engine, str):
            continue
        engine(texts[0])  # warm caches (regex compilation, lazy imports)
        if name == "presidio":
            timings[name] = best_of(per_text(engine, texts), len(texts), args.presidio_repeat)
        else:
            runs[name] = per_text(engine, texts)
    encode_all()
    # Every pass starts with empty caches: the default set caches what numeric runs hold
    # (the same dates and prices recur across texts), but a pass must not profit from
    # having seen the very same texts in the pass before.
    setups = {"default": anonymizer.clear_caches}
    timings.update(best_interleaved(runs, len(texts), args.repeat, setups))

    labels = {
        "default": "default set: pii_anonymizer().anonymize_text",
        "opik": "opik create_anonymizer, seed's 4 rules",
        "presidio": "Presidio pattern recognizers (blank spaCy)",
        "otlp": "OTLP protobuf encoding of the text as a span",
    }
    print(f"{'engine':48s} {'us/text':>10s}")
    for name, label in labels.items():
        value = f"{timings[name]:10.1f}" if name in timings else str(engines.get(name))
        print(f"{label:48s} {value:>10s}")

    print("\nRatios (target):")
    ratios = [
        ("default / opik", "default", "opik", "<= 0.5"),
        ("default / OTLP encoding", "default", "otlp", "<= 0.5"),
        ("presidio / default", "presidio", "default", ">= 100"),
    ]
    for label, top, bottom, target in ratios:
        if top in timings and bottom in timings:
            ratio = timings[top] / timings[bottom]
            limit = float(target.split()[1])
            met = ratio <= limit if target.startswith("<=") else ratio >= limit
            print(f"  {label:26s} {ratio:8.2f}   ({target}: {'met' if met else 'NOT met'})")
        else:
            print(f"  {label:26s} {'n/a':>8s}   ({target})")

    by_kind: dict[str, list[str]] = {}
    for sample in corpus:
        by_kind.setdefault(sample.kind, []).append(sample.text)
    kind_cells = []
    for kind, kind_texts in sorted(by_kind.items()):
        cost = best_of(
            per_text(default, kind_texts), len(kind_texts), args.repeat, anonymizer.clear_caches
        )
        chars = sum(map(len, kind_texts)) / len(kind_texts)
        kind_cells.append(f"{kind} {cost:.0f} ({chars:.0f} chars)")
    print("\nDefault set by kind of text, us/text: " + ", ".join(kind_cells))

    print("\nQuality: planted values removed / planted; clean texts changed / clean texts")
    header = "".join(f"{kind:>13s}" for kind in PII_TYPES)
    print(f"  {'engine':10s}{header}{'clean changed':>16s}")
    for name, engine in engines.items():
        if isinstance(engine, str):
            continue
        found, changed, clean = quality(engine, corpus)
        cells = "".join(f"{f'{hit}/{total}':>13s}" for hit, total in found.values())
        print(f"  {name:10s}{cells}{f'{changed}/{clean}':>16s}")

    if args.profile:
        profile_default(texts, args.repeat)


if __name__ == "__main__":
    main()
