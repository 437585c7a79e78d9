"""Answering a question: language, translation, retrieval, generation, citation check.

    pipeline = build_pipeline(Settings.load())
    for item in pipeline.stream("Where did Kim meet Putin?"):
        print(item if isinstance(item, str) else item.citations)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from rag.citations import check_citations
from rag.errors import EmptyStoreError, QuestionError
from rag.languages import detect
from rag.llm import ChatModel, complete
from rag.prompting import NOT_FOUND, answer_messages, condense_messages, english_note, refusal
from rag.retrieval import HybridRetriever
from rag.translation.cache import CachedTranslation
from rag.types import Answer, ArticleSummary, Citation, ScoredChunk
from vectorstore.store import ChromaStore


@dataclass
class Pipeline:
    """The question-answering pipeline, wired explicitly (see rag.wiring.build_pipeline)."""

    store: ChromaStore
    retriever: HybridRetriever
    llm: ChatModel
    translation: CachedTranslation
    max_answer_tokens: int
    max_question_chars: int
    min_relevance: float
    native_languages: Sequence[str]
    last_prompt: list[dict[str, str]] = field(default_factory=list)

    def articles(self) -> list[ArticleSummary]:
        return self.store.summaries()

    def answer(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
        result = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                result = item
        assert result is not None  # stream always ends with an Answer
        return result

    def stream(self, question: str, history: Sequence[tuple[str, str]] = ()) -> Iterator[str | Answer]:
        """Yields pieces of generated text as they come, then the checked Answer."""
        started = time.perf_counter()
        question = self._validate(question)
        if self.store.count() == 0:
            raise EmptyStoreError()
        if history:
            question = self._standalone(question, history)
        language = question_language(question)
        english_question = question
        if language != "en" and self.translation.supports(language, "en"):
            (english_question,), _ = self.translation.translate([question], language, "en")
        answer_language = language if language in self.native_languages else "en"
        note = "" if answer_language == language else english_note(language)

        t0 = time.perf_counter()
        retrieval = self.retriever.search(english_question, question)
        timings = {"retrieval_s": time.perf_counter() - t0}
        hits = retrieval.hits
        if not hits or retrieval.best_dense < self.min_relevance:
            timings["total_s"] = time.perf_counter() - started
            yield Answer(refusal(language), language, True, [], question, english_question, note, timings)
            return

        messages = answer_messages(question, english_question, hits, answer_language)
        self.last_prompt = messages
        raw = ""
        t1 = time.perf_counter()
        for piece in self.llm.stream(messages, max_tokens=self.max_answer_tokens):
            if not raw:
                timings["first_token_s"] = time.perf_counter() - started
            raw += piece
            yield piece
        timings["generation_s"] = time.perf_counter() - t1
        timings["total_s"] = time.perf_counter() - started
        yield self._checked(raw, hits, question, english_question, language, answer_language, note, timings)

    def _standalone(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """The follow-up rewritten to stand alone; the question as asked if the rewrite is unusable."""
        lines = complete(self.llm, condense_messages(list(history), question), max_tokens=80).strip().splitlines()
        rewritten = lines[0].strip() if lines else ""
        if len(rewritten.split()) < 3 or "[" in rewritten or len(rewritten) > self.max_question_chars:
            return question
        return rewritten

    def _validate(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("The question is empty. Type a question about the articles, e.g. 'Where did Kim and Putin meet?'.")
        question = " ".join(question.split())
        if len(question) > self.max_question_chars:
            raise QuestionError(f"The question is {len(question)} characters long; the limit is {self.max_question_chars}. Ask a shorter question.")
        return question

    def _checked(self, raw: str, hits: list[ScoredChunk], question: str, english_question: str, language: str, answer_language: str, note: str, timings: dict[str, float]) -> Answer:
        if NOT_FOUND.lower() in raw.lower() and len(raw) < len(NOT_FOUND) + 40:
            return Answer(refusal(language), language, True, [], question, english_question, note, timings)
        checked = check_citations(raw.replace(NOT_FOUND, ""), hits, answer_language)
        if not checked.cited:
            return Answer(refusal(language), language, True, [], question, english_question, note, timings)
        citations = [_citation(n, hits[n - 1]) for n in sorted(checked.cited)]
        return Answer(checked.text, answer_language, False, citations, question, english_question, note, timings)


def _citation(number: int, hit: ScoredChunk) -> Citation:
    c = hit.chunk
    return Citation(number, c.source, c.title, c.date, c.text, c.original_text, c.language, round(hit.score, 4), c.start, c.end)


def question_language(question: str) -> str:
    return detect(question).language
