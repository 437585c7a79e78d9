"""Offline multilingual question answering over news articles, with checked citations.

    from rag import answer
    result = answer("Where did Kim and Putin meet?")
    print(result.text, [c.source for c in result.citations])

Importing this package loads nothing; models load on the first question.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.filters import make_filters
from rag.types import Answer, ArticleSummary, Citation, Filters, Preview

__all__ = ["Answer", "ArticleSummary", "Citation", "Filters", "Preview", "answer", "answer_stream", "list_articles"]


def answer(question: str, history: Sequence[tuple[str, str]] = (), since: str | None = None, until: str | None = None, outlets: Sequence[str] = (), languages: Sequence[str] = ()) -> Answer:
    """Answer ``question`` from the ingested articles (default settings), drawing only on
    articles published ``since``..``until`` (ISO dates, both included), by ``outlets``, in
    ``languages`` (codes such as "uk"), where given."""
    from rag.wiring import default_pipeline

    return default_pipeline().answer(question, history, make_filters(since, until, outlets, languages))


def answer_stream(
    question: str, history: Sequence[tuple[str, str]] = (), since: str | None = None, until: str | None = None, outlets: Sequence[str] = (), languages: Sequence[str] = ()
) -> Iterator[str | Preview | Answer]:
    """Yield the best retrieved passage (a ``Preview``) at once, then text as it is generated,
    then the checked ``Answer``; the filters as in ``answer``."""
    from rag.wiring import default_pipeline

    return default_pipeline().stream(question, history, make_filters(since, until, outlets, languages))


def list_articles() -> list[ArticleSummary]:
    from rag.wiring import default_pipeline

    return default_pipeline().articles()
