"""Article-body extraction measured on real pages: our web-page reader against human-marked bodies.

    PYTHONPATH=. .venv/bin/python scripts/bench_extraction.py [--corpus ../shared/eval/article-extraction]

The corpus holds html/<key>.html.gz, ground-truth.json and the benchmark's own score.py (word
4-gram shingles; F1 of the mean precision and recall over pages). The pages are read where they
lie, never copied. Prints F1, precision, recall, and the median milliseconds per page.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

from rag.readers.web import extract_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "article-extraction")
    parser.add_argument("--out", type=Path, default=None, help="write the predictions here (JSON), e.g. to score them again")
    parser.add_argument("--no-url", action="store_true", help="do not pass the page's URL (a saved file may not carry it)")
    parser.add_argument(
        "--saved-as-text",
        action="store_true",
        help="measure the text-file rules instead: each page's whole text (as a browser's 'save as text' gives it), with and without rag.readers.plain's menu-line rules",
    )
    args = parser.parse_args(argv)
    truth = json.loads((args.corpus / "ground-truth.json").read_text(encoding="utf-8"))
    spec = importlib.util.spec_from_file_location("benchmark_score", args.corpus / "score.py")
    assert spec and spec.loader
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)

    if args.saved_as_text:
        return _text_rules(truth, scorer, args.corpus)
    predictions, times = {}, []
    found = {"title": 0, "date": 0, "author": 0, "outlet": 0, "url": 0}
    for key, page in sorted(truth.items()):
        html = gzip.decompress((args.corpus / "html" / f"{key}.html.gz").read_bytes())
        started = time.perf_counter()
        result = extract_page(html, None if args.no_url else page.get("url"))
        times.append(time.perf_counter() - started)
        predictions[key] = {"articleBody": result.get("text") or ""}
        for field in found:
            found[field] += bool(result.get(field))
    if args.out:
        args.out.write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")
    score = scorer.score(truth, predictions)
    print(f"pages {score['pages']}  F1 {score['f1']:.3f}  precision {score['precision']:.3f}  recall {score['recall']:.3f}  exact {score['exact']:.3f}")
    print(f"median {statistics.median(times) * 1000:.1f} ms/page; metadata found: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    return 0


def _text_rules(truth: dict, scorer, corpus: Path) -> int:  # type: ignore[no-untyped-def]
    """Whether the general menu-line rules of text files help on real pages saved as text."""
    import lxml.html

    from rag.readers.plain import parse_text

    raw, ruled = {}, {}
    for key in sorted(truth):
        html = gzip.decompress((corpus / "html" / f"{key}.html.gz").read_bytes())
        root = lxml.html.fromstring(html)
        for element in root.xpath("//script|//style|//noscript|//template"):
            element.drop_tree()
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.lower() in {
                "p",
                "div",
                "br",
                "li",
                "h1",
                "h2",
                "h3",
                "h4",
                "tr",
                "section",
                "article",
                "header",
                "footer",
                "nav",
                "ul",
                "ol",
                "table",
                "blockquote",
            }:
                element.tail = "\n" + (element.tail or "")
        text = "\n".join(" ".join(line.split()) for line in root.text_content().splitlines() if line.strip())
        raw[key] = {"articleBody": text}
        ruled[key] = {"articleBody": "\n".join(p.text for p in parse_text(key, text).paragraphs) if text.strip() else ""}
    for name, predictions in (("whole text", raw), ("menu-line rules", ruled)):
        score = scorer.score(truth, predictions)
        print(f"{name:16s} F1 {score['f1']:.3f}  precision {score['precision']:.3f}  recall {score['recall']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
