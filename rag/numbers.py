"""Numbers as values, in the languages we read: what a text states, and which numbers of an
answer its evidence does not hold.

    values("20 тысяч", "ru") >= {20000.0}            # also "20 000", "20,000", "twenty thousand"
    values("a quarter", "en") & values("25 %", "en")  # {0.25, 25.0}
    values("1,7 мільярда", "uk")                     # {1.7e9}
    unsupported("It cost 600,000 dollars", [("Thieves took 200,000 in cash and 400,000 in cheques.", "en")])
    # ["600,000"]: a sum, and the answer does not show it

Digits (group separators, decimal commas, any script's digits), scale words after them, percent
signs and words, and fractions are read here, the same for every language (an English
translation and its original are read alike). Numbers written in words are read by text2num
(en, de, fr, es, pt, it, nl, da) and number-parser (ru, uk, hi); in other languages only digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rag.text import strip_markers

# ----------------------------------------------------------------------------- what a number is

_SPACES = "\u00a0\u202f\u2009 '"  # group separators: spaces (plain, no-break, thin) and the Swiss apostrophe
_HALF = {"полтора": 1.5, "полторы": 1.5, "півтора": 1.5, "півтори": 1.5, "anderthalb": 1.5, "eineinhalb": 1.5}
_TOKEN = re.compile(
    r"(?<![\w.,])(?:(?P<digits>\d+(?:(?:[.,]|[" + _SPACES + r"](?=\d{3}(?!\d)))\d+)*)|(?P<half>" + "|".join(_HALF) + r")\b)",
    re.IGNORECASE,
)
# Scale words after a number, every language's at once ("1,7 мільярда", "3 Mio.", "2,5 mil millones").
# "billion" is 1e12 outside English (Billion, billion, billón); read per language below.
_SCALES: tuple[tuple[str, float], ...] = (
    (r"thousand|tausend|tsd\.?|mille|mila|mil|тыс\.?|тысяч[аиу]?|тис\.?|тисяч[аіу]?|千", 1e3),
    (r"万", 1e4),
    (r"lakh", 1e5),
    (r"millions?|mln\.?|mio\.?|millionen|millón|millones|milhão|milhões|milione|milioni|млн\.?|миллион(?:а|ов)?|мільйон(?:а|ів)?", 1e6),
    (r"crore", 1e7),
    (r"亿", 1e8),
    (r"bn|milliarden?|mrd\.?|milliards?|mds?|miliardo|miliardi|bilhão|bilhões|млрд\.?|миллиард(?:а|ов)?|мільярд(?:а|ів)?", 1e9),
    (r"trillions?|trn|tn|трлн\.?|триллион(?:а|ов)?|трильйон(?:а|ів)?", 1e12),
)
_BILLION = r"billions?|billionen|billón|billones"
# Scale words of some languages only: "mil" is a mile in English and Turkish, "mille" and "mila" are no number in German or English.
_LOCAL_SCALES = {"mil": {"es", "pt", "ca", "gl"}, "mille": {"fr", "it"}, "mila": {"it"}}
_SCALE_WORD = "|".join(p for p, _ in _SCALES) + "|" + _BILLION
_END = r"(?:(?<=[千万亿])|(?!\w))"  # a word ends here (Chinese scale characters need no space after them)
_SCALE = re.compile(r"[\s-]*(" + _SCALE_WORD + r")" + _END + r"(?:\s+(" + _SCALE_WORD + r")" + _END + ")?", re.IGNORECASE)
_PERCENT = re.compile(
    r"\s*(?:%|٪|percent|per\s+cent|pct\b|prozent|pour\s+cent|por\s+ciento|por\s+cento|per\s+cento|процент\w*|відсот\w*|відс\.)",
    re.IGNORECASE,
)
# Fractions and shares in words: the values they may stand for (as a share and as a percentage).
_FRACTIONS: tuple[tuple[re.Pattern[str], tuple[float, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), shares)
    for pattern, shares in (
        (r"\bthree[\s-]quarters\b|\bdrei\s*viertel|\btrois\s+quarts\b|\btres\s+cuartos\b|\bтри\s+четверти\b|\bтри\s+чверті\b", (0.75, 75.0)),
        (r"\b(?:a|one)\s+quarter\b|\bquarter\s+of\b|\bviertel\b|\bun\s+quart\b|\bun\s+cuarto\b|\bcuarta\s+parte\b|\bчетверт\w*|\bчверт\w*", (0.25, 25.0)),
        (r"\bhalf\b|\bhälfte\b|\bmoitié\b|\bmitad\b|\bполовин\w*", (0.5, 50.0)),
        (r"\b(?:a|one)\s+third\b|\bdrittel\b|\bun\s+tiers\b|\btercio\b|\btercera\s+parte\b|\bтрет[ьи]\b|\bтретин\w*", (1 / 3, 100 / 3, 33.0, 33.3, 0.33)),
    )
)
_ROMAN = re.compile(r"(?<![\w])(?=[IVXLC]{2,}\b)(C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\b")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
# "hundreds of", "тысячи людей": a plural scale word is a manner of speaking, not a figure.
_PLURAL_SCALES = re.compile(r"\b(?:dozens|hundreds|thousands|millions|billions|сотни|тысячи|сотні|тисячі|hunderte|tausende|centaines|milliers|cientos|miles)\b", re.IGNORECASE)
_COMPUTATION = re.compile(r"[+−×=]|\s-\s|\b(?:plus|minus|sum|total|totals|totalling|totaling|combined|together|difference|added|adding|subtract\w*|less|more than)\b", re.IGNORECASE)
_TEXT2NUM = {"en", "de", "fr", "es", "pt", "it", "nl", "da"}
_NUMBER_PARSER = {"ru", "uk", "hi"}
_SMALLEST_WORD_CLAIM = 13  # "one", "two", "a half": as often a manner of speaking as a figure


@dataclass(frozen=True)
class Stated:
    """One number as a text states it: the values it may stand for (a grouped "1,234" is 1234 or
    1.234), and the rounding its writing allows ("1.7 million" stands for 1.65-1.75 million)."""

    text: str
    readings: tuple[float, ...]
    step: float = 0.0  # half of it either way still matches; 0: exact
    in_words: bool = False

    def matches(self, value: float) -> bool:
        return any(_close(r, value, self.step) for r in self.readings)


def _close(a: float, b: float, step: float = 0.0) -> bool:
    return abs(a - b) <= max(step / 2, 1e-9 * max(abs(a), abs(b), 1.0))


def _ascii_digits(text: str) -> str:
    """Every script's digits as 0-9, Arabic separators as ',' and '.'; lengths kept."""
    text = text.replace("\u066c", ",").replace("\u066b", ".")
    return re.sub(r"\d", lambda m: str(unicodedata.digit(m.group(), 0)), text)


def _readings(token: str) -> tuple[tuple[float, ...], int]:
    """The values a digit token may stand for, and its decimals (for rounding)."""
    spaced = re.split("[" + _SPACES + "]", token)
    if len(spaced) > 1 and not (1 <= len(spaced[0]) <= 3 and all(len(re.split(r"[.,]", p)[0]) == 3 for p in spaced[1:])):
        return (), 0  # "in 2007 200 people": two numbers
    grouped = "".join(spaced)
    marks = [c for c in grouped if c in ".,"]
    if not marks:
        return (float(grouped),), 0
    parts = re.split(r"[.,]", grouped)
    if len(set(marks)) == 2:  # "1,234.5" or "1.234,5": the last mark is the decimal one
        whole, _, decimals = grouped.replace(marks[-1], "\0").rpartition("\0")
        whole = re.sub(r"[.,]", "", whole)
        return (float(f"{whole}.{decimals}"),), len(decimals)
    if len(marks) > 1:  # "1,234,567", or a date "12.03.2022" (not a number: read as its parts by the caller)
        if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            return (float("".join(parts)),), 0
        return (), 0
    whole, decimals = parts
    if len(decimals) == 3 and whole != "0":  # "20,000" or "1.234": thousands, or three decimals
        return (float(whole + decimals), float(f"{whole}.{decimals}")), 0
    return (float(f"{whole}.{decimals}"),), len(decimals)


def _scale(word: str, language: str) -> float | None:
    """The factor of a scale word in ``language``; None where the language does not use it."""
    if language not in _LOCAL_SCALES.get(word.lower(), {language}):
        return None
    if re.fullmatch(_BILLION, word, re.IGNORECASE):
        return 1e9 if language == "en" else 1e12
    return next(value for pattern, value in _SCALES if re.fullmatch(pattern, word, re.IGNORECASE))


def _digit_numbers(text: str, language: str, in_words: bool = False) -> tuple[list[Stated], str]:
    """The numbers written with digits, and the text with them blanked (for the word readers)."""
    found: list[Stated] = []
    rest = list(text)
    for match in _TOKEN.finditer(text):
        end = match.end()
        if match.group("half"):
            readings, decimals = (_HALF[match.group("half").lower()],), 1
        else:
            readings, decimals = _readings(match.group("digits"))
            if not readings:  # a date, a version, two numbers side by side: its parts
                for part in re.findall(r"\d+", match.group("digits")):
                    found.append(Stated(part, (float(part),), in_words=in_words))
                rest[match.start() : end] = " " * (end - match.start())
                continue
        step = 0.0
        scale = _SCALE.match(text, end)
        first = _scale(scale.group(1), language) if scale else None
        if scale and first is not None:
            second = _scale(scale.group(2), language) if scale.group(2) else None
            factor = first * (second or 1.0)
            readings = tuple(r * factor for r in readings)
            step = factor / 10**decimals if decimals else 0.0
            end = scale.end() if second else scale.end(1)
        elif decimals:
            step = 1 / 10**decimals
        percent = _PERCENT.match(text, end)
        if percent:
            readings = readings + tuple(r / 100 for r in readings)
            end = percent.end()
        found.append(Stated(text[match.start() : end].strip(), readings, step, in_words))
        rest[match.start() : end] = " " * (end - match.start())
    return found, "".join(rest)


def _words_as_digits(text: str, language: str) -> str:
    """Numbers written in words rewritten as digits, by the library that reads the language."""
    try:
        if language in _TEXT2NUM:
            from text_to_num import alpha2digit

            return alpha2digit(text, language)
        if language in _NUMBER_PARSER:
            from number_parser import parse

            return parse(text.replace("'", "ʼ").replace("’", "ʼ") if language == "uk" else text, language=language)
    except (ValueError, KeyError, IndexError):  # a reader that trips on odd text reads nothing there
        return ""
    return ""


def stated(text: str, language: str = "en", *, claims: bool = False) -> list[Stated]:
    """The numbers ``text`` states. With ``claims``, only what an answer asserts as a figure:
    no citation markers, no plural scale words ("hundreds of"), no small numbers or fractions
    written in words."""
    text = _ascii_digits(strip_markers(text) if claims else text)
    found, rest = _digit_numbers(text, language)
    if claims:
        rest = _PLURAL_SCALES.sub(" ", rest)
    words, _ = _digit_numbers(_words_as_digits(rest, language), language, in_words=True)
    found += words
    if claims:
        return [s for s in found if not s.in_words or max(s.readings) >= _SMALLEST_WORD_CLAIM]
    for pattern, shares in _FRACTIONS:
        found += [Stated(m.group(), shares, in_words=True) for m in pattern.finditer(rest)]
    for match in _ROMAN.finditer(rest):
        found.append(Stated(match.group(), (float(_roman(match.group())),), in_words=True))
    return found


def _roman(numeral: str) -> int:
    total = 0
    for i, ch in enumerate(numeral):
        value = _ROMAN_VALUES[ch]
        total += -value if i + 1 < len(numeral) and _ROMAN_VALUES[numeral[i + 1]] > value else value
    return total


def values(text: str, language: str = "en") -> set[float]:
    """Every value ``text`` may state."""
    return {r for s in stated(text, language) for r in s.readings}


def unsupported(answer: str, evidence: Iterable[tuple[str, str]]) -> list[str]:
    """The numbers of an English ``answer`` that no (text, language) of ``evidence`` states as a
    value. A number computed from the evidence counts only where the answer shows the sum or
    difference: its operands, themselves in the evidence, and a word or sign of the operation."""
    held = sorted({v for text, language in evidence for v in values(text, language)})
    claims = stated(answer, "en", claims=True)
    backed = [c for c in claims if any(c.matches(v) for v in held)]
    missing = [c for c in claims if c not in backed]
    if missing and _COMPUTATION.search(answer):
        operands = [r for c in backed for r in c.readings]
        missing = [c for c in missing if not any(c.matches(a + b) or c.matches(abs(a - b)) for i, a in enumerate(operands) for b in operands[i + 1 :])]
    return [c.text for c in missing]
