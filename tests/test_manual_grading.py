"""Answer cells graded by hand, through nbgrader's own machinery, end to end with the real tools.

A problem set with a manually graded answer cell (a derivation: nbgrader's
"Manually graded answer", ``solution`` and ``grade`` with points) in a
temporary nbgrader course. Three students hand it in: ``ann`` writes an
answer (with markup that must not run in formgrader), ``bob`` leaves it as
released, ``cat`` writes one and gets the gradient's 1/N wrong. Then:

1. our engine grades them (``python -m autograder autograde … --gradebook``):
   every answer cell is pending in results.json (``score`` null), in no score,
   its points in ``pending_points``, in grades.csv's ``pending`` column;
2. nbgrader's gradebook lists the three answers as needing manual grading
   (its ``NbGraderAPI``, what formgrader's pages read), with no auto score;
   formgrader's own exporter renders ann's ``autograded/`` notebook with the
   score box of the answer cell and the answer as text;
3. the instructor grades the answers through the gradebook API, as
   formgrader's ``GradeHandler.put`` does (and comments, as its
   ``CommentHandler``);
4. ``nbgrader export`` (the real command) gives each student autograded +
   hand-graded points: the totals are checked against the sums written out
   below;
5. running our command again with ``--gradebook`` brings the hand-graded
   points into results.json, grades.csv, ``--json`` and the feedback pages.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.model.course import GRADE_CELLS, ROOT
from testkit import nbgrader_course
from testkit.fill import filled_release
from testkit.zoo import ps2_cross_entropy as zoo

pytestmark = pytest.mark.slow

PS = "ps2_cross_entropy"
ANSWER = "cross_entropy_grad-derivation"
ANSWER_POINTS = 3
MODEL_ANSWER = (r"With $p = \operatorname{softmax}(z)$, $\partial \log p_k / \partial z_c = \delta_{kc} - p_c$, so "
                r"$\partial L / \partial z_c = -\sum_k t_k (\delta_{kc} - p_c) = p_c - t_c$; the mean adds $1/N$.")
ANN_ANSWER = (r"$\partial L/\partial z_c = p_c - t_c$ because $\sum_k t_k = 1$ <script>alert('formgrader')</script>"
              "<img src=x onerror=alert(1)> [see](javascript:alert(2)) [also][x]\n\n[x]: javascript:alert(3)\n")
CAT_ANSWER = r"$\partial L/\partial z = t - p$"
WRONG_GRAD = "cross_entropy_grad-missing-1-over-n"


def _points() -> dict:
    return dict(GRADE_CELLS[PS])


#: The hand arithmetic the export must reproduce. ps2's autograded cells are worth AUTO points; cat's
#: gradient without 1/N loses the cells the bug zoo's reviewed table lists for it.
AUTO = sum(_points().values())
CAT_AUTO = AUTO - sum(_points()[gid] for gid in zoo.LOSES[WRONG_GRAD])
HAND = {"ann": 3.0, "bob": 0.0, "cat": 1.5}  # what the instructor gives in formgrader
TOTAL = {"ann": AUTO + 3.0, "bob": AUTO + 0.0, "cat": CAT_AUTO + 1.5}


def _with_answer(nb: dict, text: str | None) -> dict:
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER and text is not None:
            cell["source"] = text
    return nb


def _build(folder: Path) -> dict:
    course = nbgrader_course.make_course(folder / "course", [PS], gradebook=False)
    shutil.rmtree(course / "release")
    nbgrader_course.add_answer_cell(course / "source" / PS / f"{PS}.ipynb", after="sec-gradient", grade_id=ANSWER,
                                    points=ANSWER_POINTS, answer=MODEL_ANSWER)
    nbgrader_course.run_logged([*nbgrader_course.nbgrader_command(), "generate_assignment", PS, "--force"], course,
                               600, folder / "generate.log")
    wrong = next(s for s in zoo.ZOO if s.name == WRONG_GRAD)
    nbgrader_course.write_submissions(course / "submitted", {
        ("ann", PS): _with_answer(filled_release(PS, course_dir=course), ANN_ANSWER),
        ("bob", PS): filled_release(PS, course_dir=course),  # the answer cell as released
        ("cat", PS): _with_answer(filled_release(PS, {"cross_entropy_grad": wrong.source}, course_dir=course),
                                  CAT_ANSWER),
    })
    nbgrader_course.engine_autograde(course / "submitted", course / "results", course, 2, "--gradebook", str(course),
                                     log=folder / "engine.log")
    return {"course": str(course)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The course after our engine graded it with ``--gradebook`` (built once per session)."""
    return Path(nbgrader_course.shared_once(tmp_path_factory, "manual_grading_course", _build)["course"])


def _results(course: Path) -> dict:
    return {s: json.loads((course / "results" / s / PS / "results.json").read_text()) for s in ("ann", "bob", "cat")}


def _answer_test(data: dict) -> dict:
    return next(t for t in data["tests"] if t["name"] == ANSWER)


def test_the_engine_leaves_every_answer_pending_never_zero_never_earned(graded):
    results = _results(graded)
    for student, data in results.items():
        t = _answer_test(data)
        assert (t["score"], t["status"], t["kind"], t["max_score"]) == (None, "pending", "manual", 3.0), student
        assert data["pending_points"] == 3.0 and data["max_score"] == AUTO + 3.0
    assert [results[s]["score"] for s in ("ann", "bob", "cat")] == [AUTO, AUTO, CAT_AUTO]
    assert results["ann"]["answers"][ANSWER] == ANN_ANSWER
    assert "No answer was written" in _answer_test(results["bob"])["message"]
    with open(graded / "results" / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert {s: (float(r["total"]), float(r["pending"])) for s, r in rows.items()} == {
        "ann": (AUTO, 3.0), "bob": (AUTO, 3.0), "cat": (CAT_AUTO, 3.0)}
    page = (graded / "results" / "cat" / PS / "feedback.html").read_text()
    assert "awaiting grading" in page and "3 points awaiting grading" in page
    assert "&lt;script&gt;" in (graded / "results" / "ann" / PS / "feedback.html").read_text()
    report = (graded / "results" / "report.html").read_text()
    assert "answers awaiting manual grading" in report


def test_formgrader_lists_the_answers_to_grade_and_shows_them(graded):
    from nbconvert.exporters import HTMLExporter
    from nbgrader.api import Gradebook
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    from autograder.reports.gradebook import course_directory

    coursedir = course_directory(graded)
    api = NbGraderAPI(coursedir=coursedir)
    subs = {s["student"]: s for s in api.get_notebook_submissions(PS, PS)}  # formgrader's submissions page
    assert {s: (d["needs_manual_grade"], d["score"], d["max_written_score"]) for s, d in subs.items()} == {
        "ann": (True, AUTO, 3.0), "bob": (True, AUTO, 3.0), "cat": (True, CAT_AUTO, 3.0)}
    with Gradebook(coursedir.db_url, "probdl") as gb:
        for student in subs:
            grade = gb.find_grade(ANSWER, PS, PS, student)
            assert grade.auto_score is None and grade.manual_score is None and grade.needs_manual_grade
            assert grade.cell.cell_type == "markdown"
        assert gb.find_comment(ANSWER, PS, PS, "bob").auto_comment == "No response."  # nbgrader's own words
        assert gb.find_comment(ANSWER, PS, PS, "ann").auto_comment is None
        sub_id = gb.find_submission_notebook(PS, PS, "ann").id
    # the page formgrader serves for ann's notebook: its own exporter and template, its own resources
    config = Config(coursedir.config)
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    notebook = graded / "autograded" / "ann" / PS / f"{PS}.ipynb"
    html, _ = HTMLExporter(config=config).from_filename(str(notebook), resources={
        "assignment_id": PS, "notebook_id": PS, "submission_id": sub_id, "index": 0, "total": 3, "base_url": "",
        "student": "ann", "last_name": None, "first_name": None, "notebook_path": ""})
    assert f'id="{ANSWER}"' in html and f'id="{ANSWER}-comment"' in html  # score and comment boxes
    assert r"\partial L/\partial z_c = p_c - t_c" in html  # the student's derivation, for MathJax
    assert "<script>alert" not in html and "<img src=x" not in html  # shown as text, never run
    assert "javascript:alert" in html and 'href="javascript' not in html  # a link's text, never a link
    assert "BEGIN HIDDEN TESTS" not in html


def test_round_trip_hand_grades_reach_nbgrader_export_and_our_exports(graded, tmp_path):
    from nbgrader.api import Gradebook

    from autograder.reports.gradebook import course_directory

    course = tmp_path / "course"
    shutil.copytree(graded, course)  # the other tests read the shared folder; this one grades by hand
    coursedir = course_directory(course)
    with Gradebook(coursedir.db_url, "probdl") as gb:
        for student, points in HAND.items():  # formgrader's GradeHandler.put, step by step
            grade = gb.find_grade(ANSWER, PS, PS, student)
            grade.manual_score, grade.extra_credit = points, None
            grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.find_comment(ANSWER, PS, PS, "cat").manual_comment = "The sign is reversed: p - t, not t - p."
        gb.db.commit()

    proc = subprocess.run([*nbgrader_course.nbgrader_command(), "export"], cwd=course, capture_output=True,
                          text=True, timeout=300, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(course / "grades.csv", newline="") as fh:
        exported = {row["student_id"]: row for row in csv.DictReader(fh)}
    # by hand: ann AUTO + 3, bob AUTO + 0, cat CAT_AUTO + 1.5 (of AUTO + 3 each)
    assert {s: float(r["score"]) for s, r in exported.items()} == TOTAL
    assert {float(r["max_score"]) for r in exported.values()} == {AUTO + 3.0}

    cmd = nbgrader_course.engine_command(course / "submitted", course / "results", course, 2, "--gradebook",
                                         str(course), "--json")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["gradebook"]["results_updated_from_gradebook"] == 3
    assert summary["class"]["pending_points"] == 0.0
    assert {s["student"]: s["score"] for s in summary["submissions"]} == TOTAL
    results = _results(course)
    assert {s: (_answer_test(d)["score"], d["pending_points"], d["score"]) for s, d in results.items()} == {
        s: (HAND[s], 0.0, TOTAL[s]) for s in HAND}
    with open(course / "results" / "grades.csv", newline="") as fh:
        ours = {row["student"]: row for row in csv.DictReader(fh)}
    assert {s: (float(r["total"]), float(r["pending"])) for s, r in ours.items()} == {s: (TOTAL[s], 0.0) for s in TOTAL}
    page = (course / "results" / "cat" / PS / "feedback.html").read_text()
    assert "Graded by your instructor: 1.5 / 3 points. Comment: The sign is reversed" in page
    assert "awaiting grading" not in page
    # and the gradebook still holds the hand grades (a rerun writes auto scores, never over a manual one)
    with Gradebook(coursedir.db_url, "probdl") as gb:
        assert gb.find_grade(ANSWER, PS, PS, "cat").manual_score == 1.5
        assert gb.find_submission(PS, "ann").score == TOTAL["ann"]
