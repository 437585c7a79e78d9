"""The lexical (BM25) index of the English chunks: a tantivy index on disk, updated one article
at a time, read by any process that opens the same folder.

    index = LexicalIndex(data_dir / "lexical" / "news_chunks")
    index.replace("a.txt", chunks)       # the article's chunks, added or replacing its old ones
    index.delete("a.txt")                # on prune
    hits = index.search("Where did they meet?", k=12, filters=Filters(languages=("uk",)))

Filters (period, outlets, languages) are part of the query, so BM25 ranks only what they admit.
A search first picks up what other processes committed since the last one (``Index.reload``:
it reads the index's meta file, no document). Nothing is ever rebuilt for a question; a store
written before this index existed is indexed once by ``newsrag-ingest`` (``Ingestor.sync_lexical``).
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import BackendError
from rag.types import NO_FILTERS, Chunk, Filters
from vectorstore.store import day_number

VERSION = 1  # of the schema below; a folder written with another is indexed anew
VERSION_FILE = "newsrag-lexical.json"
_WORD = re.compile(r"\w+")
ANALYZER = "newsrag_en"  # registered on the index each time it is opened (tantivy does not store it)
_WRITER_HEAP = 15_000_000  # bytes: tantivy's smallest indexing budget for one thread
_LOCK_WAIT_S = 60.0  # another process's writer holds the lock for one article at a time


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float  # BM25


def _analyzer() -> Any:
    """Words, lower-cased, English stop words out (as LlamaIndex's BM25 retriever did), stemmed."""
    import tantivy

    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
    return builder.filter(tantivy.Filter.stopword("english")).filter(tantivy.Filter.stemmer("english")).build()


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("source", stored=False, tokenizer_name="raw")
    builder.add_text_field("text", stored=False, tokenizer_name=ANALYZER)
    builder.add_integer_field("day", stored=False, indexed=True, fast=True)  # YYYYMMDD, 0 for none
    builder.add_text_field("language", stored=False, tokenizer_name="raw")
    builder.add_text_field("outlets", stored=False, tokenizer_name="raw")  # one value per outlet
    return builder.build()


class LexicalIndex:
    """BM25 over the English text of every chunk, persistent and incremental (tantivy)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: Any = None
        self._lock = threading.Lock()  # one writer per process; tantivy's lock file covers other processes

    def _open(self) -> Any:
        if self._index is None:
            import tantivy

            version = self.path / VERSION_FILE
            if self.path.exists() and (not version.is_file() or json.loads(version.read_text(encoding="utf-8")).get("version") != VERSION):
                shutil.rmtree(self.path)  # another schema: indexed anew from the store by the next ingest
            self.path.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(_schema(), path=str(self.path), reuse=True)
            self._index.register_tokenizer(ANALYZER, _analyzer())
            if not version.is_file():
                version.write_text(json.dumps({"version": VERSION}), encoding="utf-8")
        return self._index

    # Writing: one commit per call, so a killed process leaves whole articles or none.
    def replace(self, source: str, chunks: Sequence[Chunk]) -> None:
        """``source``'s chunks become exactly ``chunks`` (none: the article is gone)."""
        self._commit({source: chunks}, replace=True)

    def replace_many(self, articles: dict[str, Sequence[Chunk]]) -> None:
        """Several articles replaced in one commit (a bulk load)."""
        self._commit(articles, replace=True)

    def delete(self, source: str) -> None:
        self._commit({source: ()}, replace=True)

    def rebuild(self, pages: Iterable[Sequence[Chunk]]) -> int:
        """Every document dropped, then ``pages`` of chunks indexed: a maintenance step for a
        store written before this index (or after it was lost), never part of a question."""
        self._commit({}, replace=False, clear=True)
        count = 0
        for page in pages:
            # A page may hold part of an article and the next page the rest: nothing is deleted.
            self._commit({"": page}, replace=False)
            count += len(page)
        return count

    def _commit(self, articles: dict[str, Sequence[Chunk]], replace: bool, clear: bool = False) -> None:
        import tantivy

        with self._lock:
            writer = self._writer()
            try:
                if clear:
                    writer.delete_all_documents()
                for source, chunks in articles.items():
                    if replace:
                        writer.delete_documents_by_term("source", source)
                    for chunk in chunks:
                        doc = tantivy.Document()
                        doc.add_text("id", chunk.id)
                        doc.add_text("source", chunk.source)
                        doc.add_text("text", chunk.text)
                        doc.add_integer("day", day_number(chunk.date))
                        doc.add_text("language", chunk.language)
                        for outlet in chunk.outlets or ((chunk.outlet,) if chunk.outlet else ()):
                            doc.add_text("outlets", outlet)
                        writer.add_document(doc)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # releases the lock file for other processes

    def _writer(self) -> Any:
        """The index's writer; waits while another process holds it (one article's commit)."""
        deadline = time.monotonic() + _LOCK_WAIT_S
        while True:
            try:
                return self._open().writer(heap_size=_WRITER_HEAP, num_threads=1)
            except ValueError as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise BackendError(f"Cannot write the lexical index at {self.path} ({error}). Another newsrag-ingest may be running on the same data folder: wait for it, or stop it.") from error
                time.sleep(0.1)

    # Reading.
    def count(self) -> int:
        index = self._open()
        index.reload()
        return int(index.searcher().num_docs)

    def search(self, question: str, k: int, filters: Filters = NO_FILTERS) -> list[LexicalHit]:
        """The ``k`` best chunks by BM25 among those ``filters`` admit, best first."""
        words = _WORD.findall(question.lower())
        if not words or k <= 0:
            return []
        import tantivy

        index = self._open()
        index.reload()  # what other processes committed since
        query = index.parse_query(" ".join(words), ["text"])  # the words, any of them (no query syntax)
        clauses = [(tantivy.Occur.Must, query)] + [(tantivy.Occur.Must, q) for q in _filter_queries(index.schema, filters)]
        searcher = index.searcher()
        found = searcher.search(tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else query, k)
        return [LexicalHit(searcher.doc(address)["id"][0], float(score)) for score, address in found.hits if score > 0]


def _filter_queries(schema: Any, filters: Filters) -> list[Any]:
    """tantivy queries for ``filters``: the same rule as vectorstore.store.chroma_where."""
    import tantivy

    out = []
    if filters.since or filters.until:
        low = max(1, day_number(filters.since)) if filters.since else 1  # an article with no date is in no period
        high = day_number(filters.until) if filters.until else 99_991_231
        out.append(tantivy.Query.range_query(schema, "day", tantivy.FieldType.Integer, low, high, include_lower=True, include_upper=True))
    if filters.languages:
        out.append(tantivy.Query.term_set_query(schema, "language", list(filters.languages)))
    if filters.outlets:
        out.append(tantivy.Query.term_set_query(schema, "outlets", list(filters.outlets)))
    return out
