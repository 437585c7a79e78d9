"""The order in which fusion takes its turns from the three retrievers' lists."""

from rag.retrieval import Rankings, interleave, reaches_english
from rag.types import Chunk, ScoredChunk


def _hit(source: str, translator: str, language: str = "uk") -> ScoredChunk:
    text = f"Passage of {source}."
    return ScoredChunk(Chunk(f"{source}-0", source, "Title", None, language, text, text, 0, len(text), translator, "h"), 0.5)


def _rankings(e5_best_translator: str) -> Rankings:
    dense = [_hit("d1.txt", "llm"), _hit("d2.txt", "identity", "en")]
    lexical = [_hit("l1.txt", "identity", "en"), _hit("l2.txt", "llm")]
    multilingual = [_hit("m1.txt", e5_best_translator), _hit("m2.txt", "llm")]
    return Rankings(dense, lexical, multilingual)


def _sources(hits: list[ScoredChunk]) -> list[str]:
    return [h.chunk.source for h in hits]


def test_which_passages_the_english_retrievers_reach():
    assert reaches_english(_hit("a.txt", "identity", "en").chunk)
    assert reaches_english(_hit("a.txt", "llm").chunk) and reaches_english(_hit("a.txt", "argos+llm").chunk)
    assert not reaches_english(_hit("a.txt", "pending").chunk)
    assert not reaches_english(_hit("a.txt", "identity+pending").chunk)  # part still as written
    assert not reaches_english(_hit("a.txt", "none").chunk)  # no translator for its language


def test_e5_leads_for_another_language_only_when_its_best_passage_is_untranslated():
    for translator in ("pending", "none"):
        assert _sources(interleave(_rankings(translator).in_fusion_order(True), 4)) == ["m1.txt", "d1.txt", "l1.txt", "m2.txt"]
    # Translated: the English lists take the first turns, e5 the third.
    assert _sources(interleave(_rankings("llm").in_fusion_order(True), 4)) == ["d1.txt", "l1.txt", "m1.txt", "d2.txt"]


def test_an_english_question_takes_the_english_lists_first_whatever_e5_found():
    for translator in ("pending", "llm"):
        assert _sources(interleave(_rankings(translator).in_fusion_order(False), 4)) == ["d1.txt", "l1.txt", "m1.txt", "d2.txt"]


def test_no_multilingual_list_is_no_error():
    ranked = Rankings([_hit("d1.txt", "llm")], [_hit("l1.txt", "llm")], [])
    assert _sources(interleave(ranked.in_fusion_order(True), 4)) == ["d1.txt", "l1.txt"]
