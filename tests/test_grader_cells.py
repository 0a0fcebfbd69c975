"""The grader sees each derivation's model answer and rubric; the student sees the model answer once graded.

``autograder/model/derivations.py`` splits a source answer cell into the model answer and the rubric.

* **Plain nbgrader** (the course's ``nbgrader_config.py``): ``nbgrader autograde`` puts the cell "For the
  grader" (model answer and rubric, from the course's source notebook) right after each answer cell of the
  ``autograded/`` notebook formgrader shows, drops a student's imitation of it, and ``nbgrader
  generate_feedback`` leaves it out (``autograder/nbgrader_io/for_the_grader.py``). Checked on the notebooks
  stock nbgrader autograded in the shared course (``stock_nbgrader``).
* **Our engine** (``--gradebook``): the autograded notebook it builds has the same cell
  (``autograder/nbgrader_io/autograded.py``); formgrader showing it, for real, is
  ``tests/test_manual_grading.py``'s.
* **The feedback page** shows the model answer of an answer a person has graded, every model answer with
  ``--publish-answers``, and never the rubric.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.model import derivations
from autograder.model.course import ANSWER_CELLS, PROBLEM_SETS, ROOT, is_answer_cell, source_notebook
from autograder.model.results import SubmissionResult, TestResult
from autograder.nbgrader_io import autograded
from autograder.nbgrader_io.for_the_grader import DropGraderCells
from autograder.reports import feedback
from tests.conftest import IMITATION, INSTRUCTOR, UNTOUCHED


def _source(ps) -> dict:
    return json.loads(source_notebook(ps).read_text(encoding="utf-8"))


def _gid(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _autograded(stock, student, ps) -> dict:
    found = list(Path(stock["folder"]).glob(f"course-*/autograded/{student}/{ps}/{ps}.ipynb"))
    assert len(found) == 1, f"nbgrader wrote no autograded notebook for {student}/{ps}"
    return json.loads(found[0].read_text(encoding="utf-8"))


def _after_each_answer(nb: dict) -> dict:
    """``{answer grade_id: the cell right after it}``."""
    cells = nb["cells"]
    return {_gid(c): cells[i + 1] for i, c in enumerate(cells) if is_answer_cell(c.get("metadata", {}).get("nbgrader", {}))}


@pytest.mark.slow
@pytest.mark.parametrize("ps", PROBLEM_SETS)
@pytest.mark.parametrize("student", [INSTRUCTOR, UNTOUCHED])
def test_nbgrader_autograde_puts_the_model_answer_and_rubric_after_each_answer(stock_nbgrader, student, ps):
    nb = _autograded(stock_nbgrader, student, ps)
    models = derivations.read(_source(ps))
    after = _after_each_answer(nb)
    assert set(after) == {gid for gid, _ in ANSWER_CELLS[ps]}
    for gid, cell in after.items():
        assert derivations.is_grader_cell(cell), (student, ps, gid, _text(cell)[:80])
        assert models[gid].answer in _text(cell) and models[gid].rubric in _text(cell)
        assert "nbgrader" not in cell.get("metadata", {}), "the grader's cell grades nothing"
    assert sum(derivations.is_grader_cell(c) for c in nb["cells"]) == len(after)


@pytest.mark.slow
def test_a_students_imitation_of_the_grader_cell_is_dropped(stock_nbgrader):
    student, ps = stock_nbgrader["imitation"].split("/")
    nb = _autograded(stock_nbgrader, student, ps)
    assert IMITATION not in json.dumps(nb), "the student's imitation reached formgrader"
    after = _after_each_answer(nb)["cross_entropy_grad-derivation"]
    assert derivations.is_grader_cell(after) and "**Rubric (8 points).**" in _text(after)
    scores = stock_nbgrader["nbgrader"][(student, ps)]
    assert scores == stock_nbgrader["engine"][(student, ps)], "a markdown cell of one's own changes no score"


@pytest.mark.slow
def test_nbgraders_feedback_leaves_the_grader_cells_out(stock_nbgrader):
    """nbgrader's generate_feedback, as the course configures it, runs DropGraderCells on the autograded
    notebook: what it converts to HTML has no cell for the grader and no rubric."""
    nb = nbformat.from_dict(_autograded(stock_nbgrader, UNTOUCHED, "ps2_cross_entropy"))  # (the instructor's answer is the model)
    out, _ = DropGraderCells().preprocess(nb, {})
    assert not any(derivations.is_grader_cell(c) for c in out.cells)
    assert "**Rubric (" not in json.dumps(out) and derivations.GRADER_TITLE not in json.dumps(out)


def test_the_course_config_adds_the_cells_for_nbgrader_and_drops_them_from_its_feedback():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    sanitize = list(config.Autograde.sanitize_preprocessors)
    assert sanitize.index("autograder.nbgrader_io.for_the_grader.AddGraderCells") == \
        sanitize.index("autograder.nbgrader_io.released_cells.OverwriteReleasedCells") + 1
    assert "autograder.nbgrader_io.for_the_grader.DropGraderCells" in list(config.GenerateFeedback.preprocessors)


def _result(ps: str, answer_test: TestResult) -> SubmissionResult:
    gid = answer_test.name
    return SubmissionResult.scored("ann", ps, 3.0, [answer_test], answers={gid: "my derivation"})


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_our_autograded_notebook_has_the_grader_cell_after_each_answer(ps):
    gid, points = ANSWER_CELLS[ps][0]
    nb = autograded.build(source_notebook(ps), _result(ps, TestResult.awaiting_grading(gid, points, "x")))
    after = _after_each_answer(nb)[gid]
    model = derivations.read(_source(ps))[gid]
    assert derivations.is_grader_cell(after) and model.answer in _text(after) and model.rubric in _text(after)
    answer = next(c for c in nb["cells"] if _gid(c) == gid)
    assert _text(answer) == "my derivation", "the student's answer itself stays the student's"


def test_the_person_grading_is_told_where_a_pictured_answer_is():
    """Where the submitted notebook is not at hand (or holds no PNG or JPEG for it), an answer's image shows in
    formgrader as its text; the cell says so and where the picture is, and the student's own markup stays inert
    (a pasted picture itself is shown: tests/test_answer_pictures.py)."""
    ps = "ps1_softmax"
    gid, points = ANSWER_CELLS[ps][0]
    photo = "see below ![image.png](attachment:image.png)"
    result = SubmissionResult.scored("ann", ps, 3.0, [TestResult.awaiting_grading(gid, points, photo)],
                                     answers={gid: photo})
    text = _text(next(c for c in autograded.build(source_notebook(ps), result)["cells"] if _gid(c) == gid))
    assert "the picture is in the submitted notebook, `submitted/ann/ps1_softmax/`" in text
    assert "](attachment" not in text, "the student's image stays text"


def test_the_feedback_page_shows_a_model_answer_once_graded_or_published_and_never_the_rubric():
    ps = "ps2_cross_entropy"
    gid, points = ANSWER_CELLS[ps][0]
    model = derivations.read(_source(ps))[gid]
    models = {gid: model.answer}
    pending = _result(ps, TestResult.awaiting_grading(gid, points, "x"))
    graded = _result(ps, TestResult.graded_by_hand(gid, 2.0, points, "close"))
    blank = _result(ps, TestResult.not_answered(gid, points, "YOUR ANSWER HERE"))
    assert feedback.shown_model_answers(pending, models) == {}
    assert feedback.shown_model_answers(blank, models) == {}, "0 at once is no person's grading"
    assert feedback.shown_model_answers(graded, models) == models
    assert feedback.shown_model_answers(pending, models, publish=True) == models
    assert feedback.shown_model_answers(blank, models, publish=True) == models
    page = feedback.render_feedback(graded, models)
    assert "Model answer (" in page and "Shown now that your answer has been graded" in page
    assert "Rubric" not in page and "Usual partial answers" not in page
    first_step = model.answer.split("**(a)**")[1].split("$")[0].strip()
    assert first_step and first_step in page.replace("&#39;", "'")
    assert "Model answer (" not in feedback.render_feedback(pending, models)
    assert "Published by your instructor" in feedback.render_feedback(blank, models, publish=True)


#: An answer that holds the grader's cell's title and a rubric of its own, and lines that merely name the grader.
IMITATING = ("$\\partial L / \\partial z = p - t$\n\n> ## **for the  GRADER** (from the source notebook)\n\n"
             "**Rubric.** Full marks for any answer: already checked by the TA.")
HONEST = ("A note to whoever grades this: I used the chain rule, as for the grader's example in class.\n\n"
          "$p - t$, since the targets sum to 1.")


@pytest.mark.parametrize("answer, warned", [(IMITATING, True), (HONEST, False), ("For the grader: I was ill", True),
                                            ("My answer.\n\n- __For the Grader__ full marks", True)])
def test_an_answer_titled_like_the_grader_cell_is_named_so_by_the_real_one(answer, warned, monkeypatch):
    """A student's answer can hold a line titled like the cell "For the grader" (with a rubric of their own under
    it), which formgrader shows in the answer the person grades: the course's cell below it then says first, under
    its title, that such text is the student's — in our `--gradebook` notebook and under plain nbgrader
    (`AddGraderCells`) alike. An answer that only mentions the grader is left as it is."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    from autograder.nbgrader_io.for_the_grader import AddGraderCells

    ps = "ps2_cross_entropy"
    gid, points = ANSWER_CELLS[ps][0]
    result = SubmissionResult.scored("eve", ps, 3.0, [TestResult.awaiting_grading(gid, points, answer)],
                                     answers={gid: answer})
    ours = _after_each_answer(autograded.build(source_notebook(ps), result))[gid]
    cell = new_markdown_cell(answer, metadata={"nbgrader": {"grade_id": gid, "solution": True, "grade": True,
                                                           "points": points}})
    monkeypatch.setattr(AddGraderCells, "source_path", lambda self, resources: source_notebook(ps))
    nb, _ = AddGraderCells().preprocess(new_notebook(cells=[cell]), {})
    for after in (ours, nb.cells[1]):
        text = _text(after)
        assert derivations.is_grader_cell(after) and derivations.read(_source(ps))[gid].rubric in text
        assert (derivations.IMITATION_WARNING in text) is warned
        if warned:
            assert text.startswith(f"{derivations.GRADER_TITLE}\n\n{derivations.IMITATION_WARNING}")

