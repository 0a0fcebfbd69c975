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
raise the bar they are judged by. A pair that a third student, of another group, matches about as well as the
two match each other does not stand out (three versions alike two by two: the textbook form three students wrote
alike), and is not reported. Groups of three or more are
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
#: Versions nearly the same count as one holder of what they share only when they share this many times the
#: function's typical number of fingerprints (or :data:`GROUP_SHARED`): long code written alike is not chance,
#: while the short textbook form that several students write independently stays several holders (1.5 before
#: branches and helpers were written one way, which made a class's typical version longer; the real-code tuning
#: half reports the same from 1.2 to 1.5).
LONG = 1.25
#: At most this many pairs of one function are listed (the highest scores).
MAX_PAIRS = 200
#: Evidence (rarity-weighted fingerprints of their own in common) a reported pair has at least: about two lines
#: of code that no other group of the class wrote (chosen on the real-code benchmark's tuning half).
MIN_EVIDENCE = 6.0
#: A reported pair's evidence is at least this much above the function's other pairs (their highest left out).
EVIDENCE_MARGIN = 2.0
#: The highest pairs of a function's other pairs left out of what a pair is judged against, at least (or 1 % of
#: them, or one for every two students).
TOLERATED = 2
#: Rounds of grouping the reported pairs and weighing again.
ROUNDS = 3


@dataclass(frozen=True)
class Pair:
    """Two students' versions of one function (indexes into the function's entries, ``a < b``), and why.

    ``shared``: fingerprints of their own they share; ``holders``: how many other groups of the class hold
    the rarest half of those (0: nobody outside their group wrote them); ``percentile``: the share of the
    function's pairs scoring lower; ``group``: the index of their group in :attr:`Compared.groups` (-1: none of
    three or more); ``alike``: how many students wrote this version nearly the same (2: the pair alone).
    """

    a: int
    b: int
    score: float
    shared: int
    holders: int = 0
    percentile: float = 0.0
    group: int = -1
    alike: int = 2
    evidence: float = 0.0


@dataclass(frozen=True)
class Group:
    """Students (indexes into the function's entries) every pair of whom is reported (``reported`` is always
    True: a group is a report of each pair inside it)."""

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
    informative: bool = True
    needed: float = 0.0
    counted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scores: dict[tuple[int, int], float] = field(default_factory=dict)
    shared: dict[tuple[int, int], int] = field(default_factory=dict)
    evidence: dict[tuple[int, int], float] = field(default_factory=dict)


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
    # the typical version: the median of the *distinct* versions (eleven students who pasted one answer are one
    # version of it, not the class's typical length)
    distinct = {s.tobytes(): len(s) for s in sets}
    out.typical = float(np.median(list(distinct.values())))
    rows = np.repeat(np.arange(n), sizes.astype(int))
    unique, column, counts = np.unique(np.concatenate(sets), return_inverse=True, return_counts=True)
    used = counts[column] > 1  # a fingerprint only one student has is never shared
    rows_u, column_u = rows[used], column[used]
    ones = sparse.csr_matrix((np.ones(used.sum()), (rows_u, column_u)), shape=(n, len(unique)))
    shared = sparse.triu(ones @ ones.T, k=1).tocoo()
    a, b, common = shared.row, shared.col, shared.data
    # versions nearly the same *and long for this function* are one holder of what they share; short ones
    # written alike (the textbook form) stay separate holders, so that what several wrote weighs little
    long_enough = max(GROUP_SHARED, LONG * out.typical)
    near = (common >= NEAR * np.minimum(sizes[a], sizes[b])) & (common >= long_enough)
    groups = _components(n, zip(a[near], b[near]))
    for _ in range(ROUNDS):
        w, d, g = _weights(rows_u, column_u, groups, len(unique))
        x = sparse.csr_matrix((np.sqrt(w[column_u]), (rows_u, column_u)), shape=(n, len(unique)))
        weighted = sparse.triu(x @ x.T, k=1).tocsr()
        wmax = math.log(g + 1)
        total = np.asarray(weighted[a, b]).ravel() if len(a) else np.zeros(0)  # (no pair shares anything)
        evidence = total / wmax if wmax > 0 else total
        scores = evidence / np.maximum((sizes[a] + sizes[b]) / 2, out.typical / 2)
        reported = _judged(scores, evidence, groups[a] != groups[b], _pairs_between(groups), threshold, out, n)
        # long versions nearly the same join one group (before the third-student rule: students who handed in one
        # long answer are one group however many they are, and are judged inside it)
        linked = reported & (common >= long_enough)
        reported &= ~_shared_with_a_third(a, b, evidence, groups, reported, n)
        joined = _components(n, list(zip(a[near], b[near])) + list(zip(a[linked], b[linked])))
        if np.array_equal(joined, groups):
            break
        groups = joined
    out.counted = unique[(w > 0) & (counts > 1)]
    out.scores = {(int(i), int(j)): float(s) for i, j, s in zip(a, b, scores)}
    out.shared = {(int(i), int(j)): int(c) for i, j, c in zip(a, b, common)}
    out.evidence = {(int(i), int(j)): float(e) for i, j, e in zip(a, b, evidence)}
    order = np.sort(scores)
    pairs_total = n * (n - 1) // 2
    out.groups = _reported_groups(n, a, b, reported, scores)
    group_of = {i: k for k, grp in enumerate(out.groups) for i in grp.members}
    top = np.flatnonzero(reported)
    out.above = len(top)
    top = top[np.lexsort((b[top], a[top], -scores[top]))][:limit]
    # each student's shared fingerprints (rows_u is in student order, a student's columns distinct)
    held = np.split(column_u, np.cumsum(np.bincount(rows_u, minlength=n))[:-1])
    members = np.bincount(groups)
    for i in top:
        mine = np.intersect1d(held[a[i]], held[b[i]], assume_unique=True)
        own = 1 if groups[a[i]] == groups[b[i]] else 2
        others = np.sort(d[mine] - own)  # groups holding each shared fingerprint, the pair's own not counted
        rare = int(others[: max(1, len(others) // 2)].max()) if len(others) else 0
        below = (pairs_total - len(order) + np.searchsorted(order, scores[i], side="left")) / pairs_total
        same = group_of.get(int(a[i]), -1)
        out.pairs.append(Pair(int(a[i]), int(b[i]), float(scores[i]), int(common[i]), rare, float(below),
                              same if same == group_of.get(int(b[i]), -2) else -1,
                              int(members[groups[a[i]]]) if groups[a[i]] == groups[b[i]] else 2,
                              float(evidence[i])))
    return out


def _judged(scores: np.ndarray, evidence: np.ndarray, between: np.ndarray, pairs_between: int, threshold: float,
            out: Compared, students: int) -> np.ndarray:
    """Which pairs are reported (``out.quantiles``, ``out.cutoff``, ``out.needed``, ``out.informative`` set).

    A pair's *evidence* is the rarity-weighted number of fingerprints of their own the two share (each
    fingerprint as much as :math:`w_h / w_{\\max}`: 1 when no other group of the class holds it). The function's
    own distribution of independent work is the evidence of its pairs between groups (pairs sharing nothing
    count as 0). A pair is reported when its evidence is at least :data:`MIN_EVIDENCE`, at least
    :data:`EVIDENCE_MARGIN` above the 99th percentile of the *other* pairs of that distribution (its own left
    out, so that one copy in a small class is judged against the rest), and its score at least ``threshold``.
    When the evidence a pair needs, plus the margin, is more than a typical version's own fingerprints (a copy of a
    typical version would not stand out: one-line code, or code the class writes alike), its versions cannot be told apart in
    this class: nothing of it is reported (``out.informative`` False; the page says so).
    """
    background = np.sort(evidence[between])
    total = max(1, pairs_between)
    out.quantiles = _quantiles(np.sort(scores[between]), total)
    # the function's other pairs, their highest `tolerated` left out: the copies in a class (1 % of its pairs, or
    # one pair for every two students: a student's best match may be a copy) do not raise the bar their own pairs
    # are judged by; a pair among those highest leaves its own place
    tolerated = max(TOLERATED, int(math.ceil(0.01 * total)), students // 2)
    ranked = np.concatenate([background[::-1], np.zeros(max(0, tolerated + 2 - len(background)))])
    base = np.where(between & (evidence >= ranked[tolerated]), ranked[tolerated + 1], ranked[tolerated])
    out.needed = max(MIN_EVIDENCE, float(ranked[tolerated]) + EVIDENCE_MARGIN)
    out.cutoff = threshold
    # an identical copy of a typical version, which no one else wrote, has about `typical` evidence: when even
    # that would not clear the bar by the margin, the class's versions cannot be told apart (short code, or code
    # all alike)
    out.informative = out.needed + EVIDENCE_MARGIN <= out.typical
    reported = (evidence >= np.maximum(MIN_EVIDENCE, base + EVIDENCE_MARGIN)) & (scores >= threshold)
    if not out.informative:
        reported[:] = False
    return reported


def _shared_with_a_third(a: np.ndarray, b: np.ndarray, evidence: np.ndarray, groups: np.ndarray,
                         candidates: np.ndarray, n: int) -> np.ndarray:
    """Which ``candidates`` (pairs between groups) a third student, of another group than both, matches about
    as well: evidence with each of the two within :data:`EVIDENCE_MARGIN` of the pair's own. Three versions
    alike by two and two (the textbook form three students wrote alike) do not stand out from one another;
    students who handed in one long version are one group, and are judged inside it."""
    out = np.zeros(len(a), dtype=bool)
    todo = np.flatnonzero(candidates & (groups[a] != groups[b]))
    if not len(todo):
        return out
    matrix = sparse.coo_matrix((np.concatenate([evidence, evidence]), (np.concatenate([a, b]), np.concatenate([b, a]))),
                               shape=(n, n)).tocsr()
    for k in todo:
        i, j = int(a[k]), int(b[k])
        row_i = matrix.getrow(i).toarray().ravel()
        row_j = matrix.getrow(j).toarray().ravel()
        third = np.minimum(row_i, row_j)
        third[(groups == groups[i]) | (groups == groups[j])] = 0.0
        out[k] = third.max(initial=0.0) >= evidence[k] - EVIDENCE_MARGIN
    return out


def _reported_groups(n: int, a: np.ndarray, b: np.ndarray, reported: np.ndarray, scores: np.ndarray,
                     ) -> list[Group]:
    """Groups of three or more students every pair of which is reported (a group is a report of each pair
    inside it, so it is one only when each of them stands out): the connected components of the reported
    pairs that are cliques; students joined otherwise are listed as their pairs."""
    component = _components(n, zip(a[reported], b[reported]))
    out = []
    for k in range(int(component.max()) + 1):
        members = np.flatnonzero(component == k)
        if len(members) < 3:
            continue
        inside = reported & (component[a] == k) & (component[b] == k)
        if int(inside.sum()) == len(members) * (len(members) - 1) // 2:
            out.append(Group(tuple(int(i) for i in members), True, float(scores[inside].max(initial=0.0))))
    out.sort(key=lambda grp: (-len(grp.members), -grp.top, grp.members))
    return out


def _pairs_between(groups: np.ndarray) -> int:
    """Pairs of students in different groups."""
    sizes = np.bincount(groups)
    n = len(groups)
    return int((n * n - np.sum(sizes ** 2)) // 2)
