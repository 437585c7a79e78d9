"""Errors that say what was wrong and what to do. They become friendly text only at the edges."""

from __future__ import annotations


class NewsRagError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(NewsRagError):
    """A setting is wrong."""


class ArticleError(NewsRagError):
    """One article cannot be ingested; the others still are."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class TranslationUnavailableError(NewsRagError):
    """No translator can translate this language pair."""

    def __init__(self, src: str, dst: str) -> None:
        super().__init__(
            f"No translator for {src}->{dst}. Install an Argos pair with "
            f"`newsrag-argos install --file translate-{src}_{dst}.argosmodel` "
            f"(or `newsrag-argos install --from-index {src} {dst}` with network access), "
            f"or use the local model translator (llm_backend='llama_cpp')."
        )
        self.src, self.dst = src, dst


class QuestionError(NewsRagError):
    """The question cannot be asked as given."""


class EmptyStoreError(NewsRagError):
    """Nothing has been ingested yet."""

    def __init__(self) -> None:
        super().__init__("The article store is empty. Ingest articles first: `newsrag-ingest seeds/` (or `make run`).")


class ModelNotFoundError(NewsRagError):
    """A model file is missing."""


class BackendError(NewsRagError):
    """A model server or store server failed or could not be reached."""
