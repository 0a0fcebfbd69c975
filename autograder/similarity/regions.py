"""Where two versions of a function match: the lines of each, grouped into numbered regions.

copydetect finds the positions of the fingerprints two documents share
(``copydetect.utils.find_fingerprint_overlap``) and merges them into runs of
tokens (``copydetect.utils.get_copied_slices``: overlapping k-grams make one
run). Only fingerprints that weigh in the score count (given code and what
much of the class shares are not shown as matches). Each run of the first
student's version is a *region*, numbered from 1 in order; a run of the
second's gets the number of the region it shares most fingerprints with, so
the side-by-side view colours the same region alike on both sides. A token
knows its definition and line (:class:`autograder.similarity.document.Document`),
so the regions are shown in the code as the students wrote it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from copydetect.utils import find_fingerprint_overlap, get_copied_slices

from autograder.similarity.document import Document
from autograder.similarity.fingerprints import K

#: ``{(piece, line): region}``: where a version's lines match the other's.
Lines = dict[tuple[int, int], int]


def _index(doc: Document, keep: set[int]) -> tuple[set[int], dict[int, list[int]]]:
    positions: dict[int, list[int]] = {}
    for h, p in zip(doc.hashes.tolist(), doc.positions.tolist()):
        if h in keep:
            positions.setdefault(h, []).append(p)
    return set(positions), positions


def _runs(overlap: np.ndarray) -> list[tuple[int, int]]:
    starts, ends = get_copied_slices(np.asarray(overlap, dtype=np.int64), K)
    return [(int(s), int(e)) for s, e in zip(starts, ends)]


def _lines(doc: Document, runs: list[tuple[int, int]], labels: list[int]) -> Lines:
    """``{(piece, line): region}`` of the tokens in ``runs`` (the lowest region number on a shared line)."""
    out: Lines = {}
    for (start, end), label in zip(runs, labels):
        for piece, line in doc.places[start:min(end, len(doc.places))].tolist():
            out[(piece, line)] = min(out.get((piece, line), label), label)
    return out


def matched_lines(doc_a: Document, doc_b: Document, counted: np.ndarray) -> tuple[Lines, Lines]:
    """``(lines of a, lines of b)``: ``{(piece, line): region}`` for each of the two documents."""
    shared = set(np.intersect1d(np.intersect1d(doc_a.hashes, doc_b.hashes), counted).tolist())
    if not shared:
        return {}, {}
    set_a, idx_a = _index(doc_a, shared)
    set_b, idx_b = _index(doc_b, shared)
    overlap_a, overlap_b = find_fingerprint_overlap(set_a, set_b, idx_a, idx_b)
    runs_a, runs_b = _runs(overlap_a), _runs(overlap_b)
    region_of: dict[int, int] = {}
    for number, (start, end) in enumerate(runs_a, 1):
        for h, p in zip(doc_a.hashes.tolist(), doc_a.positions.tolist()):
            if start <= p < end and h in shared:
                region_of.setdefault(h, number)
    labels_b = []
    for start, end in runs_b:
        votes = Counter(region_of[h] for h, p in zip(doc_b.hashes.tolist(), doc_b.positions.tolist())
                        if start <= p < end and h in region_of)
        labels_b.append(votes.most_common(1)[0][0] if votes else 1)
    return _lines(doc_a, runs_a, list(range(1, len(runs_a) + 1))), _lines(doc_b, runs_b, labels_b)
