"""Month names in the languages we translate, so a translation can be checked for the months
its source names (the local model once turned "10 до 13 вересня" into "October 10 to October 13").

    months("з 10 до 13 вересня", "uk")  # {9}
    month_name(9, "en")                 # "September"
"""

from __future__ import annotations

import re

# Per language: twelve patterns (January first) matched case-insensitively at word starts,
# with the inflected endings of Ukrainian and Russian. English is matched case-sensitively:
# "may" is a verb, "May" a month.
_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": ("Jan(?:uary|\\.)", "Feb(?:ruary|\\.)", "March", "Apr(?:il|\\.)", "May", "June?", "July?", "Aug(?:ust|\\.)", "Sept?(?:ember|\\.)", "Oct(?:ober|\\.)", "Nov(?:ember|\\.)", "Dec(?:ember|\\.)"),
    "uk": (
        "січ(?:ень|ня|ні)",
        "лют(?:ий|ого|ому)",
        "берез(?:ень|ня|ні)",
        "квіт(?:ень|ня|ні)",
        "трав(?:ень|ня|ні)",
        "черв(?:ень|ня|ні)",
        "лип(?:ень|ня|ні)",
        "серп(?:ень|ня|ні)",
        "верес(?:ень|ня|ні)",
        "жовт(?:ень|ня|ні)",
        "листопад(?:а|і)?",
        "груд(?:ень|ня|ні)",
    ),
    "ru": ("январ[ьяе]", "феврал[ьяе]", "март[ае]?", "апрел[ьяе]", "ма[йяе]", "июн[ьяе]", "июл[ьяе]", "август[ае]?", "сентябр[ьяе]", "октябр[ьяе]", "ноябр[ьяе]", "декабр[ьяе]"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "sep?tiembre", "octubre", "noviembre", "diciembre"),
}
_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
    "uk": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
}
_COMPILED = {language: [re.compile(rf"(?<!\w){p}(?!\w)", 0 if language == "en" else re.IGNORECASE) for p in patterns] for language, patterns in _PATTERNS.items()}


def has_months(language: str) -> bool:
    return language in _COMPILED


def months(text: str, language: str) -> set[int]:
    """The months (1-12) that ``text`` names; empty for a language without a table."""
    return {number for number, pattern in enumerate(_COMPILED.get(language, []), start=1) if pattern.search(text)}


def month_name(number: int, language: str) -> str:
    return _NAMES.get(language, _NAMES["en"])[number - 1]
