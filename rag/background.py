"""Background translation that yields to answers.

Questions come first. An answer holds a shared lock on a file in the data folder while it runs
(``AnswerGate.answering``); the translation worker's model checks that lock every 32 tokens of
its prompt and before each token it generates, and while it is held stops the sentence it was
translating (``Preempted``) and waits.
The lock is an ``flock``, so this works the same for a worker thread in the chat's process and
for ``newsrag-translate`` in another one, and a crashed process leaves no stale lock behind.

    gate = AnswerGate(settings.data_dir / "answering.lock")
    worker = TranslationWorker(ingestor_on_yielding_model, queue, gate)
    worker.drain()                 # newsrag-translate: until the queue is empty
    worker.start()                 # the chat: a daemon thread, translating when idle
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from rag.errors import NewsRagError
from rag.indexing import Ingestor
from rag.llm.base import ChatModel, Message, Schema, stream_scored
from rag.queue import QueuedArticle, QueueStatus, TranslationQueue
from rag.types import ArticleSummary

T = TypeVar("T")

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often a paused worker looks whether the answers are over


class Preempted(Exception):  # noqa: N818 - not an error: the worker stops for an answer
    """Raised inside the worker's model when a question is being answered: the sentence being
    translated is dropped (the ones before it are cached) and the article taken up again later.
    Not a NewsRagError, so no ingest step mistakes it for a failed article."""


class AnswerGate:
    """Whether a question is being answered, in this process or another on the same data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._probe: int | None = None
        self._probe_lock = threading.Lock()

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Held while one answer runs; several answers hold it together."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def busy(self) -> bool:
        """Whether any answer holds the gate now (two system calls: cheap enough per token)."""
        with self._probe_lock:
            if self._probe is None:
                self._probe = self._open()
            try:
                fcntl.flock(self._probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(self._probe, fcntl.LOCK_UN)
            return False

    def wait_idle(self, stop: threading.Event | None = None) -> None:
        while self.busy() and not (stop is not None and stop.is_set()):
            time.sleep(POLL_S)


@dataclass
class YieldingChat:
    """The worker's view of the chat model: waits while an answer runs, and stops mid-reply
    (``Preempted``) when one starts. It has no ``complete_many``: the translator then asks one
    sentence at a time, so at most one sentence is lost to an answer."""

    model: ChatModel
    gate: AnswerGate
    halt: threading.Event = field(default_factory=threading.Event)  # set: stop now too (the worker is being stopped)
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.model.name

    def _interrupted(self) -> bool:
        return self.gate.busy() or self.halt.is_set()

    def stream(self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] = (), schema: Schema | None = None) -> Iterator[str]:
        return self._yielding(messages, lambda: self.model.stream(messages, max_tokens=max_tokens, stop=stop, schema=schema))

    def stream_scored(self, messages: Sequence[Message], max_tokens: int) -> Iterator[tuple[str, float]]:
        """rag.llm.base.stream_scored of the model, as ``stream`` yields."""
        return self._yielding(messages, lambda: stream_scored(self.model, messages, max_tokens))

    def _yielding(self, messages: Sequence[Message], start: Callable[[], Iterator[T]]) -> Iterator[T]:
        self.gate.wait_idle(self.halt)
        prefill = getattr(self.model, "prefill", None)  # LlamaCppChat: its prompt read in steps, stoppable too
        if self.halt.is_set() or (prefill is not None and not prefill(messages, self._interrupted)):
            raise Preempted()
        inner = start()
        try:
            for piece in inner:
                if self._interrupted():
                    raise Preempted()
                yield piece
        finally:
            close = getattr(inner, "close", None)
            if close is not None:
                close()  # the model's lock is released before the answer waits on it


@dataclass
class TranslationWorker:
    """Takes queued articles one at a time and stores their translation (``Ingestor.translate_queued``)."""

    ingestor: Ingestor  # its translation runs on a YieldingChat
    queue: TranslationQueue
    gate: AnswerGate
    idle_s: float = 5.0  # how long an empty queue is left before it is looked at again
    on_summary: Callable[[ArticleSummary], None] = lambda summary: None
    on_step: Callable[[str, str, int, int], None] = lambda source, step, done, total: None  # rag.indexing.StepCallback
    halt: threading.Event = field(default_factory=threading.Event)  # set by ``stop``; shared with its YieldingChat
    _status: QueueStatus = field(default_factory=QueueStatus)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def status(self) -> QueueStatus:
        """The queue's counts with the article in progress and whether it waits for an answer."""
        counts = self.queue.status()
        with self._lock:
            current = self._status
        return replace(counts, current=current.current, done=current.done, total=current.total, paused=bool(current.current) and self.gate.busy())

    def _progress(self, source: str, step: str, done: int, total: int) -> None:
        self.on_step(source, step, done, total)
        if step == "embed" and not done:
            self.gate.wait_idle(self.halt)  # the embedders yield to an answer too
        if step == "translate":
            with self._lock:
                self._status = QueueStatus(current=source, done=done, total=total)

    def run_once(self) -> ArticleSummary | None:
        """Translates the next queued article; None when the queue is empty or an answer
        interrupted it (it stays queued, and its finished sentences are cached)."""
        item = self.queue.next()
        if item is None:
            return None
        with self._lock:
            self._status = QueueStatus(current=item.parsed.source)
        self.gate.wait_idle(self.halt)
        try:
            summary = self.ingestor.translate_queued(item, self._progress)
        except Preempted:
            return None
        except (NewsRagError, OSError, ValueError) as error:  # the next article must still be translated
            log.exception("translating %s failed", item.parsed.source)
            self.queue.failed(item, f"{type(error).__name__}: {error}")
            return None
        finally:
            with self._lock:
                self._status = QueueStatus()
        self._finish(item, summary)
        return summary

    def _finish(self, item: QueuedArticle, summary: ArticleSummary) -> None:
        if summary.status == "failed":
            self.queue.failed(item, summary.message)
        else:
            self.queue.done(item)
        self.on_summary(summary)

    def drain(self, limit: int | None = None) -> list[ArticleSummary]:
        """Translates until the queue is empty (or ``limit`` articles are done); for ``newsrag-translate``."""
        out: list[ArticleSummary] = []
        self.halt.clear()
        while limit is None or len(out) < limit:
            if self.queue.next() is None or self.halt.is_set():
                break
            summary = self.run_once()
            if summary is not None:
                out.append(summary)
        return out

    def start(self) -> threading.Thread:
        """Translates in a daemon thread until ``stop``, looking at the queue again every ``idle_s``."""
        if self._thread is None or not self._thread.is_alive():
            self.halt.clear()
            self._thread = threading.Thread(target=self._loop, name="newsrag-translate", daemon=True)
            self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = None) -> None:
        self.halt.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.halt.is_set():
            try:
                if self.queue.next() is None:
                    self.halt.wait(self.idle_s)
                    continue
                self.run_once()
            except Exception:  # the chat must keep serving; the traceback goes to the log
                log.exception("background translation failed")
                self.halt.wait(self.idle_s)
