"""The OpenAI-compatible backend against a fake server in this process: retries, the error after
the last try, and the whole pipeline through a server by configuration alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.errors import BackendError
from rag.llm.base import complete
from rag.llm.openai_compatible import OpenAIChat
from rag.prompting import ANSWER_SCHEMA, ANSWER_SYSTEM
from rag.types import Answer
from rag.wiring import build_ingestor, build_pipeline
from tests.servers import fake_chat_server, free_port

HELLO = [{"role": "user", "content": "Say hello."}]


def test_a_server_that_fails_twice_is_tried_again_until_it_answers(no_network):
    statuses = iter([503, 429])

    def reply(body):
        status = next(statuses, 200)
        return status, "Hello." if status == 200 else "busy"

    with fake_chat_server(reply) as (url, received):
        model = OpenAIChat(url, "local", "not-needed", retries=3, retry_wait_s=0.01)
        assert complete(model, HELLO, max_tokens=8) == "Hello."
    assert len(received) == 3


def test_a_server_that_keeps_failing_gives_a_clear_error_after_the_last_try(no_network):
    with fake_chat_server(lambda body: (500, "out of memory")) as (url, received):
        model = OpenAIChat(url, "local", "not-needed", retries=2, retry_wait_s=0.01)
        with pytest.raises(BackendError, match="did not answer after 3 tries") as raised:
            complete(model, HELLO, max_tokens=8)
    assert len(received) == 3
    message = str(raised.value)
    assert url in message and "500" in message and "NEWSRAG_LLM_BASE_URL" in message and "NEWSRAG_LLM_RETRIES" in message


def test_a_server_that_is_not_there_is_tried_again_then_named(no_network):
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(BackendError, match="did not answer after 2 tries") as raised:
        complete(OpenAIChat(url, "local", "not-needed", retries=1, retry_wait_s=0.01), HELLO, max_tokens=8)
    assert url in str(raised.value)


def test_a_request_the_server_refuses_is_not_tried_again(no_network):
    with fake_chat_server(lambda body: (400, "bad schema")) as (url, received):
        with pytest.raises(BackendError, match="answered 400: bad schema"):
            complete(OpenAIChat(url, "local", "not-needed", retries=3, retry_wait_s=0.01), HELLO, max_tokens=8)
    assert len(received) == 1


def _answers_from_the_cosmodrome_sentence(body) -> tuple[int, str]:
    messages = body["messages"]
    if messages[0]["content"] != ANSWER_SYSTEM:
        return 200, "Translation."
    ids = [int(line[1 : line.index(")")]) for line in messages[-1]["content"].splitlines() if line.startswith("(") and "Vostochny" in line]
    return 200, json.dumps({"found": True, "evidence": ids[:1], "answer": "They met at the Vostochny Cosmodrome."})


def test_pipeline_answers_through_a_server_by_configuration_alone(fast_settings, tmp_path: Path, no_network):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "summit.txt").write_text("Leaders meet at the cosmodrome\n\nPutin and Kim Jong Un met at the Vostochny Cosmodrome on Wednesday. They talked for more than an hour.\n", encoding="utf-8")
    with fake_chat_server(_answers_from_the_cosmodrome_sentence) as (url, received):
        settings = fast_settings.model_copy(update={"llm_backend": "openai", "llm_base_url": url, "llm_schema_format": "json_object"})
        build_ingestor(settings).ingest_folder(folder)
        answer = build_pipeline(settings).answer("Where did Putin and Kim Jong Un meet?")
    assert isinstance(answer, Answer) and not answer.refused, answer
    assert answer.text == "They met at the Vostochny Cosmodrome [1]."
    (citation,) = answer.citations
    assert citation.source == "summit.txt" and [e.text for e in citation.evidence] == ["Putin and Kim Jong Un met at the Vostochny Cosmodrome on Wednesday."]
    assert received[-1]["response_format"] == {"type": "json_object", "schema": ANSWER_SCHEMA}
