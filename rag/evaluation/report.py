"""The evaluation report: scores over all results and per language, kind and split, checked
against the question file's thresholds, as Markdown and JSON.

    report = Report(k=4, thresholds={"answer_correct": 0.7}, results=results)
    print(report.markdown()); report.passed
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.evaluation.questions import THRESHOLD_KEYS
from rag.evaluation.scoring import QuestionResult


@dataclass(frozen=True)
class Scores:
    """Aggregates over a group of results; a score is None when the group has nothing to score."""

    n: int
    answerable: int
    unanswerable: int
    errors: int
    answer_correct: float | None  # all questions
    f1: float | None  # answerable questions: mean token F1, a refusal 0
    recall_at_k: float | None  # answerable questions
    mrr: float | None  # answerable questions
    refusal_accuracy: float | None  # unanswerable questions refused
    false_refusals: int  # answerable questions refused
    citation_precision: float | None  # answerable, not refused, with citations
    citation_validity: float | None  # answers given (not refused, no error)
    median_seconds: float | None
    hijacked: int = 0  # answers that obeyed a planted instruction

    @classmethod
    def of(cls, results: Sequence[QuestionResult]) -> Scores:
        answerable = [r for r in results if r.answerable]
        unanswerable = [r for r in results if not r.answerable]
        precisions = [r.citation_precision for r in answerable if not r.refused and r.citation_precision is not None]
        given = [r for r in results if not r.refused and r.error is None]
        return cls(
            n=len(results),
            answerable=len(answerable),
            unanswerable=len(unanswerable),
            errors=sum(r.error is not None for r in results),
            answer_correct=_mean(r.correct for r in results),
            f1=_mean(r.f1 for r in answerable if r.f1 is not None),
            recall_at_k=_mean(r.recall_hit for r in answerable),
            mrr=_mean(r.reciprocal_rank for r in answerable),
            refusal_accuracy=_mean(r.refused for r in unanswerable),
            false_refusals=sum(r.refused for r in answerable),
            citation_precision=_mean(precisions),
            citation_validity=_mean(r.citation_valid for r in given),
            median_seconds=statistics.median(r.seconds for r in results) if results else None,
            hijacked=sum(r.hijacked for r in results),
        )


def _mean(values: Iterable[float | bool]) -> float | None:
    items = [float(v) for v in values]
    return sum(items) / len(items) if items else None


@dataclass
class Report:
    """Per-question results with overall, per-language and per-kind scores, checked against thresholds.

    A threshold whose score is None (nothing to score, e.g. a --limit run without unanswerable
    questions) is shown as n/a and not counted as missed.
    """

    k: int  # passages given to the model (recall@k)
    thresholds: dict[str, float]
    results: list[QuestionResult]
    config: dict[str, Any] = field(default_factory=dict)
    ingest_failures: list[str] = field(default_factory=list)
    overall: Scores = field(init=False)
    by_language: dict[str, Scores] = field(init=False)
    by_kind: dict[str, Scores] = field(init=False)
    by_split: dict[str, Scores] = field(init=False)
    failures: list[str] = field(init=False)  # the thresholds missed, as readable lines

    def __post_init__(self) -> None:
        self.overall = Scores.of(self.results)
        self.by_language = {key: Scores.of(group) for key, group in _grouped(self.results, lambda r: r.language).items()}
        self.by_kind = {key: Scores.of(group) for key, group in _grouped(self.results, lambda r: r.kind).items()}
        self.by_split = {key: Scores.of(group) for key, group in _grouped(self.results, lambda r: r.split).items() if key}
        self.failures = []
        for key, minimum in self.thresholds.items():
            value = getattr(self.overall, key)
            if value is not None and value < minimum:
                self.failures.append(f"{key} {value:.3f} < {minimum:.3f}")

    @property
    def passed(self) -> bool:
        return not self.failures

    def result(self, question_id: str) -> QuestionResult | None:
        return next((r for r in self.results if r.id == question_id), None)

    def to_json(self) -> str:
        data = {
            "passed": self.passed,
            "failures": self.failures,
            "k": self.k,
            "thresholds": self.thresholds,
            "config": self.config,
            "ingest_failures": self.ingest_failures,
            "overall": asdict(self.overall),
            "by_language": {key: asdict(s) for key, s in self.by_language.items()},
            "by_kind": {key: asdict(s) for key, s in self.by_kind.items()},
            "by_split": {key: asdict(s) for key, s in self.by_split.items()},
            "results": [asdict(r) for r in self.results],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)

    def markdown(self) -> str:
        o = self.overall
        lines = [f"# Evaluation: {'PASSED' if self.passed else 'FAILED'}", ""]
        if self.config:
            lines += [", ".join(f"{key}: {value}" for key, value in self.config.items()), ""]
        lines += [
            f"{o.n} questions ({o.answerable} answerable, {o.unanswerable} unanswerable); {o.false_refusals} false refusals; {o.hijacked} hijacked answers; {o.errors} errors.",
            "",
            "| metric | score | threshold | met |",
            "|---|---|---|---|",
        ]
        for key in THRESHOLD_KEYS:
            value = getattr(o, key)
            minimum = self.thresholds.get(key)
            met = "" if minimum is None else ("n/a" if value is None else ("yes" if value >= minimum else "**no**"))
            label = f"recall@{self.k}" if key == "recall_at_k" else key
            lines.append(f"| {label} | {_fmt(value)} | {_fmt(minimum)} | {met} |")
        lines.append(f"| MRR | {_fmt(o.mrr)} |  |  |")
        lines.append(f"| token F1 (answerable) | {_fmt(o.f1)} |  |  |")
        checked = [r for r in self.results if r.draft_correct is not None]
        if checked:
            reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(Counter(r.refusal_reason for r in checked).items()))
            lines += [
                "",
                f"Refused by a check of the model's answer: {len(checked)} ({reasons}); without the checks, "
                f"{sum(r.draft_correct for r in checked)} of them would have scored correct, and {sum(not r.answerable for r in checked)} unanswerable would have been answered.",
            ]
        if self.failures:
            lines += ["", "Missed: " + "; ".join(self.failures) + "."]
        if self.ingest_failures:
            lines += ["", "Articles that failed to ingest:"] + [f"- {m}" for m in self.ingest_failures]
        lines += ["", "## By language", ""] + self._table("language", self.by_language)
        lines += ["", "## By kind", ""] + self._table("kind", self.by_kind)
        if self.by_split:
            lines += ["", "## By split", ""] + self._table("split", self.by_split)
        lines += [
            "",
            "## Questions",
            "",
            "| id | lang | kind | correct | F1 | refused | hit | RR | cit. prec. | valid | s | answer |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.results:
            answer = f"ERROR: {r.error}" if r.error else r.answer_text + (f" ({r.refusal_reason})" if r.refusal_reason else "")
            if r.draft:
                answer += f" (draft: {r.draft})"
            if r.unsupported_numbers:
                answer += " (numbers not in the evidence: " + ", ".join(r.unsupported_numbers) + ")"
            if r.missing_facts:
                answer += " (missing: " + "; ".join("/".join(group) for group in r.missing_facts) + ")"
            lines.append(
                f"| {r.id} | {r.language} | {r.kind} | {_yes(r.correct)} | {_fmt(r.f1)} | {_yes(r.refused)} | "
                f"{_yes(r.recall_hit) if r.answerable else ''} | {f'{r.reciprocal_rank:.2f}' if r.answerable else ''} | "
                f"{_fmt(r.citation_precision)} | {_yes(r.citation_valid)} | {r.seconds:.1f} | {_cell(answer)} |"
            )
        return "\n".join(lines) + "\n"

    def _table(self, name: str, groups: dict[str, Scores]) -> list[str]:
        lines = [
            f"| {name} | n | recall@{self.k} | MRR | correct | F1 | refusal acc. | false refusals | citation precision | validity | median s |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key, s in groups.items():
            lines.append(
                f"| {key} | {s.n} | {_fmt(s.recall_at_k)} | {_fmt(s.mrr)} | {_fmt(s.answer_correct)} | {_fmt(s.f1)} | {_fmt(s.refusal_accuracy)} | "
                f"{s.false_refusals} | {_fmt(s.citation_precision)} | {_fmt(s.citation_validity)} | {_fmt(s.median_seconds, 1)} |"
            )
        return lines


def _grouped(results: Sequence[QuestionResult], key: Callable[[QuestionResult], str]) -> dict[str, list[QuestionResult]]:
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    return groups


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _cell(text: str, limit: int = 200) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"
