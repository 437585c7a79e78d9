"""How much batching several translations in one llama.cpp decode can gain on this machine.

    .venv/bin/python scripts/bench_batch_ceiling.py [--sequences 1,8,16] [--steps 40]

Each run reads a fixed instruction prefix once, copies its KV cache to N sequences, reads N source
sentences (invented Ukrainian, one user turn each) in one batch, then decodes ``--steps`` greedy
tokens for all N together, one token per sequence per decode. It prints, per N, the prompt and
generation throughput and the seconds per sentence, and the ratio to N=1 measured in the same run.
It drives llama.cpp's low-level batch API directly (llama-cpp-python's high-level ``Llama`` runs one
sequence); the product's translator does not use it (see README, Translation).
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.models import ensure_default_model
from rag.settings import Settings

PREFIX = "<|im_start|>system\nTranslate the user's sentence from Ukrainian into English. Reply with the translation only.<|im_end|>\n"
SENTENCE = "Міська рада Вербівки {n} разів обговорювала ремонт старого мосту через річку Тиху, який пошкодила осіння буря."


@dataclass(frozen=True)
class Run:
    sequences: int
    prompt_tokens: int
    prompt_s: float
    generated_tokens: int
    generation_s: float

    @property
    def seconds_per_sentence(self) -> float:
        return (self.prompt_s + self.generation_s) / self.sequences


class Batcher:
    """One llama.cpp context for ``sequences`` parallel sequences, with a reusable batch."""

    def __init__(self, llama_cpp: Any, model: Any, sequences: int, threads: int) -> None:
        self.lib = llama_cpp
        params = llama_cpp.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = 8192, 2048, 512
        params.n_seq_max, params.n_threads, params.n_threads_batch = sequences, threads, threads
        params.kv_unified = False  # each sequence attends over its own cells only
        self.ctx = llama_cpp.llama_init_from_model(model, params)
        self.batch = llama_cpp.llama_batch_init(2048, 0, sequences)

    def decode(self, items: list[tuple[int, int, int, bool]]) -> None:
        """Items are (token, position, sequence, wants logits)."""
        self.batch.n_tokens = len(items)
        for i, (token, position, sequence, logits) in enumerate(items):
            self.batch.token[i], self.batch.pos[i], self.batch.logits[i] = token, position, logits
            self.batch.n_seq_id[i], self.batch.seq_id[i][0] = 1, sequence
        if self.lib.llama_decode(self.ctx, self.batch) != 0:
            raise RuntimeError("llama_decode failed")

    def close(self) -> None:
        self.lib.llama_batch_free(self.batch)
        self.lib.llama_free(self.ctx)


def _tokens(llama_cpp: Any, vocab: Any, text: str) -> list[int]:
    raw = text.encode()
    out = (llama_cpp.llama_token * (len(raw) + 16))()
    count = llama_cpp.llama_tokenize(vocab, raw, len(raw), out, len(out), False, True)
    return list(out[:count])


def measure(llama_cpp: Any, model: Any, sequences: int, steps: int, threads: int) -> Run:
    vocab = llama_cpp.llama_model_get_vocab(model)
    vocabulary = llama_cpp.llama_vocab_n_tokens(vocab)
    prefix = _tokens(llama_cpp, vocab, PREFIX)
    users = [_tokens(llama_cpp, vocab, f"<|im_start|>user\n{SENTENCE.format(n=n + 2)}<|im_end|>\n<|im_start|>assistant\n") for n in range(sequences)]
    batcher = Batcher(llama_cpp, model, sequences, threads)
    try:
        batcher.decode([(t, i, 0, False) for i, t in enumerate(prefix)])
        memory = llama_cpp.llama_get_memory(batcher.ctx)
        for sequence in range(1, sequences):
            llama_cpp.llama_memory_seq_cp(memory, 0, sequence, -1, -1)
        items = [(t, len(prefix) + j, s, j == len(u) - 1) for s, u in enumerate(users) for j, t in enumerate(u)]
        started = time.perf_counter()
        batcher.decode(items)
        prompt_s = time.perf_counter() - started
        outputs = [i for i, item in enumerate(items) if item[3]]
        positions = [len(prefix) + len(u) for u in users]
        started = time.perf_counter()
        for _ in range(steps):
            chosen = [int(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(batcher.ctx, i), shape=(vocabulary,)).argmax()) for i in outputs]
            batcher.decode([(chosen[s], positions[s], s, True) for s in range(sequences)])
            positions = [p + 1 for p in positions]
            outputs = list(range(sequences))
        generation_s = time.perf_counter() - started
    finally:
        batcher.close()
    return Run(sequences, len(items), prompt_s, sequences * steps, generation_s)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sequences", default="1,8,16", help="comma-separated; the first is the baseline")
    parser.add_argument("--steps", type=int, default=40, help="tokens generated per sequence")
    args = parser.parse_args()
    import llama_cpp

    settings = Settings.load()
    path = settings.llm_model_path or ensure_default_model(settings.models_dir)
    llama_cpp.llama_backend_init()
    model = llama_cpp.llama_model_load_from_file(str(path).encode(), llama_cpp.llama_model_default_params())
    runs = [measure(llama_cpp, model, int(n), args.steps, settings.llm_threads) for n in args.sequences.split(",")]
    print("| sequences | prompt tokens/s | generated tokens/s | s per sentence | vs first row |")
    print("| --- | --- | --- | --- | --- |")
    for run in runs:
        print(
            f"| {run.sequences} | {run.prompt_tokens / run.prompt_s:.0f} | {run.generated_tokens / run.generation_s:.0f} | "
            f"{run.seconds_per_sentence:.2f} | {runs[0].seconds_per_sentence / run.seconds_per_sentence:.2f}x |"
        )
    base = runs[0]
    reading = base.prompt_s / base.sequences
    print(f"\nreading a sentence costs {reading:.2f} s of its {base.seconds_per_sentence:.2f} s one at a time, at the prompt speed")
    print(f"batching cannot beat: {base.seconds_per_sentence / reading:.1f}x even if generating were free")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    llama_cpp.llama_model_free(model)


if __name__ == "__main__":
    main()
