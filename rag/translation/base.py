"""The translation interface and the chain that picks the first translator able to do a pair.

chain = TranslatorChain([IdentityTranslator(), ArgosTranslator(dir), LlmTranslator(llm)])
english = chain.pick("uk", "en").translate(["Привіт"], "uk", "en")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from rag.errors import TranslationUnavailableError


@runtime_checkable
class Translator(Protocol):
    """Translates lists of texts between ISO 639-1 languages."""

    name: str
    revision: int  # raised when the method changes, so cached translations are made again

    def supports(self, src: str, dst: str) -> bool: ...

    def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]: ...


class IdentityTranslator:
    """Passes text through when source and target are the same language."""

    name = "identity"
    revision = 1

    def supports(self, src: str, dst: str) -> bool:
        return src == dst

    def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        return list(texts)


class TranslatorChain:
    """Uses the first translator that supports a pair; a missing pair is a typed error."""

    def __init__(self, translators: Sequence[Translator]) -> None:
        self.translators = list(translators)

    def pick(self, src: str, dst: str) -> Translator:
        for translator in self.translators:
            if translator.supports(src, dst):
                return translator
        raise TranslationUnavailableError(src, dst)

    def supports(self, src: str, dst: str) -> bool:
        return any(t.supports(src, dst) for t in self.translators)
