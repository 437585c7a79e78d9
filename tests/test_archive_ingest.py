"""A newsroom's archive into a real Chroma store (fast profile): every kind of file, provenance on
every chunk and citation, bad input that loses nothing, the same story stored once, filters."""

from __future__ import annotations

import json
import zipfile

import pytest

from rag.cli import ask_main, ingest_main
from rag.errors import QuestionError
from rag.filters import make_filters
from rag.llm import ScriptedChat
from rag.types import Filters
from rag.uploads import Uploads
from rag.wiring import build_ingestor, build_parts, build_pipeline
from tests.archive_files import HARBOUR_PARAGRAPHS, jsonl_export, newsroom_archive, pdf_bytes, web_page


def _cite_everything(messages) -> str:  # type: ignore[no-untyped-def]
    """A model that rests its answer on every sentence it was shown: a filter that let one
    passage through would show in the citations."""
    prompt = messages[-1]["content"]
    ids = [int(line[1 : line.index(")")]) for line in prompt.splitlines() if line.startswith("(") and ")" in line[:5] and line[1 : line.index(")")].isdigit()]
    if not ids:
        return "Translation: " + prompt.splitlines()[-1]
    return json.dumps({"found": True, "evidence": ids[:8], "answer": "It is in the passages."})


@pytest.fixture
def fast_settings(fast_settings):
    """The fast profile with no relevance floor: the hashed embedder's cosines are low."""
    return fast_settings.model_copy(update={"min_relevance": 0.0})


@pytest.fixture
def parts(fast_settings):
    return build_parts(fast_settings, llm=ScriptedChat(_cite_everything))


def test_a_nested_archive_of_every_kind_ingests_with_one_call(fast_settings, tmp_path, parts):
    root = newsroom_archive(tmp_path / "archive")
    summaries = build_ingestor(fast_settings, parts=parts).ingest_folder(root)
    by_source = {s.source: s for s in summaries}
    failed = sorted(s.source for s in summaries if s.status == "failed")
    assert failed == ["2023/09/citydaily.jsonl#2", "2023/09/citydaily.jsonl#4", "2023/09/farm.csv#3"], failed  # the exports' bad lines, by number
    assert all(s.status == "stored" for s in summaries if s.source not in failed)
    expected = {
        "2023/09/ferry.html": ("Baltic Coast Herald", "2023-09-12", "https://coastherald.example/news/ferry-terminal"),
        "2023/09/wire.rss#nw-1": ("Northern Wire", "2023-09-12", "https://northernwire.example/ferry"),
        "2023/09/valley.atom#urn:valley:1": ("Valley Gazette", "2023-09-14", "https://valley.example/bridge"),
        "2023/09/citydaily.jsonl#https://citydaily.example/library": ("City Daily", "2023-09-20", "https://citydaily.example/library"),
        "2023/09/farm.csv#https://farmnews.example/apples": ("Farm News", "2023-09-05", "https://farmnews.example/apples"),
        "2023/09/council.pdf": (None, "2023-09-15", None),
        "2023/09/notes.zip/week1/cafe.txt": (None, None, None),
    }
    for source, provenance in expected.items():
        assert (by_source[source].outlet, by_source[source].date, by_source[source].url) == provenance
    # Every chunk carries its article's provenance, and the store lists it.
    chunks = parts.store.all_chunks()
    assert {c.source for c in chunks} == {s.source for s in summaries if s.status == "stored"}
    herald = [c for c in chunks if c.source == "2023/09/ferry.html"]
    assert herald and all(c.outlet == "Baltic Coast Herald" and c.url.endswith("ferry-terminal") and c.author == "Maren Holt" and c.file == "2023/09/ferry.html" for c in herald)
    stored = {a.source: a for a in parts.store.summaries()}
    assert stored["2023/09/wire.rss#nw-2"].kind == "feed-summary"
    # A second run stores nothing new.
    again = build_ingestor(fast_settings, parts=parts).ingest_folder(root)
    assert {s.status for s in again if s.source not in failed} == {"unchanged"}


def test_every_bad_input_gets_a_reason_and_loses_nothing(fast_settings, tmp_path, parts):
    root = tmp_path / "bad"
    root.mkdir()
    (root / "good.txt").write_text("The ferry terminal of Lindqvist Bay was approved on Tuesday after a long dispute.", encoding="utf-8")
    (root / "broken.html").write_text("<html><body><nav><a href='/'>Home</a></nav><div><p", encoding="utf-8")
    (root / "empty.rss").write_text("<rss><channel><title>Nothing</title></channel></rss>", encoding="utf-8")
    (root / "export.jsonl").write_text(jsonl_export(), encoding="utf-8")
    (root / "locked.pdf").write_bytes(pdf_bytes(["A secret council document about the budget of the town."], password="pw"))
    with zipfile.ZipFile(root / "evil.zip", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../x.txt", "escaping")
        z.writestr("bomb.txt", "0" * 30_000_000)
        z.writestr("ok.txt", "A zipped article about the new tram depot that opened on Monday.")
    (root / "vanishing.txt").write_text("This file is deleted while the ingest runs, before it is read.", encoding="utf-8")
    ingestor = build_ingestor(fast_settings, parts=parts)
    before = ingestor.ingest_folder(root)  # the folder as it is: everything readable stored
    stored_before = {c.id for c in parts.store.all_chunks() if c.source != "good.txt"}

    (root / "vanishing.txt").write_text("This file changed and is then deleted while the ingest runs.", encoding="utf-8")

    def delete_vanishing(source: str, step: str, done: int, total: int) -> None:
        if source == "good.txt" or source.startswith("export"):
            (root / "vanishing.txt").unlink(missing_ok=True)

    (root / "good.txt").write_text("The ferry terminal of Lindqvist Bay was approved on Tuesday after a dispute of two years.", encoding="utf-8")
    summaries = ingestor.ingest_folder(root, on_step=delete_vanishing)
    reasons = {s.source: s.message for s in summaries if s.status == "failed"}
    assert "no article text" in reasons["broken.html"]
    assert "no entries" in reasons["empty.rss"]
    assert reasons["export.jsonl#2"].startswith("export.jsonl#2: line 2: not a JSON object")
    assert "encrypted" in reasons["locked.pdf"]
    assert "leaves the archive" in reasons["evil.zip/../../x.txt"]
    assert "zip bomb" in reasons["evil.zip/bomb.txt"]
    assert "disappeared" in reasons["vanishing.txt"]
    assert all("\n" not in m for m in reasons.values())
    statuses = {s.source: s.status for s in summaries}
    assert statuses["good.txt"] == "replaced" and statuses["evil.zip/ok.txt"] == "unchanged"
    # The deleted file's earlier version is still stored; nothing else was lost.
    after = parts.store.all_chunks()
    assert "vanishing.txt" in {c.source for c in after}
    assert stored_before <= {c.id for c in after}, "every chunk stored before (but the replaced article's) is still there"
    assert len({c.id for c in after}) == sum(s.chunks for s in parts.store.summaries())
    assert any(s.status == "stored" for s in before)


def test_the_same_story_is_stored_once_with_every_outlet(fast_settings, tmp_path, parts):
    root = tmp_path / "syndicated"
    root.mkdir()
    (root / "herald.html").write_text(web_page(outlet="Baltic Coast Herald", url="https://coastherald.example/ferry"), encoding="utf-8")
    (root / "wire.html").write_text(web_page(outlet="Nordic Press Agency", url="https://nordicpress.example/ferry"), encoding="utf-8")
    (root / "other.html").write_text(web_page().replace(HARBOUR_PARAGRAPHS[1], "A different story about the museum and its glass roof, repaired over eleven months."), encoding="utf-8")
    summaries = {s.source: s for s in build_ingestor(fast_settings, parts=parts).ingest_folder(root)}
    assert summaries["herald.html"].status == "stored"
    assert summaries["wire.html"].status == "duplicate" and "herald.html" in summaries["wire.html"].message
    assert {c.source for c in parts.store.all_chunks()} == {"herald.html", "other.html"}
    assert summaries["other.html"].status in ("stored", "duplicate")
    listed = {a.source: a for a in parts.store.summaries()}
    assert listed["herald.html"].copies >= 1

    pipeline = build_pipeline(fast_settings, parts=parts)
    answer = pipeline.answer("How much will the ferry terminal cost?", filters=Filters(outlets=("Nordic Press Agency",)))
    assert not answer.refused and answer.citations
    cited = {c.source for c in answer.citations}
    assert cited == {"herald.html"}, "the copy's outlet finds the story stored once"
    citation = answer.citations[0]
    assert {"Baltic Coast Herald", "Nordic Press Agency"} <= set(citation.outlets)
    assert "https://nordicpress.example/ferry" in {c.url for c in citation.copies}
    # Ingesting again changes nothing.
    again = build_ingestor(fast_settings, parts=parts).ingest_folder(root)
    assert {s.source: s.status for s in again}["wire.html"] == "duplicate"
    assert {c.source for c in parts.store.all_chunks()} == {"herald.html", "other.html"}


def _mixed_store(fast_settings, tmp_path, parts):
    root = newsroom_archive(tmp_path / "archive")
    (root / "uk.txt").write_text("date 2023-09-30 Міська рада схвалила новий пором.\nПоромний термінал коштуватиме 48 мільйонів євро, повідомила влада.", encoding="utf-8")
    build_ingestor(fast_settings, parts=parts).ingest_folder(root)
    return build_pipeline(fast_settings, parts=parts)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(outlets=("City Daily",)),
        Filters(outlets=("Farm News", "Valley Gazette")),
        Filters(since="2023-09-13", until="2023-09-20"),
        Filters(until="2023-09-12"),
        Filters(languages=("uk",)),
        Filters(since="2023-09-01", outlets=("Northern Wire",), languages=("en",)),
    ],
    ids=["outlet", "two-outlets", "period", "until", "language", "all"],
)
def test_a_filtered_question_never_cites_outside_its_filter(fast_settings, tmp_path, parts, filters):
    pipeline = _mixed_store(fast_settings, tmp_path, parts)
    for question in ("What will the new ferry terminal cost?", "Which article talks about repairs and prices?"):
        retrieval = pipeline.retriever.search(question, question, filters=filters)
        assert retrieval.hits, "the filter admits some articles"
        for hit in retrieval.hits:
            _within(hit.chunk.outlets, hit.chunk.date, hit.chunk.language, filters)
        answer = pipeline.answer(question, filters=filters)
        assert answer.citations, answer
        for citation in answer.citations:
            _within(citation.outlets, citation.date, citation.language, filters)
    # Each retriever alone honours the filter (dense, lexical, multilingual).
    question = "ferry terminal tram library honey bridge"
    lists = [
        pipeline.store.query(pipeline.retriever.embedder.get_query_embedding(question), 50, filters),
        pipeline.retriever.lexical_hits(question, filters),
        pipeline.retriever.multilingual.store.query(pipeline.retriever.multilingual.embedder.get_query_embedding(question), 50, filters),
    ]
    for hits in lists:
        for hit in hits:
            _within(hit.chunk.outlets, hit.chunk.date, hit.chunk.language, filters)
    unfiltered = pipeline.store.query(pipeline.retriever.embedder.get_query_embedding(question), 50)
    assert len(unfiltered) > len(lists[0]), "the filter left something out"


def _within(outlets, date, language, filters: Filters) -> None:  # type: ignore[no-untyped-def]
    if filters.outlets:
        assert set(outlets) & set(filters.outlets), (outlets, filters)
    if filters.since:
        assert date and date >= filters.since
    if filters.until:
        assert date and date[:10] <= filters.until
    if filters.languages:
        assert language in filters.languages


def test_a_filter_nothing_matches_is_refused_as_nothing_relevant(fast_settings, tmp_path, parts):
    pipeline = _mixed_store(fast_settings, tmp_path, parts)
    answer = pipeline.answer("What will the ferry terminal cost?", filters=Filters(outlets=("No Such Outlet",)))
    assert answer.refused and answer.refusal_reason == "nothing relevant" and not answer.citations


def test_filter_input_is_checked():
    assert make_filters("2023", "2023-09-30", "City Daily, Farm News", ["UK"]) == Filters("2023-01-01", "2023-09-30", ("City Daily", "Farm News"), ("uk",))
    with pytest.raises(QuestionError, match="YYYY-MM-DD"):
        make_filters("13/09/2023")
    with pytest.raises(QuestionError, match="swap"):
        make_filters("2023-10-01", "2023-09-01")
    with pytest.raises(QuestionError, match="real date"):
        make_filters("2023-02-30")


def test_cli_ingests_an_archive_and_asks_with_filters(fast_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEWSRAG_DATA_DIR", str(fast_settings.data_dir))
    monkeypatch.setenv("NEWSRAG_EMBEDDER", "hash")
    monkeypatch.setenv("NEWSRAG_ORIGINAL_EMBEDDER", "hash")
    monkeypatch.setenv("NEWSRAG_LLM_BACKEND", "scripted")
    root = newsroom_archive(tmp_path / "archive")
    assert ingest_main([str(root)]) == 0
    table = capsys.readouterr().out
    assert "Baltic Coast Herald" in table and "City Daily" in table
    assert ask_main(["What will the ferry terminal cost?", "--outlet", "Baltic Coast Herald", "--since", "2023-09-01"]) == 0
    out = capsys.readouterr().out
    assert "Baltic Coast Herald" in out and "https://coastherald.example/news/ferry-terminal" in out
    assert "City Daily" not in out
    assert ask_main(["What will it cost?", "--since", "yesterday"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_uploads_are_ingested_in_the_background_with_reasons(fast_settings, tmp_path, parts):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "ferry.html").write_text(web_page(), encoding="utf-8")
    (incoming / "locked.pdf").write_bytes(pdf_bytes(["A secret document about the budget of the town council."], password="pw"))
    (incoming / "photo.png").write_bytes(b"\x89PNG\r\n")
    uploads = Uploads(build_ingestor(fast_settings, parts=parts), fast_settings.data_dir / "uploads")
    refused = uploads.add(sorted(incoming.iterdir()))
    assert [r.source for r in refused] == ["uploads/photo.png"]
    uploads.wait(60)
    status = uploads.status()
    assert not status.busy
    outcome = {s.source: s for s in status.results}
    assert outcome["uploads/ferry.html"].status == "stored" and outcome["uploads/ferry.html"].outlet == "Baltic Coast Herald"
    assert "encrypted" in outcome["uploads/locked.pdf"].message
    assert "not read" in outcome["uploads/photo.png"].message
    assert "uploads/ferry.html" in {a.source for a in parts.store.summaries()}


def test_python_api_takes_the_filters(fast_settings, tmp_path, monkeypatch):
    import rag
    from rag.wiring import default_pipeline

    for name, value in {"DATA_DIR": str(fast_settings.data_dir), "EMBEDDER": "hash", "ORIGINAL_EMBEDDER": "hash", "LLM_BACKEND": "scripted", "MIN_RELEVANCE": "0"}.items():
        monkeypatch.setenv(f"NEWSRAG_{name}", value)
    default_pipeline.cache_clear()
    try:
        build_ingestor(default_pipeline_settings := fast_settings.model_copy(update={"min_relevance": 0.0})).ingest_folder(newsroom_archive(tmp_path / "archive"))
        assert default_pipeline_settings.data_dir == fast_settings.data_dir
        result = rag.answer("What will the ferry terminal cost?", outlets=["Valley Gazette"], since="2023-09-01", until="2023-09-30")
        assert result.citations and {c.outlet for c in result.citations} == {"Valley Gazette"}
        with pytest.raises(QuestionError):
            rag.answer("What will it cost?", since="soon")
    finally:
        default_pipeline.cache_clear()
