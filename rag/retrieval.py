"""Hybrid retrieval over the English chunks: dense (Chroma) plus BM25, fused by reciprocal rank.

    retriever = HybridRetriever(store, embedder, top_k=4, candidate_k=12)
    result = retriever.search("Where did Kim and Putin meet?")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.types import Chunk, ScoredChunk
from vectorstore.store import ChromaStore

RRF_K = 60  # the usual reciprocal-rank-fusion constant


@dataclass(frozen=True)
class Retrieval:
    hits: list[ScoredChunk]  # fused, best first; score is the fused score
    best_dense: float  # best cosine similarity of the dense retriever


class HybridRetriever(BaseRetriever):
    """A LlamaIndex retriever; ``search`` returns typed chunks for the rest of the pipeline."""

    def __init__(self, store: ChromaStore, embedder: BaseEmbedding, top_k: int, candidate_k: int) -> None:
        super().__init__()
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.candidate_k = candidate_k
        self._bm25: Any = None
        self._bm25_count = -1
        self._chunks: dict[str, Chunk] = {}

    def _lexical(self) -> Any:
        # Rebuilt when the store changed size: cheap for thousands of chunks.
        count = self.store.count()
        if self._bm25 is None or count != self._bm25_count:
            from llama_index.retrievers.bm25 import BM25Retriever

            chunks = self.store.all_chunks()
            self._chunks = {c.id: c for c in chunks}
            nodes = [TextNode(id_=c.id, text=c.text) for c in chunks]
            self._bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(self.candidate_k, len(nodes)), language="english") if nodes else None
            self._bm25_count = count
        return self._bm25

    def search(self, question: str) -> Retrieval:
        dense = self.store.query(self.embedder.get_query_embedding(question), self.candidate_k)
        bm25 = self._lexical()
        lexical = bm25.retrieve(question) if bm25 is not None else []
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        for rank, hit in enumerate(dense):
            fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks[hit.chunk.id] = hit.chunk
        for rank, node in enumerate(lexical):
            if node.score is not None and node.score <= 0:
                continue  # no query word in common
            fused[node.node.node_id] = fused.get(node.node.node_id, 0.0) + 1.0 / (RRF_K + rank + 1)
            chunks.setdefault(node.node.node_id, self._chunks[node.node.node_id])
        ranked = sorted(fused.items(), key=lambda item: item[1], reverse=True)[: self.top_k]
        best_dense = max((h.score for h in dense), default=0.0)
        return Retrieval([ScoredChunk(chunks[i], s) for i, s in ranked], best_dense)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [
            NodeWithScore(node=TextNode(id_=h.chunk.id, text=h.chunk.text, metadata={"source": h.chunk.source}), score=h.score)
            for h in self.search(query_bundle.query_str).hits
        ]
