"""A translation cache keyed by content hash, so re-ingesting never translates again."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.translation.base import Translation, Translator, TranslatorChain, translate_scored

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


class CachedTranslation:
    """Wraps a TranslatorChain; remembers every translated text in a SQLite file.

    cached = CachedTranslation(chain, cache_dir / "translations.sqlite")
    english = cached.translate(["Привіт"], "uk", "en")  # list[str], like every translator
    cached.made_by("uk", "en")  # the name of the translator that makes (and made) them
    """

    def __init__(self, chain: TranslatorChain, path: Path, group: int = 8) -> None:
        self.chain = chain
        self.path = path
        self.group = max(1, group)
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS translations (key TEXT PRIMARY KEY, text TEXT NOT NULL, translator TEXT NOT NULL)")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(translations)")}
            for column in ("mean_logprob", "min_logprob"):  # added in layout 7; older rows read NULL
                if column not in columns:
                    self._db.execute(f"ALTER TABLE translations ADD COLUMN {column} REAL")
            self._db.commit()
        return self._db

    @staticmethod
    def _key(translator: Translator, text: str, src: str, dst: str, kind: str = "text") -> str:
        # The translator's name, revision and model are part of the key: installing an Argos
        # pair, a better method, or another model file or server translates again instead of
        # reusing the old text.
        model = getattr(translator, "identity", "")
        made_by = f"{translator.name}:{translator.revision}" + (f"@{model}" if model else "")
        return hashlib.sha256(f"{made_by}\0{kind}\0{src}\0{dst}\0{text}".encode()).hexdigest()

    def _remember(self, key: str, translated: Translation, translator: str) -> None:
        # Committed at once: an interrupted ingest keeps what it translated.
        db = self._conn()
        db.execute(
            "INSERT OR REPLACE INTO translations (key, text, translator, mean_logprob, min_logprob) VALUES (?, ?, ?, ?, ?)",
            (key, translated.text, translator, translated.mean_logprob, translated.min_logprob),
        )
        db.commit()

    def translate_question(self, question: str, src: str, dst: str) -> str:
        """A question translated with the translator's question method where it has one (the
        local model answers a question it is asked to translate as text), cached apart."""
        if src == dst:
            return question
        translator = self.chain.pick(src, dst)
        key = self._key(translator, question, src, dst, "question")
        found = self._lookup(key)
        if found:
            return found.text
        method = getattr(translator, "translate_question", None)
        translated = method(question, src, dst) if method else translator.translate([question], src, dst)[0]
        self._remember(key, Translation(translated), translator.name)
        return translated

    def supports(self, src: str, dst: str) -> bool:
        return self.chain.supports(src, dst)

    def _lookup(self, key: str) -> Translation | None:
        row = self._conn().execute("SELECT text, mean_logprob, min_logprob FROM translations WHERE key = ?", (key,)).fetchone()
        return Translation(row[0], row[1], row[2]) if row else None

    def made_by(self, src: str, dst: str) -> str:
        """The name of the translator for a pair: the cache key holds it, so every cached
        translation of the pair was made by it too."""
        return "identity" if src == dst else self.chain.pick(src, dst).name

    def translate(self, texts: Sequence[str], src: str, dst: str, on_progress: Progress = _no_progress) -> list[str]:
        return [t.text for t in self.translate_scored(texts, src, dst, on_progress)]

    def translate_scored(self, texts: Sequence[str], src: str, dst: str, on_progress: Progress = _no_progress) -> list[Translation]:
        """The texts translated, with what the translator knew of each (``Translation``). Texts
        not cached go to the translator ``group`` at a time (side by side where it can), and each
        group is remembered at once: a killed run resumes after its last finished group.
        ``on_progress(done, total)`` follows the texts translated."""
        if src == dst:
            return [Translation(t) for t in texts]
        translator = self.chain.pick(src, dst)
        keys = [self._key(translator, t, src, dst) for t in texts]
        results = [self._lookup(k) for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        for start in range(0, len(missing), self.group):
            part = missing[start : start + self.group]
            for i, translated in zip(part, translate_scored(translator, [texts[i] for i in part], src, dst)):
                results[i] = translated
                self._remember(keys[i], translated, translator.name)
            on_progress(start + len(part), len(missing))
        return [r for r in results if r is not None]
