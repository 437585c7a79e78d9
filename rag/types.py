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
class Copy:
    """Where a story was published: one outlet's copy of an article. An article stored once
    keeps every copy found at ingest (syndication, a page saved twice)."""

    source: str
    outlet: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Article:
    """An article read from a file: cleaned paragraphs, provenance and its detected language."""

    source: str  # path under the ingested folder, e.g. 004_a4b43755038ca000.txt or feeds/bbc.xml#<entry id>
    title: str
    date: str | None  # published, ISO 8601
    language: str
    paragraphs: tuple[Paragraph, ...]
    content_hash: str
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    file: str = ""  # the file it was read from, under the ingested folder (a zip, a feed); "" = source
    kind: str = "text"  # rag.readers: text, markdown, html, feed, feed-summary, jsonl, csv, pdf


@dataclass(frozen=True)
class Filters:
    """What a question may draw on: a period (ISO dates, both ends included), outlets and
    article languages. Empty means no limit. Applied inside retrieval."""

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.outlets or self.languages)


FEATURES = ("cosine", "mean_logprob", "min_logprob", "length_deviation", "numbers_changed")


@dataclass(frozen=True)
class Signals:
    cosine: float  # multilingual embedder, source against translation
    mean_logprob: float  # the translating model's mean token log-probability of its output
    min_logprob: float  # and its least likely token
    length_deviation: float  # |log(characters ratio)| off the median of its article's sentences
    numbers_changed: int  # values of the source the translation lacks, plus values it adds

    def vector(self) -> list[float]:
        return [float(getattr(self, name)) for name in FEATURES]


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
    doubtful: bool = False  # the English is doubtful (rag.translation.faithfulness.doubtful): the viewer shows the original first
    signals: Signals | None = None  # what the doubt was read from; None where the local model did not translate it


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
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    file: str = ""
    kind: str = "text"
    outlets: tuple[str, ...] = ()  # every outlet that carried the article (copies included)

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
    doubtful: bool = False  # rag.translation.faithfulness.doubtful
    signals: Signals | None = None


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
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    kind: str = "text"  # "feed-summary": the feed carried only a summary of the story
    copies: tuple[Copy, ...] = ()  # the same story from other outlets, stored once

    @property
    def outlets(self) -> list[str]:
        """Every outlet that carried the passage, this article's first."""
        return list(dict.fromkeys(o for o in [self.outlet, *(c.outlet for c in self.copies)] if o))

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
    outlet: str | None = None
    url: str | None = None


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
    refusal_reason: str = ""  # nothing relevant | not found | no evidence | unsupported number | unrelated evidence | does not answer
    evidence_similarity: float | None = None  # the question's closeness to its evidence (multilingual embedder); None: not measured
    passages: list[ScoredChunk] = field(default_factory=list)  # what retrieval found, best first: [n] cites passages[n - 1]
    prompt: list[dict[str, str]] = field(default_factory=list)  # the messages the model read; empty where it was not asked
    unsupported_numbers: list[str] = field(default_factory=list)  # numbers of the model's answer its evidence does not hold (refused where checked)
    draft: str = ""  # a refused answer: what the model answered, with its markers, where a check refused it; "" otherwise


@dataclass(frozen=True)
class ArticleSummary:
    """One row of the ingest table and of the chat's article panel."""

    source: str
    title: str
    date: str | None
    language: str
    translator: str
    chunks: int
    status: str = "stored"  # stored | unchanged | replaced | duplicate | failed | pruned
    message: str = ""
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    kind: str = ""
    copies: int = 0  # other outlets' copies of this story, stored once
    flagged: int = 0  # sentences addressed to an AI, kept out of answers
    translated: float | None = None  # of an article stored as written while it is translated: the share done so far


@dataclass
class UploadStatus:
    """What the panel shows of the uploads: the one being ingested and each finished file's outcome."""

    waiting: int = 0
    current: str = ""
    step: str = ""
    done: int = 0
    total: int = 0
    results: list[ArticleSummary] = field(default_factory=list)
    version: int = 0  # grows with every change, so a page refreshes only when something moved

    @property
    def busy(self) -> bool:
        return bool(self.current or self.waiting)


NO_FILTERS = Filters()  # a question that may draw on every article
