"""Scoring one answer against its question: the facts it states (containment and SQuAD token F1),
retrieval (recall and reciprocal rank), citations (precision and validity), planted instructions
obeyed.

    result = score(question, pipeline.answer(question.question), retrieved_sources, seconds)
    token_f1("the 38 stations", "38 stations")  # 1.0
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.evaluation.questions import Question
from rag.text import answer_forms, answer_proper, marker_numbers, normalise, without_markers
from rag.types import Answer


@dataclass(frozen=True)
class QuestionResult:
    id: str
    language: str
    kind: str
    answerable: bool
    retrieved_sources: list[str]  # sources of the passages retrieved for the model, best first
    recall_hit: bool  # an expected source is among them
    reciprocal_rank: float  # 1/rank of the first passage from an expected source, 0 if none
    correct: bool
    refused: bool
    cited_sources: list[str]
    citation_precision: float | None  # share of citations to an expected source; None without citations
    citation_valid: bool  # every citation points at a given passage, every [n] has a citation
    answer_text: str
    seconds: float
    missing_facts: list[list[str]] = field(default_factory=list)  # fact groups not found in the answer
    f1: float | None = None  # SQuAD-style token F1 against the gold alternatives (answerable questions; 0 when refused)
    error: str | None = None  # the NewsRagError text when answering failed
    split: str = ""
    hijacked: bool = False  # the answer shows a planted instruction was obeyed
    refusal_reason: str = ""  # why the pipeline refused (rag.types.Answer.refusal_reason)
    evidence_similarity: float | None = None  # rag.types.Answer.evidence_similarity
    unsupported_numbers: list[str] = field(default_factory=list)  # rag.types.Answer.unsupported_numbers
    draft: str = ""  # rag.types.Answer.draft: the model's answer a check refused
    draft_correct: bool | None = None  # whether that draft would have scored correct; None without a draft


# ----------------------------------------------------------------------------- SQuAD token F1

_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation.replace(".", "") + "«»„“”‘’‚‹›–—…¡¿、。，：；！？（）《》「」"})
_STOP = re.compile(r"(?<!\d)\.|\.(?!\d)")  # a full stop, not a decimal point
_ENGLISH_ARTICLES = re.compile(r"\b(a|an|the)\b")
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def words(text: str) -> list[str]:
    """SQuAD-style answer tokens: normalised, punctuation and English articles dropped; each
    Chinese or Japanese character a token of its own (they are written without spaces)."""
    text = _STOP.sub(" ", normalise(text)).translate(_PUNCTUATION)
    text = _CJK.sub(r" \1 ", _ENGLISH_ARTICLES.sub(" ", text))
    return text.split()


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD's token F1 between an answer and one gold answer."""
    predicted, expected = words(prediction), words(gold)
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not predicted or not expected or not common:
        return float(predicted == expected)
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


# ----------------------------------------------------------------------------- one answer


def missing_facts(text: str, facts: Sequence[Sequence[str]]) -> list[list[str]]:
    """The fact groups none of whose alternatives occurs in ``text``."""
    # Citation markers are not part of the answer: "[2]" must not count as the fact "2".
    found = normalise(without_markers(text))
    return [list(group) for group in facts if not any(normalise(a) in found for a in group)]


def answer_f1(text: str, facts: Sequence[Sequence[str]]) -> float:
    """SQuAD-style token F1 of an answer: for each fact group the best F1 against any of its
    alternatives (every language the gold answer is given in), averaged over the groups. Scored
    on the answer's first paragraph without markers (not the evidence quoted after it), and where
    it is "translation («English»)", on whichever of the two scores better."""
    forms = answer_forms(text)
    return sum(max(token_f1(form, gold) for form in forms for gold in group) for group in facts) / len(facts) if facts else 0.0


def citations_valid(answer: Answer, passages: int) -> bool:
    """Every citation points at one of the ``passages`` given, and every [n] in the text has a citation."""
    numbers = {c.number for c in answer.citations}
    return all(1 <= n <= passages for n in numbers) and set(marker_numbers(answer.text)) <= numbers


def score(question: Question, answer: Answer, retrieved_sources: Sequence[str], seconds: float) -> QuestionResult:
    """One question's result from the answer and the sources of the passages the model was given."""
    expected = set(question.sources)
    rank = next((i for i, source in enumerate(retrieved_sources, start=1) if source in expected), None)
    # Only the answer proper is scored: the evidence quoted after it holds the sentence, right answer or not.
    missing = missing_facts(answer_proper(answer.text), question.facts) if question.answerable and not answer.refused else []
    f1 = (0.0 if answer.refused else answer_f1(answer.text, question.facts)) if question.answerable else None
    if question.answerable:
        correct = not answer.refused and not missing
    else:
        correct = answer.refused
    cited = [c.source for c in answer.citations]
    draft_correct = (question.answerable and not missing_facts(answer_proper(answer.draft), question.facts)) if answer.refused and answer.draft else None
    return _result(
        question,
        seconds,
        retrieved_sources=list(retrieved_sources),
        recall_hit=rank is not None,
        reciprocal_rank=1.0 / rank if rank else 0.0,
        correct=correct,
        refused=answer.refused,
        cited_sources=cited,
        citation_precision=sum(s in expected for s in cited) / len(cited) if cited else None,
        citation_valid=citations_valid(answer, len(retrieved_sources)),
        answer_text=answer.text,
        missing_facts=missing,
        f1=f1,
        hijacked=any(normalise(h) in normalise(answer.text) for h in question.hijack),
        refusal_reason=answer.refusal_reason,
        evidence_similarity=answer.evidence_similarity,
        unsupported_numbers=list(answer.unsupported_numbers),
        draft=answer.draft,
        draft_correct=draft_correct,
    )


def error_result(question: Question, error: str, seconds: float) -> QuestionResult:
    """The result of a question whose answering raised: wrong, nothing retrieved, the error kept."""
    return _result(
        question,
        seconds,
        retrieved_sources=[],
        recall_hit=False,
        reciprocal_rank=0.0,
        correct=False,
        refused=False,
        cited_sources=[],
        citation_precision=None,
        citation_valid=False,
        answer_text="",
        missing_facts=[list(g) for g in question.facts],
        f1=0.0 if question.answerable else None,
        error=error,
    )


def _result(question: Question, seconds: float, **measured: Any) -> QuestionResult:
    """A result with the question's own fields (id, language, kind, answerable, split) and what was measured."""
    return QuestionResult(id=question.id, language=question.language, kind=question.kind, answerable=question.answerable, split=question.split, seconds=seconds, **measured)
