"""Embeddings from an OpenAI-compatible /v1/embeddings server, chosen by settings: a fake server in
this process stands in for vLLM, llama.cpp's server or TEI. The vectors are a hashed bag of words,
so ranking is real."""

from __future__ import annotations

import pytest

from rag.embedding import HashEmbedding, OpenAIEmbedding
from rag.errors import BackendError, ConfigError
from rag.wiring import build_ingestor, build_pipeline
from tests.conftest import SEEDS
from tests.servers import fake_embedding_server, free_port

HASH = HashEmbedding()


def hashed(body):  # type: ignore[no-untyped-def]
    return 200, [HASH.get_text_embedding(text.removeprefix("query: ").removeprefix("passage: ")) for text in body["input"]]


def test_both_embedders_on_a_server_ingest_and_answer_by_settings_alone(fast_settings):
    with fake_embedding_server(hashed) as (url, received):
        settings = fast_settings.model_copy(update={"embedder": "openai", "original_embedder": "openai", "embed_base_url": url, "embed_batch_size": 16})
        build_ingestor(settings).ingest_folder(SEEDS)
        answer = build_pipeline(settings).answer("Where did Putin and Kim Jong Un meet?")
    assert answer.citations and not answer.refused
    models = {body["model"] for body in received}
    assert models == {"sentence-transformers/all-MiniLM-L6-v2", "intfloat/multilingual-e5-small"}
    assert max(len(body["input"]) for body in received) == 16  # embedded in batches of embed_batch_size
    multilingual = [text for body in received if body["model"] == "intfloat/multilingual-e5-small" for text in body["input"]]
    english = [text for body in received if body["model"] != "intfloat/multilingual-e5-small" for text in body["input"]]
    assert all(t.startswith(("query: ", "passage: ")) for t in multilingual) and "query: Where did Putin and Kim Jong Un meet?" in multilingual
    assert not any(t.startswith(("query: ", "passage: ")) for t in english)


def test_a_busy_server_is_tried_again_and_a_missing_one_is_a_clear_error():
    calls = []

    def busy_twice(body):  # type: ignore[no-untyped-def]
        calls.append(body)
        return (503, []) if len(calls) <= 2 else hashed(body)

    with fake_embedding_server(busy_twice) as (url, _):
        embedder = OpenAIEmbedding(base_url=url, model_name="m", retries=3, retry_wait_s=0.01)
        assert embedder.get_text_embedding_batch(["one", "two"]) == [HASH.get_text_embedding("one"), HASH.get_text_embedding("two")]
    assert len(calls) == 3

    gone = OpenAIEmbedding(base_url=f"http://127.0.0.1:{free_port()}/v1", model_name="m", retries=1, retry_wait_s=0.01)
    with pytest.raises(BackendError, match="did not answer after 2 tries.*NEWSRAG_EMBED_BASE_URL"):
        gone.get_query_embedding("anything")


def test_an_openai_embedder_without_a_server_is_a_config_error(fast_settings):
    with pytest.raises(ConfigError, match="NEWSRAG_EMBED_BASE_URL"):
        build_ingestor(fast_settings.model_copy(update={"embedder": "openai"}))
