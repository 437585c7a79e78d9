"""The faithfulness signals read in code, and the detector's fit (the model's log-probabilities
are tested with the real model in tests/test_real_model.py)."""

from __future__ import annotations

import random

from rag.translation.faithfulness import Detector, Signals, length_deviations, numbers_changed, signals


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
    s = signals("Мост построили в 1912 году.", "The bridge was built in 1912.", "ru", cosine=0.9, logprobs=[-0.1, -2.0, -0.3], length_deviation=0.05)
    assert s.numbers_changed == 0 and s.min_logprob == -2.0 and abs(s.mean_logprob - (-0.8)) < 1e-9


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
