"""Ingestion into a real Chroma store in a temporary folder (fast profile: hashed embedder, scripted model)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag.embedding import HashEmbedding
from rag.llm.scripted import ScriptedChat
from rag.wiring import build_ingestor
from tests.conftest import UKRAINIAN_SEED


class CountingEmbedding(HashEmbedding):
    """Counts how many texts it embeds."""

    calls: int = 0

    def _get_text_embeddings(self, texts):  # type: ignore[no-untyped-def]
        self.calls += len(texts)
        return super()._get_text_embeddings(texts)


def _one_article(tmp_path: Path, folder_name: str, file_name: str, text: str) -> Path:
    """A folder holding one article file."""
    folder = tmp_path / folder_name
    folder.mkdir()
    (folder / file_name).write_text(text, encoding="utf-8")
    return folder


def _translator_model() -> ScriptedChat:
    return ScriptedChat(lambda messages: "Kim Jong Un plans to meet Putin in Vladivostok. The talks concern artillery shells.")


def test_ingest_seeds_chunks_carry_everything(fast_settings, seeds_copy):
    model = _translator_model()
    ingestor = build_ingestor(fast_settings, llm=model)
    summaries = {s.source: s for s in ingestor.ingest_folder(seeds_copy)}
    assert all(s.status == "stored" for s in summaries.values()), summaries
    assert summaries[UKRAINIAN_SEED].language == "uk"
    assert summaries[UKRAINIAN_SEED].translator == "llm"
    assert summaries["000_df240f098999e43e.txt"].translator == "identity"

    chunks = ingestor.store.all_chunks()
    assert len(chunks) == sum(s.chunks for s in summaries.values())
    for chunk in chunks:
        original = (seeds_copy / chunk.source).read_text(encoding="utf-8")
        assert chunk.text and chunk.original_text and chunk.title
        assert 0 <= chunk.start < chunk.end <= len(original)
        first_line = chunk.original_text.splitlines()[0]
        assert first_line in original[chunk.start : chunk.end]
        assert len(chunk.text) <= fast_settings.chunk_chars + 400  # a sentence may overflow, no more
    ukrainian = [c for c in chunks if c.source == UKRAINIAN_SEED]
    # Each chunk keeps its Ukrainian passage, apart from the English text it was translated into.
    assert all(re.search("[єіїґ]", c.original_text, re.IGNORECASE) and c.original_text != c.text for c in ukrainian)
    assert any("Кім Чен Ин" in c.original_text for c in ukrainian)
    assert all(c.translator == "llm" and c.language == "uk" for c in ukrainian)
    # The model was asked to translate Ukrainian, paragraph by paragraph.
    assert model.prompts and all("Ukrainian" in p[0]["content"] for p in model.prompts)


def test_reingest_changes_nothing_and_embeds_nothing(fast_settings, seeds_copy):
    ingestor = build_ingestor(fast_settings, llm=_translator_model())
    ingestor.ingest_folder(seeds_copy)
    before = sorted(c.id for c in ingestor.store.all_chunks())

    counting = CountingEmbedding()
    model = _translator_model()
    again = build_ingestor(fast_settings, llm=model)
    again.embedder = counting
    summaries = again.ingest_folder(seeds_copy)
    assert {s.status for s in summaries} == {"unchanged"}
    assert counting.calls == 0 and model.prompts == []
    assert sorted(c.id for c in again.store.all_chunks()) == before


def test_translation_cache_means_no_second_translation(fast_settings, seeds_copy, tmp_path):
    build_ingestor(fast_settings, llm=_translator_model()).ingest_folder(seeds_copy)
    # A new, empty store with the same cache folder: embeds again, translates nothing.
    fresh = fast_settings.model_copy(update={"collection": "other"})
    model = _translator_model()
    summaries = build_ingestor(fresh, llm=model).ingest_folder(seeds_copy)
    assert all(s.status == "stored" for s in summaries)
    assert model.prompts == []


def test_changed_article_replaces_its_chunks_and_prune(fast_settings, seeds_copy):
    ingestor = build_ingestor(fast_settings, llm=_translator_model())
    ingestor.ingest_folder(seeds_copy)
    target = seeds_copy / "000_df240f098999e43e.txt"
    target.write_text("Kim arrives in Moscow. He meets the press on Friday.\n", encoding="utf-8")
    summaries = {s.source: s for s in ingestor.ingest_folder(seeds_copy)}
    assert summaries[target.name].status == "replaced"
    texts = [c.text for c in ingestor.store.all_chunks() if c.source == target.name]
    assert texts == ["Kim arrives in Moscow. He meets the press on Friday."]

    (seeds_copy / "002_99bf8ed5f41f55a2.txt").unlink()
    kept = {s.source: s for s in ingestor.ingest_folder(seeds_copy)}  # no prune: still stored
    assert "002_99bf8ed5f41f55a2.txt" in {c.source for c in ingestor.store.all_chunks()}
    assert "002_99bf8ed5f41f55a2.txt" not in kept
    pruned = {s.source: s for s in ingestor.ingest_folder(seeds_copy, prune=True)}
    assert pruned["002_99bf8ed5f41f55a2.txt"].status == "pruned"
    assert "002_99bf8ed5f41f55a2.txt" not in {c.source for c in ingestor.store.all_chunks()}


def test_bad_files_fail_alone_and_lose_nothing(fast_settings, seeds_copy):
    ingestor = build_ingestor(fast_settings, llm=_translator_model())
    ingestor.ingest_folder(seeds_copy)
    stored_before = sorted(c.id for c in ingestor.store.all_chunks())

    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x00")
    (seeds_copy / "cp1251.txt").write_bytes("Новини дня. Кім приїхав.".encode("cp1251"))
    # A stored article whose file now became corrupt keeps its stored chunks.
    (seeds_copy / "003_4f412f5a8c4bd49c.txt").write_bytes(b"\x00\x9c\xff\x00garbage\x00\x00\x01" * 20)
    summaries = {s.source: s for s in ingestor.ingest_folder(seeds_copy)}
    assert summaries["empty.txt"].status == "failed" and "empty" in summaries["empty.txt"].message
    assert summaries["binary.txt"].status == "failed" and "binary" in summaries["binary.txt"].message
    assert summaries["003_4f412f5a8c4bd49c.txt"].status == "failed"
    assert summaries["000_df240f098999e43e.txt"].status == "unchanged"
    # A cp1251 file is decoded, not refused (rag.readers.plain); the rest is as it was.
    assert summaries["cp1251.txt"].status == "stored"
    after = ingestor.store.all_chunks()
    assert any("Кім приїхав" in c.original_text for c in after if c.source == "cp1251.txt")
    assert sorted(c.id for c in after if c.source != "cp1251.txt") == stored_before


SWAHILI = "Rais wa Korea Kaskazini amewasili nchini Urusi kwa mazungumzo na kiongozi wa nchi hiyo. Mkutano huo unatarajiwa kujadili ushirikiano wa kijeshi na biashara kati ya nchi hizo mbili.\n"


def test_a_language_no_translator_has_is_stored_untranslated_and_said_so(fast_settings, tmp_path):
    folder = _one_article(tmp_path, "sw", "swahili.txt", SWAHILI)
    settings = fast_settings.model_copy(update={"llm_translation_languages": ["uk"]})
    ingestor = build_ingestor(settings, llm=_translator_model())
    (summary,) = ingestor.ingest_folder(folder)
    assert summary.status == "stored" and summary.language == "sw" and summary.translator == "none"
    assert "untranslated" in summary.message and "newsrag-argos install" in summary.message
    chunks = ingestor.store.all_chunks()
    assert chunks and all(c.text == c.original_text for c in chunks)  # the model reads it as written
    assert ingestor.multilingual is not None and ingestor.multilingual.store.count() == len(chunks)  # and the multilingual retriever finds it
    assert ingestor.ingest_folder(folder)[0].status == "unchanged"


def test_any_detected_language_is_translated_by_the_local_model_by_default(fast_settings, tmp_path):
    folder = _one_article(tmp_path, "ro", "romanian.txt", "Primăria a redeschis podul de pe strada Morii după trei luni de lucrări. Traficul a fost reluat luni dimineață.\n")
    (summary,) = build_ingestor(fast_settings, llm=_translator_model()).ingest_folder(folder)
    assert summary.language == "ro" and summary.translator == "llm" and summary.message == ""


def test_ingest_with_sockets_blocked(fast_settings, seeds_copy, no_network):
    summaries = build_ingestor(fast_settings, llm=_translator_model()).ingest_folder(seeds_copy)
    assert len(summaries) == 5 and all(s.status == "stored" for s in summaries)


def test_real_embedder_offline(tmp_path, seeds_copy, no_network):
    """The packaged all-MiniLM-L6-v2 loads without the network and ranks the right article first."""
    from rag.settings import Settings
    from rag.wiring import build_pipeline

    for extra in seeds_copy.iterdir():
        if extra.name != "003_4f412f5a8c4bd49c.txt" and extra.name != "000_df240f098999e43e.txt":
            extra.unlink()
    settings = Settings.load(data_dir=tmp_path / "data", llm_backend="scripted")
    summaries = build_ingestor(settings).ingest_folder(seeds_copy)
    assert {s.translator for s in summaries} == {"identity"}
    pipeline = build_pipeline(settings)
    hits = pipeline.retriever.search("Where did Kim and Putin shake hands?").hits
    assert hits[0].chunk.source == "003_4f412f5a8c4bd49c.txt"


def test_translation_that_repeats_itself_stores_one_copy(fast_settings, tmp_path):
    folder = _one_article(tmp_path, "repeats", "uk.txt", "Кім Чен Ин планує зустрітися з Путіним у Владивостоці найближчим часом, повідомляють джерела.\n")
    model = ScriptedChat(lambda messages: " ".join(["Kim plans to meet Putin in Vladivostok soon, sources say."] * 12))
    summaries = build_ingestor(fast_settings, llm=model).ingest_folder(folder)
    assert summaries[0].status == "stored", summaries[0].message
    chunks = build_ingestor(fast_settings, llm=model).store.all_chunks()
    assert len({c.id for c in chunks}) == len(chunks) == summaries[0].chunks


def test_oversized_and_mixed_files_are_refused_alone_with_a_reason(fast_settings, seeds_copy):
    ingestor = build_ingestor(fast_settings, llm=_translator_model())
    ingestor.ingest_folder(seeds_copy)
    stored_before = sorted(c.id for c in ingestor.store.all_chunks())

    with open(seeds_copy / "archive.txt", "wb") as big:  # 20 MB: refused before it is read
        line = b"The council met on Tuesday and approved the budget for the new school year.\n"
        for _ in range(20_000_000 // len(line) + 1):
            big.write(line)
    (seeds_copy / "mixed.txt").write_bytes("Café opens.\n".encode() + "Кафе відкрилося.\n".encode("cp1251") + b"\x00\x00 end\n")
    (seeds_copy / "nul.txt").write_bytes(b"\x00" * 16 + "Новини дня.\n".encode())
    summaries = {s.source: s for s in ingestor.ingest_folder(seeds_copy)}
    assert summaries["archive.txt"].status == "failed" and "20.0 MB" in summaries["archive.txt"].message and "Split it" in summaries["archive.txt"].message
    assert summaries["mixed.txt"].status == "failed" and "binary" in summaries["mixed.txt"].message
    assert summaries["nul.txt"].status == "failed" and "binary" in summaries["nul.txt"].message
    assert sorted(c.id for c in ingestor.store.all_chunks()) == stored_before


@pytest.mark.slow
def test_a_file_of_100000_lines_is_ingested(fast_settings, tmp_path):
    folder = _one_article(tmp_path, "lines", "lines.txt", "".join(f"Officials said the council logged complaint {n} about noise.\n" for n in range(100_000)))  # 6.2 MB
    settings = fast_settings.model_copy(update={"max_article_bytes": 8_000_000})
    ingestor = build_ingestor(settings, llm=_translator_model())
    (summary,) = ingestor.ingest_folder(folder)
    assert summary.status == "stored" and summary.language == "en" and summary.chunks > 5000  # more than Chroma takes in one batch
    assert ingestor.store.count() == summary.chunks


def test_each_translated_sentence_stores_its_confidence_and_one_that_says_something_else_is_not_kept(fast_settings, tmp_path):
    from rag.translation.confidence import LOW_CONFIDENCE, REJECTED_BELOW

    folder = _one_article(tmp_path, "uk", "library.txt", "Нова бібліотека\n\nМер Ліндвіка Петра Ольсен відкрила нову бібліотеку в понеділок. У ній зберігається багато старих карт міста.\n")
    replies = {
        "Мер Ліндвіка": "Lindvik's mayor Petra Olsen opened the new library on Monday.",
        "У ній": "The harbour of Kalvik was closed after a storm.",  # a translation of something else
    }

    def translate(messages):
        text = messages[-1]["content"]
        return next((reply for start, reply in replies.items() if start in text), "The new library")

    settings = fast_settings.model_copy(update={"original_embedder": "e5", "reject_translation_below": 0.0})
    build_ingestor(settings, llm=ScriptedChat(translate)).ingest_folder(folder)
    store = build_ingestor(settings).store
    spans = {english: span for c in store.all_chunks() for span, (english, _) in zip(c.sentences, c.sentence_texts())}
    faithful = spans["Lindvik's mayor Petra Olsen opened the new library on Monday."]
    wrong = spans["The harbour of Kalvik was closed after a storm."]
    assert faithful.confidence >= LOW_CONFIDENCE > wrong.confidence

    # By default a translation that says something else is not kept: the sentence stays as written.
    settings = settings.model_copy(update={"reject_translation_below": REJECTED_BELOW, "collection": "floor"})
    build_ingestor(settings, llm=ScriptedChat(translate)).ingest_folder(folder)
    spans = {english: span for c in build_ingestor(settings).store.all_chunks() for span, (english, _) in zip(c.sentences, c.sentence_texts())}
    assert "The harbour of Kalvik was closed after a storm." not in spans
    kept = spans["У ній зберігається багато старих карт міста."]
    assert kept.confidence == wrong.confidence < REJECTED_BELOW
    assert "Lindvik's mayor Petra Olsen opened the new library on Monday." in spans


def test_a_killed_translation_resumes_after_its_last_finished_group(fast_settings, seeds_copy):
    """Translation goes in groups of NEWSRAG_TRANSLATION_BATCH sentences, each cached at once, and
    the progress counts sentences: a run killed in the middle keeps what it finished."""
    article = seeds_copy / UKRAINIAN_SEED
    folder = seeds_copy.parent / "one"
    folder.mkdir()
    shutil.copy(article, folder / UKRAINIAN_SEED)
    settings = fast_settings.model_copy(update={"translation_batch": 4})
    calls = {"n": 0}

    def echo(messages):  # keeps every number, so each sentence takes one request
        return messages[-1]["content"]

    def dies_on_the_ninth(messages):
        calls["n"] += 1
        if calls["n"] == 9:
            raise KeyboardInterrupt("killed")
        return echo(messages)

    steps: list[tuple[int, int]] = []
    with pytest.raises(KeyboardInterrupt):
        build_ingestor(settings, llm=ScriptedChat(dies_on_the_ninth)).ingest_folder(folder, on_step=lambda s, step, done, total: steps.append((done, total)) if step == "translate" else None)
    total = steps[0][1]
    assert steps == [(4, total), (8, total)]  # two groups of four sentences finished, then the kill
    (waiting,) = build_ingestor(settings).store.summaries()
    assert waiting.translator == "pending"  # stored as written before the kill: searchable meanwhile
    assert waiting.translated == round(8 / total, 3)  # the share done, for the chat's panel
    resumed = ScriptedChat(echo)
    (summary,) = build_ingestor(settings, llm=resumed).ingest_folder(folder)
    asked = {prompt[-1]["content"].split("\n(The translation")[0] for prompt in resumed.prompts}
    assert summary.status == "replaced" and summary.translator == "llm"
    assert len(asked) == total - 8  # only the rest was asked for
    assert build_ingestor(settings).store.summaries()[0].translated is None  # done: no share shown


def test_an_article_is_searchable_in_its_own_language_while_it_is_translated(fast_settings, tmp_path):
    from rag.wiring import build_pipeline

    folder = _one_article(tmp_path, "uk", "mill.txt", "Млин у Вербівці\n\nСтарий млин у Вербівці знову працює після ремонту. Його відкрили в суботу.\n")
    seen: dict[str, object] = {}

    def translate(messages):
        if not seen:  # the first translation request: what can a reader find right now?
            pipeline = build_pipeline(fast_settings)
            hits = pipeline.retrieve("Старий млин у Вербівці", "Старий млин у Вербівці", "uk").hits
            seen["hits"] = [(h.chunk.source, h.chunk.translator) for h in hits]
            seen["panel"] = [(a.source, a.translator) for a in pipeline.articles()]
        return "The old mill in Verbivka works again after repairs."

    (summary,) = build_ingestor(fast_settings, llm=ScriptedChat(translate)).ingest_folder(folder)
    assert ("mill.txt", "pending") in seen["hits"] and seen["panel"] == [("mill.txt", "pending")]
    assert summary.status == "stored" and summary.translator == "llm"
    chunks = build_ingestor(fast_settings).store.all_chunks()
    assert chunks and all(c.translator == "llm" for c in chunks)  # the provisional chunks are gone


def test_english_chunks_without_multilingual_vectors_are_complete_and_not_ingested_again(fast_settings, seeds_copy):
    from rag.wiring import build_parts, build_pipeline

    settings = fast_settings.model_copy(update={"embed_english_originals": False})
    parts = build_parts(settings, _translator_model())
    first = build_ingestor(settings, parts=parts).ingest_folder(seeds_copy)
    assert {s.status for s in first} == {"stored"}
    assert parts.multilingual is not None
    originals = {c.source for page in parts.multilingual.store.pages() for c in page}
    assert originals == {UKRAINIAN_SEED}  # the English articles have MiniLM vectors only
    assert parts.store.count() > parts.multilingual.store.count()
    again = build_ingestor(settings, parts=parts).ingest_folder(seeds_copy)
    assert {s.status for s in again} == {"unchanged"}
    hits = build_pipeline(settings, parts=parts).retriever.rankings("Kim Putin Vostochny", "Kim Putin Vostochny")
    assert hits.dense and all(h.chunk.language != "en" for h in hits.multilingual)


def test_a_sentence_s_doubt_and_signals_are_stored_and_read_back(tmp_path):
    import json

    from rag.types import Chunk, SentenceSpan, Signals
    from vectorstore.store import ChromaStore, _span

    read = Signals(0.91, -0.83, -4.2, 0.12, 1)
    spans = (SentenceSpan(0, 10, 0, 9, confidence=0.91, doubtful=True, signals=read), SentenceSpan(11, 20, 10, 19))
    chunk = Chunk("c1", "a.txt", "A", None, "uk", "Ten chars. Nine here", "Десять сл. Дев'ять т", 0, 20, "llm", "h:7", sentences=spans)
    store = ChromaStore.local(tmp_path / "chroma", "test")
    store.add([chunk], [[0.1, 0.2, 0.3]])
    (back,) = store.chunks_of("a.txt")
    assert back.sentences == spans
    # A span stored before layout 7 (six fields): doubtful as its confidence says.
    assert _span(*json.loads("[0, 10, 0, 9, false, 0.8]")).doubtful and not _span(*json.loads("[0, 10, 0, 9, false, 0.95]")).doubtful
