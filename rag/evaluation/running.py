"""Running an evaluation: ingest the articles, answer every question, score, write the report.

report = run_evaluation(Settings.load(), Path("tests/eval/questions.yaml"), Path("seeds"), Path("artifacts/eval"))
print(report.markdown()); raise SystemExit(0 if report.passed else 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import ConfigError, NewsRagError
from rag.evaluation.questions import SPLITS, Question, load_questions
from rag.evaluation.report import Report
from rag.evaluation.scoring import QuestionResult, error_result, score
from rag.loading import list_article_files
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.answering import Pipeline

Progress = Callable[[str], None]


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
