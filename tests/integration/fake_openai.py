"""A minimal fake OpenAI-compatible chat completions server (test double, stdlib only)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from .background_server import BackgroundServer

MODEL = "gpt-4o-mini-2024-07-18"


@dataclass
class ToolCall:
    """A tool call the fake model answers with; `arguments` is a JSON string."""

    name: str
    arguments: str
    id: str = "call_fake_0001"


@dataclass
class FakeOpenAI:
    """Configurable fake server state; set `reply_text` / `tool_call` before a request."""

    reply_text: str = "Hello from the fake model."
    tool_call: ToolCall | None = None
    # When set, chat completions fail with this HTTP status and OpenAI-style error message.
    error_status: int | None = None
    error_message: str = "The request was rejected."
    model: str = MODEL
    requests: list[dict[str, Any]] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _server: BackgroundServer | None = None

    @property
    def base_url(self) -> str:
        """Base URL to give an OpenAI client (`.../v1`)."""
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        """Start serving in a daemon thread on a random free port."""
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._server = BackgroundServer(handler, "fake-openai").start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Stop the server and join its thread."""
        if self._server is not None:
            self._server.stop()
        self._server = None

    def reset(self) -> None:
        """Forget recorded requests and restore the default answer."""
        self.requests.clear()
        self.reply_text = "Hello from the fake model."
        self.tool_call = None
        self.error_status = None
        self.error_message = "The request was rejected."

    # --- response builders -------------------------------------------------------------

    def _message(self) -> tuple[dict[str, Any], str]:
        if self.tool_call is not None:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": self.tool_call.id,
                        "type": "function",
                        "function": {
                            "name": self.tool_call.name,
                            "arguments": self.tool_call.arguments,
                        },
                    }
                ],
            }
            return message, "tool_calls"
        return {"role": "assistant", "content": self.reply_text}, "stop"

    @staticmethod
    def _usage() -> dict[str, int]:
        return {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}

    def completion(self) -> dict[str, Any]:
        """A non-streaming `chat.completion` object."""
        message, finish_reason = self._message()
        return {
            "id": "chatcmpl-fake-0001",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
            ],
            "usage": self._usage(),
        }

    def chunks(self, include_usage: bool) -> list[dict[str, Any]]:
        """The `chat.completion.chunk` objects of a streamed answer."""
        base = {
            "id": "chatcmpl-fake-0001",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
            return {**base, "choices": [choice]}

        out = [chunk({"role": "assistant", "content": ""})]
        if self.tool_call is not None:
            tc = self.tool_call
            half = len(tc.arguments) // 2
            out.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": tc.id,
                                "type": "function",
                                "function": {"name": tc.name, "arguments": tc.arguments[:half]},
                            }
                        ]
                    }
                )
            )
            out.append(
                chunk(
                    {"tool_calls": [{"index": 0, "function": {"arguments": tc.arguments[half:]}}]}
                )
            )
            out.append(chunk({}, "tool_calls"))
        else:
            words = self.reply_text.split(" ")
            for i, word in enumerate(words):
                out.append(chunk({"content": word if i == 0 else " " + word}))
            out.append(chunk({}, "stop"))
        if include_usage:
            out.append({**base, "choices": [], "usage": self._usage()})
        return out


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"unknown path {self.path}"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, {"error": {"message": "invalid JSON"}})
            return
        self.fake.requests.append(body)
        if self.fake.error_status is not None:
            error = {"message": self.fake.error_message, "type": "invalid_request_error"}
            self._send_json(self.fake.error_status, {"error": {**error, "code": None}})
            return
        if not body.get("stream"):
            self._send_json(200, self.fake.completion())
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        payload = b"".join(
            f"data: {json.dumps(c)}\n\n".encode() for c in self.fake.chunks(include_usage)
        )
        payload += b"data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
