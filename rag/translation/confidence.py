"""A confidence for a translated sentence, computed in code from its source: the multilingual
embedder's similarity between the two. (Capping it where a number of the source was lost did not
pay: on the parallel corpus those sentences had a higher median chrF than the rest, 55.7 against
50.0, and the local translator already retries a sentence that lost a number.)

    scores = confidences(["Мер відкрив бібліотеку."], ["The mayor opened the library."], e5)

How well it tells good translations from bad is measured by scripts/bench_translate.py on the
parallel corpus (README).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rag.vectors import cosine

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

# Under this a translation is shown as doubtful (the original first). Chosen on our own references
# for seed 004 (tests/translation/seed_004.yaml), where it marks 5 of its 24 sentences, 4 of them
# among its 9 worst by sentence chrF; never on the external parallel corpus, where it is only scored.
LOW_CONFIDENCE = 0.86
# Under this a translation is not kept at all: the sentence is stored as written (and shown as
# doubtful). Invented faithful translations scored 0.85-0.94 and invented replies that state
# something else 0.71-0.78, so it catches only the grossest; the external XQuAD dev set's 118
# translated sentences and seed 004's 24 all score 0.775 or more: it rejects none of them (README).
REJECTED_BELOW = 0.75


def confidences(sources: Sequence[str], translations: Sequence[str], embedder: BaseEmbedding) -> list[float]:
    """One score in [0, 1] per (source, translation) pair: their cosine similarity in the
    multilingual embedder."""
    if not sources:
        return []
    vectors = embedder.get_text_embedding_batch([*sources, *translations])
    return [round(max(0.0, cosine(vectors[i], vectors[len(sources) + i])), 4) for i in range(len(sources))]
