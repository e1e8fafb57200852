"""An application with no anonymization code: run under `opentelemetry-instrument`."""

import json
import logging

from opentelemetry import trace

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
    logger.warning("refund requested by jane.roe@example.org for order 1234")
