"""Any OpenAI-compatible chat server: llama.cpp's server, vLLM, llama-cpp-python's server.

model = OpenAIChat("http://127.0.0.1:8080/v1", "local", "not-needed")
print(complete(model, [{"role": "user", "content": "Hi"}], max_tokens=20))
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from rag.errors import BackendError
from rag.llm.base import Message, Schema, complete


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
