"""Starting a real server process on 127.0.0.1 for a test, and stopping it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(command: Sequence[str], port: int, timeout: float) -> Iterator[None]:
    """Runs ``command`` until the block ends; fails the test if it does not listen on ``port`` in time."""
    process = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"{command[0]} exited early with status {process.returncode}")
                if time.monotonic() > deadline:
                    pytest.fail(f"{command[0]} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")
                time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)
