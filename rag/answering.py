"""Answering a question: language, translation, retrieval, a schema-shaped reply, evidence check.

The model reads the passages as numbered sentences and replies with JSON that the decoder
forces into ``{"evidence": [sentence ids], "answer": string or null}``. Code keeps only ids of
sentences it showed; the answer stands only on such evidence, quoted verbatim in the citation
(English and original). ``null``, or an answer without evidence, is a refusal.

    pipeline = build_pipeline(Settings.load())
    for item in pipeline.stream("Where did Kim meet Putin?"):
        print(item)  # a Preview of the best passage, str pieces of the answer, the final Answer
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rag.chunking import PENDING, translated_chunk
from rag.errors import EmptyStoreError, QuestionError
from rag.languages import detect
from rag.llm.base import ChatModel, complete
from rag.numbers import unsupported
from rag.prompting import ANSWER_SCHEMA, MAX_EVIDENCE, VERIFY_SCHEMA, NumberedSentence, answer_messages, condense_messages, doubt_warning, english_note, numbered_sentences, refusal, verify_messages
from rag.queue import TranslationQueue
from rag.retrieval import HybridRetriever, Retrieval
from rag.screening import flag_paragraph
from rag.text import beside_english, marker_numbers, sentences, strip_markers, with_markers, with_quotes
from rag.translation.cache import CachedTranslation
from rag.translation.confidence import confidences
from rag.translation.faithfulness import assess
from rag.types import NO_FILTERS, Answer, ArticleSummary, Citation, Evidence, Filters, Preview, ScoredChunk
from rag.vectors import similarities
from vectorstore.store import ArticleCatalog, ChromaStore

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from rag.background import AnswerGate


@dataclass(frozen=True)
class Reply:
    """The model's reply, parsed: the evidence ids it gave and its answer (None: not in the passages)."""

    evidence: list[int]
    answer: str | None


def parse_reply(raw: str) -> Reply:
    """The reply's fields; a reply that is not the schema's JSON (a server that ignored the
    schema, a cut-off generation) is read as far as it goes and otherwise counts as no answer."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        ids = re.search(r'"evidence"\s*:\s*\[([\d\s,]*)\]', raw)
        text = partial_answer(raw) if re.search(r'"answer"\s*:\s*"(?:[^"\\]|\\.)*"', raw) else ""
        found = not re.search(r'"found"\s*:\s*false', raw)
        data = {"found": found, "evidence": [int(n) for n in re.findall(r"\d+", ids.group(1))] if ids else [], "answer": text or None}
    if not isinstance(data, dict) or data.get("found") is False:
        return Reply([], None)
    evidence = [n for n in data.get("evidence") or [] if isinstance(n, int) and not isinstance(n, bool)]
    answer = data.get("answer")
    answer = " ".join(answer.split()) if isinstance(answer, str) and answer.strip() else None
    return Reply(list(dict.fromkeys(evidence))[:MAX_EVIDENCE], answer)


_ANSWER_START = re.compile(r'"answer"\s*:\s*"')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def partial_answer(raw: str) -> str:
    """The decoded text of the "answer" string so far, from a reply still being generated."""
    match = _ANSWER_START.search(raw)
    if not match:
        return ""
    out: list[str] = []
    i = match.end()
    while i < len(raw):
        ch = raw[i]
        if ch == '"':
            break
        if ch == "\\":
            if i + 1 >= len(raw):
                break
            code = raw[i + 1]
            if code == "u":
                if i + 6 > len(raw):
                    break
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(code, code))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


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
    check_answer_numbers: bool = True  # refuse an answer stating a number its evidence does not hold as a value (rag.numbers)
    translate_questions: bool = True  # False: the model reads a question as asked (measured: see README)
    doubtful_in_prompt: str = "english"  # a translation marked doubtful as the model reads it: english | original | both (measured: docs/benchmarks.md)
    hide_flagged_sentences: bool = True  # keep sentences addressed to an AI (rag.screening) from the model; False only to measure the other defences
    evidence_embedder: BaseEmbedding | None = None  # the multilingual embedder: how close an answer's evidence is to the question
    min_evidence_similarity: float = 0.0  # refuse an answer whose evidence is less similar to the question than this
    max_prompt_sentences: int = 0  # give the model only the sentences closest to the question (0: all; default setting 5, measured: see README)
    catalog: ArticleCatalog | None = None  # where the copies of a story stored once are recorded
    gate: AnswerGate | None = None  # held while answering: background translation pauses (rag.background)
    queue: TranslationQueue | None = None  # articles waiting for translation: those a question needs go first
    translate_on_demand: bool = False  # translate a retrieved passage still stored as written (default setting True)
    reject_translation_below: float = 0.0  # such a translation less confident than this is not used (as at ingest)
    verify_answers: bool = False  # ask the model whether the evidence states what is asked; refuse where it says not

    def articles(self) -> list[ArticleSummary]:
        return self.store.summaries()

    def outlets(self) -> list[str]:
        """Every outlet of the stored articles and their copies, for a filter's choices."""
        return self.catalog.outlets() if self.catalog is not None else sorted({a.outlet for a in self.articles() if a.outlet})

    def answer(self, question: str, history: Sequence[tuple[str, str]] = (), filters: Filters = NO_FILTERS) -> Answer:
        result = None
        for item in self.stream(question, history, filters):
            if isinstance(item, Answer):
                result = item
        assert result is not None  # stream always ends with an Answer
        return result

    def stream(self, question: str, history: Sequence[tuple[str, str]] = (), filters: Filters = NO_FILTERS) -> Iterator[str | Preview | Answer]:
        """Yields the best retrieved passage (a Preview), pieces of the English answer as the
        model writes it, then the checked Answer. ``filters`` limit the passages it may draw on
        (a period, outlets, languages). Background translation pauses until it is done."""
        if self.gate is None:
            yield from self._stream(question, history, filters)
            return
        with self.gate.answering():
            yield from self._stream(question, history, filters)

    def _stream(self, question: str, history: Sequence[tuple[str, str]], filters: Filters) -> Iterator[str | Preview | Answer]:
        started = time.perf_counter()
        question = self._validate_question(question)
        if self.store.count() == 0:
            raise EmptyStoreError()
        if history:
            question = self._rewrite_to_stand_alone(question, history)
        language = question_language(question)
        timings: dict[str, float] = {}
        # The best passage goes on screen before anything slow: for an English question straight
        # from the full retrieval; for another, from the multilingual retriever with the question
        # as asked, while the question's translation and the full retrieval follow.
        t0 = time.perf_counter()
        retrieval = self.retrieve(question, question, language, filters) if language == "en" else None
        if retrieval is not None:
            timings["retrieval_s"] = time.perf_counter() - t0
        preview = self.retriever.preview(question, retrieval.hits if retrieval else None, filters)
        if preview is not None:
            timings["evidence_s"] = time.perf_counter() - started
            yield preview
        t1 = time.perf_counter()
        english_question = self._translate_question(question, language)
        timings["translate_question_s"] = time.perf_counter() - t1
        # The model reads and answers in English, its best language; the checked answer is
        # then translated where a translator writes the question's language well.
        answer_language = language if language == "en" or self.translation.supports("en", language) else "en"
        note = "" if answer_language == language else english_note(language)
        if retrieval is None:
            t2 = time.perf_counter()
            retrieval = self.retrieve(question, english_question, language, filters)
            timings["retrieval_s"] = time.perf_counter() - t2
        hits, best_dense = retrieval.hits, retrieval.best_dense
        if self.translate_on_demand:
            t5 = time.perf_counter()
            hits, translated = self._translate_pending(hits)
            if translated:
                # The dense score was of the passage as written: the relevance floor reads its English.
                timings["translate_passages_s"] = time.perf_counter() - t5
                best_dense = max(best_dense, *similarities(self.retriever.embedder, [english_question], translated)[0])
        shown = numbered_sentences(hits, self.doubtful_in_prompt, self.hide_flagged_sentences)
        if self.max_prompt_sentences and len(shown) > self.max_prompt_sentences:
            shown = closest_sentences(shown, english_question, self.retriever.embedder, self.max_prompt_sentences)
        # The relevance floor is a cosine of the English embedder: it says nothing of a question
        # it reads untranslated.
        gated = language == "en" or english_question != question
        if not hits or not shown or (gated and best_dense < self.min_relevance):
            timings["total_s"] = time.perf_counter() - started
            yield Answer(refusal(language), language, True, [], question, english_question, note, timings, refusal_reason="nothing relevant", passages=hits)
            return

        messages = answer_messages(english_question, shown)
        raw, streamed = "", ""
        t3 = time.perf_counter()
        for piece in self.llm.stream(messages, max_tokens=self.max_answer_tokens, schema=ANSWER_SCHEMA):
            if not raw:
                timings["first_token_s"] = time.perf_counter() - started
            raw += piece
            text = partial_answer(raw)
            if len(text) > len(streamed):
                if not streamed:
                    timings["first_answer_token_s"] = time.perf_counter() - started
                yield text[len(streamed) :]  # the English draft; the final Answer replaces it
                streamed = text
        timings["generation_s"] = time.perf_counter() - t3
        answer = replace(self._check_reply(parse_reply(raw), hits, shown, question, english_question, language, note, timings), passages=hits, prompt=messages)
        answer = replace(answer, citations=self._with_copies(answer.citations))
        if not answer.refused and answer_language != "en":
            t4 = time.perf_counter()
            answer = replace(answer, text=self._translate_answer(answer.text, answer_language), language=answer_language)
            timings["localize_s"] = time.perf_counter() - t4
        elif not answer.refused and language != "en":
            answer = replace(answer, text=with_quotes(answer.text, _evidence_quotes_in(answer.citations, language)))
        if not answer.refused and rests_on_doubt(answer.citations):
            answer = replace(answer, text=f"{answer.text} {doubt_warning(language)}")
        timings["total_s"] = time.perf_counter() - started
        yield answer

    def _check_reply(self, reply: Reply, hits: list[ScoredChunk], shown: list[NumberedSentence], question: str, english_question: str, language: str, note: str, timings: dict[str, float]) -> Answer:
        """The answer with its citations built from the evidence ids that name shown sentences;
        a refusal when the model gave no answer, or no valid evidence for it."""
        by_id = {s.id: s for s in shown}
        evidence = [by_id[n] for n in reply.evidence if n in by_id]
        reason = "not found" if reply.answer is None else "no evidence" if not evidence else ""
        similarity = self._evidence_similarity([question, english_question], evidence, hits) if not reason else None
        asked = [(question, language), (english_question, "en")]
        stray = _unsupported_numbers(reply.answer, evidence, hits, asked) if not reason else []
        if stray:
            # The model read the number in a sentence it did not name: that sentence is cited too.
            sources, stray = _number_sources(reply.answer, evidence, shown, hits, asked, stray)
            evidence += sources
        if stray and self.check_answer_numbers:
            reason = "unsupported number"
        if not reason and similarity is not None and similarity < self.min_evidence_similarity:
            reason = "unrelated evidence"
        if not reason and self.verify_answers and reply.answer is not None:
            t0 = time.perf_counter()
            if not self._states_answer(english_question, evidence, reply.answer):
                reason = "does not answer"
            timings["verify_s"] = time.perf_counter() - t0
        passages = list(dict.fromkeys(s.passage for s in evidence))
        if reason:
            draft = with_markers(reply.answer, passages) if reply.answer is not None else ""
            return Answer(
                refusal(language), language, True, [], question, english_question, note, timings, refusal_reason=reason, evidence_similarity=similarity, unsupported_numbers=stray, draft=draft
            )
        citations = [_build_citation(n, hits[n - 1], [s.index for s in evidence if s.passage == n]) for n in passages]
        return Answer(with_markers(reply.answer, passages), "en", False, citations, question, english_question, note, timings, evidence_similarity=similarity, unsupported_numbers=stray)

    def _states_answer(self, english_question: str, evidence: list[NumberedSentence], answer: str) -> bool:
        """The model's second look: whether the evidence sentences state what the question asks
        for (True where its reply cannot be read: the check refuses only on a clear no)."""
        raw = complete(self.llm, verify_messages(english_question, evidence, answer), max_tokens=12, schema=VERIFY_SCHEMA)
        try:
            verdict = json.loads(raw)
        except ValueError:
            return True
        return not (isinstance(verdict, dict) and verdict.get("states_answer") is False)

    def _evidence_similarity(self, questions: list[str], evidence: list[NumberedSentence], hits: list[ScoredChunk]) -> float | None:
        """The best cosine, in the multilingual embedder, between the question (as asked and in
        English) and an evidence sentence (English and original): low where the model rested its
        answer on a sentence about something else, such as an instruction planted in an article."""
        if self.evidence_embedder is None or not evidence:
            return None
        texts = [t for pair in _evidence_texts(evidence, hits) for t in dict.fromkeys(pair) if t.strip()]
        return round(max(max(row) for row in similarities(self.evidence_embedder, list(dict.fromkeys(questions)), texts)), 4)

    def _translate_pending(self, hits: list[ScoredChunk]) -> tuple[list[ScoredChunk], list[str]]:
        """Retrieved passages whose article waits for its translation, translated now (the
        sentences are cached, so the queue does not translate them again) and their articles
        moved to the head of the queue; with the English of those passages. A passage no
        translator reads stays as written."""
        pending = [i for i, h in enumerate(hits) if PENDING in h.chunk.translator.split("+") and self.translation.supports(h.chunk.language, "en")]
        if not pending:
            return hits, []
        if self.queue is not None:
            self.queue.first(sorted({hits[i].chunk.source for i in pending}))
        out = list(hits)
        by_language: dict[str, list[int]] = {}
        for i in pending:
            by_language.setdefault(hits[i].chunk.language, []).append(i)
        for language, indexes in by_language.items():
            originals = [[o for _, o in hits[i].chunk.sentence_texts()] for i in indexes]
            english = self.translation.translate_scored([o for group in originals for o in group], language, "en")
            made_by = self.translation.made_by(language, "en")
            cursor = 0
            for i, group in zip(indexes, originals):
                made = english[cursor : cursor + len(group)]
                texts = [" ".join(e.text.split()) for e in made]
                cursor += len(group)
                scores = confidences(group, texts, self.evidence_embedder) if self.evidence_embedder is not None else [1.0] * len(group)
                assessed = assess(group, made, language, scores, self.reject_translation_below)
                texts = [o if score < self.reject_translation_below else t for o, t, score in zip(group, texts, scores)]
                out[i] = replace(hits[i], chunk=translated_chunk(hits[i].chunk, texts, made_by, flag_paragraph(group, texts), scores, assessed))
        return out, [out[i].chunk.text for i in pending]

    def _translate_question(self, question: str, language: str) -> str:
        """The question in English for retrieval and the prompt; as asked where no translator has the pair."""
        if language == "en" or not self.translate_questions or not self.translation.supports(language, "en"):
            return question
        return self.translation.translate_question(question, language, "en")

    def _translate_answer(self, text: str, language: str) -> str:
        """The English answer translated, with the evidence's own words kept beside it: the local
        model mistranslates names in short phrases ("Vostochny" came back "Vostro")."""
        cited = marker_numbers(text)
        bare = strip_markers(text).rstrip(".")
        translated = self.translation.translate(sentences(bare) or [bare], "en", language)
        local = " ".join(t.strip() for t in translated if t.strip()).rstrip(".")
        if not local or local.casefold() == bare.casefold():
            return with_markers(bare, cited)
        return with_markers(beside_english(local, bare), cited)

    def _with_copies(self, citations: list[Citation]) -> list[Citation]:
        """Each citation with the other outlets' copies of its story (stored once at ingest)."""
        if self.catalog is None or not citations:
            return citations
        copies = self.catalog.copies_of(sorted({c.source for c in citations}))
        return [replace(c, copies=tuple(copies.get(c.source, ()))) for c in citations]

    def retrieve(self, question: str, english_question: str, language: str, filters: Filters = NO_FILTERS) -> Retrieval:
        """The passages for a question as asked (in ``language``) and in English. The multilingual
        list leads for a question not asked in English: the English lists see only a translation."""
        return self.retriever.search(english_question, question, multilingual_first=language != "en", filters=filters)

    def _rewrite_to_stand_alone(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """The follow-up rewritten to stand alone; the question as asked if the rewrite is unusable."""
        lines = complete(self.llm, condense_messages(list(history), question), max_tokens=80).strip().splitlines()
        rewritten = lines[0].strip() if lines else ""
        if len(rewritten.split()) < 3 or "[" in rewritten or len(rewritten) > self.max_question_chars:
            return question
        return rewritten

    def _validate_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("The question is empty. Type a question about the articles, e.g. 'Where did Kim and Putin meet?'.")
        question = " ".join(question.split())
        if len(question) > self.max_question_chars:
            raise QuestionError(f"The question is {len(question)} characters long; the limit is {self.max_question_chars}. Ask a shorter question.")
        return question


def closest_sentences(shown: list[NumberedSentence], question: str, embedder: BaseEmbedding, keep: int) -> list[NumberedSentence]:
    """The ``keep`` sentences most similar to the question (English embedder), in their passage
    order and numbered afresh: fewer tokens for the model to read before its first token."""
    (scores,) = similarities(embedder, [question], [s.text for s in shown])
    best = sorted(sorted(range(len(shown)), key=lambda i: -scores[i])[:keep])
    return [replace(shown[i], id=n) for n, i in enumerate(best, start=1)]


def rests_on_doubt(citations: list[Citation]) -> bool:
    """Whether every evidence sentence of an answer is a translation marked doubtful."""
    evidence = [e for c in citations for e in c.evidence]
    return bool(evidence) and all(e.doubtful for e in evidence)


def _build_citation(number: int, hit: ScoredChunk, indexes: list[int]) -> Citation:
    c = hit.chunk
    evidence = []
    for index in sorted(indexes):
        span = c.sentences[index]
        evidence.append(
            Evidence(
                c.text[span.start : span.end],
                span.start,
                span.end,
                c.original_text[span.original_start : span.original_end],
                span.original_start,
                span.original_end,
                span.confidence,
                span.doubtful,
                span.signals,
            )
        )
    return Citation(
        number,
        c.source,
        c.title,
        c.date,
        c.text,
        c.original_text,
        c.language,
        round(hit.score, 4),
        c.start,
        c.end,
        tuple(evidence),
        c.sentences,
        outlet=c.outlet,
        url=c.url,
        author=c.author,
        kind=c.kind,
    )


def _evidence_texts(evidence: list[NumberedSentence], hits: list[ScoredChunk]) -> list[tuple[str, str]]:
    """Each evidence sentence as (English, original), read from the passage it was shown in."""
    return [hits[sentence.passage - 1].chunk.sentence_texts()[sentence.index] for sentence in evidence]


def _unsupported_numbers(answer: str, evidence: list[NumberedSentence], hits: list[ScoredChunk], questions: list[tuple[str, str]]) -> list[str]:
    """The numbers the answer states that neither the passages it cites (English and original,
    each read in its language) nor the question holds as a value (rag.numbers). The model once
    answered "1,000,000" for a population no passage gave, and once a sum of two figures as a
    cost; the evidence ids alone do not catch an invented number. Whole passages, not only the
    evidence sentences: the model often names the sentence beside the one with the number (in a
    clean-clone run, 4 of 32 right answers of the planted suite would have been refused)."""
    held = list(questions)
    for number in dict.fromkeys(s.passage for s in evidence):
        chunk = hits[number - 1].chunk
        held += [(chunk.text, "en"), (chunk.original_text, chunk.language)]
    return unsupported(answer, held)


def _number_sources(
    answer: str, evidence: list[NumberedSentence], shown: list[NumberedSentence], hits: list[ScoredChunk], asked: list[tuple[str, str]], missing: list[str]
) -> tuple[list[NumberedSentence], list[str]]:
    """Shown sentences, outside the passages the answer cites, that hold ``missing`` numbers of
    the answer: each taken, in the order shown, where it leaves fewer numbers unheld; with the
    numbers still unheld. Where the model named the wrong sentence for a figure it read, the
    figure keeps a source."""
    cited = {s.passage for s in evidence}
    taken: list[NumberedSentence] = []
    for sentence in shown:
        if not missing:
            break
        if sentence.passage in cited:
            continue
        ((english, original),) = _evidence_texts([sentence], hits)
        held = [*asked, (english, "en"), (original, hits[sentence.passage - 1].chunk.language)]
        if len(unsupported("; ".join(missing), held)) < len(missing):
            taken.append(sentence)
            missing = _unsupported_numbers(answer, evidence + taken, hits, asked)
    return taken, missing


def _evidence_quotes_in(citations: list[Citation], language: str) -> list[str]:
    """For a question answered in English, the evidence as the articles in the question's own
    language state it, so the reader gets the fact in their language."""
    return [f"„{' '.join(c.original_quote.split())}“ [{c.number}]" for c in citations if c.language == language and c.original_quote.strip()]


def question_language(question: str) -> str:
    return detect(question).language
