"""The checks on the model's second look: does the draft answer the question?"""

from __future__ import annotations

import pytest

from rag.relevance import question_coverage, states_what_is_asked
from tests.test_citations import HITS


def test_question_coverage():
    meeting = HITS[0]
    assert question_coverage("Where did Putin and Kim meet at the Vostochny Cosmodrome?", meeting) == 3 / 4  # not "meet"
    assert question_coverage("How much did the construction of the Vostochny Cosmodrome cost?", meeting) == 2 / 4
    assert question_coverage("How many people live in Vladivostok?", meeting) == 0.0
    assert question_coverage("Where did Putin and Kim meet in 2024?", meeting) == 0.0  # a number the passage lacks


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        ("In what year did Kim previously visit Vladivostok?", "2019 [1].", True),
        ("How many drones were destroyed?", "Officials said most drones were destroyed [2].", False),
        ("How many children returned?", "Seven children returned [1].", True),
        ("When does North Korea plan a new satellite launch?", "North Korea launched two missiles hours before the summit [2].", False),
        ("When does North Korea plan a new satellite launch?", "Pyongyang plans another attempt in October [1].", True),
        ("When is the forum held?", "The forum is held from September 10 to 13 [1].", True),
        ("When did they meet?", "They met on Wednesday [1].", True),
        ("Where did they meet?", "At the Vostochny Cosmodrome [1].", True),
    ],
)
def test_states_what_is_asked(question, answer, expected):
    assert states_what_is_asked(question, answer) is expected
