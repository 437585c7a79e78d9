"""Switches that keep libraries off the network. Called explicitly by the wiring, never at import."""

from __future__ import annotations

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",  # transformers / sentence-transformers hub look-ups
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",  # gradio's version check and telemetry
    "ANONYMIZED_TELEMETRY": "False",  # chroma
    "TOKENIZERS_PARALLELISM": "false",
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime (chroma, argos) writes telemetry files otherwise
}


def enforce_offline() -> None:
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
