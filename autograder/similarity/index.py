r"""Pairs of students whose versions of one function share unusually much, judged against the class.

No two texts are compared whole. For one graded function of one problem set, every student's fingerprints
(given code removed, :mod:`.corpus`) go into one inverted index, a sparse matrix with one row per student
and one column per fingerprint; the pairs that share at least one fingerprint come out of one sparse
product, :math:`X X^\top`, whose work is :math:`\sum_h d_h^2`.

**Versions alike as a group count once.** Students whose versions are nearly the same (the smaller shares
at least :data:`NEAR` of its fingerprints with the other, and at least :data:`GROUP_SHARED`: a line or two
written alike is what independent students do) form a *group* (connected components); so do the students
the report finds together. A fingerprint's frequency :math:`d_h` is the number of *groups* that
hold it, out of :math:`G` groups, and its weight

.. math:: w_h = \log\frac{G + 1}{d_h},

so that what many independent students wrote weighs little, and eleven students who pasted one answer, or
a copy's extra holders, do not make that answer common: a pair's evidence never falls because others
hold the same code (MOSS's and Dolos's frequency filter, which drops what more than a few students hold,
would hide exactly those groups). The **score** of students :math:`a` and :math:`b` with fingerprint sets
:math:`A` and :math:`B` is

.. math:: s(a, b) = \frac{\sum_{h \in A \cap B} w_h}
                         {w_{\max} \, \max\left(\frac{|A| + |B|}{2}, \frac{L}{2}\right)},
          \qquad w_{\max} = \log(G + 1),

with :math:`L` the median number of fingerprints of the function's versions in the class: 1 for two
versions of typical length identical once normalised that no other group wrote; lower as the shared code
is common, as less of the two is shared, and for versions much shorter than the class's typical one.

**Judged against the class.** A pair is reported when its score is at least :data:`THRESHOLD`, when it
shares at least :data:`MIN_SHARED` fingerprints of its own (a match of a line or two is found between
independent students by chance, whatever its score), and when its score stands out from the function's
own pairs between groups: at least :data:`MARGIN` above their 99th percentile (a function everyone writes
the same way, a one-line formula, is not reported for looking like itself). The class's pairs are taken
without each student's best match, which for a copier is the copy's original: the copies in a class do not
raise the bar they are judged by. Groups of three or more are
shown as groups whatever their size, and whether or not they are reported. Neither the score nor a report
is a probability or a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from autograder.similarity.corpus import Entry

#: Scores from this on may be reported (``--threshold``).
THRESHOLD = 0.22
#: Fingerprints of its own (not given code) a pair shares, at least, to be reported (a line or so).
MIN_SHARED = 3
#: A reported pair's score is at least this much above the 99th percentile of the function's pairs between
#: groups.
MARGIN = 0.12
#: Two versions are one group when the smaller shares this share of its fingerprints with the other.
NEAR = 0.8
#: Fingerprints two versions share, at least, to count as one group (a line or two written alike is what
#: independent students do: they count as two holders of it).
GROUP_SHARED = 10
#: At most this many pairs of one function are listed (the highest scores).
MAX_PAIRS = 200
#: Rounds of grouping the reported pairs and weighing again.
ROUNDS = 3


@dataclass(frozen=True)
class Pair:
    """Two students' versions of one function (indexes into the function's entries, ``a < b``), and why.

    ``shared``: fingerprints of their own they share; ``holders``: how many other groups of the class hold
    the rarest half of those (0: nobody else wrote them); ``percentile``: the share of the function's pairs
    scoring lower; ``group``: the index of their group in :attr:`Compared.groups` (-1: none of three or more).
    """

    a: int
    b: int
    score: float
    shared: int
    holders: int = 0
    percentile: float = 0.0
    group: int = -1


@dataclass(frozen=True)
class Group:
    """Students (indexes into the function's entries) whose versions are alike: nearly the same, or
    reported together; ``reported`` when a pair of them is."""

    members: tuple[int, ...]
    reported: bool
    top: float


@dataclass
class Compared:
    """The reported pairs of one function, highest first, and what the class looked like.

    ``above`` counts every reported pair (``pairs`` keeps at most :data:`MAX_PAIRS`); ``quantiles`` are the
    95th and 99th percentiles of the scores of all the function's pairs between groups (pairs sharing
    nothing counted as 0); ``cutoff`` the score a pair needed; ``groups`` the groups of three or more.
    """

    entries: list[Entry]
    pairs: list[Pair] = field(default_factory=list)
    above: int = 0
    typical: float = 0.0
    quantiles: tuple[float, ...] = (0.0, 0.0)
    cutoff: float = 0.0
    short: int = 0
    groups: list[Group] = field(default_factory=list)
    counted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scores: dict[tuple[int, int], float] = field(default_factory=dict)
    shared: dict[tuple[int, int], int] = field(default_factory=dict)


def fingerprint_sets(entries: Sequence[Entry], given: np.ndarray) -> list[np.ndarray]:
    """Each entry's fingerprints as a sorted array without duplicates, given code removed."""
    return [np.setdiff1d(np.unique(e.document.hashes), given, assume_unique=True) for e in entries]


def _quantiles(scores: np.ndarray, pairs: int) -> tuple[float, ...]:
    """The 95th and 99th percentiles of ``pairs`` scores: ``scores`` (the nonzero ones) and zeros."""
    if pairs <= 0:
        return 0.0, 0.0
    ordered = np.sort(scores)
    zeros = pairs - len(ordered)
    out = []
    for q in (0.95, 0.99):
        rank = min(int(math.ceil(q * pairs)) - 1, pairs - 1)
        out.append(0.0 if rank < zeros else float(ordered[rank - zeros]))
    return tuple(out)


def _components(n: int, links: Iterable[tuple[int, int]]) -> np.ndarray:
    """The connected component of each of ``n`` items joined by ``links`` (pairs of indexes), numbered 0…"""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        parent[root(int(a))] = root(int(b))
    roots = [root(i) for i in range(n)]
    _, number = np.unique(roots, return_inverse=True)
    return number


def _weights(rows: np.ndarray, column: np.ndarray, groups: np.ndarray, columns: int,
             ) -> tuple[np.ndarray, np.ndarray, int]:
    """``(w_h, d_h, G)``: each fingerprint's weight from the number of groups holding it."""
    held = np.unique(groups[rows] * columns + column)  # one (group, fingerprint) per holding group
    d = np.bincount(held % columns, minlength=columns).astype(float)
    g = int(groups.max()) + 1 if len(groups) else 0
    with np.errstate(divide="ignore"):
        w = np.where(d > 0, np.log((g + 1) / np.maximum(d, 1)), 0.0)
    return w, d, g


def compare(entries: Sequence[Entry], given: np.ndarray, threshold: float | None = None,
            limit: int = MAX_PAIRS) -> Compared:
    """The :class:`Compared` of one function's ``entries`` (:class:`autograder.similarity.corpus.Entry`):
    its pairs judged against the class (see the module docstring), at most ``limit`` of them listed;
    ``threshold`` (default :data:`THRESHOLD`) is the least score reported.

    Versions with no fingerprint of their own (nothing but given code, or shorter than a k-gram) are not
    compared: ``short`` counts them.
    """
    threshold = THRESHOLD if threshold is None else threshold
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
    used = counts[column] > 1  # a fingerprint only one student has is never shared
    rows_u, column_u = rows[used], column[used]
    ones = sparse.csr_matrix((np.ones(used.sum()), (rows_u, column_u)), shape=(n, len(unique)))
    shared = sparse.triu(ones @ ones.T, k=1).tocoo()
    a, b, common = shared.row, shared.col, shared.data
    near = (common >= NEAR * np.minimum(sizes[a], sizes[b])) & (common >= GROUP_SHARED)
    groups = _components(n, zip(a[near], b[near]))
    for _ in range(ROUNDS):
        w, d, g = _weights(rows_u, column_u, groups, len(unique))
        x = sparse.csr_matrix((np.sqrt(w[column_u]), (rows_u, column_u)), shape=(n, len(unique)))
        weighted = sparse.triu(x @ x.T, k=1).tocsr()
        wmax = math.log(g + 1)
        total = np.asarray(weighted[a, b]).ravel()
        scores = total / (wmax * np.maximum((sizes[a] + sizes[b]) / 2, out.typical / 2))
        background = (groups[a] != groups[b]) & ~_best(a, b, scores, n)
        out.quantiles = _quantiles(scores[background], max(1, _pairs_between(groups) - int(np.sum(
            (groups[a] != groups[b]) & ~background))))
        out.cutoff = max(threshold, out.quantiles[1] + MARGIN)
        reported = (scores >= out.cutoff) & (common >= MIN_SHARED)
        linked = reported & (common >= GROUP_SHARED)
        joined = _components(n, list(zip(a[near], b[near])) + list(zip(a[linked], b[linked])))
        if np.array_equal(joined, groups):
            break
        groups = joined
    out.counted = unique[(w > 0) & (counts > 1)]
    out.scores = {(int(i), int(j)): float(s) for i, j, s in zip(a, b, scores)}
    out.shared = {(int(i), int(j)): int(c) for i, j, c in zip(a, b, common)}
    order = np.sort(scores)
    pairs_total = n * (n - 1) // 2
    members = [np.flatnonzero(groups == k) for k in range(int(groups.max()) + 1)]
    out.groups = [Group(tuple(int(i) for i in m), bool(np.any(reported & (groups[a] == k))),
                        float(scores[(groups[a] == k) & (groups[b] == k)].max(initial=0.0)))
                  for k, m in enumerate(members) if len(m) >= 3]
    out.groups.sort(key=lambda grp: (-grp.reported, -len(grp.members), -grp.top, grp.members))
    group_of = {i: k for k, grp in enumerate(out.groups) for i in grp.members}
    top = np.flatnonzero(reported)
    out.above = len(top)
    top = top[np.lexsort((b[top], a[top], -scores[top]))][:limit]
    # each student's shared fingerprints (rows_u is in student order, a student's columns distinct)
    held = np.split(column_u, np.cumsum(np.bincount(rows_u, minlength=n))[:-1])
    for i in top:
        mine = np.intersect1d(held[a[i]], held[b[i]], assume_unique=True)
        own = 1 if groups[a[i]] == groups[b[i]] else 2
        others = np.sort(d[mine] - own)  # groups holding each shared fingerprint, the pair's own not counted
        rare = int(others[: max(1, len(others) // 2)].max()) if len(others) else 0
        below = (pairs_total - len(order) + np.searchsorted(order, scores[i], side="left")) / pairs_total
        same = group_of.get(int(a[i]), -1)
        out.pairs.append(Pair(int(a[i]), int(b[i]), float(scores[i]), int(common[i]), rare, float(below),
                              same if same == group_of.get(int(b[i]), -2) else -1))
    return out


def _best(a: np.ndarray, b: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    """Which pairs are the best match of one of their two students (a copy is its original's, mostly): left
    out of the class's background, so that the copies in a class do not raise the bar they are judged by."""
    top = np.full(n, -1.0)
    np.maximum.at(top, a, scores)
    np.maximum.at(top, b, scores)
    return (scores >= top[a]) | (scores >= top[b])


def _pairs_between(groups: np.ndarray) -> int:
    """Pairs of students in different groups."""
    sizes = np.bincount(groups)
    n = len(groups)
    return int((n * n - np.sum(sizes ** 2)) // 2)
