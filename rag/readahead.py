"""Files read and parsed by a few threads while the ingest embeds and writes earlier ones.

    for blob, items in read_ahead(walk(folder), read, workers=2):
        ...  # items: what read(blob) returned, in the order of walk(folder)

Parsing a page (HTML extraction, PDF text, language identification) is Python and C that runs
while the embedders hold the CPU in their own C code, so it costs the ingest little wall time.
At most ``2 * workers`` files are read ahead: memory does not grow with the folder.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def read_ahead(items: Iterable[T], read: Callable[[T], R], workers: int) -> Iterator[tuple[T, R]]:
    """``(item, read(item))`` for each item, in order; ``read`` runs on ``workers`` threads
    (0: in the caller's thread, one item at a time). An exception of ``read`` is raised here,
    at its item. Closing the iterator early cancels what was not started."""
    if workers <= 0:
        for item in items:
            yield item, read(item)
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsrag-read") as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(read, item)))
                if len(pending) >= 2 * workers:
                    first, future = pending.popleft()
                    yield first, future.result()
            while pending:
                first, future = pending.popleft()
                yield first, future.result()
        finally:
            for _, future in pending:
                future.cancel()
