"""Small vector arithmetic shared by retrieval, answering and the translation confidence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norm = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b)) or 1.0
    return sum(x * y for x, y in zip(a, b)) / norm


def similarities(embedder: BaseEmbedding, queries: Sequence[str], texts: Sequence[str]) -> list[list[float]]:
    """For each query, its cosine with each text (queries embedded as queries, texts as passages)."""
    vectors = embedder.get_text_embedding_batch(list(texts))
    query_vectors = [embedder.get_query_embedding(q) for q in queries]
    return [[cosine(q, v) for v in vectors] for q in query_vectors]
