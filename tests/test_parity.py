"""Parity: on honest submissions, stock ``nbgrader autograde`` and our engine give the same per-cell scores.

Bug-zoo specimens (``testkit/zoo/``) handed in as notebooks: the released
notebook (as ``nbgrader generate_assignment`` makes it) with each specimen's
source in the solution cell of its function (one specimen a function) and the
reference solutions (from ``source/``) in the other solution cells, without
the lesson's figure and demo cells (the engine never runs them; they would
only draw with the specimens' functions). The batch is graded twice, in one
temporary nbgrader course folder:

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
and the kernel attacks (the ``stock_nbgrader`` fixture of
``tests/conftest.py``). nbgrader takes 2 to 4 CPU seconds per notebook (a
fresh kernel, the course's kernel hook, every cell), so a representative
subset of the zoo, chosen deterministically, is graded, several specimens to
a notebook, each in the solution cell of a different function:

* **two wrong specimens per problem set** (12), taken round-robin over the
  problem set's functions in zoo order (the first wrong specimen of each
  function, then the second, …), so in two different functions;
* **one correct specimen per problem set** (6): the first correct specimen
  (zoo order) of the first function (``FUNCTIONS`` order) that neither wrong
  specimen is in, in the same notebook as the two wrong ones (one notebook
  per problem set, student ``parity-<ps>``). Where every function of the
  problem set holds a wrong specimen (ps2 has two functions), the first
  correct specimen of the set is handed in alone, student named after it:
  7 notebooks in all.

Every cell of every notebook must get the same score from both graders, but
for one kind of wrong specimen, which only the full zoo holds: code written
for one form of the input (rows with a fixed ``axis=1``, one-hot targets, a
sum over the whole array), which the engine charges once, in the cells that
name the form it must take (docs/contract.md), while other cells' visible
asserts call it in the other form, and plain nbgrader scores a cell 0 when
any of its asserts fails (``CHARGED_ELSEWHERE`` in
``tests/test_checks_visible.py``, which checks that exactly those asserts
fail; docs/instructors.md says so). There nbgrader must give exactly those
cells 0 and the engine their points.
Each specimen is judged on its function's cells (``function_of``): a correct
one earns all of them, a wrong one loses some. And a notebook loses exactly
the cells its wrong specimens lose each on its own (``testkit.zoo.grade``,
in process with the reference functions: what docs/grading.md lists), in
both graders: specimens sharing a notebook do not change each other's
grades, and a wrong function costs nothing to one that calls it (errors are
carried forward, ``autograder/checks/nbgrader_kernel.py``): in the subset ps6's
correct ``ps6-js-from-kl`` calls the wrong ``kl_divergence`` of
``ps6-kl-swapped`` beside it and keeps every point (the compound specimens,
and with the full zoo ps3's reference likelihood through each wrong pdf,
test more of that).
Set ``PARITY_FULL_ZOO=1`` to grade every specimen of the zoo instead, one
notebook per specimen, student named after it, or ``PARITY_SPECIMENS=a,b``
to grade those specimens alone so. Last full
run (2026-11-23, with the assertions above): 219 zoo specimens and 11 compound
specimens, 230 notebooks and 3,395 graded cells, every cell the same in both
(309 of them lost points), 450 tests passed; 12 minutes on 2 cores, most of it
nbgrader's kernels (three nbgrader processes, 257 notebooks with the
end-to-end students and the kernel attacks).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from autograder.model.course import FUNCTIONS, GRADE_CELLS, PROBLEM_SETS, function_of
from testkit import nbgrader_course
from testkit.zoo import grade, zoo
from testkit.zoo.compound import COMPOUNDS
from tests.test_checks_visible import CHARGED_ELSEWHERE

pytestmark = pytest.mark.slow


FULL_ZOO = os.environ.get("PARITY_FULL_ZOO", "") not in ("", "0")
#: ``PARITY_SPECIMENS=name,name``: those zoo specimens alone, one notebook each (to look at a few in minutes)
ONLY = {name for name in os.environ.get("PARITY_SPECIMENS", "").split(",") if name}
WRONG_PER_PS = 2


@dataclass(frozen=True)
class Submission:
    """One notebook of the batch: the release with each specimen in its function's solution cell and the
    reference solutions in the other solution cells, handed in by ``student``."""

    student: str
    ps: str
    specimens: tuple

    def code(self) -> dict:
        """``{function: source}`` of its specimens (what :func:`testkit.fill.filled_release` fills in)."""
        return {s.function: s.source for s in self.specimens}


def round_robin_wrong(ps: str, n: int) -> list:
    """The first ``n`` wrong specimens of ``ps`` taken in turn from each function, in zoo order."""
    queues = {fn: [s for s in zoo(ps) if not s.correct and s.function == fn] for fn in FUNCTIONS[ps]}
    picked = []
    while len(picked) < n and any(queues.values()):
        for fn in FUNCTIONS[ps]:
            if queues[fn] and len(picked) < n:
                picked.append(queues[fn].pop(0))
    return picked


def subset(ps: str) -> list:
    """The notebooks of ``ps`` in the subset: the wrong specimens and a correct one in a third function;
    the correct one alone when every function holds a wrong specimen (see the module docstring)."""
    wrong = round_robin_wrong(ps, WRONG_PER_PS)
    taken = {s.function for s in wrong}
    free = [fn for fn in FUNCTIONS[ps] if fn not in taken]
    if len(taken) < len(wrong):
        raise ValueError(f"{ps}: its wrong specimens {[s.name for s in wrong]} share a function")
    if free:
        right = next(s for fn in free for s in zoo(ps) if s.correct and s.function == fn)
        return [Submission(f"parity-{ps}", ps, (right, *wrong))]
    right = next(s for s in zoo(ps) if s.correct)
    return [Submission(f"parity-{ps}", ps, tuple(wrong)), Submission(right.name, ps, (right,))]


def chosen() -> list:
    """The :class:`Submission` s to grade."""
    if FULL_ZOO or ONLY:
        every = [Submission(s.name, ps, (s,)) for ps in PROBLEM_SETS for s in zoo(ps)]
        picked = [sub for sub in every if sub.student in ONLY] if ONLY else every
        if ONLY - {sub.student for sub in picked}:
            raise ValueError(f"PARITY_SPECIMENS names no zoo specimen: {sorted(ONLY - {sub.student for sub in picked})}")
        return picked
    return [sub for ps in PROBLEM_SETS for sub in subset(ps)]


SUBMISSIONS = chosen()
#: ``(submission, specimen)``: every specimen graded, with the notebook it is in.
SPECIMENS = [(sub, s) for sub in SUBMISSIONS for s in sub.specimens]


@pytest.fixture(scope="module")
def graded(stock_nbgrader):
    """The batch graded by both (``stock_nbgrader`` in tests/conftest.py holds these submissions)."""
    return stock_nbgrader


@pytest.mark.skipif(bool(ONLY), reason="PARITY_SPECIMENS picks the specimens by hand")
def test_the_subset_is_representative():
    assert len({sub.student for sub in SUBMISSIONS}) == len(SUBMISSIONS), "one student per notebook"
    for sub in SUBMISSIONS:
        assert len({s.function for s in sub.specimens}) == len(sub.specimens), f"{sub.student}: one specimen a function"
    assert {sub.ps for sub, s in SPECIMENS if not s.correct} == set(PROBLEM_SETS)
    assert {sub.ps for sub, s in SPECIMENS if s.correct} == set(PROBLEM_SETS)
    for ps in PROBLEM_SETS:
        assert sum(not s.correct for sub, s in SPECIMENS if sub.ps == ps) >= min(
            WRONG_PER_PS, sum(not s.correct for s in zoo(ps))), ps
    if not FULL_ZOO:  # one notebook a problem set, two where it has fewer functions than specimens
        assert len(SUBMISSIONS) == sum(1 + (len(FUNCTIONS[ps]) <= WRONG_PER_PS) for ps in PROBLEM_SETS)
        together = {sub.student: {s.name for s in sub.specimens} for sub in SUBMISSIONS}
        assert {"ps6-js-from-kl", "ps6-kl-swapped"} <= together["parity-ps6_information"], (
            "the module docstring's example of an error carried forward is no longer in the subset: update it")


def _cells(ps: str, fn: str) -> dict:
    """``{grade_id: points}`` of the autograded cells of ``fn`` (its answer cells await a person)."""
    return {gid: float(points) for gid, points in GRADE_CELLS[ps] if function_of(gid) == fn}


def _graded_by_both(graded, key) -> None:
    assert key in graded["nbgrader"], f"nbgrader did not grade {key[0]}/{key[1]} (see {graded['folder']})"
    assert key in graded["engine"], f"the engine did not grade {key[0]}/{key[1]} (see {graded['folder']})"


@pytest.mark.parametrize("sub", SUBMISSIONS, ids=[sub.student for sub in SUBMISSIONS])
def test_nbgrader_and_engine_agree_on_every_cell(sub, graded):
    """Every graded cell of the notebook, answer cells included, scores the same in both graders; and the
    notebook loses exactly the cells its wrong specimens lose each on its own (graded in process with the
    reference functions, ``testkit.zoo.grade``; docs/grading.md lists them): the specimens of one notebook
    do not change each other's grades, and a function that calls a wrong one keeps its points."""
    key = (sub.student, sub.ps)
    _graded_by_both(graded, key)
    charged = {gid for s in sub.specimens for gid in CHARGED_ELSEWHERE.get(s.name, ())}  # (the full zoo only)
    points = {gid: float(p) for gid, p in GRADE_CELLS[sub.ps]}
    differ = nbgrader_course.disagreements(graded["nbgrader"], graded["engine"], [key])
    unexpected = [(gid, a, b) for _, _, gid, a, b in differ if not (gid in charged and a == 0 and b == points.get(gid))]
    assert not unexpected and {gid for _, _, gid, _, _ in differ} == charged, (
        "per-cell scores differ (grade_id, nbgrader, engine): " + ", ".join(f"({gid}, {a}, {b})" for gid, a, b in
        unexpected) + f"; charged elsewhere by design, 0 in nbgrader: {sorted(charged)}")
    alone = {gid for s in sub.specimens if not s.correct for gid, r in grade(sub.ps, s).items() if not r.passed}
    for grader, expected in (("nbgrader", alone | charged), ("engine", alone)):
        lost = {gid for gid in points if graded[grader][key].get(gid) != points[gid]}
        assert lost == expected, (sub.student, grader, f"lost {sorted(lost)}, expected {sorted(expected)}")


@pytest.mark.parametrize("sub,specimen", SPECIMENS, ids=[s.name for _, s in SPECIMENS])
def test_each_specimen_scores_what_the_zoo_says(sub, specimen, graded):
    """On its function's cells, in both graders: a correct specimen earns everything, a wrong one loses points."""
    key = (sub.student, sub.ps)
    _graded_by_both(graded, key)
    cells = _cells(sub.ps, specimen.function)
    full = sum(cells.values())
    for grader in ("nbgrader", "engine"):
        got = {gid: graded[grader][key].get(gid) for gid in cells}
        assert None not in got.values(), (specimen.name, grader, got)
        total = sum(got.values())
        assert (total == full) if specimen.correct else (total < full), (specimen.name, grader, got, full)


@pytest.mark.parametrize("compound", COMPOUNDS, ids=[c.name for c in COMPOUNDS])
def test_nbgrader_and_engine_agree_on_compound_specimens(compound, graded):
    key = (compound.name, compound.ps)
    assert key in graded["nbgrader"] and key in graded["engine"], f"not graded by both (see {graded['folder']})"
    differ = nbgrader_course.disagreements(graded["nbgrader"], graded["engine"], [key])
    assert not differ, "per-cell scores differ (grade_id, nbgrader, engine): " + ", ".join(
        f"({gid}, {a}, {b})" for _, _, gid, a, b in differ)
    lost = {gid for gid, score in graded["engine"][key].items() if score == 0}
    assert lost == set(compound.loses)
