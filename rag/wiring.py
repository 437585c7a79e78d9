"""The one place that builds the parts and passes them to each other explicitly.

Nothing here touches LlamaIndex's global ``Settings``: every LLM and embedder is passed in.
The ingestor and the pipeline of one process share their parts (store, embedders, model,
translation cache): build them once with ``build_parts`` and hand them to both.

    parts = build_parts(settings)
    build_ingestor(settings, parts=parts).ingest_folder(settings.seeds_dir)
    answer = build_pipeline(settings, parts=parts).answer("Where did they meet?")
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from llama_index.core.base.embeddings.base import BaseEmbedding

from rag.answering import Pipeline
from rag.background import AnswerGate, TranslationWorker, YieldingChat
from rag.embedding import E5Embedding, HashEmbedding, MiniLMEmbedding, OpenAIEmbedding
from rag.errors import ConfigError
from rag.indexing import Ingestor, MultilingualIndex
from rag.lexical import LexicalIndex
from rag.llm.base import ChatModel, complete_many, complete_many_scored, stream_scored
from rag.llm.llama_cpp import LlamaCppChat
from rag.llm.openai_compatible import OpenAIChat
from rag.llm.scripted import ScriptedChat
from rag.models import QWEN_1_5B, ensure_default_model
from rag.offline import enforce_offline
from rag.queue import TranslationQueue
from rag.readers import Limits
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.translation.argos import ArgosTranslator
from rag.translation.base import IdentityTranslator, Translator, TranslatorChain
from rag.translation.cache import CachedTranslation
from rag.translation.llm import LlmTranslator
from rag.uploads import Uploads
from vectorstore.store import ArticleCatalog, ChromaStore


def build_store(settings: Settings) -> ChromaStore:
    if settings.chroma_host:
        return ChromaStore.server(settings.chroma_host, settings.chroma_port, settings.collection)
    return ChromaStore.local(settings.chroma_path, settings.collection)


def _embedding_server(settings: Settings, base_url: str | None, model: str, prefixes: tuple[str, str] = ("", "")) -> OpenAIEmbedding:
    if not base_url:
        raise ConfigError("An 'openai' embedder needs its server: set NEWSRAG_EMBED_BASE_URL to its /v1 address, e.g. http://127.0.0.1:8081/v1.")
    return OpenAIEmbedding(
        base_url=base_url,
        model_name=model,
        api_key=settings.embed_api_key,
        query_prefix=prefixes[0],
        text_prefix=prefixes[1],
        retries=settings.llm_retries,
        embed_batch_size=settings.embed_batch_size,
    )


def build_embedder(settings: Settings) -> BaseEmbedding:
    if settings.embedder == "hash":
        return HashEmbedding(embed_batch_size=settings.embed_batch_size)
    if settings.embedder == "openai":
        return _embedding_server(settings, settings.embed_base_url, settings.embed_model_name)
    return MiniLMEmbedding(embed_batch_size=settings.embed_batch_size)


def build_multilingual_index(settings: Settings, store: ChromaStore) -> MultilingualIndex | None:
    """The index of each chunk's original-language passage under the multilingual embedder (e5),
    queried with the question as asked; None when ``original_embedder`` is 'none'. Its collection
    keeps the name ``<collection>_original`` that existing stores were written with."""
    if settings.original_embedder == "none":
        return None
    embedder: BaseEmbedding
    if settings.original_embedder == "hash":
        embedder = HashEmbedding(embed_batch_size=settings.embed_batch_size)
    elif settings.original_embedder == "openai":
        if len(settings.original_embed_prefixes) != 2:
            raise ConfigError(f"original_embed_prefixes must be two texts, the question's and the passage's prefix; got {settings.original_embed_prefixes!r}.")
        prefixes = (settings.original_embed_prefixes[0], settings.original_embed_prefixes[1])
        embedder = _embedding_server(settings, settings.original_embed_base_url or settings.embed_base_url, settings.original_embed_model_name, prefixes)
    else:
        embedder = E5Embedding(threads=settings.llm_threads)
    return MultilingualIndex(store.sibling(f"{settings.collection}_original"), embedder)


def build_llm(settings: Settings) -> ChatModel:
    if settings.llm_backend == "openai":
        if not settings.llm_base_url:
            raise ConfigError("llm_backend is 'openai' but NEWSRAG_LLM_BASE_URL is not set; set it to the server's /v1 address, e.g. http://127.0.0.1:8080/v1.")
        return OpenAIChat(
            settings.llm_base_url, settings.llm_model_name, settings.llm_api_key, schema_format=settings.llm_schema_format, parallel=settings.llm_parallel_requests, retries=settings.llm_retries
        )
    if settings.llm_backend == "scripted":
        return ScriptedChat()
    path = settings.llm_model_path or ensure_default_model(settings.models_dir)
    return LlamaCppChat(path, settings.llm_threads, settings.llm_context, settings.llm_prompt_lookup_tokens, settings.llm_saved_prefixes, settings.llm_batch_sequences, settings.llm_batch_cells)


def model_identity(settings: Settings) -> str:
    """The chat model, named without loading it: part of the translation cache key, so that
    another GGUF file or server translates afresh instead of reusing old translations."""
    if settings.llm_backend == "openai":
        return f"openai:{settings.llm_base_url}:{settings.llm_model_name}"
    if settings.llm_backend == "scripted":
        return "scripted"
    return f"llama.cpp:{settings.llm_model_path.name if settings.llm_model_path else QWEN_1_5B.file_name}"


class _LazyLlm:
    """Builds the chat model on first use, so ingesting English articles never loads it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: ChatModel | None = None
        self.name = "lazy"

    def _get(self) -> ChatModel:
        if self._model is None:
            self._model = build_llm(self._settings)
        return self._model

    def stream(self, messages, max_tokens, stop=(), schema=None):  # type: ignore[no-untyped-def]
        return self._get().stream(messages, max_tokens=max_tokens, stop=stop, schema=schema)

    def complete_many(self, conversations, max_tokens):  # type: ignore[no-untyped-def]
        return complete_many(self._get(), conversations, max_tokens)

    def complete_many_scored(self, conversations, max_tokens):  # type: ignore[no-untyped-def]
        return complete_many_scored(self._get(), conversations, max_tokens)

    def stream_scored(self, messages, max_tokens):  # type: ignore[no-untyped-def]
        """rag.llm.base.stream_scored of the model (the background worker reads it)."""
        return stream_scored(self._get(), messages, max_tokens)

    def prefill(self, messages, interrupted):  # type: ignore[no-untyped-def]
        """LlamaCppChat.prefill where the model has one; a server reads its prompts itself."""
        inner = getattr(self._get(), "prefill", None)
        return True if inner is None else inner(messages, interrupted)


def build_translation(settings: Settings, llm: ChatModel, group: int | None = None) -> CachedTranslation:
    """The translators in order (same language, Argos, the local model), cached; ``group``:
    sentences per translator call (default ``translation_batch``)."""
    translators: list[Translator] = [IdentityTranslator(), ArgosTranslator(settings.argos_dir)]
    translators.append(LlmTranslator(llm, settings.translation_max_tokens, settings.llm_translation_languages, settings.native_answer_languages, model_identity(settings)))
    return CachedTranslation(TranslatorChain(translators), settings.cache_dir / "translations.sqlite", group=group or settings.translation_batch)


@dataclass(frozen=True)
class Parts:
    """What the ingestor and the pipeline share: each embedder and the model loaded once."""

    store: ChromaStore
    embedder: BaseEmbedding  # English passages (MiniLM)
    multilingual: MultilingualIndex | None  # original-language passages and their multilingual embedder
    llm: ChatModel
    translation: CachedTranslation
    catalog: ArticleCatalog | None = None  # one record per article: near-duplicates and their outlets
    lexical: LexicalIndex | None = None  # BM25 over the English chunks, on disk
    queue: TranslationQueue | None = None  # articles stored as written, waiting for translation


def build_parts(settings: Settings, llm: ChatModel | None = None) -> Parts:
    """The shared parts; the model is loaded on first use unless ``llm`` is given."""
    enforce_offline()
    llm = llm or _LazyLlm(settings)
    store = build_store(settings)
    catalog = ArticleCatalog(store, f"{settings.collection}_articles") if settings.detect_duplicates else None
    return Parts(
        store,
        build_embedder(settings),
        build_multilingual_index(settings, store),
        llm,
        build_translation(settings, llm),
        catalog,
        LexicalIndex(settings.lexical_path),
        TranslationQueue(settings.queue_path),
    )


def parts_of(pipeline: Pipeline) -> Parts:
    """The parts a pipeline was built with, for an ingestor that shares them."""
    return Parts(pipeline.store, pipeline.retriever.embedder, pipeline.retriever.multilingual, pipeline.llm, pipeline.translation, pipeline.catalog, pipeline.retriever.lexical, pipeline.queue)


def build_ingestor(settings: Settings, llm: ChatModel | None = None, parts: Parts | None = None) -> Ingestor:
    """An ingestor on ``parts`` (shared with a pipeline), or on parts of its own."""
    parts = parts or build_parts(settings, llm)
    return Ingestor(
        parts.store,
        parts.embedder,
        parts.translation,
        settings.chunk_chars,
        settings.chunk_overlap_sentences,
        multilingual=parts.multilingual,
        catalog=parts.catalog,
        max_article_bytes=settings.max_article_bytes,
        limits=Limits(settings.max_article_bytes, settings.max_archive_bytes, settings.max_zip_members, settings.max_zip_ratio),
        searchable_before_translated=settings.searchable_before_translated,
        reject_below=_reject_below(settings),
        lexical=parts.lexical,
        queue=parts.queue,
        defer_translation=settings.defer_translation,
        english_originals=settings.embed_english_originals,
        batch_chunks=settings.ingest_batch_chunks,
        read_workers=settings.read_workers,
    )


def _reject_below(settings: Settings) -> float:
    return settings.reject_translation_below if settings.original_embedder == "e5" else 0.0  # an e5 cosine


def build_translation_worker(settings: Settings, parts: Parts) -> TranslationWorker:
    """The queue's worker on ``parts``: its model stops within a token when a question comes
    (YieldingChat) and its translations go to the cache one sentence at a time, so an answer
    costs it at most one sentence."""
    gate = AnswerGate(settings.answer_lock_path)
    model = YieldingChat(parts.llm, gate)
    translation = build_translation(settings, model, group=1)
    ingestor = replace(build_ingestor(settings, parts=parts), translation=translation, defer_translation=False)
    assert parts.queue is not None
    return TranslationWorker(ingestor, parts.queue, gate, halt=model.halt)


def build_pipeline(settings: Settings, llm: ChatModel | None = None, parts: Parts | None = None) -> Pipeline:
    """A pipeline on ``parts`` (shared with an ingestor), or on parts of its own."""
    parts = parts or build_parts(settings, llm)
    multilingual = parts.multilingual
    return Pipeline(
        store=parts.store,
        retriever=HybridRetriever(parts.store, parts.embedder, settings.top_k, settings.candidate_k, multilingual=multilingual, lexical=parts.lexical),
        llm=parts.llm,
        translation=parts.translation,
        max_answer_tokens=settings.max_answer_tokens,
        max_question_chars=settings.max_question_chars,
        min_relevance=settings.min_relevance,
        check_answer_numbers=settings.check_answer_numbers,
        translate_questions=settings.translate_questions,
        doubtful_in_prompt=settings.doubtful_in_prompt,
        hide_flagged_sentences=settings.hide_flagged_sentences,
        evidence_embedder=multilingual.embedder if multilingual is not None else None,
        min_evidence_similarity=settings.min_evidence_similarity,
        verify_answers=settings.verify_answers,
        max_prompt_sentences=settings.max_prompt_sentences,
        catalog=parts.catalog,
        gate=AnswerGate(settings.answer_lock_path),
        queue=parts.queue,
        translate_on_demand=settings.translate_on_demand,
        reject_translation_below=_reject_below(settings),
    )


def build_uploads(settings: Settings, pipeline: Pipeline) -> Uploads:
    """The chat's upload queue: an ingestor on the pipeline's parts, files kept in data_dir/uploads."""
    return Uploads(build_ingestor(settings, parts=parts_of(pipeline)), settings.data_dir / "uploads")


def build_background_translation(settings: Settings, pipeline: Pipeline) -> TranslationWorker:
    """The chat's translation worker, on the pipeline's parts (not started)."""
    return build_translation_worker(settings, parts_of(pipeline))


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    """The pipeline of ``rag.answer``: built on first call, reused after."""
    return build_pipeline(Settings.load())
