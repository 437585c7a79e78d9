"""Readers for what newsrooms keep: pages, feeds, exports, PDFs, encodings, zips, bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from rag.errors import ArticleError
from rag.loading import load_article_file, load_articles
from rag.readers import Limits, Skipped, file_blob, read_blob, walk
from tests.archive_files import HARBOUR_PARAGRAPHS, NAVIGATION, PDF_LINES, atom_feed, csv_export, jsonl_export, pdf_bytes, rss_feed, web_page, zip_bytes


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _items(path: Path, limits: Limits | None = None) -> list:
    return list(read_blob(file_blob(path, path.name), limits or Limits()))


def test_web_page_body_and_provenance(tmp_path):
    article = load_article_file(_write(tmp_path, "ferry.html", web_page()))
    body = "\n".join(p.text for p in article.paragraphs)
    for paragraph in HARBOUR_PARAGRAPHS:
        assert paragraph in body
    for menu in NAVIGATION + ["Another headline number 3", "All rights reserved"]:
        assert menu not in body
    assert article.title == "Ferry terminal approved after long dispute"
    assert (article.date, article.author, article.outlet, article.url, article.kind) == ("2023-09-12", "Maren Holt", "Baltic Coast Herald", "https://coastherald.example/news/ferry-terminal", "html")
    for p in article.paragraphs:
        assert article.original[p.start : p.end] == p.text


def test_malformed_html_is_read_or_refused_with_a_reason(tmp_path):
    broken = (
        "<html><body><div><p>The mayor opened the new bridge over the river on Sunday morning before a crowd of two hundred people.<p>It cost four million euros <b>and took <i>two years</div></body"
    )
    items = _items(_write(tmp_path, "broken.html", broken))
    assert len(items) == 1 and "mayor opened the new bridge" in items[0].original
    with pytest.raises(ArticleError, match="no article text"):
        _items(_write(tmp_path, "nav.html", "<html><body><nav><a href='/'>Home</a></nav></body></html>"))


def test_rss_full_content_and_summary_only_entries(tmp_path):
    entries = load_articles(_write(tmp_path, "wire.rss", rss_feed()))
    assert [e.kind for e in entries] == ["feed", "feed-summary"]
    full, summary = entries
    assert full.source == "wire.rss#nw-1" and full.outlet == "Northern Wire" and full.author == "Ola Berg"
    assert (full.date, full.url) == ("2023-09-12", "https://northernwire.example/ferry")
    assert [p.text for p in full.paragraphs] == HARBOUR_PARAGRAPHS[:2]
    assert "glass wing" in summary.original and summary.date == "2023-09-13"


def test_atom_entry(tmp_path):
    (entry,) = load_articles(_write(tmp_path, "valley.atom", atom_feed()))
    assert (entry.outlet, entry.author, entry.url, entry.date) == ("Valley Gazette", "Ivo Petrak", "https://valley.example/bridge", "2023-09-14")
    assert len(entry.paragraphs) == 2


@pytest.mark.parametrize("content", ["", "<rss><channel><title>Empty</title></channel></rss>", "<rss><channel><item><title>cut off"])
def test_empty_or_broken_feed_gets_a_reason(tmp_path, content):
    with pytest.raises(ArticleError, match="empty|no entries|broken feed"):
        _items(_write(tmp_path, "bad.xml", content))


def test_jsonl_export_keeps_good_lines_and_names_bad_ones(tmp_path):
    items = _items(_write(tmp_path, "export.jsonl", jsonl_export(["[1, 2]", "not json at all"])))
    articles = [i for i in items if not isinstance(i, Skipped)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [a.title for a in articles] == ["Library extends its opening hours", "Tram line 4 closes for repairs"]
    assert articles[0].source == "export.jsonl#https://citydaily.example/library"
    assert (articles[0].outlet, articles[0].date, articles[0].author) == ("City Daily", "2023-09-20", "Ana Ruiz")
    assert [p.text for p in articles[1].paragraphs] == ["Tram line 4 will close for three weeks of track repairs.", "Buses will replace the trams."]
    assert [s.reason.split(":")[0] for s in skipped] == ["line 2", "line 4", "line 5", "line 6"]


def test_a_200_mb_jsonl_export_with_bad_lines_is_streamed(tmp_path):
    """One line of 200 MB is skipped unread (memory stays bounded); the other lines are kept."""
    path = tmp_path / "big.jsonl"
    good = jsonl_export().splitlines()
    with path.open("w", encoding="utf-8") as out:
        out.write(good[0] + "\n")
        out.write('{"title": "huge", "text": "')
        block = "x" * (1 << 20)
        for _ in range(200):
            out.write(block)
        out.write('"}\n')
        out.write("\n".join(good[1:]) + "\n")
    assert path.stat().st_size > 200_000_000
    items = _items(path, Limits(max_article_bytes=2_000_000))
    assert [i.title for i in items if not isinstance(i, Skipped)] == ["Library extends its opening hours", "Tram line 4 closes for repairs"]
    assert any("line 2: longer than 2.0 MB" in i.reason for i in items if isinstance(i, Skipped))


def test_csv_export_columns_and_a_row_without_text(tmp_path):
    items = _items(_write(tmp_path, "farm.csv", csv_export()))
    articles = [i for i in items if not isinstance(i, Skipped)]
    assert [a.title for a in articles] == ["Orchard harvest smaller this year", "Honey prices rise"]
    assert (articles[0].outlet, articles[0].date, articles[0].url, articles[0].language) == ("Farm News", "2023-09-05", "https://farmnews.example/apples", "en")
    (skipped,) = [i for i in items if isinstance(i, Skipped)]
    assert skipped.reason.startswith("line 3: no text column")
    with pytest.raises(ArticleError, match="no text column"):
        _items(_write(tmp_path, "other.csv", "name,price\napple,3\n"))


def test_pdf_text_layer_and_its_metadata(tmp_path):
    article = load_article_file(_write(tmp_path, "council.pdf", pdf_bytes(PDF_LINES)))
    assert [p.text for p in article.paragraphs] == PDF_LINES
    assert (article.title, article.author, article.date, article.kind) == ("Council minutes", "Town clerk", "2023-09-15", "pdf")


def test_encrypted_and_scanned_pdfs_are_refused_with_their_reason(tmp_path):
    with pytest.raises(ArticleError, match="encrypted"):
        load_article_file(_write(tmp_path, "locked.pdf", pdf_bytes(PDF_LINES, password="s3cret")))
    with pytest.raises(ArticleError, match="no text layer"):
        load_article_file(_write(tmp_path, "scan.pdf", pdf_bytes([])))
    with pytest.raises(ArticleError, match="not a readable PDF"):
        load_article_file(_write(tmp_path, "fake.pdf", b"%PDF-1.4 this is not really a pdf"))


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "utf-16", "utf-8"])
def test_cyrillic_text_in_any_encoding_is_read(tmp_path, encoding):
    text = "Мерія Харкова відкрила новий міст через річку в неділю.\nБудівництво тривало два роки й коштувало чотири мільйони гривень."
    if encoding == "koi8-r":
        text = "Мэрия Казани открыла новый мост через реку в воскресенье.\nСтроительство длилось два года и стоило четыре миллиона рублей."
    article = load_article_file(_write(tmp_path, f"{encoding}.txt", text.encode(encoding)))
    assert article.paragraphs[0].text == text.splitlines()[0]


def test_latin1_text_is_read(tmp_path):
    text = "Der Bürgermeister eröffnete am Sonntag die neue Brücke über den Fluss. Sie kostete vier Millionen Euro."
    article = load_article_file(_write(tmp_path, "de.txt", text.encode("latin-1")))
    assert article.paragraphs[0].text == text


@pytest.mark.parametrize(("content", "needle"), [(b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01\x02binary\x00\x9f\x92\x96" * 50, "binary")])
def test_empty_and_binary_files_are_refused(tmp_path, content, needle):
    with pytest.raises(ArticleError, match=needle):
        load_article_file(_write(tmp_path, "bad.txt", content))


def test_folders_are_walked_recursively_and_zips_read_in_place(tmp_path):
    _write(tmp_path, "a.txt", "Top level article about the harbour.")
    _write(tmp_path, "2023/09/b.md", "# Nested\n\nA nested article about the museum.")
    _write(tmp_path, "2023/09/.hidden.txt", "hidden")
    _write(tmp_path, "2023/notes.zip", zip_bytes({"x/c.txt": "Zipped article about the bridge.", "readme.bin": b"\x00\x01"}))
    _write(tmp_path, "2023/image.png", b"\x89PNG")
    names = [b.name for b in walk(tmp_path)]
    assert names == ["2023/09/b.md", "2023/notes.zip/x/c.txt", "a.txt"]


def test_unsafe_zip_members_and_zip_bombs_are_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../x.txt", "escaping the folder")
        z.writestr("/etc/passwd.txt", "absolute")
        z.writestr("bomb.txt", "0" * 50_000_000)
        z.writestr("fine.txt", "An ordinary article about the town council.")
    items = list(walk(tmp_path))
    reasons = {i.source: i.reason for i in items if isinstance(i, Skipped)}
    assert "leaves the archive" in reasons["evil.zip/../../x.txt"]
    assert "leaves the archive" in reasons["evil.zip//etc/passwd.txt"]
    assert "zip bomb" in reasons["evil.zip/bomb.txt"]
    assert [i.name for i in items if not isinstance(i, Skipped)] == ["evil.zip/fine.txt"]
    assert not (tmp_path.parent / "x.txt").exists()


def test_zip_with_too_many_members_is_refused(tmp_path):
    _write(tmp_path, "many.zip", zip_bytes({f"{i}.txt": f"Article number {i}." for i in range(30)}))
    (item,) = list(walk(tmp_path, Limits(max_zip_members=20)))
    assert isinstance(item, Skipped) and "at most 20" in item.reason


def test_a_zip_member_that_lies_about_its_size_is_read_bounded(tmp_path):
    _write(tmp_path, "a.zip", zip_bytes({"big.txt": " ".join(f"w{i * 7919 % 100003}" for i in range(300_000))}))
    (blob,) = list(walk(tmp_path))
    with pytest.raises(ArticleError, match="at most 1.0 MB"):
        list(read_blob(blob, Limits(max_article_bytes=1_000_000)))
