"""Near-duplicate detection measured on real paragraphs: what rag.duplicates finds and what it
wrongly joins.

    PYTHONPATH=. .venv/bin/python scripts/bench_duplicates.py [--corpus ../shared/eval/xquad-contexts]

Every paragraph of the corpus (1,440 in 12 languages) is an original. Copies are made of each the
way archives make them: the same text with a site's line added before and after (a re-saved
page), the same text less its last sentence (a syndicated cut), and the first half only (a
teaser, which should NOT count as the same story). Prints, per kind of copy, the share found
as a duplicate of its own original, and the false joins between different originals (the same
paragraph in other languages included: those are different articles for a reader).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rag import duplicates
from rag.text import split_sentences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "xquad-contexts")
    args = parser.parse_args(argv)
    texts = {p.stem: p.read_text(encoding="utf-8").strip() for p in sorted((args.corpus / "articles").glob("*.txt"))}
    started = time.perf_counter()
    sigs = {k: duplicates.signature(t) for k, t in texts.items()}
    per_signature = (time.perf_counter() - started) / len(texts)
    index: dict[str, set[str]] = {}
    for key, sig in sigs.items():
        for band in duplicates.bands(sig):
            index.setdefault(band, set()).add(key)

    def match(text: str, exclude: str = "") -> str | None:
        sig = duplicates.signature(text)
        candidates = {k for band in duplicates.bands(sig) for k in index.get(band, ())} - {exclude}
        best = max(candidates, key=lambda k: duplicates.similarity(sig, sigs[k]), default=None)
        return best if best is not None and duplicates.similarity(sig, sigs[best]) >= duplicates.DUPLICATE_AT else None

    def cut_last(text: str) -> str:
        spans = split_sentences(text)
        return text[: spans[-2][1]] if len(spans) > 2 else text

    kinds = {
        "re-saved (site lines added)": lambda t: f"Home | News | Sport\n{t}\nShare this article. All rights reserved.",
        "syndicated (last sentence cut)": cut_last,
        "teaser (first half only)": lambda t: t[: len(t) // 2],
    }
    print(f"{len(texts)} paragraphs; MinHash {duplicates.NUM_PERM} permutations, {duplicates.BANDS} bands, {duplicates.SHINGLE}-word shingles, joined at >= {duplicates.DUPLICATE_AT}")
    for name, make in kinds.items():
        found = sum(match(make(t)) == k for k, t in texts.items())
        print(f"{name:32s} joined to its original: {found}/{len(texts)} ({found / len(texts):.1%})")
    false = sum(match(t, exclude=k) is not None for k, t in texts.items())
    print(f"{'different originals':32s} wrongly joined: {false}/{len(texts)}")
    print(f"signature: {per_signature * 1000:.2f} ms per paragraph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
