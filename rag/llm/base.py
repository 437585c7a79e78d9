"""What every chat model offers, and completing conversations with any of them.

text = complete(model, [{"role": "user", "content": "Hi"}], max_tokens=20)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Message = dict[str, str]
Schema = dict[str, Any]


class ChatModel(Protocol):
    """A chat model. With ``schema`` (a JSON schema) the reply is JSON of that shape, enforced by
    the decoder: llama.cpp's grammar in-process, ``response_format`` on a server."""

    name: str

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]: ...


@dataclass(frozen=True)
class Reply:
    """A greedy reply and the model's natural log-probability of each of its tokens, as it chose
    them (empty where the model does not give them: a server, a scripted model)."""

    text: str
    logprobs: tuple[float, ...] = ()

    @classmethod
    def of_pieces(cls, pieces: Iterable[tuple[str, float]]) -> Reply:
        """The reply of (text, log-probability) pieces as ``stream_scored`` yields them."""
        kept = list(pieces)
        return cls("".join(text for text, _ in kept).strip(), tuple(logprob for _, logprob in kept))


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


def complete_many_scored(model: ChatModel, conversations: Sequence[Sequence[Message]], max_tokens: int) -> list[Reply]:
    """``complete_many`` with each reply's token log-probabilities where the model reads them
    while it decodes (LlamaCppChat: no extra work); replies without them otherwise."""
    scored = getattr(model, "complete_many_scored", None)
    if scored is not None:
        return list(scored(conversations, max_tokens))
    one_by_one = getattr(model, "stream_scored", None)  # e.g. the background worker's YieldingChat
    if one_by_one is not None:
        return [Reply.of_pieces(one_by_one(messages, max_tokens)) for messages in conversations]
    return [Reply(text) for text in complete_many(model, conversations, max_tokens)]


def stream_scored(model: ChatModel, messages: Sequence[Message], max_tokens: int) -> Iterator[tuple[str, float]]:
    """The greedy reply a piece at a time with its log-probability: the model's ``stream_scored``
    where it has one, else its ``stream`` with NaN (not read; rag.translation.base.Translation.of
    keeps none)."""
    scored = getattr(model, "stream_scored", None)
    if scored is not None:
        return scored(messages, max_tokens)
    return ((piece, float("nan")) for piece in model.stream(messages, max_tokens=max_tokens))
