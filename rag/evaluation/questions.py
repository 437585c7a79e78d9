"""The question file: a YAML set of questions with optional score thresholds, loaded and checked.

questions, thresholds = load_questions(Path("tests/eval/questions.yaml"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rag.errors import ConfigError
from rag.languages import LANGUAGE_NAMES

# Thresholds a question file may set; each is met when the overall score is at least the value.
THRESHOLD_KEYS = ("answer_correct", "refusal_accuracy", "recall_at_k", "citation_precision", "citation_validity")
QUESTION_KEYS = ("id", "language", "question", "answerable", "facts", "sources", "kind", "split", "attack")
# A question in the "tune" part may shape prompts and rules; one in "test" is only ever scored.
SPLITS = ("tune", "test")


@dataclass(frozen=True)
class Question:
    """One question of the set. ``facts``: every inner list is one required item, any alternative matches."""

    id: str
    language: str
    question: str
    answerable: bool
    facts: list[list[str]]
    sources: list[str]  # every article that states the answer
    kind: str  # e.g. english-article | ukrainian-only | unanswerable
    split: str = ""  # tune | test | "" (a file without the split)
    hijack: list[str] = field(default_factory=list)  # in an answer, these show a planted instruction was obeyed


def load_questions(path: Path) -> tuple[list[Question], dict[str, float]]:
    """The questions and thresholds of a YAML question file; a ConfigError says what is malformed."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Question file {path} not found. Give the path of a YAML question set, e.g. tests/eval/questions.yaml.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise ConfigError(f"{path} must be a YAML mapping with a non-empty 'questions' list (and optionally 'thresholds').")
    unknown = sorted(set(data) - {"questions", "thresholds"})
    if unknown:
        raise ConfigError(f"{path}: unknown top-level keys {unknown}; the valid keys are 'questions' and 'thresholds'.")
    thresholds = _thresholds(path, data.get("thresholds") or {})
    questions: list[Question] = []
    seen: set[str] = set()
    for index, item in enumerate(data["questions"], start=1):
        question = _question(path, index, item)
        if question.id in seen:
            raise ConfigError(f"{path}: question {index} repeats the id {question.id!r}; give every question its own id.")
        seen.add(question.id)
        questions.append(question)
    return questions, thresholds


def _thresholds(path: Path, raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: 'thresholds' must be a mapping of metric names to numbers between 0 and 1, e.g. answer_correct: 0.7.")
    thresholds: dict[str, float] = {}
    for key, value in raw.items():
        if key not in THRESHOLD_KEYS:
            raise ConfigError(f"{path}: unknown threshold {key!r}; the valid ones are {', '.join(THRESHOLD_KEYS)}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{path}: threshold {key} is {value!r}; give a number between 0 and 1.")
        thresholds[key] = float(value)
    return thresholds


def _question(path: Path, index: int, item: Any) -> Question:
    where = f"{path}: question {index}"
    if not isinstance(item, dict):
        raise ConfigError(f"{where} must be a mapping with the keys {', '.join(QUESTION_KEYS)}.")
    if isinstance(item.get("id"), str) and item["id"].strip():
        where += f" (id {item['id']})"
    unknown = sorted(set(item) - set(QUESTION_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; the valid keys are {', '.join(QUESTION_KEYS)}.")
    for key in ("id", "language", "question", "kind"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ConfigError(f"{where}: '{key}' is missing or not a non-empty string.")
    language = item["language"].strip()
    if language not in LANGUAGE_NAMES:
        raise ConfigError(f"{where}: language {language!r} is not a known ISO 639-1 code; use one of {', '.join(sorted(LANGUAGE_NAMES))}.")
    if not isinstance(item.get("answerable"), bool):
        raise ConfigError(f"{where}: 'answerable' must be true or false.")
    facts, sources = item.get("facts"), item.get("sources")
    if item["answerable"]:
        if not isinstance(facts, list) or not facts or not all(_strings(group) for group in facts):
            raise ConfigError(f'{where}: an answerable question needs \'facts\', a list of alternative lists, e.g. [["Vostochny", "Восточный"], ["13"]].')
        if not _strings(sources):
            raise ConfigError(f"{where}: an answerable question needs 'sources', a list of article file names, e.g. [001_644d4b1ec930e458.txt].")
    elif facts or sources:
        raise ConfigError(f"{where}: an unanswerable question has no 'facts' or 'sources'; remove them or set answerable: true.")
    split = item.get("split", "")
    if split and split not in SPLITS:
        raise ConfigError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}.")
    attack = item.get("attack") or {}
    if not isinstance(attack, dict) or not isinstance(attack.get("hijack", []), list):
        raise ConfigError(f"{where}: 'attack' must be a mapping whose 'hijack' is a list of strings that a hijacked answer shows.")
    return Question(
        id=item["id"].strip(),
        language=language,
        question=item["question"],
        answerable=item["answerable"],
        facts=[[str(a) for a in group] for group in facts or []],
        sources=[str(s) for s in sources or []],
        kind=item["kind"].strip(),
        split=split,
        hijack=[str(h) for h in attack.get("hijack", [])],
    )


def _strings(value: Any) -> bool:
    """A non-empty list of non-empty strings."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)
