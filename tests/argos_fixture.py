"""Builds a tiny random ``.argosmodel`` offline, to test the Argos code path end to end.

    path = build_tiny_argosmodel(tmp_path)  # tmp_path/translate-uk_en-0_0_1.argosmodel
    install_from_file(path, packages_dir)

Its translations are gibberish. The zip holds one folder, as argostranslate 1.11 expects:
metadata.json, sentencepiece.model (shared by both sides) and model/ (CTranslate2, converted
from a randomly initialised MarianMT with tiny dimensions).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

_NAMES = {"uk": "Ukrainian", "en": "English", "de": "German", "ru": "Russian"}

_CORPUS = [
    "Київ отримав нову партію допомоги від союзників.",
    "Уряд оголосив про зміни в бюджеті на наступний рік.",
    "Погода завтра буде сонячною, без опадів.",
    "Депутати проголосували за новий закон про освіту!",
    "Чи відкриють школи вчасно? Міністр відповів коротко.",
    "The government announced changes to next year's budget.",
    "Kyiv received a new batch of aid from its allies.",
    "The weather tomorrow will be sunny, with no rain.",
    "Will schools open on time? The minister answered briefly.",
    "Members of parliament voted for a new education law!",
]


def build_tiny_argosmodel(out_dir: Path, src: str = "uk", dst: str = "en", seed: int = 0) -> Path:
    """Writes ``translate-{src}_{dst}-0_0_1.argosmodel`` into ``out_dir`` and returns its path."""
    import ctranslate2
    import sentencepiece
    import torch
    import transformers

    name = f"translate-{src}_{dst}-0_0_1"
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = Path(tmp) / name
        package_dir.mkdir()
        spm = io.BytesIO()  # written from memory: a model_prefix would embed the temp path
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(_CORPUS),
            model_writer=spm,
            vocab_size=100,
            hard_vocab_limit=False,
            character_coverage=1.0,
            num_threads=1,
            minloglevel=2,
        )
        (package_dir / "sentencepiece.model").write_bytes(spm.getvalue())
        sp = sentencepiece.SentencePieceProcessor(model_proto=spm.getvalue())
        pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]

        # Transformers' Marian convention: an extra <pad> as the last token starts the decoder;
        # the CTranslate2 converter drops it again.
        pad = len(pieces)
        torch.manual_seed(seed)
        config = transformers.MarianConfig(
            vocab_size=pad + 1,
            d_model=16,
            encoder_layers=1,
            decoder_layers=1,
            encoder_attention_heads=2,
            decoder_attention_heads=2,
            encoder_ffn_dim=32,
            decoder_ffn_dim=32,
            max_position_embeddings=512,
            pad_token_id=pad,
            eos_token_id=sp.eos_id(),
            decoder_start_token_id=pad,
        )
        model = transformers.MarianMTModel(config)
        hf_dir = Path(tmp) / "hf"
        model.save_pretrained(hf_dir)

        vocab = {piece: i for i, piece in enumerate([*pieces, "<pad>"])}
        tokenizer = SimpleNamespace(get_vocab=lambda: vocab, eos_token="</s>", unk_token="<unk>")

        class _Converter(ctranslate2.converters.TransformersConverter):
            # The loader only needs the vocabulary and the special tokens; a stand-in spares
            # building MarianTokenizer's files (vocab.json, source.spm, target.spm).
            def load_tokenizer(self, tokenizer_class: object, model_name_or_path: str, **kwargs: object) -> object:
                return tokenizer

        _Converter(str(hf_dir)).convert(str(package_dir / "model"), force=True)

        metadata = {
            "package_version": "0.0.1",
            "argos_version": "1.11.0",
            "type": "translate",
            "from_code": src,
            "from_name": _NAMES.get(src, src),
            "to_code": dst,
            "to_name": _NAMES.get(dst, dst),
            "links": [],
        }
        (package_dir / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")

        out_dir.mkdir(parents=True, exist_ok=True)
        archive_path = out_dir / f"{name}.argosmodel"
        with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(package_dir.rglob("*")):
                if file.is_file():
                    # Fixed timestamps keep the archive byte-identical from run to run.
                    info = zipfile.ZipInfo(str(file.relative_to(tmp)), date_time=(2020, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, file.read_bytes())
    return archive_path
