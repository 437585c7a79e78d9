"""Readers for what newsrooms keep, one module per kind of file, chosen by suffix.

    for item in walk(Path("archive")):            # files under a folder, zip members included
        for parsed in read_blob(item, Limits()):  # ParsedArticle, or Skipped with a reason
            ...

Adding a format is one module and one line of READERS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rag.errors import ArticleError
from rag.readers.archive import zip_blobs
from rag.readers.base import Blob, Limits, ParsedArticle, Reader, Skipped
from rag.readers.export import read_csv, read_jsonl
from rag.readers.feed import read_feed
from rag.readers.pdf import read_pdf
from rag.readers.plain import read_text
from rag.readers.web import read_html

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".rss": read_feed,
    ".atom": read_feed,
    ".xml": read_feed,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".pdf": read_pdf,
}
ARCHIVE_SUFFIXES = (".zip",)
STREAMED_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".tsv")  # exports: read an article at a time, never held whole
SUFFIXES = tuple(READERS) + ARCHIVE_SUFFIXES

__all__ = ["ARCHIVE_SUFFIXES", "READERS", "STREAMED_SUFFIXES", "SUFFIXES", "Blob", "Limits", "ParsedArticle", "Skipped", "file_blob", "read_blob", "walk"]


def reader_for(name: str) -> Reader | None:
    return READERS.get(Path(name).suffix.lower())


def read_blob(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    """The articles of one file (or zip member); an ArticleError where the whole file is unreadable."""
    reader = reader_for(blob.name)
    if reader is None:
        raise ArticleError(blob.name, f"files of this kind are not read; give one of {', '.join(SUFFIXES)}.")
    yield from reader(blob, limits)


def file_blob(path: Path, name: str) -> Blob:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ArticleError(name, "the file disappeared while it was being ingested (deleted or moved); nothing of it was stored.") from None
    return Blob(name=name, file=name, size=size, open=lambda: path.open("rb"))


def walk(root: Path, limits: Limits | None = None) -> Iterator[Blob | Skipped]:
    """Every readable file under ``root`` (recursively, hidden ones left out, in name order),
    zip members included; ``root`` may also be one file. Names are paths under ``root``."""
    limits = limits or Limits()
    if root.is_file():
        paths = [(root, root.name)]
    elif root.is_dir():
        paths = [(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob("*")) if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    else:
        raise FileNotFoundError(f"{root} is neither a folder of articles nor an article file.")
    for path, name in paths:
        suffix = path.suffix.lower()
        if suffix in ARCHIVE_SUFFIXES:
            yield from zip_blobs(path, name, limits)
        elif suffix in READERS:
            try:
                yield file_blob(path, name)
            except ArticleError as error:
                yield Skipped(name, str(error).removeprefix(f"{name}: "))
