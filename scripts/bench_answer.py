"""Answering benchmark: retrieval ms, prompt tokens, time to first token, total time (median, p95), memory.

    .venv/bin/python scripts/bench_answer.py [--questions tests/eval/questions.yaml] [--language en]
Ingests seeds/ into a temporary store first (translations cached under --data-dir).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from rag.models import ensure_default_model
from rag.settings import Settings
from rag.types import Answer
from rag.wiring import build_ingestor, build_llm, build_pipeline


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/questions.yaml"))
    parser.add_argument("--language", default="en", help="only questions in this language ('all' for every one)")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    model_path = ensure_default_model(Settings.load().models_dir)
    data = args.data_dir or Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    settings = Settings.load(data_dir=data, llm_model_path=model_path)
    llm = build_llm(settings)
    pipeline = build_pipeline(settings, llm=llm)
    build_ingestor(settings, llm=pipeline.llm).ingest_folder(settings.seeds_dir)
    questions = [q for q in yaml.safe_load(args.questions.read_text())["questions"] if args.language in ("all", q["language"])]

    pipeline.answer("Warm-up: where did they meet?")  # loads the model; not counted
    rows = []
    for q in questions:
        t = time.perf_counter()
        answer: Answer = pipeline.answer(q["question"])
        total = time.perf_counter() - t
        prompt = "\n".join(m["content"] for m in pipeline.last_prompt)
        first = answer.timings.get("first_token_s", total)
        # The reply is JSON: its first token opens the evidence list; the answer text follows it.
        first_text = answer.timings.get("first_answer_token_s", total)
        rows.append((answer.timings.get("retrieval_s", 0) * 1000, llm.tokens(prompt) if pipeline.last_prompt else 0, first, first_text, total))
        print(f"{q['id']}: retrieval {rows[-1][0]:.0f} ms, prompt {rows[-1][1]} tokens, first token {first:.1f} s, first answer text {first_text:.1f} s, total {total:.1f} s, refused={answer.refused}", flush=True)
    for name, i, unit in (("retrieval", 0, "ms"), ("prompt tokens", 1, ""), ("time to first token", 2, "s"), ("time to first answer text", 3, "s"), ("total", 4, "s")):
        values = [r[i] for r in rows]
        print(f"{name}: median {statistics.median(values):.1f}{unit}, p95 {_p95(values):.1f}{unit} (n={len(values)})")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
