"""Chunking English text along sentence boundaries, keeping the original passage of each chunk.

A paragraph that was English already is aligned sentence by sentence (offsets of the exact
sentences); a translated paragraph is aligned as a whole (its original paragraph).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from rag.sentences import split_sentences
from rag.types import Article, Chunk


@dataclass(frozen=True)
class TranslatedParagraph:
    """An original paragraph and its English text."""

    original: str
    start: int
    end: int
    language: str
    english: str
    translator: str


@dataclass(frozen=True)
class _Piece:
    english: str
    start: int  # offsets of the original text this piece stands for
    end: int
    translator: str


def _pieces(paragraph: TranslatedParagraph) -> list[_Piece]:
    if paragraph.translator == "identity":
        return [
            _Piece(paragraph.original[s:e].strip(), paragraph.start + s, paragraph.start + e, "identity")
            for s, e in split_sentences(paragraph.original)
        ]
    # Translated: every English sentence stands for the whole original paragraph.
    return [
        _Piece(paragraph.english[s:e].strip(), paragraph.start, paragraph.end, paragraph.translator)
        for s, e in split_sentences(paragraph.english)
    ]


def chunk_id(source: str, english: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{source}\0{start}\0{end}\0{english}".encode()).hexdigest()[:32]


def chunk_article(article: Article, paragraphs: list[TranslatedParagraph], original: str, chunk_chars: int, overlap: int = 0) -> list[Chunk]:
    """Group sentences into chunks of about ``chunk_chars`` English characters."""
    pieces = [piece for p in paragraphs for piece in _pieces(p)]
    groups: list[list[_Piece]] = []
    current: list[_Piece] = []
    size = 0
    for piece in pieces:
        if current and size + len(piece.english) > chunk_chars:
            groups.append(current)
            current = current[-overlap:] if overlap else []
            size = sum(len(p.english) + 1 for p in current)
        current.append(piece)
        size += len(piece.english) + 1
    if current and (not groups or current != groups[-1][-len(current):]):
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
        chunks.append(
            Chunk(
                id=identifier,
                source=article.source,
                title=article.title,
                date=article.date,
                language=article.language,
                text=english,
                original_text=_original_passage(original, group),
                start=start,
                end=end,
                translator="+".join(translators),
                article_hash=article.content_hash,
            )
        )
    return chunks


def _original_passage(original: str, group: list[_Piece]) -> str:
    """The original text behind a chunk: sentences of one paragraph stay on one line."""
    spans: list[tuple[int, int]] = []
    for piece in group:
        if spans and "\n" not in original[spans[-1][1]:piece.start] and piece.start >= spans[-1][0]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], piece.end))
        else:
            spans.append((piece.start, piece.end))
    return "\n".join(original[s:e].strip() for s, e in spans)
