"""Ingestion: read, identify, translate, chunk, embed and store articles.

    ingestor = Ingestor(store, embedder, translation, chunk_chars=600)
    summaries = ingestor.ingest_folder(Path("seeds"), prune=True)

Chunk ids come from content, so a second run stores nothing new and embeds nothing; an
article whose file changed replaces its chunks only after the new ones are stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag import duplicates
from rag.chunking import PENDING, TranslatedSentence, chunk_article, stored_hash
from rag.errors import ArticleError, NewsRagError
from rag.languages import detect, detect_paragraph
from rag.lexical import LexicalIndex
from rag.loading import MAX_ARTICLE_BYTES, ParsedArticle
from rag.queue import QueuedArticle, TranslationQueue
from rag.readahead import read_ahead
from rag.readers import ARCHIVE_SUFFIXES, STREAMED_SUFFIXES, Blob, Limits, Skipped, file_blob, read_blob, walk
from rag.readers.archive import zip_blobs
from rag.screening import flag_paragraph
from rag.text import split_sentences
from rag.translation.base import Translation
from rag.translation.cache import CachedTranslation
from rag.translation.confidence import confidences
from rag.translation.faithfulness import assess
from rag.types import Article, ArticleSummary, Chunk, Copy, Paragraph, Signals
from vectorstore.store import ArticleCatalog, ChromaStore

TARGET_LANGUAGE = "en"
UNTRANSLATED = "none"  # the translator name of a sentence stored as written
QUEUED_NOTE = "queued for translation: searchable in its own language until then (`newsrag-translate`, or the chat when idle, translates it)."

# on_step(source, step, done, total): step is "read", "translate", "embed" or "store".
StepCallback = Callable[[str, str, int, int], None]


def _no_progress(source: str, step: str, done: int, total: int) -> None:
    return None


def identify(parsed: ParsedArticle, file: str = "") -> Article:
    """Language of the article and of each paragraph; the provenance carried over."""
    body = "\n".join(p.text for p in parsed.paragraphs)
    language = detect(body).language
    paragraphs = tuple(Paragraph(p.text, p.start, p.end, detect_paragraph(p.text, language)) for p in parsed.paragraphs)
    return Article(parsed.source, parsed.title, parsed.date, language, paragraphs, parsed.content_hash, parsed.outlet, parsed.url, parsed.author, file or parsed.source, parsed.kind)


@dataclass(frozen=True)
class MultilingualIndex:
    """Each chunk's original-language passage, embedded by a multilingual model in its own collection."""

    store: ChromaStore
    embedder: BaseEmbedding


@dataclass
class _Batch:
    """Articles waiting to be embedded and written together (Ingestor.batched), with what
    follows their write: their entries in the duplicate catalogue and the translation queue."""

    articles: dict[str, tuple[list[Chunk], StepCallback]] = field(default_factory=dict)
    catalogued: dict[str, tuple[list[str], list[int], Copy]] = field(default_factory=dict)
    queued: list[tuple[ParsedArticle, str]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source -> why its write failed

    def chunks(self) -> int:
        return sum(len(chunks) for chunks, _ in self.articles.values())


# What reading one file gives: its articles, and a failed summary for each part that could not be read.
ReadItems = list[ParsedArticle | ArticleSummary]


@dataclass
class Ingestor:
    store: ChromaStore
    embedder: BaseEmbedding
    translation: CachedTranslation
    chunk_chars: int
    overlap: int = 0
    multilingual: MultilingualIndex | None = None
    catalog: ArticleCatalog | None = None  # near-duplicate detection; None: every article stored
    max_article_bytes: int = MAX_ARTICLE_BYTES
    limits: Limits | None = None  # bounds on files, exports and zips (max_article_bytes applies)
    searchable_before_translated: bool = True  # store an article as written before translating it
    reject_below: float = 0.0  # a translation less confident than this is not kept (rag.translation.confidence)
    lexical: LexicalIndex | None = None  # BM25 over the English chunks, on disk; None: not kept
    queue: TranslationQueue | None = None  # articles stored as written, waiting for translation (rag.background)
    defer_translation: bool = False  # with a queue: store as written and queue, instead of translating now; English chunks' multilingual vectors are queued too
    english_originals: bool = True  # False: English chunks get no multilingual vector (faster English ingest)
    batch_chunks: int = 1  # a folder's articles embedded and written this many chunks at a time (1: one article at a time)
    read_workers: int = 0  # threads that read and parse a folder's files ahead of the embedding (0: none)
    _batch: _Batch | None = field(default=None, init=False, repr=False)

    def _stores(self) -> list[ChromaStore]:
        return [self.store] + ([self.multilingual.store] if self.multilingual else [])

    def stored_hashes(self) -> dict[str, str]:
        """source -> content hash, for articles complete in every collection. The multilingual
        collection is written before the main one, so an article in the main one only (English,
        with ``english_originals`` off, or its multilingual vectors queued) is complete too."""
        stored = self.store.article_hashes()
        if self.multilingual:
            other = self.multilingual.store.article_hashes()
            main_only = not self.english_originals or self._queues_originals()
            stored = {k: v for k, v in stored.items() if other.get(k, v if main_only else None) == v}
        return stored

    def _queues_originals(self) -> bool:
        """English chunks get their multilingual vectors from the queue's worker, not the ingest
        (with ``defer_translation``): an English archive is searchable sooner (MiniLM and BM25
        find it; questions in other languages are translated), e5 follows in the background."""
        return self.defer_translation and self.queue is not None and self.english_originals and self.multilingual is not None

    def read_limits(self) -> Limits:
        return replace(self.limits or Limits(), max_article_bytes=self.max_article_bytes)

    def ingest_folder(self, folder: Path, prune: bool = False, on_step: StepCallback = _no_progress) -> list[ArticleSummary]:
        """Every article under ``folder`` (recursively, zips, feeds and exports included); with
        ``prune``, stored articles whose file is gone are removed. A file that fails keeps what
        was stored of it."""
        if not folder.exists():
            raise FileNotFoundError(f"{folder} is neither a folder of articles nor an article file.")
        self.sync_lexical()
        stored = self.stored_hashes()
        summaries: list[ArticleSummary] = []
        seen_files: set[str] = set()
        with self.batched() as failed:
            for item, read in read_ahead(walk(folder, self.read_limits()), self._read, self.read_workers):
                if isinstance(item, Skipped):
                    seen_files.add(_file_of(item.source))
                    summaries.append(_failed(item.source, item.reason))
                    continue
                seen_files.add(item.file)
                summaries.extend(self.ingest_blob(item, stored, on_step, read))
        summaries = _with_failures(summaries, failed)
        if prune:
            summaries.extend(self.prune(seen_files))
        return summaries

    def sync_lexical(self, rebuild: bool = False) -> int:
        """Indexes every stored chunk in the lexical index when it is empty but the store is not
        (a store written before it, or an index folder lost), or when ``rebuild``; returns the
        chunks indexed. Read a page at a time: memory does not grow with the store."""
        if self.lexical is None or not (rebuild or (self.lexical.count() == 0 and self.store.count() > 0)):
            return 0
        return self.lexical.rebuild(self.store.pages())

    def prune(self, present_files: set[str]) -> list[ArticleSummary]:
        """Removes stored articles whose file is not among ``present_files``."""
        out = []
        for source, file in sorted(self.store.article_files().items()):
            if file in present_files:
                continue
            if self.lexical:
                self.lexical.delete(source)
            if self.queue:
                self.queue.remove(source)
            removed = self.store.delete_source(source)
            if self.multilingual:
                self.multilingual.store.delete_source(source)
            if self.catalog:
                self.catalog.delete(source)
            out.append(ArticleSummary(source, "", None, "", "", removed, status="pruned"))
        return out

    @contextmanager
    def batched(self) -> Iterator[dict[str, str]]:
        """Within it, stored articles are embedded and written together, ``batch_chunks`` chunks
        at a time (a few large calls to the embedders, Chroma and the lexical index instead of
        several small ones per article); all is written when it ends. Yields source -> reason
        for the articles whose write failed, filled by the end: their summaries said stored.
        A kill loses only the batch being gathered: the next ingest stores it again."""
        if self._batch is not None or self.batch_chunks <= 1:
            yield {}
            return
        self._batch = _Batch()
        try:
            yield self._batch.failed
            self._flush()
        finally:
            self._batch = None

    def _read(self, item: Blob | Skipped) -> ReadItems | None:
        """A file's articles, read and parsed (on a read-ahead thread); None for a skipped file,
        and for an export, which is read as it is ingested (its articles are never all held)."""
        if isinstance(item, Skipped) or item.name.lower().endswith(STREAMED_SUFFIXES):
            return None
        return list(self._articles_of(item))

    def _articles_of(self, blob: Blob) -> Iterator[ParsedArticle | ArticleSummary]:
        try:
            for item in read_blob(blob, self.read_limits()):
                yield _failed(item.source, item.reason) if isinstance(item, Skipped) else item
        except ArticleError as error:
            yield _failed(error.source, str(error).removeprefix(f"{error.source}: "))
        except NewsRagError as error:
            yield _failed(blob.name, str(error))

    def ingest_blob(self, blob: Blob, stored: dict[str, str] | None = None, on_step: StepCallback = _no_progress, read: Iterable[ParsedArticle | ArticleSummary] | None = None) -> list[ArticleSummary]:
        """The articles of one file (or zip member), or ``read``, what reading it gave: one summary
        each, a failed one for each part that could not be read."""
        stored = self.stored_hashes() if stored is None else stored
        items = self._articles_of(blob) if read is None else read
        return [item if isinstance(item, ArticleSummary) else self.ingest_parsed(item, blob.file, stored.get(item.source), on_step) for item in items]

    def ingest_path(self, path: Path, name: str, on_step: StepCallback = _no_progress) -> list[ArticleSummary]:
        """The articles of one file on disk (a zip's members included), stored under ``name``."""
        try:
            items = list(zip_blobs(path, name, self.read_limits())) if path.suffix.lower() in ARCHIVE_SUFFIXES else [file_blob(path, name)]
        except ArticleError as error:
            return [_failed(name, str(error).removeprefix(f"{name}: "))]
        self.sync_lexical()
        stored = self.stored_hashes()
        out: list[ArticleSummary] = []
        with self.batched() as failed:
            for item in items:
                out.extend([_failed(item.source, item.reason)] if isinstance(item, Skipped) else self.ingest_blob(item, stored, on_step))
        return _with_failures(out, failed)

    def ingest_file(self, path: Path, stored: str | None = None, on_step: StepCallback = _no_progress) -> ArticleSummary:
        """Ingest one single-article file; a bad file yields a 'failed' summary and leaves the store as it was."""
        try:
            blob = file_blob(path, path.name)
        except ArticleError as error:
            return _failed(path.name, str(error).removeprefix(f"{path.name}: "))
        summaries = self.ingest_blob(blob, {path.name: stored} if stored else {}, on_step)
        return summaries[0] if len(summaries) == 1 else next((s for s in summaries if s.status != "failed"), summaries[0])

    def ingest_parsed(self, parsed: ParsedArticle, file: str = "", stored: str | None = None, on_step: StepCallback = _no_progress) -> ArticleSummary:
        """Ingest one parsed article; a failure yields a 'failed' summary and leaves the store as it was."""
        try:
            if stored_hash(parsed.content_hash) == stored:
                return self._unchanged(parsed)
            original = self._original_of(parsed) if stored is None else None
            if original is not None:
                return original
            article = identify(parsed, file)
            on_step(article.source, "read", 1, 1)
            if self._needs_translation(article) and (self.defer_translation and self.queue is not None):
                return self._queue(parsed, article, stored, on_step)
            if self.searchable_before_translated and (stored is None or stored.endswith(PENDING)) and self._needs_translation(article):
                # A new article is stored as written first: searchable in its own language (the
                # multilingual retriever) while the translation runs, and marked so that a killed
                # ingest takes it up again (the translation cache keeps the finished sentences).
                # A changed one keeps its previous translation until the new one is done.
                self._store_provisional(article, parsed.original, stored, on_step)
                self._flush()  # searchable now, not when the batch is full
                on_step = self._recording_progress(on_step)
            chunks = self.chunks_for(article, parsed.original, on_step)
            self._store(article.source, chunks, on_step)
            self._catalogue(parsed)
            if self._queues_originals() and any(c.language == TARGET_LANGUAGE for c in chunks):
                self._enqueue(parsed, article.file or parsed.source)
        except NewsRagError as error:
            message = str(error) if isinstance(error, ArticleError) else f"{parsed.source}: {error}"
            return _failed(parsed.source, message.removeprefix(f"{parsed.source}: "))
        return self._summary(article, chunks, "replaced" if stored else "stored")

    def _enqueue(self, parsed: ParsedArticle, file: str) -> None:
        """Puts the article in the queue; within ``batched``, once its batch is written (a worker
        reads the store)."""
        assert self.queue is not None
        if self._batch is not None:
            self._batch.queued.append((parsed, file))
        else:
            self.queue.put(parsed, file)

    def _summary(self, article: Article, chunks: list[Chunk], status: str, message: str = "") -> ArticleSummary:
        translators = "+".join(sorted({c.translator for c in chunks}))
        flagged = sum(s.flagged for c in chunks for s in c.sentences)
        return ArticleSummary(
            article.source,
            article.title,
            article.date,
            article.language,
            translators,
            len(chunks),
            status=status,
            message=message or untranslated_note(article.language, translators),
            flagged=flagged,
            outlet=article.outlet,
            url=article.url,
            author=article.author,
            kind=article.kind,
        )

    def _store_provisional(self, article: Article, original: str, stored: str | None, on_step: StepCallback) -> list[Chunk]:
        """Stores the article as written (not again when that is what the store holds: a killed
        ingest resumed embeds nothing twice); returns those chunks."""
        chunks = self._provisional_chunks(article, original)
        if chunks and stored != chunks[0].article_hash:
            self._store(article.source, chunks, on_step)
        return chunks

    def _queue(self, parsed: ParsedArticle, article: Article, stored: str | None, on_step: StepCallback) -> ArticleSummary:
        """Stores the article as written (a changed one keeps its previous translation) and puts
        it in the translation queue."""
        assert self.queue is not None
        chunks = self._store_provisional(article, parsed.original, stored, on_step) if stored is None or stored.endswith(PENDING) else []
        self._enqueue(parsed, article.file or parsed.source)
        self._catalogue(parsed)
        status = "unchanged" if chunks and stored == chunks[0].article_hash else "replaced" if stored else "stored"
        return self._summary(article, chunks, status, QUEUED_NOTE) if chunks else replace(self._unchanged(parsed), status="replaced", message=QUEUED_NOTE)

    def translate_queued(self, item: QueuedArticle, on_step: StepCallback = _no_progress) -> ArticleSummary:
        """Translates a queued article and replaces what the store holds of it. An article pruned
        since, or translated since by another ingest, is left as it is."""
        parsed = item.parsed
        try:
            current = self.store.chunks_of(parsed.source)
            if not current:
                return ArticleSummary(parsed.source, parsed.title, parsed.date, "", "", 0, status="pruned", message=f"{parsed.source}: no longer stored; not translated.")
            if current[0].article_hash == stored_hash(parsed.content_hash):
                return self._add_originals(parsed, current, on_step)
            article = identify(parsed, item.file)
            chunks = self.chunks_for(article, parsed.original, self._recording_progress(on_step))
            self._store(article.source, chunks, on_step)
        except NewsRagError as error:
            message = str(error) if isinstance(error, ArticleError) else f"{parsed.source}: {error}"
            return _failed(parsed.source, message.removeprefix(f"{parsed.source}: "))
        return self._summary(article, chunks, "replaced")

    def _add_originals(self, parsed: ParsedArticle, chunks: list[Chunk], on_step: StepCallback) -> ArticleSummary:
        """Gives the stored English chunks that lack one their multilingual vector (queued by
        an ingest with ``defer_translation``); 'unchanged' when none lacks it."""
        have = set(self.multilingual.store.ids_for_source(parsed.source)) if self.multilingual and self.english_originals else None
        missing = [c for c in chunks if c.language == TARGET_LANGUAGE and c.id not in have] if have is not None else []
        if not missing or self.multilingual is None:
            return self._unchanged(parsed)
        on_step(parsed.source, "embed", 0, len(missing))
        self.multilingual.store.add(missing, self.multilingual.embedder.get_text_embedding_batch([c.original_text for c in missing]))
        on_step(parsed.source, "embed", len(missing), len(missing))
        return replace(self._unchanged(parsed), status="replaced", message=f"{len(missing)} English chunks given their multilingual vectors.")

    def _original_of(self, parsed: ParsedArticle) -> ArticleSummary | None:
        """For a copy of a story already stored (syndication, a page saved twice): records this
        copy's outlet and URL on the stored one and returns its 'duplicate' summary; else None."""
        if self.catalog is None:
            return None
        text = "\n".join(p.text for p in parsed.paragraphs)
        sig = duplicates.signature(text)
        keys = duplicates.bands(sig)
        if self._batch is not None and any(a == b for other, _, _ in self._batch.catalogued.values() for a, b in zip(keys, other)):
            self._flush()  # it may copy an article not written yet
        best, score = None, 0.0
        for source, other in self.catalog.candidates(keys).items():
            if source != parsed.source and (s := duplicates.similarity(sig, other)) >= max(score, duplicates.DUPLICATE_AT):
                best, score = source, s
        if best is None:
            return None
        self.catalog.put(parsed.source, keys, sig, Copy(parsed.source, parsed.outlet, parsed.url, parsed.date), duplicate_of=best)
        copies = self.catalog.copies_of([best]).get(best, [])
        outlets = list(dict.fromkeys(o for o in [self.catalog.outlet_of(best), *(c.outlet for c in copies)] if o))
        for store in self._stores():
            store.set_outlets(best, outlets)
        if self.lexical:
            self.lexical.replace(best, self.store.chunks_of(best))
        return ArticleSummary(
            parsed.source,
            parsed.title,
            parsed.date,
            "",
            "",
            0,
            status="duplicate",
            message=f"the same story as {best} ({score:.0%} alike): stored once, this copy's outlet and URL kept on it.",
            outlet=parsed.outlet,
            url=parsed.url,
            kind=parsed.kind,
        )

    def _catalogue(self, parsed: ParsedArticle) -> None:
        if self.catalog is None:
            return
        sig = duplicates.signature("\n".join(p.text for p in parsed.paragraphs))
        entry = (duplicates.bands(sig), sig, Copy(parsed.source, parsed.outlet, parsed.url, parsed.date))
        if self._batch is not None:
            self._batch.catalogued[parsed.source] = entry
        else:
            self.catalog.put(parsed.source, *entry)

    def _recording_progress(self, on_step: StepCallback) -> StepCallback:
        """``on_step`` that also records the share translated in the store, for the chat's panel."""

        def step(source: str, name: str, done: int, total: int) -> None:
            on_step(source, name, done, total)
            if name == "translate" and total:
                self.store.set_translated(source, done / total)

        return step

    def _store(self, source: str, chunks: list[Chunk], on_step: StepCallback) -> None:
        """Embeds and writes an article's chunks, at once or, within ``batched``, with others."""
        if self._batch is None:
            on_step(source, "embed", 0, len(chunks))
            self._write({source: chunks})
            on_step(source, "embed", len(chunks), len(chunks))
            on_step(source, "store", 1, 1)
            return
        if source in self._batch.articles:
            self._flush()
        self._batch.articles[source] = (chunks, on_step)
        if self._batch.chunks() >= self.batch_chunks:
            self._flush()

    def _flush(self) -> None:
        """Writes the gathered batch, then its catalogue and queue entries; a failure marks its
        articles failed (Ingestor.batched) and leaves what the store held of them."""
        batch = self._batch
        if batch is None or not (batch.articles or batch.catalogued or batch.queued):
            return
        try:
            for source, (chunks, step) in batch.articles.items():
                step(source, "embed", 0, len(chunks))
            if batch.articles:
                self._write({source: chunks for source, (chunks, _) in batch.articles.items()})
            for source, (chunks, step) in batch.articles.items():
                step(source, "embed", len(chunks), len(chunks))
                step(source, "store", 1, 1)
            if self.catalog is not None and batch.catalogued:
                self.catalog.put_many(dict(batch.catalogued))
            for parsed, file in batch.queued:
                assert self.queue is not None
                self.queue.put(parsed, file)
        except NewsRagError as error:
            for source in [*batch.articles, *(parsed.source for parsed, _ in batch.queued)]:
                batch.failed[source] = f"{source}: {error}"
        finally:
            batch.articles.clear()
            batch.catalogued.clear()
            batch.queued.clear()

    def _write(self, articles: dict[str, list[Chunk]]) -> None:
        """Embeds the articles' chunks and makes them exactly what the store holds of them."""
        chunks = [c for article in articles.values() for c in article]
        vectors = self.embedder.get_text_embedding_batch([c.text for c in chunks])
        english_too = self.english_originals and not self._queues_originals()
        multilingual = [c for c in chunks if english_too or c.language != TARGET_LANGUAGE] if self.multilingual else []
        originals = self.multilingual.embedder.get_text_embedding_batch([c.original_text for c in multilingual]) if self.multilingual and multilingual else []
        # New chunks first, stale ones after: an interruption never leaves an article missing.
        # The lexical index first of all (one commit for all of them), the main collection last:
        # its hash says an article is complete, so a cut before it has the next ingest write
        # everything again.
        if self.lexical:
            self.lexical.replace_many(articles)
        written = [(self.store, chunks)] + ([(self.multilingual.store, multilingual)] if self.multilingual else [])
        stale = [(store, sorted({i for source in articles for i in store.ids_for_source(source)} - {c.id for c in kept})) for store, kept in written]
        if self.multilingual and multilingual:
            self.multilingual.store.add(multilingual, originals)
        self.store.add(chunks, vectors)
        for store, ids in stale:
            store.delete(ids)  # a vector of an English chunk not written here is stale too: its worker writes it anew

    def _needs_translation(self, article: Article) -> bool:
        return any(p.language != TARGET_LANGUAGE and self.translation.supports(p.language, TARGET_LANGUAGE) for p in article.paragraphs)

    def _provisional_chunks(self, article: Article, original: str) -> list[Chunk]:
        """The article as written, before its translation: translator PENDING, and an article
        hash that never matches a finished one."""
        pieces: list[TranslatedSentence] = []
        for paragraph_spans, texts in zip(*_sentences(article, original)):
            for (start, end), text, flagged in zip(paragraph_spans, texts, flag_paragraph(texts, texts)):
                pieces.append(TranslatedSentence(" ".join(text.split()), start, end, PENDING, flagged))
        chunks = chunk_article(article, pieces, original, self.chunk_chars, self.overlap)
        return [replace(c, article_hash=f"{c.article_hash}:{PENDING}") for c in chunks]

    def chunks_for(self, article: Article, original: str, on_step: StepCallback = _no_progress) -> list[Chunk]:
        """The article's chunks, translated sentence by sentence so that each English sentence
        keeps its original one. A language no translator handles is stored untranslated: the
        multilingual retriever still finds it, and the model reads it as written."""
        spans, texts = _sentences(article, original)
        translated = self._translated(article, texts, on_step)
        english = [[" ".join(t.text.split()) or text for t, text in zip(made, paragraph_texts)] for paragraph_texts, (made, _) in zip(texts, translated)]
        scores = [self._confidences(paragraph_texts, e, translators) for paragraph_texts, e, (_, translators) in zip(texts, english, translated)]
        assessed = iter(self._assessed(article, texts, translated, scores))
        pieces: list[TranslatedSentence] = []
        for paragraph_spans, paragraph_texts, paragraph_english, (_, translators), paragraph_scores in zip(spans, texts, english, translated, scores):
            # A "translation" that says something else (an instruction in the sentence obeyed, a
            # runaway reply) is not kept: the sentence stays as written, marked by its low score.
            kept = [text if score < self.reject_below else t for t, text, score in zip(paragraph_english, paragraph_texts, paragraph_scores)]
            flags = flag_paragraph(paragraph_texts, kept)
            for (start, end), sentence, translator, flagged, score in zip(paragraph_spans, kept, translators, flags, paragraph_scores):
                doubtful, signals = next(assessed)
                pieces.append(TranslatedSentence(sentence, start, end, translator, flagged, score, doubtful, signals))
        return chunk_article(article, pieces, original, self.chunk_chars, self.overlap)

    def _assessed(self, article: Article, texts: list[list[str]], translated: list[tuple[list[Translation], list[str]]], scores: list[list[float]]) -> list[tuple[bool, Signals | None]]:
        """Each sentence's doubt and faithfulness signals (rag.translation.faithfulness), in
        article order; (False, None) where it was not translated. The length ratio is read
        against the article's other sentences of its language."""
        rows = [
            (paragraph.language, source, made, score, translator not in ("identity", UNTRANSLATED))
            for paragraph, paragraph_texts, (translations, translators), paragraph_scores in zip(article.paragraphs, texts, translated, scores)
            for source, made, translator, score in zip(paragraph_texts, translations, translators, paragraph_scores)
        ]
        out: list[tuple[bool, Signals | None]] = [(False, None)] * len(rows)
        for language in {r[0] for r in rows if r[4]}:
            indexes = [i for i, r in enumerate(rows) if r[4] and r[0] == language]
            for i, result in zip(indexes, assess([rows[i][1] for i in indexes], [rows[i][2] for i in indexes], language, [rows[i][3] for i in indexes], self.reject_below)):
                out[i] = result
        return out

    def _translated(self, article: Article, texts: list[list[str]], on_step: StepCallback) -> list[tuple[list[Translation], list[str]]]:
        """Each paragraph's sentences in English, with the translator of each. All the sentences
        of one language go to the translator together, so it can translate them side by side."""
        out: list[tuple[list[Translation], list[str]]] = [([], [])] * len(texts)
        by_language: dict[str, list[int]] = {}
        for i, paragraph in enumerate(article.paragraphs):
            if paragraph.language == TARGET_LANGUAGE:
                out[i] = ([Translation(t) for t in texts[i]], ["identity"] * len(texts[i]))
            elif not self.translation.supports(paragraph.language, TARGET_LANGUAGE):
                out[i] = ([Translation(t) for t in texts[i]], [UNTRANSLATED] * len(texts[i]))
            else:
                by_language.setdefault(paragraph.language, []).append(i)
        total = sum(len(texts[i]) for indexes in by_language.values() for i in indexes)
        finished = 0
        for language, indexes in by_language.items():
            flat = [t for i in indexes for t in texts[i]]

            def progress(done: int, _: int, base: int = finished) -> None:
                on_step(article.source, "translate", base + done, total)

            english = self.translation.translate_scored(flat, language, TARGET_LANGUAGE, on_progress=progress)
            made_by = self.translation.made_by(language, TARGET_LANGUAGE)
            cursor = 0
            for i in indexes:
                count = len(texts[i])
                out[i] = (english[cursor : cursor + count], [made_by] * count)
                cursor += count
            finished += len(flat)
        on_step(article.source, "translate", total, total)
        return out

    def _confidences(self, texts: list[str], english: list[str], translators: list[str]) -> list[float]:
        """How far each translation can be trusted, in the multilingual embedder (1.0 where the
        text was not translated, or where that embedder is off)."""
        translated = [i for i, t in enumerate(translators) if t not in ("identity", UNTRANSLATED)]
        scores = [1.0] * len(texts)
        if translated and self.multilingual is not None:
            for i, score in zip(translated, confidences([texts[i] for i in translated], [english[i] for i in translated], self.multilingual.embedder)):
                scores[i] = score
        return scores

    def _unchanged(self, parsed: ParsedArticle) -> ArticleSummary:
        summary = self.store.summary_for(parsed.source)
        return replace(summary, status="unchanged", message=untranslated_note(summary.language, summary.translator))


def _sentences(article: Article, original: str) -> tuple[list[list[tuple[int, int]]], list[list[str]]]:
    """Per paragraph: its sentences' spans in the file, and their texts."""
    spans = [[(p.start + s, p.start + e) for s, e in split_sentences(p.text)] for p in article.paragraphs]
    return spans, [[original[s:e].strip() for s, e in paragraph] for paragraph in spans]


def _file_of(source: str) -> str:
    """The file on disk a source comes from: a zip member's zip, or the source itself."""
    cut = source.lower().find(".zip/")
    return source[: cut + 4] if cut >= 0 else source.split("#", 1)[0]


def _with_failures(summaries: list[ArticleSummary], failed: dict[str, str]) -> list[ArticleSummary]:
    """``summaries`` with those of articles whose batched write failed (Ingestor.batched) failed."""
    if not failed:
        return summaries
    return [_failed(s.source, failed[s.source].removeprefix(f"{s.source}: ")) if s.source in failed and s.status != "failed" else s for s in summaries]


def _failed(source: str, reason: str) -> ArticleSummary:
    return ArticleSummary(source, "", None, "", "", 0, status="failed", message=f"{source}: {reason}")


def untranslated_note(language: str, translators: str) -> str:
    """What the ingest table says of an article stored (partly) untranslated; "" otherwise."""
    if UNTRANSLATED not in translators.split("+"):
        return ""
    return (
        f"stored untranslated ({language}): no translator for {language}->en; the multilingual retriever finds it. "
        f"Install an Argos pair (`newsrag-argos install --file translate-{language}_en.argosmodel`) and ingest again to translate it."
    )
