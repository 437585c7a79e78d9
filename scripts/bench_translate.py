"""Translation benchmark on the parallel corpus (../shared/eval/xquad-parallel): chrF and BLEU per
language against the professional English originals, sentences per second, how well the
translation confidence (rag.translation.confidence) finds the worst translations, peak memory.

    .venv/bin/python scripts/bench_translate.py [--corpus ../shared/eval/xquad-parallel] [--per-language 3] [--batch-sequences 1,16]

Every sentence is translated afresh (a new translation cache per run). A language's sentences go
to the translator in one call, as an article's do at ingest (groups of translation_batch, decoded
side by side up to llm_batch_sequences; groups of 32 here, for every run); each --batch-sequences value is one run, one after the
other in this process, so their sentences/s ratio is measured in one run.
Paragraph scores join a paragraph's sentence translations. Sentence scores need the reference
paragraph to split into as many sentences as the source; other paragraphs count only in the
paragraph scores. The worst 10 % of sentences by sentence chrF count as bad translations; the
confidence flags its lowest 10 % (a fixed rate, not a threshold chosen on this corpus).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sacrebleu
import yaml

from rag.embedding import E5Embedding
from rag.models import ensure_default_model
from rag.settings import Settings
from rag.text import sentences
from rag.translation.base import Translation
from rag.translation.confidence import LOW_CONFIDENCE, confidences
from rag.translation.faithfulness import DOUBTFUL_MEAN_LOGPROB, FEATURES, Detector, Signals, doubtful, length_deviations, signals_of
from rag.wiring import build_llm, build_translation

FLAG_RATE = 0.10


@dataclass
class Scored:
    language: str
    source: str
    translation: str
    reference: str | None  # the aligned reference sentence, where the paragraph aligns
    confidence: float = 0.0
    chrf: float = 0.0
    signals: Signals | None = None  # rag.translation.faithfulness, where the model's log-probabilities can be read


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = float(rank)
    return ranks


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / var if var else 0.0


def score_seed(path: Path, translation: Any, embedder: E5Embedding) -> tuple[str, int, float, float, float]:
    """Our English references for a seed article's sentences: (article, sentences, chrF, BLEU,
    rank correlation of the confidence with sentence chrF)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = [row[data["language"]] for row in data["sentences"]]
    references = [row["en"] for row in data["sentences"]]
    translated = translation.translate(sources, data["language"], "en")
    chrf = sacrebleu.corpus_chrf([" ".join(translated)], [[" ".join(references)]]).score
    bleu = sacrebleu.corpus_bleu([" ".join(translated)], [[" ".join(references)]]).score
    per_sentence = [sacrebleu.sentence_chrf(t, [r]).score for t, r in zip(translated, references)]
    return data["source"], len(sources), chrf, bleu, spearman(confidences(sources, translated, embedder), per_sentence)


def read_signals(of_language: list[Scored], paragraphs: list[int], logprobs: list[Translation]) -> None:
    """Each aligned sentence's faithfulness signals, from the model's log-probabilities of its
    kept translation as it decoded it (none where the translator gives none)."""
    deviations: list[float] = []
    cursor = 0
    for size in paragraphs:  # the length ratio against the sentence's own article
        group = of_language[cursor : cursor + size]
        deviations += length_deviations([s.source for s in group], [s.translation for s in group])
        cursor += size
    for item, deviation, translated in zip(of_language, deviations, logprobs):
        if item.reference is not None:
            item.signals = signals_of(item.source, translated, item.language, cosine=item.confidence, length_deviation=deviation)


def translate_corpus(translation: Any, by_language: dict[str, list[Path]], corpus: Path, embedder: E5Embedding) -> tuple[list[Scored], float]:
    """Every language's paragraphs translated in one call, as one article's sentences are at
    ingest; prints the per-language table and returns the scored sentences and the seconds."""
    scored: list[Scored] = []
    seconds = 0.0
    print("| language | paragraphs | sentences | chrF | BLEU | s/sentence | aligned sentences | confidence, median |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for language, paths in sorted(by_language.items()):
        sources = [sentences(path.read_text(encoding="utf-8")) for path in paths]
        started = time.perf_counter()
        scored_flat = translation.translate_scored([s for source in sources for s in source], language, "en")
        flat = [t.text for t in scored_flat]
        elapsed = time.perf_counter() - started
        seconds += elapsed
        hypotheses, references, of_language, cursor = [], [], [], 0
        for path, source in zip(paths, sources):
            translated = flat[cursor : cursor + len(source)]
            cursor += len(source)
            reference_text = (corpus / "reference" / f"{path.stem}.en.txt").read_text(encoding="utf-8")
            hypotheses.append(" ".join(t.strip() for t in translated))
            references.append(" ".join(reference_text.split()))
            aligned = sentences(reference_text)
            pairs = zip(source, translated, aligned if len(aligned) == len(source) else [None] * len(source))
            of_language += [Scored(language, s, t, r) for s, t, r in pairs]
        for item, score in zip(of_language, confidences([s.source for s in of_language], [s.translation for s in of_language], embedder)):
            item.confidence = score
            if item.reference is not None:
                item.chrf = sacrebleu.sentence_chrf(item.translation, [item.reference]).score
        read_signals(of_language, [len(source) for source in sources], scored_flat)
        scored += of_language
        chrf = sacrebleu.corpus_chrf(hypotheses, [references]).score
        bleu = sacrebleu.corpus_bleu(hypotheses, [references]).score
        aligned_count = sum(s.reference is not None for s in of_language)
        median = statistics.median(s.confidence for s in of_language)
        print(
            f"| {language} | {len(paths)} | {len(flat)} | {chrf:.1f} | {bleu:.1f} | {elapsed / len(flat):.2f} | {aligned_count} | {median:.3f} |",
            flush=True,
        )
    return scored, seconds


def report_confidence(scored: list[Scored]) -> None:
    aligned = [s for s in scored if s.reference is not None]
    if len(aligned) < 10:
        return
    k = max(1, round(FLAG_RATE * len(aligned)))
    bad = {id(s) for s in sorted(aligned, key=lambda s: s.chrf)[:k]}
    flagged = {id(s) for s in sorted(aligned, key=lambda s: s.confidence)[:k]}
    hits = len(bad & flagged)
    false_alarms = len(flagged - bad)
    print(
        f"confidence on {len(aligned)} aligned sentences: flagging its lowest {k} ({FLAG_RATE:.0%}) finds {hits} of the {k} worst by sentence chrF "
        f"(hit rate {hits / k:.2f}; chance {FLAG_RATE:.2f}), false alarms {false_alarms} of {len(aligned) - k} others ({false_alarms / (len(aligned) - k):.2f}); "
        f"Spearman(confidence, chrF) {spearman([s.confidence for s in aligned], [s.chrf for s in aligned]):.2f}"
    )
    marked = {id(s) for s in aligned if s.confidence < LOW_CONFIDENCE}
    print(
        f"at the confidence threshold (confidence < {LOW_CONFIDENCE}, chosen on seed 004; the product's rule where the model gave no log-probabilities): {len(marked)} of {len(aligned)} marked doubtful, "
        f"{len(bad & marked)} of the {k} worst found, false alarms {len(marked - bad)} of {len(aligned) - k} others ({len(marked - bad) / (len(aligned) - k):.2f})"
    )


# How each signal alone points: higher doubt is worse.
_DOUBT = {"cosine": -1.0, "mean_logprob": -1.0, "min_logprob": -1.0, "length_deviation": 1.0, "numbers_changed": 1.0}


def _found(items: list[Scored], doubt: dict[int, float]) -> tuple[int, int]:
    """Of ``items``, flagging the most doubtful 10 %: how many of the 10 % worst by sentence
    chrF it finds, and that count."""
    k = max(1, round(FLAG_RATE * len(items)))
    worst = {id(s) for s in sorted(items, key=lambda s: s.chrf)[:k]}
    flagged = {id(s) for s in sorted(items, key=lambda s: -doubt[id(s)])[:k]}
    return len(worst & flagged), k


def report_detector(scored: list[Scored]) -> None:
    """Each signal alone over all aligned sentences, then the fitted detector scored only on
    languages it was not fitted on: the languages in two folds (alternate in name order), fitted
    on one and scored on the other, both ways."""
    items = [s for s in scored if s.signals is not None and s.reference is not None]
    if len(items) < 20:
        return
    print(f"\nfaithfulness signals on {len(items)} aligned sentences (flagging 10 % of them; the worst 10 % by sentence chrF):")
    for name in FEATURES:
        doubt = {id(s): _DOUBT[name] * getattr(s.signals, name) for s in items}
        hits, k = _found(items, doubt)
        print(f"- {name}: finds {hits} of {k}; Spearman(-doubt, chrF) {spearman([-doubt[id(s)] for s in items], [s.chrf for s in items]):.2f}")
    languages = sorted({s.language for s in items})
    folds = [languages[0::2], languages[1::2]]
    held_out: dict[int, float] = {}
    alarms, others, found, wanted = 0, 0, 0, 0
    print("\n| fitted on | scored on | finds (10 % flagged) | false alarms at the fitted threshold | Spearman(-doubt, chrF) | weights (" + ", ".join(FEATURES) + ") |")
    print("| --- | --- | --- | --- | --- | --- |")
    for fit_languages, test_languages in ((folds[0], folds[1]), (folds[1], folds[0])):
        fit = [s for s in items if s.language in fit_languages]
        test = [s for s in items if s.language in test_languages]
        k_fit = max(1, round(FLAG_RATE * len(fit)))
        worst_fit = {id(s) for s in sorted(fit, key=lambda s: s.chrf)[:k_fit]}
        detector = Detector.fit([s.signals for s in fit if s.signals], [id(s) in worst_fit for s in fit], FLAG_RATE)
        doubt = {id(s): detector.doubt(s.signals) for s in test if s.signals}
        held_out.update(doubt)
        hits, k = _found(test, doubt)
        worst_test = {id(s) for s in sorted(test, key=lambda s: s.chrf)[:k]}
        marked = {id(s) for s in test if s.signals and detector.flagged(s.signals)}
        fold_alarms, fold_others = len(marked - worst_test), len(test) - k
        alarms, others, found, wanted = alarms + fold_alarms, others + fold_others, found + hits, wanted + k
        rho = spearman([-doubt[id(s)] for s in test], [s.chrf for s in test])
        weights = ", ".join(f"{w:+.2f}" for w in detector.weights)
        print(f"| {','.join(fit_languages)} | {','.join(test_languages)} | {hits} of {k} | {fold_alarms} of {fold_others} ({fold_alarms / max(fold_others, 1):.2f}) | {rho:.2f} | {weights} |")
    print(f"\nheld out, both folds: finds {found} of {wanted}; false alarms {alarms} of {others} ({alarms / max(others, 1):.2f})")
    report_product(items, folds)
    print("\n| language | aligned | finds (10 % flagged, held-out doubt) | confidence alone finds |")
    print("| --- | --- | --- | --- |")
    for language in languages:
        group = [s for s in items if s.language == language]
        hits, k = _found(group, held_out)
        alone, _ = _found(group, {id(s): -s.confidence for s in group})
        print(f"| {language} | {len(group)} | {hits} of {k} | {alone} of {k} |")


def report_product(items: list[Scored], folds: list[list[str]]) -> None:
    """The product's rule (rag.translation.faithfulness.doubtful: the mean log-probability under
    DOUBTFUL_MEAN_LOGPROB) on every aligned sentence; and, to show how a threshold carries over to
    unseen languages, the 10 % quantile of one fold's mean log-probabilities applied to the other."""
    k = max(1, round(FLAG_RATE * len(items)))
    worst = {id(s) for s in sorted(items, key=lambda s: s.chrf)[:k]}
    marked = {id(s) for s in items if doubtful(s.confidence, s.signals)}
    print(
        f"\nproduct's rule (mean log-probability < {DOUBTFUL_MEAN_LOGPROB}): {len(marked)} of {len(items)} marked doubtful, "
        f"{len(worst & marked)} of the {k} worst found, false alarms {len(marked - worst)} of {len(items) - k} others ({len(marked - worst) / (len(items) - k):.2f})"
    )
    for fit_languages, test_languages in ((folds[0], folds[1]), (folds[1], folds[0])):
        fit = [s.signals.mean_logprob for s in items if s.language in fit_languages and s.signals]
        threshold = float(statistics.quantiles(fit, n=10)[0]) if len(fit) >= 10 else float("nan")
        test = [s for s in items if s.language in test_languages]
        k_test = max(1, round(FLAG_RATE * len(test)))
        worst_test = {id(s) for s in sorted(test, key=lambda s: s.chrf)[:k_test]}
        flagged = {id(s) for s in test if s.signals and s.signals.mean_logprob < threshold}
        print(
            f"threshold {threshold:.3f} (10 % quantile of {','.join(fit_languages)}) on {','.join(test_languages)}: {len(flagged)} of {len(test)} flagged, "
            f"{len(worst_test & flagged)} of the {k_test} worst, false alarms {len(flagged - worst_test)} of {len(test) - k_test} ({len(flagged - worst_test) / max(len(test) - k_test, 1):.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("../shared/eval/xquad-parallel"))
    parser.add_argument("--per-language", type=int, default=3, help="paragraphs per language")
    parser.add_argument("--languages", default="", help="comma-separated; default: every language of the corpus")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse this folder's translation cache (then the speed figures mean nothing)")
    parser.add_argument("--seed-references", default="tests/translation/seed_004.yaml", help="our own references for a seed article ('' to skip)")
    parser.add_argument("--batch-sequences", default="1,16", help="comma-separated llm_batch_sequences to run one after another (1: one sentence at a time)")
    args = parser.parse_args()

    model_path = ensure_default_model(Settings.load().models_dir)
    files = sorted((args.corpus / "articles").glob("*.txt"))
    wanted = set(args.languages.split(",")) if args.languages else {f.name.split("_")[0] for f in files}
    by_language: dict[str, list[Path]] = {}
    for f in files:
        language = f.name.split("_")[0]
        if language in wanted and len(by_language.setdefault(language, [])) < args.per_language:
            by_language[language].append(f)
    embedder = E5Embedding(threads=Settings.load().llm_threads)

    rates: dict[int, float] = {}
    for sequences in [int(n) for n in args.batch_sequences.split(",")]:
        data = args.data_dir or Path(tempfile.mkdtemp(prefix="newsrag-bench-translate-"))
        settings = Settings.load(data_dir=data, llm_model_path=model_path, llm_batch_sequences=sequences, translation_batch=32)
        llm = build_llm(settings)
        translation = build_translation(settings, llm)
        translation.translate(["Привіт.", "Добрий день."], "uk", "en")  # loads the model; not counted
        print(f"\n## llm_batch_sequences={sequences} (translation groups of {settings.translation_batch})\n", flush=True)
        scored, seconds = translate_corpus(translation, by_language, args.corpus, embedder)
        rates[sequences] = len(scored) / seconds
        if args.seed_references:
            scored_seed = score_seed(Path(args.seed_references), translation, embedder)
            print(f"\nseed {scored_seed[0]}: {scored_seed[1]} sentences, chrF {scored_seed[2]:.1f}, BLEU {scored_seed[3]:.1f}; Spearman(confidence, sentence chrF) {scored_seed[4]:.2f}")
        print(f"\n{len(scored)} sentences in {seconds:.0f} s, {rates[sequences]:.2f} sentences/s")
        report_confidence(scored)
        report_detector(scored)
        print(f"peak memory so far (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
        del translation, llm
    first = next(iter(rates))
    print("\n" + ", ".join(f"{n} side by side: {rate / rates[first]:.2f}x the sentences/s of {first}" for n, rate in rates.items() if n != first))


if __name__ == "__main__":
    main()
