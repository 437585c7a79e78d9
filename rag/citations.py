"""Citations checked in code, not trusted.

A citation to a passage that was not given is removed. A sentence is kept only when a cited
passage supports it: every number it states appears in the passage, and its names (or, in
English, its content words) are found there. A sentence without a supported citation gets the
passage that supports it, if one does, and is dropped otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from rag.sentences import sentences
from rag.types import ScoredChunk

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOP = set(
    "the a an and or of in on at to for from with by as is are was were be been has have had that this these those "
    "it its their his her they he she which who whom what when where why how not but also about into than then there "
    "will would could should may might can did does do said says according after before during over under between".split()
)
_CYRILLIC = dict(zip("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъё", ["a", "b", "v", "g", "g", "d", "e", "ye", "zh", "z", "i", "i", "yi", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "yu", "ya", "y", "e", "", "yo"]))

NAME_MATCH = 0.75  # fuzzy ratio under which two name tokens differ
ENGLISH_OVERLAP = 0.5  # share of an English sentence's content words found in its passage
MOVE_MARGIN = 0.25  # a supported citation moves to a passage holding this much more of the sentence's words
STEM = 5  # leading letters two words share to count as one: "registry"/"register", "Latvia"/"Latvian"


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    cited: list[int]  # passage numbers cited, in order of first use
    dropped: list[str]  # sentences removed as unsupported
    removed_markers: list[int]  # citations to passages that were not given


def marker_numbers(sentence: str) -> list[int]:
    """The passage numbers of a sentence's [n] and [n, m] markers, in order, without repeats."""
    return list(dict.fromkeys(int(n) for group in _MARKERS.findall(sentence) for n in group.split(",")))


def strip_markers(sentence: str) -> str:
    return _MARKERS.sub("", sentence).strip()


def with_markers(sentence: str, cited: list[int]) -> str:
    """``sentence`` (without markers) with ``[n]`` markers before its final punctuation."""
    sentence = sentence.strip()
    body, end = (sentence[:-1], sentence[-1]) if sentence and sentence[-1] in ".!?…" else (sentence, ".")
    return f"{body.rstrip()} {''.join(f'[{n}]' for n in cited)}{end}" if cited else f"{body}{end}"


def _fold(word: str) -> str:
    """Lower case without accents: "Türk" and "Turk" are one name."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def _latin(word: str) -> str:
    return "".join(_CYRILLIC.get(ch, ch) for ch in _fold(word))


def numbers(text: str) -> set[str]:
    """The numbers a text states, with decimal commas read as points ("6,01" == "6.01")."""
    return {n.replace(",", ".").rstrip(".") for n in _NUMBER.findall(text)}


# Capitalised only because they start a sentence; any other capitalised word is taken for a name.
_STARTERS = set(
    "the in on at according after before during he she it they this that there a an as while when with "
    "el la los las en según tras durante él ella ellos este esta der die das laut nach vor während er sie es ein eine "
    "le les selon après avant pendant il elle ils ce cette un une "
    "в на по после до согласно он она они это этот эта у за во "
    "у на за після до згідно він вона вони це цей ця".split()
)


def _names(sentence: str) -> list[str]:
    words = _WORD.findall(sentence)
    return [w for i, w in enumerate(words) if w[:1].isupper() and len(w) > 2 and (i > 0 or w.lower() not in _STARTERS)]


def content_words(sentence: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(sentence) if len(w) > 3 and w.lower() not in _STOP]


class PassageIndex:
    """Words and numbers of one passage (English and original text together)."""

    def __init__(self, hit: ScoredChunk) -> None:
        text = f"{hit.chunk.text}\n{hit.chunk.original_text}\n{hit.chunk.title}"
        self.numbers = numbers(text)
        self.words = {w.lower() for w in _WORD.findall(text)}
        self.stems = {w[:STEM] for w in self.words if len(w) >= STEM}
        self.latin = {_latin(w) for w in self.words}

    def has_word(self, word: str) -> bool:
        """``word`` (lower case) or a form of it: "damage"/"damages", "Latvia"/"Latvian"."""
        return word in self.words or word.rstrip("s") in self.words or f"{word}s" in self.words or (len(word) >= STEM and word[:STEM] in self.stems)

    def has_name(self, name: str) -> bool:
        key = _latin(name)
        if key in self.latin:
            return True
        stem = key[:4]
        return any(w[:1] == key[:1] and SequenceMatcher(None, key, w).ratio() >= NAME_MATCH for w in self.latin if w.startswith(stem[:2]))

    def evidence(self, sentence: str) -> int:
        """How many of the sentence's numbers and names this passage holds."""
        return len(numbers(sentence) & self.numbers) + sum(self.has_name(n) for n in _names(sentence))

    def supports(self, sentence: str, english: bool) -> bool:
        if not numbers(sentence) <= self.numbers:
            return False
        names = _names(sentence)
        # One found name suffices: titles ("Chinese Foreign Minister"), German nouns and
        # translated names ("Consejo de Europa") are capitalised too. Invented people fail.
        if names and not any(self.has_name(n) for n in names):
            return False
        return not english or self.overlap(sentence) >= ENGLISH_OVERLAP

    def overlap(self, sentence: str) -> float:
        """The share of the sentence's content words this passage holds."""
        return self.share(content_words(sentence))

    def share(self, words: list[str]) -> float:
        """The share of ``words`` (lower case) this passage holds; 1.0 for none."""
        return sum(self.has_word(w) for w in words) / len(words) if words else 1.0


def check_citations(raw: str, hits: list[ScoredChunk], answer_language: str) -> CheckedAnswer:
    """Keep only sentences that a given, cited passage supports."""
    passages = {n: PassageIndex(h) for n, h in enumerate(hits, start=1)}
    english = answer_language == "en"
    kept: list[str] = []
    cited: list[int] = []
    dropped: list[str] = []
    removed: list[int] = []
    for sentence in sentences(raw):
        markers = marker_numbers(sentence)
        bare = strip_markers(sentence)
        if not _WORD.search(bare) and not _NUMBER.search(bare):
            continue  # a stray marker or punctuation (a bare "86%" is an answer)
        removed += [n for n in markers if n not in passages]
        valid = [n for n in markers if n in passages and passages[n].supports(bare, english)]
        if not valid:
            # Uncited or wrongly cited: attach the passage with the most evidence, if any supports it.
            scored = [(p.evidence(bare), n) for n, p in passages.items() if p.supports(bare, english)]
            valid = [max(scored)[1]] if scored and max(scored)[0] > 0 else []
        elif english:
            # Supported, but another passage holds far more of it: the model quoted passage 2 and
            # cited passage 3, which shares half the words (same people, another event).
            best = max((p.overlap(bare), n) for n, p in passages.items() if p.supports(bare, english))
            if best[0] - max(passages[n].overlap(bare) for n in valid) >= MOVE_MARGIN:
                valid = [best[1]]
        if not valid:
            dropped.append(bare)
            continue
        kept.append(with_markers(bare, valid))
        cited += [n for n in valid if n not in cited]
    return CheckedAnswer(" ".join(kept), cited, dropped, removed)
