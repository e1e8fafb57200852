"""`PresidioAnonymizer` against the real Presidio engine.

The analyzer runs Presidio's predefined pattern recognizers on a blank spaCy pipeline:
no model download, no network. Tests that need Presidio are skipped when the
`presidio` extra is not installed; the import-error and merge tests run everywhere.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_anonymizer import AnonymizingSpanExporter, pii_anonymizer
from otel_anonymizer.operators import Mask
from otel_anonymizer.presidio import (
    DEFAULT_ENTITIES,
    PresidioAnonymizer,
    build_analyzer,
    merge_results,
)

EMAIL = "jane.roe@example.org"
PHONE = "(212) 555-0147"
CARD = "4111 1111 1111 1111"
AMEX = "3782-822463-10005"
IBAN = "DE89 3704 0044 0532 0130 00"
IPV4 = "203.0.113.7"
IPV6 = "2001:db8:85a3::8a2e:370:7334"
SSN = "536-22-1234"
MAC = "00:1A:2B:3C:4D:5E"
HASH_KEY = "0123456789abcdef0123456789abcdef"

#: Ordinary LLM-trace text that must come out unchanged.
CLEAN_TEXTS = [
    "Release v2.4.1 shipped on 2025-03-14T10:22:31Z; see https://docs.example.com/guide?id=42.",
    "Trace 4bf92f3577b34da6a3ce929d0e0e4736, span 00f067aa0ba902b7, "
    "request 123e4567-e89b-12d3-a456-426614174000, commit 9fceb02d0ae598e95dc970b74767f19372d61af8.",
    "The plan costs $19.99/month; order ORD-448812, invoice INV-2024-00017, "
    "epoch 1718000000, 3.14159 and 1,234,567 tokens.",
    '{"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 512, "usage": {"total": 734}}',
]


@pytest.fixture(scope="module")
def analyzer() -> Any:
    """One pattern-only analyzer for the module (building one takes about a second)."""
    pytest.importorskip("presidio_analyzer")
    pytest.importorskip("spacy")
    return build_analyzer()


@pytest.fixture(scope="module")
def presidio(analyzer: Any) -> PresidioAnonymizer:
    return PresidioAnonymizer(analyzer=analyzer)


def export_through(anonymizer: PresidioAnonymizer, attributes: dict[str, Any]) -> Any:
    """Ends one span with `attributes` and returns what the wrapped exporter received."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(AnonymizingSpanExporter(memory, [anonymizer])))
    with provider.get_tracer("test").start_as_current_span("chat") as span:
        span.set_attributes(attributes)
    (exported,) = memory.get_finished_spans()
    return exported


def test_real_presidio_detects_personal_data_in_exported_spans(
    presidio: PresidioAnonymizer,
) -> None:
    message = (
        f"Mail me at {EMAIL} or call {PHONE}. My card is {CARD} and my Amex {AMEX}; "
        f"IBAN {IBAN}. I connect from {IPV4} and {IPV6}."
    )
    span = export_through(
        presidio,
        {
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": message}]}]
            ),
            "llm.output_messages.0.message.content": f"Noted, {EMAIL}.",
            "user.ip": IPV4,
            "gen_ai.usage.input_tokens": 42,
        },
    )
    text = span.to_json()
    for value in (EMAIL, PHONE, CARD, AMEX, IBAN, IPV4, IPV6):
        assert value not in text
    attributes = dict(span.attributes)
    content = json.loads(attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    assert content == (
        "Mail me at [EMAIL] or call [PHONE]. My card is [CREDIT_CARD] and my Amex "
        "[CREDIT_CARD]; IBAN [IBAN]. I connect from [IP_ADDRESS] and [IP_ADDRESS]."
    )
    assert attributes["llm.output_messages.0.message.content"] == "Noted, [EMAIL]."
    assert attributes["user.ip"] == "[IP_ADDRESS]"
    assert attributes["gen_ai.usage.input_tokens"] == 42


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (EMAIL, "EMAIL"),
        (PHONE, "PHONE"),
        (CARD, "CREDIT_CARD"),
        (IBAN, "IBAN"),
        (IPV4, "IP_ADDRESS"),
        (SSN, "SSN"),
        (MAC, "MAC_ADDRESS"),
    ],
)
def test_placeholders_and_pseudonyms_match_the_builtin_detectors(
    analyzer: Any, value: str, label: str
) -> None:
    text = f"value: {value} end"
    assert PresidioAnonymizer(analyzer=analyzer).anonymize_text(text) == f"value: [{label}] end"
    assert pii_anonymizer().anonymize_text(text) == f"value: [{label}] end"
    # Same key, same value, same pseudonym, whichever engine found it.
    keyed = PresidioAnonymizer(analyzer=analyzer, operator="hash", hash_key=HASH_KEY)
    builtin = pii_anonymizer(operator="hash", hash_key=HASH_KEY)
    assert keyed.anonymize_text(text) == builtin.anonymize_text(text)
    assert keyed.anonymize_text(text).startswith(f"value: [{label}:")


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_ordinary_trace_text_is_unchanged(presidio: PresidioAnonymizer, text: str) -> None:
    assert presidio.anonymize_text(text) == text


def test_default_entities_leave_out_dates_urls_and_uuids(presidio: PresidioAnonymizer) -> None:
    assert presidio.entities == list(DEFAULT_ENTITIES)
    assert not {"DATE_TIME", "URL", "UUID"} & set(presidio.entities)


def test_entity_selection(analyzer: Any) -> None:
    only_email = PresidioAnonymizer(["EMAIL_ADDRESS"], analyzer=analyzer)
    assert only_email.anonymize_text(f"{EMAIL} / {CARD}") == f"[EMAIL] / {CARD}"
    with_urls = PresidioAnonymizer([*DEFAULT_ENTITIES, "URL"], analyzer=analyzer)
    assert with_urls.anonymize_text("see https://docs.example.com/x") == "see [URL]"


def test_unknown_entity_fails_at_start_naming_the_valid_ones(analyzer: Any) -> None:
    with pytest.raises(ValueError, match=r"'EMAIL'.*valid entities: .*EMAIL_ADDRESS"):
        PresidioAnonymizer(["EMAIL"], analyzer=analyzer)


def test_operators_per_entity(analyzer: Any) -> None:
    anonymizer = PresidioAnonymizer(
        analyzer=analyzer,
        operators={"CREDIT_CARD": "mask", "EMAIL_ADDRESS": Mask(keep=0, char="#")},
    )
    assert anonymizer.anonymize_text(f"{CARD}, {EMAIL}, {IPV4}") == (
        f"{'*' * 15}1111, {'#' * len(EMAIL)}, [IP_ADDRESS]"
    )
    redacting = PresidioAnonymizer(analyzer=analyzer, operator="redact")
    assert redacting.anonymize_text(f"<{EMAIL}>") == "<>"


def test_operator_errors(analyzer: Any) -> None:
    with pytest.raises(ValueError, match="entity 'URL' is not selected"):
        PresidioAnonymizer(analyzer=analyzer, operators={"URL": "redact"})
    with pytest.raises(ValueError, match="at least 32 bytes"):
        PresidioAnonymizer(analyzer=analyzer, operator="hash")
    with pytest.raises(ValueError, match="valid operators"):
        PresidioAnonymizer(analyzer=analyzer, operator="scramble")
    with pytest.raises(ValueError, match="score_threshold"):
        PresidioAnonymizer(analyzer=analyzer, score_threshold=2)


def test_custom_labels(analyzer: Any) -> None:
    anonymizer = PresidioAnonymizer(analyzer=analyzer, labels={"EMAIL_ADDRESS": "MAIL"})
    assert anonymizer.anonymize_text(EMAIL) == "[MAIL]"


def test_numbers_stored_as_integers_are_checked(presidio: PresidioAnonymizer) -> None:
    data = {"card": 4111111111111111, "count": 4111, "flag": True, "epoch": 1718000000}
    assert presidio.anonymize(data) == {
        "card": "[CREDIT_CARD]",
        "count": 4111,
        "flag": True,
        "epoch": 1718000000,
    }


def test_keys_holding_personal_data_are_replaced(presidio: PresidioAnonymizer) -> None:
    """Keys of nested dicts, and attribute keys through the SDK adapter, as the built-in
    anonymizer does them."""
    data = {"m": {EMAIL: {"role": "admin"}, "[EMAIL]": 1, 4111111111111111: "visa"}}
    assert presidio.anonymize(data) == {
        "m": {"[EMAIL] (2)": {"role": "admin"}, "[EMAIL]": 1, "[CREDIT_CARD]": "visa"}
    }
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(AnonymizingSpanExporter(memory, [presidio])))
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute(f"plan of {EMAIL}", "pro")  # Presidio wants spaces around it
    provider.shutdown()
    (exported,) = memory.get_finished_spans()
    assert dict(exported.attributes or {}) == {"plan of [EMAIL]": "pro"}


def test_score_threshold_filters_weak_patterns(analyzer: Any) -> None:
    # Presidio reads any 8-17 digits as a US bank account, with a score of 0.05.
    text = "order number 123456789012"
    assert PresidioAnonymizer(["US_BANK_NUMBER"], analyzer=analyzer).anonymize_text(text) == text
    loose = PresidioAnonymizer(["US_BANK_NUMBER"], analyzer=analyzer, score_threshold=0.0)
    assert loose.anonymize_text(text) == "order number [US_BANK_NUMBER]"


def test_an_installed_spacy_pipeline_adds_names_and_places(tmp_path: Path) -> None:
    """A saved spaCy pipeline stands in for `en_core_web_lg` (which needs a download):
    its entity ruler labels names and places the way an NER model does."""
    spacy = pytest.importorskip("spacy")
    pytest.importorskip("presidio_analyzer")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [{"label": "PERSON", "pattern": "Jane Roe"}, {"label": "GPE", "pattern": "Paris"}]
    )
    nlp.to_disk(tmp_path / "ner")
    anonymizer = PresidioAnonymizer(analyzer=build_analyzer(spacy_model=str(tmp_path / "ner")))
    assert {"PERSON", "LOCATION", "NRP"} <= set(anonymizer.entities)
    assert anonymizer.anonymize_text(f"Jane Roe from Paris <{EMAIL}>") == (
        "[PERSON] from [LOCATION] <[EMAIL]>"
    )


def test_a_missing_spacy_pipeline_is_not_downloaded() -> None:
    pytest.importorskip("presidio_analyzer")
    with pytest.raises(ValueError, match="python -m spacy download en_core_web_xx"):
        build_analyzer(spacy_model="en_core_web_xx")


def test_the_pattern_analyzer_finds_no_names(presidio: PresidioAnonymizer) -> None:
    assert not {"PERSON", "LOCATION", "NRP"} & set(presidio.entities)
    assert presidio.anonymize_text("Jane Roe from Paris") == "Jane Roe from Paris"


def test_missing_presidio_raises_an_import_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)
    with pytest.raises(ImportError, match=r"pip install 'otel-anonymizer\[presidio\]'"):
        PresidioAnonymizer()


def test_merge_results_unions_overlaps_under_the_most_confident_entity() -> None:
    results = [
        (5, 12, "URL", 0.5),
        (0, 20, "EMAIL_ADDRESS", 1.0),
        (14, 20, "URL", 0.5),
        (30, 40, "PHONE_NUMBER", 0.4),
        (35, 45, "US_BANK_NUMBER", 0.05),
        (45, 50, "IP_ADDRESS", 0.6),
    ]
    assert merge_results(results) == [
        (0, 20, "EMAIL_ADDRESS"),
        (30, 45, "PHONE_NUMBER"),
        (45, 50, "IP_ADDRESS"),
    ]
    assert merge_results([]) == []
    # Equal scores: the longer result names the span.
    assert merge_results([(0, 4, "A", 0.5), (2, 10, "B", 0.5)]) == [(0, 10, "B")]
