"""Retrieval recall@k and MRR over the answerable questions of a question file, for several chunk sizes.

    python scripts/measure_chunks.py --sizes 300 500 800 --data-dir /tmp/chunks
Non-English questions are translated into English by the pipeline's translator (cached).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import yaml

from rag.settings import Settings
from rag.wiring import build_ingestor, build_parts, build_pipeline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 500, 800])
    parser.add_argument("--k", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/questions.yaml"))
    args = parser.parse_args()
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))["questions"]
    answerable = [argparse.Namespace(**q) for q in questions if q["answerable"]]
    for size in args.sizes:
        settings = Settings.load(data_dir=args.data_dir, chunk_chars=size, collection=f"chunks_{size}", candidate_k=12, top_k=max(args.k))
        parts = build_parts(settings)  # one store and one of each embedder for ingesting and searching
        ingestor = build_ingestor(settings, parts=parts)
        ingestor.ingest_folder(settings.seeds_dir)
        pipeline = build_pipeline(settings, parts=parts)
        chunks = ingestor.store.all_chunks()
        for k in args.k:
            pipeline.retriever.top_k = k
            hits_at_k, rr, tokens = [], [], []
            for q in answerable:
                english = q.question
                if q.language != "en":
                    (english,) = pipeline.translation.translate([q.question], q.language, "en")
                hits = pipeline.retriever.search(english, q.question).hits
                ranked = [h.chunk.source for h in hits]
                hits_at_k.append(any(s in q.sources for s in ranked))
                rr.append(next((1 / (i + 1) for i, s in enumerate(ranked) if s in q.sources), 0.0))
                tokens.append(sum(len(h.chunk.text) for h in hits) / 4)
            print(
                f"chunk_chars={size:4d} chunks={len(chunks):3d} k={k} recall@k={sum(hits_at_k) / len(hits_at_k):.2f} "
                f"MRR={statistics.mean(rr):.2f} passage_tokens~{statistics.median(tokens):.0f} (n={len(answerable)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
