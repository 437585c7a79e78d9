"""What every chat model offers, and completing conversations with any of them.

text = complete(model, [{"role": "user", "content": "Hi"}], max_tokens=20)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

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
