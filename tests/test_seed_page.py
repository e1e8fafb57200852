"""Every Python code block of the seed page (Opik's "Anonymizers" page) runs here.

Each test holds one block's code, verbatim except for its imports (`opik` becomes
`otel_anonymizer`), followed by assertions on what the page says the block does. Where the
page registers an anonymizer, the registered chain is driven through a real OpenTelemetry
pipeline: spans exported through `AnonymizingSpanExporter`, whose `input.value` /
`output.value` attributes are the `input` / `output` fields and whose other attributes are
`metadata`.
"""

import json
import re
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_anonymizer
import otel_anonymizer.hooks
from otel_anonymizer import AnonymizingSpanExporter

EMAIL = "john@example.com"
PHONE = "555-123-4567"


# --------------------------------------------------------------------------- fixtures


class Pipeline:
    """A private TracerProvider exporting through `AnonymizingSpanExporter`.

    `anonymizers=None` (the default) uses the hooks registry at export time.
    """

    def __init__(self, anonymizers: list[Any] | None = None) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(
            SimpleSpanProcessor(AnonymizingSpanExporter(self.exporter, anonymizers))
        )
        self.tracer = self.provider.get_tracer("test_seed_page")

    def export(self, attributes: dict[str, Any], name: str = "llm-call") -> dict[str, Any]:
        """Record one span with `attributes`; return the attributes as exported."""
        self.exporter.clear()
        with self.tracer.start_as_current_span(name, attributes=attributes):
            pass
        (span,) = self.exporter.get_finished_spans()
        return dict(span.attributes or {})


def only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = exporter.get_finished_spans()
    assert len(spans) == 1, [span.name for span in spans]
    return spans[0]


def anonymize_text(text: str) -> str:
    """Run `text` through the registered anonymizers as a span's output."""
    return Pipeline().export({"output.value": text})["output.value"]


# --------------------------------------------------------------------------- Regex Rules


def test_regex_rules() -> None:
    import otel_anonymizer as opik
    from otel_anonymizer.anonymizer import create_anonymizer

    # Dictionary format
    email_rule = {
        "regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",
        "replace": "[EMAIL]",
    }

    # Tuple format
    phone_rule = (r"\b\d{3}-\d{3}-\d{4}\b", "[PHONE]")

    # Create anonymizer with multiple rules
    anonymizer = create_anonymizer([email_rule, phone_rule])

    # Register globally
    opik.hooks.add_anonymizer(anonymizer)

    assert opik.hooks.get_anonymizers() == [anonymizer]
    assert anonymizer.anonymize(f"Mail {EMAIL} or call {PHONE}") == "Mail [EMAIL] or call [PHONE]"
    assert anonymize_text(f"Mail {EMAIL} or call {PHONE}") == "Mail [EMAIL] or call [PHONE]"


# --------------------------------------------------------------------------- Function Rules


def test_function_rules() -> None:
    import hashlib

    import otel_anonymizer as opik
    from otel_anonymizer.anonymizer import create_anonymizer

    def mask_api_keys(text: str) -> str:
        """Custom function to anonymize API keys"""
        import re

        # Match common API key patterns
        api_key_pattern = r"\b(sk-[a-zA-Z0-9]{32,}|pk_[a-zA-Z0-9]{24,})\b"
        return re.sub(api_key_pattern, "[API_KEY]", text)

    def anonymize_with_hash(text: str) -> str:
        """Replace emails with consistent hashes for tracking without exposing PII"""
        import hashlib
        import re

        def hash_replace(match):
            email = match.group(0)
            hash_val = hashlib.md5(email.encode()).hexdigest()[:8]
            return f"[EMAIL_{hash_val}]"

        email_pattern = r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b"
        return re.sub(email_pattern, hash_replace, text)

    # Create anonymizer with function rules
    anonymizer = create_anonymizer([mask_api_keys, anonymize_with_hash])
    opik.hooks.add_anonymizer(anonymizer)

    secret_key = "sk-" + "a1B2c3D4" * 5
    public_key = "pk_" + "Z9y8X7w6" * 3
    email_hash = hashlib.md5(EMAIL.encode()).hexdigest()[:8]
    text = f"keys {secret_key} and {public_key}, owner {EMAIL}"
    expected = f"keys [API_KEY] and [API_KEY], owner [EMAIL_{email_hash}]"
    assert anonymizer.anonymize(text) == expected
    exported = anonymize_text(text)
    assert exported == expected
    # The same email always maps to the same token: traces stay correlatable.
    assert anonymize_text(f"again {EMAIL}") == f"again [EMAIL_{email_hash}]"
    assert "sk-" not in exported and EMAIL not in exported


# --------------------------------------------------------------------------- Mixed Rules


def test_mixed_rules() -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import create_anonymizer

    # Mix of dictionary, tuple, and function rules
    mixed_rules = [
        {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},  # Social Security Numbers
        (r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "[CARD]"),  # Credit Cards
        lambda text: text.replace("CONFIDENTIAL", "[REDACTED]"),  # Custom replacements
    ]

    anonymizer = create_anonymizer(mixed_rules)
    opik.hooks.add_anonymizer(anonymizer)

    text = "CONFIDENTIAL: SSN 123-45-6789, card 4111 1111 1111 1111, alt 5500-0000-0000-0004"
    expected = "[REDACTED]: SSN [SSN], card [CARD], alt [CARD]"
    assert anonymizer.anonymize(text) == expected
    assert anonymize_text(text) == expected
    # Metadata attributes are anonymized too.
    exported = Pipeline().export({"note": "CONFIDENTIAL 123-45-6789"})
    assert exported["note"] == "[REDACTED] [SSN]"


# --------------------------------------------------------------------------- Anonymizer arguments


def test_understanding_anonymizer_arguments() -> None:
    # The page's block is a signature fragment; `anonymized_data` is left to the reader.
    from otel_anonymizer.anonymizer import Anonymizer

    calls: list[tuple[Any, dict[str, Any]]] = []

    class SignatureAnonymizer(Anonymizer):
        def anonymize(self, data, **kwargs):
            # Your anonymization logic here
            anonymized_data = data
            calls.append((data, kwargs))
            return anonymized_data

    pipeline = Pipeline([SignatureAnonymizer()])
    with pipeline.tracer.start_as_current_span("parent") as parent:
        parent.set_attribute("input.value", "question")
        with pipeline.tracer.start_as_current_span("child") as child:
            child.set_attribute("output.value", "answer")
            child.set_attribute("email", EMAIL)

    seen = {(kwargs["field_name"], kwargs["object_type"]) for _, kwargs in calls}
    assert ("input", "trace") in seen  # the root span is the trace
    assert ("output", "span") in seen
    assert ("metadata", "span") in seen
    assert {field for field, _ in seen} <= {"input", "output", "metadata"}
    metadata = [data for data, kwargs in calls if kwargs["field_name"] == "metadata"]
    assert any(isinstance(data, dict) and data.get("email") == EMAIL for data in metadata)


# --------------------------------------------------------------------------- FieldAwareAnonymizer


def _field_aware_anonymizer_class() -> type:
    from otel_anonymizer.anonymizer import Anonymizer

    class FieldAwareAnonymizer(Anonymizer):
        def anonymize(self, data, **kwargs):
            field_name = kwargs.get("field_name", "")

            # Only anonymize the output field, leave input as-is for debugging
            if field_name == "output" and isinstance(data, str):
                import re

                # More aggressive anonymization for outputs
                data = re.sub(
                    r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL]", data
                )
                data = re.sub(r"\b\d{3}-\d{3}-\d{4}\b", "[PHONE]", data)
            elif field_name == "metadata" and isinstance(data, dict):
                # Remove specific metadata fields entirely
                sensitive_keys = ["user_id", "session_token", "api_key"]
                for key in sensitive_keys:
                    if key in data:
                        data[key] = "[REDACTED]"

            return data

    return FieldAwareAnonymizer


def test_field_aware_anonymizer_registers() -> None:
    import otel_anonymizer as opik  # the page's block imports `opik.hooks`

    FieldAwareAnonymizer = _field_aware_anonymizer_class()

    # Register the field-aware anonymizer
    opik.hooks.add_anonymizer(FieldAwareAnonymizer())

    assert opik.hooks.has_anonymizers()
    assert isinstance(opik.hooks.get_anonymizers()[0], FieldAwareAnonymizer)


FIELD_AWARE_SPAN = {
    "input.value": f"Please reach me at {EMAIL} or {PHONE}",
    "output.value": f"Sure, I will write to {EMAIL} and call {PHONE}",
    "user_id": "user-4711",
    "session_token": "tok-abc123",
    "model": "gpt-4o-mini",
}


def test_field_aware_anonymizer_inputs_untouched_metadata_redacted() -> None:
    import otel_anonymizer as opik

    opik.hooks.add_anonymizer(_field_aware_anonymizer_class()())
    exported = Pipeline().export(FIELD_AWARE_SPAN)

    assert exported["input.value"] == FIELD_AWARE_SPAN["input.value"]
    assert exported["user_id"] == "[REDACTED]"
    assert exported["session_token"] == "[REDACTED]"
    assert exported["model"] == "gpt-4o-mini"


def test_field_aware_anonymizer_outputs_anonymized() -> None:
    import otel_anonymizer as opik

    opik.hooks.add_anonymizer(_field_aware_anonymizer_class()())
    exported = Pipeline().export(FIELD_AWARE_SPAN)

    assert exported["output.value"] == "Sure, I will write to [EMAIL] and call [PHONE]"


# --------------------------------------------------------------------------- SSNAnonymizer


def test_ssn_recursive_anonymizer() -> None:
    from typing import Any, Optional

    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import RecursiveAnonymizer

    class SSNAnonymizer(RecursiveAnonymizer):
        def anonymize_text(
            self,
            data: str,
            field_name: Optional[str] = None,
            **kwargs: Any,  # noqa: UP045
        ) -> str:
            if field_name == "metadata.ssn":
                return "[SSN_REMOVED]"

            return data

    otel_anonymizer.hooks.add_anonymizer(SSNAnonymizer())
    exported = Pipeline().export(
        {
            "ssn": "123-45-6789",
            "tax_id": "123-45-6789",
            "input.value": json.dumps({"ssn": "123-45-6789"}),
        }
    )
    assert exported["ssn"] == "[SSN_REMOVED]"
    assert exported["tax_id"] == "123-45-6789"
    # Only the metadata key is targeted: `input.value.ssn` is another field name.
    assert json.loads(exported["input.value"]) == {"ssn": "123-45-6789"}

    direct = SSNAnonymizer().anonymize({"ssn": "1", "other": "2"}, field_name="metadata")
    assert direct == {"ssn": "[SSN_REMOVED]", "other": "2"}


# --------------------------------------------------------------------------- AdvancedPIIAnonymizer


def test_advanced_pii_anonymizer() -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import Anonymizer

    class AdvancedPIIAnonymizer(Anonymizer):
        def anonymize(self, data, **kwargs):
            """Custom anonymizer with advanced PII detection and removal."""
            field_name = kwargs.get("field_name")  # noqa: F841
            object_type = kwargs.get("object_type")  # noqa: F841

            # Handle different data types
            if isinstance(data, dict):
                # Remove sensitive keys entirely
                if "api_key" in data:
                    del data["api_key"]
                if "password" in data:
                    del data["password"]

                # Anonymize specific fields
                for key, value in data.items():  # noqa: B007
                    if key.lower() in ["email", "user_email"]:
                        data[key] = "[EMAIL_REDACTED]"
                    elif key.lower() in ["phone", "telephone", "mobile"]:
                        data[key] = "[PHONE_REDACTED]"

            elif isinstance(data, str):
                # Apply string-based anonymization
                import re

                # Names (simple heuristic)
                data = re.sub(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", "[NAME]", data)
                # Addresses
                data = re.sub(
                    r"\d+\s+\w+\s+(Street|St|Avenue|Ave|Road|Rd|Drive|Dr)\b", "[ADDRESS]", data
                )

            return data

    # Register the custom anonymizer
    opik.hooks.add_anonymizer(AdvancedPIIAnonymizer())

    exported = Pipeline().export(
        {
            "api_key": "sk-live-123",
            "password": "hunter2",
            "email": EMAIL,
            "Mobile": PHONE,
            "plan": "pro",
        }
    )
    assert "api_key" not in exported
    assert "password" not in exported
    assert exported["email"] == "[EMAIL_REDACTED]"
    assert exported["Mobile"] == "[PHONE_REDACTED]"
    assert exported["plan"] == "pro"

    text = "John Smith lives at 42 5th Avenue"
    assert AdvancedPIIAnonymizer().anonymize(text) == "[NAME] lives at [ADDRESS]"


# --------------------------------------------------------------------------- Basic Setup


def test_basic_setup(tracked_spans: InMemorySpanExporter) -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import create_anonymizer

    # Define PII anonymization rules
    pii_rules = [
        # Email addresses
        {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
        # Phone numbers (US format)
        {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
        # Social Security Numbers
        {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
        # Credit card numbers
        {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
    ]

    # Create and register anonymizer
    anonymizer = create_anonymizer(pii_rules)
    opik.hooks.add_anonymizer(anonymizer)

    # Now all traced functions will automatically anonymize PII
    @opik.track
    def process_customer_data(customer_info):
        """This function processes customer data with automatic PII anonymization"""
        # The input and output will be automatically anonymized
        return f"Processed customer: {customer_info}"

    # Example usage - PII will be automatically anonymized in traces
    result = process_customer_data("John Doe, email: john@example.com, phone: 555-123-4567")

    assert opik.flush_tracker()
    # The application gets its real result; only the exported copy is anonymized.
    assert result == "Processed customer: John Doe, email: john@example.com, phone: 555-123-4567"
    span = only_span(tracked_spans)
    attributes = dict(span.attributes or {})
    assert json.loads(attributes["input.value"]) == {
        "customer_info": "John Doe, email: [EMAIL], phone: [PHONE]"
    }
    assert (
        attributes["output.value"] == "Processed customer: John Doe, email: [EMAIL], phone: [PHONE]"
    )
    for value in attributes.values():
        assert EMAIL not in str(value) and PHONE not in str(value)


def test_basic_setup_rules_cover_ssn_and_cards(tracked_spans: InMemorySpanExporter) -> None:
    import otel_anonymizer as opik
    from otel_anonymizer.anonymizer import create_anonymizer

    pii_rules = [
        {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
        {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
        {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
        {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
    ]
    opik.hooks.add_anonymizer(create_anonymizer(pii_rules))

    @opik.track
    def lookup(customer: dict, note: str = "") -> dict:
        return {"found": True, "customer": customer}

    lookup({"ssn": "123-45-6789", "card": "4111-1111-1111-1111"}, note="call 555-123-4567")
    opik.flush_tracker()

    attributes = dict(only_span(tracked_spans).attributes or {})
    assert json.loads(attributes["input.value"]) == {
        "customer": {"ssn": "[SSN]", "card": "[CARD]"},
        "note": "call [PHONE]",
    }
    assert json.loads(attributes["output.value"]) == {
        "found": True,
        "customer": {"ssn": "[SSN]", "card": "[CARD]"},
    }


# --------------------------------------------------------------------------- Advanced Configuration


def test_advanced_configuration() -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import Anonymizer, create_anonymizer

    class ComplianceAnonymizer(Anonymizer):
        """Enterprise-grade anonymizer for compliance requirements"""

        def __init__(self, compliance_level="standard"):
            self.compliance_level = compliance_level
            self.sensitive_fields = {
                "standard": ["email", "phone", "ssn"],
                "strict": ["email", "phone", "ssn", "name", "address", "dob"],
                "minimal": ["ssn", "password"],
            }

        def anonymize(self, data, **kwargs):
            field_name = kwargs.get("field_name", "")  # noqa: F841

            if isinstance(data, dict):
                # Process dictionary fields
                for key, value in list(data.items()):  # noqa: B007
                    if key.lower() in self.sensitive_fields[self.compliance_level]:
                        data[key] = f"[{key.upper()}_REDACTED]"

            elif isinstance(data, str):  # noqa: SIM102
                # Apply string-level anonymization based on the compliance level
                if self.compliance_level == "strict":
                    # More aggressive anonymization
                    import re

                    data = re.sub(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", "[NAME]", data)
                    data = re.sub(r"\b\d{1,4}\s+\w+\s+\w+\b", "[ADDRESS]", data)

            return data

    # Set up multi-layer anonymization
    opik.hooks.clear_anonymizers()  # Clear any existing anonymizers

    # Layer 1: Basic PII patterns
    basic_rules = [
        (r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL]"),
        (r"\b\d{3}-\d{3}-\d{4}\b", "[PHONE]"),
    ]
    opik.hooks.add_anonymizer(create_anonymizer(basic_rules))

    # Layer 2: Compliance-specific anonymization
    opik.hooks.add_anonymizer(ComplianceAnonymizer(compliance_level="standard"))

    # Layer 3: Custom business logic
    def remove_internal_identifiers(text):
        """Remove company-specific internal identifiers"""
        import re

        return re.sub(r"\bEMP-\d{6}\b", "[EMPLOYEE_ID]", text)

    opik.hooks.add_anonymizer(create_anonymizer(remove_internal_identifiers))

    assert len(opik.hooks.get_anonymizers()) == 3
    exported = Pipeline().export(
        {
            "input.value": f"EMP-123456 asked to email {EMAIL} or call {PHONE}",
            "ssn": "123-45-6789",
            "email": "jane@example.com",
            "department": "EMP-654321 in sales",
        }
    )
    assert exported["input.value"] == "[EMPLOYEE_ID] asked to email [EMAIL] or call [PHONE]"
    assert exported["ssn"] == "[SSN_REDACTED]"
    assert exported["email"] == "[EMAIL_REDACTED]"
    assert exported["department"] == "[EMPLOYEE_ID] in sales"

    strict = ComplianceAnonymizer(compliance_level="strict")
    assert strict.anonymize("John Smith") == "[NAME]"
    assert strict.anonymize({"dob": "1990-01-01", "plan": "pro"}) == {
        "dob": "[DOB_REDACTED]",
        "plan": "pro",
    }


# --------------------------------------------------------------------------- Presidio


def test_presidio_anonymizer() -> None:
    pytest.importorskip("presidio_analyzer")
    pytest.importorskip("presidio_anonymizer")

    from typing import Any

    from presidio_analyzer import AnalyzerEngine
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import RecursiveAnonymizer

    class PresidioPIIAnonymizer(RecursiveAnonymizer):
        """Use Microsoft Presidio to detect and anonymize PII in text.
        This anonymizer is a simple wrapper around Presidio's built-in anonymizer engine.
        It extends the RecursiveAnonymizer base class to support nested data structures.
        """

        def __init__(self, language: str = "en", max_depth: int = 10):
            super().__init__(max_depth=max_depth)
            self.language = language
            self.analyzer = AnalyzerEngine()
            self.anonymizer = AnonymizerEngine()

        def anonymize_text(self, data: str, **kwargs: Any) -> str:
            # 1) Detect PII entities in the text
            results = self.analyzer.analyze(
                text=data,
                language=self.language,
                entities=None,  # detect all supported entities
            )
            if not results:
                return data

            # 2) Apply Presidio anonymization
            operators = {
                "DEFAULT": OperatorConfig("replace", {"new_value": "[PII]"}),
                # You can customize per entity type if needed, for example:
                # "PHONE_NUMBER": OperatorConfig(
                #     "mask", {"masking_char": "*", "chars_to_mask": 8}
                # ),
            }
            anon_result = self.anonymizer.anonymize(
                text=data,
                analyzer_results=results,
                operators=operators,
            )
            return anon_result.text

    # Register the Presidio-based anonymizer globally
    otel_anonymizer.hooks.add_anonymizer(PresidioPIIAnonymizer())

    exported = anonymize_text(f"Write to {EMAIL}")
    assert EMAIL not in exported
    assert "[PII]" in exported


# --------------------------------------------------------------------------- Framework integrations
#
# The page's OpenAI and LangChain blocks wrap the client with `track_openai` / `OpikTracer`,
# which belong to Opik. Here the client side is OpenTelemetry instrumentation (openai-v2,
# OpenInference, OpenLLMetry), exercised against a fake OpenAI server in tests/integration.
# These tests run the anonymizer part of those blocks on spans shaped like the ones those
# instrumentations emit.


def test_openai_integration_rules() -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import create_anonymizer

    # Set up anonymization
    pii_rules = [
        {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
        {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
    ]
    opik.hooks.add_anonymizer(create_anonymizer(pii_rules))

    content = "Help me draft an email to john.doe@company.com about his phone number 555-123-4567"
    expected = "Help me draft an email to [EMAIL] about his phone number [PHONE]"
    exported = Pipeline().export(
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-3.5-turbo",
            # OpenTelemetry GenAI conventions (openai-v2 instrumentation)
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": content}]}]
            ),
            # OpenInference (flattened messages)
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": content,
        },
        name="chat gpt-3.5-turbo",
    )
    messages = json.loads(exported["gen_ai.input.messages"])
    assert messages[0]["parts"][0]["content"] == expected
    assert exported["llm.input_messages.0.message.content"] == expected
    assert exported["gen_ai.request.model"] == "gpt-3.5-turbo"


def test_langchain_integration_rules() -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import create_anonymizer

    # Configure anonymization - mix regex and callable function
    def mask_credit_cards(text: str) -> str:
        """Partial masking: show first 4 and last 4 digits, mask the middle"""
        import re

        def partial_mask(match):
            card = match.group(0).replace("-", "").replace(" ", "")
            if len(card) >= 8:
                return card[:4] + "*" * (len(card) - 8) + card[-4:]
            return "[CARD]"

        return re.sub(r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", partial_mask, text)

    anonymizer_rules = [
        # Email pattern (regex tuple)
        (r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL]"),
        # Callable function for smart masking
        mask_credit_cards,
    ]
    opik.hooks.add_anonymizer(create_anonymizer(anonymizer_rules))

    content = "Contact sarah@example.com about card 4532-1234-5678-9010"
    expected = "Contact [EMAIL] about card 4532********9010"
    # LangChain's own OpenTelemetry export (LangSmith OTel) uses the GenAI prompt keys.
    exported = Pipeline().export(
        {
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": content,
            "gen_ai.completion.0.content": "I will contact sarah@example.com.",
        },
        name="ChatOpenAI",
    )
    assert exported["gen_ai.prompt.0.content"] == expected
    assert exported["gen_ai.completion.0.content"] == "I will contact [EMAIL]."
    assert mask_credit_cards("4532 1234 5678 9010") == "4532********9010"


# --------------------------------------------------------------------------- Max Depth


def test_max_depth() -> None:
    from otel_anonymizer.anonymizer import create_anonymizer

    rules = [{"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"}]

    # Default max_depth is 10
    anonymizer = create_anonymizer(rules, max_depth=5)

    assert anonymizer.max_depth == 5
    assert create_anonymizer(rules).max_depth == 10
    four_deep = {"a": {"b": {"c": {"d": PHONE}}}}
    assert anonymizer.anonymize(four_deep) == {"a": {"b": {"c": {"d": "[PHONE]"}}}}
    # A string under 5 containers lies beyond the limit: replaced, never exported raw.
    five_deep = {"a": {"b": {"c": {"d": {"e": PHONE}}}}}
    placeholder = otel_anonymizer.MAX_DEPTH_PLACEHOLDER
    assert anonymizer.anonymize(five_deep) == {"a": {"b": {"c": {"d": {"e": placeholder}}}}}
    assert anonymizer.anonymize([[[[[PHONE]]]]]) == [[[[[placeholder]]]]]
    # The reference behaviour (return it unchanged) only on request.
    keep = create_anonymizer(rules, max_depth=5, on_max_depth="keep")
    assert keep.anonymize(five_deep) == five_deep
    assert keep.anonymize(four_deep) == {"a": {"b": {"c": {"d": "[PHONE]"}}}}


# --------------------------------------------------------------------------- Multiple Anonymizers


def test_multiple_anonymizers(capsys: pytest.CaptureFixture[str]) -> None:
    import otel_anonymizer as opik
    import otel_anonymizer.hooks
    from otel_anonymizer.anonymizer import create_anonymizer

    # Clear existing anonymizers
    opik.hooks.clear_anonymizers()

    # Add multiple anonymizers in order
    opik.hooks.add_anonymizer(
        create_anonymizer(
            [
                {
                    "regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b",
                    "replace": "[EMAIL]",
                }
            ]
        )
    )

    opik.hooks.add_anonymizer(
        create_anonymizer([{"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"}])
    )

    # Check if any anonymizers are registered
    if opik.hooks.has_anonymizers():
        print(f"Active anonymizers: {len(opik.hooks.get_anonymizers())}")

    assert capsys.readouterr().out == "Active anonymizers: 2\n"
    assert anonymize_text(f"{EMAIL} / {PHONE}") == "[EMAIL] / [PHONE]"


def test_multiple_anonymizers_apply_in_sequence() -> None:
    import otel_anonymizer as opik
    from otel_anonymizer.anonymizer import create_anonymizer

    # The second anonymizer sees the first one's output.
    opik.hooks.add_anonymizer(create_anonymizer((r"secret", "[S]")))
    opik.hooks.add_anonymizer(create_anonymizer((r"\[S\]", "[SECRET]")))
    assert anonymize_text("a secret") == "a [SECRET]"
    opik.hooks.clear_anonymizers()
    assert not opik.hooks.has_anonymizers()
    assert anonymize_text("a secret") == "a secret"


# --------------------------------------------------------------------------- Rule Ordering


def test_rule_ordering() -> None:
    from otel_anonymizer.anonymizer import create_anonymizer

    rules = [
        # Specific: Credit cards (more specific pattern first)
        {"regex": r"\b4\d{3}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[VISA_CARD]"},
        # General: Any credit card
        {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
        # General: Any number sequence
        {"regex": r"\b\d{4,}\b", "replace": "[NUMBER]"},
    ]

    anonymizer = create_anonymizer(rules)
    text = "visa 4111 1111 1111 1111, mc 5500-0000-0000-0004, order 123456, room 12"
    expected = "visa [VISA_CARD], mc [CARD], order [NUMBER], room 12"
    assert anonymizer.anonymize(text) == expected
    # In the opposite order the general rule wins and the specific ones never match.
    assert create_anonymizer(rules[::-1]).anonymize(text) == (
        "visa [NUMBER] [NUMBER] [NUMBER] [NUMBER], mc [NUMBER]-[NUMBER]-[NUMBER]-[NUMBER], "
        "order [NUMBER], room 12"
    )


# --------------------------------------------------------------------------- Performance


def test_performance_precompiled_pattern() -> None:
    import re

    from otel_anonymizer.anonymizer import create_anonymizer

    # Pre-compile regex for better performance
    EMAIL_PATTERN = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b")

    def efficient_email_anonymizer(text):
        return EMAIL_PATTERN.sub("[EMAIL]", text)

    anonymizer = create_anonymizer(efficient_email_anonymizer)

    assert anonymizer.anonymize(f"to {EMAIL}") == "to [EMAIL]"
    assert anonymizer.anonymize({"cc": [EMAIL, "x"]}) == {"cc": ["[EMAIL]", "x"]}
    # A precompiled pattern is accepted as a rule's regex as well.
    assert create_anonymizer((EMAIL_PATTERN, "[E]")).anonymize(EMAIL) == "[E]"


# --------------------------------------------------------------------------- Testing Anonymizers


def test_testing_anonymizers(capsys: pytest.CaptureFixture[str]) -> None:
    from otel_anonymizer.anonymizer import create_anonymizer

    # Define your rules
    rules = [
        {"regex": r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "replace": "[EMAIL]"},
        {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
    ]

    anonymizer = create_anonymizer(rules)

    # Test with sample data
    test_data = "Contact John at john.doe@company.com or call 555-123-4567"
    anonymized = anonymizer.anonymize(test_data)
    print(anonymized)  # Should output: "Contact John at [EMAIL] or call [PHONE]"

    # Test with nested data
    test_nested = {
        "user": {
            "email": "user@example.com",
            "phone": "555-987-6543",
            "notes": "Called regarding john@company.com",
        }
    }
    anonymized_nested = anonymizer.anonymize(test_nested)
    print(anonymized_nested)

    assert anonymized == "Contact John at [EMAIL] or call [PHONE]"
    expected_nested = {
        "user": {"email": "[EMAIL]", "phone": "[PHONE]", "notes": "Called regarding [EMAIL]"}
    }
    assert anonymized_nested == expected_nested
    assert capsys.readouterr().out == (
        "Contact John at [EMAIL] or call [PHONE]\n" + repr(expected_nested) + "\n"
    )
    # The caller's data is left untouched.
    assert test_nested["user"]["email"] == "user@example.com"


# --------------------------------------------------------------------------- error messages
# (opik-semantics.md, "Building rules" and "Registry")


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"regex": r"\d"}], "Dictionary rule must have 'regex' and 'replace' keys"),
        ({"replace": "x"}, "Dictionary rule must have 'regex' and 'replace' keys"),
        ([(r"\d", "x", "y")], "Tuple rule must have exactly 2 elements: (regex, replacement)"),
        ((r"\d",), "Tuple rule must have exactly 2 elements: (regex, replacement)"),
        ([(r"\d", "x"), 42], "Unsupported rule type in list: <class 'int'>"),
        (42, "Unsupported rules type: <class 'int'>"),
    ],
)
def test_rule_spec_errors(rules: Any, message: str) -> None:
    from otel_anonymizer.anonymizer import create_anonymizer

    with pytest.raises(ValueError, match=re.escape(message)):
        create_anonymizer(rules)


def test_invalid_regex_fails_at_creation() -> None:
    from otel_anonymizer.anonymizer import create_anonymizer

    with pytest.raises((ValueError, re.error)):
        create_anonymizer([(r"(unclosed", "[X]")])
    with pytest.raises((ValueError, re.error)):
        create_anonymizer({"regex": r"[a-", "replace": "[X]"})


def test_empty_rule_list_is_a_no_op() -> None:
    from otel_anonymizer.anonymizer import create_anonymizer

    assert create_anonymizer([]).anonymize({"a": EMAIL}) == {"a": EMAIL}


def test_add_anonymizer_rejects_non_anonymizer() -> None:
    import otel_anonymizer as opik

    with pytest.raises(TypeError):
        opik.hooks.add_anonymizer(42)  # type: ignore[arg-type]
    assert not opik.hooks.has_anonymizers()


def test_get_anonymizers_returns_a_copy() -> None:
    import otel_anonymizer as opik
    from otel_anonymizer.anonymizer import create_anonymizer

    first = create_anonymizer((r"a", "b"))
    opik.hooks.add_anonymizer(first)
    snapshot = opik.hooks.get_anonymizers()
    snapshot.append(create_anonymizer((r"c", "d")))
    snapshot.clear()
    assert opik.hooks.get_anonymizers() == [first]
