"""RSS and Atom feeds: one article per entry, by feedparser.

An entry's full content is taken where the feed carries it; an entry with only a summary is
stored as that summary, its kind "feed-summary" so the reader knows it is not the whole story.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.errors import ArticleError
from rag.readers.base import Blob, Limits, ParsedArticle, Skipped, article, iso_date

_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article", "pre", "figcaption"}


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, one block (paragraph, list item, heading) a line."""
    if "<" not in fragment:
        return fragment.strip()
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on broken markup  # noqa: BLE001
        return ""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in {"script", "style"}:
            element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


def read_feed(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    import feedparser

    data = blob.read(limits.max_file_bytes)
    parsed = feedparser.parse(data)
    entries = parsed.get("entries") or []
    if not entries:
        problem = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ArticleError(blob.name, f"the feed holds no entries{problem}; check that the file is a whole RSS or Atom feed.")
    outlet = parsed.feed.get("title") or None
    read = list(_entries(blob, parsed, entries, outlet))
    if parsed.get("bozo") and not any(isinstance(r, ParsedArticle) for r in read):
        raise ArticleError(blob.name, f"a broken feed with no readable entry ({parsed.get('bozo_exception')}); check that the file is a whole RSS or Atom feed.")
    yield from read


def _entries(blob: Blob, parsed, entries, outlet: str | None) -> Iterator[ParsedArticle | Skipped]:  # type: ignore[no-untyped-def]
    for index, entry in enumerate(entries, start=1):
        key = entry.get("id") or entry.get("link") or str(index)
        source = f"{blob.name}#{key}"
        contents = [c.get("value", "") for c in entry.get("content") or [] if c.get("value")]
        full = max(contents, key=len, default="")
        summary = entry.get("summary") or ""
        text = html_text(full) if full else html_text(summary)
        kind = "feed" if full and len(html_text(full)) >= len(html_text(summary)) else "feed-summary"
        date = iso_date(entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("published"))
        title = html_text(entry.get("title") or "")
        yield article(source, title, text, kind, date=date, outlet=outlet, url=entry.get("link"), author=entry.get("author"), language=parsed.feed.get("language"))
