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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sacrebleu
import yaml

from rag.embedding import E5Embedding
from rag.languages import language_name
from rag.llm.base import complete_many
from rag.models import ensure_default_model
from rag.settings import Settings
from rag.text import sentences
from rag.translation.base import Translation
from rag.translation.confidence import LOW_CONFIDENCE, confidences
from rag.translation.faithfulness import DOUBTFUL_MEAN_LOGPROB, FEATURES, Detector, Signals, doubtful, length_deviations, signals_of
from rag.wiring import build_llm, build_translation

FLAG_RATE = 0.10
MAX_FALSE_ALARMS = 0.15  # issue 22: at the product's threshold, at most 15 % of the other sentences flagged


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


def _worst(items: list[Scored]) -> set[int]:
    """The 10 % of ``items`` worst by sentence chrF (ids): the bad translations to find."""
    return {id(s) for s in sorted(items, key=lambda s: s.chrf)[: max(1, round(FLAG_RATE * len(items)))]}


def report_confidence(scored: list[Scored]) -> None:
    aligned = [s for s in scored if s.reference is not None]
    if len(aligned) < 10:
        return
    hits, k = _found(aligned, {id(s): -s.confidence for s in aligned})
    print(
        f"confidence on {len(aligned)} aligned sentences: flagging its lowest {k} ({FLAG_RATE:.0%}) finds {hits} of the {k} worst by sentence chrF "
        f"(hit rate {hits / k:.2f}; chance {FLAG_RATE:.2f}), false alarms {k - hits} of {len(aligned) - k} others ({(k - hits) / (len(aligned) - k):.2f}); "
        f"Spearman(confidence, chrF) {spearman([s.confidence for s in aligned], [s.chrf for s in aligned]):.2f}"
    )
    found, _, alarms, others, marked = _marked_by(aligned, lambda s: s.confidence < LOW_CONFIDENCE)
    print(
        f"at the confidence threshold (confidence < {LOW_CONFIDENCE}, chosen on seed 004; the product's rule where the model gave no log-probabilities): {marked} of {len(aligned)} marked doubtful, "
        f"{found} of the {k} worst found, false alarms {alarms} of {others} others ({alarms / others:.2f})"
    )


# How each signal alone points: higher doubt is worse.
_DOUBT = {"cosine": -1.0, "mean_logprob": -1.0, "min_logprob": -1.0, "length_deviation": 1.0, "numbers_changed": 1.0}


def _found(items: list[Scored], doubt: dict[int, float]) -> tuple[int, int]:
    """Of ``items``, flagging the most doubtful 10 %: how many of the 10 % worst by sentence
    chrF it finds, and that count."""
    worst = _worst(items)
    flagged = {id(s) for s in sorted(items, key=lambda s: -doubt[id(s)])[: len(worst)]}
    return len(worst & flagged), len(worst)


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
        worst_fit = _worst(fit)
        detector = Detector.fit([s.signals for s in fit if s.signals], [id(s) in worst_fit for s in fit], FLAG_RATE)
        doubt = {id(s): detector.doubt(s.signals) for s in test if s.signals}
        held_out.update(doubt)
        hits, k = _found(test, doubt)
        _, _, fold_alarms, fold_others, _ = _marked_by(test, lambda s, d=detector: s.signals is not None and d.flagged(s.signals))
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


def _marked_by(items: list[Scored], marked: Callable[[Scored], bool]) -> tuple[int, int, int, int, int]:
    """Of ``items``, those ``marked``: how many of the 10 % worst by sentence chrF they hold, of
    how many; false alarms, of how many others; how many marked."""
    worst = _worst(items)
    chosen = {id(s) for s in items if marked(s)}
    return len(worst & chosen), len(worst), len(chosen - worst), len(items) - len(worst), len(chosen)


def _under(threshold: float) -> Callable[[Scored], bool]:
    return lambda s: s.signals is not None and s.signals.mean_logprob < threshold


def threshold_for(items: list[Scored], max_false_alarms: float = MAX_FALSE_ALARMS) -> float:
    """The rule that set DOUBTFUL_MEAN_LOGPROB: the highest mean log-probability threshold under
    which at most ``max_false_alarms`` of the sentences outside the worst 10 % are marked."""
    best = float("-inf")
    for threshold in sorted({s.signals.mean_logprob for s in items if s.signals}):
        _, _, alarms, others, _ = _marked_by(items, _under(threshold))
        if alarms <= max_false_alarms * others:
            best = threshold
    return best


def report_product(items: list[Scored], folds: list[list[str]]) -> None:
    """The product's rule (rag.translation.faithfulness.doubtful: the mean log-probability under
    DOUBTFUL_MEAN_LOGPROB) on every aligned sentence; and how the rule that chose it
    (threshold_for) carries over to languages it was not chosen on: chosen on one fold's
    languages, scored on the other's."""

    def line(m: tuple[int, int, int, int, int], total: int) -> str:
        return f"{m[4]} of {total} marked, {m[0]} of the {m[1]} worst found, false alarms {m[2]} of {m[3]} others ({m[2] / max(m[3], 1):.2f})"

    print(f"\nproduct's rule (mean log-probability < {DOUBTFUL_MEAN_LOGPROB}): {line(_marked_by(items, lambda s: doubtful(s.confidence, s.signals)), len(items))}")
    print(f"threshold_for (false alarms <= {MAX_FALSE_ALARMS:.0%}) on all of them: {threshold_for(items):.3f} (chosen and scored on the same sentences)")
    for fit_languages, test_languages in ((folds[0], folds[1]), (folds[1], folds[0])):
        fit = [s for s in items if s.language in fit_languages]
        test = [s for s in items if s.language in test_languages]
        threshold = threshold_for(fit)
        print(
            f"threshold_for on {','.join(fit_languages)}: {threshold:.3f}; there {line(_marked_by(fit, _under(threshold)), len(fit))}; "
            f"on {','.join(test_languages)} (held out): {line(_marked_by(test, _under(threshold)), len(test))}"
        )


def second_prompt(text: str, language: str) -> list[dict[str, str]]:
    """Another wording of the translation request, for the agreement signal: the same sentence,
    asked differently (no worked example, other rules)."""
    rules = f"Translate the user's {language_name(language)} text into English. Output only the English translation, nothing else."
    return [{"role": "system", "content": rules}, {"role": "user", "content": text}]


def report_agreement(items: list[Scored], llm: Any, max_tokens: int, embedder: E5Embedding) -> None:
    """Agreement between two decodings (issue 22): each aligned sentence translated again with
    second_prompt, compared with the kept translation by the multilingual embedder. Alone, and
    with the mean log-probability by the mean of their ranks (no fit), flagging 10 %."""
    started = time.perf_counter()
    seconds = complete_many(llm, [second_prompt(s.source, s.language) for s in items], max_tokens)
    elapsed = time.perf_counter() - started
    agreement = confidences([s.translation for s in items], seconds, embedder)
    print(f"\nagreement of two decodings on {len(items)} aligned sentences (the second took {elapsed / len(items):.2f} s a sentence):")
    hits, k = _found(items, {id(s): -a for s, a in zip(items, agreement)})
    print(f"- agreement alone: finds {hits} of {k}; Spearman(agreement, chrF) {spearman(agreement, [s.chrf for s in items]):.2f}")
    logprob_ranks = _ranks([s.signals.mean_logprob if s.signals else 0.0 for s in items])
    agreement_ranks = _ranks(agreement)
    joint = [(a + b) / 2 for a, b in zip(logprob_ranks, agreement_ranks)]
    hits, k = _found(items, {id(s): -j for s, j in zip(items, joint)})
    print(f"- with the mean log-probability (mean rank): finds {hits} of {k}; Spearman {spearman(joint, [s.chrf for s in items]):.2f}")
    for language in sorted({s.language for s in items}):
        group = [i for i, s in enumerate(items) if s.language == language]
        found, wanted = _found([items[i] for i in group], {id(items[i]): -agreement[i] for i in group})
        print(f"  {language}: agreement alone finds {found} of {wanted}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("../shared/eval/xquad-parallel"))
    parser.add_argument("--per-language", type=int, default=3, help="paragraphs per language")
    parser.add_argument("--languages", default="", help="comma-separated; default: every language of the corpus")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse this folder's translation cache (then the speed figures mean nothing)")
    parser.add_argument("--seed-references", default="tests/translation/seed_004.yaml", help="our own references for a seed article ('' to skip)")
    parser.add_argument("--agreement", action="store_true", help="also translate each aligned sentence a second way and report the two decodings' agreement (doubles the time)")
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
        if args.agreement:
            report_agreement([s for s in scored if s.signals is not None and s.reference is not None], llm, settings.translation_max_tokens, embedder)
        print(f"peak memory so far (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
        del translation, llm
    first = next(iter(rates))
    print("\n" + ", ".join(f"{n} side by side: {rate / rates[first]:.2f}x the sentences/s of {first}" for n, rate in rates.items() if n != first))


if __name__ == "__main__":
    main()
