"""Chunking English text along sentence boundaries, keeping the original passage of each chunk.

Articles are translated sentence by sentence, so every English sentence of a chunk knows the
original sentence it came from (``Chunk.sentences``): a citation can quote both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from rag.types import Article, Chunk, SentenceSpan, Signals

PENDING = "pending"  # the translator name of a sentence stored as written until its translation is done


@dataclass(frozen=True)
class TranslatedSentence:
    """One sentence of the original article (offsets into the file) and its English text."""

    english: str
    start: int
    end: int
    translator: str  # "identity" for English, "none" where no translator had the language
    flagged: bool = False  # addresses an AI (rag.screening)
    confidence: float = 1.0  # of the translation (rag.translation.confidence); 1.0 where not translated
    doubtful: bool = False  # rag.translation.faithfulness.doubtful
    signals: Signals | None = None  # what that was read from; None where not translated by the local model


def chunk_id(source: str, english: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{source}\0{start}\0{end}\0{english}".encode()).hexdigest()[:32]


def chunk_article(article: Article, pieces: list[TranslatedSentence], original: str, chunk_chars: int, overlap: int = 0) -> list[Chunk]:
    """Group sentences into chunks of about ``chunk_chars`` English characters; each chunk keeps
    the alignment of its English sentences with the original ones."""
    groups: list[list[TranslatedSentence]] = []
    current: list[TranslatedSentence] = []
    size = 0
    for piece in pieces:
        if current and size + len(piece.english) > chunk_chars:
            groups.append(current)
            current = current[-overlap:] if overlap else []
            size = sum(len(p.english) + 1 for p in current)
        current.append(piece)
        size += len(piece.english) + 1
    if current and (not groups or current != groups[-1][-len(current) :]):
        groups.append(current)

    chunks = []
    seen: set[str] = set()
    for group in groups:
        english = " ".join(p.english for p in group)
        start, end = min(p.start for p in group), max(p.end for p in group)
        identifier = chunk_id(article.source, english, start, end)
        if identifier in seen:
            continue  # a translation that repeats itself: one copy is enough (ids must be unique)
        seen.add(identifier)
        translators = sorted({p.translator for p in group})
        original_text = _original_passage(original, group)
        chunks.append(
            Chunk(
                id=identifier,
                source=article.source,
                title=article.title,
                date=article.date,
                language=article.language,
                text=english,
                original_text=original_text,
                start=start,
                end=end,
                translator="+".join(translators),
                article_hash=stored_hash(article.content_hash),
                sentences=_alignment(group, original, original_text),
                outlet=article.outlet,
                url=article.url,
                author=article.author,
                file=article.file or article.source,
                kind=article.kind,
                outlets=(article.outlet,) if article.outlet else (),
            )
        )
    return chunks


# Raised when what a chunk stores changes, so that unchanged files are ingested again once.
INDEX_LAYOUT = 7  # 2: sentence alignment, 3: sentences addressed to an AI flagged, 4: translation confidence, 5: translations under the floor not kept, 6: provenance (outlet, url, author, file) and readers of every format, 7: faithfulness signals and doubt


def stored_hash(content_hash: str) -> str:
    """The article hash a chunk stores: the file's hash and the index layout it was made with."""
    return f"{content_hash}:{INDEX_LAYOUT}"


def _alignment(group: list[TranslatedSentence], original: str, original_text: str) -> tuple[SentenceSpan, ...]:
    spans = []
    position, cursor = 0, 0
    for piece in group:
        source = original[piece.start : piece.end].strip()
        found = original_text.find(source, cursor) if source else -1
        o_start, o_end = (found, found + len(source)) if found >= 0 else (0, len(original_text))
        cursor = max(cursor, o_end if found >= 0 else cursor)
        spans.append(SentenceSpan(position, position + len(piece.english), o_start, o_end, piece.flagged, piece.confidence, piece.doubtful, piece.signals))
        position += len(piece.english) + 1
    return tuple(spans)


def _original_passage(original: str, group: list[TranslatedSentence]) -> str:
    """The original text behind a chunk: sentences of one paragraph stay on one line."""
    spans: list[tuple[int, int]] = []
    for piece in group:
        if spans and "\n" not in original[spans[-1][1] : piece.start] and piece.start >= spans[-1][0]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], piece.end))
        else:
            spans.append((piece.start, piece.end))
    return "\n".join(original[s:e].strip() for s, e in spans)


def translated_chunk(chunk: Chunk, english: list[str], translator: str, flags: list[bool], scores: list[float], assessed: list[tuple[bool, Signals | None]]) -> Chunk:
    """A chunk stored as written (translator PENDING) with its sentences in English: one English
    text per sentence, aligned with ``chunk.sentences``; a sentence left empty keeps its original.
    ``assessed``: each sentence's doubt and faithfulness signals."""
    texts = [e.strip() or original for e, (_, original) in zip(english, chunk.sentence_texts())]
    spans, position = [], 0
    for span, text, flagged, score, (doubt, signals) in zip(chunk.sentences, texts, flags, scores, assessed):
        spans.append(SentenceSpan(position, position + len(text), span.original_start, span.original_end, span.flagged or flagged, score, doubt, signals))
        position += len(text) + 1
    return replace(chunk, text=" ".join(texts), translator=translator, sentences=tuple(spans))
