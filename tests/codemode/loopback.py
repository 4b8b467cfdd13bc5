"""A provider API on 127.0.0.1 for the adapter tests: the real wire format, requests recorded.

`ProviderServer(answer)` serves OpenAI's `POST /v1/chat/completions` and
Anthropic's `POST /v1/messages` with the JSON shapes the real APIs return;
`answer(path, body)` gives the reply text (or a `(status, json)` pair for an
error response). The official SDK clients point at it with `base_url=`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, dict[str, Any]], "str | tuple[int, dict[str, Any]]"]


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def openai_completion(text: str | None, model: str, refusal: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": refusal},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
        "system_fingerprint": None,
    }


def anthropic_message(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 7},
    }


class ProviderServer:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?", 1)[0]
                server.requests.append(Request(path, {k.lower(): v for k, v in self.headers.items()}, body))
                if path == "/v1/chat/completions":
                    reply = server.answer(path, body)
                    status, payload = reply if isinstance(reply, tuple) else (200, openai_completion(reply, body["model"]))
                elif path == "/v1/messages":
                    reply = server.answer(path, body)
                    status, payload = reply if isinstance(reply, tuple) else (200, anthropic_message(reply, body["model"]))
                else:
                    status, payload = 404, {"error": {"message": f"no route {path}", "type": "not_found"}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
