"""The same code against a real Chroma server (`chroma run`) on 127.0.0.1, by configuration alone."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from rag.wiring import build_ingestor, build_pipeline
from tests.servers import free_port, running


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        chroma = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    with running([str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)], port, timeout=60):
        yield port


def test_ingest_and_answer_through_chroma_server(fast_settings, seeds_copy, chroma_server):
    settings = fast_settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})
    summaries = build_ingestor(settings).ingest_folder(seeds_copy)
    assert sum(s.chunks for s in summaries) > 10
    assert not (settings.chroma_path).exists()  # nothing went to the local store
    again = build_ingestor(settings).ingest_folder(seeds_copy)
    assert {s.status for s in again} == {"unchanged"}
    answer = build_pipeline(settings).answer("Where did Putin and Kim Jong Un meet?")
    assert answer.citations and not answer.refused
