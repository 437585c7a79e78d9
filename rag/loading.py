"""Reading articles from a folder: text and Markdown, with date, title and boilerplate removed.

Every kept paragraph remembers its character offsets in the original file, so a citation can
point back at the exact passage.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ArticleError
from rag.text import month_names, month_number

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown")

_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*")
_WRITTEN_DATE = re.compile(rf"\b({'|'.join(month_names('en'))})\s+(\d{{1,2}}),\s+(\d{{4}})\b")
_BYLINE = re.compile(r"^by\s+[A-Z]")
# Lines that web pages repeat around every article.
_BOILERPLATE = re.compile(
    r"^(skip to (main )?content|subscribe|\* indicates required|successfu(l)?ly subscribed"
    r"|please,? enter (a )?correct email address|enter your email.*|follow us|comments|most popular"
    r"|editors' picks|more news|news feed|edit post|sections|more|featured|read more|share|advertisement"
    r"|join our community|support us|support independent journalism.*|.*\barrow right|.*\bimage"
    r"|thank you for signing up.*|freedom can be costly.*|author: .*|visa mastercard.*"
    r"|\d{1,2}:\d{2}\s*(am|pm)|this audio is created with ai assistance)$",
    re.IGNORECASE,
)
_MARKDOWN_MARKUP = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s+|[-*+]\s+)")


@dataclass(frozen=True)
class RawParagraph:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedArticle:
    source: str
    title: str
    date: str | None
    paragraphs: tuple[RawParagraph, ...]
    content_hash: str
    original: str


def list_article_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of articles (.txt or .md files).")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)


# A long news feature runs to 50,000 characters; past this a file is an archive or a dump, to be
# split into articles, and reading it would hold the ingest (and its memory) for one file.
MAX_ARTICLE_BYTES = 2_000_000


def read_text(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> tuple[str, str]:
    """The file's text and the SHA-256 of its bytes; an ArticleError for empty, oversized or non-text files."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ArticleError(path.name, f"cannot be read ({error.strerror}); check the file's permissions.") from None
    if size > max_bytes:
        raise ArticleError(
            path.name,
            f"the file is {size / 1_000_000:.1f} MB; an article may be at most {max_bytes / 1_000_000:.1f} MB. Split it into one file per article (or raise NEWSRAG_MAX_ARTICLE_BYTES).",
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(path.name, f"cannot be read ({error.strerror}); check the file's permissions.") from None
    if not data.strip():
        raise ArticleError(path.name, "the file is empty; add the article text or remove the file.")
    if b"\x00" in data[:8192]:
        raise ArticleError(path.name, "this looks like a binary file, not a text article; convert it to UTF-8 text (.txt or .md).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(
            path.name,
            f"not valid UTF-8 (byte {error.start}); convert it, e.g. `iconv -f cp1251 -t utf-8 {path.name} > fixed.txt`.",
        ) from None
    return text, hashlib.sha256(data).hexdigest()


def _is_boilerplate(line: str, repeated: set[str]) -> bool:
    stripped = line.strip()
    if _BOILERPLATE.match(stripped):
        return True
    words = stripped.split()
    ends_sentence = stripped[-1:] in '.!?…:"”»。！？」』।'
    if ends_sentence or (len(stripped) >= 60 and len(words) <= len(stripped) / 20):
        return False  # a sentence, or a long line of a script written without spaces between words
    if len(words) <= 3:
        return True  # menu items, "Ukraine Daily", "inbox"
    if stripped in repeated and len(words) <= 12:
        return True
    capitalised = sum(1 for w in words if w[:1].isupper())
    return len(words) >= 3 and capitalised / len(words) >= 0.85  # navigation bars


def _paragraph_spans(text: str) -> list[RawParagraph]:
    """Each non-empty line is a paragraph (the seeds use single newlines between paragraphs)."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if body:
            start = match.start() + lead
            spans.append(RawParagraph(text=body, start=start, end=start + len(body)))
    return spans


def _strip_markdown(paragraph: RawParagraph) -> RawParagraph:
    markup = _MARKDOWN_MARKUP.match(paragraph.text)
    if not markup:
        return paragraph
    cut = markup.end()
    return RawParagraph(paragraph.text[cut:], paragraph.start + cut, paragraph.end)


def parse_article(source: str, text: str, content_hash: str) -> ParsedArticle:
    """Split ``text`` into kept paragraphs and find the title and date."""
    paragraphs = [_strip_markdown(p) for p in _paragraph_spans(text)]
    if not paragraphs:
        raise ArticleError(source, "the file holds no text; add the article text or remove the file.")

    date = None
    first = paragraphs[0]
    prefix = _DATE_PREFIX.match(first.text)
    if prefix:
        date = prefix.group(1)
        cut = prefix.end()
        first = RawParagraph(first.text[cut:], first.start + cut, first.end)
        paragraphs[0] = first

    counts: dict[str, int] = {}
    for p in paragraphs:
        counts[p.text] = counts.get(p.text, 0) + 1
    repeated = {t for t, n in counts.items() if n > 1}

    title = _title(paragraphs)
    if date is None:
        date = _written_date(paragraphs[:30])

    kept = [p for i, p in enumerate(paragraphs) if i == 0 or not _is_boilerplate(p.text, repeated)]
    kept = [p for p in kept if p.text]
    if not kept:
        raise ArticleError(source, "nothing but page boilerplate was found; check the file holds the article text.")
    return ParsedArticle(source=source, title=title, date=date, paragraphs=tuple(kept), content_hash=content_hash, original=text)


def _title(paragraphs: list[RawParagraph]) -> str:
    # A web page often shows other headlines first; the article's own title sits above its byline.
    for i, p in enumerate(paragraphs[:30]):
        if _BYLINE.match(p.text) and i > 0:
            return paragraphs[i - 1].text
    title = paragraphs[0].text
    if len(title) > 160:
        cut = re.search(r"[.!?…](\s|$)", title[40:])
        title = title[: 40 + cut.start() + 1] if cut and 40 + cut.start() < 160 else title[:157].rsplit(" ", 1)[0] + "…"
    return title


def _written_date(paragraphs: list[RawParagraph]) -> str | None:
    for p in paragraphs:
        if _BYLINE.match(p.text):
            found = _WRITTEN_DATE.search(p.text)
            if found:
                return f"{found.group(3)}-{month_number(found.group(1)) or 0:02d}-{int(found.group(2)):02d}"
    return None


def load_article_file(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> ParsedArticle:
    text, digest = read_text(path, max_bytes)
    return parse_article(path.name, text, digest)
