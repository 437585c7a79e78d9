"""Answer quality with the real local model: tests/eval/questions.yaml over seeds/.

One pass over the questions (10-30 s each on two cores) feeds every test here. The report is
written to artifacts/eval/ (git-ignored) for reading after the run: report.md and report.json.
No question of this set is an attack: planted instructions are tests/test_injection.py's.
"""

from __future__ import annotations

import pytest

from rag.evaluation import Report, load_questions
from tests.conftest import REPO, SEEDS

pytestmark = pytest.mark.slow

QUESTIONS = REPO / "tests" / "eval" / "questions.yaml"
ARTIFACTS = REPO / "artifacts" / "eval"
QUESTION_IDS = [q.id for q in load_questions(QUESTIONS)[0]]


@pytest.fixture(scope="module")
def report(real_evaluation) -> Report:
    # The store of the other slow tests: seeds already ingested, the Ukrainian article translated once.
    return real_evaluation(QUESTIONS, SEEDS, ARTIFACTS)


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_question_is_answered_or_refused_with_valid_citations(report, question_id):
    """What must hold for every question, right or wrong: no error, an answer that cites a given
    passage with its evidence, or a refusal with a reason. Whether the answers are right is
    test_scores_meet_thresholds'."""
    result = report.result(question_id)
    assert result is not None, f"{question_id} has no result"
    assert result.error is None, f"{question_id} failed: {result.error}"
    assert result.citation_valid, f"{question_id}: a citation points past the passages given: {result.answer_text}"
    if result.refused:
        assert result.refusal_reason and not result.cited_sources, result
    else:
        assert result.cited_sources and result.answer_text.strip(), result


def test_scores_meet_thresholds(report):
    assert report.passed, f"missed thresholds: {'; '.join(report.failures)} (see {ARTIFACTS / 'report.md'})"
