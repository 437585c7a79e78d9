"""Bad input at scale: each case ingested into a store that already holds seeds/, in its own
process, with the real embedders. Prints per case: what the ingest table said, seconds, peak RSS,
and whether every chunk stored before is still there.

    .venv/bin/python scripts/bench_bad_input.py [--tiny 5000]

Cases: a 20 MB text file, a file of 100,000 lines, 5,000 tiny files, a file with NUL bytes and
mixed encodings. English text throughout, so no translation runs (the local model is not loaded).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rag.settings import Settings
from rag.wiring import build_ingestor

LINE = "The council met on Tuesday and approved the budget for the new school year.\n"


def make_case(name: str, folder: Path, tiny: int) -> None:
    folder.mkdir(parents=True)
    if name == "20 MB file":
        with open(folder / "archive.txt", "w", encoding="utf-8") as out:
            for _ in range(20_000_000 // len(LINE) + 1):
                out.write(LINE)
    elif name == "100,000 lines":
        (folder / "lines.txt").write_text("".join(f"Item {n} was logged.\n" for n in range(100_000)), encoding="utf-8")
    elif name == "tiny files":
        for n in range(tiny):
            (folder / f"tiny_{n:05d}.txt").write_text(f"Short note {n}\n\nThe library on Mill Street lent {n} books on Monday.\n", encoding="utf-8")
    elif name == "NUL bytes, mixed encodings":
        (folder / "mixed.txt").write_bytes("Café opens.\n".encode() + "Кафе відкрилося.\n".encode("cp1251") + b"\x00\x00 end\n")
        (folder / "nul.txt").write_bytes(b"The mill reopened.\x00\x00 It cost 3 million.\n")


def run_case(name: str, data: Path, tiny: int) -> dict[str, object]:
    settings = Settings.load(data_dir=data)
    ingestor = build_ingestor(settings)
    before = set(ingestor.store.ids_for_source("000_df240f098999e43e.txt"))
    folder = Path(tempfile.mkdtemp(prefix="bad-input-")) / "articles"
    make_case(name, folder, tiny)
    started = time.perf_counter()
    summaries = ingestor.ingest_folder(folder)
    seconds = time.perf_counter() - started
    kept = before <= set(ingestor.store.ids_for_source("000_df240f098999e43e.txt"))
    statuses = Counter(s.status for s in summaries)
    reasons = sorted({s.message.split(": ", 1)[-1][:90] for s in summaries if s.status == "failed"})
    return {
        "case": name,
        "statuses": dict(statuses),
        "reasons": reasons,
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "seeds_kept": kept,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", type=int, default=5000, help="number of tiny files")
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)  # one case, in a child process
    parser.add_argument("--data-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.data_dir, args.tiny)))
        return
    english_seeds = Path(tempfile.mkdtemp(prefix="bad-input-seeds-"))
    for path in sorted(Settings.load().seeds_dir.glob("00[0-3]_*.txt")):  # the English seeds: no model needed
        shutil.copy(path, english_seeds / path.name)
    cases = ["20 MB file", "100,000 lines", "tiny files", "NUL bytes, mixed encodings"]
    for case in cases:
        data = Path(tempfile.mkdtemp(prefix="bad-input-data-"))
        build_ingestor(Settings.load(data_dir=data)).ingest_folder(english_seeds)  # the store holds articles first
        out = subprocess.run([sys.executable, __file__, "--case", case, "--data-dir", str(data), "--tiny", str(args.tiny)], capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
