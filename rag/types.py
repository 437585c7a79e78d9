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
class SentenceSpan:
    """One sentence of a chunk: its span in the chunk's English text and, aligned through the
    sentence-by-sentence translation, the span of the original sentence in ``original_text``."""

    start: int
    end: int
    original_start: int
    original_end: int
    flagged: bool = False  # addresses an AI or gives it orders: never shown to the model (rag.screening)
    confidence: float = 1.0  # of the English as a translation of the original (rag.translation.confidence); 1.0 where not translated


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
    sentences: tuple[SentenceSpan, ...] = ()

    def sentence_texts(self) -> list[tuple[str, str]]:
        """(English, original) text of each sentence, in order."""
        return [(self.text[s.start : s.end], self.original_text[s.original_start : s.original_end]) for s in self.sentences]


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Evidence:
    """A sentence an answer rests on, verbatim: its English text with offsets in the cited
    passage's English text, and the matching sentence of the original article with offsets in
    the passage's original text (the same text where the article was English)."""

    text: str
    start: int
    end: int
    original_text: str
    original_start: int
    original_end: int
    confidence: float = 1.0  # of the English as a translation of the original sentence


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
    evidence: tuple[Evidence, ...] = ()
    sentences: tuple[SentenceSpan, ...] = ()  # the passage's alignment, flagged sentences marked

    @property
    def quote(self) -> str:
        """The English evidence sentences of this passage, joined."""
        return " ".join(e.text for e in self.evidence)

    @property
    def original_quote(self) -> str:
        return " ".join(e.original_text for e in self.evidence)


@dataclass(frozen=True)
class Preview:
    """What retrieval found, yielded before the model's first token so a reader sees it at once:
    the best passage's article and its sentence closest to the question (English and original)."""

    source: str
    title: str
    date: str | None
    language: str
    sentence: str
    original_sentence: str


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
    refusal_reason: str = ""  # nothing relevant | not found | no evidence | unsupported number | unrelated evidence
    evidence_similarity: float | None = None  # the question's closeness to its evidence (multilingual embedder); None: not measured
    passages: list[ScoredChunk] = field(default_factory=list)  # what retrieval found, best first: [n] cites passages[n - 1]
    prompt: list[dict[str, str]] = field(default_factory=list)  # the messages the model read; empty where it was not asked


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
    flagged: int = 0  # sentences addressed to an AI, kept out of answers
    translated: float | None = None  # of an article stored as written while it is translated: the share done so far
