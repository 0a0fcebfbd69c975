"""A late submission with the real tools: stock ``nbgrader autograde`` and ours give a late student 0.

The course of the ``stock_nbgrader`` fixture (tests/conftest.py, :func:`tests.conftest.late_scenario`) has
ps1 due in its gradebook (``nbgrader db assignment add ps1_softmax --duedate=…``) and
``c.LateSubmissionPlugin.penalty_method = "zero"`` in its ``nbgrader_config.py``; two students hand in a
correct ps1 with nbgrader's ``timestamp.txt``: ``lena-late`` six days after the due date, ``otto-on-time``
before it. Stock nbgrader graded them (its gradebook's score, penalty and seconds late are in the fixture's
``late``), and so did our engine (its results.json files, with the submission time it recorded).

Here, in a copy of that course, ``python -m autograder late results --gradebook`` writes every output, and
each is checked against what nbgrader recorded: the late student has 0 everywhere (grades.csv, results.json,
the feedback page, the class report, ``--json``, JUnit, the Canvas/CSV export, the gradebook and ``nbgrader
export``), the on-time one has every autograded point. Then an extension granted afterwards
(``python -m autograder extension``, nbgrader's ``Gradebook.grant_extension``) gives the marks back
everywhere, with no notebook run again.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.model.course import GRADE_CELLS
from autograder.model.deadlines import GRADEBOOK_EXPORT
from testkit import nbgrader_course
from tests import ci_runner
from tests.conftest import LATE_SCENARIO
from tests.test_reports_gradebook import nbgrader_export

pytestmark = pytest.mark.slow

LATE, ON_TIME = "lena-late", "otto-on-time"
PS = "ps1_softmax"
AUTOGRADED = sum(points for _, points in GRADE_CELLS[PS])


def cli(course: Path, *args) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=course, env=nbgrader_course.tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def grades(results: Path) -> dict:
    with open(results / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def result_json(results: Path, student: str) -> dict:
    return json.loads((results / student / PS / "results.json").read_text(encoding="utf-8"))


def copy_of_the_course(stock_nbgrader, course: Path) -> Path:
    """A copy of the scenario's course (due date in the gradebook, the zero policy) in ``course``, with our
    engine's results of the two students, reports written by ``late results --gradebook``."""
    shared = Path(stock_nbgrader["folder"])
    shutil.copytree(shared / "course", course)
    for student in LATE_SCENARIO:
        shutil.copytree(shared / "results" / student, course / "results" / student)
    cli(course, "late", "results", "--gradebook")
    return course


@pytest.fixture(scope="module")
def course(stock_nbgrader, tmp_path_factory) -> Path:
    """:func:`copy_of_the_course`, shared by the tests of this module in order (an extension is granted in it)."""
    return copy_of_the_course(stock_nbgrader, tmp_path_factory.mktemp("late") / "course")


def test_nbgrader_itself_gives_the_late_student_zero(stock_nbgrader):
    """What plain nbgrader recorded, the reference of every check below."""
    late = stock_nbgrader["late"]
    assert late[LATE][0] == late[LATE][1] == AUTOGRADED and late[LATE][2] > 6 * 86400
    assert late[ON_TIME] == [AUTOGRADED, 0.0, 0.0]


def test_our_results_agree_with_nbgrader(course, stock_nbgrader):
    """The engine recorded timestamp.txt's time; the late record has nbgrader's seconds late and penalty."""
    for student, (score, penalty, seconds) in stock_nbgrader["late"].items():
        data = result_json(course / "results", student)
        assert data["submitted"]["source"] == "timestamp.txt" and data["submitted"]["status"] == "recorded"
        assert (data["late"]["raw_score"], data["late"]["penalty"], data["late"]["seconds_late"]) == (
            score, penalty, seconds)
        assert data["score"] == score - penalty
    assert result_json(course / "results", LATE)["late"]["status"] == "late"
    assert result_json(course / "results", ON_TIME)["late"]["status"] == "on_time"


def test_every_output_gives_the_late_student_zero(course):
    results = course / "results"
    rows = grades(results)
    assert (rows[LATE][PS], rows[LATE]["total"], rows[LATE]["raw_total"], rows[LATE]["late_penalty"]) == (
        "0", "0", str(AUTOGRADED), str(AUTOGRADED))
    assert "ps1_softmax: 6 d" in rows[LATE]["late"]
    assert (rows[ON_TIME][PS], rows[ON_TIME]["late_penalty"], rows[ON_TIME]["late"]) == (str(AUTOGRADED), "0", "")
    page = (results / LATE / PS / "feedback.html").read_text(encoding="utf-8")
    assert 'id="score">0<' in page and "Submitted 6 d 1 h after the due date" in page and f"−{AUTOGRADED} points" in page
    assert "Submitted on time" in (results / ON_TIME / PS / "feedback.html").read_text(encoding="utf-8")
    report = (results / "report.html").read_text(encoding="utf-8")
    assert 'id="late"' in report and f"{AUTOGRADED} → 0 / " in report
    data = json.loads(cli(course, "late", "results", "--course", ".", "--json").stdout)  # the gradebook, read only
    by = {s["student"]: s for s in data["submissions"]}
    assert (by[LATE]["score"], by[LATE]["raw_score"], by[LATE]["late_penalty"]) == (0.0, AUTOGRADED, AUTOGRADED)
    assert by[ON_TIME]["score"] == AUTOGRADED and data["late"]["penalised"] == 1
    cli(course, "export", "results", "--junit", "--out", "junit.xml", "--course", ".")
    junit = (course / "junit.xml").read_text(encoding="utf-8")
    assert f"{LATE}/{PS}: 0 / " in junit and f'name="deadline: 6 d 1 h late: −{AUTOGRADED}"' in junit
    cli(course, "export", "results", "--lms", "csv", "--out", "lms.csv", "--course", ".")
    with open(course / "lms.csv", newline="", encoding="utf-8") as fh:
        lms = {row["course_id"]: row for row in csv.DictReader(fh)}
    assert (lms[LATE][PS], lms[ON_TIME][PS]) == ("0", str(AUTOGRADED))


def test_the_gradebook_records_the_penalty_as_nbgrader_does(course, stock_nbgrader):
    """Our gradebook holds nbgrader's numbers (score, penalty, seconds late), and `nbgrader export` reads 0."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "probdl") as gb:
        ours = {s.student.id: [float(s.score), float(s.late_submission_penalty), float(s.total_seconds_late)]
                for s in gb.find_assignment(PS).submissions}
    assert ours == stock_nbgrader["late"]
    rows = nbgrader_export(course)
    assert float(rows[(PS, LATE)]["score"]) == 0.0 and float(rows[(PS, LATE)]["late_submission_penalty"]) == AUTOGRADED
    assert float(rows[(PS, ON_TIME)]["score"]) == AUTOGRADED


def test_an_extension_granted_afterwards_restores_the_marks_without_grading(course):
    results = course / "results"
    tests_before = result_json(results, LATE)["tests"]
    proc = cli(course, "extension", LATE, PS, "7d", "--results", "results")
    assert "Recomputed 2 submission(s)" in proc.stderr and "no notebook run" in proc.stderr
    assert result_json(results, LATE)["tests"] == tests_before  # the cells' results, as graded
    late = result_json(results, LATE)["late"]
    assert (late["status"], late["extension_s"], late["penalty"]) == ("on_time", 7 * 86400.0, 0.0)
    rows = grades(results)
    assert (rows[LATE][PS], rows[LATE]["total"], rows[LATE]["late_penalty"]) == (str(AUTOGRADED),) * 2 + ("0",)
    assert "with an extension of 7 d" in (results / LATE / PS / "feedback.html").read_text(encoding="utf-8")
    assert float(nbgrader_export(course)[(PS, LATE)]["score"]) == AUTOGRADED


def test_ci_without_the_gradebook_applies_its_due_dates_and_extensions(stock_nbgrader, tmp_path):
    """gradebook.db is git-ignored, so CI never has it: every command that reads the gradebook exports its due
    dates and extensions to nbgrader-deadlines.toml (tracked), and a checkout without the gradebook (what CI
    grades in) applies them with nbgrader_config.py's policy: the same penalty for every student, an
    extension included. (A course of its own: the module's has the late student's extension by now.)"""
    local = copy_of_the_course(stock_nbgrader, tmp_path / "local")
    cli(local, "extension", ON_TIME, PS, "3d", "--results", "results")  # (on time already: changes the file only)
    cli(local, "late", "results", "--gradebook")
    export = local / GRADEBOOK_EXPORT
    text = export.read_text(encoding="utf-8")
    assert f'"{PS}" = ' in text and f'"{ON_TIME}" = {{ "{PS}" = "259200s" }}' in text
    ci = tmp_path / "ci"  # what CI checks out: the course's tracked files (and, here, the results to recompute)
    shutil.copytree(local, ci, ignore=shutil.ignore_patterns("gradebook.db", "autograded", "feedback"))
    for student in LATE_SCENARIO:  # the penalties are CI's own: each late record says it is from the file
        assert result_json(ci / "results", student)["late"]["source"].startswith("nbgrader gradebook")
    cli(ci, "late", "results", "--course", ".")
    assert grades(ci / "results") == grades(local / "results")
    for student in LATE_SCENARIO:  # the same record, but for where the deadlines were read
        ci_late, local_late = (result_json(folder / "results", student)["late"] for folder in (ci, local))
        assert ci_late.pop("source").startswith(GRADEBOOK_EXPORT) and local_late.pop("source").startswith("nbgrader")
        assert ci_late == local_late
    assert result_json(ci / "results", LATE)["score"] == 0


def test_a_gradebook_without_due_dates_beside_an_export_with_some_is_refused(course, tmp_path, empty_gradebook):
    """Which is right — a new, empty gradebook or the exported file — would be a guess: neither is applied."""
    folder = tmp_path / "course"
    shutil.copytree(course, folder)
    cli(folder, "late", "results", "--gradebook")
    assert (folder / GRADEBOOK_EXPORT).is_file()
    shutil.copy2(empty_gradebook, folder / "gradebook.db")  # a new gradebook: no due dates
    proc = subprocess.run([sys.executable, "-m", "autograder", "late", "results", "--gradebook"], cwd=folder,
                          env=nbgrader_course.tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2 and "holds due dates" in proc.stderr and "gradebook beside it none" in proc.stderr


def test_the_instructor_workflows_grade_a_ci_checkout_with_the_gradebooks_penalties(stock_nbgrader, tmp_path):
    """The same class graded locally from the gradebook and through the instructor workflows' own steps
    (GitHub's "Grade this shard" and "Merge", GitLab's ``grade`` and ``merge``, run as their runners run
    them: :mod:`tests.ci_runner`) in a checkout of the course that has what git tracks — nbgrader_config.py
    and the exported nbgrader-deadlines.toml, no gradebook: every student's late record and total are the
    same, the late student's 0 included."""
    local = copy_of_the_course(stock_nbgrader, tmp_path / "local")  # (exports the gradebook's due dates, too)
    for platform in ("github", "gitlab"):
        base = tmp_path / platform
        checkout = base / "checkout"  # the course repository as the workflow checks it out
        python = ci_runner.checkout_python(checkout, base / "venv")
        for name in ("nbgrader_config.py", GRADEBOOK_EXPORT):
            shutil.copy(local / name, checkout / name)
        for student in LATE_SCENARIO:  # the two students' notebooks and nbgrader's timestamp.txt, as collected
            shutil.copytree(Path(stock_nbgrader["folder"]) / "submitted" / student, checkout / "submitted" / student)
        assert not (checkout / "gradebook.db").exists()
        runner = ci_runner.Runner(base, python=python)
        if platform == "github":
            env = runner.env(SUBMISSIONS="submitted", ASSIGNMENT=PS, SHARD="1/1", TIMEOUT="30")
            grade = ci_runner.github_job(ci_runner.GITHUB_INSTRUCTOR, "grade")
            proc = runner.run(ci_runner.github_step(grade, "Grade this shard")["run"], checkout, env)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
            shutil.copytree(checkout / "results", checkout / "shards" / "results-shard-1")
            shutil.rmtree(checkout / "results")
            merge = ci_runner.github_job(ci_runner.GITHUB_INSTRUCTOR, "merge")
            proc = runner.run(ci_runner.github_step(merge, "Merge")["run"], checkout, env)
        else:
            jobs = ci_runner.gitlab(ci_runner.GITLAB_INSTRUCTOR)
            env = runner.env(**{**ci_runner.gitlab_variables(ci_runner.GITLAB_INSTRUCTOR), "ASSIGNMENT": PS},
                             CI_NODE_INDEX="1", CI_NODE_TOTAL="1", CI_PROJECT_DIR=str(checkout))
            proc = runner.run("\n".join(jobs["grade"]["script"] + jobs["merge"]["script"]), checkout, env, gitlab=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert any("autograde" in call["argv"] for call in runner.calls()), "the workflow's own grading step ran"
        ci_results = checkout / "results"
        totals = {s: (r["total"], r.get("late_penalty")) for s, r in grades(ci_results).items()}
        assert totals == {s: (r["total"], r.get("late_penalty")) for s, r in grades(local / "results").items()}, platform
        for student in LATE_SCENARIO:
            ci_late, local_late = (result_json(folder, student)["late"] for folder in (ci_results, local / "results"))
            assert ci_late.pop("source").startswith(GRADEBOOK_EXPORT), (platform, ci_late)
            assert local_late.pop("source").startswith("nbgrader")
            assert ci_late == local_late, platform
        assert result_json(ci_results, LATE)["score"] == 0 and result_json(ci_results, ON_TIME)["score"] == AUTOGRADED
