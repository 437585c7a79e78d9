"""Hybrid retrieval: dense (Chroma, English), BM25 (English, a tantivy index on disk) and
multilingual dense (Chroma, original text), merged by round-robin over the three rankings.
Filters (period, outlets, languages) apply inside each retriever: Chroma's ``where`` and the
lexical index's query.

retriever = HybridRetriever(store, embedder, top_k=4, candidate_k=12, lexical=LexicalIndex(path))
result = retriever.search("Where did Kim and Putin meet?")
"""

from __future__ import annotations

from dataclasses import dataclass

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.indexing import MultilingualIndex
from rag.lexical import LexicalIndex
from rag.types import NO_FILTERS, Chunk, Filters, Preview, ScoredChunk
from rag.vectors import cosine
from vectorstore.store import ChromaStore, day_number


def interleave(ranked_lists: list[list[ScoredChunk]], k: int) -> list[ScoredChunk]:
    """Round-robin over the retrievers' rankings, skipping repeats: each retriever's best
    passages get in, so one retriever's blind spot (a bad translation, a rare word) is
    covered by another. The score is the best rank's reciprocal, 1/(1+rank)."""
    merged: dict[str, ScoredChunk] = {}
    depth = max((len(r) for r in ranked_lists), default=0)
    for rank in range(depth):
        for ranked in ranked_lists:
            if rank < len(ranked) and ranked[rank].chunk.id not in merged:
                merged[ranked[rank].chunk.id] = ScoredChunk(ranked[rank].chunk, round(1.0 / (1 + rank), 4))
            if len(merged) == k:
                return list(merged.values())
    return list(merged.values())


def admits(filters: Filters, chunk: Chunk) -> bool:
    """Whether ``chunk`` is within ``filters`` (the same rule as vectorstore.store.chroma_where)."""
    day = day_number(chunk.date)
    if filters.since and not (day and day >= day_number(filters.since)):
        return False
    if filters.until and not (day and day <= day_number(filters.until)):
        return False
    if filters.languages and chunk.language not in filters.languages:
        return False
    return not filters.outlets or any(o in chunk.outlets for o in filters.outlets)


@dataclass(frozen=True)
class Retrieval:
    hits: list[ScoredChunk]  # fused, best first; score is 1/(1+rank) in the retriever that found it
    best_dense: float  # best cosine similarity of the English dense retriever


@dataclass(frozen=True)
class Rankings:
    """What each retriever found, best first."""

    dense: list[ScoredChunk]  # MiniLM cosine over the English chunks
    lexical: list[ScoredChunk]  # BM25 over the English chunks
    multilingual: list[ScoredChunk]  # e5 cosine over the original passages, question as asked

    def in_fusion_order(self, multilingual_first: bool) -> list[list[ScoredChunk]]:
        """The lists in the order fusion takes its turns from them."""
        return [self.multilingual, self.dense, self.lexical] if multilingual_first else [self.dense, self.lexical, self.multilingual]


class HybridRetriever(BaseRetriever):
    """A LlamaIndex retriever; ``search`` returns typed chunks for the rest of the pipeline."""

    def __init__(self, store: ChromaStore, embedder: BaseEmbedding, top_k: int, candidate_k: int, multilingual: MultilingualIndex | None = None, lexical: LexicalIndex | None = None) -> None:
        super().__init__()
        self.store = store
        self.multilingual = multilingual
        self.lexical = lexical
        self.embedder = embedder
        self.top_k = top_k
        self.candidate_k = candidate_k

    def search(self, question: str, original_question: str | None = None, multilingual_first: bool | None = None, filters: Filters = NO_FILTERS) -> Retrieval:
        """``question`` in English; ``original_question`` as asked, for the multilingual retriever.

        ``multilingual_first``: a question asked in another language reaches the English lists
        only through a machine translation, so the multilingual list leads for it (default:
        when the two questions differ). ``filters``: only passages they admit are ranked."""
        ranked = self.rankings(question, original_question, filters)
        if multilingual_first is None:
            multilingual_first = bool(original_question) and original_question != question
        best_dense = max((h.score for h in ranked.dense), default=0.0)
        return Retrieval(interleave(ranked.in_fusion_order(multilingual_first), self.top_k), best_dense)

    def rankings(self, question: str, original_question: str | None = None, filters: Filters = NO_FILTERS) -> Rankings:
        """Each retriever's ``candidate_k`` best passages, before they are merged."""
        dense = self.store.query(self.embedder.get_query_embedding(question), self.candidate_k, filters)
        multilingual = []
        if self.multilingual is not None:
            vector = self.multilingual.embedder.get_query_embedding(original_question or question)
            multilingual = self.multilingual.store.query(vector, self.candidate_k, filters)
        return Rankings(dense, self.lexical_hits(question, filters), multilingual)

    def lexical_hits(self, question: str, filters: Filters) -> list[ScoredChunk]:
        """BM25's best passages among those ``filters`` admit, from the index on disk."""
        if self.lexical is None:
            return []
        hits = self.lexical.search(question, self.candidate_k, filters)
        chunks = self.store.chunks([h.chunk_id for h in hits])
        # A hit the store lacks is an article whose ingest was cut between the two writes.
        return [ScoredChunk(chunks[h.chunk_id], h.score) for h in hits if h.chunk_id in chunks and admits(filters, chunks[h.chunk_id])]

    def preview(self, question: str, hits: list[ScoredChunk] | None = None, filters: Filters = NO_FILTERS) -> Preview | None:
        """The best passage (of ``hits``, or else of the multilingual retriever queried with the
        question as asked: no translation needed) and its sentence closest to the question,
        ranked by the multilingual embedder (the English one where that retriever is off)."""
        embedder = self.multilingual.embedder if self.multilingual is not None else self.embedder
        query = embedder.get_query_embedding(question)
        if hits is None:
            hits = (self.multilingual.store if self.multilingual is not None else self.store).query(query, 1, filters)
        if not hits:
            return None
        chunk = hits[0].chunk
        pairs = [(english, original) for span, (english, original) in zip(chunk.sentences, chunk.sentence_texts()) if not span.flagged and english.strip()]
        if not pairs:
            return None
        texts = [original if self.multilingual is not None else english for english, original in pairs]
        scores = [cosine(query, vector) for vector in embedder.get_text_embedding_batch(texts)]
        english, original = pairs[max(range(len(pairs)), key=scores.__getitem__)]
        return Preview(chunk.source, chunk.title, chunk.date, chunk.language, " ".join(english.split()), " ".join(original.split()), chunk.outlet, chunk.url)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=TextNode(id_=h.chunk.id, text=h.chunk.text, metadata={"source": h.chunk.source}), score=h.score) for h in self.search(query_bundle.query_str).hits]
