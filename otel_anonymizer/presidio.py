"""`PresidioAnonymizer`: Microsoft Presidio's detection with this package's operators.

The seed page wraps Presidio by hand (`AnalyzerEngine` + `AnonymizerEngine`, one `[PII]`
placeholder, a spaCy model downloaded on first use). This module does it properly:

- entity selection, checked at start-up against what the analyzer supports;
- this package's operators (`replace`, `mask`, `redact`, keyed `hash`) applied to the
  analyzer results directly, with Presidio's entity types mapped to the built-in
  detectors' labels, so `[EMAIL]`, `[PHONE]`, `[CREDIT_CARD]` and the keyed pseudonyms
  are the same whichever engine found the value (presidio-anonymizer is not needed);
- overlapping results merged, so nothing detected is left half in clear;
- by default an analyzer with Presidio's pattern recognizers on a blank spaCy pipeline:
  no model download, no network. `build_analyzer(spacy_model="en_core_web_lg")` (an
  installed spaCy NER pipeline) or any prebuilt `AnalyzerEngine` passed as `analyzer=`
  also finds names, places and nationalities.

Presidio is an optional dependency (`pip install 'otel-anonymizer[presidio]'`) and is
imported only when a `PresidioAnonymizer` or an analyzer is built. Its cost is
about 100x that of `pii_anonymizer()` (see `benchmarks/bench_detectors.py`): use it where
names must be found, e.g. for prompt text, and the built-in detectors elsewhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

from otel_anonymizer.anonymizer.base import OnMaxDepth, RecursiveAnonymizer
from otel_anonymizer.names import renamed
from otel_anonymizer.operators import Operator, make_operator
from otel_anonymizer.pii import REDACTIONS

INSTALL_HINT = "pip install 'otel-anonymizer[presidio]'"

#: Presidio's pattern-based entities for English that name personal data. `DATE_TIME`,
#: `URL` and `UUID`, which Presidio also detects by pattern, are left out: they are in
#: nearly every LLM trace and are not personal data (pass them in `entities` to add them).
DEFAULT_ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "CRYPTO",
    "UK_NHS",
    "US_ITIN",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "US_BANK_NUMBER",
    "MEDICAL_LICENSE",
)
#: Entities found by an NER model; selected by default when the analyzer supports them.
NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "NRP")

#: Placeholder label per Presidio entity type: the built-in detectors' labels where both
#: detect the same thing (so `replace` and `hash` give the same output); any other type
#: keeps its Presidio name (`[US_PASSPORT]`).
LABELS: dict[str, str] = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "MAC_ADDRESS": "MAC_ADDRESS",
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "NRP": "NRP",
}

_MIN_NUMBER = 10**6  # integers below this cannot be phone, card or account numbers
#: Keys in which the analyzer found nothing are remembered, up to this many and this long:
#: the same keys recur in every message, and each analysis costs about a millisecond.
_CLEAN_KEYS_LIMIT = 8192
_CACHED_KEY_LENGTH = 200


def _require(module: str) -> ModuleType:
    """Import an optional dependency, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"PresidioAnonymizer needs Presidio ({module} could not be imported: {error}); "
            f"install it with: {INSTALL_HINT}"
        ) from error


def build_analyzer(language: str = "en", spacy_model: str | None = None) -> Any:
    """A Presidio `AnalyzerEngine` with its predefined recognizers, never downloading.

    `spacy_model=None`: a blank spaCy pipeline (a tokenizer, no trained model), so only
    the pattern recognizers run and no names are found. `spacy_model`: the name or path
    of an installed spaCy pipeline with NER (`en_core_web_lg`, ...), whose recognizer
    adds `PERSON`, `LOCATION`, `NRP` and more; it is never downloaded here (Presidio's
    default engine downloads `en_core_web_lg` on first use): install it beforehand.

    The email recognizer is Presidio's own, except that it checks domains against the
    public-suffix snapshot bundled with `tldextract` instead of fetching the list from
    the internet on first use.
    """
    analyzer_module = _require("presidio_analyzer")
    nlp_module = _require("presidio_analyzer.nlp_engine")
    recognizers = _require("presidio_analyzer.predefined_recognizers")
    spacy = _require("spacy")
    tldextract = _require("tldextract")

    class LocalSpacyNlpEngine(nlp_module.SpacyNlpEngine):  # type: ignore[misc, name-defined]
        """Presidio's spaCy engine on a blank or an installed pipeline; never downloads."""

        def load(self) -> None:
            self.nlp = {}
            for model in self.models:
                name = model["model_name"]
                if name is None:
                    self.nlp[model["lang_code"]] = spacy.blank(model["lang_code"])
                    continue
                try:
                    self.nlp[model["lang_code"]] = spacy.load(name)
                except OSError as error:
                    raise ValueError(
                        f"spaCy pipeline {name!r} is not installed ({error}); on a machine "
                        f"with internet access run: python -m spacy download {name}"
                    ) from None

    offline_tld = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())

    class OfflineEmailRecognizer(recognizers.EmailRecognizer):  # type: ignore[misc, name-defined]
        """Presidio's email recognizer with the bundled public-suffix list."""

        def validate_result(self, pattern_text: str) -> bool:
            return bool(offline_tld(pattern_text).fqdn != "")

    engine = LocalSpacyNlpEngine(models=[{"lang_code": language, "model_name": spacy_model}])
    engine.load()
    registry = analyzer_module.RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=engine)
    if spacy_model is None:
        # A blank pipeline has no NER: its recognizer would claim entities it never finds.
        registry.remove_recognizer("SpacyRecognizer")
    if any(recognizer.name == "EmailRecognizer" for recognizer in registry.recognizers):
        registry.remove_recognizer("EmailRecognizer")
        registry.add_recognizer(OfflineEmailRecognizer(supported_language=language))
    return analyzer_module.AnalyzerEngine(
        registry=registry, nlp_engine=engine, supported_languages=[language]
    )


class PresidioAnonymizer(RecursiveAnonymizer):
    """Finds personal data with Presidio's `AnalyzerEngine`; replaces it with our operators.

    `entities`: Presidio entity types to detect; default `DEFAULT_ENTITIES` plus those of
    `NER_ENTITIES` the analyzer supports (i.e. names when it runs an NER model).
    `operator`: `replace` (default), `mask`, `redact`, `hash` (needs `hash_key`, at least
    32 bytes) or an `Operator`; `operators` overrides it per entity type. `labels`
    overrides the placeholder label per entity type (see `LABELS`). Results scoring below
    `score_threshold` are ignored (Presidio scores a bare phone-number match 0.4 and its
    weakest patterns, such as any 8-17 digits as a bank account, 0.05). `analyzer`: a
    prebuilt `AnalyzerEngine`, e.g. `build_analyzer(spacy_model="en_core_web_lg")` to find
    names; default `build_analyzer(language)`, pattern recognizers only.

    Usable wherever an `Anonymizer` is: `AnonymizingSpanExporter(exporter,
    [pii_anonymizer("secrets"), PresidioAnonymizer()])` adds the built-in secret detectors.
    """

    reads_names = True  # it replaces what it finds in the keys of the dicts it walks

    def __init__(
        self,
        entities: Iterable[str] | None = None,
        *,
        language: str = "en",
        operator: str | Operator = "replace",
        operators: Mapping[str, str | Operator] | None = None,
        labels: Mapping[str, str] | None = None,
        score_threshold: float = 0.4,
        analyzer: Any = None,
        hash_key: bytes | str | None = None,
        hash_length: int = 8,
        mask_keep: int = 4,
        max_depth: int = 10,
        on_max_depth: OnMaxDepth = "placeholder",
    ) -> None:
        super().__init__(max_depth=max_depth, on_max_depth=on_max_depth)
        if not 0.0 <= score_threshold <= 1.0:
            raise ValueError(f"score_threshold must be between 0 and 1, got {score_threshold!r}")
        options: dict[str, Any] = {
            "hash_key": hash_key,
            "hash_length": hash_length,
            "mask_keep": mask_keep,
        }
        # Before the analyzer, which takes a second to build: a bad operator fails first.
        self.operator = _operator(operator, options)
        self.analyzer = analyzer if analyzer is not None else build_analyzer(language)
        self.language = language
        self.score_threshold = score_threshold
        supported = set(self.analyzer.get_supported_entities(language=language))
        if entities is None:
            chosen = [
                entity for entity in (*DEFAULT_ENTITIES, *NER_ENTITIES) if entity in supported
            ]
        else:
            chosen = list(dict.fromkeys([entities] if isinstance(entities, str) else entities))
            unknown = [entity for entity in chosen if entity not in supported]
            if unknown or not chosen:
                raise ValueError(
                    f"entities: {', '.join(map(repr, unknown)) or 'none given'} not supported "
                    f"by the analyzer for language {language!r}; valid entities: "
                    f"{', '.join(sorted(supported))}"
                )
        self.entities: list[str] = chosen
        self.labels = {**LABELS, **(labels or {})}
        self.operators: dict[str, Operator] = {}
        for entity, op in (operators or {}).items():
            if entity not in self.entities:
                raise ValueError(
                    f"operators: entity {entity!r} is not selected; selected entities: "
                    f"{', '.join(self.entities)}"
                )
            self.operators[entity] = _operator(op, options)
        self._clean_keys: set[str] = set()

    def anonymize_text(self, data: str, field_name: str | None = None, **kwargs: Any) -> str:
        if not data or data.isspace():
            return data
        spans = self.find(data)
        if not spans:
            return data
        parts: list[str] = []
        last = 0
        for start, end, entity in spans:
            parts.append(data[last:start])
            parts.append(self._replace(data[start:end], entity))
            last = end
        parts.append(data[last:])
        REDACTIONS.add(f"presidio:{entity.lower()}" for _, _, entity in spans)
        return "".join(parts)

    def anonymize_key(self, key: str) -> str:
        """`key` with what the analyzer finds in it replaced."""
        new: str = self._anonymized_key(key)
        return new

    def _keys(self, walked: dict[Any, Any], field_name: str | None) -> dict[Any, Any]:
        """A walked dict nested in the data with what the analyzer finds in its keys
        replaced, as `PIIAnonymizer` does, kept distinct (`names.renamed`)."""
        new_names = {key: new for key in walked if (new := self._anonymized_key(key)) is not key}
        return renamed(walked, new_names) if new_names else walked

    def _anonymized_key(self, key: Any) -> Any:
        if isinstance(key, int) and not isinstance(key, bool):
            return self.anonymize_scalar(key)
        if key is None or isinstance(key, (bool, float)):
            return key
        text = key if isinstance(key, str) else str(key)  # how other keys are exported
        if text in self._clean_keys:
            return key
        new = self.anonymize_text(text)
        if new == text:
            if len(text) <= _CACHED_KEY_LENGTH:
                if len(self._clean_keys) >= _CLEAN_KEYS_LIMIT:
                    self._clean_keys.clear()
                self._clean_keys.add(text)
            return key
        return new

    def anonymize_scalar(self, data: Any, field_name: str | None = None, **kwargs: Any) -> Any:
        """Integers long enough to be card, phone or account numbers are checked too."""
        if not isinstance(data, int) or isinstance(data, bool) or abs(data) < _MIN_NUMBER:
            return data
        text = str(data)
        spans = self.find(text)
        if not spans:
            return data
        REDACTIONS.add([f"presidio:{spans[0][2].lower()}"])
        return self._replace(text, spans[0][2])

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """`(start, end, entity_type)` of what the analyzer finds, sorted, not overlapping.

        Overlapping results are merged into one span labeled by the most confident of
        them (then the longest): an email's domain also read as a URL is one `[EMAIL]`,
        and no part of anything detected is left in clear.
        """
        results = self.analyzer.analyze(
            text=text,
            language=self.language,
            entities=self.entities,
            score_threshold=self.score_threshold,
        )
        return merge_results(
            (result.start, result.end, result.entity_type, result.score) for result in results
        )

    def _replace(self, value: str, entity: str) -> str:
        operator = self.operators.get(entity, self.operator)
        return operator.apply(value, self.labels.get(entity, entity))


def merge_results(results: Iterable[tuple[int, int, str, float]]) -> list[tuple[int, int, str]]:
    """Merges overlapping `(start, end, entity, score)` results into sorted spans.

    Each group of overlapping results becomes one span covering all of them, with the
    entity of the highest score (ties: the longest, then the first).
    """
    ordered = sorted(results, key=lambda result: (result[0], -result[1]))
    merged: list[tuple[int, int, str]] = []
    group: list[tuple[int, int, str, float]] = []
    group_end = -1
    for result in ordered:
        if group and result[0] >= group_end:
            merged.append(_span(group, group_end))
            group = []
        group.append(result)
        group_end = max(group_end, result[1]) if len(group) > 1 else result[1]
    if group:
        merged.append(_span(group, group_end))
    return merged


def _span(group: Sequence[tuple[int, int, str, float]], end: int) -> tuple[int, int, str]:
    best = max(group, key=lambda result: (result[3], result[1] - result[0], -result[0]))
    return (group[0][0], end, best[2])


def _operator(operator: str | Operator, options: dict[str, Any]) -> Operator:
    return operator if isinstance(operator, Operator) else make_operator(operator, **options)


__all__ = [
    "DEFAULT_ENTITIES",
    "INSTALL_HINT",
    "LABELS",
    "NER_ENTITIES",
    "PresidioAnonymizer",
    "build_analyzer",
    "merge_results",
]
