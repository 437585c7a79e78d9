"""Argos Translate: offline translation with pairs installed as ``.argosmodel`` packages.

    install_from_file(Path("translate-uk_en-1_9.argosmodel"), packages_dir)  # once
    ArgosTranslator(packages_dir).translate(["Привіт. Як справи?"], "uk", "en")

argostranslate is imported on first use, never when this module is imported.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rag.errors import BackendError, ConfigError, ModelNotFoundError, TranslationUnavailableError
from rag.text import sentences


def _argos(packages_dir: Path) -> ModuleType:
    """argostranslate.translate, configured to keep its packages in ``packages_dir``.

    argostranslate reads its configuration from the environment once, when
    ``argostranslate.settings`` is first imported, and creates its data, config and cache
    folders (under ~/.local/share, ~/.config, ~/.local/cache by default) at that moment.
    So the environment is set just before that import; this is the only place the project
    touches os.environ for Argos. The XDG variables are restored right after so that other
    libraries keep their usual folders; ARGOS_* stay set for argospm in child processes.
    argostranslate.translate imports minisbd, which imports onnxruntime; onnxruntime 1.32
    writes a telemetry device id under ~/.cache/Microsoft at import unless told not to.
    """
    packages_dir = packages_dir.resolve()
    if "argostranslate.settings" not in sys.modules:
        state = packages_dir.parent / "argos-state"
        os.environ["ARGOS_PACKAGES_DIR"] = str(packages_dir)
        os.environ["ARGOS_DEVICE_TYPE"] = "cpu"
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        scoped = {
            "XDG_DATA_HOME": state / "data",
            "XDG_CONFIG_HOME": state / "config",
            "XDG_CACHE_HOME": state / "cache",
        }
        saved = {key: os.environ.get(key) for key in scoped}
        os.environ.update({key: str(value) for key, value in scoped.items()})
        try:
            import argostranslate.settings  # noqa: F401  (creates its folders now)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    from argostranslate import settings, translate

    if Path(settings.package_data_dir).resolve() != packages_dir:
        # Another packages folder was used earlier in this process (tests do this): repoint
        # argos and drop the translations it cached per language pair for the old folder.
        packages_dir.mkdir(parents=True, exist_ok=True)
        settings.package_data_dir = packages_dir
        settings.package_dirs = [packages_dir]
        translate.installed_translates.clear()
        translate.get_installed_languages.cache_clear()
    return translate


@functools.cache
def _regex_sentencizer() -> type:
    from argostranslate.package import Package
    from argostranslate.sbd import ISentenceBoundaryDetectionModel

    class RegexSentencizer(ISentenceBoundaryDetectionModel):
        """Replaces argos's default splitters (MiniSBD, stanza, spacy), which download models."""

        def __init__(self, pkg: Package) -> None:
            self.pkg = pkg

        def split_sentences(self, text: str) -> list[str]:
            return sentences(text)

    return RegexSentencizer


def _legs(translate: ModuleType, translation: Any) -> list[Any]:
    """The translations that ``translation`` applies one after another: a cached one's underlying
    translation, a pivot's two legs (e.g. uk->en, then en->de), else the translation itself."""
    if isinstance(translation, translate.CachedTranslation):
        return _legs(translate, translation.underlying)
    if isinstance(translation, translate.CompositeTranslation):
        return _legs(translate, translation.t1) + _legs(translate, translation.t2)
    return [translation]


def _use_regex_sentencizer(translate: ModuleType, translation: Any) -> None:
    """Sets the regex splitter on every package translation inside ``translation``."""
    sentencizer = _regex_sentencizer()
    for leg in _legs(translate, translation):
        if isinstance(leg, translate.PackageTranslation) and not isinstance(leg.sentencizer, sentencizer):
            leg.sentencizer = sentencizer(leg.pkg)


# Source tokens per CTranslate2 batch. argostranslate's own default (ARGOS_BATCH_SIZE, 32 tokens)
# fits about two sentences, which is no batch at all.
_BATCH_TOKENS = 2048


def _batched(translate: ModuleType, translation: Any, texts: list[str]) -> list[str]:
    """Each text translated as ``translation.translate`` would, but every sentence of every text
    in one CTranslate2 batch (a pivot such as uk->en->de batches each leg)."""
    for leg in _legs(translate, translation):
        texts = _batched_leg(translate, leg, texts)
    return texts


def _batched_leg(translate: ModuleType, translation: Any, texts: list[str]) -> list[str]:
    if not isinstance(translation, translate.PackageTranslation):
        return [translation.translate(text) for text in texts]
    from argostranslate import settings

    if translation.translator is None:  # what PackageTranslation.hypotheses builds on first use
        import ctranslate2

        translation.translator = ctranslate2.Translator(
            str(translation.pkg.package_path / "model"), device=settings.device, inter_threads=settings.inter_threads, intra_threads=settings.intra_threads, compute_type=settings.compute_type
        )
    pkg = translation.pkg
    paragraphs = [translate.ITranslation.split_into_paragraphs(text) for text in texts]
    sentences = [[translation.sentencizer.split_sentences(p) for p in text] for text in paragraphs]
    flat = [pkg.tokenizer.encode(s) for text in sentences for paragraph in text for s in paragraph]
    results = iter(
        translation.translator.translate_batch(
            flat,
            target_prefix=[[pkg.target_prefix]] * len(flat) if pkg.target_prefix else None,
            replace_unknowns=True,
            max_batch_size=max(settings.batch_size, _BATCH_TOKENS),
            batch_type="tokens",
            beam_size=max(1, settings.beam_size),
            num_hypotheses=1,
            length_penalty=0.2,
        )
    )
    out = []
    for text in sentences:
        combined = ""
        for paragraph in text:
            tokens = [token for _ in paragraph for token in next(results).hypotheses[0]]
            value = pkg.tokenizer.decode(tokens)
            value = value[len(pkg.target_prefix) :] if pkg.target_prefix and value.startswith(pkg.target_prefix) else value
            combined = translate.ITranslation.combine_paragraphs([combined, value[1:] if value.startswith(" ") else value])
        out.append(combined.lstrip("\n"))
    return out


def _find_translation(translate: ModuleType, src: str, dst: str) -> Any | None:
    # get_translation_from_codes fails with AttributeError when a language is not installed.
    src_lang = translate.get_language_from_code(src)
    dst_lang = translate.get_language_from_code(dst)
    if src_lang is None or dst_lang is None:
        return None
    return src_lang.get_translation(dst_lang)


class ArgosTranslator:
    """Translates with the Argos pairs installed in ``packages_dir``; never uses the network.

    translator = ArgosTranslator(settings.argos_dir)
    english = translator.translate(["Київ. Новини дня."], "uk", "en")
    """

    name = "argos"
    revision = 1

    def __init__(self, packages_dir: Path) -> None:
        self.packages_dir = Path(packages_dir)

    def _has_packages(self) -> bool:
        # Importing argostranslate takes seconds (stanza, spacy, torch); skip it when no
        # pair is installed, the usual offline case.
        return any(self.packages_dir.glob("*/metadata.json"))

    def supports(self, src: str, dst: str) -> bool:
        return self._has_packages() and _find_translation(_argos(self.packages_dir), src, dst) is not None

    def translate(self, texts: Sequence[str], src: str, dst: str) -> list[str]:
        if not self._has_packages():
            raise TranslationUnavailableError(src, dst)
        translate = _argos(self.packages_dir)
        translation = _find_translation(translate, src, dst)
        if translation is None:
            raise TranslationUnavailableError(src, dst)
        _use_regex_sentencizer(translate, translation)
        return _batched(translate, translation, list(texts))


def _read_metadata(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ModelNotFoundError(f"{path} does not exist. Give the path of a downloaded .argosmodel file.")
    try:
        with zipfile.ZipFile(path) as archive:
            # A package is a zip of one folder that holds metadata.json.
            names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith("/metadata.json")]
            if len(names) != 1:
                raise ConfigError(f"{path} is not an Argos package: it has no <folder>/metadata.json.")
            metadata = json.loads(archive.read(names[0]))
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path} is not a valid .argosmodel file (a zip with metadata.json): {err}") from err
    if metadata.get("type", "translate") != "translate" or not metadata.get("from_code") or not metadata.get("to_code"):
        raise ConfigError(f"{path} is not an Argos translation package (its metadata.json has no from_code/to_code).")
    return metadata


def install_from_file(path: Path, packages_dir: Path) -> str:
    """Installs a downloaded ``.argosmodel`` into ``packages_dir``; returns the pair, e.g. "uk->en"."""
    metadata = _read_metadata(Path(path))
    translate = _argos(packages_dir)
    from argostranslate import package

    package.install_from_path(Path(path))
    translate.installed_translates.clear()  # a reinstalled pair must not keep the old model
    return f"{metadata['from_code']}->{metadata['to_code']}"


def install_from_index(src: str, dst: str, packages_dir: Path) -> str:
    """Downloads the src->dst pair from the Argos package index and installs it (network)."""
    translate = _argos(packages_dir)
    from argostranslate import package, settings

    # update_package_index() only logs a failed download, and get_available_packages() then
    # recurses without end when no index file exists: check for the file ourselves.
    index = Path(settings.local_package_index)
    index.unlink(missing_ok=True)
    package.update_package_index()
    if not index.is_file():
        raise BackendError(
            f"Could not download the Argos package index from {settings.remote_package_index}; "
            f"no network? Download translate-{src}_{dst}.argosmodel on a connected machine and run "
            f"`newsrag-argos install --file translate-{src}_{dst}.argosmodel`."
        )
    available = package.get_available_packages()
    matches = [p for p in available if p.type == "translate" and (p.from_code, p.to_code) == (src, dst)]
    if not matches:
        pairs = ", ".join(sorted(f"{p.from_code}->{p.to_code}" for p in available if p.type == "translate"))
        raise ConfigError(f"The Argos index has no {src}->{dst} package. Available pairs: {pairs}.")
    try:
        download = matches[0].download()
    except Exception as err:  # argos raises a bare Exception when every link fails
        raise BackendError(f"Could not download the Argos {src}->{dst} package: {err}") from err
    package.install_from_path(download)
    translate.installed_translates.clear()
    download.unlink(missing_ok=True)
    return f"{src}->{dst}"


def installed_pairs(packages_dir: Path) -> list[tuple[str, str]]:
    """The (from, to) language pairs of the packages installed in ``packages_dir``."""
    _argos(packages_dir)
    from argostranslate import package

    return sorted((p.from_code, p.to_code) for p in package.get_installed_packages() if p.type == "translate")
