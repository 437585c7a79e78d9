"""Answer-quality evaluation: a YAML question set scored over a folder of articles.

Retrieval is scored apart from the answer text: recall@k and MRR say whether a passage of an
expected article reached the model; correctness says whether the answer states the facts
(or refuses, when the articles do not hold the answer); citations are checked for pointing
at given passages and at the expected articles.

- ``questions``: the question file, loaded and checked;
- ``scoring``: one answer scored against its question (facts, token F1, retrieval, citations);
- ``report``: the scores aggregated, checked against thresholds, written as Markdown and JSON;
- ``running``: ingest, answer, score, write the report.

    report = run_evaluation(Settings.load(), Path("tests/eval/questions.yaml"), Path("seeds"), Path("artifacts/eval"))
    print(report.markdown()); raise SystemExit(0 if report.passed else 1)
"""

from rag.evaluation.questions import SPLITS, THRESHOLD_KEYS, Question, load_questions
from rag.evaluation.report import Report, Scores
from rag.evaluation.running import evaluate_question, run_evaluation
from rag.evaluation.scoring import QuestionResult, answer_f1, citations_valid, error_result, missing_facts, score, token_f1

__all__ = [
    "SPLITS",
    "THRESHOLD_KEYS",
    "Question",
    "QuestionResult",
    "Report",
    "Scores",
    "answer_f1",
    "citations_valid",
    "error_result",
    "evaluate_question",
    "load_questions",
    "missing_facts",
    "run_evaluation",
    "score",
    "token_f1",
]
