"""Numbers read as values in the languages we read (rag.numbers), and the answer check built on
them. Invented sentences."""

import pytest

from rag.numbers import stated, unsupported, values


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("20 тысяч", "ru"),
        ("20 000", "ru"),
        ("20\u00a0000", "fr"),
        ("20,000", "en"),
        ("20.000", "de"),
        ("twenty thousand", "en"),
        ("двадцать тысяч", "ru"),
        ("двадцять тисяч", "uk"),
        ("zwanzigtausend", "de"),
        ("vingt mille", "fr"),
        ("veinte mil", "es"),
        ("20 тис.", "uk"),
        ("2万", "zh"),
        ("٢٠٠٠٠", "ar"),
    ],
)
def test_twenty_thousand_is_one_value_however_written(text, language):
    assert 20000.0 in values(text, language)


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("1,7 мільярда", "uk", 1.7e9),
        ("1.7 billion", "en", 1.7e9),
        ("1,7 Milliarden", "de", 1.7e9),
        ("1,7 millones", "es", 1.7e6),
        ("2,5 mil millones", "es", 2.5e9),
        ("3,5 млн", "ru", 3.5e6),
        ("півтора мільйона", "uk", 1.5e6),
        ("6,01 трлн", "uk", 6.01e12),
        ("1,234.5", "en", 1234.5),
        ("1.234,5", "de", 1234.5),
        ("п'ять", "uk", 5.0),
        ("пʼять", "uk", 5.0),
        ("XX века", "ru", 20.0),
    ],
)
def test_scales_decimals_and_words(text, language, value):
    assert value in values(text, language)


@pytest.mark.parametrize(
    ("text", "language"), [("a quarter", "en"), ("25 %", "en"), ("25%", "en"), ("25 Prozent", "de"), ("четверть", "ru"), ("чверть", "uk"), ("un quart", "fr"), ("25 відсотків", "uk")]
)
def test_a_quarter_is_twenty_five_percent(text, language):
    assert {0.25, 25.0} <= values(text, language)


def test_a_date_and_two_numbers_side_by_side_are_read_as_their_parts():
    assert values("12.03.2022", "ru") == {12.0, 3.0, 2022.0}
    assert values("in 2007 200 people", "en") == {2007.0, 200.0}
    assert values("MH17 crashed", "en") == set()  # part of a name, in the answer and in the evidence alike


def test_a_scale_word_of_one_language_is_not_read_in_another():
    assert values("3 mil personas", "es") == {3000.0}
    assert values("2,7 mil kare", "tr") == {2.7}  # Turkish: square miles
    assert values("20 mila abitanti", "it") == {20000.0}
    assert values("a 5 mil film", "en") == {5.0}


def test_an_answer_claims_figures_not_manners_of_speaking():
    claims = [s.text for s in stated("Hundreds of people, one of them a child, and twenty-three thousand others [1].", claims=True)]
    assert claims == ["23000"]  # not "hundreds", not "one", not the citation marker


def test_an_answer_number_held_by_the_original_in_another_writing_is_supported():
    evidence = [("About twenty thousand people came.", "en"), ("Пришло около 20 тысяч человек.", "ru")]
    assert unsupported("About 20,000 people came [1].", evidence) == []
    assert unsupported("A quarter of the voters.", [("25 % избирателей.", "ru")]) == []
    assert unsupported("25% of the voters.", [("Четверть избирателей.", "ru")]) == []
    assert unsupported("About 1.7 billion hryvnias.", [("1,7 мільярда гривень.", "uk")]) == []
    assert unsupported("About 1.7 million.", [("1 712 000 человек", "ru")]) == []  # rounded as written


def test_an_invented_or_changed_number_is_not():
    assert unsupported("About 30,000 people came.", [("Пришло около 20 тысяч человек.", "ru")]) == ["30,000"]
    assert unsupported("About 2 million people.", [("1,6 млн человек", "ru")]) == ["2 million"]
    assert unsupported("1.7 billion.", [("1,7 мільйона гривень.", "uk")]) == ["1.7 billion"]


def test_a_sum_counts_only_where_the_answer_shows_it():
    evidence = [("The burglars took 300 euros from the till and 450 euros from the safe.", "en")]
    assert unsupported("The burglary cost 750 euros.", evidence) == ["750"]
    assert unsupported("750 euros: 300 from the till plus 450 from the safe.", evidence) == []
    assert unsupported("150 euros more came from the safe (450 - 300).", evidence) == []
    assert unsupported("800 euros: 300 from the till plus 450 from the safe.", evidence) == ["800"]  # wrong sum
