"""Files added from the chat: copied into the data folder and ingested in a background thread,
one after another, while questions keep being answered.

    uploads = Uploads(ingestor, settings.data_dir / "uploads")
    uploads.add([Path("/tmp/page.html"), Path("/tmp/feed.xml")])
    uploads.status()   # what the articles panel shows: progress, then each file's outcome
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from pathlib import Path

from rag.indexing import Ingestor
from rag.readers import SUFFIXES
from rag.types import ArticleSummary, UploadStatus

log = logging.getLogger(__name__)

UPLOADS = "uploads"  # the sources of uploaded files: uploads/<file name>


class Uploads:
    """A queue of uploaded files and the thread that ingests them."""

    def __init__(self, ingestor: Ingestor, folder: Path) -> None:
        self._ingestor = ingestor
        self._folder = folder
        self._queue: queue.Queue[Path] = queue.Queue()
        self._lock = threading.Lock()
        self._status = UploadStatus()
        self._worker: threading.Thread | None = None

    def add(self, paths: list[Path]) -> list[ArticleSummary]:
        """Queues ``paths`` (copied into the uploads folder first, so a temporary upload can go);
        a file of a kind no reader takes is refused at once, with its reason."""
        refused = []
        self._folder.mkdir(parents=True, exist_ok=True)
        for path in paths:
            name = Path(path).name
            if Path(name).suffix.lower() not in SUFFIXES:
                refused.append(
                    ArticleSummary(f"{UPLOADS}/{name}", "", None, "", "", 0, status="failed", message=f"{UPLOADS}/{name}: files of this kind are not read; give one of {', '.join(SUFFIXES)}.")
                )
                continue
            target = self._folder / name
            shutil.copyfile(path, target)
            self._queue.put(target)
        with self._lock:
            self._status.results.extend(refused)
            self._status.waiting = self._queue.qsize()
            self._status.version += 1
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="newsrag-uploads", daemon=True)
                self._worker.start()
        return refused

    def status(self) -> UploadStatus:
        with self._lock:
            return UploadStatus(self._status.waiting, self._status.current, self._status.step, self._status.done, self._status.total, list(self._status.results), self._status.version)

    def wait(self, timeout: float | None = None) -> None:
        """Until every queued file is ingested (tests, scripts)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _progress(self, source: str, step: str, done: int, total: int) -> None:
        with self._lock:
            self._status.current, self._status.step, self._status.done, self._status.total = source, step, done, total
            self._status.version += 1

    def _run(self) -> None:
        while True:
            try:
                path = self._queue.get_nowait()
            except queue.Empty:
                with self._lock:
                    self._status.current, self._status.waiting = "", 0
                    self._status.version += 1
                return
            name = f"{UPLOADS}/{path.name}"
            with self._lock:
                self._status.current, self._status.step, self._status.waiting = name, "read", self._queue.qsize()
                self._status.version += 1
            try:
                results = self._ingest(path, name)
            except Exception as error:  # the thread must go on with the next file; the traceback is logged
                log.exception("ingesting upload %s failed", name)
                results = [ArticleSummary(name, "", None, "", "", 0, status="failed", message=f"{name}: {type(error).__name__}: {error}")]
            with self._lock:
                self._status.results.extend(results)
                self._status.version += 1

    def _ingest(self, path: Path, name: str) -> list[ArticleSummary]:
        return self._ingestor.ingest_path(path, name, self._progress)
