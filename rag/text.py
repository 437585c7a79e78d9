"""Text utilities in one place: citation markers, numbers, month names, sentence splitting and
word normalisation. Pure functions, no models, no downloads.

    with_markers("They met in Riga", [1, 3])   # "They met in Riga [1][3]."
    marker_numbers("... [1][3].")               # [1, 3]
    numbers("6,01 and 12")                      # {"6.01", "12"}
    months("з 10 до 13 вересня", "uk")          # {9}
    sentences("One. Two!")                      # ["One.", "Two!"]
    normalise("The “Big” Plan—2,5")             # 'the "big" plan-2.5'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# ----------------------------------------------------------------------------- citation markers

# [1] or [1, 2]: what the answer's citations are written as, read back for translation, display and scoring.
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_SPACED_MARKER = re.compile(r"\s*" + _MARKER.pattern)


def marker_numbers(text: str) -> list[int]:
    """The passage numbers of a text's [n] and [n, m] markers, in order, without repeats."""
    return list(dict.fromkeys(int(n) for group in _MARKER.findall(text) for n in group.split(",")))


def markers(text: str) -> Iterator[tuple[int, int, list[int]]]:
    """Each marker's (start, end, passage numbers), in order: for turning markers into links."""
    for match in _MARKER.finditer(text):
        yield match.start(), match.end(), [int(n) for n in match.group(1).split(",")]


def strip_markers(text: str) -> str:
    return _SPACED_MARKER.sub("", text).strip()


def without_markers(text: str) -> str:
    """``text`` with each marker replaced by a space: "[2]" must not count as the number 2."""
    return _MARKER.sub(" ", text)


def with_markers(sentence: str, cited: list[int]) -> str:
    """``sentence`` (without markers) with ``[n]`` markers before its final punctuation."""
    sentence = sentence.strip()
    body, end = (sentence[:-1], sentence[-1]) if sentence and sentence[-1] in ".!?…" else (sentence, ".")
    return f"{body.rstrip()} {''.join(f'[{n}]' for n in cited)}{end}" if cited else f"{body}{end}"


# ----------------------------------------------------------------------------- answer layout
# An answer's text is one paragraph with its markers, "translation («English»)" where it was
# translated; for a question answered in English, the evidence as stated in the question's
# language may follow after a blank line. Written by rag.answering, read back by rag.evaluation.scoring.

_QUOTES_BREAK = "\n\n"
_BESIDE_ENGLISH = re.compile(r"^(?P<local>.*?)\s*\(«(?P<english>[^»]*)»\)\s*$")


def beside_english(local: str, english: str) -> str:
    return f"{local} («{english}»)"


def with_quotes(answer: str, quotes: list[str]) -> str:
    """``answer`` with the evidence ``quotes`` after it, one a line."""
    return answer + _QUOTES_BREAK + "\n".join(quotes) if quotes else answer


def answer_proper(text: str) -> str:
    """What an answer states: its first paragraph, not the evidence quoted after it."""
    return text.split(_QUOTES_BREAK)[0]


def answer_forms(text: str) -> list[str]:
    """The answer proper without markers or final stop; a translated answer as its two forms."""
    first = strip_markers(answer_proper(text)).rstrip(".")
    both = _BESIDE_ENGLISH.match(first)
    return [both.group("local"), both.group("english")] if both else [first]


# ----------------------------------------------------------------------------- numbers

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> set[str]:
    """The numbers a text states, with decimal commas read as points ("6,01" == "6.01")."""
    return {n.replace(",", ".").rstrip(".") for n in _NUMBER.findall(text)}


# ----------------------------------------------------------------------------- months
# So a translation can be checked for the months its source names (the local model once turned
# "10 до 13 вересня" into "October 10 to October 13"), and a byline's date read.

# Per language: twelve patterns (January first) matched case-insensitively at word starts,
# with the inflected endings of Ukrainian and Russian. English is matched case-sensitively:
# "may" is a verb, "May" a month.
# fmt: off
_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": ("Jan(?:uary|\\.)", "Feb(?:ruary|\\.)", "March", "Apr(?:il|\\.)", "May", "June?", "July?",
           "Aug(?:ust|\\.)", "Sept?(?:ember|\\.)", "Oct(?:ober|\\.)", "Nov(?:ember|\\.)", "Dec(?:ember|\\.)"),
    "uk": ("січ(?:ень|ня|ні)", "лют(?:ий|ого|ому)", "берез(?:ень|ня|ні)", "квіт(?:ень|ня|ні)", "трав(?:ень|ня|ні)",
           "черв(?:ень|ня|ні)", "лип(?:ень|ня|ні)", "серп(?:ень|ня|ні)", "верес(?:ень|ня|ні)", "жовт(?:ень|ня|ні)",
           "листопад(?:а|і)?", "груд(?:ень|ня|ні)"),
    "ru": ("январ[ьяе]", "феврал[ьяе]", "март[ае]?", "апрел[ьяе]", "ма[йяе]", "июн[ьяе]", "июл[ьяе]",
           "август[ае]?", "сентябр[ьяе]", "октябр[ьяе]", "ноябр[ьяе]", "декабр[ьяе]"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "sep?tiembre", "octubre", "noviembre", "diciembre"),
}
# fmt: on
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
    return month_names(language)[number - 1]


def month_number(name: str, language: str = "en") -> int | None:
    """1-12 for a month's full name in ``language`` ("September" -> 9), None for anything else."""
    names = [n.casefold() for n in _NAMES.get(language, ())]
    return names.index(name.casefold()) + 1 if name.casefold() in names else None


def month_names(language: str = "en") -> tuple[str, ...]:
    return _NAMES.get(language, _NAMES["en"])


# ----------------------------------------------------------------------------- sentences

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) and whitespace,
# unless the period belongs to a common abbreviation or an initial.
# Chinese and Japanese full stops end a sentence without a space after them.
_END = re.compile(r"""(?<=[.!?…।])["'”»)\]]*\s+|(?<=[。！？])[”」』）]*\s*""")
# fmt: off
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "sept", "sep", "aug", "jan", "feb", "mar", "apr", "jun", "jul",
    "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e", "vs", "no", "gen", "col", "lt", "sr", "jr",
    "р", "ст", "т.д", "т.п", "ім", "вул", "etc", "approx",
}
# fmt: on

_GERMAN_MONTHS = tuple(n.casefold() for n in _NAMES["de"]) + ("jänner",)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in ``text``, covering every non-space character."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        if match.end() >= len(text):
            break
        candidate = text[start : match.start()].rstrip()
        last_word = candidate.rsplit(maxsplit=1)[-1] if candidate.split() else ""
        bare = last_word.rstrip(".").lower()
        if bare in _ABBREVIATIONS or (len(bare) == 1 and bare.isalpha()):
            continue  # "Sept. 11", "U.S. officials", "J. Smith"
        if bare.isdigit() and len(bare) <= 2 and text[match.end() :].lower().startswith(_GERMAN_MONTHS):
            continue  # a German ordinal date: "am 4. Dezember"
        if start < match.start():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentences(text: str) -> list[str]:
    return [text[s:e].strip() for s, e in split_sentences(text)]


# ----------------------------------------------------------------------------- words

_UNIFY = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
    }
)
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")


def normalise(text: str) -> str:
    """Casefolded text with one kind of apostrophe, quote and dash, decimal points and single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_UNIFY).casefold()
    return " ".join(_DECIMAL_COMMA.sub(".", text).split())
