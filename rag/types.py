"""Typed values that cross module boundaries. The UI and tests never see LlamaIndex nodes or Chroma dicts."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of an article's original text, with offsets into the original file."""

    text: str
    start: int
    end: int
    language: str


@dataclass(frozen=True)
class Article:
    """An article read from a file: cleaned paragraphs, metadata and its detected language."""

    source: str  # file name, e.g. 004_a4b43755038ca000.txt
    title: str
    date: str | None
    language: str
    paragraphs: tuple[Paragraph, ...]
    content_hash: str


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: English text plus the original passage it came from."""

    id: str
    source: str
    title: str
    date: str | None
    language: str
    text: str  # English
    original_text: str
    start: int  # character offsets into the original file
    end: int
    translator: str
    article_hash: str


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Citation:
    number: int
    source: str
    title: str
    date: str | None
    text: str
    original_text: str
    language: str
    score: float
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Answer:
    text: str
    language: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    question: str = ""
    english_question: str = ""
    note: str = ""  # e.g. why the answer is in English
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ArticleSummary:
    """One row of the ingest table and of the chat's article panel."""

    source: str
    title: str
    date: str | None
    language: str
    translator: str
    chunks: int
    status: str = "stored"  # stored | unchanged | replaced | failed | pruned
    message: str = ""
