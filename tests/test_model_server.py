"""An OpenAI-compatible model server (llama-cpp-python's own) on 127.0.0.1.

A 135M model cannot be held to an answer's content, and a test that let a refusal pass proved
nothing: the whole pipeline through a server, answer checked, is tests/test_openai_chat.py's,
against a scripted server. Here: streaming, the schema the server enforces, concurrent requests."""

from __future__ import annotations

import sys

import pytest

from rag.llm.openai_compatible import OpenAIChat
from rag.models import smollm2_path
from tests.servers import free_port, running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_server():
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(smollm2_path()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--n_threads",
        "2",
        "--interrupt_requests",
        "False",
    ]
    with running(command, port, timeout=120):
        yield f"http://127.0.0.1:{port}/v1"


def test_openai_chat_streams(model_server):
    model = OpenAIChat(model_server, "local", "not-needed")
    pieces = list(model.stream([{"role": "user", "content": "Say hello."}], max_tokens=16))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_server_output_is_held_to_the_answer_schema(model_server):
    import json

    from rag.prompting import ANSWER_SCHEMA

    model = OpenAIChat(model_server, "local", "not-needed", schema_format="json_object")
    messages = [{"role": "user", "content": "Passages:\n[1]\n(1) The mill reopened on Saturday.\nQuestion: When did the mill reopen? Reply with JSON."}]
    reply = json.loads("".join(model.stream(messages, max_tokens=400, schema=ANSWER_SCHEMA)))
    assert set(reply) == {"found", "evidence", "answer"} and isinstance(reply["found"], bool)  # a 135M model, held to the shape by the server's grammar
    assert all(isinstance(n, int) for n in reply["evidence"]) and (reply["answer"] is None or isinstance(reply["answer"], str))


def test_many_conversations_through_the_server_keep_their_order(model_server):
    """Concurrent requests (NEWSRAG_LLM_PARALLEL_REQUESTS). llama-cpp-python's server cuts a
    running reply short when another request arrives unless started with --interrupt_requests
    False (found here: three of four replies came back empty), hence the default of 1."""
    from rag.llm.base import complete, complete_many

    model = OpenAIChat(model_server, "local", "not-needed", parallel=4)
    conversations = [[{"role": "user", "content": f"Repeat the number {n}."}] for n in (3, 17, 250, 4096)]
    one_by_one = [complete(model, c, max_tokens=12).strip() for c in conversations]
    assert complete_many(model, conversations, max_tokens=12) == one_by_one
