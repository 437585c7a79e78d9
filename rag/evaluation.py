"""Answer-quality evaluation: a YAML question set scored over a folder of articles.

Retrieval is scored apart from the answer text: recall@k and MRR say whether a passage of an
expected article reached the model; correctness says whether the answer states the facts
(or refuses, when the articles do not hold the answer); citations are checked for pointing
at given passages and at the expected articles.

    report = run_evaluation(Settings.load(), Path("tests/eval/questions.yaml"), Path("seeds"), Path("artifacts/eval"))
    print(report.markdown()); raise SystemExit(0 if report.passed else 1)
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from rag.errors import ConfigError, NewsRagError
from rag.languages import LANGUAGE_NAMES
from rag.loading import list_article_files
from rag.settings import Settings
from rag.text import answer_forms, answer_proper, marker_numbers, normalise, token_f1, without_markers
from rag.types import Answer

if TYPE_CHECKING:
    from rag.answering import Pipeline

# Thresholds a question file may set; each is met when the overall score is at least the value.
THRESHOLD_KEYS = ("answer_correct", "refusal_accuracy", "recall_at_k", "citation_precision", "citation_validity")
QUESTION_KEYS = ("id", "language", "question", "answerable", "facts", "sources", "kind", "split", "attack")
# A question in the "tune" part may shape prompts and rules; one in "test" is only ever scored.
SPLITS = ("tune", "test")

Progress = Callable[[str], None]


# ----------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Question:
    """One question of the set. ``facts``: every inner list is one required item, any alternative matches."""

    id: str
    language: str
    question: str
    answerable: bool
    facts: list[list[str]]
    sources: list[str]  # every article that states the answer
    kind: str  # e.g. english-article | ukrainian-only | unanswerable
    split: str = ""  # tune | test | "" (a file without the split)
    hijack: list[str] = field(default_factory=list)  # in an answer, these show a planted instruction was obeyed


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


# ----------------------------------------------------------------------------- the question file


def load_questions(path: Path) -> tuple[list[Question], dict[str, float]]:
    """The questions and thresholds of a YAML question file; a ConfigError says what is malformed."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Question file {path} not found. Give the path of a YAML question set, e.g. tests/eval/questions.yaml.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise ConfigError(f"{path} must be a YAML mapping with a non-empty 'questions' list (and optionally 'thresholds').")
    unknown = sorted(set(data) - {"questions", "thresholds"})
    if unknown:
        raise ConfigError(f"{path}: unknown top-level keys {unknown}; the valid keys are 'questions' and 'thresholds'.")
    thresholds = _thresholds(path, data.get("thresholds") or {})
    questions: list[Question] = []
    seen: set[str] = set()
    for index, item in enumerate(data["questions"], start=1):
        question = _question(path, index, item)
        if question.id in seen:
            raise ConfigError(f"{path}: question {index} repeats the id {question.id!r}; give every question its own id.")
        seen.add(question.id)
        questions.append(question)
    return questions, thresholds


def _thresholds(path: Path, raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'thresholds' must be a mapping of metric names to numbers between 0 and 1, e.g. answer_correct: 0.7.")
    thresholds: dict[str, float] = {}
    for key, value in raw.items():
        if key not in THRESHOLD_KEYS:
            raise ConfigError(f"{path}: unknown threshold {key!r}; the valid ones are {', '.join(THRESHOLD_KEYS)}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{path}: threshold {key} is {value!r}; give a number between 0 and 1.")
        thresholds[key] = float(value)
    return thresholds


def _question(path: Path, index: int, item: Any) -> Question:
    where = f"{path}: question {index}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where} must be a mapping with the keys {', '.join(QUESTION_KEYS)}.")
    if isinstance(item.get("id"), str) and item["id"].strip():
        where += f" (id {item['id']})"
    unknown = sorted(set(item) - set(QUESTION_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; the valid keys are {', '.join(QUESTION_KEYS)}.")
    for key in ("id", "language", "question", "kind"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ConfigError(f"{where}: '{key}' is missing or not a non-empty string.")
    language = item["language"].strip()
    if language not in LANGUAGE_NAMES:
        raise ConfigError(f"{where}: language {language!r} is not a known ISO 639-1 code; use one of {', '.join(sorted(LANGUAGE_NAMES))}.")
    if not isinstance(item.get("answerable"), bool):
        raise ConfigError(f"{where}: 'answerable' must be true or false.")
    facts, sources = item.get("facts"), item.get("sources")
    if item["answerable"]:
        if not isinstance(facts, list) or not facts or not all(_strings(group) for group in facts):
            raise ConfigError(f'{where}: an answerable question needs \'facts\', a list of alternative lists, e.g. [["Vostochny", "Восточный"], ["13"]].')
        if not _strings(sources):
            raise ConfigError(f"{where}: an answerable question needs 'sources', a list of article file names, e.g. [001_644d4b1ec930e458.txt].")
    elif facts or sources:
        raise ConfigError(f"{where}: an unanswerable question has no 'facts' or 'sources'; remove them or set answerable: true.")
    split = item.get("split", "")
    if split and split not in SPLITS:
        raise ConfigError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}.")
    attack = item.get("attack") or {}
    if not isinstance(attack, dict) or not isinstance(attack.get("hijack", []), list):
        raise ConfigError(f"{where}: 'attack' must be a mapping whose 'hijack' is a list of strings that a hijacked answer shows.")
    return Question(
        id=item["id"].strip(),
        language=language,
        question=item["question"],
        answerable=item["answerable"],
        facts=[[str(a) for a in group] for group in facts or []],
        sources=[str(s) for s in sources or []],
        kind=item["kind"].strip(),
        split=split,
        hijack=[str(h) for h in attack.get("hijack", [])],
    )


def _strings(value: Any) -> bool:
    """A non-empty list of non-empty strings."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


# ----------------------------------------------------------------------------- scoring


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
    return QuestionResult(
        id=question.id,
        language=question.language,
        kind=question.kind,
        answerable=question.answerable,
        retrieved_sources=list(retrieved_sources),
        recall_hit=rank is not None,
        reciprocal_rank=1.0 / rank if rank else 0.0,
        correct=correct,
        refused=answer.refused,
        cited_sources=cited,
        citation_precision=sum(s in expected for s in cited) / len(cited) if cited else None,
        citation_valid=citations_valid(answer, len(retrieved_sources)),
        answer_text=answer.text,
        seconds=seconds,
        missing_facts=missing,
        f1=f1,
        split=question.split,
        hijacked=any(normalise(h) in normalise(answer.text) for h in question.hijack),
        refusal_reason=answer.refusal_reason,
        evidence_similarity=answer.evidence_similarity,
    )


def error_result(question: Question, error: str, seconds: float) -> QuestionResult:
    """The result of a question whose answering raised: wrong, nothing retrieved, the error kept."""
    return QuestionResult(
        id=question.id,
        language=question.language,
        kind=question.kind,
        answerable=question.answerable,
        retrieved_sources=[],
        recall_hit=False,
        reciprocal_rank=0.0,
        correct=False,
        refused=False,
        cited_sources=[],
        citation_precision=None,
        citation_valid=False,
        answer_text="",
        seconds=seconds,
        missing_facts=[list(g) for g in question.facts],
        f1=0.0 if question.answerable else None,
        error=error,
        split=question.split,
    )


# ----------------------------------------------------------------------------- running


def evaluate_question(pipeline: Pipeline, question: Question) -> QuestionResult:
    """Answer one question with ``pipeline`` and score it; a NewsRagError makes it a wrong answer."""
    started = time.perf_counter()
    try:
        answer = pipeline.answer(question.question)
    except NewsRagError as error:
        return error_result(question, f"{type(error).__name__}: {error}", time.perf_counter() - started)
    # The passages retrieval found (when min_relevance refused, the model got none, but
    # retrieval is still scored on what was found).
    return score(question, answer, [h.chunk.source for h in answer.passages], time.perf_counter() - started)


def run_evaluation(
    settings: Settings,
    questions_path: Path,
    articles_dir: Path,
    out_dir: Path,
    limit: int | None = None,
    pipeline: Pipeline | None = None,
    progress: Progress | None = None,
    split: str | None = None,
) -> Report:
    """Ingest ``articles_dir``, answer the questions, write out_dir/report.md and report.json.

    ``pipeline`` defaults to build_pipeline(settings); ingestion shares its parts (store,
    embedders, model, translation cache), so each is loaded once. ``progress`` gets a line after
    ingestion and one per question.
    """
    from rag.wiring import build_ingestor, build_pipeline, parts_of

    questions, thresholds = load_questions(questions_path)
    articles_dir = Path(articles_dir)
    present = {p.name for p in list_article_files(articles_dir)}
    unknown = sorted({s for q in questions for s in q.sources} - present)
    if unknown:
        raise ConfigError(f"{questions_path} names sources that are not articles in {articles_dir}: {', '.join(unknown)}. Fix the file names or the articles folder.")
    if split is not None:
        if split not in SPLITS:
            raise ConfigError(f"split is {split!r}; give one of {', '.join(SPLITS)}, or none for every question.")
        questions = [q for q in questions if q.split == split]
        if not questions:
            raise ConfigError(f"{questions_path} has no question in the {split!r} split.")
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"limit is {limit}; give a positive number of questions, or none for all.")
        questions = questions[:limit]
    say = progress or (lambda line: None)

    pipeline = pipeline or build_pipeline(settings)
    ingestor = build_ingestor(settings, parts=parts_of(pipeline))
    summaries = ingestor.ingest_folder(articles_dir)
    ingest_failures = [s.message or s.source for s in summaries if s.status == "failed"]
    stored = sum(s.status in ("stored", "replaced") for s in summaries)
    say(f"ingested {articles_dir}: {len(summaries)} articles, {stored} new or changed, {len(ingest_failures)} failed")

    results: list[QuestionResult] = []
    for number, question in enumerate(questions, start=1):
        result = evaluate_question(pipeline, question)
        results.append(result)
        say(_progress_line(number, len(questions), result))

    report = Report(
        k=settings.top_k,
        thresholds=thresholds,
        results=results,
        config=_config(settings, questions_path, articles_dir),
        ingest_failures=ingest_failures,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.md").write_text(report.markdown(), encoding="utf-8")
    (out_dir / "report.json").write_text(report.to_json() + "\n", encoding="utf-8")
    return report


def _progress_line(number: int, total: int, r: QuestionResult) -> str:
    verdict = "ERROR" if r.error else ("correct" if r.correct else "wrong")
    details = ["refused" if r.refused else "answered"]
    if r.answerable:
        details.append(f"retrieval {'hit' if r.recall_hit else 'miss'}")
    if r.error:
        details.append(r.error)
    return f"[{number}/{total}] {r.id} ({r.language}, {r.kind}): {verdict}; {', '.join(details)}; {r.seconds:.1f}s"


def _config(settings: Settings, questions_path: Path, articles_dir: Path) -> dict[str, Any]:
    if settings.llm_backend == "openai":
        llm = f"openai: {settings.llm_base_url}"
    elif settings.llm_backend == "llama_cpp":
        llm = f"llama_cpp: {settings.llm_model_path.name if settings.llm_model_path else 'packaged default'}"
    else:
        llm = settings.llm_backend
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions": str(questions_path),
        "articles": str(articles_dir),
        "llm": llm,
        "embedder": settings.embedder,
        "top_k": settings.top_k,
        "min_relevance": settings.min_relevance,
        "chunk_chars": settings.chunk_chars,
    }
