"""Chat models: llama.cpp in-process, any OpenAI-compatible server, or a scripted fake for tests.

- ``base``: the ChatModel protocol, ``complete`` and ``complete_many``;
- ``llama_cpp``: LlamaCppChat, a GGUF model in this process;
- ``prefix_cache``: PrefixStates, llama.cpp's states per fixed prompt prefix;
- ``openai_compatible``: OpenAIChat, a chat server;
- ``scripted``: ScriptedChat, the fake for tests.

    model = LlamaCppChat(path, threads=2, context=4096)
    for piece in model.stream([{"role": "user", "content": "Hi"}], max_tokens=20):
        print(piece, end="")
"""

from rag.llm.base import ChatModel, Message, Schema, complete, complete_many
from rag.llm.llama_cpp import LlamaCppChat
from rag.llm.openai_compatible import OpenAIChat
from rag.llm.prefix_cache import PrefixStates
from rag.llm.scripted import ScriptedChat, quote_first_sentence

__all__ = ["ChatModel", "LlamaCppChat", "Message", "OpenAIChat", "PrefixStates", "Schema", "ScriptedChat", "complete", "complete_many", "quote_first_sentence"]
