"""PDF files: the text layer, by pypdf. A scanned PDF (no text layer) or an encrypted one is
refused with its reason."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from rag.errors import ArticleError
from rag.readers.base import Blob, Limits, ParsedArticle, Skipped, article, iso_date

_SENTENCE_END = re.compile(r"[.!?…:\"”»]\s*$")


def read_pdf(blob: Blob, limits: Limits) -> Iterator[ParsedArticle | Skipped]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    data = blob.read(limits.max_article_bytes * 10)  # a PDF carries fonts and images besides its text
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ArticleError(blob.name, "the PDF is encrypted with a password; save a copy without the password and ingest that.")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except ArticleError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        message = str(error)
        if "decrypt" in message.lower() or "encrypt" in message.lower():
            raise ArticleError(blob.name, "the PDF is encrypted; save a copy without the password and ingest that.") from None
        raise ArticleError(blob.name, f"not a readable PDF ({error.__class__.__name__}: {message[:100]}); check the file.") from None
    text = "\n".join(_paragraphs(page) for page in pages)
    if len(text.split()) < 5 * max(1, len(pages)) // 2:
        raise ArticleError(blob.name, "the PDF has no text layer (a scan); run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) and ingest the result.")
    title = str(info.get("/Title") or "")
    date = iso_date(_pdf_date(str(info.get("/CreationDate") or "")))
    yield article(blob.name, title, text, "pdf", date=date, author=str(info.get("/Author") or "") or None)


def _paragraphs(page: str) -> str:
    """A page's lines joined into paragraphs: a line that does not end a sentence continues on
    the next (a line wrapped by the layout)."""
    lines = [" ".join(line.split()) for line in page.splitlines()]
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if _SENTENCE_END.search(line):
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return "\n".join(out)


def _pdf_date(value: str) -> str | None:
    found = re.match(r"D:(\d{4})(\d{2})(\d{2})", value)
    return f"{found.group(1)}-{found.group(2)}-{found.group(3)}" if found else None
