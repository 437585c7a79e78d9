"""Sentences go to a model server concurrently (its parallel slots batch them), in order."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rag.llm.base import complete_many
from rag.llm.openai_compatible import OpenAIChat
from rag.translation.llm import LlmTranslator


class _SlowEcho(BaseHTTPRequestHandler):
    """An OpenAI-style streaming server that answers "Echo: <last message>" after a pause and
    counts how many requests it holds at once."""

    lock = threading.Lock()
    in_flight = 0
    most = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        time.sleep(0.3)
        with cls.lock:
            cls.in_flight -= 1
        reply = "Echo: " + body["messages"][-1]["content"].splitlines()[0]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {"choices": [{"delta": {"content": reply}}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())

    def log_message(self, *args: object) -> None:
        pass


def test_sentences_are_translated_concurrently_and_in_order(no_network):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        model = OpenAIChat(f"http://127.0.0.1:{server.server_port}/v1", "local", "not-needed", parallel=4)
        texts = [f"Речення номер {n}." for n in range(8)]
        english = LlmTranslator(model, 50).translate(texts, "uk", "en")
        assert english == [f"Echo: {t}" for t in texts]
        assert _SlowEcho.most == 4  # four at a time, not one after another
        assert complete_many(OpenAIChat(model.base_url, "local", "x", parallel=1), [[{"role": "user", "content": "a"}]], 5) == ["Echo: a"]
    finally:
        server.shutdown()
