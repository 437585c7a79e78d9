"""Offline, language-agnostic sentence splitting (no model downloads)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (optionally followed by closing quotes/brackets) and whitespace,
# unless the period belongs to a common abbreviation or an initial.
# Chinese and Japanese full stops end a sentence without a space after them.
_END = re.compile(r"""(?<=[.!?…।])["'”»)\]]*\s+|(?<=[。！？])[”」』）]*\s*""")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "sept",
    "sep",
    "aug",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "vs",
    "no",
    "gen",
    "col",
    "lt",
    "sr",
    "jr",
    "р",
    "ст",
    "т.д",
    "т.п",
    "ім",
    "вул",
    "etc",
    "approx",
}


_MONTHS = ("januar", "jänner", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember")


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
        if bare.isdigit() and len(bare) <= 2 and text[match.end() :].lower().startswith(_MONTHS):
            continue  # a German ordinal date: "am 4. Dezember"
        if start < match.start():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentences(text: str) -> list[str]:
    return [text[s:e].strip() for s, e in split_sentences(text)]
