"""Signals that a translated sentence says something its source does not, and a detector that
combines them, fitted on some languages and scored on others (scripts/bench_translate.py).

    s = signals(source, translation, "uk", cosine=0.83, logprobs=llm.reply_logprobs(messages, translation), length_deviation=0.1)
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

FEATURES = ("cosine", "mean_logprob", "min_logprob", "length_deviation", "numbers_changed")


@dataclass(frozen=True)
class Signals:
    cosine: float  # multilingual embedder, source against translation
    mean_logprob: float  # the translating model's mean token log-probability of its output
    min_logprob: float  # and its least likely token
    length_deviation: float  # |log(characters ratio)| off the median of its article's sentences
    numbers_changed: int  # values of the source the translation lacks, plus values it adds

    def vector(self) -> list[float]:
        return [float(getattr(self, name)) for name in FEATURES]


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


def signals(source: str, translation: str, language: str, *, cosine: float, logprobs: Sequence[float], length_deviation: float) -> Signals:
    return Signals(
        cosine=cosine,
        mean_logprob=statistics.fmean(logprobs) if logprobs else 0.0,
        min_logprob=min(logprobs) if logprobs else 0.0,
        length_deviation=length_deviation,
        numbers_changed=numbers_changed(source, translation, language),
    )


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
