"""Near-duplicate stories: a syndicated copy or a page saved twice is found at ingest by MinHash
over word shingles (datasketch) with locality-sensitive bands, and stored once.

    sig = signature(text)
    bands(sig)               # keys under which similar texts meet in the catalogue
    similarity(sig, other)   # estimated Jaccard similarity of the two texts' shingles
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

NUM_PERM = 128
BANDS = 32  # 32 bands of 4 rows: texts above ~0.5 Jaccard meet in a band with high probability
SHINGLE = 3  # words
DUPLICATE_AT = 0.8  # estimated Jaccard similarity from which two articles are one story

_WORD = re.compile(r"\w+", re.UNICODE)


def signature(text: str) -> list[int]:
    from datasketch import MinHash

    words = [w.casefold() for w in _WORD.findall(text)]
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    minhash = MinHash(num_perm=NUM_PERM, seed=1)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return [int(v) for v in minhash.hashvalues]


def bands(sig: Sequence[int]) -> list[str]:
    rows = len(sig) // BANDS
    return [hashlib.blake2b(",".join(map(str, sig[i * rows : (i + 1) * rows])).encode(), digest_size=8).hexdigest() for i in range(BANDS)]


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    return sum(x == y for x, y in zip(a, b)) / max(1, min(len(a), len(b)))
