"""The README stays the user's page: short, and its settings table names every setting."""

from __future__ import annotations

import re

from rag.settings import Settings
from tests.conftest import REPO

README = REPO / "README.md"
MAX_LINES = 250
# A settings-table row: the variable in backticks in the first column, e.g. "| `NEWSRAG_TOP_K` | 4 | ... |".
ROW = re.compile(r"^\|\s*`(NEWSRAG_[A-Z0-9_]+)`\s*\|")


def table_variables(text: str) -> list[str]:
    return [match.group(1) for line in text.splitlines() if (match := ROW.match(line))]


def test_every_setting_has_a_row_in_the_readme_table():
    variables = table_variables(README.read_text(encoding="utf-8"))
    prefix = Settings.model_config["env_prefix"]
    expected = {f"{prefix}{name}".upper() for name in Settings.model_fields}
    missing = sorted(expected - set(variables))
    assert not missing, f"README.md's settings table has no row for {', '.join(missing)}: add one (variable, default, meaning)."
    unknown = sorted(set(variables) - expected)
    assert not unknown, f"README.md's settings table names variables that are no setting: {', '.join(unknown)}."
    assert len(variables) == len(set(variables)), "a variable has two rows in README.md's settings table"


def test_readme_is_short():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines; keep it under {MAX_LINES} and move detail to docs/."
