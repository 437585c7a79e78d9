"""What every reader returns: parsed articles with provenance, or a one-line reason a part was skipped.

A reader is a function ``(name, data, limits) -> Iterator[ParsedArticle | Skipped]``: one article
for a page or a text file, many for a feed or an export. Paragraph offsets point into
``ParsedArticle.original``, the article's own text as read (for a web page or a PDF, the text
extracted from it), so a citation can point back at the exact passage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from rag.errors import ArticleError


@dataclass(frozen=True)
class RawParagraph:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedArticle:
    """One article as read from a file, before its language is identified."""

    source: str  # unique in the store: the path under the ingested folder, "#entry" for one of many
    title: str
    date: str | None  # ISO 8601 (YYYY-MM-DD, or a full timestamp where the file gives one)
    paragraphs: tuple[RawParagraph, ...]
    content_hash: str
    original: str
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    kind: str = "text"  # text | markdown | html | feed | feed-summary | jsonl | csv | pdf
    language: str | None = None  # as the file declares it; the stored language is detected


@dataclass(frozen=True)
class Skipped:
    """A part of a file that was not read (a bad line, a zip member), with its reason."""

    source: str
    reason: str


@dataclass(frozen=True)
class Limits:
    """Bounds on what one file may make the reader hold."""

    max_article_bytes: int = 2_000_000
    max_file_bytes: int = 2_000_000_000  # an export or a zip as a whole
    max_zip_members: int = 10_000
    max_zip_ratio: int = 200  # uncompressed / compressed size of a member; past it, a zip bomb
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Blob:
    """A file to read, on disk or inside a zip: its source name, size and how to open it."""

    name: str  # the path under the ingested folder (a zip member: "archive.zip/member.txt")
    file: str  # the file on disk it comes from, under the ingested folder
    size: int
    open: Callable[[], BinaryIO]

    def read(self, limit: int) -> bytes:
        """All its bytes; an ArticleError past ``limit`` (read bounded: a zip's sizes can lie)."""
        if self.size > limit:
            raise ArticleError(self.name, too_large(self.size, limit))
        try:
            with self.open() as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise ArticleError(self.name, "the file disappeared while it was being ingested (deleted or moved); nothing of it was stored.") from None
        except OSError as error:
            raise ArticleError(self.name, f"cannot be read ({error.strerror or error}); check the file's permissions.") from None
        if len(data) > limit:
            raise ArticleError(self.name, too_large(len(data), limit))
        return data


def too_large(size: int, limit: int) -> str:
    return f"the file is {size / 1_000_000:.1f} MB; an article may be at most {limit / 1_000_000:.1f} MB. Split it into one file per article, or raise NEWSRAG_MAX_ARTICLE_BYTES."


Reader = Callable[[Blob, Limits], Iterator["ParsedArticle | Skipped"]]


def paragraph_spans(text: str) -> list[RawParagraph]:
    """Each non-empty line is a paragraph, with its offsets in ``text``."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if body:
            start = match.start() + lead
            spans.append(RawParagraph(text=body, start=start, end=start + len(body)))
    return spans


def content_hash(*parts: str | None) -> str:
    """The hash of an article's text and provenance: a change to either re-ingests it."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def iso_date(value: object) -> str | None:
    """An ISO 8601 date (YYYY-MM-DD) from a date, datetime, struct_time or a string that starts
    with one; None where nothing reads as a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if hasattr(value, "tm_year"):  # feedparser's struct_time
        return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"  # type: ignore[attr-defined]
    text = str(value).strip()
    found = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if found:
        return found.group(0)
    try:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text).date().isoformat()  # RFC 822, as in RSS
    except (TypeError, ValueError, IndexError):
        pass
    found = re.match(r"(\d{1,2})[./](\d{1,2})[./](\d{4})\b", text)  # 13.09.2023, day first as in most of Europe
    if found and int(found.group(2)) <= 12:
        return f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}"
    return None


def article(source: str, title: str, text: str, kind: str, **provenance: str | None) -> ParsedArticle | Skipped:
    """A ParsedArticle of ``text`` (paragraphs one a line), or why there is none."""
    paragraphs = tuple(paragraph_spans(text))
    if not paragraphs:
        return Skipped(source, "no article text; the entry is empty.")
    title = " ".join((title or paragraphs[0].text).split())
    digest = content_hash(title, text, *(provenance.get(k) for k in ("date", "outlet", "url", "author")))
    return ParsedArticle(
        source=source,
        title=shorten_title(title),
        date=provenance.get("date"),
        paragraphs=paragraphs,
        content_hash=digest,
        original=text,
        outlet=provenance.get("outlet") or None,
        url=provenance.get("url") or None,
        author=provenance.get("author") or None,
        kind=kind,
        language=provenance.get("language") or None,
    )


def shorten_title(title: str) -> str:
    """A title of at most about 160 characters, cut at a sentence end or a word."""
    if len(title) <= 160:
        return title
    cut = re.search(r"[.!?…](\s|$)", title[40:])
    return title[: 40 + cut.start() + 1] if cut and 40 + cut.start() < 160 else title[:157].rsplit(" ", 1)[0] + "…"
