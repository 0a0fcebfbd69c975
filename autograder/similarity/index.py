r"""Pairs of students whose versions of one function share unusually much: an inverted index, then a score.

No two texts are compared whole. For one graded function of one problem
set, every student's fingerprints (given code removed, :mod:`.corpus`) go
into one inverted index: a sparse matrix, one row per student, one column per
fingerprint. A fingerprint's **document frequency** :math:`d_h` is the number
of students who have it, and its weight

.. math:: w_h = \log\frac{N + 1}{d_h} \quad (d_h \le D), \qquad w_h = 0 \quad (d_h > D),

with :math:`N` the students compared and :math:`D = \max(10, \lceil\sqrt N\,\rceil)`
(:func:`common_limit`): what many students of the class share counts less,
and what more than :math:`D` share counts for nothing (MOSS's and Dolos's
frequency filter). The pairs that share at least one weighted fingerprint
are found by one sparse product, :math:`X X^\top`, whose work is
:math:`\sum_h d_h^2 \le D \sum_h d_h`: linear in the class, never quadratic.

The **score** of students :math:`a` and :math:`b`, with fingerprint sets
:math:`A` and :math:`B`, is

.. math:: s(a, b) = \frac{\sum_{h \in A \cap B} w_h}
                         {w_{\max} \, \max\left(\frac{|A| + |B|}{2}, \frac{L}{2}\right)},
          \qquad w_{\max} = \log\frac{N + 1}{2},

where :math:`L` is the median number of fingerprints of the function's
versions in the class. It is 1 when two versions of typical length are
identical once normalised and nobody else wrote that code; it falls as the
shared code is shared by more of the class (the weights), as less of the two
versions is shared (the first term of the max), and for versions much
shorter than the class's typical one, however alike (the second term: a
one-line function can be written alike by coincidence). It is not a
probability and not a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

#: Scores from this on are reported (``--threshold``).
THRESHOLD = 0.4
#: At most this many pairs of one function are reported (the highest scores).
MAX_PAIRS = 200


def common_limit(students: int) -> int:
    """:math:`D`: fingerprints that more students share than this weigh nothing."""
    return max(10, math.isqrt(max(students - 1, 0)) + 1)


@dataclass(frozen=True)
class Pair:
    """Two students' versions of one function (indexes into the function's entries, ``a < b``)."""

    a: int
    b: int
    score: float
    shared: int


@dataclass
class Compared:
    """The pairs of one function above the threshold, highest first, and what the class looked like.

    ``above`` counts every pair at or above the threshold (``pairs`` keeps at
    most :data:`MAX_PAIRS`); ``quantiles`` are the 95th and 99th percentiles
    of the scores of all the function's pairs (pairs that share nothing
    counted as 0): what pairs of this function reach in this class.
    """

    entries: list
    pairs: list = field(default_factory=list)
    above: int = 0
    typical: float = 0.0
    quantiles: tuple = (0.0, 0.0)
    short: int = 0
    counted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


def fingerprint_sets(entries, given: np.ndarray) -> list:
    """Each entry's fingerprints as a sorted array without duplicates, given code removed."""
    return [np.setdiff1d(np.unique(e.document.hashes), given, assume_unique=True) for e in entries]


def _quantiles(scores: np.ndarray, pairs: int) -> tuple:
    """The 95th and 99th percentiles of ``pairs`` scores: ``scores`` (the nonzero ones) and zeros."""
    if pairs == 0:
        return 0.0, 0.0
    ordered = np.sort(scores)
    zeros = pairs - len(ordered)
    out = []
    for q in (0.95, 0.99):
        rank = min(int(math.ceil(q * pairs)) - 1, pairs - 1)
        out.append(0.0 if rank < zeros else float(ordered[rank - zeros]))
    return tuple(out)


def compare(entries, given: np.ndarray, threshold: float = THRESHOLD, limit: int = MAX_PAIRS) -> Compared:
    """The :class:`Compared` of one function's ``entries`` (:class:`autograder.similarity.corpus.Entry`):
    its pairs scoring ``threshold`` or more, at most ``limit`` of them.

    Versions with no fingerprint of their own (nothing but given code, or
    shorter than a k-gram) are not compared: ``short`` counts them.
    """
    sets = fingerprint_sets(entries, given)
    kept = [i for i, s in enumerate(sets) if len(s)]
    out = Compared([entries[i] for i in kept], short=len(entries) - len(kept))
    n = len(kept)
    if n < 2:
        return out
    sets = [sets[i] for i in kept]
    sizes = np.array([len(s) for s in sets], dtype=float)
    out.typical = float(np.median(sizes))
    rows = np.repeat(np.arange(n), sizes.astype(int))
    unique, column, counts = np.unique(np.concatenate(sets), return_inverse=True, return_counts=True)
    weight = np.log((n + 1) / counts)
    weight[(counts < 2) | (counts > common_limit(n))] = 0.0
    out.counted = unique[weight > 0]
    used = weight[column] > 0
    x = sparse.csr_matrix((np.sqrt(weight[column[used]]), (rows[used], column[used])), shape=(n, len(unique)))
    ones = sparse.csr_matrix((np.ones(used.sum()), (rows[used], column[used])), shape=(n, len(unique)))
    product = sparse.triu(x @ x.T, k=1).tocoo()
    shared = sparse.triu(ones @ ones.T, k=1).tocsr()
    wmax = math.log((n + 1) / 2)
    a, b = product.row, product.col
    scores = product.data / (wmax * np.maximum((sizes[a] + sizes[b]) / 2, out.typical / 2))
    out.quantiles = _quantiles(scores, n * (n - 1) // 2)
    top = np.flatnonzero(scores >= threshold)
    out.above = len(top)
    top = top[np.lexsort((b[top], a[top], -scores[top]))][:limit]
    out.pairs = [Pair(int(a[i]), int(b[i]), float(scores[i]), int(shared[a[i], b[i]])) for i in top]
    return out
