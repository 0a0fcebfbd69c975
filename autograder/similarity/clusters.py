"""The same students reported together across a problem set's functions.

One coincidence is likely somewhere in a large class, the same two students
in three functions much less so: the students reported together for several
functions of one problem set are listed first. (The groups of one function,
students whose versions are alike however many, are the index's:
:attr:`autograder.similarity.index.Compared.groups`.)
"""

from __future__ import annotations

from collections import defaultdict


def repeated_pairs(found: dict[str, list[tuple[str, str, float]]]) -> list[tuple[str, str, list[tuple[str, float]]]]:
    """``[(student a, student b, [(function, score)])]`` of the students reported together for two or more
    functions of one problem set; ``found`` is ``{function: [(student a, student b, score)]}``."""
    together: defaultdict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
    for function, pairs in found.items():
        for a, b, score in pairs:
            together[tuple(sorted((a, b)))].append((function, score))
    repeated = [(a, b, sorted(hits, key=lambda h: -h[1])) for (a, b), hits in together.items() if len(hits) > 1]
    return sorted(repeated, key=lambda r: (-len(r[2]), -sum(s for _, s in r[2]), r[0], r[1]))
