"""The OpenAI-compatible backend against a small fake server speaking the same protocol."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from shopmind_common.models import (
    ChatMessage,
    GenerationError,
    ModelRegistry,
    ModelSettings,
    OpenAIGenerator,
    load_generator,
)

REQUESTS: list[dict[str, Any]] = []


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._json(200, {"data": [{"id": "fake-llm"}]})
        else:
            self._json(404, {"error": "no"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        REQUESTS.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if body.get("model") == "broken":
            self._json(500, {"error": "boom"})
            return
        chat = self.path == "/v1/chat/completions"
        words = ["Hello", " from", " the", " fake"][: body["max_tokens"]]
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for w in words:
                choice = {"delta": {"content": w}} if chat else {"text": w}
                self.wfile.write(f"data: {json.dumps({'choices': [choice]})}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        text = "".join(words)
        choice = {"message": {"role": "assistant", "content": text}} if chat else {"text": text}
        choice["finish_reason"] = "length" if len(words) == body["max_tokens"] else "stop"
        self._json(
            200,
            {
                "model": body["model"],
                "choices": [choice],
                "usage": {"prompt_tokens": 7, "completion_tokens": len(words)},
            },
        )


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_chat_generation_and_model_discovery(server: str) -> None:
    gen = OpenAIGenerator(server, api_key="sk-test")
    try:
        assert gen.model_name == "fake-llm"
        out = gen.generate(
            [ChatMessage("user", "hi")], max_new_tokens=3, temperature=0.2, stop=["\n"]
        )
        assert out.text == "Hello from the"
        assert (out.prompt_tokens, out.completion_tokens, out.finish_reason) == (7, 3, "length")
        sent = REQUESTS[-1]
        assert sent["path"] == "/v1/chat/completions"
        assert sent["auth"] == "Bearer sk-test"
        assert sent["body"]["messages"] == [{"role": "user", "content": "hi"}]
        assert sent["body"]["max_tokens"] == 3 and sent["body"]["stop"] == ["\n"]
        assert gen.describe() == {
            "backend": "openai",
            "model": "fake-llm",
            "url": server,
            "device": "remote",
        }
    finally:
        gen.close()


def test_plain_prompt_uses_completions_and_streams(server: str) -> None:
    gen = OpenAIGenerator(server, model="fake-llm")
    try:
        out = gen.generate("once", max_new_tokens=10)
        assert out.text == "Hello from the fake" and out.finish_reason == "stop"
        assert REQUESTS[-1]["path"] == "/v1/completions"
        assert list(gen.stream("once", max_new_tokens=2)) == ["Hello", " from"]
        assert list(gen.stream([ChatMessage("user", "x")], max_new_tokens=4)) == [
            "Hello",
            " from",
            " the",
            " fake",
        ]
        assert REQUESTS[-1]["body"]["stream"] is True
    finally:
        gen.close()


def test_server_errors_become_generation_errors(server: str) -> None:
    gen = OpenAIGenerator(server, model="broken")
    try:
        with pytest.raises(GenerationError, match="500"):
            gen.generate("x", max_new_tokens=2)
        with pytest.raises(GenerationError):
            list(gen.stream("x", max_new_tokens=2))
    finally:
        gen.close()


def test_settings_select_the_openai_backend_once(server: str) -> None:
    registry = ModelRegistry()
    settings = ModelSettings(LLM_BACKEND="openai", LLM_BASE_URL=server, LLM_MODEL_NAME="fake-llm")
    first = load_generator(settings, registry=registry)
    assert first is not None and first is load_generator(settings, registry=registry)
    assert first.backend == "openai"
    first.close()
