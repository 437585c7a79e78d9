"""Settings: explicit arguments, then NEWSRAG_* variables, then the YAML file named by NEWSRAG_CONFIG."""

from __future__ import annotations

import pytest

from rag.errors import ConfigError
from rag.settings import Settings


def _config(tmp_path, monkeypatch, text: str):
    path = tmp_path / "newsrag.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("NEWSRAG_CONFIG", str(path))
    return path


def test_the_file_sets_what_the_environment_does_not(tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, "top_k: 7\nmin_relevance: 0.5\nnative_answer_languages: [de]\n")
    settings = Settings.load()
    assert (settings.top_k, settings.min_relevance, settings.native_answer_languages) == (7, 0.5, ["de"])


def test_the_environment_overrides_the_file_and_arguments_override_both(tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, "top_k: 7\ncandidate_k: 20\nchunk_chars: 500\n")
    monkeypatch.setenv("NEWSRAG_TOP_K", "3")
    monkeypatch.setenv("NEWSRAG_CANDIDATE_K", "15")
    settings = Settings.load(candidate_k=9)
    assert (settings.top_k, settings.candidate_k, settings.chunk_chars) == (3, 9, 500)


def test_without_a_file_the_defaults_hold(monkeypatch):
    assert Settings.load().top_k == Settings.model_fields["top_k"].default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- top_k\n- 7\n", "must hold a YAML mapping"),
        ("top_k: [\n", "is not valid YAML"),
        ("top_kk: 7\n", "Invalid settings"),  # an unknown name is an error, not ignored
        ("top_k: many\n", "Invalid settings"),
    ],
)
def test_a_bad_file_is_a_config_error(tmp_path, monkeypatch, text, message):
    _config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError, match=message):
        Settings.load()


def test_a_config_variable_naming_no_file_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSRAG_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="not a file"):
        Settings.load()
