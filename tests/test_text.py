"""rag.text: the one home of citation markers, numbers, months, sentence splitting and normalising."""

from __future__ import annotations

import pytest

from rag.text import (
    answer_forms,
    answer_proper,
    beside_english,
    marker_numbers,
    markers,
    month_name,
    month_number,
    months,
    numbers,
    sentences,
    split_sentences,
    strip_markers,
    with_markers,
    with_quotes,
    without_markers,
)


def test_markers_round_trip():
    text = with_markers("They met in Riga", [1, 3])
    assert text == "They met in Riga [1][3]."
    assert marker_numbers(text + " Again [3, 2].") == [1, 3, 2]
    assert strip_markers(text) == "They met in Riga."
    linked = "A [1] b [2, 4]."
    assert [(linked[s:e], cited) for s, e, cited in markers(linked)] == [("[1]", [1]), ("[2, 4]", [2, 4])]
    assert without_markers("Twice [2].").split() == ["Twice", "."]


def test_numbers_read_decimal_commas_as_points():
    assert numbers("6,01 trillion, 12 and 3.5.") == {"6.01", "12", "3.5"}


@pytest.mark.parametrize(("text", "language", "expected"), [("з 10 до 13 вересня", "uk", {9}), ("am 4. Dezember", "de", {12}), ("They may come in May", "en", {5}), ("x", "th", set())])
def test_months(text, language, expected):
    assert months(text, language) == expected


def test_month_names_and_numbers():
    assert month_name(9, "en") == "September" and month_number("september") == 9 and month_number("Sept") is None


def test_sentences_keep_abbreviations_initials_and_german_dates():
    assert sentences("Mr. Smith met J. Doe in the U.S. on Friday. They left!") == ["Mr. Smith met J. Doe in the U.S. on Friday.", "They left!"]
    assert sentences("Am 4. Dezember kam er. Dann ging er.") == ["Am 4. Dezember kam er.", "Dann ging er."]
    assert sentences("北京下雨了。明天晴。") == ["北京下雨了。", "明天晴。"]
    text = "One. Two."
    assert [text[s:e] for s, e in split_sentences(text)] == ["One.", "Two."]


def test_answer_layout_is_read_back_as_written():
    translated = with_markers(beside_english("Siete niños", "seven children"), [1])
    text = with_quotes(translated, ["„Сім дітей повернулися.“ [1]"])
    assert answer_proper(text) == translated == "Siete niños («seven children») [1]."
    assert answer_forms(text) == ["Siete niños", "seven children"]
    assert answer_forms("Riga [2].") == ["Riga"] and with_quotes("Riga [2].", []) == "Riga [2]."
