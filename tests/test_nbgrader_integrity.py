"""Earned points only, under plain ``nbgrader autograde`` through the course's ``nbgrader_config.py``.

The kernel start-up hook (``autograder/checks/kernel.py``) makes the problem set's forbidden
functions unusable before the first cell, loads the references and then makes them unimportable,
and puts the shell's transformers back after every cell. Every attack of
:data:`testkit.attacks.ATTACKS` that applies there (all but those that need the engine's wire) is
handed in by one student of a real nbgrader course and graded by the stock ``nbgrader autograde``:
the functions it did not write score 0, while an honest student keeps full marks. Slow (a real
nbgrader run of about 15 notebooks).
"""

from __future__ import annotations

import pytest

from autograder.checks.kernel import RECURSION_FRAMES
from autograder.model.course import GRADE_CELLS, function_of
from testkit import nbgrader_course
from testkit.attacks import ATTACKS
from testkit.fill import filled_release
from tests.engine_helpers import stub

pytestmark = pytest.mark.slow

KERNEL_ATTACKS = [a for a in ATTACKS if a.kernel]
PROBLEM_SETS = sorted({a.ps for a in KERNEL_ATTACKS})


def notebook_of(attack) -> dict:
    code = {fn: stub(fn) for fn in attack.unearned}  # what it did not write stays the template's stub
    code.update(attack.code)
    return filled_release(attack.ps, code)


def _grade(folder):
    course = nbgrader_course.make_course(folder / "course", PROBLEM_SETS)
    notebooks = {(a.name, a.ps): notebook_of(a) for a in KERNEL_ATTACKS}
    notebooks.update({("honest", ps): filled_release(ps) for ps in PROBLEM_SETS})
    nbgrader_course.write_submissions(course / "submitted", notebooks)
    nbgrader_course.nbgrader_autograde(course, len(notebooks), log=folder / "nbgrader-autograde.log")
    recursions = [(path.parts[-3], out["traceback"]) for path in sorted((course / "autograded").glob("*/*/*.ipynb"))
                  for cell in nbgrader_course.read_json(path)["cells"] for out in cell.get("outputs", [])
                  if out.get("output_type") == "error" and out.get("ename") == "RecursionError"]
    return {"scores": [[s, ps, cells] for (s, ps), cells in nbgrader_course.gradebook_scores(course).items()],
            "recursions": recursions}


@pytest.fixture(scope="module")
def course_run(tmp_path_factory):
    return nbgrader_course.shared_once(tmp_path_factory, "nbgrader-integrity", _grade)


@pytest.fixture(scope="module")
def graded(course_run):
    return {(s, ps): cells for s, ps, cells in course_run["scores"]}


def test_an_endless_recursion_shows_a_short_traceback(course_run):
    """Functions that call each other without end (the circle attacks) fail their cells with a RecursionError
    whose traceback shows where the recursion starts and ends, not its ~3,000 frames (IPython's formatter took
    about a minute per notebook over them): the student reads the calls that repeat and the error."""
    recursions = course_run["recursions"]
    assert {student for student, _ in recursions} >= {"circle-globals", "circle-globals-first-cell"}
    for student, traceback in recursions:
        text = "\n".join(traceback)
        assert text.count('File "') <= 2 * RECURSION_FRAMES, (student, text[:2000])
        assert "more calls: a function that calls itself" in text and "RecursionError: maximum recursion" in text


def test_an_honest_notebook_still_gets_full_marks(graded):
    for ps in PROBLEM_SETS:
        cells = graded[("honest", ps)]
        autograded = {gid: cells.get(gid) for gid, _ in GRADE_CELLS[ps]}  # the derivation awaits a person
        assert autograded == {gid: float(points) for gid, points in GRADE_CELLS[ps]}, (ps, cells)


@pytest.mark.parametrize("attack", KERNEL_ATTACKS, ids=[a.name for a in KERNEL_ATTACKS])
def test_a_bypass_earns_nothing_under_plain_nbgrader(graded, attack):
    cells = graded.get((attack.name, attack.ps))
    assert cells is not None, f"nbgrader did not grade {attack.name}"
    earned = {gid: score for gid, score in cells.items() if function_of(gid) in attack.unearned and score}
    assert not earned, f"{attack.name} earned {earned} under nbgrader autograde"
