"""Groups of students joined by reported pairs: the clusters of one function, the pairs across a problem set.

Several students who pasted the same answer (a classmate's, or one chatbot
answer) show as many pairs; as a *cluster* they are one finding. A cluster
is a connected component of the reported pairs of one function (union–find):
everyone in it is linked to someone else in it by a pair at or above the
threshold, not necessarily to everyone. Across a problem set, the students
reported together for several of its functions are listed first: one
coincidence is likely somewhere in a large class, the same two students in
three functions much less so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Cluster:
    """Students (indexes into a function's entries) joined by reported pairs, and their highest score."""

    members: tuple
    top: float
    pairs: int


def clusters(pairs) -> list:
    """The :class:`Cluster` of ``pairs`` (:class:`autograder.similarity.index.Pair`), largest first."""
    parent = {}

    def root(i):
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for p in pairs:
        parent[root(p.a)] = root(p.b)
    groups = defaultdict(list)
    for i in list(parent):
        groups[root(i)].append(i)
    out = []
    for members in groups.values():
        inside = [p for p in pairs if root(p.a) == root(members[0])]
        out.append(Cluster(tuple(sorted(members)), max(p.score for p in inside), len(inside)))
    return sorted(out, key=lambda c: (-len(c.members), -c.top, c.members))


def repeated_pairs(found: dict) -> list:
    """``[(student a, student b, [(function, score)])]`` of the students reported together for two or more
    functions of one problem set; ``found`` is ``{function: [(student a, student b, score)]}``."""
    together = defaultdict(list)
    for function, pairs in found.items():
        for a, b, score in pairs:
            together[tuple(sorted((a, b)))].append((function, score))
    repeated = [(a, b, sorted(hits, key=lambda h: -h[1])) for (a, b), hits in together.items() if len(hits) > 1]
    return sorted(repeated, key=lambda r: (-len(r[2]), -sum(s for _, s in r[2]), r[0], r[1]))
