"""Saved web pages: the article body and its metadata, by trafilatura (dates by htmldate).

Chosen by what it measures on real pages (docs/benchmarks.md, article extraction): it keeps the
body and drops navigation, ads and comments without rules written for any one site.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.errors import ArticleError
from rag.readers.base import Blob, Limits, ParsedArticle, Skipped, article, iso_date

# Measured on 90 real article pages (docs/benchmarks.md): favour_precision with the fallback
# cascade on scored F1 0.982; deduplicate=True keeps state across pages and is left off.
_OPTIONS = {"include_comments": False, "favor_precision": True, "include_tables": True, "with_metadata": True, "deduplicate": False}


def extract_page(html: bytes | str, url: str | None = None) -> dict[str, str | None]:
    """The body text (one paragraph a line) and metadata of a web page. Bytes are best: the
    page's own charset is then read."""
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, **_OPTIONS)
    text = (document.text if document is not None else "") or ""
    if len(text) < 200:  # the extractors found next to nothing: the page's plain text instead
        _, fallback, _ = trafilatura.baseline(html)
        if len(fallback) > len(text):
            text = fallback
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if document is None:
        return {"text": text}
    return {
        "text": text,
        "title": document.title or None,
        "date": iso_date(document.date),
        "author": document.author or None,
        "outlet": document.sitename or document.hostname or None,
        "url": document.url or url,
        "language": document.language or None,
    }


def read_html(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    data = blob.read(limits.max_article_bytes)
    if not data.strip():
        raise ArticleError(blob.name, "the file is empty; save the page again or remove the file.")
    page = extract_page(data)
    text = page.pop("text") or ""
    if len(text.split()) < 5:  # a menu word or two: the page's article was not in it
        raise ArticleError(blob.name, "no article text found in this page (an index page, a page built by scripts, or broken markup); save the article page itself.")
    title = page.pop("title") or ""
    yield article(blob.name, title, text, "html", **page)
