"""Question filters from what a user types: dates checked, outlets and languages tidied.

make_filters("2023-09-01", "2023-09-30", ["Kyiv Independent"], ["uk"])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from rag.errors import QuestionError
from rag.types import Filters

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def make_filters(since: str | date | None = None, until: str | date | None = None, outlets: Sequence[str] | str = (), languages: Sequence[str] | str = ()) -> Filters:
    """Filters from user input; a QuestionError that says the right form for a bad date."""
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and start > end:
        raise QuestionError(f"The period starts ({start}) after it ends ({end}); swap the two dates.")
    return Filters(start, end, _names(outlets), tuple(n.lower() for n in _names(languages)))


def _day(value: str | date | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value).strip()
    if len(text) == 4 and text.isdigit():  # a year
        text = f"{text}-01-01" if name == "since" else f"{text}-12-31"
    if not _ISO_DAY.match(text):
        raise QuestionError(f"'{value}' is not a date for {name}; write it as YYYY-MM-DD, e.g. 2023-09-13.")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise QuestionError(f"'{value}' is not a real date for {name}; write it as YYYY-MM-DD, e.g. 2023-09-13.") from None
    return text


def _names(values: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = values.split(",")
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
