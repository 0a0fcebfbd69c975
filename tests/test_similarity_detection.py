"""The similarity report finds planted copies among independent versions of every function.

The class (:func:`testkit.similarity_class.write_class`) is real notebooks, read
by the report's own reader: student ``ind-NN`` wrote version NN of each
function independently (the reference solution cell, the bug zoo's specimens
right and wrong, and :data:`testkit.independent.INDEPENDENT`, written by hand;
10 to 20 versions per function, 362 in all as the zoo stands; a zoo specimen that is an edit of a version
already taken is left out, :data:`testkit.similarity_class.EDIT_OF`, and so are its degenerate forms,
:data:`testkit.similarity_class.DEGENERATE`), and ``cp-NN`` handed in a copy of
``ind-NN``'s code disguised by four transformations of
:func:`testkit.copier.disguise` (renamed variables and helpers, new layout,
comments and docstrings added or removed, independent statements swapped, dead
code added, a helper split out or inlined, small edits the normalisation does
not undo), chosen by a seed per version.

For each function, the *independent* pairs are the pairs of ``ind-`` students,
the *planted* pairs ``(ind-NN, cp-NN)``. The figure: the planted pairs that score
above the 95th percentile of the independent pairs of their function. Measured
(K = 10, windows of 4, on the 362 versions of the zoo as it is): 347 of 362 (95.9 %); copydetect used plainly (its own
tokens and defaults, on the solution cells as written, the release's cell as
boilerplate): 259 of 362 (71.5 %). The tests hold the first at 95 % or more and
above the second. (With the zoo's 126 degenerate forms among the independent versions, 414 of 446: one-liners
alike by construction, they are no one's version of a function.)
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import warnings

import numpy as np
import pytest

from autograder.model.course import FUNCTIONS, ROOT
from autograder.model.notebook import cell_text, nbgrader_meta
from autograder.model.submissions import scan
from autograder.similarity.corpus import given_code, read_all
from autograder.similarity.index import compare
from testkit.similarity_class import release_cells, write_class


@pytest.fixture(scope="module")
def planted_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("similarity") / "submitted"
    truth = write_class(folder, seed=0, steps=4)
    return folder, truth


def _scores(entries, given, truth, reported=False):
    """``{(ps, function): (independent scores, planted scores)}`` from the report's own index (with
    ``reported``: 1 for a pair the index reports, else 0)."""
    out = {}
    by = {}
    for e in entries:
        by.setdefault((e.problem_set, e.function), []).append(e)
    for (ps, fn), info in truth.items():
        compared = compare(by[(ps, fn)], given[ps].hashes)
        index = {e.student: i for i, e in enumerate(compared.entries)}
        score = {}
        for (a, b), s in compared.scores.items():
            score[(a, b)] = score[(b, a)] = 0.0 if reported else s
        for p in compared.pairs if reported else ():
            score[(p.a, p.b)] = score[(p.b, p.a)] = 1.0

        out[(ps, fn)] = _pairs(info, lambda a, b, score=score, index=index: score.get((index.get(a), index.get(b)),
                                                                                        0.0))
    return out


def _pairs(info: dict, score) -> tuple:
    """``(independent scores, planted scores)`` of one function, ``score(a, b)`` giving a pair's."""
    return ([score(a, b) for a, b in itertools.combinations(info["independent"], 2)],
            [score(original, copy) for original, copy, _ in info["planted"]])


def _above_p95(scores: dict) -> tuple:
    above = total = 0
    for independent, planted in scores.values():
        p95 = np.percentile(independent, 95)
        above += sum(s > p95 for s in planted)
        total += len(planted)
    return above, total


@pytest.fixture(scope="module")
def read(planted_class):
    folder, truth = planted_class
    given = {ps: given_code(ROOT, ps) for ps in FUNCTIONS}
    entries, notes = read_all(scan(folder, FUNCTIONS).submissions, given, workers=1)
    assert notes == []
    return entries, given, truth


@pytest.fixture(scope="module")
def ours(read):
    return _scores(*read)


def _copydetect_plain(folder, truth) -> dict:
    """The same pairs scored by copydetect as it comes: its pygments tokens and default thresholds on each
    solution cell as written, the release's cell as boilerplate; a pair's score is the larger of its two
    overlap fractions (copydetect reports a pair when either passes its display threshold)."""
    from copydetect import CodeFingerprint, compare_files, defaults

    k, window = defaults.NOISE_THRESHOLD, defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1

    def cell(student, ps, fn):
        nb = json.loads((folder / student / ps / f"{ps}.ipynb").read_text(encoding="utf-8"))
        return next(cell_text(c) for c in nb["cells"] if nbgrader_meta(c).get("grade_id") == fn)

    out = {}
    logging.disable(logging.WARNING)  # copydetect logs each file it cannot tokenise (none here)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # copydetect warns "empty slices array" for pairs sharing nothing
            for (ps, fn), info in truth.items():
                given = CodeFingerprint("given.py", k, window, fp=io.StringIO(release_cells(ps)[fn]))
                boiler = np.array(sorted(given.hashes))
                prints = {s: CodeFingerprint(f"{s}.py", k, window, boilerplate=boiler, fp=io.StringIO(cell(s, ps, fn)))
                          for s in info["independent"] + [c for _, c, _ in info["planted"]]}
                out[(ps, fn)] = _pairs(info, lambda a, b, p=prints: max(compare_files(p[a], p[b])[1]))
    finally:
        logging.disable(logging.NOTSET)
    return out


def test_the_class_holds_what_the_issue_asks_for(planted_class):
    _, truth = planted_class
    assert set(truth) == {(ps, fn) for ps, fns in FUNCTIONS.items() for fn in fns}
    sizes = [len(info["independent"]) for info in truth.values()]
    assert min(sizes) >= 8, "several independent versions of every function"
    applied = [step for info in truth.values() for _, _, steps in info["planted"] for step in steps]
    for step in ("rename", "reformat", "comment", "strip_comments", "swap_independent", "add_dead_code",
                 "split_helper", "inline_helper", "tweak"):
        assert applied.count(step) >= 20, step


def test_planted_copies_score_above_the_95th_percentile_of_independent_pairs(planted_class, ours):
    above, total = _above_p95(ours)
    assert total == sum(len(info["planted"]) for info in planted_class[1].values()), "every planted copy is scored"
    assert above / total >= 0.95, f"{above} of {total} planted pairs above the independent 95th percentile"


def test_planted_copies_are_reported_and_independent_pairs_mostly_not(read):
    """At the default settings, precision first (issue 83): most copies are reported (228 of 362 measured; 220 of
    361 before sums, branches and a third student's matches were judged), and almost no "independent" pair is (4 of
    3,063; 6 of 3,042 before; before issue 83, 82 of 2,271 at 277 of 314 copies). This class's
    independent versions include the bug zoo's, most of them one mistake away from the reference or from each
    other (``gaussian_mle-by-hand`` and ``independent-1`` differ by one ``if``), and half its students are copies:
    the issue's figures are measured on real code by benchmarks/similarity_detection.py --real."""
    found = _scores(*read, reported=True)
    planted = [s for _, p in found.values() for s in p]
    independent = [s for i, _ in found.values() for s in i]
    assert sum(planted) / len(planted) >= 0.62, (sum(planted), len(planted))
    assert sum(independent) / len(independent) <= 0.01, (sum(independent), len(independent))


def test_the_normalisation_does_better_than_copydetect_used_plainly(planted_class, ours):
    folder, truth = planted_class
    plain_above, total = _above_p95(_copydetect_plain(folder, truth))
    above, _ = _above_p95(ours)
    assert above > plain_above, (above, plain_above, total)
