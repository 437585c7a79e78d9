"""The web chat: streamed answers, [n] links to their cited passages, the list of articles.

    app = build_app(build_pipeline(Settings.load()))   # any object with .stream() and .articles()
    launch(app, host="127.0.0.1", port=7860)

Nothing here retrieves, prompts or translates: the pipeline from rag/ does all of that, and this
module only shows what it yields. Gradio is imported inside the functions, after
``rag.offline.enforce_offline()`` has switched off its analytics and version check.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Protocol

from rag.errors import NewsRagError
from rag.filters import make_filters
from rag.offline import enforce_offline
from rag.types import NO_FILTERS, Answer, ArticleSummary, Filters, Preview
from ui.render import CITATION_SCRIPT, CSS, render_answer, render_articles, render_queue, render_streaming, render_uploads

if TYPE_CHECKING:
    from rag.background import TranslationWorker
    from rag.uploads import Uploads

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
# One model per process answers one question at a time; the others wait in the queue.
CONCURRENCY = 1
QUEUE_SIZE = 32

EMPTY_QUESTION = "Please type a question about the articles first, for example: “Where did Putin and Kim Jong Un meet?”"
NO_ARTICLES = "No articles are ingested yet. Run `newsrag-ingest seeds/` (or `make run`), then reload this page."

# One click asks them. They are about the seed articles (seeds/), in six languages, and invented:
# none is a question of an evaluation set (tests/eval, tests/injection, ../shared/eval).
# At most 60 characters each: Gradio's examples table cuts a longer one to 60 and "...".
EXAMPLES = [
    "How did Kim Jong Un travel to Russia?",
    "Куди, крім Владивостока, міг би поїхати Кім Чен Ин?",
    "¿Cuánto duraron las conversaciones en el cosmódromo?",
    "Haben Putin und Kim Dokumente unterzeichnet?",
    "Où se trouve le camp de prisonniers d'Olenivka ?",
    "Кого, кроме украинских военнопленных, держали в Оленовке?",
]
EXAMPLE_CHARS = 60

Message = dict[str, str]
Pair = tuple[str, str]


class ChatPipeline(Protocol):
    """What the chat needs from rag.answering.Pipeline (tests pass a fake)."""

    def stream(self, question: str, history: Sequence[tuple[str, str]] = (), filters: Filters = NO_FILTERS) -> Iterator[str | Preview | Answer]: ...

    def articles(self) -> list[ArticleSummary]: ...

    def outlets(self) -> list[str]: ...


def error_message(error: BaseException) -> str:
    """What the chat shows for a failure: the error's own advice, or its type and first line."""
    if isinstance(error, NewsRagError):
        return str(error)
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    detail = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return f"Something went wrong: {detail}. The error is logged on the server; try again or ask another question."


def respond(
    pipeline: ChatPipeline,
    message: str | None,
    chat: list[Message] | None,
    pairs: list[Pair] | None,
    since: str | None = None,
    until: str | None = None,
    outlets: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
) -> Iterator[tuple[str, list[Message], list[Pair]]]:
    """One chat turn, as a generator of (textbox value, chat messages, history pairs).

    The chat holds what is shown (HTML with citations); ``pairs`` holds the plain
    (question, answer) text the pipeline condenses follow-up questions with. ``since`` ..
    ``languages`` are the pickers' limits on the articles the answer may draw on.
    """
    chat = list(chat or [])
    pairs = [tuple(p) for p in (pairs or [])]  # type: ignore[misc]
    question = (message or "").strip()
    if not question:
        chat.append({"role": "assistant", "content": EMPTY_QUESTION})
        yield "", list(chat), list(pairs)
        return
    try:
        filters = make_filters(since, until, list(outlets or []), [language_code(x) for x in languages or []])
    except NewsRagError as error:
        chat.append({"role": "assistant", "content": error_message(error)})
        yield message or "", list(chat), list(pairs)
        return

    chat.append({"role": "user", "content": question})
    chat.append({"role": "assistant", "content": render_streaming("")})
    turn = str(len(chat) - 1)  # index of the answer message: unique within the conversation
    yield "", list(chat), list(pairs)

    text = ""
    preview: Preview | None = None
    try:
        for item in pipeline.stream(question, list(pairs), filters) if filters else pipeline.stream(question, list(pairs)):
            if isinstance(item, Preview):
                preview = item
                chat[-1] = {"role": "assistant", "content": render_streaming(text, preview)}
                yield "", list(chat), list(pairs)
                continue
            if isinstance(item, Answer):
                chat[-1] = {"role": "assistant", "content": render_answer(item, turn)}
                pairs.append((question, item.text))
                log.info("answered in %s: %d citations, refused=%s, timings=%s", item.language, len(item.citations), item.refused, item.timings)
                yield "", list(chat), list(pairs)
                return
            text += item
            chat[-1] = {"role": "assistant", "content": render_streaming(text, preview)}
            yield "", list(chat), list(pairs)
        raise RuntimeError("the pipeline stopped without a final answer")
    except NewsRagError as error:
        log.warning("question refused: %s", error)
        chat[-1] = {"role": "assistant", "content": error_message(error)}
    except Exception as error:  # the chat must keep serving; the traceback goes to the log
        log.exception("answering %r failed", question)
        chat[-1] = {"role": "assistant", "content": error_message(error)}
    yield "", list(chat), list(pairs)


def language_code(choice: str) -> str:
    """'uk' from a picker's 'Ukrainian (uk)'."""
    return choice.rsplit("(", 1)[-1].rstrip(")").strip() if choice.endswith(")") else choice.strip()


def articles_panel(pipeline: ChatPipeline, uploads: Uploads | None = None, translator: TranslationWorker | None = None) -> str:
    """HTML for the articles panel (uploads in progress and their outcome first, then the
    translation queue); an error or an empty store becomes a line of advice."""
    head = render_uploads(uploads.status()) if uploads is not None else ""
    head += render_queue(translator.status()) if translator is not None else ""
    try:
        articles = pipeline.articles()
    except Exception as error:  # the page must still load
        log.exception("listing articles failed")
        return head + render_articles([], error_message(error))
    if not articles:
        return head + render_articles([], NO_ARTICLES)
    chunks = sum(a.chunks for a in articles)
    return head + render_articles(articles, f"{len(articles)} articles, {chunks} passages.")


def filter_choices(pipeline: ChatPipeline) -> tuple[list[str], list[str]]:
    """The outlets and languages (as 'Name (code)') of the stored articles, for the pickers."""
    from rag.languages import language_name

    try:
        articles = pipeline.articles()
        outlets = pipeline.outlets() if hasattr(pipeline, "outlets") else sorted({a.outlet for a in articles if a.outlet})
    except Exception:  # the page must still load  # noqa: BLE001
        log.exception("listing outlets failed")
        return [], []
    languages = sorted({a.language for a in articles if a.language})
    return outlets, [f"{language_name(code)} ({code})" for code in languages]


def new_conversation() -> tuple[str, list[Message], list[Pair]]:
    return "", [], []


def build_app(pipeline: ChatPipeline, uploads: Uploads | None = None, translator: TranslationWorker | None = None) -> gr.Blocks:
    """The chat page for ``pipeline``; with ``uploads``, an area to add articles; with
    ``translator``, the translation queue's progress in the articles panel (the worker is
    started by ``main``, not here). Nothing is started until ``launch``."""
    enforce_offline()
    import gradio as gr

    outlet_choices, language_choices = filter_choices(pipeline)
    with gr.Blocks(title="News questions", analytics_enabled=False) as app:
        gr.Markdown(
            "## Ask the news articles\nAsk in any language. Answers come only from the ingested articles; click a number like **[1]** to see the cited passage in English and in its original language."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat",
                    elem_id="chat",
                    height=640,
                    latex_delimiters=[],  # news text is full of dollar signs
                    feedback_options=None,
                    buttons=["copy"],
                    placeholder="Ask a question below, or click an example.",
                )
                pairs = gr.State([])
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about the articles, e.g. Where did Putin and Kim Jong Un meet?",
                        show_label=False,
                        elem_id="question",
                        scale=5,
                        autofocus=True,
                        max_lines=4,
                    )
                    ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                examples = gr.Dataset(
                    label="Example questions (click to ask)",
                    components=["textbox"],
                    samples=[[q] for q in EXAMPLES],
                    elem_id="examples",
                    samples_per_page=len(EXAMPLES),
                )
                with gr.Accordion("Limit the articles an answer may use", open=False, elem_id="filters"):
                    with gr.Row():
                        since = gr.Textbox(label="Published from (YYYY-MM-DD)", elem_id="since", max_lines=1)
                        until = gr.Textbox(label="Published until (YYYY-MM-DD)", elem_id="until", max_lines=1)
                    with gr.Row():
                        outlets = gr.Dropdown(choices=outlet_choices, multiselect=True, label="Outlets", elem_id="outlets", allow_custom_value=False)
                        languages = gr.Dropdown(choices=language_choices, multiselect=True, label="Article languages", elem_id="languages")
                clear = gr.Button("New conversation", elem_id="clear", variant="secondary")
            with gr.Column(scale=2):
                if uploads is not None:
                    upload = gr.File(
                        label="Add articles: web pages, feeds, JSON Lines/CSV exports, PDFs, text, zips",
                        file_count="multiple",
                        elem_id="upload",
                        type="filepath",
                    )
                gr.Markdown("### Ingested articles")
                articles = gr.HTML(articles_panel(pipeline, uploads, translator), elem_id="articles")
                seen = gr.State(-1)

        answer = partial(respond, pipeline)
        limits = [since, until, outlets, languages]

        def ask_example(sample: list[str], chat: list[Message], history: list[Pair], *picked: object) -> Iterator[tuple[str, list[Message], list[Pair]]]:
            yield from answer(sample[0], chat, history, *picked)  # type: ignore[arg-type]

        outputs = [question, chatbot, pairs]
        question.submit(answer, [question, chatbot, pairs, *limits], outputs, api_name="ask")
        ask.click(answer, [question, chatbot, pairs, *limits], outputs, api_visibility="private")
        examples.click(ask_example, [examples, chatbot, pairs, *limits], outputs, api_visibility="private")
        clear.click(new_conversation, None, outputs, queue=False, api_visibility="private")

        def refresh() -> tuple[str, object, object]:
            outlet_list, language_list = filter_choices(pipeline)
            return articles_panel(pipeline, uploads, translator), gr.update(choices=outlet_list), gr.update(choices=language_list)

        # Reloading the page shows articles ingested since the server started.
        app.load(refresh, None, [articles, outlets, languages], concurrency_limit=None, api_visibility="private")
        if uploads is not None:

            def added(files: list[str] | None) -> tuple[str, None]:
                from pathlib import Path

                uploads.add([Path(f) for f in files or []])
                return articles_panel(pipeline, uploads, translator), None

            upload.upload(added, upload, [articles, upload], concurrency_limit=None, queue=False, api_visibility="private")
        if uploads is not None or translator is not None:

            def tick(last: object) -> tuple[object, object, object, object]:
                status = uploads.status() if uploads is not None else None
                queued = translator.status() if translator is not None else None
                now = (status.version if status else 0, queued)
                if now == last and not (status and status.busy):
                    return gr.skip(), gr.skip(), gr.skip(), last
                panel, outlet_update, language_update = refresh()
                return panel, outlet_update, language_update, now

            # The panel follows uploads and translations; questions keep their own queue meanwhile.
            gr.Timer(1.5).tick(tick, seen, [articles, outlets, languages, seen], concurrency_limit=None, queue=False, api_visibility="private")
    return app


def launch(app: gr.Blocks, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, block: bool = True) -> str:
    """Serve ``app`` on host:port, local only: no share link, no analytics, no server-side rendering.

    Returns the address once serving; with ``block``, serves until Ctrl+C.
    """
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=True,
        show_error=False,
        quiet=True,  # gradio's banner suggests share=True, which this app never uses
        ssr_mode=False,
        mcp_server=False,
        enable_monitoring=False,
        footer_links=[],
        css=CSS,
        head=CITATION_SCRIPT,
    )
    url = app.local_url or f"http://{host}:{port}/"
    if block:
        print(f"Chat on {url} (Ctrl+C stops it)", flush=True)
        app.block_thread()
    return url


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="newsrag-serve", description="Serve the news question-answering chat in the browser.")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up checks on the local address
    enforce_offline()
    from rag.settings import Settings
    from rag.wiring import build_background_translation, build_pipeline, build_uploads

    try:
        settings = Settings.load()
        pipeline = build_pipeline(settings)
        translator = build_background_translation(settings, pipeline)
        app = build_app(pipeline, build_uploads(settings, pipeline), translator)
        if translator is not None and settings.background_translation:
            translator.start()  # translates the queue while no question is answered
        launch(app, args.host, args.port)
    except NewsRagError as error:
        print(f"newsrag-serve: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # gradio raises it when the port is taken or the address unusable
        log.debug("launch failed: %s", error)
        print(f"newsrag-serve: cannot serve on {args.host}:{args.port}: the port is taken or the address is not this machine's. Choose another, e.g. --port {args.port + 1}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
