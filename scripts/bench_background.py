"""Answer latency while background translation runs, against idle, measured in one run.

    PYTHONPATH=. .venv/bin/python scripts/bench_background.py --data-dir /tmp/bg [--rounds 2]

Ingests seeds/ into a store under --data-dir, and ../shared/eval/xquad-dev's 24 articles with
--defer-translation, so the queue holds about 120 sentences of work for the local model (the
translation cache is emptied first, so it has to be done). Then asks the chat's example questions
(ui.app.EXAMPLES, invented), alternating rounds: idle (worker stopped), and busy (the worker
translating in a thread of this process, as the chat runs it; each question asked after the worker
has started a sentence again). Answers are deterministic (greedy), so both modes write the same
tokens. Passages are not translated on demand here (the queue's progress would change the hits).
Prints median and p95 answer time per mode, their ratio, and the work the worker did meanwhile,
with the machine's prompt-processing speed measured in the same run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

from rag.settings import Settings
from rag.wiring import build_ingestor, build_parts, build_pipeline, build_translation_worker
from ui.app import EXAMPLES

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "eval" / "xquad-dev" / "articles"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each mode, alternating (idle first)")
    args = parser.parse_args()
    settings = Settings.load(data_dir=args.data_dir, translate_on_demand=False)
    shutil.rmtree(settings.cache_dir, ignore_errors=True)
    shutil.rmtree(settings.queue_path.parent, ignore_errors=True)
    parts = build_parts(settings)
    build_ingestor(settings, parts=parts).ingest_folder(settings.seeds_dir)
    deferred = build_ingestor(settings.model_copy(update={"defer_translation": True}), parts=parts)
    deferred.ingest_folder(DEV)
    pipeline = build_pipeline(settings, parts=parts)
    worker = build_translation_worker(settings, parts)
    queued = worker.queue.status().waiting
    for question in EXAMPLES:
        pipeline.answer(question)  # the model loaded, prefixes warm, each question's translation cached: both modes alike
    speed = parts.llm._get().prompt_tokens_per_second()  # type: ignore[attr-defined]
    print(f"machine: prompt processing {speed:.0f} tokens/s (read before); {queued} articles queued")

    translated: list[str] = []
    worker.on_summary = lambda summary: translated.append(summary.source)
    sentences = 0

    def count(source: str, step: str, done: int, total: int) -> None:
        nonlocal sentences
        if step == "translate" and done:
            sentences += 1

    worker.on_step = count
    times: dict[str, list[float]] = {"idle": [], "busy": []}
    for round_ in range(args.rounds):
        for mode in ("idle", "busy"):
            if mode == "busy":
                worker.start()
            for question in EXAMPLES:
                if mode == "busy":
                    time.sleep(2.0)  # the worker takes its sentence up again
                started = time.perf_counter()
                answer = pipeline.answer(question)
                times[mode].append(time.perf_counter() - started)
                print(f"  round {round_ + 1} {mode:4s} {times[mode][-1]:6.1f} s  refused={answer.refused}  {question}", flush=True)
            if mode == "busy":
                worker.stop(60)
    after = parts.llm._get().prompt_tokens_per_second()  # type: ignore[attr-defined]
    idle, busy = statistics.median(times["idle"]), statistics.median(times["busy"])
    print(f"answer time, {len(times['idle'])} answers a mode: idle median {idle:.2f} s (p95 {_p95(times['idle']):.2f}); busy median {busy:.2f} s (p95 {_p95(times['busy']):.2f})")
    print(f"busy / idle: {busy / idle:.3f} (median); per question: " + ", ".join(f"{b / i:.2f}" for i, b in zip(times["idle"], times["busy"])))
    print(f"worker meanwhile: {len(translated)} articles finished, {worker.queue.status().waiting} still queued; translation progress reports {sentences}")
    print(f"machine: prompt processing {after:.0f} tokens/s (read after)")


if __name__ == "__main__":
    main()
