"""A two-turn tool-calling conversation seeded with personal-data canaries.

Turn 1: system prompt + user message; the fake model answers with a tool call whose
arguments hold PII. Turn 2: the tool result (`role: tool`) is sent back and the model
answers with text. Every location carries its own canary of each kind, so a leak can be
traced back to where it entered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from openai import OpenAI

from .fake_openai import FakeOpenAI, ToolCall

REQUEST_MODEL = "gpt-4o-mini"
TOOL_NAME = "get_weather"
SAFE_SENTENCE = "The weather in Paris is sunny"

# Location -> per-kind canary. Values differ per location (last digits / local part).
LOCATIONS = ("system", "user", "tool_args", "tool_result", "answer")
KINDS = ("email", "phone", "card", "ssn", "api_key")
PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "ssn": "[SSN]",
    "api_key": "[API_KEY]",
}
RULES: list[dict[str, str]] = [
    {"regex": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "replace": "[EMAIL]"},
    {"regex": r"sk-[A-Za-z0-9]{20,}", "replace": "[API_KEY]"},
    {"regex": r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", "replace": "[CARD]"},
    {"regex": r"\b\d{3}-\d{2}-\d{4}\b", "replace": "[SSN]"},
    {"regex": r"\b\d{3}-\d{3}-\d{4}\b", "replace": "[PHONE]"},
]

_CARDS = (
    "4111 1111 1111 1111",
    "4111-1111-1111-1112",
    "4111111111111113",
    "4111 1111 1111 1114",
    "4111 1111 1111 1115",
)


def _api_key(tag: str) -> str:
    body = (tag.upper().replace("_", "") + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 2)[:40]
    return "sk-" + body


CANARIES: dict[str, dict[str, str]] = {
    loc: {
        "email": f"jane.roe.{loc.replace('_', '')}@example.org",
        "phone": f"555-867-530{i + 1}",
        "card": _CARDS[i],
        "ssn": f"078-05-112{i + 1}",
        "api_key": _api_key(loc),
    }
    for i, loc in enumerate(LOCATIONS)
}
# The OpenAI `user` parameter (end-user id); only some instrumentations record it.
END_USER = "jane.roe.enduser@example.org"
# A resource attribute holding personal data (resources often carry user/host names).
RESOURCE_OWNER = "jane.roe.resource@example.org"
# An API error message quoting the request (ends up in span status / exception events).
ERROR_CANARIES = {
    "email": "jane.roe.error@example.org",
    "phone": "555-867-5399",
    "card": "4111 1111 1111 1199",
    "ssn": "078-05-1199",
    "api_key": _api_key("error"),
}

# Substrings that must not survive either (catch partial redaction).
FRAGMENTS = ("jane.roe", "@example.org", "555-867-", "078-05-", "AbCdEfGhIjKlMnOp")


def all_canaries() -> list[str]:
    """Every canary value: per location, end-user id, resource, API error message."""
    per_location = [v for per_loc in CANARIES.values() for v in per_loc.values()]
    return [*per_location, END_USER, RESOURCE_OWNER, *ERROR_CANARIES.values()]


def _describe(loc: str) -> str:
    c = CANARIES[loc]
    return (
        f"email {c['email']}, phone {c['phone']}, card {c['card']}, "
        f"SSN {c['ssn']}, API key {c['api_key']}"
    )


SYSTEM_PROMPT = f"You are a weather assistant. Escalations go to the owner: {_describe('system')}."
USER_MESSAGE = f"What is the weather in Paris? My details: {_describe('user')}."
TOOL_ARGUMENTS = json.dumps({"city": "Paris", "note": _describe("tool_args")})
TOOL_RESULT = json.dumps({"forecast": "sunny", "account": _describe("tool_result")})
ANSWER = f"{SAFE_SENTENCE} today. I saved your contact: {_describe('answer')}."
ERROR_MESSAGE = (
    "Content policy violation in: email {email}, phone {phone}, card {card}, SSN {ssn}, "
    "API key {api_key}."
).format(**ERROR_CANARIES)

TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": "Get the current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "note": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def present_locations(text: str) -> set[str]:
    """Locations all of whose canaries occur in `text`, plus "end_user" if it occurs."""
    found = {loc for loc in LOCATIONS if all(v in text for v in CANARIES[loc].values())}
    if END_USER in text:
        found.add("end_user")
    return found


def leaked(text: str) -> list[str]:
    """Canaries and fragments found in `text` (empty when clean)."""
    return [c for c in (*all_canaries(), *FRAGMENTS) if c in text]


def error_present(text: str) -> bool:
    """Whether all canaries of the API error message occur in `text`."""
    return all(v in text for v in ERROR_CANARIES.values())


@dataclass
class Turn:
    """What the fake model answered in one turn."""

    tool_call_id: str | None
    text: str | None


def run_openai(fake: FakeOpenAI, *, stream: bool = False) -> list[Turn]:
    """Drive the two-turn conversation with the `openai` client."""
    client = OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0, timeout=10)
    extra: dict[str, Any] = (
        {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    )
    messages: list[Any] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": USER_MESSAGE},
    ]
    fake.tool_call = ToolCall(TOOL_NAME, TOOL_ARGUMENTS)
    first = client.chat.completions.create(
        model=REQUEST_MODEL, messages=messages, tools=TOOLS, user=END_USER, **extra
    )
    if stream:
        for _ in first:
            pass
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": fake.tool_call.id,
                    "type": "function",
                    "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS},
                }
            ],
        },
        {"role": "tool", "tool_call_id": fake.tool_call.id, "content": TOOL_RESULT},
    ]
    fake.tool_call = None
    fake.reply_text = ANSWER
    second = client.chat.completions.create(
        model=REQUEST_MODEL, messages=messages, tools=TOOLS, user=END_USER, **extra
    )
    if stream:
        for _ in second:
            pass
    return [Turn("call_fake_0001", None), Turn(None, ANSWER)]


def run_langchain(fake: FakeOpenAI, *, stream: bool = False) -> list[Turn]:
    """Drive the same conversation through `langchain_openai.ChatOpenAI`."""
    from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        model=REQUEST_MODEL,
        base_url=fake.base_url,
        api_key="test-key",  # type: ignore[arg-type]
        streaming=stream,
        stream_usage=stream,
        max_retries=0,
        timeout=10,
    ).bind_tools(TOOLS, user=END_USER)
    messages: list[BaseMessage] = [SystemMessage(SYSTEM_PROMPT), HumanMessage(USER_MESSAGE)]
    fake.tool_call = ToolCall(TOOL_NAME, TOOL_ARGUMENTS)
    first = llm.invoke(messages)
    tool_calls = getattr(first, "tool_calls", [])
    assert tool_calls and tool_calls[0]["name"] == TOOL_NAME, first
    messages += [first, ToolMessage(TOOL_RESULT, tool_call_id=tool_calls[0]["id"])]
    fake.tool_call = None
    fake.reply_text = ANSWER
    second = llm.invoke(messages)
    assert second.content == ANSWER, second
    return [Turn(tool_calls[0]["id"], None), Turn(None, ANSWER)]


def run_openai_error(fake: FakeOpenAI, *, stream: bool = False) -> None:
    """One request that the server rejects with `ERROR_MESSAGE` (HTTP 400)."""
    from openai import BadRequestError

    fake.error_status, fake.error_message = 400, ERROR_MESSAGE
    client = OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0, timeout=10)
    try:
        client.chat.completions.create(
            model=REQUEST_MODEL,
            messages=[{"role": "user", "content": USER_MESSAGE}],
            stream=stream,
        )
    except BadRequestError as error:
        assert ERROR_MESSAGE in str(error)
    else:
        raise AssertionError("the fake server should have rejected the request")


def run_langchain_error(fake: FakeOpenAI, *, stream: bool = False) -> None:
    """The same rejected request through `ChatOpenAI`."""
    from langchain_openai import ChatOpenAI
    from openai import BadRequestError

    fake.error_status, fake.error_message = 400, ERROR_MESSAGE
    llm = ChatOpenAI(
        model=REQUEST_MODEL,
        base_url=fake.base_url,
        api_key="test-key",  # type: ignore[arg-type]
        streaming=stream,
        max_retries=0,
        timeout=10,
    )
    try:
        llm.invoke(USER_MESSAGE)
    except BadRequestError as error:
        assert ERROR_MESSAGE in str(error)
    else:
        raise AssertionError("the fake server should have rejected the request")
