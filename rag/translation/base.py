"""The translation interface and the chain that picks the first translator able to do a pair.

chain = TranslatorChain([IdentityTranslator(), ArgosTranslator(dir), LlmTranslator(llm)])
english = chain.pick("uk", "en").translate(["Привіт"], "uk", "en")
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from rag.errors import TranslationUnavailableError


@dataclass(frozen=True)
class Translation:
    """A translated text and what its translator knew of it: the local model's mean and least
    token log-probability of its own output (rag.translation.faithfulness), None where the
    translator gives none (Argos, a server, a cached translation of an older build)."""

    text: str
    mean_logprob: float | None = None
    min_logprob: float | None = None

    @classmethod
    def of(cls, text: str, logprobs: Sequence[float]) -> Translation:
        if not logprobs or any(math.isnan(p) for p in logprobs):  # NaN: a model that did not read them
            return cls(text)
        return cls(text, round(statistics.fmean(logprobs), 4), round(min(logprobs), 4))


def translate_scored(translator: Translator, texts: Sequence[str], src: str, dst: str) -> list[Translation]:
    """The translator's ``translate_scored`` where it has one; its bare texts otherwise."""
    scored = getattr(translator, "translate_scored", None)
    if scored is not None:
        return list(scored(texts, src, dst))
    return [Translation(text) for text in translator.translate(texts, src, dst)]


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
