"""The lexical index on disk: persistent, updated per article, filtered inside the query, and
seen by another process without a reload of the store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from rag.lexical import VERSION_FILE, LexicalIndex
from rag.types import Chunk, Filters
from rag.wiring import build_ingestor, build_pipeline
from tests.conftest import REPO, SEEDS


def chunk(source: str, n: int, text: str, language: str = "en", date: str | None = "2023-09-13", outlet: str | None = "Daily Planet") -> Chunk:
    return Chunk(f"{source}-{n}", source, "Title", date, language, text, text, 0, len(text), "identity", "h", outlet=outlet, outlets=(outlet,) if outlet else ())


def ids(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.chunk_id for h in hits]


def test_an_article_is_added_replaced_and_deleted_and_the_index_outlives_the_process(tmp_path):
    index = LexicalIndex(tmp_path / "lex")
    index.replace("a.txt", [chunk("a.txt", 0, "The ferry terminal will cost twelve million."), chunk("a.txt", 1, "Work starts in spring.")])
    index.replace("b.txt", [chunk("b.txt", 0, "The orchestra played in the cathedral.")])
    assert ids(index.search("How much will the ferry terminal cost?", 5)) == ["a.txt-0"]

    again = LexicalIndex(tmp_path / "lex")  # a new process, the same folder
    assert again.count() == 3
    again.replace("a.txt", [chunk("a.txt", 5, "The bridge was closed for repairs.")])
    assert again.search("ferry terminal", 5) == []
    assert ids(again.search("bridge repairs", 5)) == ["a.txt-5"]
    again.delete("b.txt")
    assert again.search("orchestra cathedral", 5) == [] and again.count() == 1


def test_words_are_stemmed_ranked_by_bm25_and_query_syntax_is_plain_text(tmp_path):
    index = LexicalIndex(tmp_path / "lex")
    index.replace("a.txt", [chunk("a.txt", 0, "Farmers harvested apples."), chunk("a.txt", 1, "Apples, apples and more apples were harvested by farmers.")])
    assert set(ids(index.search("farmer harvesting an apple", 5))) == {"a.txt-0", "a.txt-1"}
    for question in ['"apples AND (farmers', "NOT apples", "title:apples -x", "***", ""]:
        index.search(question, 5)  # no query-parser error for any of them
    assert ids(index.search("NOT apples", 5))  # "not" is a word, not an operator


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(languages=("uk",)), ["uk.txt-0"]),
        (Filters(outlets=("Kyiv Post",)), ["uk.txt-0"]),
        (Filters(since="2023-09-01", until="2023-09-30"), ["en.txt-0"]),
        (Filters(since="2023-01-01"), ["en.txt-0", "uk.txt-0"]),  # the undated article is in no period
        (Filters(languages=("de",)), []),
    ],
)
def test_filters_are_part_of_the_query(tmp_path, filters, expected):
    index = LexicalIndex(tmp_path / "lex")
    index.replace("en.txt", [chunk("en.txt", 0, "The harbour strike ended on Monday.")])
    index.replace("uk.txt", [chunk("uk.txt", 0, "The harbour strike went on.", language="uk", date="2023-10-02", outlet="Kyiv Post")])
    index.replace("nodate.txt", [chunk("nodate.txt", 0, "A harbour strike, somewhere.", date=None, outlet=None)])
    assert sorted(ids(index.search("harbour strike", 10, filters))) == expected


def test_an_article_another_process_indexes_is_found_by_a_running_reader(tmp_path):
    reader = LexicalIndex(tmp_path / "lex")
    reader.replace("a.txt", [chunk("a.txt", 0, "The library reopened.")])
    assert reader.search("glacier", 5) == []
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from rag.lexical import LexicalIndex
        from tests.test_lexical import chunk
        LexicalIndex(Path({str(tmp_path / "lex")!r})).replace("b.txt", [chunk("b.txt", 0, "The glacier retreated by forty metres.")])
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, timeout=120)
    assert ids(reader.search("glacier", 5)) == ["b.txt-0"]  # the same open index, no restart


def test_a_folder_of_another_schema_version_is_indexed_anew(tmp_path):
    index = LexicalIndex(tmp_path / "lex")
    index.replace("a.txt", [chunk("a.txt", 0, "The library reopened.")])
    (tmp_path / "lex" / VERSION_FILE).write_text('{"version": 0}', encoding="utf-8")
    assert LexicalIndex(tmp_path / "lex").count() == 0


def test_ingest_keeps_the_index_and_prune_deletes_from_it(fast_settings, seeds_copy):
    ingestor = build_ingestor(fast_settings)
    ingestor.ingest_folder(seeds_copy)
    assert ingestor.lexical is not None and ingestor.lexical.count() == ingestor.store.count()
    (seeds_copy / "002_99bf8ed5f41f55a2.txt").unlink()
    ingestor.ingest_folder(seeds_copy, prune=True)
    assert ingestor.lexical.count() == ingestor.store.count()
    stored = ingestor.store.chunks([h.chunk_id for h in ingestor.lexical.search("Kim Jong Un Putin Vostochny", 50)])
    assert stored and "002_99bf8ed5f41f55a2.txt" not in {c.source for c in stored.values()}


def test_a_question_never_reads_the_whole_store(fast_settings, monkeypatch):
    parts_ingestor = build_ingestor(fast_settings)
    parts_ingestor.ingest_folder(SEEDS)
    pipeline = build_pipeline(fast_settings)
    store_type = type(pipeline.store)

    def whole_store(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a question read every chunk of the store")

    monkeypatch.setattr(store_type, "all_chunks", whole_store)
    monkeypatch.setattr(store_type, "pages", whole_store)
    lexical = pipeline.retriever.lexical_hits("Where did Putin and Kim Jong Un meet?", Filters())
    assert lexical and all(h.chunk.text for h in lexical)
    assert pipeline.retriever.search("Where did Putin and Kim Jong Un meet?").hits


def test_a_store_without_a_lexical_index_gets_one_at_the_next_ingest(fast_settings):
    build_ingestor(fast_settings).ingest_folder(SEEDS)
    shutil.rmtree(fast_settings.lexical_path)  # a store written before the index, or the folder lost
    ingestor = build_ingestor(fast_settings)
    ingestor.ingest_folder(SEEDS)  # every article unchanged: only the index is written
    assert ingestor.lexical is not None and ingestor.lexical.count() == ingestor.store.count() > 0
    assert ingestor.sync_lexical() == 0  # in step: nothing more to do
    assert ingestor.sync_lexical(rebuild=True) == ingestor.store.count()


def test_whole_store_reads_go_a_page_at_a_time_and_agree(fast_settings):
    from vectorstore.store import _summaries

    ingestor = build_ingestor(fast_settings)
    ingestor.ingest_folder(SEEDS)
    store = ingestor.store
    pages = list(store.pages(size=7))
    assert max(len(p) for p in pages) == 7 and sum(len(p) for p in pages) == store.count()
    assert sorted(c.id for p in pages for c in p) == sorted(c.id for c in store.all_chunks())
    assert _summaries(store._records(["documents", "metadatas"], size=7)) == store.summaries()
    assert len(store.summaries()) == 5 and sum(s.chunks for s in store.summaries()) == store.count()
