"""Side-by-side decoding (rag.batching) with a real GGUF model: SmolLM2-135M, small enough for the
fast tier. The 1.5B model's batched translations are scored in scripts/bench_translate.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rag.batching import common_prefix, greedy, token_logprob
from rag.llm.base import complete
from rag.llm.llama_cpp import LlamaCppChat
from rag.models import smollm2_path

RULES = {"role": "system", "content": "You translate German news text into English. Reply with the translation only."}
# Invented sentences of different lengths.
SENTENCES = [
    "Die Brücke in Lindau wird ab Montag repariert.",
    "Der Bürgermeister sagte, die Arbeiten dauern drei Wochen.",
    "Busse fahren bis dahin über die Nordstraße, die dafür verbreitert wurde.",
    "Im Hafen liegen zwölf Boote.",
]


def _conversations() -> list[list[dict[str, str]]]:
    return [[RULES, {"role": "user", "content": s}] for s in SENTENCES]


@pytest.fixture(scope="module")
def model_path():
    return smollm2_path()


def test_common_prefix_leaves_each_prompt_a_token_of_its_own():
    assert common_prefix([[1, 2, 3, 4], [1, 2, 5]]) == 2
    assert common_prefix([[1, 2, 3], [1, 2, 3]]) == 2
    assert common_prefix([[7], [7, 8]]) == 0
    assert common_prefix([[1, 2], [3, 4]]) == 0


def test_side_by_side_replies_are_the_one_at_a_time_replies(model_path):
    # 8 tokens: further on, a near tie of two tokens can go either way, since a batch of another
    # shape sums in another order (the 1.5B model's translations: scripts/bench_translate.py).
    one_at_a_time = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=1)
    expected = one_at_a_time.complete_many(_conversations(), max_tokens=8)
    assert all(expected) and len(set(expected)) > 1
    for sequences in (4, 2):  # all at once; two at a time, each finished sequence taking the next
        side_by_side = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=sequences, batch_cells=256)
        assert side_by_side.complete_many(_conversations(), max_tokens=8) == expected
        # Again, with the instructions held from the first call, in another order and grouping.
        assert side_by_side.complete_many(_conversations()[::-1], max_tokens=8) == expected[::-1]
        assert side_by_side.complete_many(_conversations()[1:3], max_tokens=8) == expected[1:3]


def test_identical_conversations_get_identical_replies(model_path):
    chat = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=3, batch_cells=256)
    replies = chat.complete_many(_conversations()[:1] * 5, max_tokens=30)
    assert replies[0] and len(set(replies)) == 1


def test_more_conversations_than_sequences_and_one_too_long(model_path):
    chat = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=2, batch_cells=256)
    conversations = _conversations() + [[RULES, {"role": "user", "content": "Sehr lang. " * 120}]]
    replies = chat.complete_many(conversations, max_tokens=30)
    assert len(replies) == 5 and all(replies)
    # The long one did not fit a sequence's 256 cells: it went one at a time, as complete does.
    assert replies[4] == complete(chat, conversations[4], max_tokens=30).strip()


def test_an_answer_frees_the_batch_context_and_a_single_conversation_never_makes_one(model_path):
    chat = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=4, batch_cells=256)
    chat.complete_many(_conversations()[:1], max_tokens=10)
    assert chat._batcher is None
    chat.complete_many(_conversations(), max_tokens=10)
    assert chat._batcher is not None
    assert complete(chat, [{"role": "user", "content": "Say hello."}], max_tokens=8).strip()  # a translation of a question, say
    assert chat._batcher is not None
    assert complete(chat, [{"role": "user", "content": "Say hello in JSON."}], max_tokens=8, schema={"type": "object"}).strip()
    assert chat._batcher is None


def test_scored_replies_are_the_replies_with_the_log_probabilities_read_as_they_were_chosen(model_path):
    chat = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=1)
    for conversation in _conversations():
        reply = chat.complete_many_scored([conversation], max_tokens=30)[0]
        assert reply.text == complete(chat, conversation, max_tokens=30).strip()  # what create_chat_completion decodes
        forced = chat.reply_logprobs(conversation, reply.text)  # the reply read again with logits at each token
        assert len(reply.logprobs) == len(forced) and all(p <= 0 for p in reply.logprobs)
        assert max(abs(a - b) for a, b in zip(reply.logprobs, forced)) < 0.3  # the same, but for how a batch of another shape sums
    pieces = list(chat.stream_scored(_conversations()[0], max_tokens=30))
    assert "".join(p for p, _ in pieces).strip() == chat.complete_many_scored(_conversations()[:1], 30)[0].text
    side_by_side = LlamaCppChat(model_path, threads=2, context=2048, batch_sequences=4, batch_cells=256)
    for reply in side_by_side.complete_many_scored(_conversations(), max_tokens=8):
        assert reply.text and len(reply.logprobs) >= 1 and all(p <= 0 for p in reply.logprobs)


def test_token_logprob_is_the_log_softmax_and_greedy_takes_the_top_token():
    row = np.array([1.0, 3.0, 2.0, -50.0], dtype=np.float32)
    norm = math.log(sum(math.exp(v) for v in (1.0, 3.0, 2.0, -50.0)))
    assert token_logprob(row, 0) == pytest.approx(1.0 - norm, abs=1e-6)
    assert token_logprob(row, 3) == pytest.approx(-50.0 - norm, abs=1e-5)
    assert greedy(row) == (1, pytest.approx(3.0 - norm, abs=1e-6))
