from rag.citations import check_citations
from rag.types import Chunk, ScoredChunk


def _hit(text: str, original: str | None = None, source: str = "a.txt") -> ScoredChunk:
    chunk = Chunk("id-" + text[:10], source, "Title", "2023-09-13", "en" if original is None else "uk", text, original or text, 0, len(text), "identity", "h")
    return ScoredChunk(chunk, 0.5)


HITS = [
    _hit("Putin and Kim met at the Vostochny Cosmodrome in Amur Oblast on Wednesday."),
    _hit("North Korea fired two short-range ballistic missiles before the meeting."),
    _hit("Kim will travel by armoured train to Vladivostok.", "Кім поїде бронепоїздом до Владивостока."),
]


def test_supported_citations_kept():
    checked = check_citations("Putin and Kim met at the Vostochny Cosmodrome [1]. North Korea fired two missiles [2].", HITS, "en")
    assert checked.text == "Putin and Kim met at the Vostochny Cosmodrome [1]. North Korea fired two missiles [2]."
    assert checked.cited == [1, 2] and checked.dropped == []


def test_citation_to_missing_passage_removed():
    checked = check_citations("Putin and Kim met at the Vostochny Cosmodrome [7].", HITS, "en")
    assert checked.removed_markers == [7]
    assert "[7]" not in checked.text
    assert checked.cited == [1]  # re-attached to the passage that supports it


def test_wrong_citation_moved_to_supporting_passage():
    checked = check_citations("North Korea fired two short-range ballistic missiles [1].", HITS, "en")
    assert checked.cited == [2]


def test_invented_number_dropped():
    checked = check_citations("Vladivostok has 600,000 inhabitants [3].", HITS, "en")
    assert checked.cited == [] and checked.text == ""
    assert checked.dropped == ["Vladivostok has 600,000 inhabitants."]


def test_invented_name_dropped():
    checked = check_citations("Biden condemned the meeting [1].", HITS, "en")
    assert checked.cited == []


def test_uncited_sentence_gets_supporting_passage():
    checked = check_citations("Kim will travel by armoured train to Vladivostok.", HITS, "en")
    assert checked.text == "Kim will travel by armoured train to Vladivostok [3]."


def test_cyrillic_answer_names_match_across_scripts():
    checked = check_citations("Ким поедет в Владивосток на бронепоезде [3].", HITS, "ru")
    assert checked.cited == [3]
    checked = check_citations("Байден осудил встречу [3].", HITS, "ru")
    assert checked.cited == []


def test_spanish_answer_names_checked():
    checked = check_citations("Putin y Kim se reunieron en el cosmódromo Vostochny [1].", HITS, "es")
    assert checked.cited == [1]


def test_bare_number_answer_kept_when_its_passage_states_it():
    hits = [_hit("86% of EU citizens approve of humanitarian aid, a survey found.")]
    assert check_citations("86% [1]", hits, "en").text == "86% [1]."
    assert check_citations("87% [1]", hits, "en").cited == []


def test_names_match_without_accents():
    hits = [_hit("According to Turk, nearly 600 million people will be chronically undernourished in 2030.")]
    assert check_citations("According to Volker Türk, nearly 600 million people will be chronically undernourished [1].", hits, "en").cited == [1]


def test_word_forms_count_as_support():
    hit = [_hit("The register was set up during a conference held in the Latvian capital of Riga to record damages.")]
    checked = check_citations("The registry of damage was created in Riga, Latvia [1].", hit, "en")
    assert checked.cited == [1]  # registry/register, damage/damages, Latvia/Latvian


def test_citation_moves_to_the_passage_that_holds_the_sentence():
    hits = [
        _hit("Russian President Vladimir Putin met North Korean leader Kim Jong Un at the Vostochny Cosmodrome in Amur Oblast."),
        _hit("North Korean leader Kim Jong Un plans to visit Russia to meet Russian President Vladimir Putin about weapons."),
    ]
    sentence = "Russian President Vladimir Putin met North Korean leader Kim Jong Un at the Vostochny Cosmodrome in Amur Oblast"
    assert check_citations(sentence + " [2].", hits, "en").cited == [1]  # [2] shares half its words, [1] all
    assert check_citations("Kim Jong Un plans to visit Russia [2].", hits, "en").cited == [2]  # held by [2]: kept
