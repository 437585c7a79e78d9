"""llama.cpp states saved per fixed prompt prefix, so that no fixed prompt is read twice.

prefixes = PrefixStates(limit=4)
prefixes.enter(llama, system_message); ...generate...; prefixes.leave(llama)
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from rag.errors import BackendError


@dataclass
class _State:
    data: Any  # ctypes buffer of llama_state_get_data
    size: int
    tokens: Any  # numpy array of the evaluated token ids


class PrefixStates:
    """llama.cpp states saved per fixed prompt prefix, at most ``limit`` of them (least recently
    used dropped first).

    llama.cpp reuses the KV cache only for the longest common prefix with the previous prompt,
    so a translation between two answers would make the next answer re-read its rules (about
    3.5 s on 2 cores). After each generation its state is saved under its prefix key; before a
    generation with another key than the last, that key's state is restored, and llama-cpp-python
    then evaluates only what follows the common prefix. States hold the KV cache of the tokens
    used (about 28 KB per token for the 1.5B model), not llama-cpp-python's logits array."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._states: OrderedDict[str, _State] = OrderedDict()
        self._current: str | None = None
        self._entered: str | None = None

    def enter(self, llama: Any, key: str) -> None:
        self._entered = key
        if self.limit <= 0 or key == self._current:
            return
        state = self._states.get(key)
        if state is not None:
            import llama_cpp

            if llama_cpp.llama_state_set_data(llama._ctx.ctx, state.data, state.size) != state.size:
                raise BackendError("Could not restore a saved llama.cpp state.")
            count = len(state.tokens)
            llama.input_ids[:count] = state.tokens
            llama.n_tokens = count
            llama._requires_eval = True
            self._states.move_to_end(key)
        self._current = key

    def leave(self, llama: Any) -> None:
        key, self._entered = self._entered, None
        if self.limit <= 0 or key is None:
            return
        import llama_cpp

        ctx = llama._ctx.ctx
        capacity = llama_cpp.llama_state_get_size(ctx)
        data = (ctypes.c_uint8 * capacity)()
        size = llama_cpp.llama_state_get_data(ctx, data, capacity)
        self._states[key] = _State(data, size, llama.input_ids[: llama.n_tokens].copy())
        self._states.move_to_end(key)
        while len(self._states) > self.limit:
            self._states.popitem(last=False)
        self._current = key

    def forget_current(self) -> None:
        self._current = None

    def __len__(self) -> int:
        return len(self._states)
