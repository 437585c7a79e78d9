"""Offline language identification with py3langid (BSD-3, model inside the package)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Paragraphs shorter than this inherit the article's language: short strings are guessed poorly.
MIN_CHARS_FOR_PARAGRAPH_ID = 40
# Under this confidence a paragraph inherits the article's language too.
MIN_CONFIDENCE = 0.8

# fmt: off
LANGUAGE_NAMES = {
    "en": "English", "uk": "Ukrainian", "ru": "Russian", "es": "Spanish", "de": "German",
    "fr": "French", "it": "Italian", "pl": "Polish", "pt": "Portuguese", "nl": "Dutch",
    "ko": "Korean", "zh": "Chinese", "ja": "Japanese", "ar": "Arabic", "tr": "Turkish",
    "cs": "Czech", "be": "Belarusian", "bg": "Bulgarian", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "hu": "Hungarian", "ro": "Romanian", "el": "Greek", "he": "Hebrew", "hi": "Hindi",
    "vi": "Vietnamese", "id": "Indonesian", "fa": "Persian", "ka": "Georgian", "sr": "Serbian", "hr": "Croatian",
    "sk": "Slovak", "sl": "Slovenian", "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "kk": "Kazakh",
    "sw": "Swahili", "th": "Thai",
}
# fmt: on


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float


@lru_cache(maxsize=1)
def _identifier():  # loaded on first use, not at import
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def detect(text: str) -> Detection:
    """The most likely ISO 639-1 language of ``text`` among the languages we name, and its probability.

    Restricting to named languages keeps short English questions from being called Nigerian Pidgin.
    """
    for language, confidence in _identifier().rank(text):
        if language in LANGUAGE_NAMES:
            return Detection(language=str(language), confidence=float(confidence))
    language, confidence = _identifier().classify(text)
    return Detection(language=str(language), confidence=float(confidence))


def detect_paragraph(text: str, article_language: str) -> str:
    """Language of one paragraph, falling back to the article's where the guess is weak."""
    if len(text) < MIN_CHARS_FOR_PARAGRAPH_ID:
        return article_language
    found = detect(text)
    return found.language if found.confidence >= MIN_CONFIDENCE else article_language


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
