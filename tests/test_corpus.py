"""The real-code corpus (``testkit/corpus/``): labelled by an independent reference, graded by the engine.

Every specimen is real code from a public repository, adapted to the contract by glue only. Its label
(correct, or broken with the properties that are wrong) must be what ``testkit/corpus/oracle.py``
finds: SciPy, NumPy and mpmath against the contract, never the product's ``solutions/``.

Then the whole corpus is handed in, one notebook a specimen, and graded in one batch by the real
engine (``testkit/corpus/grade.py``): a correct specimen must earn every autograded point; a broken
one must lose points in its own function's cells only, keep its purity cell unless it changes an input,
and get a hint that names its mistake. Where the grader is wrong today, the specimen is in
:data:`KNOWN_MISGRADED` with why; the list is asserted exactly, so a new misgrading fails, and so does
a fixed one until it is struck off (the list only shrinks).
"""

from __future__ import annotations

import pytest

from autograder.model.course import FUNCTIONS
from testkit.corpus import check, grade, load

SPECIMENS = load.specimens()

#: specimen id -> what the grader does wrong on it today (issue 50). Asserted exactly.
KNOWN_MISGRADED: dict[str, str] = {
}


def test_corpus_keeps_its_size():
    """Issue 50's floor: at least 150 real implementations from at least 60 public repositories (the corpus only grows)."""
    repos = {s.repo for s in SPECIMENS}
    assert len(SPECIMENS) >= 150 and len(repos) >= 60, (len(SPECIMENS), len(repos))
    assert {s.problem_set for s in SPECIMENS} == set(FUNCTIONS)
    assert any(s.correct for s in SPECIMENS) and any(not s.correct for s in SPECIMENS)


def test_every_header_is_complete():
    assert SPECIMENS, "no specimen found under testkit/corpus/specimens/"
    for s in SPECIMENS:
        assert s.url.startswith(f"https://github.com/{s.repo}/"), f"{s.id}: url does not point into {s.repo}"
        if s.commit:
            assert s.commit in s.url, f"{s.id}: url does not name the commit"


@pytest.mark.parametrize("specimen", SPECIMENS, ids=[s.id for s in SPECIMENS])
def test_label_is_the_independent_references(specimen):
    assert check.disagreement(specimen) == ""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade.grade_all(SPECIMENS, tmp_path_factory.mktemp("corpus"))


def test_grades_agree_with_labels_but_the_known_misgradings(graded):
    found = {s.id: grade.misgrading(s, graded[s.id]) for s in SPECIMENS}
    found = {k: v for k, v in found.items() if v}
    new = {k: v for k, v in found.items() if k not in KNOWN_MISGRADED}
    fixed = sorted(set(KNOWN_MISGRADED) - set(found))
    assert not new and not fixed, {"misgraded, not in KNOWN_MISGRADED": new,
                                   "graded as labelled now, strike from KNOWN_MISGRADED": fixed}


def test_a_lost_cell_that_no_wrong_property_explains_is_a_misgrading():
    """The corpus's check of over-docking: a specimen whose only wrong property is its values keeps its shape cell;
    losing it is reported with the cell's message (and losing its basic cell, which values explain, is not)."""
    specimen = next(s for s in SPECIMENS if not s.correct and set(s.broken) == {"values"})
    fn = specimen.function
    cells = {f"{fn}-basic": grade.Cell(f"{fn}-basic", 0.0, 4.0, "values differ", specimen.hint.split("|")[0]),
             f"{fn}-shape": grade.Cell(f"{fn}-shape", 0.0, 1.0, "expected one number", "")}
    found = grade.misgrading(specimen, cells)
    assert found.startswith(f"{fn}-shape lost, but no property it judges is wrong (broken: values)"), found
    assert grade.misgrading(specimen, {k: v for k, v in cells.items() if k.endswith("-basic")}) == ""
    assert grade.explained_by("vae_kl-batch") == {"values", "shape"} and grade.explained_by("softmax-axis") == {"axis"}


def test_every_hint_on_a_broken_specimen_must_name_one_of_its_mistakes():
    """One hint that names the mistake does not excuse another cell's hint that names a mistake the specimen lacks."""
    specimen = next(s for s in SPECIMENS if not s.correct and set(s.broken) == {"values"})
    fn, named = specimen.function, specimen.hint.split("|")[0]
    right = grade.Cell(f"{fn}-basic", 0.0, 4.0, "values differ", named)
    wrong = grade.Cell(f"{fn}-purity", 0.0, 1.0, "an input changed", "The function writes into its argument.")
    assert grade.misgrading(specimen, {right.grade_id: right}) == ""
    found = grade.misgrading(specimen, {right.grade_id: right, wrong.grade_id: wrong})
    assert found == f"a hint names no mistake of the specimen: {fn}-purity: The function writes into its argument.", found


def test_known_misgradings_are_specimens():
    assert set(KNOWN_MISGRADED) <= {s.id for s in SPECIMENS}


def test_a_callee_in_the_callers_own_cell_runs_as_written(graded):
    """genlm/llamppl's log_softmax comes with a logsumexp of its own, over the whole array, in the same cell: that is
    the log_softmax's own code, not another answer to carry forward (docs/contract.md, "A mistake costs points
    once"), so it runs as written: no lost cell says a callee was answered, and none raised (as the reference, which
    runs it as written, finds: wrong values, no axis). Carried calls' notes: tests/test_engine_order.py."""
    cells = graded["log_softmax-genlm-llamppl"]
    lost = [c for c in cells.values() if c.lost]
    assert lost and not any("answered by a correct" in c.message or "raised" in c.message for c in lost), \
        [c.message for c in lost]
