"""The translation confidence, with the real multilingual embedder (multilingual-e5-small)."""

from __future__ import annotations

import pytest

from rag.embedding import E5Embedding
from rag.translation.confidence import confidences

SOURCE = "Мер Ліндвіка Петра Ольсен відкрила нову бібліотеку в понеділок."


@pytest.fixture(scope="module")
def e5() -> E5Embedding:
    return E5Embedding(threads=2)


def test_a_faithful_translation_scores_above_a_wrong_one(e5):
    faithful, wrong = confidences(
        [SOURCE, SOURCE],
        ["Lindvik's mayor Petra Olsen opened the new library on Monday.", "The harbour of Kalvik was closed after a storm."],
        e5,
    )
    assert 0 < wrong < faithful <= 1


def test_nothing_in_nothing_out(e5):
    assert confidences([], [], e5) == []
