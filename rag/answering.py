"""Answering a question: language, translation, retrieval, generation, citation check.

    pipeline = build_pipeline(Settings.load())
    for item in pipeline.stream("Where did Kim meet Putin?"):
        print(item if isinstance(item, str) else item.citations)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Iterator, Sequence

from rag.citations import check_citations, marker_numbers, strip_markers, with_markers
from rag.errors import EmptyStoreError, QuestionError
from rag.languages import detect
from rag.llm import ChatModel, complete
from rag.prompting import NOT_FOUND, answer_messages, condense_messages, english_note, refusal, says_not_found
from rag.relevance import question_coverage, states_what_is_asked
from rag.sentences import sentences
from rag.retrieval import HybridRetriever, Retrieval
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
    second_look_coverage: float | None  # None: a NOT IN ARTICLES draft is final
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
        english_question = self._english(question, language)
        # The model reads, answers and is checked in English, its best language; the checked
        # answer is then translated where a translator writes the question's language well.
        answer_language = language if language == "en" or self.translation.supports("en", language) else "en"
        note = "" if answer_language == language else english_note(language)

        t0 = time.perf_counter()
        retrieval = self.retrieve(question, english_question, language)
        timings = {"retrieval_s": time.perf_counter() - t0}
        hits = retrieval.hits
        if not hits or retrieval.best_dense < self.min_relevance:
            timings["total_s"] = time.perf_counter() - started
            yield Answer(refusal(language), language, True, [], question, english_question, note, timings)
            return

        messages = answer_messages(english_question, hits)
        self.last_prompt = messages
        raw = ""
        t1 = time.perf_counter()
        for piece in self.llm.stream(messages, max_tokens=self.max_answer_tokens):
            if not raw:
                timings["first_token_s"] = time.perf_counter() - started
            raw += piece
            yield piece  # the English draft; the final Answer replaces it
        timings["generation_s"] = time.perf_counter() - t1
        answer = self._checked(raw, hits, question, english_question, language, note, timings)
        if answer.refused and says_not_found(raw) and self.second_look_coverage is not None:
            t3 = time.perf_counter()
            answer = self._second_look(hits, question, english_question, language, note, timings, self.second_look_coverage) or answer
            timings["second_look_s"] = time.perf_counter() - t3
        if not answer.refused and answer_language != "en":
            t2 = time.perf_counter()
            answer = replace(answer, text=self._localized(answer.text, answer_language), language=answer_language)
            timings["localize_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - started
        yield answer

    def _second_look(self, hits: list[ScoredChunk], question: str, english_question: str, language: str, note: str, timings: dict[str, float], min_coverage: float) -> Answer | None:
        """The checked answer the model gives when it may not refuse, kept only where it states
        the kind of thing asked for and a passage it cites holds ``min_coverage`` of the
        question's words and all its numbers (rag.relevance). Measured on the eval set: the model
        refuses with the answer in front of it; forced, it finds some of those answers and, for
        questions the articles cannot answer, quotes the nearest passage, which these checks turn away."""
        draft = complete(self.llm, answer_messages(english_question, hits, may_refuse=False), max_tokens=self.max_answer_tokens)
        if says_not_found(draft) or not states_what_is_asked(english_question, draft):
            return None
        answer = self._checked(draft, hits, question, english_question, language, note, timings)
        covered = any(question_coverage(english_question, hits[c.number - 1]) >= min_coverage for c in answer.citations)
        return answer if covered else None

    def _english(self, question: str, language: str) -> str:
        """The question in English for retrieval and the prompt; as asked where no translator has the pair."""
        if language == "en" or not self.translation.supports(language, "en"):
            return question
        (english,), _ = self.translation.translate([question], language, "en")
        return english

    def _localized(self, text: str, language: str) -> str:
        """The checked English answer translated sentence by sentence, its [n] markers kept."""
        parts = []
        for sentence in sentences(text):
            bare = strip_markers(sentence)
            (translated,), _ = self.translation.translate([bare], "en", language)
            parts.append(with_markers(translated.strip() or bare, marker_numbers(sentence)))
        return " ".join(parts)

    def retrieve(self, question: str, english_question: str, language: str) -> Retrieval:
        """The passages for a question as asked (in ``language``) and in English. The multilingual
        list leads for a question not asked in English: the English lists see only a translation."""
        return self.retriever.search(english_question, question, multilingual_first=language != "en")

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

    def _checked(self, raw: str, hits: list[ScoredChunk], question: str, english_question: str, language: str, note: str, timings: dict[str, float]) -> Answer:
        """The English draft with its citations checked; a refusal when nothing supported remains."""
        if says_not_found(raw):
            return Answer(refusal(language), language, True, [], question, english_question, note, timings)
        checked = check_citations(raw.replace(NOT_FOUND, ""), hits, "en")
        if not checked.cited:
            return Answer(refusal(language), language, True, [], question, english_question, note, timings)
        citations = [_citation(n, hits[n - 1]) for n in sorted(checked.cited)]
        return Answer(checked.text, "en", False, citations, question, english_question, note, timings)


def _citation(number: int, hit: ScoredChunk) -> Citation:
    c = hit.chunk
    return Citation(number, c.source, c.title, c.date, c.text, c.original_text, c.language, round(hit.score, 4), c.start, c.end)


def question_language(question: str) -> str:
    return detect(question).language
