"""The C passes (`detectors._native`) against their Python references, and the inert
runs both skip against the detectors themselves.

The scanner runs its two passes over every text (needles and shapes; numeric runs) in C
when the extension is built, in Python otherwise. Both must give the same findings on
every text, so each pass is compared on random texts built from the characters that
matter to it (digits of several scripts, separators, word characters, JSON escapes) and
on the labeled corpus.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import shutil
import sysconfig
import time
from collections.abc import Iterator
from typing import Any

import pytest
from corpus import clean_texts, iter_all

from otel_anonymizer import pii_anonymizer
from otel_anonymizer.detectors import BUILTIN, Detector, Scanner, base, select
from otel_anonymizer.detectors.runs import AFTER_CONTEXT_CLASSES, numeric_runs
from otel_anonymizer.detectors.shapes import holds_a_digit, parse_shape, shape_classes
from otel_anonymizer.jsontext import IN_VALUE, read_keys, read_layout

native = base._native
needs_native = pytest.mark.skipif(native is None, reason="the C extension is not built")

#: Characters that move numeric runs and their inert tests: ASCII and Arabic-Indic
#: digits, every separator, `+`, word characters (ASCII, accented, `_`), `\` and `n`
#: (JSON escapes), and others.
RUN_ALPHABET = "0123456789" * 3 + "٣٤" + "().-/ " * 2 + "+-" + "ab_é" + "\\n" + ":,T" + "我ま메ก𠀀"


#: `RUN_ALPHABET`'s characters below 256, weighted towards short numbers and separators.
ONE_BYTE_RUN_ALPHABET = "0123456789" * 2 + "().-/ " * 3 + "+-" + "ab_é" + "\\n" + ":,T"


def random_texts(alphabet: str, count: int, seed: int, length: int = 40) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(alphabet, k=rng.randint(0, length))) for _ in range(count)]


def corpus_texts() -> list[str]:
    return [sample.text for sample in iter_all()] + clean_texts()


#: The vector instructions the passes over one-byte texts may use (`_native.simd`).
SIMD_LEVELS = ["avx2", "ssse3", "none"]


@pytest.fixture(params=SIMD_LEVELS)
def simd(request: pytest.FixtureRequest) -> Iterator[str]:
    """The passes using each level of vector instructions the CPU has in turn (32, 16
    places at a time, one by one): all must find the same."""
    if native is None:
        pytest.skip("the C extension is not built")
    default = native.simd()
    try:
        native.simd(request.param)
    except ValueError:
        pytest.skip(f"the CPU lacks {request.param}")
    yield request.param
    native.simd(default)


def test_the_extension_is_built_where_a_compiler_is() -> None:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the Python passes are used")
    assert native is not None, "a C compiler is available but _native was not built"


def run_lookup(
    skip_inert: bool, classes: str | None = None, lookahead: int = base.LOOKAHEAD_CONTEXT
) -> tuple[Any, dict[Any, Any]]:
    """A `RunLookup` with an empty cache of its own (so that the passes give every run),
    and that cache; with `classes`, the context after a run as `AFTER_CONTEXT_CLASSES`."""
    cache: dict[Any, Any] = {}
    lookup = native.RunLookup(
        skip_inert=skip_inert,
        lookbehind=base.LOOKBEHIND_CONTEXT,
        lookahead=lookahead,
        classes=classes,
        after_classes=None if classes is None else AFTER_CONTEXT_CLASSES,
        cache=cache,
    )
    return lookup, cache


def runs_only(
    skip_inert: bool, classes: str | None = None, lookahead: int = base.LOOKAHEAD_CONTEXT
) -> tuple[Any, dict[Any, Any]]:
    """`Passes` for the numeric runs alone (see `run_lookup`), and its cache."""
    lookup, cache = run_lookup(skip_inert, classes, lookahead)
    return native.Passes(None, lookup), cache


@needs_native
@pytest.mark.parametrize("skip_inert", [False, True])
def test_numeric_runs_match_the_python_reference(skip_inert: bool, simd: str) -> None:
    passes, _ = runs_only(skip_inert)
    texts = random_texts(RUN_ALPHABET, 30_000, seed=7) + corpus_texts()
    # One byte per character and longer: the passes look at 32 or 16 places at a time
    # there, and pass over digits that cannot start a run of seven characters.
    texts += random_texts(ONE_BYTE_RUN_ALPHABET, 10_000, seed=8, length=120)
    for text in texts:
        found = [(start, end) for start, end, _, _ in passes.run(text)[1]]
        assert found == list(numeric_runs(text, skip_inert)), text


@needs_native
def test_shapes_match_their_regexes(simd: str) -> None:
    shapes = [
        *(shape for detector in BUILTIN.values() for shape in detector.shapes),
        "sk-",
        "é@",  # a non-ASCII character
        r"[\d_]x",
        r"a\.b",
    ]
    expanded, marks = expanded_shapes(shapes)
    passes = native.Passes(marks, None)
    # Letters of both cases that make countries' codes (`de`, `Gb`, `eE`, `es`).
    alphabet = "0123456789٣" + "ABCDEFGZafdeg" + ":-._ " + "skxéb@"
    for text in random_texts(alphabet, 20_000, seed=11, length=24) + corpus_texts():
        assert shapes_found(passes, expanded, text) == shapes_searched(shapes, text), text


def expanded_shapes(shapes: list[str]) -> tuple[list[tuple[str, Any]], Any]:
    """Each shape with each class sequence it expands into, and all as `Shapes` (with
    the lookbehind of each)."""
    parsed = [(shape, *parse_shape(shape)) for shape in shapes]
    expanded = [(shape, sequence) for shape, sequences, _ in parsed for sequence in sequences]
    not_after = [after for _, sequences, after in parsed for _ in sequences]
    return expanded, native.Shapes([sequence for _, sequence in expanded], not_after)


def shapes_found(passes: Any, expanded: list[tuple[str, Any]], text: str) -> dict[str, int]:
    """Where the passes find each shape first: the first of its expansions."""
    found: dict[str, int] = {}
    for index, position in passes.run(text)[0]:
        shape = expanded[index][0]
        found[shape] = min(position, found.get(shape, position))
    return found


def shapes_searched(shapes: list[str], text: str) -> dict[str, int]:
    """Where each shape first occurs, as its regex says."""
    matches = {shape: re.search(shape, text) for shape in shapes}
    return {shape: match.start() for shape, match in matches.items() if match is not None}


#: Characters for random shapes and the texts they are looked for in: letters of both
#: cases, digits (which also start numeric runs), separators, a Latin-1 letter (texts
#: stay one byte per character).
SHAPE_ALPHABET = "abcxyzABCXYZ0123456789" + "-_.:@ /" + "é"
#: Texts of one, two and four bytes per character.
TEXT_ALPHABETS = [SHAPE_ALPHABET, SHAPE_ALPHABET + "ĀΩ", SHAPE_ALPHABET + "😀"]


def random_shape(rng: random.Random, groups: bool = True) -> str:
    """A random shape of one to four characters, classes (`[...]`, `\\d`) or groups of
    two or three alternatives of such (`(?:a[bc]|\\d)`), after a lookbehind of a class
    one time in five (`(?<![ab])`)."""
    atoms = []
    if groups and rng.random() < 0.2:
        chars = rng.sample(SHAPE_ALPHABET, rng.randint(1, 12))
        atoms.append("(?<![" + "".join(re.escape(char) for char in chars) + "])")
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.1 and groups:
            alternatives = [random_shape(rng, groups=False) for _ in range(rng.randint(2, 3))]
            atoms.append("(?:" + "|".join(alternatives) + ")")
        elif kind < 0.2:
            atoms.append(r"\d")
        elif kind < 0.55:
            chars = rng.sample(SHAPE_ALPHABET, rng.randint(2, 6))
            atoms.append("[" + "".join(re.escape(char) for char in chars) + "]")
        else:
            atoms.append(re.escape(rng.choice(SHAPE_ALPHABET)))
    return "".join(atoms)


@needs_native
def test_passes_find_every_shape_and_run_whatever_the_shapes(simd: str) -> None:
    """On one-byte texts, the passes look 32 or 16 characters at a time (`simd`) through
    a filter made from the shapes (at most 8 groups of characters, merged from one per
    first character: the more shapes, the more it lets through). Whatever the shapes, it
    must pass over no place where a shape or a numeric run starts: here with up to 40
    random shapes at a time, on texts of up to 5 blocks of 16 in every width of
    characters."""
    rng = random.Random(13)
    for _ in range(60):
        shapes = [random_shape(rng) for _ in range(rng.randint(1, 40))]
        expanded, marks = expanded_shapes(shapes)
        both = native.Passes(marks, run_lookup(skip_inert=False)[0])
        alone = native.Passes(marks, None)
        for _ in range(150):
            alphabet = rng.choices(TEXT_ALPHABETS, weights=[8, 1, 1])[0]
            text = "".join(rng.choices(alphabet, k=rng.randint(0, 90)))
            found = shapes_found(alone, expanded, text)
            assert found == shapes_searched(shapes, text), (shapes, text)
            marked, runs = both.run(text)
            assert marked == alone.run(text)[0], (shapes, text)
            assert [(start, end) for start, end, _, _ in runs] == list(numeric_runs(text, False))


@needs_native
def test_passes_find_every_shape_and_run_at_every_length(simd: str) -> None:
    """The passes take one-byte texts in blocks of 32 places (reading 35 characters,
    and 64 for numeric runs), then of 16 (reading 19, and 32), then one by one: at
    every length up to 4 blocks of 32, marks and runs near each block's edges and the
    text's end are found, digits and separators among the most common characters."""
    rng = random.Random(29)
    alphabet = SHAPE_ALPHABET + "0123456789" * 3 + " -./()" * 3
    for length in range(140):
        shapes = [random_shape(rng) for _ in range(rng.randint(1, 12))]
        expanded, marks = expanded_shapes(shapes)
        both = native.Passes(marks, run_lookup(skip_inert=False)[0])
        for _ in range(40):
            text = "".join(rng.choices(alphabet, k=length))
            assert shapes_found(both, expanded, text) == shapes_searched(shapes, text), (
                shapes,
                text,
            )
            runs = [(start, end) for start, end, _, _ in both.run(text)[1]]
            assert runs == list(numeric_runs(text, False)), text


@needs_native
def test_the_places_of_shapes_match_their_regexes() -> None:
    """`Shapes.places` lists every place a detector's shapes occur at, in C, for the
    scanner to try its pattern at; without the extension, `_ShapeSearch` finds them,
    on a skeleton of the text for shapes that start with letters and hold a digit.
    Both must give the places the shapes' regexes give, lookbehinds included."""
    rng = random.Random(23)
    alphabet = SHAPE_ALPHABET + "deDE\\nĀ😀"
    shapes = [r"(?<![A-Za-mo-z0-9])(?:[Dd][Ee]|[Aa][BbCc])[0-9]{2}", "a[0-9]-", r"::"]
    shapes += [r"(?<![a-z])[xy]\d", BUILTIN["iban"].shapes[0]]
    shapes += [random_shape(rng) for _ in range(40)]
    for shape in shapes:
        _, marks = expanded_shapes([shape])
        search = base._ShapeSearch(shape)
        pattern = re.compile(shape)
        for text in random_texts(alphabet, 300, seed=len(shape), length=60):
            # Overlapping ones too: `::` occurs twice in `:::`.
            everywhere = [place for place in range(len(text)) if pattern.match(text, place)]
            start = rng.randint(0, 10)
            places = [place for place in everywhere if place >= start]
            assert marks.places(text, start) == places, (shape, text)
            assert sorted(search.places(text, start)) == places, (shape, text)
            assert search.first(text) == (everywhere[0] if everywhere else -1), (shape, text)


@needs_native
def test_passes_find_every_shape_with_more_shapes_than_filter_groups_to_start_from(
    simd: str,
) -> None:
    """The filter's groups start as one per shape, up to 256; with more, as one per
    first character (`set_pair_filter`). Both must let every place a shape starts at
    through: here 400 shapes of three or four characters of a small alphabet, so that
    most places in the texts start one."""
    rng = random.Random(17)
    alphabet = "abcdeXYZ019-_. "
    shapes = sorted(
        {"".join(rng.choices(alphabet, k=rng.randint(3, 4))) for _ in range(400)}, key=len
    )
    assert len(shapes) > 300
    patterns = [re.escape(shape) for shape in shapes]
    expanded, marks = expanded_shapes(patterns)
    passes = native.Passes(marks, None)
    for text in random_texts(alphabet, 2_000, seed=19, length=90):
        assert shapes_found(passes, expanded, text) == shapes_searched(patterns, text), text


def python_scanner(monkeypatch: pytest.MonkeyPatch, detectors: list[Detector]) -> Scanner:
    with monkeypatch.context() as patch:
        patch.setattr(base, "_native", None)
        return Scanner(detectors)


@needs_native
def test_the_scanner_finds_the_same_with_and_without_the_extension(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    detectors = select("default")
    fast, slow = Scanner(detectors), python_scanner(monkeypatch, detectors)
    assert fast._marks is not None and slow._marks is None
    texts = corpus_texts()
    texts += random_texts(RUN_ALPHABET + "@sk-AIza:://", 5_000, seed=3, length=80)
    rng = random.Random(8)
    escapes = ["%40", "%20", "%2B", "%C3%A9", "jane", "4111", "1111", ".org", " ", "+"]
    texts += ["".join(rng.choices(escapes, k=rng.randint(1, 12))) for _ in range(3000)]
    findings = 0
    for text in texts:
        expected = slow.scan(text)
        assert fast.scan(text) == expected, text
        findings += len(expected)
    assert findings > 100  # the comparison covered texts with findings


@needs_native
def test_ibans_in_any_case_are_found_alike_with_and_without_the_extension(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The IBAN shape holds every country's code in either case: the passes in C find
    it where the Python regexes do, and the scanner then finds the same IBANs, here in
    texts made of IBANs, their pieces and lookalikes, each letter in either case."""
    detectors = select("default")
    fast, slow = Scanner(detectors), python_scanner(monkeypatch, detectors)
    pieces = ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "DE88370400440532013000"]
    pieces += ["GB29NWBK60161331926819", "GB29 NWBK 6016 1331 9268 19", "AB12 3456 7890 1234"]
    pieces += ["DE89", "3704", "0044", "X", "SE64", "BASE64", " ", " ", "-", '"', "\\n"]
    rng = random.Random(21)
    ibans = 0
    for _ in range(2_000):
        text = "".join(
            "".join(rng.choice((char.lower(), char)) for char in piece)
            for piece in rng.choices(pieces, k=rng.randint(1, 8))
        )
        expected = slow.scan(text)
        assert fast.scan(text) == expected, text
        ibans += sum(
            finding.detector.name == "iban" and not text[finding.start : finding.end].isupper()
            for finding in expected
        )
    assert ibans > 100  # with a lower-case letter


@needs_native
def test_the_iban_shape_does_not_start_inside_words_and_ids() -> None:
    """Lower-case hex ids (`3f0ade42...`) and words (`float64`) hold countries' codes
    before two digits: the IBAN shape would occur in one UUID in seven, and each text
    where it occurs is searched in Python (the gateway's screen passes it by only where
    no shape occurs). Like the pattern, it starts after no letter or digit but the
    letter of a JSON escape."""
    scanner = Scanner(select("iban"))
    assert scanner._passes is not None
    for text in ("id 3f0ade42-c0e0-4c1e-9ee4-0d3a", "dtype=float64 sha256 x86_64"):
        assert scanner._passes.run(text) == ([], []), text
    for text in ("de89", "x de89", "x\\nde89", "(De89", '"ee42'):
        assert scanner._passes.run(text)[0], text


@needs_native
@pytest.mark.parametrize("classes", [True, False])
def test_runs_the_cache_does_not_know_match_the_python_reference(classes: bool) -> None:
    """`Passes` passes over the runs cached as holding nothing in C; the scanner's
    Python version must give the same runs, keys and cached findings, with the cache
    empty, partly filled and full."""
    scanner = Scanner(select("default"))
    if not classes:  # as with a numeric user detector that reads the context as it is
        scanner._context_classes = None
        scanner._run_lookahead = base.LOOKAHEAD_CONTEXT
    passes, cache = runs_only(scanner._skip_inert, scanner._context_classes, scanner._run_lookahead)
    scanner._run_cache = cache
    texts = random_texts(RUN_ALPHABET + '\t"', 6_000, seed=5, length=60) + corpus_texts()
    unknown = 0
    for index, text in enumerate(texts):
        expected = list(scanner._python_unknown_runs(text))
        assert passes.run(text)[1] == expected, text
        unknown += len(expected)
        if index % 2:
            for _start, _end, key, found in expected:
                cache[key] = () if found is None else found
    assert unknown > 1000


@needs_native
@pytest.mark.parametrize(
    ("text", "remembered"),
    [("call 415 555 2671 now", True), ("call € 415 555 2671 now", False)],
)
def test_runs_known_to_hold_nothing_are_remembered_until_cleared(
    text: str, remembered: bool
) -> None:
    """`RunLookup` remembers in C the runs its cache said hold nothing, by their keys'
    characters (what a run holds depends only on its key), also after the cache forgets
    them, until `clear`. Keys with characters above 255 are only looked up."""
    lookup, cache = run_lookup(skip_inert=False)
    passes = native.Passes(None, lookup)
    runs = passes.run(text)[1]
    number = (text.index("415"), text.index("2671") + 4)
    assert [(start, end, found) for start, end, _, found in runs] == [(*number, None)]
    cache[runs[0][2]] = ()
    assert passes.run(text)[1] == []
    cache.clear()
    assert (passes.run(text)[1] == []) is remembered
    lookup.clear()
    assert passes.run(text)[1] == runs


@needs_native
def test_one_pass_finds_what_each_pass_finds_alone() -> None:
    """The scanner's `Passes` reads a text once for the marks and the numeric runs; it
    must give what each gives alone, on every kind of text."""
    scanner = Scanner(select("default"))
    both = scanner._passes
    marks = native.Passes(scanner._marks, None)
    runs = native.Passes(None, scanner._run_lookup)
    alphabet = RUN_ALPHABET + "@sk-AIza:://DEbeBEARERgh_😀é"
    texts = random_texts(alphabet, 6_000, seed=9, length=60) + corpus_texts()
    for index, text in enumerate(texts):
        unknown = runs.run(text)[1]
        assert both.run(text) == (marks.run(text)[0], unknown), text
        if index % 2:
            for _start, _end, key, found in unknown:
                scanner._run_cache[key] = () if found is None else found


#: Characters that move JSON keys: quotes, backslashes, colons, JSON whitespace, braces,
#: word characters (ASCII and beyond the BMP).
KEY_ALPHABET = '""\\\\::: \t\n\r{},ak_é😀'


@needs_native
def test_json_keys_match_the_python_reference() -> None:
    texts = random_texts(KEY_ALPHABET, 30_000, seed=11) + corpus_texts()
    texts += [json.dumps({"a": text, text: [text]}) for text in texts[:2000]]
    for text in texts:
        assert native.json_keys(text) == read_keys(text), text


#: Characters that move the layout of JSON text: quotes, brackets, colons, whitespace
#: of JSON and of Unicode (which `\\s` also matches), word characters of every width.
LAYOUT_ALPHABET = '"""[]{}:, \t\n\u00a0\u2003\x1cak1é😀'


def random_spans(rng: random.Random, size: int, most: int = 3) -> list[tuple[int, int, None]]:
    """Ascending, non-overlapping spans of a text of `size` characters, as findings."""
    cuts = sorted(rng.choices(range(size + 1), k=2 * rng.randint(0, most)))
    return [(cuts[index], cuts[index + 1], None) for index in range(0, len(cuts), 2)]


@needs_native
def test_json_layout_matches_the_python_reference() -> None:
    rng = random.Random(17)
    texts = random_texts(LAYOUT_ALPHABET, 20_000, seed=13, length=50) + corpus_texts()
    texts += [json.dumps({"a": [text], text: {"b": text}}) for text in texts[:2000]]
    for text in texts:
        spans = random_spans(rng, len(text))
        assert native.json_layout(text, spans) == read_layout(text, spans), (text, spans)


@needs_native
def test_json_layout_with_many_spans_matches_the_python_reference() -> None:
    """Both remember the next quote from one span to the next (found by review: each
    span searched to its string's end, quadratic in the findings of a long string)."""
    rng = random.Random(23)
    texts = [json.dumps({"k": text, text[:9]: [text, 1]}) for text in corpus_texts()[:2000]]
    texts += random_texts(LAYOUT_ALPHABET, 5_000, seed=29, length=120)
    for text in texts:
        spans = random_spans(rng, len(text), most=30)
        assert native.json_layout(text, spans) == read_layout(text, spans), (text, spans)


@needs_native
def test_json_layout_reads_a_long_string_once() -> None:
    text = '["' + " ".join(["mail jane@example.org"] * 80_000) + '"]'
    spans = [(match.start(), match.end(), None) for match in re.finditer("jane@example.org", text)]
    start = time.perf_counter()
    places = native.json_layout(text, spans)[3]
    assert time.perf_counter() - start < 0.5  # 1.3 s when each span searched to the end
    assert places == bytes([IN_VALUE]) * len(spans)


#: Ends of JSON text that send it elsewhere than in place (`TextScreen.how`), each for
#: one thing the screen looks for first in one-byte text: a comma before a digit (an
#: integer `SEVEN_DIGITS` finds), seven digits and no more before a point and a digit
#: before an `E` (doubles it finds), a backslash (the last character, or one before a
#: quote).
HOW_ENDS = {
    ",1234567]": None,
    "1234567.0]": None,
    "1.2E6]": None,
    '"\\"x"]': 2,
    '"\\': 2,
}

#: A numeric detector that finds the whole numbers of seven digits of `HOW_ENDS`.
SEVEN_DIGITS = Detector("seven", r"(?<!\d)\d{7}(?!\d)", numeric=True, quote_bounded=True)

#: Characters near which the screen looks closer: commas, points, `E`s, digits,
#: backslashes and quotes, with others (beyond ASCII too) around them.
HOW_ALPHABET = ",.E" + "0123456789" * 2 + '\\" aé'


@needs_native
def test_how_reads_every_place_at_every_length(simd: str) -> None:
    """`TextScreen.how` looks at one-byte JSON text in blocks of 32 or 16 places, each
    with the character before it and seven after, the last blocks padded, for what may
    send it elsewhere: at every length up to 100, each end of `HOW_ENDS` after prose of
    commas, points and `E`s that send nowhere, so that each place of a block (its edges
    too, and digits before a point on both sides of one) is tried, and random texts,
    give what `PIIAnonymizer._python_how` gives."""
    anonymizer = pii_anonymizer(custom_detectors=[SEVEN_DIGITS])
    screen = anonymizer.text_screen()
    rng = random.Random(31)
    prose = "ab, c. E é " * 10
    for length in range(101):
        for end, how in HOW_ENDS.items():
            if length > len(end):
                text = "[" + prose[: length - len(end) - 1] + end
                assert screen.how(text) == anonymizer._python_how(text) == how, (simd, text)
        for _ in range(30):
            text = ("[" + "".join(rng.choices(HOW_ALPHABET, k=length)))[:length]
            assert screen.how(text) == anonymizer._python_how(text), (simd, text)


def spans(scanner: Scanner, text: str) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.detector.name) for f in scanner.scan(text)]


def test_inert_runs_hold_nothing_the_detectors_find() -> None:
    """Skipping inert runs (`_INERT_RUN`, `_glued`) never loses a finding of the
    built-in numeric detectors: scanning every run finds exactly the same."""
    numeric = [detector for detector in BUILTIN.values() if detector.numeric]
    skipping = Scanner(numeric)
    everything = Scanner([dataclasses.replace(d, skips_inert_runs=False) for d in numeric])
    assert skipping._skip_inert and not everything._skip_inert
    rng = random.Random(5)
    pieces = [
        "2024-03-14",
        "2024-03-14 10",
        "14/03/2024",
        "03.14.24",
        "42.032310",
        "1712345678",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "123-45-6789",
        "415-555-0132",
        "+1 415 555 0132",
        "(415) 555-0132",
        "10.0.0.12",
        "0044 20 7946 0958",
    ]
    glue = ["", "", " ", "x", "-", "_", "é", "\\n", "id-", "(", "+", ".", "/", "x_", " _", "__"]
    glue += ["\\n_", "n_", "\\\\n_"]
    texts = [
        rng.choice(glue) + rng.choice(pieces) + rng.choice(["", "-", "-7", "a", " ", ".", "_"])
        for _ in range(20_000)
    ] + random_texts(RUN_ALPHABET, 20_000, seed=9)
    for text in texts:
        assert spans(skipping, text) == spans(everything, text), text


class TestShapes:
    def test_a_shape_expands_its_repeats(self) -> None:
        assert len(shape_classes(r":[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")) == 16
        assert shape_classes(r"\d") == [((0x03FF << 48, 0, True, 0),)]

    def test_a_shape_expands_its_alternatives(self) -> None:
        """A group of alternatives (the IBAN shape: each country's code in either case)
        stands for one sequence per alternative, repeated like any atom."""
        assert shape_classes("(?:ab|c)d") == shape_classes("abd") + shape_classes("cd")
        assert shape_classes("x(?:a|bc){2}") == [
            *shape_classes("xaa"),
            *shape_classes("xabc"),
            *shape_classes("xbca"),
            *shape_classes("xbcbc"),
        ]
        assert shape_classes("(?:(?:a|b)c|d)") == shape_classes("ac") + shape_classes("bc") + (
            shape_classes("d")
        )

    def test_a_shape_may_start_with_a_lookbehind(self) -> None:
        """`(?<![A-Za-z0-9])`: a class of characters the shape never follows (so that
        a shape need not occur inside words and ids)."""
        sequences, not_after = parse_shape(r"(?<![a-c\d])x[yz]")
        assert sequences == shape_classes("x[yz]") == shape_classes(r"(?<![a-c\d])x[yz]")
        assert not_after == shape_classes(r"[a-c\d]")[0][0]
        assert parse_shape("x[yz]")[1] is None

    def test_a_shape_that_holds_a_digit_is_told(self) -> None:
        assert holds_a_digit(r"(?:[Dd][Ee]|gb)\d\d") and holds_a_digit("-[0-9]{6}")
        assert holds_a_digit(r"(?:a\d|[0-9]b)")
        assert not holds_a_digit(r"(?:a|\d)") and not holds_a_digit("[0-9a]")
        assert not holds_a_digit(r":[0-9A-Fa-f]{1,4}:")

    @pytest.mark.parametrize(
        ("shape", "message"),
        [
            ("a.b", "unsupported '.' at position 1"),
            ("[^a]", "negated class at position 0"),
            ("x{0}", "bad repeat at position 0"),
            (r"\w", "unsupported escape at position 0"),
            ("[ab", "unterminated or empty class at position 0"),
            ("[a-z]{1,100}", "more than 64 lengths"),
            ("(?:a|b){7}", "more than 64 lengths and alternatives"),
            ("(?:ab|c", "unterminated group at position 0"),
            ("a|b", "unsupported '|' at position 1"),
            ("(ab)", "unsupported '(' at position 0"),
            ("(?:|)", "empty shape"),
            ("(?<!ab)c", "a lookbehind holds one character or class, at position 0"),
            ("(?<![ab]", "a lookbehind holds one character or class, at position 0"),
            ("a(?<![ab])c", "unsupported '(' at position 1"),
            ("[éè]", "a class may hold one non-ASCII character at most"),
        ],
    )
    def test_a_bad_shape_is_named(self, shape: str, message: str) -> None:
        with pytest.raises(ValueError, match=re.escape(f"detector 'd': shapes[1]: {message}")):
            Detector("d", "x", shapes=("x", shape))

    def test_an_empty_needle_is_refused(self) -> None:
        with pytest.raises(ValueError, match="detector 'd': a needle is empty"):
            Detector("d", "x", needles=("",))

    def test_a_shape_selects_its_detector(self) -> None:
        detector = Detector("order", r"ORD-\d{6}", shapes=(r"-\d{6}",))
        assert [f[:2] for f in Scanner([detector]).scan("see ORD-123456 now")] == [(4, 14)]
        assert Scanner([detector]).scan("see ORD-12345 now") == []

    def test_needles_and_prefilters_both_select(self) -> None:
        detector = Detector("t", r"(?:tok|key)-\d+", needles=("tok-",), prefilter=r"key-")
        scanner = Scanner([detector])
        assert len(scanner.scan("a tok-1 b")) == 1
        assert len(scanner.scan("a key-1 b")) == 1


@needs_native
class TestShapesInput:
    """The extension checks what it is given: wrong input raises, never reads past it."""

    def test_bad_shapes_raise(self) -> None:
        with pytest.raises(ValueError, match="shape 0 is empty"):
            native.Shapes([[]])
        with pytest.raises(TypeError):
            native.Shapes([[("not", "a", "class", 0)]])
        with pytest.raises(ValueError, match="must not be ASCII"):
            native.Shapes([[(0, 0, False, ord("a"))]])
        with pytest.raises(TypeError):
            native.Passes(native.Shapes([[(0, 0, False, 0)]]), None).run(b"x")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            native.Passes("not shapes", None)  # type: ignore[arg-type]
        x = (0, 1 << ord("x") - 64, False, 0)
        with pytest.raises(ValueError, match="one item per shape"):
            native.Shapes([[x], [x]], [None])
        with pytest.raises(TypeError):
            native.Shapes([[x]], [("not", "a", "class", 0)])  # type: ignore[list-item]
        with pytest.raises(TypeError):
            native.Shapes([[x]]).places(b"x", 0)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            native.Shapes([[x]]).places("x")  # type: ignore[call-arg]
        assert native.Shapes([[x]]).places("axbx", -5) == [1, 3]
        assert native.Shapes([[x]]).places("axbx", 99) == []

    def test_a_shape_longer_than_it_says_is_refused(self) -> None:
        # Its length is read first, its items later: trusting the first answer would
        # read past the end of the list.
        class Shifty(list):  # type: ignore[type-arg]
            def __len__(self) -> int:
                return 5

        shape = Shifty([(1 << ord("x") - 64, 0, False, 0)] * 3)
        with pytest.raises(ValueError, match="shape 0 changed while being read"):
            native.Shapes([shape])

    def test_empty_inputs(self) -> None:
        assert native.Passes(native.Shapes([]), None).run("anything") == ([], [])
        assert runs_only(True)[0].run("") == ([], [])
        assert native.json_keys("") == set()
        assert native.json_keys('":') == {""}

    def test_json_keys_wants_text(self) -> None:
        with pytest.raises(TypeError):
            native.json_keys(b'{"a": 1}')  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "spans",
        [[(3, 2, None)], [(0, 9, None)], [(2, 3, None), (1, 4, None)], [(0,)], ["ab"], [[0, 1]]],
    )
    def test_json_layout_names_a_bad_span(self, spans: list[Any]) -> None:
        with pytest.raises(ValueError, match=r"spans\[\d\] is not a \(start, end\)"):
            native.json_layout('{"a": 1}', spans)

    def test_json_layout_wants_text_and_spans(self) -> None:
        with pytest.raises(TypeError):
            native.json_layout(b"{}", [])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            native.json_layout("{}", None)  # type: ignore[arg-type]
