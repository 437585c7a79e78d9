from pathlib import Path

import pytest

from rag.errors import ArticleError
from rag.loading import list_article_files, load_article_file, parse_article
from tests.conftest import SEEDS


def test_seed_titles_dates_and_offsets():
    by_name = {p.name: load_article_file(p) for p in list_article_files(SEEDS)}
    assert len(by_name) == 5
    assert by_name["001_644d4b1ec930e458.txt"].date == "2023-09-13"
    assert by_name["002_99bf8ed5f41f55a2.txt"].date == "2023-09-14"
    assert by_name["001_644d4b1ec930e458.txt"].title.startswith("Kremlin says Kim and Putin will not sign documents")
    # 003 is a web page saved as text: its first line is another headline of the page, and its
    # date is only in an English byline. No rule for one site's byline: neither is guessed.
    assert by_name["003_4f412f5a8c4bd49c.txt"].title == "Inside a prison where Russia tortured Ukrainian POWs"
    assert by_name["003_4f412f5a8c4bd49c.txt"].date is None
    for article in by_name.values():
        for paragraph in article.paragraphs:
            assert article.original[paragraph.start : paragraph.end] == paragraph.text


def test_boilerplate_dropped_article_text_kept():
    article = load_article_file(SEEDS / "003_4f412f5a8c4bd49c.txt")
    texts = [p.text for p in article.paragraphs]
    # Menu lines go by general rules (short non-sentences, rows of capitalised words): no line
    # of this page is written into the code.
    for junk in ("Subscribe", "* indicates required", "Skip to content", "Newsletters image", "Featured"):
        assert junk not in texts
    assert not any(t.startswith("War Analysis National Video") for t in texts)
    body = " ".join(texts)
    assert "Thank you for inviting us and welcoming us while your work is busy" in body
    assert "North Korea fired two short-range ballistic missiles" in body
    assert "Shoigu visited North Korea's capital" in body


def test_date_prefix_removed_from_first_paragraph():
    article = parse_article("x.txt", " date 2023-09-13 Title here\n\nBody sentence one. Body two.", "h")
    assert article.date == "2023-09-13"
    assert article.paragraphs[0].text == "Title here"
    assert article.title == "Title here"


def test_markdown_heading_markup_stripped():
    text = "# Big news\n\nSome **text** here about things.\n- a list item that is long enough to keep.\n"
    article = parse_article("x.md", text, "h")
    assert article.title == "Big news"
    assert article.paragraphs[0].text == "Big news"
    assert text[article.paragraphs[0].start : article.paragraphs[0].end] == "Big news"


@pytest.mark.parametrize(("content", "needle"), [(b"", "empty"), (b"   \n\n", "empty"), (b"\x00\x01\x02binary\x00", "binary")])
def test_bad_files_raise_clear_errors(tmp_path: Path, content: bytes, needle: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=needle) as caught:
        load_article_file(path)
    assert caught.value.source == "bad.txt"


def test_folder_lists_the_kinds_it_reads(tmp_path: Path):
    for name in ("a.txt", "b.md", "c.pdf", "d.json", "e.png"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in list_article_files(tmp_path)] == ["a.txt", "b.md", "c.pdf"]
    with pytest.raises(FileNotFoundError):
        list_article_files(tmp_path / "missing")
