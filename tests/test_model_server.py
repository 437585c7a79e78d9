"""An OpenAI-compatible model server (llama-cpp-python's own) on 127.0.0.1, by configuration alone."""

from __future__ import annotations

import sys

import pytest

from rag.llm import OpenAIChat
from rag.models import smollm2_path
from rag.types import Answer
from rag.wiring import build_ingestor, build_pipeline
from tests.servers import free_port, running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_server():
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    with running(command, port, timeout=120):
        yield f"http://127.0.0.1:{port}/v1"


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
