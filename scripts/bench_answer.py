"""Answering benchmark, per question language: evidence on screen, question translation, first
token, first answer text, whole answer (medians and p95), peak memory, and the machine's own
prompt-processing speed measured in the same run (so a slow day can be told from a slow change).

    .venv/bin/python scripts/bench_answer.py [--languages en,uk,es,de,fr,ru] [--per-language 6]
        [--variant default --variant prompt-lookup=10 --variant saved-prefixes=0]

Ingests seeds/ into a store under --data-dir first (article translations cached there); questions
and answers are translated afresh, through a new translation cache per variant. Each variant
builds its own model and pipeline in this process, one after the other, over the same questions:
their ratios are measured in one run.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from rag.models import ensure_default_model
from rag.settings import Settings
from rag.types import Answer, Preview
from rag.wiring import build_ingestor, build_llm, build_pipeline, build_translation

LANGUAGES = ["en", "uk", "es", "de", "fr", "ru"]
# A fixed, invented English text: the machine's prompt speed is read on it before and after.
VARIANTS = {"default": {}, "prompt-lookup": "llm_prompt_lookup_tokens", "saved-prefixes": "llm_saved_prefixes", "max-sentences": "max_prompt_sentences"}
COLUMNS = [
    ("evidence", "evidence_s"),
    ("question translation", "translate_question_s"),
    ("first token", "first_token_s"),
    ("first answer text", "first_answer_token_s"),
    ("whole answer", "total_s"),
]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _overrides(variant: str) -> dict[str, Any]:
    name, _, value = variant.partition("=")
    if name not in VARIANTS:
        raise SystemExit(f"unknown variant {variant!r}; use one of {', '.join(VARIANTS)} (with =N where it takes a number)")
    return {VARIANTS[name]: int(value)} if value else {}


def _questions(path: Path, languages: list[str], per_language: int) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = []
    for language in languages:
        of_language = [q for q in yaml.safe_load(path.read_text())["questions"] if q["language"] == language]
        chosen += of_language[:per_language] if per_language else of_language
    return chosen


def _prompt_speed(llm: Any) -> str:
    measure = getattr(llm, "prompt_tokens_per_second", None)
    if measure is None:
        return "n/a (not an in-process model)"
    return f"{statistics.median(measure() for _ in range(3)):.0f} tokens/s"


def _ask(pipeline: Any, question: str) -> tuple[Answer, dict[str, float]]:
    """The answer and its timings, with the evidence time taken as the reader sees it: when
    the Preview comes out of the stream."""
    started = time.perf_counter()
    seen: dict[str, float] = {}
    final: Answer | None = None
    for item in pipeline.stream(question):
        if isinstance(item, Preview) and "evidence_s" not in seen:
            seen["evidence_s"] = time.perf_counter() - started
        elif isinstance(item, Answer):
            final = item
    assert final is not None
    total = time.perf_counter() - started
    timings = {**final.timings, **seen, "total_s": total}
    timings.setdefault("first_token_s", total)
    timings.setdefault("first_answer_token_s", total)
    return final, timings


def run_variant(variant: str, settings: Settings, questions: list[dict[str, Any]]) -> None:
    settings = settings.model_copy(update=_overrides(variant))
    llm = build_llm(settings)
    # A fresh translation cache: every question and answer is translated as a user's new one
    # would be, not read back from an earlier run (articles need no translation at answer time).
    fresh = settings.model_copy(update={"data_dir": Path(tempfile.mkdtemp(prefix="newsrag-bench-cache-"))})
    pipeline = replace(build_pipeline(settings, llm=llm), translation=build_translation(fresh, llm))
    print(f"\n## {variant}\n\nprompt speed before: {_prompt_speed(llm)}", flush=True)
    pipeline.answer("Warm-up: where did they meet?")  # loads the models; not counted
    rows: dict[str, list[dict[str, float]]] = {}
    for q in questions:
        answer, timings = _ask(pipeline, q["question"])
        rows.setdefault(q["language"], []).append(timings)
        shown = ", ".join(f"{label} {timings[key]:.2f} s" for label, key in COLUMNS if key in timings)
        print(f"{q['id']}: {shown}, refused={answer.refused}", flush=True)
    print(f"prompt speed after: {_prompt_speed(llm)}\n")
    print("| questions | n | " + " | ".join(f"{label}, median | {label}, p95" for label, _ in COLUMNS) + " |")
    print("| --- | --- |" + " --- | --- |" * len(COLUMNS))
    for language, timings in [*rows.items(), ("all", [t for ts in rows.values() for t in ts])]:
        cells = []
        for _, key in COLUMNS:
            values = [t[key] for t in timings if key in t]
            cells += [f"{statistics.median(values):.2f} s", f"{_p95(values):.2f} s"] if values else ["-", "-"]
        print(f"| {language} | {len(timings)} | " + " | ".join(cells) + " |")
    print(f"\npeak memory so far (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
    del pipeline, llm
    gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/questions.yaml"))
    parser.add_argument("--languages", default=",".join(LANGUAGES), help="question languages, comma-separated")
    parser.add_argument("--per-language", type=int, default=0, help="first N questions of each language (0: all)")
    parser.add_argument("--variant", action="append", default=None, help="default, prompt-lookup=N, saved-prefixes=N, max-sentences=N (repeatable)")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    model_path = ensure_default_model(Settings.load().models_dir)
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    settings = Settings.load(data_dir=data, llm_model_path=model_path)
    build_ingestor(settings).ingest_folder(settings.seeds_dir)
    questions = _questions(args.questions, args.languages.split(","), args.per_language)
    for variant in args.variant or ["default"]:
        run_variant(variant, settings, questions)


if __name__ == "__main__":
    main()
