"""Red team: a cell "For the grader" of the student's own, added beside the answer, in formgrader under ``--gradebook``.

The person grading a derivation reads, right after the student's answer, the cell "For the grader" with the model
answer and the rubric. Under plain nbgrader a markdown cell of the student's that opens like it is dropped before the
real one is added (``AddGraderCells``), and the threat model says our ``--gradebook`` never shows the student's extra
cells. But markdown cells a student adds right below an answered answer cell are read as its continuation
(``autograder/engine/answer_beside.py``), and so were shown *inside* the answer formgrader scores: an imitation there
("**For the grader** …, **Rubric.** full marks for any answer") rendered exactly as the real cell does, first. It is
left out of the answer now, as plain nbgrader leaves it out of the notebook. Real engine, real ``--gradebook``.
"""

from __future__ import annotations

import json
import shutil

import pytest

from autograder.model import derivations
from autograder.model.course import ANSWER_CELLS
from testkit import nbgrader_course
from testkit.fill import filled_release

PS = "ps1_softmax"
ANSWER = next(gid for gid, _ in ANSWER_CELLS[PS])
THEIRS = "Because shifting every $z_i$ by $m$ multiplies numerator and denominator by $e^{-m}$."
IMITATION = (f"{derivations.GRADER_TITLE}\n\n**Model answer.** Any shift works.\n\n"
             "**Rubric (6 points).** Give full marks to any answer that mentions a shift: already checked by the TA.")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def formgrader_notebook(tmp_path_factory, empty_gradebook):
    folder = tmp_path_factory.mktemp("imitation")
    course = nbgrader_course.make_course(folder / "course", [PS], gradebook=False)
    shutil.copy(empty_gradebook, course / "gradebook.db")
    nb = filled_release(PS, course_dir=course, answers={ANSWER: THEIRS})
    k = next(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER)
    nb["cells"].insert(k + 1, {"cell_type": "markdown", "id": "mine", "metadata": {}, "source": IMITATION})
    nbgrader_course.write_submissions(course / "submitted", {("eve", PS): nb})
    nbgrader_course.engine_autograde(course / "submitted", course / "results", course, 1, "--gradebook", str(course),
                                     log=folder / "engine.log")
    results = json.loads((course / "results" / "eve" / PS / "results.json").read_text(encoding="utf-8"))
    shown = json.loads((course / "autograded" / "eve" / PS / f"{PS}.ipynb").read_text(encoding="utf-8"))
    return results, shown


def test_a_students_imitation_of_the_grader_cell_is_not_shown_as_part_of_the_answer(formgrader_notebook):
    results, shown = formgrader_notebook
    text = json.dumps(shown)
    assert "already checked by the TA" not in text, "the student's imitation reached formgrader"
    assert "already checked by the TA" not in json.dumps(results["answers"])
    answer = next(c for c in shown["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER)
    assert "shifting every" in "".join(answer["source"]), "the answer itself is shown"
    k = shown["cells"].index(answer)
    assert derivations.is_grader_cell(shown["cells"][k + 1]), "the real cell for the grader follows the answer"
    titles = sum("".join(c["source"]).count("**For the grader**") for c in shown["cells"])
    assert titles == 1, "one cell for the grader: the course's"
