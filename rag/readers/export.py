"""Exports of a publishing system: JSON Lines (one object a line) and CSV (a header row).

One article per line or row. Columns are matched by name, case-insensitively (README, "What it
reads"); a bad line is skipped with its line number and the rest is kept. The file is read as a
stream: a 200 MB export never sits in memory, and an oversized line is skipped unread.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from rag.errors import ArticleError
from rag.readers.base import Blob, Limits, ParsedArticle, Skipped, article, iso_date
from rag.readers.feed import html_text

# Field -> the column names that mean it, first match wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content", "article", "articlebody", "article_body"),
    "title": ("title", "headline", "name"),
    "date": ("date", "published", "published_at", "pubdate", "datepublished", "date_published", "created"),
    "url": ("url", "link", "canonical_url"),
    "outlet": ("outlet", "source", "site", "publisher", "sitename", "site_name"),
    "author": ("author", "authors", "byline"),
    "language": ("language", "lang"),
    "id": ("id", "guid", "uid"),
}


def mapped(row: dict[str, Any]) -> dict[str, str | None]:
    """The row's values under our field names (COLUMNS); lists of authors joined."""
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    out: dict[str, str | None] = {}
    for field, names in COLUMNS.items():
        value = next((lowered[n] for n in names if lowered.get(n) not in (None, "")), None)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = value.get("name") or value.get("title") or None
        out[field] = None if value is None else str(value)
    return out


def row_article(file: str, line: int, row: dict[str, Any]) -> ParsedArticle | Skipped:
    fields = mapped(row)
    text = fields["text"] or ""
    if not text.strip():
        return Skipped(f"{file}#{line}", f"line {line}: no text column ({', '.join(COLUMNS['text'])}) or an empty one; the line is skipped.")
    key = fields["id"] or fields["url"] or str(line)
    text = html_text(text) if "<" in text and ">" in text else "\n".join(" ".join(p.split()) for p in text.splitlines())
    kind = "csv" if file.lower().endswith((".csv", ".tsv")) else "jsonl"
    return article(f"{file}#{key}", fields["title"] or "", text, kind, date=iso_date(fields["date"]), outlet=fields["outlet"], url=fields["url"], author=fields["author"], language=fields["language"])


def _lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of each line; None for a line longer than ``limit``, skipped unread."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(1 << 20)
            yield number, None
            continue
        yield number, line


def read_jsonl(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    with _opened(blob) as handle:
        found = False
        for number, line in _lines(handle, limits.max_article_bytes):
            if line is None:
                yield Skipped(f"{blob.name}#{number}", f"line {number}: longer than {limits.max_article_bytes / 1_000_000:.1f} MB (NEWSRAG_MAX_ARTICLE_BYTES); the line is skipped.")
                continue
            if not line.strip():
                continue
            try:
                row = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                yield Skipped(f"{blob.name}#{number}", f"line {number}: not a JSON object ({error.__class__.__name__}: {str(error)[:80]}); the line is skipped.")
                continue
            if not isinstance(row, dict):
                yield Skipped(f"{blob.name}#{number}", f"line {number}: a JSON {type(row).__name__}, not an object; the line is skipped.")
                continue
            found = True
            yield row_article(blob.name, number, row)
        if not found:
            raise ArticleError(blob.name, "no JSON object lines in this export; each line must be one article as a JSON object.")


def read_csv(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    csv.field_size_limit(limits.max_article_bytes)
    with _opened(blob) as handle:
        head = handle.read(4096)
        handle.seek(0)
        encoding = "utf-8-sig" if _is_utf8(head) else _guess(head)
        text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
        dialect = csv.excel_tab if blob.name.lower().endswith(".tsv") else csv.excel
        reader = csv.DictReader(text, dialect=dialect)
        if not reader.fieldnames or not any(str(f).strip().lower() in COLUMNS["text"] for f in reader.fieldnames):
            raise ArticleError(blob.name, f"the CSV header has no text column; name one of: {', '.join(COLUMNS['text'])}.")
        row_number = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                row_number = reader.line_num
                yield Skipped(f"{blob.name}#{row_number}", f"line {row_number}: {error}; the row is skipped.")
                continue
            row_number = reader.line_num
            if None in row:  # more cells than the header names
                row.pop(None)
            yield row_article(blob.name, row_number, row)


def _opened(blob: Blob) -> BinaryIO:
    try:
        return blob.open()
    except FileNotFoundError:
        raise ArticleError(blob.name, "the file disappeared while it was being ingested (deleted or moved); nothing of it was stored.") from None


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _guess(head: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    return best.encoding if best else "utf-8"
