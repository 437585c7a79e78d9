"""Does a draft answer the question, or only quote a passage near it?

Used on the model's second look (see Pipeline._second_look), where it may not refuse: for a
question the articles cannot answer it then quotes whatever passage is closest. Two checks in
code, both on the English question: the cited passage must hold most of the question's words
and every number it states, and a question asking "how many" or "when" needs a number or a date.

    question_coverage("Where did Putin and Kim meet in 2024?", hit)  # 0.0 unless the passage says 2024
    states_what_is_asked("When is the forum held?", "It opens on 10 September [1].")  # True
"""

from __future__ import annotations

import re

from rag.citations import PassageIndex, content_words, numbers, strip_markers
from rag.dates import months
from rag.types import ScoredChunk

# Words of a question that name what is asked for, not what the passage must mention.
_ASKING = set("many much name named called kind type".split())
_ASKS_QUANTITY = re.compile(r"^\s*(?:how (?:many|much)|(?:in )?(?:what|which) (?:year|percentage|proportion|share|number|amount))\b", re.IGNORECASE)
_ASKS_TIME = re.compile(r"^\s*(?:when|(?:in|on) (?:what|which) (?:month|day|date)|(?:what|which) (?:month|day|date))\b", re.IGNORECASE)
_NUMBER_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|billions?|trillions?)\b",
    re.IGNORECASE,
)
_WEEKDAYS = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow)\b")


def question_coverage(question: str, hit: ScoredChunk) -> float:
    """The share of the question's content words that the passage holds; 0 when it lacks a
    number the question states ("in 2024" is a condition, not a detail)."""
    passage = PassageIndex(hit)
    if not numbers(question) <= passage.numbers:
        return 0.0
    return passage.share([w for w in content_words(question) if w not in _ASKING])


def states_what_is_asked(question: str, answer: str) -> bool:
    """False when the question asks for a quantity and the answer states no number, or asks
    when and the answer states no date; True for any other question."""
    text = strip_markers(answer)
    if _ASKS_QUANTITY.search(question):
        return bool(numbers(text)) or bool(_NUMBER_WORDS.search(text))
    if _ASKS_TIME.search(question):  # "two missiles" is not a date
        return bool(numbers(text)) or bool(months(text, "en")) or bool(_WEEKDAYS.search(text))
    return True
