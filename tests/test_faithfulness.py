"""The faithfulness signals read in code, and the detector's fit (the model's log-probabilities
are tested with the real model in tests/test_real_model.py)."""

from __future__ import annotations

import random

from rag.translation.base import Translation
from rag.translation.faithfulness import DOUBTFUL_MEAN_LOGPROB, Detector, Signals, assess, doubtful, length_deviations, numbers_changed, signals_of


def test_numbers_lost_or_added_are_counted_as_values():
    assert numbers_changed("Пришло около 20 тысяч человек.", "About 20,000 people came.", "ru") == 0
    assert numbers_changed("Пришло около 20 тысяч человек.", "About 2,000 people came.", "ru") == 2  # one lost, one added
    assert numbers_changed("Погибли пять человек.", "Five people died.", "ru") == 0
    assert numbers_changed("Мост построили в 1912 году.", "The bridge was built.", "ru") == 1


def test_the_length_ratio_is_read_against_the_article_s_own():
    sources = ["Мэр открыл библиотеку.", "Мост закрыли на ремонт.", "Школа получила новые книги."]
    deviations = length_deviations(sources, ["The mayor opened a library.", "The bridge was closed for repairs.", "Books."])
    assert deviations[0] < 0.2 and deviations[1] < 0.2 and deviations[2] > 1.0  # the others run longer in English, this one far shorter


def test_the_signals_of_a_translation():
    made = Translation.of("The bridge was built in 1912.", [-0.1, -2.0, -0.3])
    s = signals_of("Мост построили в 1912 году.", made, "ru", cosine=0.9, length_deviation=0.05)
    assert s is not None and s.numbers_changed == 0 and s.min_logprob == -2.0 and abs(s.mean_logprob - (-0.8)) < 1e-9
    assert signals_of("Мост построили.", Translation("The bridge was built."), "ru", cosine=0.9, length_deviation=0.0) is None  # no log-probabilities given
    assert Translation.of("x", [-0.1, float("nan")]) == Translation("x")  # NaN: a model that did not read them


def test_a_sentence_is_doubtful_by_the_model_s_log_probability_where_it_gave_one_else_by_its_cosine():
    sure, unsure = Signals(0.80, DOUBTFUL_MEAN_LOGPROB + 0.2, -3.0, 0.0, 0), Signals(0.95, DOUBTFUL_MEAN_LOGPROB - 0.2, -3.0, 0.0, 0)
    assert not doubtful(0.80, sure) and doubtful(0.95, unsure)  # the cosine does not decide where the model spoke
    assert doubtful(0.80, None) and not doubtful(0.95, None)  # no log-probabilities: LOW_CONFIDENCE decides
    sources = ["Мэр открыл библиотеку.", "Мост закрыли на ремонт."]
    made = [Translation.of("The mayor opened a library.", [-0.1, -0.2]), Translation.of("The bridge was shut.", [-1.5, -2.5])]
    (first, first_signals), (second, second_signals) = assess(sources, made, "ru", [0.9, 0.9])
    assert not first and second and first_signals is not None and second_signals is not None and second_signals.min_logprob == -2.5


def test_the_detector_learns_which_way_each_signal_points_and_flags_its_share():
    rng = random.Random(7)
    examples, bad = [], []
    for i in range(200):
        wrong = i % 10 == 0
        examples.append(
            Signals(
                cosine=rng.gauss(0.78 if wrong else 0.9, 0.03),
                mean_logprob=rng.gauss(-1.2 if wrong else -0.4, 0.2),
                min_logprob=rng.gauss(-6.0, 1.0),  # noise
                length_deviation=abs(rng.gauss(0.0, 0.1)),
                numbers_changed=0,
            )
        )
        bad.append(wrong)
    detector = Detector.fit(examples, bad, flag_rate=0.10)
    assert detector.weights[0] < 0 and detector.weights[1] < 0  # lower cosine, lower log-probability: more doubt
    flagged = [detector.flagged(s) for s in examples]
    assert 15 <= sum(flagged) <= 25 and sum(f and b for f, b in zip(flagged, bad)) >= 15
    assert detector.doubt(Signals(0.7, -1.5, -6.0, 0.0, 0)) > detector.doubt(Signals(0.95, -0.2, -6.0, 0.0, 0))
