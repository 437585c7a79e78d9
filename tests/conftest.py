"""Shared fixtures: every test gets its own data folder; nothing is written into the work tree."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
UKRAINIAN_SEED = "004_a4b43755038ca000.txt"
# The user's real models folder, read before the tests isolate HOME, so the 1.1 GB model is
# assembled once per machine rather than once per test run.
USER_MODELS_DIR = Settings.load().models_dir


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    # Libraries that write under ~ (argos, gradio, chroma) write into a throwaway home instead.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.delenv("NEWSRAG_CONFIG", raising=False)


@pytest.fixture
def fast_settings(tmp_path) -> Settings:
    """Real Chroma in a temporary folder, hashed bag-of-words embedder, scripted model."""
    return Settings.load(data_dir=tmp_path / "data", embedder="hash", original_embedder="hash", llm_backend="scripted")


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def no_network(monkeypatch):
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect

    def guarded(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
            return real_connect(self, address)
        raise AssertionError(f"network access attempted: {address!r}")

    # socket.create_connection and every client library end in socket.connect.
    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def real_model_path() -> Path:
    """The packaged Qwen2.5-Coder-1.5B model, assembled once into the user's models folder."""
    from rag.models import ensure_default_model

    return ensure_default_model(USER_MODELS_DIR)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory, real_model_path) -> Settings:
    """The real profile (MiniLM embedder, local 1.5B model) on a store shared by the slow tests."""
    return Settings.load(data_dir=tmp_path_factory.mktemp("real"), llm_model_path=real_model_path)


@pytest.fixture(scope="session")
def real_pipeline(real_settings):
    """Seeds ingested once (the Ukrainian article translated by the local model), then reused."""
    from rag.wiring import build_ingestor, build_parts, build_pipeline

    parts = build_parts(real_settings)  # one store, one of each embedder, one model
    pipeline = build_pipeline(real_settings, parts=parts)
    summaries = build_ingestor(real_settings, parts=parts).ingest_folder(SEEDS)
    assert all(s.status in ("stored", "unchanged") for s in summaries), summaries
    return pipeline


@pytest.fixture(scope="session")
def real_evaluation(real_settings, real_pipeline):
    """Runs a question set with the real model, progress on stderr, the report into ``artifacts``.

    With ``collection`` the articles go into a store of their own beside the seeds' store,
    sharing the loaded model; without it they are the seeds, already in the shared store.

        report = real_evaluation(QUESTIONS, SEEDS, ARTIFACTS)
    """
    from rag.evaluation import run_evaluation
    from rag.wiring import build_pipeline

    def run(questions: Path, articles: Path, artifacts: Path, collection: str | None = None):
        settings, pipeline = real_settings, real_pipeline
        if collection is not None:
            settings = real_settings.model_copy(update={"collection": collection})
            pipeline = build_pipeline(settings, llm=real_pipeline.llm)
        return run_evaluation(settings, questions, articles, artifacts, pipeline=pipeline, progress=lambda line: print(line, file=sys.stderr, flush=True))

    return run


def require(path: Path, message: str) -> None:
    """Skips the test when ``path`` is missing, but fails it on CI (env CI set), where it is always
    there (data beside the clone such as ../shared, Debian's chromium): a silent skip there hides a loss."""
    if path.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
