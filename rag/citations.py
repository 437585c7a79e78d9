"""Citation markers: [n] after an answer, read back for translation and display.

with_markers("They met in Riga", [1, 3])   # "They met in Riga [1][3]."
marker_numbers("... [1][3].")               # [1, 3]
"""

from __future__ import annotations

import re

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def marker_numbers(sentence: str) -> list[int]:
    """The passage numbers of a text's [n] and [n, m] markers, in order, without repeats."""
    return list(dict.fromkeys(int(n) for group in _MARKERS.findall(sentence) for n in group.split(",")))


def strip_markers(sentence: str) -> str:
    return _MARKERS.sub("", sentence).strip()


def with_markers(sentence: str, cited: list[int]) -> str:
    """``sentence`` (without markers) with ``[n]`` markers before its final punctuation."""
    sentence = sentence.strip()
    body, end = (sentence[:-1], sentence[-1]) if sentence and sentence[-1] in ".!?…" else (sentence, ".")
    return f"{body.rstrip()} {''.join(f'[{n}]' for n in cited)}{end}" if cited else f"{body}{end}"


def numbers(text: str) -> set[str]:
    """The numbers a text states, with decimal commas read as points ("6,01" == "6.01")."""
    return {n.replace(",", ".").rstrip(".") for n in _NUMBER.findall(text)}
