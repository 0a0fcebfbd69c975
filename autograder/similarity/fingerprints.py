"""Fingerprints of a token stream: hashed k-grams, winnowed by copydetect.

Each token is hashed to 64 bits (BLAKE2b, the same in every process and
every run: Python's own string hash is salted per process), each run of
:data:`K` consecutive tokens to one 64-bit k-gram hash (a polynomial rolling
hash, computed with NumPy's wrapping unsigned arithmetic), and copydetect's
robust winnowing (``copydetect.utils.winnow``: the minimum hash of every
window of :data:`WINDOW` k-grams, the rightmost on ties) selects the
fingerprints. Every common run of at least ``K + WINDOW - 1`` tokens shares
a fingerprint (winnowing's guarantee); no run shorter than ``K`` does.

A fingerprint keeps the position of its first token in the stream, so that a
match can be shown where it is (:func:`copydetect.utils.get_copied_slices`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from copydetect.utils import winnow

#: Tokens in a k-gram (the noise threshold: a common run shorter than this is never a match). A token is a
#: syntax node: a line such as ``m = np.max(z, axis=axis)`` is about 10. Chosen on the planted copies of
#: tests/test_similarity_detection.py (6 tokens let coincidences through; 10 to 14 did equally well).
K = 10
#: k-grams in a winnowing window (1 keeps every k-gram): a common run of K + WINDOW - 1 = 13 tokens or
#: more always shares a fingerprint; the index holds about 2 / (WINDOW + 1) of the k-grams.
WINDOW = 4
_BASE = np.uint64(0x100000001B3)  # the FNV prime: odd, so the rolling hash loses no bits


@lru_cache(maxsize=1 << 16)
def token_hash(token: str) -> int:
    """A token's 64-bit hash (BLAKE2b), the same in every process."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def kgram_hashes(tokens: Sequence[str], k: int) -> np.ndarray:
    """``h[i] = Σ_j t[i+j] · B^(k-1-j) mod 2^64`` over the token hashes ``t``; empty when fewer than ``k`` tokens."""
    t = np.fromiter((token_hash(tok) for tok in tokens), dtype=np.uint64, count=len(tokens))
    n = len(t) - k + 1
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + t[j:j + n]
    return h.view(np.int64)


def fingerprints(tokens: Sequence[str], k: int | None = None, window: int | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, positions)``: the winnowed k-gram hashes of ``tokens`` and where each k-gram starts
    (``k`` and ``window`` default to :data:`K` and :data:`WINDOW`)."""
    k, window = k or K, window or WINDOW
    hashes = kgram_hashes(tokens, k)
    if len(hashes) == 0:
        return hashes, np.empty(0, dtype=np.int64)
    selected, positions = winnow(hashes, window, remove_duplicates=False)
    return np.asarray(selected, dtype=np.int64), np.asarray(positions, dtype=np.int64)
