"""Earned points only, under plain ``nbgrader autograde`` through the course's ``nbgrader_config.py``.

The kernel start-up hook (``autograder/checks/nbgrader_kernel.py``) makes the problem set's forbidden
functions unusable before the first cell, loads the references and then makes them unimportable,
and puts the shell's transformers back after every cell. Every attack of
:data:`testkit.attacks.ATTACKS` that applies there (all but those that need the engine's wire) is
handed in by one student of a real nbgrader course and graded by the stock ``nbgrader autograde``:
the functions it did not write score 0, while an honest student keeps full marks (the instructor,
who hands in the source notebooks in the same course). Slow: the course is the ``stock_nbgrader``
fixture of ``tests/conftest.py`` (one nbgrader run shared with the parity and end-to-end tests),
whose nbgrader process that grades the instructor's notebooks also grades the attacks.
"""

from __future__ import annotations

import pytest

from autograder.checks.nbgrader_kernel import RECURSION_FRAMES
from autograder.model.course import GRADE_CELLS, function_of
from testkit.attacks import ATTACKS, PURITY_ATTACKS
from testkit.fill import filled_release, without_lesson_cells
from tests.conftest import INSTRUCTOR
from tests.engine_helpers import stub

pytestmark = pytest.mark.slow

KERNEL_ATTACKS = [a for a in ATTACKS if a.kernel]
PROBLEM_SETS = sorted({a.ps for a in KERNEL_ATTACKS})


def purity_attack_notebooks(course) -> dict:
    """``{(student, "ps1_softmax"): notebook}``: every function correct (``course``'s reference solutions) but a
    softmax that works in place except when it sees it is graded (:data:`testkit.attacks.PURITY_ATTACKS`)."""
    return {(name, "ps1_softmax"): without_lesson_cells(filled_release("ps1_softmax", {"softmax": source}, course))
            for name, source in PURITY_ATTACKS}


def notebook_of(attack) -> dict:
    """The release of the attack's problem set with its cells filled in (``tests/conftest.py`` hands it in),
    without the lesson's figure and demo cells: a student may delete them (nbgrader puts back only graded
    cells), and all they would do is draw with the attack's functions (up to 14 CPU-s a notebook, for an
    attack that loads a module again at every call)."""
    code = {fn: stub(fn) for fn in attack.unearned}  # what it did not write stays the template's stub
    code.update(attack.code)
    return without_lesson_cells(filled_release(attack.ps, code))


@pytest.fixture(scope="module")
def graded(stock_nbgrader):
    """``{(student, ps): {grade_id: score}}`` as stock nbgrader graded the shared course."""
    return stock_nbgrader["nbgrader"]


def test_an_endless_recursion_shows_a_short_traceback(stock_nbgrader):
    """Functions that call each other without end (the circle attacks) fail their cells with a RecursionError
    whose traceback shows where the recursion starts and ends, not its ~3,000 frames (IPython's formatter took
    about a minute per notebook over them): the student reads the calls that repeat and the error."""
    recursions = stock_nbgrader["recursions"]
    assert {student for student, _ in recursions} >= {"circle-globals", "circle-globals-first-cell"}
    for student, traceback in recursions:
        text = "\n".join(traceback)
        assert text.count('File "') <= 2 * RECURSION_FRAMES, (student, text[:2000])
        assert "more calls: a function that calls itself" in text and "RecursionError: maximum recursion" in text


def test_an_honest_notebook_still_gets_full_marks(graded):
    """The instructor's source notebooks, graded in the same course (the same kernel hook), keep every
    autograded point in the problem sets the attacks are in (tests/test_nbgrader_e2e.py checks all)."""
    for ps in PROBLEM_SETS:
        cells = graded[(INSTRUCTOR, ps)]
        autograded = {gid: cells.get(gid) for gid, _ in GRADE_CELLS[ps]}  # the derivation awaits a person
        assert autograded == {gid: float(points) for gid, points in GRADE_CELLS[ps]}, (ps, cells)


@pytest.mark.parametrize("attack", KERNEL_ATTACKS, ids=[a.name for a in KERNEL_ATTACKS])
def test_a_bypass_earns_nothing_under_plain_nbgrader(graded, attack):
    cells = graded.get((attack.name, attack.ps))
    assert cells is not None, f"nbgrader did not grade {attack.name}"
    earned = {gid: score for gid, score in cells.items() if function_of(gid) in attack.unearned and score}
    assert not earned, f"{attack.name} earned {earned} under nbgrader autograde"


@pytest.mark.parametrize("name", [name for name, _ in PURITY_ATTACKS])
def test_a_function_pure_only_while_graded_loses_the_purity_cell_under_plain_nbgrader(graded, name):
    """The child's word, in the kernel: ``run_check`` reads the cells the kernel ran (its input history)
    as the engine reads the notebook, so a softmax that copies its input only when it sees it is graded loses
    ``softmax-purity`` and nothing else."""
    cells = graded.get((name, "ps1_softmax"))
    assert cells is not None, f"nbgrader did not grade {name}"
    full = {gid: float(points) for gid, points in GRADE_CELLS["ps1_softmax"]}
    assert cells.get("softmax-purity") == 0, (name, cells)
    assert {g: cells.get(g) for g in full if g != "softmax-purity"} == {
        g: p for g, p in full.items() if g != "softmax-purity"}, (name, cells)
