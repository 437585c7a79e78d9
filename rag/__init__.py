"""Offline multilingual question answering over news articles, with checked citations.

    from rag import answer
    result = answer("Where did Kim and Putin meet?")
    print(result.text, [c.source for c in result.citations])

Importing this package loads nothing; models load on the first question.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.types import Answer, ArticleSummary, Citation, Preview

__all__ = ["Answer", "ArticleSummary", "Citation", "Preview", "answer", "answer_stream", "list_articles"]


def answer(question: str, history: Sequence[tuple[str, str]] = ()) -> Answer:
    """Answer ``question`` from the ingested articles (default settings)."""
    from rag.wiring import default_pipeline

    return default_pipeline().answer(question, history)


def answer_stream(question: str, history: Sequence[tuple[str, str]] = ()) -> Iterator[str | Preview | Answer]:
    """Yield the best retrieved passage (a ``Preview``) at once, then text as it is generated,
    then the checked ``Answer``."""
    from rag.wiring import default_pipeline

    return default_pipeline().stream(question, history)


def list_articles() -> list[ArticleSummary]:
    from rag.wiring import default_pipeline

    return default_pipeline().articles()
