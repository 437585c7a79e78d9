"""The Argos translator end to end, offline, with a tiny random .argosmodel built on the spot."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import BackendError, ConfigError, ModelNotFoundError, TranslationUnavailableError
from rag.text import sentences
from rag.translation.argos import (
    ArgosTranslator,
    install_from_file,
    install_from_index,
    installed_pairs,
)
from rag.translation.base import Translator
from tests.argos_fixture import build_tiny_argosmodel

UKRAINIAN = [
    "Київ отримав нову партію допомоги. Уряд оголосив про зміни в бюджеті! Чи відкриють школи вчасно?",
    "Погода завтра буде сонячною… Депутати проголосували за новий закон.",
]


@pytest.fixture(scope="module")
def argosmodel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_argosmodel(tmp_path_factory.mktemp("argosmodel"))


@pytest.fixture
def translator(argosmodel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ArgosTranslator:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    packages = tmp_path / "argos" / "packages"
    assert install_from_file(argosmodel, packages) == "uk->en"
    return ArgosTranslator(packages)


def test_supports_only_installed_pairs(translator: ArgosTranslator) -> None:
    assert isinstance(translator, Translator)
    assert translator.supports("uk", "en")
    assert not translator.supports("de", "en")
    assert not translator.supports("en", "uk")
    assert installed_pairs(translator.packages_dir) == [("uk", "en")]


def test_translates_offline_one_output_per_input(translator: ArgosTranslator, no_network: None) -> None:
    # no_network (conftest.py) fails the test on any connection, e.g. a splitter download.
    out = translator.translate(UKRAINIAN, "uk", "en")
    assert len(out) == len(UKRAINIAN)
    assert all(isinstance(text, str) and text.strip() for text in out)


def test_batched_translation_matches_one_text_at_a_time(translator: ArgosTranslator) -> None:
    """Every sentence of every text goes to CTranslate2 in one batch; each output is what
    argostranslate gives for that text alone (paragraphs kept)."""
    from rag.translation.argos import _argos, _find_translation, _use_regex_sentencizer

    texts = [*UKRAINIAN, "Перший абзац.\nДругий абзац. Ще одне речення.", ""]
    batched = translator.translate(texts, "uk", "en")
    translation = _find_translation(_argos(translator.packages_dir), "uk", "en")
    _use_regex_sentencizer(_argos(translator.packages_dir), translation)
    assert batched == [translation.translate(text) for text in texts]
    assert batched[2].count("\n") == 1


def test_missing_pair_names_install_command(translator: ArgosTranslator) -> None:
    with pytest.raises(TranslationUnavailableError) as raised:
        translator.translate(["Guten Tag."], "de", "en")
    assert "newsrag-argos install" in str(raised.value)
    assert "translate-de_en.argosmodel" in str(raised.value)


def test_no_pair_installed_needs_no_argostranslate(tmp_path: Path) -> None:
    translator = ArgosTranslator(tmp_path / "empty" / "packages")
    assert not translator.supports("uk", "en")
    with pytest.raises(TranslationUnavailableError):
        translator.translate(["Привіт."], "uk", "en")
    assert not (tmp_path / "empty").exists()


def test_install_from_index_offline_is_a_clear_error(translator: ArgosTranslator, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(self: socket.socket, address: object) -> None:
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", offline)
    with pytest.raises(BackendError, match="newsrag-argos install --file translate-de_en.argosmodel"):
        install_from_index("de", "en", translator.packages_dir)


def test_install_from_file_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError):
        install_from_file(tmp_path / "missing.argosmodel", tmp_path / "packages")
    not_a_zip = tmp_path / "broken.argosmodel"
    not_a_zip.write_text("not a zip")
    with pytest.raises(ConfigError):
        install_from_file(not_a_zip, tmp_path / "packages")


def test_argos_sentence_split_is_the_projects_and_language_agnostic() -> None:
    assert sentences("Перше речення. Друге! Третє? Ще… Кінець") == [
        "Перше речення.",
        "Друге!",
        "Третє?",
        "Ще…",
        "Кінець",
    ]
    assert sentences("v1.2 коштує 3.5 грн.") == ["v1.2 коштує 3.5 грн."]
    assert sentences("   ") == []


# Run in a fresh interpreter: argostranslate reads its settings once per process, at import.
_FRESH_PROCESS = """
import json, socket, sys
from pathlib import Path

import rag.translation.argos as argos
imported_early = any(name.startswith("argostranslate") for name in sys.modules)

def refuse(self, address):
    raise OSError(f"network used: connect to {address}")
socket.socket.connect = refuse

packages = Path(sys.argv[1])
pair = argos.install_from_file(Path(sys.argv[2]), packages)
translator = argos.ArgosTranslator(packages)
print(json.dumps({
    "imported_early": imported_early,
    "pair": pair,
    "supports": translator.supports("uk", "en"),
    "out": translator.translate(["Київ отримав допомогу. Уряд оголосив зміни."], "uk", "en"),
}))
"""


def test_fresh_process_writes_nothing_under_home(argosmodel: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ARGOS_"))}
    root = Path(__file__).resolve().parents[1]
    env.update(HOME=str(home), PYTHONPATH=str(root), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    packages = tmp_path / "data" / "argos" / "packages"
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS, str(packages), str(argosmodel)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["imported_early"] is False
    assert result["pair"] == "uk->en"
    assert result["supports"] is True
    assert len(result["out"]) == 1 and result["out"][0].strip()
    assert sorted(p.name for p in home.rglob("*")) == []
    assert (packages / "translate-uk_en-0_0_1" / "metadata.json").is_file()
