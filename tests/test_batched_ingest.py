"""A folder ingested in batches, read ahead by worker threads: the same store as one article at a
time, and a failed batch loses nothing (real Chroma, real tantivy, hashed embedder)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from rag.errors import BackendError
from rag.llm.scripted import ScriptedChat
from rag.readahead import read_ahead
from rag.wiring import build_ingestor, build_parts, build_translation_worker
from tests.archive_files import newsroom_archive
from tests.conftest import SEEDS, UKRAINIAN_SEED


def _model() -> ScriptedChat:
    return ScriptedChat(lambda messages: "Kim Jong Un plans to meet Putin in Vladivostok. The talks concern artillery shells.")


def _archive(tmp_path: Path) -> Path:
    """The seeds, every kind of newsroom file, and a syndicated copy of a seed in the same folder."""
    root = newsroom_archive(tmp_path / "archive")
    shutil.copytree(SEEDS, root / "seeds")
    english = sorted(p for p in (root / "seeds").glob("*.txt") if p.name != UKRAINIAN_SEED)[0]
    english.with_name(f"{english.stem}_copy.txt").write_text(english.read_text(encoding="utf-8"), encoding="utf-8")  # read right after it
    return root


def _contents(settings, parts) -> dict:  # type: ignore[no-untyped-def]
    chunks = sorted((c.id, c.source, c.text, c.original_text, c.translator, c.outlets) for page in parts.store.pages() for c in page)
    originals = sorted(c.id for page in parts.multilingual.store.pages() for c in page)
    copies = parts.catalog.copies_of(sorted({c[1] for c in chunks}))
    return {"chunks": chunks, "originals": originals, "lexical": parts.lexical.count(), "copies": copies, "queued": parts.queue.status().waiting}


@pytest.mark.parametrize("defer", [False, True])
def test_a_batched_read_ahead_ingest_stores_what_one_article_at_a_time_stores(fast_settings, tmp_path, defer):
    root = _archive(tmp_path)
    stores = []
    for name, batch, workers in (("single", 1, 0), ("batched", 50, 2)):
        settings = fast_settings.model_copy(update={"data_dir": tmp_path / name, "ingest_batch_chunks": batch, "read_workers": workers, "defer_translation": defer})
        parts = build_parts(settings, llm=_model())
        summaries = build_ingestor(settings, parts=parts).ingest_folder(root)
        stores.append(([(s.source, s.status, s.chunks) for s in summaries], _contents(settings, parts)))
    (single_summaries, single), (batched_summaries, batched) = stores
    assert batched_summaries == single_summaries
    assert batched == single
    assert any(status == "duplicate" for _, status, _ in single_summaries)  # the copy, within one batch
    stored = sum(status == "stored" for _, status, _ in single_summaries)
    assert single["queued"] == (stored if defer else 0)  # the Ukrainian seed to translate, the English ones for their e5 vectors
    assert len(single["chunks"]) > 2 * 50  # several batches


def test_a_failed_batch_fails_its_articles_and_keeps_what_the_store_held(fast_settings, tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    settings = fast_settings.model_copy(update={"ingest_batch_chunks": 1000, "defer_translation": True})
    parts = build_parts(settings, llm=_model())
    first = build_ingestor(settings, parts=parts).ingest_folder(folder)
    before = _contents(settings, parts)
    for summary in first:
        parts.queue.remove(summary.source)
    for path in folder.glob("*.txt"):
        path.write_text(path.read_text(encoding="utf-8") + "\nA paragraph added later to every article.\n", encoding="utf-8")

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise BackendError("The embedding server at http://gpu-box:8081/v1 did not answer after 3 tries.")

    monkeypatch.setattr(type(parts.embedder), "get_text_embedding_batch", refuse)
    summaries = build_ingestor(settings, parts=parts).ingest_folder(folder)
    assert {s.status for s in summaries} == {"failed"}
    assert all("did not answer" in s.message and s.message.startswith(s.source) for s in summaries)
    after = _contents(settings, parts)
    assert after["chunks"] == before["chunks"] and after["originals"] == before["originals"] and after["lexical"] == before["lexical"]
    assert after["queued"] == 0  # not queued: its new text was never stored

    monkeypatch.undo()
    again = build_ingestor(settings, parts=parts).ingest_folder(folder)
    assert {s.status for s in again} == {"replaced"}
    assert all("added later" in " ".join(c.text for c in parts.store.chunks_of(s.source)) for s in again if s.language == "en")


def test_read_ahead_keeps_order_reads_ahead_a_bounded_number_and_raises_at_its_item():
    started: list[int] = []
    lock = threading.Lock()

    def read(i: int) -> int:
        with lock:
            started.append(i)
        time.sleep(0.001 * (7 - i % 7))  # later items finish first
        if i == 12:
            raise ValueError("item 12 is corrupt")
        return i * i

    out = []
    with pytest.raises(ValueError, match="item 12"):
        for i, square in read_ahead(range(100), read, workers=3):
            out.append((i, square))
            assert len(started) <= i + 1 + 2 * 3  # never more than 2 x workers read ahead
    assert out == [(i, i * i) for i in range(12)]
    assert len(started) < 100  # the rest was cancelled, never read


def test_read_ahead_without_workers_reads_in_turn():
    seen: list[str] = []
    out = [(i, r) for i, r in read_ahead(iter("abc"), lambda c: seen.append(c) or c.upper(), workers=0)]
    assert out == [("a", "A"), ("b", "B"), ("c", "C")] and seen == ["a", "b", "c"]


def test_queued_e5_vectors_of_a_changed_english_article_are_written_anew(fast_settings, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    first = "The port of Elmsworth installed a new crane on Monday, the largest on the coast, after two years of planning and a long dispute with the union about night shifts. " * 2
    second = "The crane lifts forty tonnes and was built in a yard up the river; it arrived on a barge in pieces and took a team of twelve three weeks to put together. " * 2
    (folder / "harbour.txt").write_text(f"Harbour gets a new crane\n{first}\n\n{second}\n", encoding="utf-8")
    settings = fast_settings.model_copy(update={"defer_translation": True})
    parts = build_parts(settings, llm=_model())
    build_ingestor(settings, parts=parts).ingest_folder(folder)
    build_translation_worker(settings, parts).drain()
    kept_id = parts.store.chunks_of("harbour.txt")[0].id

    (folder / "harbour.txt").write_text(f"Harbour gets a new crane\n{first}\n\n{second.replace('forty', 'fifty')}\n", encoding="utf-8")
    ingestor = build_ingestor(settings, parts=parts)
    assert [s.status for s in ingestor.ingest_folder(folder)] == ["replaced"]
    assert kept_id in [c.id for c in parts.store.chunks_of("harbour.txt")]  # the first paragraph's chunk is the same
    assert parts.multilingual.store.ids_for_source("harbour.txt") == []  # none left with the old article's hash
    assert [s.status for s in build_translation_worker(settings, parts).drain()] == ["replaced"]
    main, multilingual = parts.store.chunks_of("harbour.txt"), parts.multilingual.store.chunks_of("harbour.txt")
    assert sorted(c.id for c in multilingual) == sorted(c.id for c in main) and {c.article_hash for c in multilingual} == {main[0].article_hash}
    assert [s.status for s in ingestor.ingest_folder(folder)] == ["unchanged"] and parts.queue.status().waiting == 0
