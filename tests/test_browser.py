"""The chat in a real headless Chromium: ask, see a cited answer, open the citation.

Debian's Chromium (``make browser-deps``) driven by Playwright; Playwright never downloads a
browser here. Screenshots go to artifacts/browser/ (git-ignored) for CI to keep.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag.llm.scripted import ScriptedChat
from rag.prompting import doubt_warning
from rag.settings import Settings
from rag.wiring import build_ingestor, build_parts, build_pipeline
from tests.conftest import REPO, SEEDS, require
from tests.test_ui import serving
from ui.app import EMPTY_QUESTION, EXAMPLES

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = REPO / "artifacts" / "browser"
QUESTION = "Where did Putin and Kim Jong Un meet?"
SOURCE_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
ENGLISH_SEEDS = ["000_df240f098999e43e.txt", "001_644d4b1ec930e458.txt", "002_99bf8ed5f41f55a2.txt", "003_4f412f5a8c4bd49c.txt"]


@pytest.fixture(scope="module")
def chromium() -> Path:
    require(CHROMIUM, f"{CHROMIUM} is missing; install it with `make browser-deps` (Debian's chromium package).")
    return CHROMIUM


# True while the last answer shows generated words and the typing cursor, before its citations.
STREAMING = """() => {
  const bots = document.querySelectorAll('#chat [data-testid="bot"]');
  const last = bots[bots.length - 1];
  return !!last && /\\w\\s*▌/.test(last.innerText) && !last.querySelector('a.cite-link');
}"""


def ask_in_browser(url: str, chromium: Path, screenshot: str, answer_timeout_s: float, see_streaming: bool = False) -> dict[str, str]:
    """Asks QUESTION on the page, opens the first citation, saves a screenshot; returns what it saw."""
    from playwright.sync_api import expect, sync_playwright

    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(url) else None)
            page.goto(url)
            expect(page.locator("#articles")).to_contain_text("Chunks")

            box = page.locator("#question textarea")
            box.fill(QUESTION)
            box.press("Enter")
            expect(page.locator("#chat")).to_contain_text(QUESTION)
            preview = ""
            if see_streaming:  # the closest passage, then words, appear before the answer is complete
                shown = page.locator("#chat .preview").first
                shown.wait_for(timeout=answer_timeout_s * 1000)
                preview = shown.inner_text()
                page.wait_for_function(STREAMING, timeout=answer_timeout_s * 1000, polling=50)
            link = page.locator("#chat a.cite-link").first
            link.wait_for(timeout=answer_timeout_s * 1000)
            answer = page.locator("#chat .newsrag-answer").last.locator("p.answer").inner_text()

            citation = page.locator("#chat details.citation").first
            english = citation.locator(".passage-english p")
            assert not english.is_visible()  # closed until asked for
            link.click()
            expect(english).to_be_visible()
            expect(citation.locator(".passage-original p")).to_be_visible()
            summary = citation.locator("summary").inner_text()

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            path = ARTIFACTS / screenshot
            # Show the question, the answer and the open citation together, once the chat's own
            # smooth scrolling to the opened citation has settled.
            page.wait_for_timeout(600)
            page.locator('#chat [data-testid="user"]').last.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot: {path}")
            marks = citation.locator(".passage-english mark.evidence")
            evidence = marks.first.inner_text() if marks.count() else ""
            return {"answer": answer, "summary": summary, "english": english.inner_text(), "evidence": evidence, "preview": preview, "outside": " ".join(outside)}
        finally:
            browser.close()


def test_ask_and_open_citation_in_chromium(chromium, fast_settings):
    # Real Chroma, retrieval and citation checks; hashed embedders and the scripted model.
    build_ingestor(fast_settings).ingest_folder(SEEDS)
    pipeline = build_pipeline(fast_settings)

    with serving(pipeline) as url:
        seen = ask_in_browser(url, chromium, "chat.png", answer_timeout_s=30)

    assert "[1]" in seen["answer"]
    assert SOURCE_FILE.search(seen["summary"]), seen["summary"]
    assert "English" in seen["summary"]
    # The scripted model answers with sentence (1), its evidence; the open citation shows the
    # passage in English with that sentence highlighted.
    quoted = seen["answer"].split("[1]")[0].strip()[:60]
    assert quoted and quoted in seen["english"] and quoted in seen["evidence"]
    assert seen["outside"] == ""  # the page loads nothing from outside this server


def test_empty_question_example_click_and_new_conversation(chromium, fast_settings):
    from playwright.sync_api import expect, sync_playwright

    build_ingestor(fast_settings).ingest_folder(SEEDS)
    with serving(build_pipeline(fast_settings)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            chat = page.locator("#chat")

            page.locator("#question textarea").press("Enter")
            expect(chat).to_contain_text(EMPTY_QUESTION)

            spanish = EXAMPLES[2]
            page.locator("#examples").get_by_text(spanish).click()
            expect(chat).to_contain_text(spanish)
            expect(chat.locator(".newsrag-answer")).to_have_count(1, timeout=30_000)

            page.locator("#clear").click()
            expect(chat).not_to_contain_text(spanish)
            expect(chat.locator(".newsrag-answer")).to_have_count(0)
        finally:
            browser.close()


@pytest.mark.slow
def test_real_model_answer_with_citation_in_chromium(chromium, tmp_path, real_model_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    for name in ENGLISH_SEEDS:  # English only: no translation, so ingesting takes seconds
        shutil.copy(SEEDS / name, articles / name)
    settings = Settings.load(data_dir=tmp_path / "data", llm_model_path=real_model_path)
    build_ingestor(settings).ingest_folder(articles)
    pipeline = build_pipeline(settings)

    with serving(pipeline) as url:
        seen = ask_in_browser(url, chromium, "chat-real-model.png", answer_timeout_s=120, see_streaming=True)

    assert re.search(r"\[\d\]", seen["answer"])
    assert "Vostochny" in seen["answer"], seen["answer"]  # the answer itself, not only the passage it cites
    # Before the model's answer: the closest passage's title and a sentence of an ingested article.
    heading, sentence = seen["preview"].splitlines()[0], seen["preview"].splitlines()[-1]
    assert heading.startswith("Closest passage:") and sentence
    assert any(sentence in " ".join((articles / name).read_text(encoding="utf-8").split()) for name in ENGLISH_SEEDS)
    assert seen["evidence"] and seen["evidence"] in seen["english"]  # the quoted evidence is highlighted
    assert SOURCE_FILE.search(seen["summary"]), seen["summary"]
    assert seen["outside"] == ""


def test_upload_filters_and_provenance_in_chromium(chromium, fast_settings, tmp_path):
    """Files dropped on the upload area are ingested while the page stays usable: the articles
    panel shows progress, the new article with its outlet, a bad file's reason; a question limited
    to the new outlet cites it, with outlet, date and a link in the citation viewer."""
    from playwright.sync_api import expect, sync_playwright

    from rag.uploads import Uploads
    from rag.wiring import parts_of
    from tests.archive_files import pdf_bytes, web_page

    settings = fast_settings.model_copy(update={"min_relevance": 0.0})
    build_ingestor(settings).ingest_folder(SEEDS)
    pipeline = build_pipeline(settings)
    uploads = Uploads(build_ingestor(settings, parts=parts_of(pipeline)), settings.data_dir / "uploads")
    page_file = tmp_path / "ferry.html"
    page_file.write_text(web_page(), encoding="utf-8")
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(pdf_bytes(["A secret document about the budget of the town council."], password="pw"))

    with serving(pipeline, uploads) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(url)
            articles = page.locator("#articles")
            expect(articles).to_contain_text("5 articles")
            page.locator("#upload input[type=file]").set_input_files([str(page_file), str(locked)])
            expect(articles).to_contain_text("Added uploads/ferry.html", timeout=60_000)
            expect(articles).to_contain_text("Baltic Coast Herald")
            expect(articles).to_contain_text("encrypted")
            expect(articles).to_contain_text("6 articles")

            page.locator("#filters").get_by_text("Limit the articles").click()
            page.locator("#outlets input").click()
            page.get_by_role("option", name="Baltic Coast Herald").click()
            page.locator("#question textarea").fill("How much will the ferry terminal cost?")
            page.locator("#question textarea").press("Enter")
            answer = page.locator("#chat .newsrag-answer").last
            expect(answer).to_be_visible(timeout=60_000)
            answer.locator(".citation summary").first.click()
            citation = answer.locator(".citation").first
            expect(citation).to_contain_text("Baltic Coast Herald")
            expect(citation).to_contain_text("2023-09-12")
            expect(citation.locator("a[href='https://coastherald.example/news/ferry-terminal']")).to_have_count(1)
            summaries = answer.locator(".citation summary").all_inner_texts()
            assert summaries and all("Baltic Coast Herald" in s for s in summaries), summaries
            page.screenshot(path=str(REPO / "artifacts" / "upload.png") if (REPO / "artifacts").is_dir() else str(tmp_path / "upload.png"))
        finally:
            browser.close()


class UnsureTranslator(ScriptedChat):
    """The scripted model, reporting a low log-probability (-1.5 nats) for every word it writes,
    as the local model does for a translation it is unsure of."""

    def stream_scored(self, messages, max_tokens):  # type: ignore[no-untyped-def]
        return ((piece, -1.5) for piece in self.stream(messages, max_tokens))


# Invented Ukrainian news text.
UKRAINIAN_ARTICLE = (
    "Міст через річку в Лозовому відремонтують до кінця травня.\n\n"
    "Про це в понеділок повідомив голова громади Петро Коваленко. "
    "Роботи коштуватимуть дванадцять мільйонів гривень, а автобуси тим часом їздитимуть об'їзною дорогою."
)


def test_doubtful_translation_marked_in_chromium(chromium, fast_settings, tmp_path):
    """A Ukrainian article whose every translated sentence the translating model was unsure of:
    the answer says it rests only on doubtful translations, and the opened citation marks the
    quoted English as doubtful, says why, and shows the original first."""
    from playwright.sync_api import expect, sync_playwright

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "lozove.txt").write_text(UKRAINIAN_ARTICLE, encoding="utf-8")
    settings = fast_settings.model_copy(update={"min_relevance": 0.0})
    parts = build_parts(settings, UnsureTranslator())
    build_ingestor(settings, parts=parts).ingest_folder(articles)

    with serving(build_pipeline(settings, parts=parts)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            page.locator("#question textarea").fill("When will the bridge be repaired?")
            page.locator("#question textarea").press("Enter")
            answer = page.locator("#chat .newsrag-answer").last
            expect(answer.locator("a.cite-link").first).to_be_visible(timeout=30_000)
            expect(answer.locator("p.answer")).to_contain_text(doubt_warning("en"))
            answer.locator("a.cite-link").first.click()
            citation = answer.locator("details.citation").first
            expect(citation.locator(".doubt-note")).to_contain_text("doubtful (the translating model gave its own words a mean probability of 0.22)")
            expect(citation.locator(".passage-english mark.evidence.doubtful")).to_have_count(1)
            boxes = citation.locator(".passage").evaluate_all("nodes => nodes.map(n => n.className)")
            assert boxes == ["passage passage-original", "passage passage-english"], boxes
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "doubtful.png"), full_page=True)
        finally:
            browser.close()
