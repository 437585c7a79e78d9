"""Signals that a translated sentence says something its source does not, and a detector that
combines them, fitted on some languages and scored on others (scripts/bench_translate.py).

    s = signals_of(source, translated, "uk", cosine=0.83, length_deviation=0.1)  # translated: a Translation with the model's log-probabilities
    detector = Detector.fit([s, ...], bad=[False, ...])
    detector.doubt(s)  # higher: more doubtful

The signals are the ones the literature on machine-translation hallucination finds strong: the
translating model's own token log-probabilities of its output (mean and minimum), the
multilingual embedder's cosine between source and translation (rag.translation.confidence),
numbers of the source lost or added (rag.numbers, read as values in each language), and the
length ratio against the article's other sentences.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from rag.numbers import stated
from rag.translation.base import Translation
from rag.translation.confidence import LOW_CONFIDENCE
from rag.types import FEATURES, Signals

__all__ = ["FEATURES", "Detector", "Signals", "doubtful", "length_deviations", "numbers_changed", "signals_of"]

# Under this mean token log-probability of its own translation (nats), the local model's English
# is doubtful. Set by scripts/bench_translate.py's threshold_for on xquad-parallel (5 paragraphs
# in each of 11 languages, 167 aligned sentences, 2026-12-07): the highest threshold at which at
# most 15 % of the sentences outside the worst 10 % by chrF are marked (-0.636, rounded down).
# Chosen and scored on the same sentences; chosen on half the languages, the threshold does not
# carry over (docs/benchmarks.md, "Faithfulness in the product").
DOUBTFUL_MEAN_LOGPROB = -0.64


def doubtful(confidence: float, signals: Signals | None) -> bool:
    """Whether a translated sentence is shown and treated as doubtful: by the translating model's
    own mean log-probability where it gave one (measured the stronger signal), else by the
    multilingual embedder's confidence (rag.translation.confidence)."""
    if signals is None:
        return confidence < LOW_CONFIDENCE
    return signals.mean_logprob < DOUBTFUL_MEAN_LOGPROB


def numbers_changed(source: str, translation: str, language: str) -> int:
    """How many numbers of ``source`` the English ``translation`` does not state as a value, and
    how many it states that the source does not."""
    in_source, in_translation = stated(source, language), stated(translation, "en")
    lost = [n for n in in_source if not any(n.matches(v) for m in in_translation for v in m.readings)]
    added = [n for n in in_translation if not any(n.matches(v) for m in in_source for v in m.readings)]
    return len(lost) + len(added)


def length_deviations(sources: Sequence[str], translations: Sequence[str]) -> list[float]:
    """Each pair's |log(translation characters / source characters)| off the median of all the
    pairs given (one article's sentences, so the languages' own ratio cancels out)."""
    ratios = [math.log(max(len(t.strip()), 1) / max(len(s.strip()), 1)) for s, t in zip(sources, translations)]
    middle = statistics.median(ratios) if ratios else 0.0
    return [round(abs(r - middle), 4) for r in ratios]


def signals_of(source: str, translated: Translation, language: str, *, cosine: float, length_deviation: float) -> Signals | None:
    """The signals of one translated sentence; None where its translator gave no log-probabilities."""
    if translated.mean_logprob is None or translated.min_logprob is None:
        return None
    return Signals(cosine, translated.mean_logprob, translated.min_logprob, length_deviation, numbers_changed(source, translated.text, language))


def assess(sources: Sequence[str], translated: Sequence[Translation], language: str, cosines: Sequence[float], reject_below: float = 0.0) -> list[tuple[bool, Signals | None]]:
    """Each translated sentence's doubt and signals; the length ratio read against the others given
    (one article's sentences, or one passage's). A translation whose cosine is under
    ``reject_below`` is not kept (the original stands in) and is doubtful too."""
    deviations = length_deviations(sources, [t.text for t in translated])
    out: list[tuple[bool, Signals | None]] = []
    for source, made, cosine, deviation in zip(sources, translated, cosines, deviations):
        found = signals_of(source, made, language, cosine=cosine, length_deviation=deviation)
        out.append((doubtful(cosine, found) or cosine < reject_below, found))
    return out


@dataclass(frozen=True)
class Detector:
    """A logistic regression over the standardized signals; ``threshold`` is the doubt above which
    a sentence is flagged (the fit set's top ``flag_rate``)."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float

    def doubt(self, s: Signals) -> float:
        z = self.bias + sum(w * (x - m) / sc for w, x, m, sc in zip(self.weights, s.vector(), self.means, self.scales))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def flagged(self, s: Signals) -> bool:
        return self.doubt(s) > self.threshold

    @classmethod
    def fit(cls, examples: Sequence[Signals], bad: Sequence[bool], flag_rate: float = 0.10, l2: float = 1.0, steps: int = 2000) -> Detector:
        """Fitted by gradient descent on the mean log-loss plus ``l2`` over the examples' count
        (few bad examples: the weights stay small), the classes weighted to balance."""
        import numpy as np

        x = np.array([s.vector() for s in examples], dtype=float)
        y = np.array(bad, dtype=float)
        means, scales = x.mean(axis=0), x.std(axis=0)
        scales[scales == 0] = 1.0
        z = (x - means) / scales
        positive = max(y.sum(), 1.0)
        sample = np.where(y > 0, len(y) / (2 * positive), len(y) / (2 * max(len(y) - positive, 1.0)))
        w, b = np.zeros(z.shape[1]), 0.0
        for _ in range(steps):
            p = 1 / (1 + np.exp(-(z @ w + b)))
            g = (p - y) * sample
            w -= 0.1 * (z.T @ g / len(y) + l2 * w / len(y))
            b -= 0.1 * g.mean()
        doubts = 1 / (1 + np.exp(-(z @ w + b)))
        threshold = float(np.quantile(doubts, 1 - flag_rate))
        return cls(tuple(float(v) for v in w), float(b), tuple(float(v) for v in means), tuple(float(v) for v in scales), threshold)
