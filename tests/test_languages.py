import pytest

from rag.indexing import identify
from rag.languages import detect, detect_paragraph
from rag.loading import list_article_files, load_article_file
from tests.conftest import SEEDS, UKRAINIAN_SEED


def test_seed_articles_languages():
    found = {p.name: identify(load_article_file(p)) for p in list_article_files(SEEDS)}
    assert {name: a.language for name, a in found.items()} == {
        "000_df240f098999e43e.txt": "en",
        "001_644d4b1ec930e458.txt": "en",
        "002_99bf8ed5f41f55a2.txt": "en",
        "003_4f412f5a8c4bd49c.txt": "en",
        UKRAINIAN_SEED: "uk",
    }
    assert {p.language for p in found[UKRAINIAN_SEED].paragraphs} == {"uk"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Лідер Північної Кореї найближчим часом планує відвідати Росію.", "uk"),
        ("Лидер Северной Кореи в ближайшее время планирует посетить Россию.", "ru"),
        ("El líder de Corea del Norte planea visitar Rusia próximamente.", "es"),
        ("Der Staatschef Nordkoreas plant, bald nach Russland zu reisen.", "de"),
        ("Le dirigeant nord-coréen prévoit de se rendre prochainement en Russie.", "fr"),
        ("The North Korean leader plans to visit Russia soon.", "en"),
    ],
)
def test_sentence_languages(text, language):
    assert detect(text).language == language


def test_short_paragraph_inherits_article_language():
    assert detect_paragraph("NYT", "uk") == "uk"
