"""Greedy decoding of several prompts side by side: one llama.cpp sequence each, one decode step
for all of them, in a context of its own on the loaded model's weights.

    decoder = BatchDecoder(llama, sequences=16, cells=1024, threads=2)
    replies = decoder.generate(prompts, max_tokens=300)  # (tokens, log-probabilities) each, greedy; any number of prompts
    decoder.close()

On 2 cores a decode step of 16 tokens costs about as much as 5 single ones (see
scripts/bench_batch_ceiling.py), so translating 16 sentences together beats one after another.
The prompts' common prefix (the translation instructions and example) is read once, into
sequence 0, copied to each working sequence as it takes a prompt, and kept for the next call
that starts the same way. A sequence that finishes takes the next waiting prompt.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.errors import BackendError


def common_prefix(prompts: Sequence[Sequence[int]]) -> int:
    """How many leading tokens all prompts share, leaving each at least one token of its own
    (its last token's logits give its first reply token)."""
    shortest = min(len(p) for p in prompts)
    length = 0
    while length < shortest - 1 and all(p[length] == prompts[0][length] for p in prompts):
        length += 1
    return length


def token_logprob(logits: np.ndarray, token: int) -> float:
    """The natural log-probability of ``token`` under one row of logits (its log-softmax)."""
    peak = float(logits.max())
    return float(logits[token]) - peak - float(np.log(np.exp(logits - peak, dtype=np.float64).sum()))


def greedy(logits: np.ndarray) -> tuple[int, float]:
    """The most likely token of one row of logits, and its natural log-probability (read off the
    row the sampler reads anyway: a fraction of a millisecond)."""
    token = int(logits.argmax())
    return token, token_logprob(logits, token)


class BatchDecoder:
    """A llama.cpp context of ``sequences`` working sequences of ``cells`` KV cells each, plus
    sequence 0, which holds the prompts' common prefix for them to copy."""

    def __init__(self, llama: Any, sequences: int, cells: int, threads: int, batch_tokens: int = 512) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self.sequences = sequences
        self.cells = cells
        self.batch_tokens = batch_tokens
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = (sequences + 1) * cells
        params.n_batch = params.n_ubatch = batch_tokens
        params.n_seq_max = sequences + 1
        params.n_threads = params.n_threads_batch = threads
        params.kv_unified = False  # each sequence attends over its own cells only
        self._ctx = llama_cpp.llama_init_from_model(llama.model, params)
        if not self._ctx:
            raise BackendError(f"llama.cpp could not make a context for {sequences} sequences of {cells} tokens; set NEWSRAG_LLM_BATCH_SEQUENCES lower.")
        self._memory = llama_cpp.llama_get_memory(self._ctx)
        self._batch = llama_cpp.llama_batch_init(batch_tokens, 0, 1)
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        self._vocabulary = llama_cpp.llama_vocab_n_tokens(self._vocab)
        self._prefix: list[int] = []  # tokens held by sequence 0

    def fits(self, prompt: Sequence[int], max_tokens: int) -> bool:
        return len(prompt) + max_tokens <= self.cells

    def generate(self, prompts: Sequence[Sequence[int]], max_tokens: int) -> list[tuple[list[int], list[float]]]:
        """The greedy reply tokens of each prompt (each fitting), up to an end-of-generation token
        or ``max_tokens``, with the log-probability of each as it was chosen. A sequence that
        finishes takes the next waiting prompt at once, so the decode steps stay full while
        prompts wait."""
        if not prompts:
            return []
        if not all(self.fits(p, max_tokens) for p in prompts):
            raise ValueError("a prompt too long for a sequence's cells")
        shared = common_prefix(prompts)
        self._hold_prefix(list(prompts[0][:shared]))
        waiting = deque(range(len(prompts)))
        free = list(range(self.sequences, 0, -1))
        working: dict[int, int] = {}  # sequence -> prompt
        position: dict[int, int] = {}  # sequence -> where its next token goes
        fed: dict[int, int] = {}  # sequence -> the token it reads next
        replies: list[list[int]] = [[] for _ in prompts]
        logprobs: list[list[float]] = [[] for _ in prompts]
        while waiting or working:
            items = [(fed[s], position[s], s, True) for s in working]
            for s in working:
                position[s] += 1
            while free and waiting:
                s, i = free.pop(), waiting.popleft()
                self._lib.llama_memory_seq_rm(self._memory, s, -1, -1)
                if shared:
                    self._lib.llama_memory_seq_cp(self._memory, 0, s, -1, -1)
                prompt = prompts[i]
                items += [(prompt[p], p, s, p == len(prompt) - 1) for p in range(shared, len(prompt))]
                working[s], position[s] = i, len(prompt)
            for s, (token, logprob) in self._step(items).items():
                i = working[s]
                if self._lib.llama_vocab_is_eog(self._vocab, token) or len(replies[i]) >= max_tokens:
                    del working[s]
                    free.append(s)
                    continue
                replies[i].append(token)
                logprobs[i].append(logprob)
                fed[s] = token
        return list(zip(replies, logprobs))

    def _hold_prefix(self, shared: list[int]) -> None:
        """Sequence 0 holds exactly ``shared``, reading only what it did not hold already."""
        keep = 0
        while keep < min(len(shared), len(self._prefix)) and shared[keep] == self._prefix[keep]:
            keep += 1
        self._lib.llama_memory_seq_rm(self._memory, 0, keep, -1)
        self._prefix = shared[:keep]
        self._step([(token, keep + i, 0, False) for i, token in enumerate(shared[keep:])])
        self._prefix = shared

    def _step(self, items: Sequence[tuple[int, int, int, bool]]) -> dict[int, tuple[int, float]]:
        """Decodes (token, position, sequence, wants logits) items, ``batch_tokens`` at a time;
        the greedy next token of each sequence that wanted logits, and its log-probability."""
        chosen: dict[int, tuple[int, float]] = {}
        for start in range(0, len(items), self.batch_tokens):
            part = items[start : start + self.batch_tokens]
            batch = self._batch
            batch.n_tokens = len(part)
            for i, (token, position, sequence, logits) in enumerate(part):
                batch.token[i], batch.pos[i], batch.logits[i] = token, position, logits
                batch.n_seq_id[i], batch.seq_id[i][0] = 1, sequence
            if self._lib.llama_decode(self._ctx, batch) != 0:
                self._prefix = []
                raise BackendError("llama.cpp failed to decode a batch of sequences.")
            for i, (_, _, sequence, logits) in enumerate(part):
                if logits:
                    row = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(self._ctx, i), shape=(self._vocabulary,))
                    chosen[sequence] = greedy(row)
        return chosen

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_ctx", None):
            self._lib.llama_batch_free(self._batch)
            self._lib.llama_free(self._ctx)
            self._ctx = None
