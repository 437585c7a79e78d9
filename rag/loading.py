"""Reading articles: one file (any kind rag.readers knows) or a folder of them.

    for article in load_articles(Path("feed.xml")):   # one for a page, many for a feed or an export
        print(article.title, article.date, article.outlet, len(article.paragraphs))

Every kept paragraph remembers its character offsets in the article's text (``original``), so a
citation can point back at the exact passage.
"""

from __future__ import annotations

from pathlib import Path

from rag.errors import ArticleError
from rag.readers import SUFFIXES, Limits, file_blob, read_blob, walk
from rag.readers.base import ParsedArticle, RawParagraph, Skipped
from rag.readers.plain import parse_text

__all__ = ["MAX_ARTICLE_BYTES", "ParsedArticle", "RawParagraph", "list_article_files", "load_article_file", "load_articles", "parse_article"]

# A long news feature runs to 50,000 characters; past this a file is an archive or a dump, to be
# split into articles, and reading it would hold the ingest (and its memory) for one file.
MAX_ARTICLE_BYTES = 2_000_000


def load_articles(path: Path, limits: Limits | None = None) -> list[ParsedArticle]:
    """The parsed articles of one file: one for a page or a text file, many for a feed, an
    export or a zip. Parts that cannot be read (a bad line) are left out; see ``read_blob``
    for their reasons. An ArticleError where nothing of the file can be read."""
    limits = limits or Limits(max_article_bytes=MAX_ARTICLE_BYTES)
    out: list[ParsedArticle] = []
    for blob in walk(path, limits):
        if isinstance(blob, Skipped):
            continue
        out.extend(a for a in read_blob(blob, limits) if isinstance(a, ParsedArticle))
    return out


def load_article_file(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> ParsedArticle:
    """The one article of a single-article file (text, Markdown, web page, PDF)."""
    items = list(read_blob(file_blob(path, path.name), Limits(max_article_bytes=max_bytes)))
    articles = [a for a in items if isinstance(a, ParsedArticle)]
    if len(articles) != 1:
        reason = next((s.reason for s in items if isinstance(s, Skipped)), f"holds {len(articles)} articles; read it with load_articles.")
        raise ArticleError(path.name, reason)
    return articles[0]


def parse_article(source: str, text: str, content_hash: str = "") -> ParsedArticle:
    """A text article from its text (the reader of .txt files, without the file)."""
    return parse_text(source, text)


def list_article_files(folder: Path) -> list[Path]:
    """The readable files under ``folder``, recursively (zip files included as files)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of articles.")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in p.relative_to(folder).parts))
