"""Ingestion benchmark: prints cold and warm ingest time of seeds/, embedding and translation speed, peak memory.

    .venv/bin/python scripts/bench_ingest.py [--warm-runs 5]
Uses a fresh temporary data folder (store and translation cache), the real embedder and model.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from rag.languages import detect
from rag.loading import load_article_file
from rag.models import ensure_default_model
from rag.settings import Settings
from rag.text import sentences
from rag.wiring import build_ingestor

UKRAINIAN = "004_a4b43755038ca000.txt"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=5)
    args = parser.parse_args()
    model_path = ensure_default_model(Settings.load().models_dir)
    data = Path(tempfile.mkdtemp(prefix="newsrag-bench-"))
    settings = Settings.load(data_dir=data, llm_model_path=model_path)
    seeds = settings.seeds_dir

    steps: dict[str, float] = {}
    last = [time.perf_counter()]

    def on_step(source: str, step: str, done: int, total: int) -> None:
        now = time.perf_counter()
        steps[step] = steps.get(step, 0.0) + now - last[0]
        last[0] = now

    start = time.perf_counter()
    ingestor = build_ingestor(settings)
    summaries = ingestor.ingest_folder(seeds, on_step=on_step)
    cold = time.perf_counter() - start
    chunks = sum(s.chunks for s in summaries)
    print(f"cold ingest of seeds/ (5 articles, {chunks} chunks, Ukrainian translated by the local model): {cold:.1f} s")

    warm = []
    for _ in range(args.warm_runs):
        t = time.perf_counter()
        again = build_ingestor(settings).ingest_folder(seeds)
        warm.append(time.perf_counter() - t)
        assert {s.status for s in again} == {"unchanged"}
    print(f"warm re-ingest (nothing changed): median {statistics.median(warm):.3f} s over {len(warm)} runs (min {min(warm):.3f}, max {max(warm):.3f})")

    texts = [c.text for c in ingestor.store.all_chunks()]
    ingestor.embedder.get_text_embedding_batch(texts[:8])  # warm the model
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        ingestor.embedder.get_text_embedding_batch(texts)
        rates.append(len(texts) / (time.perf_counter() - t))
    print(f"embedding (all-MiniLM-L6-v2): median {statistics.median(rates):.1f} chunks/s over 3 runs of {len(texts)} chunks")

    article = load_article_file(seeds / UKRAINIAN)
    sample = [p.text for p in article.paragraphs[1:4]]
    n_sentences = sum(len(sentences(p)) for p in sample)
    chain = ingestor.translation.chain
    llm = chain.pick("uk", "en")
    t = time.perf_counter()
    llm.translate(sample, "uk", "en")
    llm_s = (time.perf_counter() - t) / n_sentences
    print(f"translation uk->en by {llm.name}: {llm_s:.2f} s/sentence ({n_sentences} sentences, {detect(' '.join(sample)).language})")
    try:
        from rag.translation.argos import ArgosTranslator, install_from_file
        from tests.argos_fixture import build_tiny_argosmodel

        argos_dir = data / "argos-bench"
        install_from_file(build_tiny_argosmodel(data / "argos-build"), argos_dir)
        argos = ArgosTranslator(argos_dir)
        argos.translate(sample[:1], "uk", "en")
        t = time.perf_counter()
        argos.translate(sample, "uk", "en")
        print(f"translation uk->en by argos (tiny random test model, speed only): {(time.perf_counter() - t) / n_sentences:.3f} s/sentence")
    except Exception as error:  # the benchmark reports what it could not measure
        print(f"translation by argos: not measured ({type(error).__name__}: {error})")
    print("time by step in the cold ingest: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
