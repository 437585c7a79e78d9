"""The translation queue and its worker: deferred ingest, restarts, kills, yielding to answers,
on-demand translation of retrieved passages, the CLI and the chat's panel. Real Chroma, real
translation code and cache; the model is scripted (fast) or slowed down to be interrupted."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from rag.background import AnswerGate, TranslationWorker
from rag.chunking import PENDING
from rag.cli import ingest_main, translate_main
from rag.indexing import QUEUED_NOTE
from rag.llm.base import Message
from rag.llm.scripted import ScriptedChat
from rag.queue import TranslationQueue
from rag.settings import Settings
from rag.wiring import build_ingestor, build_parts, build_pipeline, build_translation_worker
from tests.conftest import UKRAINIAN_SEED
from ui.app import articles_panel

# Invented articles (not from seeds/ or any question set).
KHARKIV = (
    "Міська рада Харкова у вівторок затвердила план ремонту трамвайних колій на вулиці Сумській. "
    "Роботи мають тривати з травня до серпня, а вартість становить 48 мільйонів гривень.\n\n"
    "Мер пообіцяв, що автобуси замінять трамваї на час ремонту. Мешканці попросили залишити нічні рейси.\n"
)
LVIV = (
    "У Львові в суботу відкрили нову дитячу бібліотеку в колишньому складі біля вокзалу. "
    "Вона має дві тисячі книжок і читальну залу на сорок місць.\n\n"
    "Бібліотеку збудували за кошти громади та двох місцевих компаній. Вхід буде безкоштовним для всіх.\n"
)


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings.load(data_dir=tmp_path / "data", embedder="hash", original_embedder="hash", llm_backend="scripted", defer_translation=True, **extra)


def _translations(model: ScriptedChat) -> list[str]:
    """The texts the model was asked to translate (not answers, not questions)."""
    return [p[-1]["content"] for p in model.prompts if p[0]["content"].startswith("You translate") and "questions" not in p[0]["content"]]


def test_deferred_ingest_stores_as_written_queues_and_the_worker_translates_after_a_restart(tmp_path, seeds_copy):
    settings = _settings(tmp_path)
    model = ScriptedChat()
    parts = build_parts(settings, model)
    summaries = {s.source: s for s in build_ingestor(settings, parts=parts).ingest_folder(seeds_copy)}

    ukrainian = summaries[UKRAINIAN_SEED]
    assert ukrainian.status == "stored" and ukrainian.translator == PENDING and ukrainian.message == QUEUED_NOTE
    assert _translations(model) == []  # nothing translated during the ingest
    stored = parts.store.chunks_of(UKRAINIAN_SEED)
    assert stored and all(c.translator == PENDING for c in stored)
    assert all(s.translator == "identity" for n, s in summaries.items() if n != UKRAINIAN_SEED)
    english = [n for n in summaries if n != UKRAINIAN_SEED]
    assert all(parts.multilingual.store.ids_for_source(n) == [] for n in english)  # their e5 vectors are queued too

    # A restart: new parts, a new queue object on the same file.
    assert TranslationQueue(settings.queue_path).status().waiting == 5
    model2 = ScriptedChat()
    worker = build_translation_worker(settings, build_parts(settings, model2))
    done = worker.drain()
    assert sorted(s.source for s in done) == sorted(summaries) and {s.status for s in done} == {"replaced"}
    for name in english:
        assert sorted(parts.multilingual.store.ids_for_source(name)) == sorted(c.id for c in parts.store.chunks_of(name))
    translated = build_parts(settings, model2).store.chunks_of(UKRAINIAN_SEED)
    assert translated and all(c.translator == "llm" for c in translated)
    assert all(c.text.startswith("Translation: ") for c in translated)
    assert worker.queue.status().waiting == 0
    asked = len(_translations(model2))
    assert asked >= 20  # the seed's sentences, one at a time

    # Ingesting again finds every article done: nothing queued, nothing translated.
    again = build_ingestor(settings, parts=build_parts(settings, model2)).ingest_folder(seeds_copy)
    assert {s.status for s in again} == {"unchanged"}
    assert worker.queue.status().waiting == 0 and len(_translations(model2)) == asked


def test_an_ingest_resumed_after_a_kill_embeds_nothing_twice(tmp_path, seeds_copy, monkeypatch):
    settings = _settings(tmp_path)
    parts = build_parts(settings, ScriptedChat())
    build_ingestor(settings, parts=parts).ingest_folder(seeds_copy)
    calls: list[int] = []
    kind = type(parts.embedder)
    original = kind.get_text_embedding_batch
    monkeypatch.setattr(kind, "get_text_embedding_batch", lambda self, texts, **kw: calls.append(len(texts)) or original(self, texts, **kw))
    summaries = build_ingestor(settings, parts=parts).ingest_folder(seeds_copy)
    assert {s.status for s in summaries} == {"unchanged"}  # the queued one too: stored as written already
    assert calls == []
    assert TranslationQueue(settings.queue_path).status().waiting == 5  # the Ukrainian seed, the English ones' e5 vectors


class _Fails(ScriptedChat):
    """Raises after ``after`` translations, as a killed worker would stop."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: object = None) -> Iterator[str]:
        if len(_translations(self)) >= self.after:
            raise KeyboardInterrupt
        yield from super().stream(messages, max_tokens, stop, schema)  # type: ignore[arg-type]


def test_a_killed_worker_resumes_without_translating_finished_sentences_again(tmp_path, seeds_copy):
    settings = _settings(tmp_path)
    build_ingestor(settings, parts=build_parts(settings, ScriptedChat())).ingest_folder(seeds_copy)
    dying = _Fails(after=7)
    with pytest.raises(KeyboardInterrupt):
        build_translation_worker(settings, build_parts(settings, dying)).drain()
    assert TranslationQueue(settings.queue_path).status().waiting == 1  # still queued
    fresh = ScriptedChat()
    done = build_translation_worker(settings, build_parts(settings, fresh)).drain()
    assert [s.status for s in done] == ["replaced"]
    first = set(_translations(dying)[:7])
    assert first and not first & set(_translations(fresh))  # those seven came from the cache


class _Slow(ScriptedChat):
    """A translation model that writes one word every 20 ms, and records what it was doing."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = 0
        self.started = threading.Event()
        self.interrupted = 0

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: object = None) -> Iterator[str]:
        self.prompts.append([dict(m) for m in messages])
        self.started.set()
        try:
            for word in ("Translation: " + messages[-1]["content"]).split():
                time.sleep(0.02)
                self.tokens += 1
                yield word + " "
        except GeneratorExit:
            self.interrupted += 1
            raise


def test_the_worker_stops_within_a_token_while_a_question_is_answered_and_then_goes_on(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "kharkiv.txt").write_text(KHARKIV, encoding="utf-8")
    settings = _settings(tmp_path)
    build_ingestor(settings, parts=build_parts(settings, ScriptedChat())).ingest_folder(folder)
    model = _Slow()
    worker = build_translation_worker(settings, build_parts(settings, model))
    gate = AnswerGate(settings.answer_lock_path)
    worker.start()
    try:
        assert model.started.wait(10)
        with gate.answering():
            time.sleep(0.1)  # at most a token and a poll
            frozen = model.tokens
            assert model.interrupted == 1
            assert worker.status().paused
            time.sleep(0.5)
            assert model.tokens == frozen  # nothing generated while the answer runs
        deadline = time.time() + 30
        while worker.queue.status().waiting and time.time() < deadline:
            time.sleep(0.05)
        assert worker.queue.status().waiting == 0
    finally:
        worker.stop(10)
    chunks = build_parts(settings, ScriptedChat()).store.chunks_of("kharkiv.txt")
    assert chunks and all(c.translator == "llm" for c in chunks)


def test_an_answer_in_another_process_pauses_the_worker_and_a_dead_one_leaves_no_lock(tmp_path):
    gate = AnswerGate(tmp_path / "answering.lock")
    assert not gate.busy()
    holder = textwrap.dedent(
        f"""
        import sys
        from rag.background import AnswerGate
        with AnswerGate(__import__("pathlib").Path({str(tmp_path / "answering.lock")!r})).answering():
            print("held", flush=True)
            sys.stdin.read()
        """
    )
    process = subprocess.Popen([sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        assert gate.busy()
    finally:
        process.kill()
        process.wait(10)
    assert not gate.busy()  # killed while answering: the lock went with it


def test_a_retrieved_untranslated_passage_is_translated_for_the_answer_cached_and_its_article_goes_first(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "kharkiv.txt").write_text(KHARKIV, encoding="utf-8")
    (folder / "lviv.txt").write_text(LVIV, encoding="utf-8")
    settings = _settings(tmp_path, top_k=1, max_prompt_sentences=0)
    model = ScriptedChat()
    parts = build_parts(settings, model)
    build_ingestor(settings, parts=parts).ingest_folder(folder)
    queue = TranslationQueue(settings.queue_path)
    assert queue.next().parsed.source == "kharkiv.txt"  # first in, first out

    answer = build_pipeline(settings, parts=parts).answer("Скільки книжок має нова дитяча бібліотека у Львові?")
    assert not answer.refused and answer.citations[0].source == "lviv.txt"
    citation = answer.citations[0]
    assert citation.quote.startswith("Translation: ") and "бібліотек" in citation.original_quote
    assert queue.next().parsed.source == "lviv.txt"  # the article a question needed goes first

    on_demand = set(_translations(model))
    later = ScriptedChat()
    build_translation_worker(settings, build_parts(settings, later)).drain()
    assert on_demand and not on_demand & set(_translations(later))  # the worker reused them
    assert queue.status().waiting == 0


def test_off_the_model_reads_an_untranslated_passage_as_written(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lviv.txt").write_text(LVIV, encoding="utf-8")
    settings = _settings(tmp_path, translate_on_demand=False, max_prompt_sentences=0)
    model = ScriptedChat()
    parts = build_parts(settings, model)
    build_ingestor(settings, parts=parts).ingest_folder(folder)
    answer = build_pipeline(settings, parts=parts).answer("Скільки книжок має нова дитяча бібліотека у Львові?")
    assert not answer.citations or not answer.citations[0].quote.startswith("Translation: ")
    assert _translations(model) == []


def test_pruning_an_article_takes_it_out_of_the_queue(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lviv.txt").write_text(LVIV, encoding="utf-8")
    settings = _settings(tmp_path)
    ingestor = build_ingestor(settings, parts=build_parts(settings, ScriptedChat()))
    ingestor.ingest_folder(folder)
    assert ingestor.queue is not None and ingestor.queue.status().waiting == 1
    (folder / "lviv.txt").unlink()
    ingestor.ingest_folder(folder, prune=True)
    assert ingestor.queue.status().waiting == 0


def test_a_changed_article_keeps_its_translation_until_the_new_one_is_done(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lviv.txt").write_text(LVIV, encoding="utf-8")
    settings = _settings(tmp_path)
    parts = build_parts(settings, ScriptedChat())
    build_ingestor(settings, parts=parts).ingest_folder(folder)
    build_translation_worker(settings, parts).drain()
    (folder / "lviv.txt").write_text(LVIV + "\nДиректоркою бібліотеки стала Оксана Мельник, яка раніше працювала в школі.\n", encoding="utf-8")
    summary = build_ingestor(settings, parts=parts).ingest_folder(folder)[0]
    assert summary.message == QUEUED_NOTE
    assert all(c.translator == "llm" for c in parts.store.chunks_of("lviv.txt"))  # the old English, still searchable
    build_translation_worker(settings, parts).drain()
    chunks = parts.store.chunks_of("lviv.txt")
    assert any("Мельник" in c.original_text for c in chunks) and all(c.translator == "llm" for c in chunks)


def test_the_cli_queues_shows_and_translates(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lviv.txt").write_text(LVIV, encoding="utf-8")
    for name, value in {"DATA_DIR": str(tmp_path / "data"), "EMBEDDER": "hash", "ORIGINAL_EMBEDDER": "hash", "LLM_BACKEND": "scripted"}.items():
        monkeypatch.setenv(f"NEWSRAG_{name}", value)
    assert ingest_main([str(folder), "--defer-translation"]) == 0
    assert "1 articles wait for translation" in capsys.readouterr().err
    assert translate_main(["--status"]) == 0
    assert "1 articles wait for translation; 0 failed." in capsys.readouterr().out
    assert translate_main([]) == 0
    assert "1 articles translated; 0 wait; 0 failed." in capsys.readouterr().out


def test_the_articles_panel_shows_the_queue(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lviv.txt").write_text(LVIV, encoding="utf-8")
    settings = _settings(tmp_path)
    parts = build_parts(settings, ScriptedChat())
    build_ingestor(settings, parts=parts).ingest_folder(folder)
    worker: TranslationWorker = build_translation_worker(settings, parts)
    panel = articles_panel(build_pipeline(settings, parts=parts), None, worker)
    assert "1 article waiting for translation" in panel and "translating" in panel  # the row's "translating" too
    worker.drain()
    assert "waiting for translation" not in articles_panel(build_pipeline(settings, parts=parts), None, worker)
