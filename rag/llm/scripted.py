"""A scripted chat model for tests: records its prompts and answers from a script.

model = ScriptedChat(lambda messages: '{"found": false, "evidence": [], "answer": null}')
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence

from rag.llm.base import Message, Schema


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
