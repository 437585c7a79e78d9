"""Text and Markdown files: the encoding detected, menu lines of saved pages dropped.

The rules here are general ones: a short line that is not a sentence (a menu item), a line of
capitalised words (a navigation bar), a short line repeated in the file. Nothing is copied from
one site's page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.errors import ArticleError
from rag.readers.base import Blob, Limits, ParsedArticle, RawParagraph, Skipped, content_hash, paragraph_spans, shorten_title

_DATE_HEADER = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})\s*", re.IGNORECASE)
_MARKDOWN_MARKUP = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s+|[-*+]\s+)")
_SENTENCE_END = '.!?…:"”»。！？」』।'


def decode(name: str, data: bytes) -> str:
    """The text of ``data`` in whatever encoding it is written (UTF-8/16, cp1251, koi8-r,
    latin-1, ...), detected by charset-normalizer; an ArticleError for empty or binary data."""
    if not data.strip():
        raise ArticleError(name, "the file is empty; add the article text or remove the file.")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break  # a byte-order mark on something else: detect below
    if b"\x00" in data[:8192] and not _looks_utf16(data):
        raise ArticleError(name, "this looks like a binary file, not a text article; give a text, web page, feed, export or PDF file.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    encoding = detect_encoding(data[:1_000_000])
    if encoding is None:
        raise ArticleError(name, "this looks like a binary file, not a text article: no text encoding reads it.")
    return data.decode(encoding, errors="replace")


# Multi-byte East Asian encodings read almost any short byte string without error: on a short
# text they win although no language can be seen in what they decode.
_MULTIBYTE = [
    "shift_jis",
    "shift_jis_2004",
    "shift_jisx0213",
    "cp932",
    "euc_jp",
    "euc_jis_2004",
    "euc_jisx0213",
    "euc_kr",
    "cp949",
    "johab",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "big5hkscs",
    "cp950",
    "hz",
]


def detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's best reading; where it recognises no language in it (coherence 0) and
    a single-byte encoding gives a recognisable one, that one."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.coherence > 0 or best.encoding not in _MULTIBYTE:
        return best.encoding if best else None
    other = from_bytes(data, cp_exclusion=_MULTIBYTE).best()
    return other.encoding if other is not None and other.coherence > 0 else best.encoding


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    return max(zeros_odd, zeros_even) > len(sample) // 4 and min(zeros_odd, zeros_even) < len(sample) // 50


def read_text(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    data = blob.read(limits.max_article_bytes)
    yield parse_text(blob.name, decode(blob.name, data), kind="markdown" if blob.name.lower().endswith((".md", ".markdown")) else "text")


def parse_text(source: str, text: str, kind: str = "text") -> ParsedArticle:
    """Split ``text`` into kept paragraphs, its first line the title; a leading ``date YYYY-MM-DD``
    header gives the date."""
    paragraphs = [_strip_markdown(p) for p in paragraph_spans(text)]
    if not paragraphs:
        raise ArticleError(source, "the file holds no text; add the article text or remove the file.")
    date = None
    header = _DATE_HEADER.match(paragraphs[0].text)
    if header:
        date = header.group(1)
        first = paragraphs[0]
        paragraphs[0] = RawParagraph(first.text[header.end() :], first.start + header.end(), first.end)
        paragraphs = [p for p in paragraphs if p.text]
        if not paragraphs:
            raise ArticleError(source, "the file holds only a date; add the article text.")
    counts: dict[str, int] = {}
    for p in paragraphs:
        counts[p.text] = counts.get(p.text, 0) + 1
    repeated = {t for t, n in counts.items() if n > 1}
    kept = [p for i, p in enumerate(paragraphs) if i == 0 or not is_menu_line(p.text, repeated)]
    return ParsedArticle(
        source=source,
        title=shorten_title(paragraphs[0].text),
        date=date,
        paragraphs=tuple(kept),
        content_hash=content_hash(text),
        original=text,
        kind=kind,
    )


def is_menu_line(line: str, repeated: set[str]) -> bool:
    """A line of a saved page's navigation, not of the article: short and not a sentence, a row
    of capitalised words, or a short line the page repeats."""
    stripped = line.strip()
    words = stripped.split()
    if stripped[-1:] in _SENTENCE_END or (len(stripped) >= 60 and len(words) <= len(stripped) / 20):
        return False  # a sentence, or a long line of a script written without spaces between words
    if len(words) <= 3:
        return True
    if stripped in repeated and len(words) <= 12:
        return True
    capitalised = sum(1 for w in words if w[:1].isupper())
    return len(words) >= 3 and capitalised / len(words) >= 0.85


def _strip_markdown(paragraph: RawParagraph) -> RawParagraph:
    markup = _MARKDOWN_MARKUP.match(paragraph.text)
    if not markup:
        return paragraph
    cut = markup.end()
    return RawParagraph(paragraph.text[cut:], paragraph.start + cut, paragraph.end)
