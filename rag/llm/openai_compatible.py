"""Any OpenAI-compatible chat server: llama.cpp's server, vLLM, llama-cpp-python's server.

A request that cannot connect, times out, or is answered 429 or 5xx is tried again, waiting
longer each time (tenacity); once the tries run out a BackendError names the server and what
to do. A reply that breaks off after its first piece is not retried: that piece is on screen.

    model = OpenAIChat("http://127.0.0.1:8080/v1", "local", "not-needed")
    print(complete(model, [{"role": "user", "content": "Hi"}], max_tokens=20))
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from rag.errors import BackendError
from rag.llm.base import Message, Schema, complete

if TYPE_CHECKING:
    import httpx

# Waits between tries grow 1, 2, 4 ... times ``retry_wait_s``, at most this long.
_MAX_WAIT_S = 30.0


class _ServerBusy(Exception):
    """A 429 or 5xx answer: the server is there but cannot answer now; worth another try."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"answered {status}: {text[:300]}")
        self.status = status


class ServerRefused(Exception):
    """A 4xx answer other than 429: the request is wrong, and another try would not help."""


class Unreachable(Exception):
    """No answer after every try: the server could not be reached, timed out or stayed busy."""

    def __init__(self, tries: int, last: Exception) -> None:
        super().__init__(f"no answer after {tries} tries (last: {last})")
        self.tries = tries
        self.last = last


def post(client: httpx.Client, url: str, body: dict[str, Any], retries: int, retry_wait_s: float, stream: bool = False) -> httpx.Response:
    """The response to ``body`` once the server answered 200 (read whole unless ``stream``);
    tried up to 1 + ``retries`` times while it cannot be reached, times out or answers 429/5xx,
    waiting 1, 2, 4 ... times ``retry_wait_s`` between tries. Shared by every OpenAI-compatible
    client: chat (rag.llm) and embeddings (rag.embedding)."""
    import httpx

    def send() -> httpx.Response:
        response = client.send(client.build_request("POST", url, json=body), stream=stream)
        if response.status_code == 200:
            return response
        response.read()
        response.close()
        if response.status_code == 429 or response.status_code >= 500:
            raise _ServerBusy(response.status_code, response.text)
        raise ServerRefused(f"{response.status_code}: {response.text[:300]}")

    tries = 1 + max(0, retries)
    retrying = Retrying(
        stop=stop_after_attempt(tries),
        wait=wait_exponential(multiplier=retry_wait_s, max=_MAX_WAIT_S),
        retry=retry_if_exception_type((httpx.TransportError, _ServerBusy)),
        reraise=True,
    )
    try:
        return retrying(send)
    except (httpx.TransportError, _ServerBusy) as error:
        raise Unreachable(tries, error) from error


class OpenAIChat:
    """Any OpenAI-compatible chat server (llama.cpp's server, vLLM, llama-cpp-python's server)."""

    def __init__(self, base_url: str, model: str, api_key: str, timeout: float = 300.0, schema_format: str = "json_schema", parallel: int = 1, retries: int = 3, retry_wait_s: float = 1.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries  # tries after the first one failed for a reason worth another try
        self.retry_wait_s = retry_wait_s
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
        try:
            with httpx.Client(timeout=self.timeout, headers={"Authorization": f"Bearer {self.api_key}"}) as client:
                response = self._send(client, body)
                try:
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
                finally:
                    response.close()
        except httpx.HTTPError as error:
            raise BackendError(f"Cannot reach the model server at {self.base_url} ({error}). Start it, or unset NEWSRAG_LLM_BASE_URL to use the local model.") from error

    def _send(self, client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
        """The streaming response to ``body``, once the server answered 200."""
        try:
            return post(client, f"{self.base_url}/chat/completions", body, self.retries, self.retry_wait_s, stream=True)
        except ServerRefused as error:
            raise BackendError(f"The model server at {self.base_url} answered {error}") from error
        except Unreachable as error:
            raise BackendError(
                f"The model server at {self.base_url} did not answer after {error.tries} tries (last: {error.last}). "
                "Check that it is running and reachable at that address (NEWSRAG_LLM_BASE_URL), raise NEWSRAG_LLM_RETRIES for a busy server, "
                "or unset NEWSRAG_LLM_BASE_URL to use the local model."
            ) from error

    def complete_many(self, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[str]:
        """Replies from ``parallel`` concurrent requests: a server with parallel slots (llama.cpp's
        ``--parallel``, vLLM) batches them."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            return list(pool.map(lambda messages: complete(self, messages, max_tokens).strip(), conversations))
