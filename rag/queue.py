"""The translation queue: articles stored as written, waiting for their English.

An ingest with ``defer_translation`` stores a non-English article as written (searchable by the
multilingual retriever at once) and puts the parsed article here; ``newsrag-translate``, or the
chat when no question is being answered, takes them in order (rag.background). The queue is a
SQLite file beside the store, so it survives a restart or a kill: what was queued is still
queued, and what was translated is not translated again (the translation cache keeps each
finished sentence).

    queue = TranslationQueue(settings.queue_path)
    queue.put(parsed, file="feeds/kyiv.xml")
    item = queue.next()          # the oldest, or one a question asked for first
    queue.done(item)
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.readers.base import ParsedArticle, RawParagraph

MAX_ATTEMPTS = 3  # an article whose translation failed this often is left for a person to look at


@dataclass(frozen=True)
class QueuedArticle:
    """One article waiting for its translation: the parsed article, as the ingest read it."""

    parsed: ParsedArticle
    file: str
    attempts: int = 0
    error: str = ""


@dataclass(frozen=True)
class QueueStatus:
    """What the articles panel and ``newsrag-translate --status`` show."""

    waiting: int = 0  # articles still to translate
    failed: int = 0  # articles whose translation failed MAX_ATTEMPTS times
    current: str = ""  # the article being translated now ("" when none)
    done: int = 0  # sentences of ``current`` translated so far
    total: int = 0
    paused: bool = False  # waiting for an answer to finish


def _payload(parsed: ParsedArticle) -> str:
    return json.dumps(asdict(parsed), ensure_ascii=False)


def _parsed(payload: str) -> ParsedArticle:
    data = json.loads(payload)
    data["paragraphs"] = tuple(RawParagraph(**p) for p in data["paragraphs"])
    return ParsedArticle(**data)


class TranslationQueue:
    """Pending articles in a SQLite file, one row per source (queued again: replaced)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # the chat's threads share one connection

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")  # an ingest and a worker in two processes
            db.execute(
                "CREATE TABLE IF NOT EXISTS pending (source TEXT PRIMARY KEY, file TEXT NOT NULL, content_hash TEXT NOT NULL, payload TEXT NOT NULL,"
                " priority INTEGER NOT NULL DEFAULT 0, queued REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT NOT NULL DEFAULT '')"
            )
            db.commit()
            self._db = db
        return self._db

    def put(self, parsed: ParsedArticle, file: str) -> None:
        """Queues an article (again: its newer text replaces the queued one, attempts reset)."""
        with self._lock:
            db = self._conn()
            row = db.execute("SELECT content_hash FROM pending WHERE source = ?", (parsed.source,)).fetchone()
            if row and row[0] == parsed.content_hash:
                return  # queued already, as it is: keep its place
            db.execute("INSERT OR REPLACE INTO pending (source, file, content_hash, payload, queued) VALUES (?, ?, ?, ?, ?)", (parsed.source, file, parsed.content_hash, _payload(parsed), time.time()))
            db.commit()

    def next(self) -> QueuedArticle | None:
        """The article to translate next: those a question asked for first, then the oldest."""
        with self._lock:
            row = self._conn().execute("SELECT payload, file, attempts, error FROM pending WHERE attempts < ? ORDER BY priority DESC, queued, source LIMIT 1", (MAX_ATTEMPTS,)).fetchone()
        return QueuedArticle(_parsed(row[0]), row[1], row[2], row[3]) if row else None

    def done(self, item: QueuedArticle) -> None:
        """Removes a translated article, unless it was queued again with other text meanwhile."""
        self._delete("DELETE FROM pending WHERE source = ? AND content_hash = ?", (item.parsed.source, item.parsed.content_hash))

    def failed(self, item: QueuedArticle, error: str) -> None:
        with self._lock:
            db = self._conn()
            db.execute("UPDATE pending SET attempts = attempts + 1, error = ? WHERE source = ? AND content_hash = ?", (error[:500], item.parsed.source, item.parsed.content_hash))
            db.commit()

    def first(self, sources: list[str]) -> None:
        """Moves these articles to the head of the queue (a question retrieved them untranslated)."""
        if not sources:
            return
        with self._lock:
            db = self._conn()
            top = db.execute("SELECT COALESCE(MAX(priority), 0) FROM pending").fetchone()[0]
            db.executemany("UPDATE pending SET priority = ? WHERE source = ? AND priority < ?", [(top + 1, s, top + 1) for s in sources])
            db.commit()

    def remove(self, source: str) -> None:
        """Forgets an article (pruned from the store)."""
        self._delete("DELETE FROM pending WHERE source = ?", (source,))

    def retry_failed(self) -> int:
        """Gives every failed article its attempts back; returns how many."""
        with self._lock:
            db = self._conn()
            count = db.execute("UPDATE pending SET attempts = 0, error = '' WHERE attempts >= ?", (MAX_ATTEMPTS,)).rowcount
            db.commit()
        return count

    def status(self) -> QueueStatus:
        with self._lock:
            waiting, failed = self._conn().execute("SELECT COALESCE(SUM(attempts < ?), 0), COALESCE(SUM(attempts >= ?), 0) FROM pending", (MAX_ATTEMPTS, MAX_ATTEMPTS)).fetchone()
        return QueueStatus(int(waiting), int(failed))

    def errors(self) -> list[tuple[str, str]]:
        """(source, last error) of the articles whose translation failed for good."""
        with self._lock:
            return list(self._conn().execute("SELECT source, error FROM pending WHERE attempts >= ? ORDER BY source", (MAX_ATTEMPTS,)).fetchall())

    def _delete(self, sql: str, args: tuple[str, ...]) -> None:
        with self._lock:
            db = self._conn()
            db.execute(sql, args)
            db.commit()
