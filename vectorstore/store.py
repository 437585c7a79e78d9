"""Chroma, and nothing else: a persistent local store by default, a Chroma server by setting.

store = ChromaStore.local(path)            # or ChromaStore.server("127.0.0.1", 8000)
store.add(chunks, embeddings)
hits = store.query(embedding, k=5)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.errors import BackendError
from rag.text import split_sentences
from rag.translation.confidence import LOW_CONFIDENCE
from rag.types import NO_FILTERS, ArticleSummary, Chunk, Copy, Filters, ScoredChunk, SentenceSpan, Signals

_META_FIELDS = ("source", "title", "date", "language", "original_text", "start", "end", "translator", "article_hash", "outlet", "url", "author", "file", "kind")
PAGE = 2000  # chunks read at a time where every chunk is read
TRANSLATED_KEY = "translated"  # of an article stored as written while it is translated: the share done; -1 otherwise


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    # Telemetry off: nothing may reach the network at run time.
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChromaStore:
    """Chunks with their embeddings in one Chroma collection (cosine distance)."""

    def __init__(self, client: Any, collection: str) -> None:
        self._client = client
        self._max_batch: int | None = None
        # embedding_function=None: Chroma's default one downloads a model; we always pass vectors.
        self._collection = client.get_or_create_collection(name=collection, embedding_function=None, metadata={"hnsw:space": "cosine"})

    @classmethod
    def local(cls, path: Path, collection: str = "news_chunks") -> ChromaStore:
        import chromadb

        path.mkdir(parents=True, exist_ok=True)
        return cls(chromadb.PersistentClient(path=str(path), settings=_chroma_settings()), collection)

    @classmethod
    def server(cls, host: str, port: int, collection: str = "news_chunks") -> ChromaStore:
        import chromadb

        try:
            client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
            return cls(client, collection)
        except Exception as error:  # connection errors come in several types across versions
            raise BackendError(
                f"Cannot reach the Chroma server at {host}:{port} ({error}). Start it with `chroma run --host {host} --port {port} --path DATA_DIR` or unset NEWSRAG_CHROMA_HOST."
            ) from error

    def sibling(self, collection: str) -> ChromaStore:
        """Another collection on the same client (local folder or server)."""
        return ChromaStore(self._client, collection)

    # Writing.
    def add(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        # Chroma refuses a batch larger than its maximum (5,461 records here): a long file is sent in parts.
        step = self._batch_size()
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            self._collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                embeddings=[list(map(float, e)) for e in embeddings[i : i + step]],
                metadatas=[_metadata(c) for c in part],
            )

    def delete(self, ids: Sequence[str]) -> None:
        step = self._batch_size()
        for i in range(0, len(ids), step):
            self._collection.delete(ids=list(ids[i : i + step]))

    def _batch_size(self) -> int:
        # Asked once: on a Chroma server each call is a request.
        if self._max_batch is None:
            self._max_batch = max(1, min(1000, int(self._client.get_max_batch_size())))
        return self._max_batch

    def delete_source(self, source: str) -> int:
        ids = self.ids_for_source(source)
        self.delete(ids)
        return len(ids)

    def set_outlets(self, source: str, outlets: Sequence[str]) -> None:
        """Records every outlet that carried an article on its chunks (a copy found later), so a
        question limited to one of them finds it."""
        got = self._collection.get(where={"source": source}, include=["metadatas"])
        if got["ids"] and outlets:
            self._collection.update(ids=got["ids"], metadatas=[{**m, "outlets": list(outlets)} for m in got["metadatas"]])

    def set_translated(self, source: str, share: float) -> None:
        """Records how much of an article stored as written is translated so far (0..1), for
        the articles panel of any process reading this store."""
        got = self._collection.get(where={"source": source}, include=["metadatas"])
        if got["ids"]:
            self._collection.update(ids=got["ids"], metadatas=[{**m, TRANSLATED_KEY: round(share, 3)} for m in got["metadatas"]])

    # Reading.
    def count(self) -> int:
        return self._collection.count()

    def ids_for_source(self, source: str) -> list[str]:
        return list(self._collection.get(where={"source": source}, include=[])["ids"])

    def article_hashes(self) -> dict[str, str]:
        """source -> content hash of the stored version."""
        return {m["source"]: m["article_hash"] for got in self._records(["metadatas"]) for m in got["metadatas"] or []}

    def article_files(self) -> dict[str, str]:
        """source -> the file it was read from (under the ingested folder)."""
        return {str(m["source"]): str(m.get("file") or m["source"]) for got in self._records(["metadatas"]) for m in got["metadatas"] or []}

    def all_chunks(self) -> list[Chunk]:
        return _chunks(self._collection.get(include=["documents", "metadatas"]))

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """id -> chunk for those of ``ids`` that are stored."""
        if not ids:
            return {}
        return {c.id: c for c in _chunks(self._collection.get(ids=list(ids), include=["documents", "metadatas"]))}

    def chunks_of(self, source: str) -> list[Chunk]:
        return _chunks(self._collection.get(where={"source": source}, include=["documents", "metadatas"]))

    def pages(self, size: int = PAGE) -> Iterator[list[Chunk]]:
        """Every chunk, ``size`` at a time: memory bounded by the page, not the store."""
        for got in self._records(["documents", "metadatas"], size):
            yield _chunks(got)

    def _records(self, include: list[str], size: int = PAGE) -> Iterator[Any]:
        """Chroma ``get`` results of every record, ``size`` at a time."""
        for offset in range(0, self.count(), size):
            got = self._collection.get(limit=size, offset=offset, include=include)
            if not got["ids"]:
                return
            yield got

    def summary_for(self, source: str) -> ArticleSummary:
        return _summaries([self._collection.get(where={"source": source}, include=["documents", "metadatas"])])[0]

    def summaries(self) -> list[ArticleSummary]:
        return _summaries(self._records(["documents", "metadatas"]))

    def query(self, embedding: Sequence[float], k: int, filters: Filters = NO_FILTERS) -> list[ScoredChunk]:
        """The ``k`` chunks nearest ``embedding`` among those ``filters`` admit (Chroma's ``where``)."""
        n = min(k, self.count())
        if n == 0:
            return []
        where = chroma_where(filters)
        got = self._collection.query(query_embeddings=[list(map(float, embedding))], n_results=n, where=where, include=["documents", "metadatas", "distances"])
        return [ScoredChunk(_chunk(i, d, m), 1.0 - float(dist)) for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])]


def day_number(date: str | None) -> int:
    """YYYYMMDD of an ISO date as a number Chroma can compare; 0 for none."""
    if not date or len(date) < 10 or not date[:4].isdigit():
        return 0
    try:
        return int(date[:10].replace("-", ""))
    except ValueError:
        return 0


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    """Chroma's ``where`` for ``filters``; None for no limit."""
    clauses: list[dict[str, Any]] = []
    if filters.since:
        clauses.append({"day": {"$gte": day_number(filters.since)}})
    if filters.until:
        clauses.append({"day": {"$lte": day_number(filters.until)}})
    if filters.since or filters.until:
        clauses.append({"day": {"$gt": 0}})  # an article with no date is in no period
    if filters.languages:
        clauses.append({"language": {"$in": list(filters.languages)}})
    if filters.outlets:
        contains = [{"outlets": {"$contains": o}} for o in filters.outlets]
        clauses.append(contains[0] if len(contains) == 1 else {"$or": contains})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _chunks(got: Any) -> list[Chunk]:
    """The chunks of a Chroma ``get`` that included documents and metadatas."""
    return [_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]


def _summaries(pages: Iterable[Any]) -> list[ArticleSummary]:
    """One summary per article of the Chroma ``get`` results in ``pages``; memory grows with the
    articles, not with their chunks."""
    first: dict[str, Chunk] = {}
    counts: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    translators: dict[str, set[str]] = {}
    translated: dict[str, float] = {}
    for got in pages:
        for c, m in zip(_chunks(got), got["metadatas"]):
            first.setdefault(c.source, c)
            counts[c.source] += 1
            flagged[c.source] += sum(s.flagged for s in c.sentences)
            translators.setdefault(c.source, set()).update(c.translator.split("+"))
            if m.get(TRANSLATED_KEY, -1) >= 0:
                translated[c.source] = float(m[TRANSLATED_KEY])
    return [
        ArticleSummary(
            source=s,
            title=c.title,
            date=c.date,
            language=c.language,
            translator="+".join(sorted(translators[s])),
            chunks=counts[s],
            flagged=flagged[s],
            translated=translated.get(s),
            outlet=c.outlet,
            url=c.url,
            author=c.author,
            kind=c.kind,
            copies=max(0, len(c.outlets) - 1),
        )
        for s, c in sorted(first.items())
    ]


def _catalog_entry(bands: Sequence[str], signature: Sequence[int], copy: Copy, duplicate_of: str = "") -> dict[str, Any]:
    meta: dict[str, Any] = {f"band{i}": b for i, b in enumerate(bands)}
    meta.update(signature=json.dumps(list(map(int, signature))), outlet=copy.outlet or "", url=copy.url or "", date=copy.date or "", duplicate_of=duplicate_of)
    return meta


def _metadata(chunk: Chunk) -> dict[str, Any]:
    # Chroma metadata values cannot be None, nor lists of lists: the alignment is JSON.
    meta = {f: ("" if getattr(chunk, f) is None else getattr(chunk, f)) for f in _META_FIELDS}
    meta[TRANSLATED_KEY] = -1.0  # not being translated (Chroma keeps a key an upsert leaves out)
    meta["day"] = day_number(chunk.date)
    if chunk.outlets:
        meta["outlets"] = list(chunk.outlets)
    meta["sentences"] = json.dumps([[s.start, s.end, s.original_start, s.original_end, s.flagged, s.confidence, s.doubtful, s.signals.vector() if s.signals else None] for s in chunk.sentences])
    return meta


def _sentences(document: str, original: str, raw: Any) -> tuple[SentenceSpan, ...]:
    if raw:
        return tuple(_span(*span) for span in json.loads(raw))
    # Stored before the alignment existed: each English sentence stands for the whole original.
    return tuple(SentenceSpan(s, e, 0, len(original)) for s, e in split_sentences(document))


def _span(
    start: int, end: int, original_start: int, original_end: int, flagged: bool = False, confidence: float = 1.0, doubtful: bool | None = None, signals: list[float] | None = None
) -> SentenceSpan:
    """A stored span; one stored before layout 7 is doubtful as its confidence says."""
    doubt = confidence < LOW_CONFIDENCE if doubtful is None else doubtful
    read = Signals(*signals[:4], int(signals[4])) if signals else None
    return SentenceSpan(start, end, original_start, original_end, flagged, confidence, doubt, read)


def _chunk(chunk_id: str, document: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        source=str(meta["source"]),
        title=str(meta["title"]),
        date=str(meta["date"]) or None,
        language=str(meta["language"]),
        text=document,
        original_text=str(meta["original_text"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        translator=str(meta["translator"]),
        article_hash=str(meta["article_hash"]),
        sentences=_sentences(document, str(meta["original_text"]), meta.get("sentences")),
        outlet=str(meta.get("outlet") or "") or None,
        url=str(meta.get("url") or "") or None,
        author=str(meta.get("author") or "") or None,
        file=str(meta.get("file") or meta["source"]),
        kind=str(meta.get("kind") or "text"),
        outlets=tuple(meta.get("outlets") or ()),
    )


class ArticleCatalog:
    """One record per article in a Chroma collection of its own: the MinHash bands that find
    near-duplicate stories at ingest, and the copies (other outlets) of an article stored once.
    Works the same on a local store and a Chroma server.

    catalog = ArticleCatalog(store, "news_chunks_articles")
    catalog.put(source, bands, signature, outlet, url, date)
    catalog.candidates(bands)  # sources sharing a band
    """

    def __init__(self, store: ChromaStore, collection: str) -> None:
        self._collection = store._client.get_or_create_collection(name=collection, embedding_function=None)

    def put(self, source: str, bands: Sequence[str], signature: Sequence[int], copy: Copy, duplicate_of: str = "") -> None:
        # Chroma wants a vector on every record; this collection is searched by metadata only.
        self._collection.upsert(ids=[source], embeddings=[[1.0]], metadatas=[_catalog_entry(bands, signature, copy, duplicate_of)])

    def put_many(self, entries: dict[str, tuple[Sequence[str], Sequence[int], Copy]]) -> None:
        """Several originals recorded in one write: source -> (bands, signature, copy)."""
        sources = list(entries)
        for i in range(0, len(sources), 1000):
            part = sources[i : i + 1000]
            self._collection.upsert(ids=part, embeddings=[[1.0]] * len(part), metadatas=[_catalog_entry(*entries[s]) for s in part])

    def candidates(self, bands: Sequence[str]) -> dict[str, list[int]]:
        """source -> signature of every stored original (not a copy) that shares a band."""
        if not bands or self._collection.count() == 0:
            return {}
        clauses = [{f"band{i}": b} for i, b in enumerate(bands)]
        where = {"$and": [{"duplicate_of": ""}, {"$or": clauses} if len(clauses) > 1 else clauses[0]]}
        got = self._collection.get(where=where, include=["metadatas"])
        return {i: json.loads(m["signature"]) for i, m in zip(got["ids"], got["metadatas"])}

    def duplicate_of(self, source: str) -> str | None:
        got = self._collection.get(ids=[source], include=["metadatas"])
        return str(got["metadatas"][0]["duplicate_of"]) or None if got["ids"] else None

    def copies_of(self, sources: Sequence[str]) -> dict[str, list[Copy]]:
        """source -> the copies recorded for it (other outlets' versions of the story)."""
        if not sources:
            return {}
        got = self._collection.get(where={"duplicate_of": {"$in": list(sources)}}, include=["metadatas"])
        out: dict[str, list[Copy]] = {}
        for i, m in sorted(zip(got["ids"], got["metadatas"])):
            out.setdefault(str(m["duplicate_of"]), []).append(Copy(i, str(m["outlet"]) or None, str(m["url"]) or None, str(m["date"]) or None))
        return out

    def outlet_of(self, source: str) -> str | None:
        got = self._collection.get(ids=[source], include=["metadatas"])
        return (str(got["metadatas"][0]["outlet"]) or None) if got["ids"] else None

    def delete(self, source: str) -> list[str]:
        """Forgets ``source``; its copies become stories of their own again (their sources
        returned, to be ingested anew)."""
        orphans = list(self._collection.get(where={"duplicate_of": source}, include=[])["ids"])
        self._collection.delete(ids=[source, *orphans])
        return orphans

    def outlets(self) -> list[str]:
        got = self._collection.get(include=["metadatas"])
        return sorted({str(m["outlet"]) for m in got["metadatas"] or [] if m.get("outlet")})
