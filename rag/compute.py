"""One thread for the process's model computations: llama.cpp and the local embedders.

llama.cpp (and torch, and the e5 engine) run their parallel parts with OpenMP. libgomp keeps a
pool of helper threads for every thread that ever started a parallel region, and once it manages
more threads than there are CPUs it stops spinning at its barriers and sleeps instead. The chat
takes each request on one of Gradio's threads and translates in a thread of its own, so pools
piled up: one idle thread that had once run the model made every later answer about 12 % slower
(docs/benchmarks.md, "Background translation"). Every model call is therefore run here.

    thread = compute_thread()
    vector = thread.run(lambda: encoder.query(text))
    for piece in thread.stream(lambda: model.generate(...)):   # produced on the thread, read here
        ...
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class ComputeThread:
    """Runs calls one at a time, in the order given, on one daemon thread started on first use.
    A call made from that thread itself runs at once (no deadlock when one job calls another)."""

    def __init__(self, name: str = "newsrag-compute") -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def _here(self) -> bool:
        return threading.current_thread() is self._thread

    def _submit(self, call: Callable[[], T]) -> Future[T]:
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()
        future: Future[T] = Future()
        self._jobs.put((call, future))
        return future

    def run(self, call: Callable[[], T]) -> T:
        """``call()`` on the thread; its result, or its exception raised here."""
        return call() if self._here() else self._submit(call).result()

    def stream(self, make: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The items of ``make()``, produced on the thread and handed over as each comes.
        Closing this iterator stops the producer after its next item (one token of a reply)."""
        if self._here():
            yield from make()
            return
        items: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        stop = threading.Event()

        def produce() -> None:
            produced = make()
            try:
                for item in produced:
                    items.put((True, item))
                    if stop.is_set():
                        break
            finally:
                close = getattr(produced, "close", None)
                if close is not None:
                    close()

        done = self._submit(produce)
        done.add_done_callback(lambda future: items.put((False, future)))
        try:
            while True:
                more, item = items.get()
                if not more:
                    item.result()  # the producer's exception, if it raised one
                    return
                yield item
        finally:
            stop.set()

    def _loop(self) -> None:
        while True:
            call, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as error:  # noqa: BLE001 - handed to the caller, who raises it
                future.set_exception(error)


_shared: ComputeThread | None = None
_shared_lock = threading.Lock()


def compute_thread() -> ComputeThread:
    """The process's compute thread (one per process: the thread pools are per process)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ComputeThread()
        return _shared
