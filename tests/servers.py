"""Starting a real server process on 127.0.0.1 for a test, and stopping it."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(command: Sequence[str], port: int, timeout: float) -> Iterator[None]:
    """Runs ``command`` until the block ends; fails the test if it does not listen on ``port`` in time."""
    process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"{command[0]} exited early with status {process.returncode}")
                if time.monotonic() > deadline:
                    pytest.fail(f"{command[0]} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")
                time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on 127.0.0.1 in a thread of this process until the block ends; yields its /v1 address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()


# What a fake server answers to a request body: an HTTP status and, for 200, the reply's text.
Reply = Callable[[dict[str, Any]], tuple[int, str]]


@contextmanager
def fake_chat_server(reply: Reply) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An OpenAI-compatible chat server on 127.0.0.1 (in this process) that answers every request
    with ``reply(body)``, the text streamed as one server-sent event. Yields its /v1 address and
    the list of request bodies it received."""
    received: list[dict[str, Any]] = []

    class Handler(_Quiet):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            status, text = reply(body)
            self.send_response(status)
            if status != 200:
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(text.encode())
                return
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            chunk = {"choices": [{"delta": {"content": text}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())

    with _serving(Handler) as url:
        yield url, received


# What a fake embedding server answers to a request body: an HTTP status and, for 200, the vectors.
EmbedReply = Callable[[dict[str, Any]], tuple[int, list[list[float]]]]


@contextmanager
def fake_embedding_server(reply: EmbedReply) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An OpenAI-compatible /v1/embeddings server on 127.0.0.1 (in this process) answering every
    request with ``reply(body)``. Yields its /v1 address and the request bodies it received."""
    received: list[dict[str, Any]] = []

    class Handler(_Quiet):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            status, vectors = reply(body)
            payload = {"object": "list", "model": body.get("model"), "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]}
            text = json.dumps(payload) if status == 200 else "busy"
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
            self.end_headers()
            self.wfile.write(text.encode())

    with _serving(Handler) as url:
        yield url, received
