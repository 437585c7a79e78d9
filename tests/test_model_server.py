"""An OpenAI-compatible model server (llama-cpp-python's own) on 127.0.0.1, by configuration alone."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from rag.llm import OpenAIChat
from rag.models import smollm2_path
from rag.types import Answer
from rag.wiring import build_ingestor, build_pipeline

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def model_server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("llama_cpp.server exited early")
                time.sleep(0.5)
        else:
            pytest.fail("model server did not start in 120 s")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_openai_chat_streams(model_server):
    model = OpenAIChat(model_server, "local", "not-needed")
    pieces = list(model.stream([{"role": "user", "content": "Say hello."}], max_tokens=16))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_pipeline_answers_through_server(fast_settings, seeds_copy, model_server, no_network):
    settings = fast_settings.model_copy(update={"llm_backend": "openai", "llm_base_url": model_server})
    build_ingestor(settings).ingest_folder(seeds_copy)
    pipeline = build_pipeline(settings)
    items = list(pipeline.stream("Where did Putin and Kim Jong Un meet?"))
    assert isinstance(items[-1], Answer)
    assert "".join(i for i in items if isinstance(i, str)).strip()  # the server generated text
    assert all(1 <= c.number <= settings.top_k for c in items[-1].citations)
