"""An application run under `opentelemetry-instrument`: its only anonymization code is
one rule of its own, registered in `hooks` as Opik users do."""

import json
import logging

from opentelemetry import trace

from otel_anonymizer import create_anonymizer, hooks

hooks.clear_anonymizers()  # as Opik's samples start; the operator's chain stays
hooks.add_anonymizer(create_anonymizer([(r"\bEMP-\d{6}\b", "[EMPLOYEE_ID]")]))

tracer = trace.get_tracer("zero-code-app")
logger = logging.getLogger("zero-code-app")

with tracer.start_as_current_span("chat gpt-4o") as span:
    span.set_attribute(
        "gen_ai.input.messages",
        json.dumps(
            [
                {
                    "role": "user",
                    "parts": [
                        {
                            "type": "text",
                            "content": "I am jane.roe@example.org, card 4111 1111 1111 1111",
                        }
                    ],
                }
            ]
        ),
    )
    span.set_attribute("gen_ai.request.model", "gpt-4o")
    span.set_attribute("app.employee", "EMP-123456")
    logger.warning("refund requested by jane.roe@example.org for order 1234")
