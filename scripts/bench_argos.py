"""Argos translation speed: sentences per second one text at a time (argostranslate's own path)
and batched (rag.translation.argos: every sentence in one CTranslate2 batch), in the same run.

    PYTHONPATH=. .venv/bin/python scripts/bench_argos.py [--package translate-uk_en.argosmodel] [--sentences 200]

Without --package it builds the tiny random test model (tests/argos_fixture.py): its outputs are
gibberish and run long, so its ratio shows the batched path works, not what a real pair gains.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from rag.translation.argos import ArgosTranslator, _argos, _find_translation, _use_regex_sentencizer, install_from_file, installed_pairs

# Invented Ukrainian news sentences, varied by a number.
TEMPLATE = "Міська рада Вербівки {n} разів обговорювала ремонт старого мосту через річку Тиху."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--package", type=Path, default=None, help="a .argosmodel file (default: the tiny random test model)")
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsrag-bench-argos-"))
    package = args.package
    if package is None:
        from tests.argos_fixture import build_tiny_argosmodel

        package = build_tiny_argosmodel(work / "model")
    install_from_file(package, work / "packages")
    translator = ArgosTranslator(work / "packages")
    src, dst = installed_pairs(translator.packages_dir)[0]
    texts = [TEMPLATE.format(n=n) for n in range(args.sentences)]
    translate = _argos(translator.packages_dir)
    one_at_a_time = _find_translation(translate, src, dst)
    _use_regex_sentencizer(translate, one_at_a_time)
    translator.translate(texts[:4], src, dst)  # loads the model
    sequential, batched = [], []
    for _ in range(args.repeats):  # alternated, so a noisy moment hits both
        started = time.perf_counter()
        for text in texts:
            one_at_a_time.translate(text)
        sequential.append(time.perf_counter() - started)
        started = time.perf_counter()
        translator.translate(texts, src, dst)
        batched.append(time.perf_counter() - started)
    seq, bat = statistics.median(sequential), statistics.median(batched)
    print(f"{src}->{dst} ({package.name}), {len(texts)} sentences, medians of {args.repeats}:")
    print(f"one text at a time: {len(texts) / seq:.1f} sentences/s")
    print(f"batched: {len(texts) / bat:.1f} sentences/s ({seq / bat:.2f}x)")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
