"""The browser chat over the rag/ pipeline: ``newsrag-serve`` or ``python -m ui``.

from ui.app import build_app, launch
launch(build_app(pipeline), host="127.0.0.1", port=7860)
"""
