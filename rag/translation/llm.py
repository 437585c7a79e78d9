"""Translation with the local chat model, paragraph by paragraph, where Argos has no pair."""

from __future__ import annotations

from typing import Sequence

from rag.languages import language_name
from rag.llm import ChatModel, complete


class LlmTranslator:
    """Translates into English with the local model (measured usable into English only)."""

    name = "llm"

    def __init__(self, model: ChatModel, max_tokens: int, sources: Sequence[str], targets: Sequence[str] = ("en",)) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.sources = set(sources)
        self.targets = set(targets)

    def supports(self, src: str, dst: str) -> bool:
        return src != dst and src in self.sources and dst in self.targets

    def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        return [self._one(text, src, dst) if text.strip() else text for text in texts]

    def _one(self, text: str, src: str, dst: str) -> str:
        messages = [
            {
                "role": "system",
                "content": f"You translate {language_name(src)} news text into {language_name(dst)}. "
                "Translate everything, keep names, numbers and quotes, add nothing. Reply with the translation only.",
            },
            {"role": "user", "content": text},
        ]
        reply = complete(self.model, messages, max_tokens=self.max_tokens).strip()
        return reply or text
