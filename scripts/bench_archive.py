"""Archive scale: retrieval latency over many chunks, recall among thousands of distractors,
ingest throughput, memory and disk. Prints its numbers; nothing here is a test.

    PYTHONPATH=. .venv/bin/python scripts/bench_archive.py --data-dir /tmp/archive latency --chunks 100000
    PYTHONPATH=. .venv/bin/python scripts/bench_archive.py --data-dir /tmp/archive recall --distractors 1000
    PYTHONPATH=. .venv/bin/python scripts/bench_archive.py --data-dir /tmp/archive ingest --articles 300
    PYTHONPATH=. .venv/bin/python scripts/bench_archive.py --data-dir /tmp/archive ingest-pages --rounds 2

latency: a store of generated chunks (text recombined from the words of ../shared/eval/xquad-contexts,
  random unit vectors for both dense collections: say so beside the figures), then questions timed
  per retriever and fused (query embedding by the real models included in "fused"); then 1,000
  articles more are written and the first question after them is timed (no stall after ingest).
recall --translated: the state after the translation queue is done. The 24 xquad-dev articles are
  ingested by the product (translated by the local model); each distractor, one of xquad-contexts'
  real paragraphs, is stored with the professional English of the same paragraph as its English
  (a better translation than ours: harder distractors), its English sentences chunked as the
  ingestor does and each chunk's original passage the whole paragraph. Questions are translated
  as the product does, and fused as the product fuses them. Beyond 1,440 distractors, English articles
  recombined from the English paragraphs' sentences make up the number (ingested by the product).
ingest: --articles English articles (xquad-contexts' English paragraphs, then English paragraphs
  recombined from their sentences) into fresh stores, with and without multilingual vectors for
  English chunks (embed_english_originals), batched and read ahead (the defaults) or one article
  at a time, then as many articles in every language with --defer-translation: articles/min
  until searchable, measured in one run.
recall: xquad-dev's 24 articles among distractors (the 1,440 xquad-contexts paragraphs, then
  paragraphs recombined from their sentences, in the same languages), ingested by the real
  ingestor and embedders, stored as written (the state before translation: translation off);
  recall@4 and MRR of xquad-dev's answerable questions, fused and per retriever, asked as written;
  ingest throughput for English and other-language articles apart.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from rag.llm.base import complete
from rag.retrieval import Rankings
from rag.settings import Settings
from rag.text import split_sentences
from rag.types import NO_FILTERS, Chunk, ScoredChunk
from rag.wiring import build_ingestor, build_parts, build_pipeline, build_translation_worker

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
DIMENSIONS = 384  # MiniLM and multilingual-e5-small


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def percentiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return f"p50 {statistics.median(ms):7.1f} ms  p95 {ms[max(0, round(0.95 * len(ms)) - 1)]:7.1f} ms  (n={len(ms)})"


def contexts(folder: Path) -> dict[str, list[str]]:
    """language -> paragraphs of xquad-contexts."""
    out: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.glob("*.txt")):
        out[path.name.split("_")[0]].append(path.read_text(encoding="utf-8").strip())
    return out


def recombined(paragraphs: dict[str, list[str]], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` (language, text) articles of 3-7 sentences drawn from paragraphs of one language."""
    sentences = {lang: [p[s:e].strip() for p in texts for s, e in split_sentences(p)] for lang, texts in paragraphs.items()}
    languages = sorted(sentences)
    out = []
    for i in range(count):
        lang = languages[i % len(languages)]
        out.append((lang, " ".join(rng.sample(sentences[lang], rng.randint(3, 7)))))
    return out


def dev_questions() -> list[dict]:
    data = yaml.safe_load((EVAL / "xquad-dev" / "questions.yaml").read_text(encoding="utf-8"))
    return [q for q in data["questions"] if q["answerable"]]


def unit_vectors(rng: np.random.Generator, n: int) -> list[list[float]]:
    v = rng.standard_normal((n, DIMENSIONS)).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()


def generated_chunks(words: list[str], start: int, count: int, rng: random.Random) -> list[Chunk]:
    languages = ["en", "de", "es", "ru", "zh", "ar", "tr", "vi"]
    out = []
    for i in range(start, start + count):
        article = i // 5  # five chunks an article
        text = " ".join(rng.choices(words, k=45))
        lang = languages[article % len(languages)]
        date = f"20{10 + article % 15:02d}-{1 + article % 12:02d}-{1 + article % 28:02d}"
        out.append(
            Chunk(
                f"gen-{i}",
                f"gen/{article:07d}.txt",
                f"Article {article}",
                date,
                lang,
                text,
                text,
                0,
                len(text),
                "none",
                f"h{article}",
                outlet=f"Outlet {article % 40}",
                outlets=(f"Outlet {article % 40}",),
            )
        )
    return out


def reciprocal_rank_fusion(lists: list[list[ScoredChunk]], k: int, constant: int = 60) -> list[ScoredChunk]:
    """The fusion tried against the product's round-robin (rag.retrieval.interleave): each
    passage scores the sum of 1/(constant + rank) over the lists that found it."""
    scores: dict[str, float] = defaultdict(float)
    chunks: dict[str, Chunk] = {}
    for ranked in lists:
        for rank, hit in enumerate(ranked):
            scores[hit.chunk.id] += 1.0 / (constant + rank + 1)
            chunks[hit.chunk.id] = hit.chunk
    best = sorted(scores, key=lambda i: -scores[i])[:k]  # ties keep the order first seen
    return [ScoredChunk(chunks[i], scores[i]) for i in best]


def fusions(ranked: Rankings, multilingual_first: bool, k: int) -> list[tuple[str, list[ScoredChunk]]]:
    return [("rrf (tried)", reciprocal_rank_fusion(ranked.in_fusion_order(multilingual_first), k)), ("dense", ranked.dense), ("lexical", ranked.lexical), ("multilingual", ranked.multilingual)]


RecallTable = dict[str, dict[str, list[float]]]  # retriever -> question language (and "all") -> reciprocal ranks


def tally(table: RecallTable, question: dict, named_hits: list[tuple[str, list[ScoredChunk]]], k: int) -> None:
    """Adds one question's reciprocal rank at k (0 when no expected source is in the top k) to
    each retriever's row, under "all" and under the question's language."""
    for name, hits in named_hits:
        sources = [Path(h.chunk.source).name for h in hits[:k]]
        rank = next((i for i, s in enumerate(sources) if s in question["sources"]), None)
        for key in ("all", question["language"]):
            table[name][key].append(1.0 / (rank + 1) if rank is not None else 0.0)


def print_recall(table: RecallTable) -> None:
    for name, groups in table.items():
        cells = "  ".join(f"{key} {sum(v > 0 for v in values) / len(values):.2f}/{statistics.mean(values):.2f}" for key, values in sorted(groups.items()))
        print(f"  {name:12s} {cells}")


def by_article(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    out: dict[str, list[Chunk]] = defaultdict(list)
    for c in chunks:
        out[c.source].append(c)
    return out


def latency(args: argparse.Namespace) -> None:
    settings = Settings.load(data_dir=args.data_dir / "latency", collection="latency")
    parts = build_parts(settings)
    pipeline = build_pipeline(settings, parts=parts)
    store, lexical, multilingual = parts.store, parts.lexical, parts.multilingual
    assert lexical is not None and multilingual is not None
    rng, vectors_rng = random.Random(7), np.random.default_rng(7)
    words = [w for texts in contexts(EVAL / "xquad-contexts" / "articles").values() for p in texts for w in p.split()]
    have = store.count()
    started = time.perf_counter()
    for begin in range(have, args.chunks, 5000):
        chunks = generated_chunks(words, begin, min(5000, args.chunks - begin), rng)
        lexical.replace_many(by_article(chunks))  # pages of 5,000 hold whole articles of 5 chunks
        store.add(chunks, unit_vectors(vectors_rng, len(chunks)))
        multilingual.store.add(chunks, unit_vectors(vectors_rng, len(chunks)))
        print(f"  stored {begin + len(chunks):,} chunks ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"store: {store.count():,} chunks, lexical {lexical.count():,}; build {time.perf_counter() - started:.0f} s (generated text, random vectors)")
    questions = [q["question"] for q in dev_questions() if q["language"] == "en"]
    retriever = pipeline.retriever
    retriever.search(questions[0])  # models loaded, caches warm
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for q in questions:
            e_query = parts.embedder.get_query_embedding(q)
            m_query = multilingual.embedder.get_query_embedding(q)
            for name, run in (
                ("dense (Chroma, English)", lambda e=e_query: store.query(e, settings.candidate_k)),
                ("multilingual (Chroma, original)", lambda m=m_query: multilingual.store.query(m, settings.candidate_k)),
                ("lexical (tantivy + chunk fetch)", lambda q=q: retriever.lexical_hits(q, NO_FILTERS)),
                ("fused, query embeddings included", lambda q=q: retriever.search(q)),
            ):
                t = time.perf_counter()
                run()
                timings[name].append(time.perf_counter() - t)
    for name, seconds in timings.items():
        print(f"{name:36s} {percentiles(seconds)}")
    fused = sorted(timings["fused, query embeddings included"])
    # No stall after ingest: 1,000 articles more (5,000 chunks), then the first question.
    more = generated_chunks(words, store.count(), 5000, rng)
    t = time.perf_counter()
    for source, group in by_article(more).items():
        lexical.replace(source, group)
    store.add(more, unit_vectors(vectors_rng, len(more)))
    multilingual.store.add(more, unit_vectors(vectors_rng, len(more)))
    print(f"1,000 articles more written in {time.perf_counter() - t:.1f} s (lexical commit per article, vectors given)")
    t = time.perf_counter()
    retriever.search(questions[1])
    first = time.perf_counter() - t
    print(f"first question after them: {first * 1000:.1f} ms (fused p95 before: {fused[max(0, round(0.95 * len(fused)) - 1)] * 1000:.1f} ms)")
    if args.with_model:  # the chat model loaded and run once, as while serving
        complete(parts.llm, [{"role": "user", "content": "Say yes."}], max_tokens=2)
    model = "chat model loaded" if args.with_model else "no chat model"
    print(f"peak RSS {peak_rss_mib():,.0f} MiB (embedders loaded, {model}); disk: Chroma {disk_mib(settings.chroma_path):,.0f} MiB, lexical {disk_mib(settings.lexical_path):,.0f} MiB")


def recall(args: argparse.Namespace) -> None:
    folder = args.data_dir / f"articles-{args.distractors}"
    rng = random.Random(11)
    by_language = contexts(EVAL / "xquad-contexts" / "articles")
    real = [(lang, p) for lang, texts in by_language.items() for p in texts]
    real = rng.sample(real, min(len(real), args.distractors))  # every language, not the first few
    filler = recombined(by_language, max(0, args.distractors - len(real)), rng)
    if not folder.exists():
        folder.mkdir(parents=True)
        for i, (lang, text) in enumerate(real + filler):
            (folder / "distractors" / lang).mkdir(parents=True, exist_ok=True)
            (folder / "distractors" / lang / f"{i:06d}.txt").write_text(text + "\n", encoding="utf-8")
        (folder / "dev").mkdir()
        for path in sorted((EVAL / "xquad-dev" / "articles").glob("*.txt")):
            (folder / "dev" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings.load(data_dir=args.data_dir / f"store-{args.distractors}", collection="archive", llm_translation_languages=[], detect_duplicates=True)
    parts = build_parts(settings)
    ingestor = build_ingestor(settings, parts=parts)
    started = time.perf_counter()
    summaries = ingestor.ingest_folder(folder)
    took = time.perf_counter() - started
    stored = [s for s in summaries if s.status in ("stored", "replaced")]
    if stored:
        english = sum(s.language == "en" for s in stored)
        print(f"ingest: {len(stored):,} articles ({english:,} English, {len(stored) - english:,} other) in {took:.0f} s: {len(stored) / took * 60:,.0f} articles/min searchable")
        print(f"  chunks {parts.store.count():,}; failed {sum(s.status == 'failed' for s in summaries)}; duplicates {sum(s.status == 'duplicate' for s in summaries)}")
    pipeline = build_pipeline(settings, parts=parts)
    table: RecallTable = defaultdict(lambda: defaultdict(list))
    for q in dev_questions():
        ranked = pipeline.retriever.rankings(q["question"], q["question"])
        fused = pipeline.retriever.search(q["question"], q["question"]).hits
        tally(table, q, [("fused", fused), *fusions(ranked, False, settings.top_k)], settings.top_k)
    print(f"recall@{settings.top_k} / MRR@{settings.top_k}, xquad-dev answerable questions among {args.distractors:,} distractors, stored as written:")
    print_recall(table)
    print(f"peak RSS {peak_rss_mib():,.0f} MiB; disk: Chroma {disk_mib(settings.chroma_path):,.0f} MiB, lexical {disk_mib(settings.lexical_path):,.0f} MiB")


def _ingest_timed(settings: Settings, folder: Path, drain: bool = False) -> tuple[float, int, int, float]:
    """Seconds, articles stored and chunks of one ingest of ``folder`` into a fresh store; with
    ``drain``, the seconds the queue's worker then takes to empty the queue (0.0 without)."""
    parts = build_parts(settings)
    ingestor = build_ingestor(settings, parts=parts)
    parts.embedder.get_text_embedding("warm up")
    if parts.multilingual:
        parts.multilingual.embedder.get_text_embedding("warm up")
    started = time.perf_counter()
    summaries = ingestor.ingest_folder(folder)
    took = time.perf_counter() - started
    drained = 0.0
    if drain:
        started = time.perf_counter()
        build_translation_worker(settings, parts).drain()
        drained = time.perf_counter() - started
    return took, sum(s.status in ("stored", "replaced") for s in summaries), parts.store.count(), drained


def ingest(args: argparse.Namespace) -> None:
    rng = random.Random(5)
    by_language = contexts(EVAL / "xquad-contexts" / "articles")
    english = by_language["en"][: args.articles]
    english += [text for _, text in recombined({"en": by_language["en"]}, args.articles - len(english), rng)]
    mixed = [(lang, p) for lang, texts in by_language.items() for p in texts]
    mixed = rng.sample(mixed, min(len(mixed), args.articles))
    for name, texts in (("english", [("en", t) for t in english]), ("mixed", mixed)):
        folder = args.data_dir / f"ingest-{name}-{args.articles}"
        if not folder.exists():
            folder.mkdir(parents=True)
            for i, (lang, text) in enumerate(texts):
                (folder / f"{lang}_{i:06d}.txt").write_text(text + "\n", encoding="utf-8")
    print(f"{args.articles:,} articles a run; each into a fresh store; embedders warmed first")
    one_at_a_time = {"ingest_batch_chunks": 1, "read_workers": 0}
    runs = [
        ("english, e5 on every chunk (default)", "english", {}),
        ("english, e5, one article at a time", "english", one_at_a_time),
        ("english, e5, batched, no read-ahead", "english", {"read_workers": 0}),
        ("english, no e5 on English chunks", "english", {"embed_english_originals": False}),
        ("english, --defer-translation (e5 queued)", "english", {"defer_translation": True}),
        ("mixed languages, translation deferred", "mixed", {"defer_translation": True, "embed_english_originals": False}),
        ("mixed, deferred, one article at a time", "mixed", {"defer_translation": True, "embed_english_originals": False, **one_at_a_time}),
    ]
    for i, (label, name, overrides) in enumerate(runs):
        settings = Settings.load(data_dir=args.data_dir / f"ingest-store-{i}", collection="ingest", detect_duplicates=True, **overrides)
        drain = name == "english" and overrides.get("defer_translation", False)
        took, stored, chunks, drained = _ingest_timed(settings, args.data_dir / f"ingest-{name}-{args.articles}", drain)
        print(f"  {label:42s} {stored:,} articles, {chunks:,} chunks in {took:6.1f} s: {stored / took * 60:7.1f} articles/min searchable, {chunks / took:5.1f} chunks/s")
        if drain:
            print(f"  {'':42s} then the worker's e5 vectors: {drained:6.1f} s ({stored / (took + drained) * 60:7.1f} articles/min until complete)")
    print(f"peak RSS {peak_rss_mib():,.0f} MiB")


def ingest_pages(args: argparse.Namespace) -> None:
    """The 90 real web pages of ../shared/eval/article-extraction (parsing costs more than a text
    file's), ingested with --defer-translation by 0, 1 and 2 read-ahead threads, in one run."""
    import gzip

    folder = args.data_dir / "pages"
    if not folder.exists():
        folder.mkdir(parents=True)
        for path in sorted((EVAL / "article-extraction" / "html").glob("*.html.gz")):
            (folder / path.name.removesuffix(".gz")).write_bytes(gzip.decompress(path.read_bytes()))
    print(f"{len(list(folder.glob('*.html'))):,} web pages a run, --defer-translation; each into a fresh store; embedders warmed first")
    for round_ in range(args.rounds):
        for workers in (0, 1, 2):
            settings = Settings.load(data_dir=args.data_dir / f"pages-store-{round_}-{workers}", collection="pages", defer_translation=True, read_workers=workers)
            took, stored, chunks, _ = _ingest_timed(settings, folder)
            print(f"  round {round_ + 1}, read_workers={workers}: {stored:,} articles, {chunks:,} chunks in {took:6.1f} s: {stored / took * 60:7.1f} articles/min searchable")


def indexed_contexts(folder: Path) -> dict[tuple[str, str], str]:
    """(language, index) -> paragraph of xquad-contexts; one index is one paragraph in every language."""
    out = {}
    for path in sorted(folder.glob("*.txt")):
        lang, index = path.stem.split("_", 1)
        out[(lang, index)] = path.read_text(encoding="utf-8").strip()
    return out


def _reference_chunks(source: str, text: str, english: str, chunk_chars: int) -> list[Chunk]:
    """A distractor stored as if translated: the professional English, sentence by sentence, each
    sentence aligned with the whole original paragraph."""
    from rag.chunking import TranslatedSentence, chunk_article
    from rag.indexing import identify
    from rag.loading import parse_article

    parsed = parse_article(source, text + "\n")
    article = identify(parsed, source)
    start, end = min(p.start for p in article.paragraphs), max(p.end for p in article.paragraphs)
    translator = "identity" if article.language == "en" else "reference"
    pieces = [TranslatedSentence(english[a:b].strip(), start, end, translator) for a, b in split_sentences(english)]
    return chunk_article(article, pieces, parsed.original, chunk_chars)


def recall_translated(args: argparse.Namespace) -> None:
    rng = random.Random(11)
    paragraphs = indexed_contexts(EVAL / "xquad-contexts" / "articles")
    keys = rng.sample(sorted(k for k in paragraphs if ("en", k[1]) in paragraphs), min(len(paragraphs), args.distractors))
    settings = Settings.load(data_dir=args.data_dir / f"store-translated-{args.distractors}", collection="archive", detect_duplicates=False)
    parts = build_parts(settings)
    ingestor = build_ingestor(settings, parts=parts)
    stored = set(parts.store.article_hashes())
    started = time.perf_counter()
    for lang, index in keys:
        source = f"distractors/{lang}_{index}.txt"
        if source not in stored:
            ingestor._store(source, _reference_chunks(source, paragraphs[(lang, index)], paragraphs[("en", index)], settings.chunk_chars), lambda *a: None)
    print(f"distractors: {len(keys):,} stored with their reference English in {time.perf_counter() - started:.0f} s; chunks {parts.store.count():,}")
    # Beyond the 1,440 real paragraphs: English articles recombined from the English paragraphs'
    # sentences (no professional English exists for a recombined original), ingested as usual.
    english_paragraphs = [text for (lang, _), text in sorted(paragraphs.items()) if lang == "en"]
    filler = recombined({"en": english_paragraphs}, max(0, args.distractors - len(keys)), rng)
    if filler:
        folder = args.data_dir / f"filler-en-{len(filler)}"
        if not folder.exists():
            (folder / "distractors").mkdir(parents=True)
            for i, (_, text) in enumerate(filler):
                (folder / "distractors" / f"en_filler_{i:06d}.txt").write_text(text + "\n", encoding="utf-8")
        started = time.perf_counter()
        summaries = ingestor.ingest_folder(folder)
        took = time.perf_counter() - started
        print(f"filler: {len(filler):,} recombined English articles, {sum(s.status in ('stored', 'replaced') for s in summaries):,} stored in {took:.0f} s; chunks {parts.store.count():,}")
    started = time.perf_counter()
    summaries = ingestor.ingest_folder(EVAL / "xquad-dev" / "articles")
    print(f"xquad-dev: {sum(s.status in ('stored', 'replaced') for s in summaries)} articles ingested and translated by the local model in {time.perf_counter() - started:.0f} s")
    pipeline = build_pipeline(settings, parts=parts)
    table: RecallTable = defaultdict(lambda: defaultdict(list))
    started = time.perf_counter()
    for q in dev_questions():
        english = pipeline._translate_question(q["question"], q["language"])
        ranked = pipeline.retriever.rankings(english, q["question"])
        fused = pipeline.retrieve(q["question"], english, q["language"]).hits
        tally(table, q, [("fused", fused), *fusions(ranked, q["language"] != "en", settings.top_k)], settings.top_k)
    print(f"questions translated and retrieved in {time.perf_counter() - started:.0f} s")
    kinds = f"{len(keys):,} real with their reference English" + (f", {len(filler):,} recombined English" if filler else "")
    print(f"recall@{settings.top_k} / MRR@{settings.top_k}, xquad-dev answerable questions among {len(keys) + len(filler):,} distractors ({kinds}), translated:")
    print_recall(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    lat = sub.add_parser("latency")
    lat.add_argument("--chunks", type=int, default=100_000)
    lat.add_argument("--rounds", type=int, default=3)
    lat.add_argument("--with-model", action="store_true", help="load and run the chat model too, for the peak RSS while serving")
    rec = sub.add_parser("recall")
    rec.add_argument("--distractors", type=int, default=1000)
    rec.add_argument("--translated", action="store_true", help="the state after translation (see above), not the articles as written")
    ing = sub.add_parser("ingest")
    ing.add_argument("--articles", type=int, default=300)
    pages = sub.add_parser("ingest-pages")
    pages.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.command == "recall" and args.translated:
        recall_translated(args)
        return
    {"latency": latency, "recall": recall, "ingest": ingest, "ingest-pages": ingest_pages}[args.command](args)


if __name__ == "__main__":
    main()
