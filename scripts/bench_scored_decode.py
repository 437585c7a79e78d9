"""What reading the translating model's log-probabilities costs at ingest, measured in one run.

    .venv/bin/python scripts/bench_scored_decode.py [--corpus ../shared/eval/xquad-parallel] [--per-language 2] [--languages ar,de,ru,zh]

Issue 22's detector reads each translated sentence's token log-probabilities while the local model
decodes it (LlamaCppChat._greedy, the path translation takes since then) instead of
llama-cpp-python's create_chat_completion (the path before, rag.llm.base.complete). Both decode
greedily, so they write the same tokens; this script checks that and times both on one loaded
model. Every sentence is translated once by each path, in alternating order (even sentences old
path first), with other sentences between its two decodings so that neither reuses the other's
prompt beyond the shared system prefix. It also times what ingest adds per sentence after
decoding (rag.translation.faithfulness.assess: numbers and length ratio). Prints medians and the
ratio of totals, with the machine's prompt-processing speed measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rag.llm.base import complete
from rag.models import ensure_default_model
from rag.settings import Settings
from rag.text import sentences
from rag.translation.base import Translation
from rag.translation.faithfulness import assess
from rag.translation.llm import LlmTranslator
from rag.wiring import build_llm


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("../shared/eval/xquad-parallel"))
    parser.add_argument("--per-language", type=int, default=2, help="paragraphs per language")
    parser.add_argument("--languages", default="ar,de,ru,zh")
    args = parser.parse_args()

    settings = Settings.load(llm_model_path=ensure_default_model(Settings.load().models_dir), llm_batch_sequences=1)
    llm = build_llm(settings)
    translator = LlmTranslator(llm, settings.translation_max_tokens)
    work: list[tuple[str, str]] = []
    for language in args.languages.split(","):
        for path in sorted((args.corpus / "articles").glob(f"{language}_*.txt"))[: args.per_language]:
            work += [(language, s) for s in sentences(path.read_text(encoding="utf-8"))]
    complete(llm, translator.prompt("Привіт.", "uk", "en"), 8)  # loads the model; not counted
    speed = statistics.median(llm.prompt_tokens_per_second() for _ in range(3))

    old: dict[int, tuple[float, str]] = {}
    new: dict[int, tuple[float, Translation]] = {}
    for first_pass in (True, False):  # each sentence twice, a pass apart
        for i, (language, text) in enumerate(work):
            messages = translator.prompt(text, language, "en")
            started = time.perf_counter()
            if (i % 2 == 0) == first_pass:
                reply = complete(llm, messages, settings.translation_max_tokens).strip()
                old[i] = (time.perf_counter() - started, reply)
            else:
                scored = llm.complete_many_scored([messages], settings.translation_max_tokens)[0]
                new[i] = (time.perf_counter() - started, Translation.of(scored.text, scored.logprobs))

    same = sum(1 for i in old if old[i][1] == new[i][1].text)
    started = time.perf_counter()
    for i, (language, text) in enumerate(work):
        assess([text], [new[i][1]], language, [0.9])
    assess_each = (time.perf_counter() - started) / len(work)

    old_times = [t for t, _ in old.values()]
    new_times = [t for t, _ in new.values()]
    print(f"machine: prompt processing {speed:.0f} tokens/s (median of 3, this run)")
    print(f"{len(work)} sentences ({args.languages}, {args.per_language} paragraphs each), each decoded by both paths; same text from both: {same} of {len(work)}")
    print(f"create_chat_completion (before): median {statistics.median(old_times):.3f} s/sentence, total {sum(old_times):.1f} s")
    print(f"scored greedy loop (now):        median {statistics.median(new_times):.3f} s/sentence, total {sum(new_times):.1f} s")
    print(f"ratio of totals, now / before: {sum(new_times) / sum(old_times):.3f}")
    print(f"assess (numbers and length ratio) after decoding: {assess_each * 1000:.2f} ms/sentence")


if __name__ == "__main__":
    main()
