"""The compute thread: every model call from any thread runs on one OS thread, in order."""

from __future__ import annotations

import threading
import time

import pytest

from rag.compute import ComputeThread
from rag.embedding import E5Embedding


def test_calls_from_many_threads_run_on_one_thread_one_at_a_time():
    compute = ComputeThread(name="test-compute")
    seen: list[int] = []
    running = 0
    most = 0
    guard = threading.Lock()

    def job() -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with guard:
            running -= 1
        seen.append(threading.get_ident())
        return threading.get_ident()

    callers = [threading.Thread(target=lambda: compute.run(job)) for _ in range(6)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(seen) == 6 and len(set(seen)) == 1
    assert seen[0] != threading.get_ident()
    assert most == 1


def test_an_error_reaches_the_caller_and_the_thread_goes_on():
    compute = ComputeThread()

    def fail() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        compute.run(fail)
    assert compute.run(lambda: 2 + 2) == 4


def test_a_job_that_calls_the_thread_again_runs_at_once():
    compute = ComputeThread()
    assert compute.run(lambda: compute.run(lambda: "inner") + " outer") == "inner outer"
    assert list(compute.run(lambda: list(compute.stream(lambda: iter([1, 2]))))) == [1, 2]


def test_a_stream_is_produced_on_the_thread_and_closing_it_stops_the_producer():
    compute = ComputeThread()
    produced: list[int] = []
    closed = threading.Event()
    where: set[int] = set()

    def tokens():
        try:
            for i in range(1000):
                where.add(threading.get_ident())
                produced.append(i)
                time.sleep(0.002)
                yield i
        finally:
            closed.set()

    stream = compute.stream(tokens)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    assert closed.wait(5)
    assert len(produced) < 20  # it stopped after the next item or so, not at 1000
    assert where == {compute.run(threading.get_ident)}
    assert compute.run(lambda: "free again") == "free again"


def test_a_producer_error_reaches_the_reader():
    compute = ComputeThread()

    def broken():
        yield "first"
        raise RuntimeError("model failed")

    stream = compute.stream(broken)
    assert next(stream) == "first"
    with pytest.raises(RuntimeError, match="model failed"):
        next(stream)


def test_the_real_e5_engine_gives_the_same_vectors_from_several_threads():
    embedder = E5Embedding()
    alone = embedder.get_text_embedding_batch(["Der Hafen wurde im Herbst beschädigt."])
    results: list[list[list[float]]] = []
    callers = [threading.Thread(target=lambda: results.append(embedder.get_text_embedding_batch(["Der Hafen wurde im Herbst beschädigt."]))) for _ in range(3)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(results) == 3
    for vectors in results:
        assert vectors[0] == pytest.approx(alone[0], abs=1e-6)
