"""Ingestion: read, identify, translate, chunk, embed and store articles.

    ingestor = Ingestor(store, embedder, translation, chunk_chars=600)
    summaries = ingestor.ingest_folder(Path("seeds"), prune=True)

Chunk ids come from content, so a second run stores nothing new and embeds nothing; an
article whose file changed replaces its chunks only after the new ones are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag.chunking import TranslatedSentence, chunk_article, stored_hash
from rag.errors import ArticleError, NewsRagError
from rag.languages import detect, detect_paragraph
from rag.loading import MAX_ARTICLE_BYTES, ParsedArticle, list_article_files, load_article_file
from rag.screening import flag_paragraph
from rag.text import split_sentences
from rag.translation.cache import CachedTranslation
from rag.translation.confidence import confidences
from rag.types import Article, ArticleSummary, Chunk, Paragraph
from vectorstore.store import ChromaStore

TARGET_LANGUAGE = "en"
UNTRANSLATED = "none"  # the translator name of a sentence stored as written
PENDING = "pending"  # ... stored as written until its translation is done

# on_step(source, step, done, total): step is "read", "translate", "embed" or "store".
StepCallback = Callable[[str, str, int, int], None]


def _no_progress(source: str, step: str, done: int, total: int) -> None:
    return None


def identify(parsed: ParsedArticle) -> Article:
    """Language of the article and of each paragraph."""
    body = "\n".join(p.text for p in parsed.paragraphs)
    language = detect(body).language
    paragraphs = tuple(Paragraph(p.text, p.start, p.end, detect_paragraph(p.text, language)) for p in parsed.paragraphs)
    return Article(parsed.source, parsed.title, parsed.date, language, paragraphs, parsed.content_hash)


@dataclass(frozen=True)
class OriginalIndex:
    """Each chunk's original-language passage, embedded by a multilingual model in its own collection."""

    store: ChromaStore
    embedder: BaseEmbedding


@dataclass
class Ingestor:
    store: ChromaStore
    embedder: BaseEmbedding
    translation: CachedTranslation
    chunk_chars: int
    overlap: int = 0
    original: OriginalIndex | None = None
    max_article_bytes: int = MAX_ARTICLE_BYTES
    searchable_first: bool = True  # store an article as written before translating it
    reject_below: float = 0.0  # a translation less confident than this is not kept (rag.translation.confidence)

    def _stores(self) -> list[ChromaStore]:
        return [self.store] + ([self.original.store] if self.original else [])

    def stored_hashes(self) -> dict[str, str]:
        """source -> content hash, for articles complete in every collection."""
        stored = self.store.article_hashes()
        if self.original:
            other = self.original.store.article_hashes()
            stored = {k: v for k, v in stored.items() if other.get(k) == v}
        return stored

    def ingest_folder(self, folder: Path, prune: bool = False, on_step: StepCallback = _no_progress) -> list[ArticleSummary]:
        files = list_article_files(folder)
        stored = self.stored_hashes()
        summaries = [self.ingest_file(path, stored.get(path.name), on_step) for path in files]
        if prune:
            present = {p.name for p in files}
            for source in sorted(set(self.store.article_hashes()) - present):
                removed = self.store.delete_source(source)
                if self.original:
                    self.original.store.delete_source(source)
                summaries.append(ArticleSummary(source, "", None, "", "", removed, status="pruned"))
        return summaries

    def ingest_file(self, path: Path, stored: str | None = None, on_step: StepCallback = _no_progress) -> ArticleSummary:
        """Ingest one file; a bad file yields a 'failed' summary and leaves the store as it was."""
        try:
            parsed = load_article_file(path, self.max_article_bytes)
            if stored_hash(parsed.content_hash) == stored:
                return self._unchanged(parsed)
            article = identify(parsed)
            on_step(article.source, "read", 1, 1)
            if self.searchable_first and (stored is None or stored.endswith(PENDING)) and self._needs_translation(article):
                # A new article is stored as written first: searchable in its own language (the
                # multilingual retriever) while the translation runs, and marked so that a killed
                # ingest takes it up again (the translation cache keeps the finished sentences).
                # A changed one keeps its previous translation until the new one is done.
                self._store(article.source, self._provisional_chunks(article, parsed.original), on_step)
                on_step = self._recording_progress(on_step)
            chunks = self.chunks_for(article, parsed.original, on_step)
            self._store(article.source, chunks, on_step)
        except NewsRagError as error:
            message = str(error) if isinstance(error, ArticleError) else f"{path.name}: {error}"
            return ArticleSummary(path.name, "", None, "", "", 0, status="failed", message=message)
        translators = "+".join(sorted({c.translator for c in chunks}))
        status = "replaced" if stored else "stored"
        message = untranslated_note(article.language, translators)
        flagged = sum(s.flagged for c in chunks for s in c.sentences)
        return ArticleSummary(article.source, article.title, article.date, article.language, translators, len(chunks), status=status, message=message, flagged=flagged)

    def _recording_progress(self, on_step: StepCallback) -> StepCallback:
        """``on_step`` that also records the share translated in the store, for the chat's panel."""

        def step(source: str, name: str, done: int, total: int) -> None:
            on_step(source, name, done, total)
            if name == "translate" and total:
                self.store.set_translated(source, done / total)

        return step

    def _store(self, source: str, chunks: list[Chunk], on_step: StepCallback) -> None:
        on_step(source, "embed", 0, len(chunks))
        vectors = self.embedder.get_text_embedding_batch([c.text for c in chunks])
        originals = self.original.embedder.get_text_embedding_batch([c.original_text for c in chunks]) if self.original else []
        on_step(source, "embed", len(chunks), len(chunks))
        # New chunks first, stale ones after: an interruption never leaves the article missing.
        old_ids = set(self.store.ids_for_source(source))
        self.store.add(chunks, vectors)
        if self.original:
            self.original.store.add(chunks, originals)
        stale = sorted(old_ids - {c.id for c in chunks})
        for store in self._stores():
            store.delete(stale)
        on_step(source, "store", 1, 1)

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
        pieces: list[TranslatedSentence] = []
        for paragraph_spans, paragraph_texts, (english, translators) in zip(spans, texts, translated):
            english = [" ".join(t.split()) or text for t, text in zip(english, paragraph_texts)]
            scores = self._confidences(paragraph_texts, english, translators)
            # A "translation" that says something else (an instruction in the sentence obeyed, a
            # runaway reply) is not kept: the sentence stays as written, marked by its low score.
            english = [text if score < self.reject_below else t for t, text, score in zip(english, paragraph_texts, scores)]
            flags = flag_paragraph(paragraph_texts, english)
            for (start, end), sentence, translator, flagged, score in zip(paragraph_spans, english, translators, flags, scores):
                pieces.append(TranslatedSentence(sentence, start, end, translator, flagged, score))
        return chunk_article(article, pieces, original, self.chunk_chars, self.overlap)

    def _translated(self, article: Article, texts: list[list[str]], on_step: StepCallback) -> list[tuple[list[str], list[str]]]:
        """Each paragraph's sentences in English, with the translator of each. All the sentences
        of one language go to the translator together, so it can translate them side by side."""
        out: list[tuple[list[str], list[str]]] = [([], [])] * len(texts)
        by_language: dict[str, list[int]] = {}
        for i, paragraph in enumerate(article.paragraphs):
            if paragraph.language == TARGET_LANGUAGE:
                out[i] = (texts[i], ["identity"] * len(texts[i]))
            elif not self.translation.supports(paragraph.language, TARGET_LANGUAGE):
                out[i] = (texts[i], [UNTRANSLATED] * len(texts[i]))
            else:
                by_language.setdefault(paragraph.language, []).append(i)
        total = sum(len(texts[i]) for indexes in by_language.values() for i in indexes)
        finished = 0
        for language, indexes in by_language.items():
            flat = [t for i in indexes for t in texts[i]]

            def progress(done: int, _: int, base: int = finished) -> None:
                on_step(article.source, "translate", base + done, total)

            english = self.translation.translate(flat, language, TARGET_LANGUAGE, on_progress=progress)
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
        if translated and self.original is not None:
            for i, score in zip(translated, confidences([texts[i] for i in translated], [english[i] for i in translated], self.original.embedder)):
                scores[i] = score
        return scores

    def _unchanged(self, parsed: ParsedArticle) -> ArticleSummary:
        summary = self.store.summary_for(parsed.source)
        return replace(summary, status="unchanged", message=untranslated_note(summary.language, summary.translator))


def _sentences(article: Article, original: str) -> tuple[list[list[tuple[int, int]]], list[list[str]]]:
    """Per paragraph: its sentences' spans in the file, and their texts."""
    spans = [[(p.start + s, p.start + e) for s, e in split_sentences(p.text)] for p in article.paragraphs]
    return spans, [[original[s:e].strip() for s, e in paragraph] for paragraph in spans]


def untranslated_note(language: str, translators: str) -> str:
    """What the ingest table says of an article stored (partly) untranslated; "" otherwise."""
    if UNTRANSLATED not in translators.split("+"):
        return ""
    return (
        f"stored untranslated ({language}): no translator for {language}->en; the multilingual retriever finds it. "
        f"Install an Argos pair (`newsrag-argos install --file translate-{language}_en.argosmodel`) and ingest again to translate it."
    )
