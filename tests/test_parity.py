"""Parity: on honest submissions, stock ``nbgrader autograde`` and our engine give the same per-cell scores.

One submission per bug-zoo specimen (``testkit/zoo/``): the released notebook
(as ``nbgrader generate_assignment`` makes it) with the specimen's source in
the solution cell of its function and the reference solutions (from
``source/``) in the other solution cells; the student is named after the
specimen. The batch is graded twice, in one temporary nbgrader course folder:

* ``nbgrader autograde "*"`` (stock; the hidden ``run_check`` runs in the
  student's kernel; a test cell scores 0 on an error or any stderr output),
  scores read per grade cell from the gradebook (``nbgrader.api.Gradebook``);
* ``python -m autograder autograde`` (sandboxed children; checks evaluated on
  the trusted side), scores read per test from each ``results.json``.

Every graded cell of every submission must get the same score from both.

The compound specimens (``testkit/zoo/compound.py``: errors carried forward,
functions defined below their checks, scratch cells at the bottom) are
always in the batch, student named after the specimen: nbgrader runs
``run_check`` where each graded cell stands, our engine evaluates each check
after the cells above it, and both must agree cell by cell and lose exactly
the specimen's cells.

The batch is graded once per run, with the end-to-end tests' notebooks
(the ``stock_nbgrader`` fixture of ``tests/conftest.py``: nbgrader in three
processes at once). A representative subset, chosen deterministically, keeps
it within the time budget (nbgrader takes about 3 s per notebook): **the
first correct specimen of every problem set** (6), and **two wrong specimens
per problem set** (12), taken round-robin over the problem set's functions in
zoo order (the first wrong specimen of each function, then the second, …), so
that every problem set is represented by right and wrong code. Set
``PARITY_FULL_ZOO=1`` to grade every specimen of the zoo instead. Last full
run (errors carried forward, grading in notebook order): 143 zoo specimens and
11 compound specimens, 154 notebooks and 1657 graded cells, every cell the
same in both (247 of them lost points); 45 minutes on 2 busy cores, most of it
nbgrader's serial kernels.
"""

from __future__ import annotations

import os

import pytest

from autograder.model.course import FUNCTIONS, GRADE_CELLS, PROBLEM_SETS
from testkit import nbgrader_course
from testkit.zoo import zoo
from testkit.zoo.compound import COMPOUNDS

pytestmark = pytest.mark.slow


FULL_ZOO = os.environ.get("PARITY_FULL_ZOO", "") not in ("", "0")
WRONG_PER_PS = 2


def round_robin_wrong(ps: str, n: int) -> list:
    """The first ``n`` wrong specimens of ``ps`` taken in turn from each function, in zoo order."""
    queues = {fn: [s for s in zoo(ps) if not s.correct and s.function == fn] for fn in FUNCTIONS[ps]}
    picked = []
    while len(picked) < n and any(queues.values()):
        for fn in FUNCTIONS[ps]:
            if queues[fn] and len(picked) < n:
                picked.append(queues[fn].pop(0))
    return picked


def chosen() -> list:
    """``(ps, specimen)`` to grade."""
    if FULL_ZOO:
        return [(ps, s) for ps in PROBLEM_SETS for s in zoo(ps)]
    out = [(ps, next(s for s in zoo(ps) if s.correct)) for ps in PROBLEM_SETS]
    out += [(ps, s) for ps in PROBLEM_SETS for s in round_robin_wrong(ps, WRONG_PER_PS)]
    return out


SPECIMENS = chosen()


@pytest.fixture(scope="module")
def graded(stock_nbgrader):
    """The batch graded by both (``stock_nbgrader`` in tests/conftest.py holds these specimens)."""
    return stock_nbgrader


def test_the_subset_is_representative():
    assert len({s.name for _, s in SPECIMENS}) == len(SPECIMENS), "students are named after the specimens"
    assert {ps for ps, s in SPECIMENS if not s.correct} == set(PROBLEM_SETS)
    assert {ps for ps, s in SPECIMENS if s.correct} == set(PROBLEM_SETS)
    assert sum(not s.correct for _, s in SPECIMENS) >= 2 * len(PROBLEM_SETS)


@pytest.mark.parametrize("ps,specimen", SPECIMENS, ids=[s.name for _, s in SPECIMENS])
def test_nbgrader_and_engine_agree_on_every_cell(ps, specimen, graded):
    key = (specimen.name, ps)
    assert key in graded["nbgrader"], f"nbgrader did not grade {specimen.name}/{ps} (see {graded['folder']})"
    assert key in graded["engine"], f"the engine did not grade {specimen.name}/{ps} (see {graded['folder']})"
    differ = nbgrader_course.disagreements(graded["nbgrader"], graded["engine"], [key])
    assert not differ, "per-cell scores differ (grade_id, nbgrader, engine): " + ", ".join(
        f"({gid}, {a}, {b})" for _, _, gid, a, b in differ)
    # and the scores mean what the zoo says: a correct specimen earns everything, a wrong one loses points
    total = sum(v for v in graded["engine"][key].values() if v is not None)  # answer cells: pending (None)
    full = float(sum(points for _, points in GRADE_CELLS[ps]))
    assert (total == full) if specimen.correct else (total < full), (specimen.name, total, full)


@pytest.mark.parametrize("compound", COMPOUNDS, ids=[c.name for c in COMPOUNDS])
def test_nbgrader_and_engine_agree_on_compound_specimens(compound, graded):
    key = (compound.name, compound.ps)
    assert key in graded["nbgrader"] and key in graded["engine"], f"not graded by both (see {graded['folder']})"
    differ = nbgrader_course.disagreements(graded["nbgrader"], graded["engine"], [key])
    assert not differ, "per-cell scores differ (grade_id, nbgrader, engine): " + ", ".join(
        f"({gid}, {a}, {b})" for _, _, gid, a, b in differ)
    lost = {gid for gid, score in graded["engine"][key].items() if score == 0}
    assert lost == set(compound.loses)
