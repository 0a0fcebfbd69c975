"""Regrades (issue 86), on results folders written here: what moved and why, --keep-higher, an earlier folder
refused or read, regrade requests and decisions, the pages, passback's filter, the checks' digests.

The engine's own runs (the demo with two cells edited by hand, a check corrected in a copy of the course, the
guide's commands as printed) are in tests/test_regrades_e2e.py.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.digest import declaration_digest, hints_digest, problem_set_digests
from autograder.checks.failure import Hint
from autograder.checks.probe import Probe
from autograder.lms.comment import parse_tag
from autograder.lms.regrade import moved_only
from autograder.lms.scores import read_grades
from autograder.model.course import GRADE_CELLS, ROOT
from autograder.model.deadlines import read_deadlines_file
from autograder.model.files import CHANGES_FILE, REGRADE_FILE
from autograder.model.graded_with import GradedWith, code_digests, completed, grader_version
from autograder.model.grades import write_grades_csv
from autograder.model.penalties import apply_all
from autograder.model.previous import PreviousError, read_previous
from autograder.model.regrade_requests import (
    MAX_BYTES,
    MAX_ROWS,
    RequestsError,
    decision_rows,
    match_requests,
    read_decisions,
    read_requests,
    write_decisions,
)
from autograder.model.regrade_step import regrade_step
from autograder.model.results import SubmissionResult, TestResult, load_results, results_path, write_results
from autograder.model.submission_time import from_text
from autograder.reports.after_grading import write_reports
from autograder.reports.changes import write_changes_page
from autograder.reports.feedback import render_feedback, render_feedback_text
from autograder.reports.requests_review import render_review
from tests.reports_fixtures import XSS

PS = "ps1_softmax"
#: A student id that is markup (a folder name may be anything but "/").
HOSTILE_ID = "<img src=x onerror=alert(1)>"
CELLS = dict(GRADE_CELLS[PS])
CODE = {"logsumexp": "def logsumexp(z, axis=-1):\n    return 1\n", "softmax": "def softmax(z):\n    return 2\n",
        "log_softmax": "def log_softmax(z):\n    return 3\n"}
SHARED = GradedWith(grader=grader_version(), course="probdl", checks={gid: f"check-{gid}" for gid in CELLS},
                    hints={gid: f"hint-{gid}" for gid in CELLS}, references={"softmax": "ref-softmax"}, given="given")


def result(student: str, lost: tuple[str, ...] = (), code: dict[str, str] | None = None,
           shared: GradedWith | None = SHARED, notebook: str = "nb", points: dict[str, float] | None = None,
           submitted: str | None = None) -> SubmissionResult:
    """A graded ps1 result: every cell passed but ``lost``; its evidence as the engine records it."""
    cells = {**CELLS, **(points or {})}
    tests = [TestResult(gid, 0.0 if gid in lost else float(p), float(p), gid not in lost,
                        "failed" if gid in lost else "passed", "", "value" if gid in lost else "")
             for gid, p in cells.items()]
    r = SubmissionResult.scored(student, PS, float(sum(cells.values())), tests, student_code=dict(code or CODE),
                                graded_with=GradedWith(notebook=notebook))
    if submitted is not None:
        r.submitted = from_text(submitted, "test")
    if shared is not None:
        r.graded_with = completed(shared, r.graded_with, r.student_code, r.autograded_scores)
    else:
        r.graded_with = None
    return r


def folder(root: Path, *results: SubmissionResult) -> Path:
    for r in results:
        write_results(results_path(root, r.student, r.assignment), r)
    write_grades_csv(root)
    return root


def regrade(tmp_path: Path, old: list[SubmissionResult], new: list[SubmissionResult], **options):
    old_dir, new_dir = folder(tmp_path / "old", *old), folder(tmp_path / "new", *new)
    previous = read_previous(old_dir, new_dir, ROOT)
    regraded, run = regrade_step(new_dir, load_results(new_dir), previous, **options)
    return new_dir, regraded, run


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# --- what moved and why ----------------------------------------------------------------------------------------------

def test_a_corrected_check_is_the_reason_and_only_the_cells_that_moved_are_listed(tmp_path):
    fixed = dataclasses.replace(SHARED, checks={**SHARED.checks, "softmax-stability": "check-corrected"})
    new_dir, _, run = regrade(tmp_path, [result("ada", lost=("softmax-stability",)), result("ben")],
                              [result("ada", shared=fixed), result("ben", shared=fixed)], keep_higher=False)
    assert rows(new_dir / CHANGES_FILE) == [{
        "student": "ada", "problem_set": PS, "cell": "softmax-stability", "old": "0", "new": "5",
        "reason": "the check was corrected", "evidence": "check"}]
    record = json.loads((new_dir / "ada" / PS / "results.json").read_text())["regrade"]
    assert record["changes"][0]["why"] == "the check was corrected" and record["previous_score"] == 35
    assert run.comparison.cells == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"shared": dataclasses.replace(SHARED, references={"softmax": "ref-corrected"})}, "reference"),
    ({"shared": dataclasses.replace(SHARED, given="given-2")}, "given"),
    ({"code": {**CODE, "softmax": "def softmax(z):\n    return 4\n"}}, "code"),
    ({"notebook": "nb-2"}, "notebook"),
    ({"shared": dataclasses.replace(SHARED, grader="0.1.99")}, "grader"),
    ({}, "unexplained"),
])
def test_each_difference_in_the_evidence_names_its_reason(tmp_path, change, code):
    _, _, run = regrade(tmp_path, [result("ada", lost=("softmax-basic",))], [result("ada", **change)],
                        keep_higher=False)
    [moved] = run.comparison.changes[0].cells
    assert moved.cell == "softmax-basic" and moved.reasons == (code,)


def test_the_points_of_a_cell_changed_in_the_notebook_are_the_reason(tmp_path):
    _, _, run = regrade(tmp_path, [result("ada")], [result("ada", points={"softmax-basic": 6.0})], keep_higher=False)
    [moved] = run.comparison.changes[0].cells
    assert (moved.old, moved.new, moved.reasons) == (4.0, 6.0, ("points",))


def test_a_result_edited_by_hand_is_told_from_a_regrade(tmp_path):
    """The done-when's earlier run, edited by hand: the seal no longer matches, and nothing else differs."""
    old = result("ada")
    old.tests = [dataclasses.replace(t, score=0.0) if t.name == "softmax-basic" else t for t in old.tests]
    assert old.edited and not result("ada").edited
    _, _, run = regrade(tmp_path, [old], [result("ada")], keep_higher=False)
    [moved] = run.comparison.changes[0].cells
    assert moved.reasons == ("edited",) and moved.line() == (
        "softmax-basic +4 — the earlier points were entered by hand, not given by the grader")


def test_an_earlier_run_without_evidence_is_compared_all_the_same(tmp_path):
    _, _, run = regrade(tmp_path, [result("ada", lost=("softmax-basic",), shared=None)], [result("ada")],
                        keep_higher=False)
    assert run.comparison.changes[0].cells[0].reasons == ("unrecorded",)


def test_a_late_penalty_that_moved_is_a_row_with_its_cause(tmp_path):
    (tmp_path / "d1.toml").write_text('[due]\nps1_softmax = 2026-03-01T00:00:00Z\n[policy]\nmethod = "per_day"\n'
                                      'deduct = 2\n')
    (tmp_path / "d2.toml").write_text('[due]\nps1_softmax = 2026-03-02T00:00:00Z\n[policy]\nmethod = "per_day"\n'
                                      'deduct = 2\n')
    old = apply_all([result("ada", submitted="2026-03-01T12:00:00Z")], read_deadlines_file(tmp_path / "d1.toml"))[0][0]
    new_dir, _, run = regrade(tmp_path, [old], [result("ada", submitted="2026-03-01T12:00:00Z")], keep_higher=False,
                              deadlines=read_deadlines_file(tmp_path / "d2.toml"))
    assert rows(new_dir / CHANGES_FILE) == [{
        "student": "ada", "problem_set": PS, "cell": "late penalty", "old": "-2", "new": "0",
        "reason": "late penalty −2 → 0: the due date moved", "evidence": "late"}]
    assert run.comparison.changes[0].cells == ()


def test_students_missing_from_the_earlier_run_are_graded_as_new_and_listed(tmp_path):
    new_dir, _, run = regrade(tmp_path, [result("ada")], [result("ada"), result("ben", lost=("softmax-basic",))],
                              keep_higher=True)
    assert run.comparison.new == [("ben", PS)] and not run.comparison.changes
    record = json.loads((new_dir / REGRADE_FILE).read_text())
    assert record["graded_as_new"] == ["ben/ps1_softmax"] and record["changed_cells"] == 0
    assert json.loads((new_dir / "ben" / PS / "results.json").read_text())["regrade"]["previous_score"] is None


# --- --keep-higher ----------------------------------------------------------------------------------------------------

def test_keep_higher_keeps_the_earlier_total_and_every_output_says_so(tmp_path):
    new_dir, regraded, run = regrade(tmp_path, [result("ada")], [result("ada", lost=("softmax-temperature",))],
                                     keep_higher=True)
    [r] = [x for x in regraded if x.student == "ada"]
    assert run.kept == [("ada", PS)]
    assert r.score == 40 and r.raw_score == 38 and r.regrade.kept  # the cells keep the points they earned
    assert [t.score for t in r.tests if t.name == "softmax-temperature"] == [0.0]
    on_disk = json.loads((new_dir / "ada" / PS / "results.json").read_text())
    assert on_disk["score"] == 40 and on_disk["regrade"]["kept"] is True
    grades = rows(new_dir / "grades.csv")
    assert grades[0][PS] == "40" and grades[0]["kept"] == "ps1_softmax: earlier 40 kept (this regrade: 38)"
    assert "Your earlier total, 40 points, is kept: this regrade gives 38" in render_feedback_text(r)
    assert "regraded: softmax-temperature −2" in render_feedback(r)
    # a later recompute (a due date, hand-graded points, `late`) keeps it the same way
    again, changed = apply_all([r], None)
    assert again[0].score == 40 and not changed
    raised = dataclasses.replace(r, tests=[dataclasses.replace(t, score=t.max_score, passed=True) for t in r.tests],
                                 late=None)  # hand-graded points, say: the new points reach the earlier total
    assert apply_all([raised], None)[0][0].score == 40 and not apply_all([raised], None)[0][0].regrade.kept


def test_without_keep_higher_a_lower_total_stands(tmp_path):
    _, regraded, run = regrade(tmp_path, [result("ada")], [result("ada", lost=("softmax-temperature",))],
                               keep_higher=False)
    assert regraded[0].score == 38 and not run.kept


# --- the earlier folder ----------------------------------------------------------------------------------------------

def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
            h.update(str(p.stat().st_mtime_ns).encode())
    return h.hexdigest()


def test_nothing_in_the_earlier_folder_is_written(tmp_path):
    old_dir = folder(tmp_path / "old", result("ada"), result("ben"))
    before = _tree_digest(old_dir)
    new_dir = folder(tmp_path / "new", result("ada", lost=("softmax-basic",)), result("ben"))
    regrade_step(new_dir, load_results(new_dir), read_previous(old_dir, new_dir, ROOT), keep_higher=True)
    write_changes_page(new_dir)
    assert _tree_digest(old_dir) == before


@pytest.mark.parametrize("how", ["same", "inside", "empty", "missing", "foreign-ps", "foreign-cells", "course",
                                 "major"])
def test_an_earlier_folder_that_cannot_be_compared_is_refused_with_the_reason(tmp_path, how):
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    r = result("ada")
    if how == "course":
        r.graded_with = dataclasses.replace(r.graded_with, course="another-course")
    if how == "major":
        r.graded_with = dataclasses.replace(r.graded_with, grader="99.0.0")
    if how == "foreign-cells":
        r.tests = [dataclasses.replace(t, name=f"other_{t.name}") for t in r.tests]
    if how == "foreign-ps":
        r.assignment = "ps9_elsewhere"
    if how not in ("empty", "missing"):
        folder(old_dir, r)
    if how == "empty":
        old_dir.mkdir()
    expected = {"same": "two separate folders", "inside": "two separate folders", "empty": "no results in it",
                "missing": "not a folder", "foreign-ps": "problem sets this course does not have (ps9_elsewhere",
                "foreign-cells": "none of this course's graded cells", "course": "graded for the course another-course",
                "major": "version 99.0.0 of the grader"}[how]
    target = {"same": old_dir, "inside": old_dir / "sub"}.get(how, new_dir)
    with pytest.raises(PreviousError, match=expected.replace("(", r"\(")):
        read_previous(old_dir, target, ROOT)


def test_the_command_refuses_a_bad_earlier_folder_before_grading(tmp_path):
    old_dir = tmp_path / "old"
    r = result("ada")
    r.graded_with = dataclasses.replace(r.graded_with, course="another-course")
    folder(old_dir, r)
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(ROOT / "examples" / "submissions"),
                           "--out", str(tmp_path / "new"), "--previous", str(old_dir)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "another course's results" in proc.stderr, proc.stderr
    assert not (tmp_path / "new").exists()
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(ROOT / "examples" / "submissions"),
                           "--out", str(tmp_path / "new"), "--keep-higher"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--keep-higher and --decisions need --previous OLD" in proc.stderr


# --- regrade requests and decisions ----------------------------------------------------------------------------------

def test_requests_are_read_from_a_form_export_bounded(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("\ufeffTimestamp,Student,Problem set,Which cell?,Message,Other\n"
                    "2026-11-28,'=ada,ps1_softmax,softmax-basic,\"please, look\",x\n\n"
                    "2026-11-28,ben,ps1_softmax,,whole set,y\n", encoding="utf-8")
    requests = read_requests(path)
    assert [(q.line, q.student, q.assignment, q.cell, q.message) for q in requests] == [
        (2, "=ada", PS, "softmax-basic", "please, look"), (4, "ben", PS, "", "whole set")]
    path.write_text("student,message\nada,hi\n")
    with pytest.raises(RequestsError, match="no column for problem_set"):
        read_requests(path)
    path.write_bytes(b"student,problem set,message\nad\xffa,ps1,hi\n")
    with pytest.raises(RequestsError, match="not UTF-8"):
        read_requests(path)
    path.write_text("student,problem set,message\nada,ps1,h\0i\x1b[31m\n")
    assert read_requests(path)[0].message == "h\ufffdi\ufffd[31m"
    path.write_text("student,problem set,message\nada,ps1,\"" + "m" * 200_000 + "\"\n")
    with pytest.raises(RequestsError, match="line 2: not CSV"):
        read_requests(path)
    path.write_text("student,problem set,message\n" + "ada,ps1,hi\n" * (MAX_ROWS + 1))
    with pytest.raises(RequestsError, match="more than 5,000 rows"):
        read_requests(path)
    path.write_bytes(b"student,problem set,message\n" + b"x" * MAX_BYTES)
    with pytest.raises(RequestsError, match="larger than 4 MB"):
        read_requests(path)
    path.write_text("student,problem set,message\nada,ps1," + "m" * 10_000 + "\n")
    assert read_requests(path)[0].message.endswith("(6,000 more characters cut)")


def test_the_decisions_file_is_formula_safe_and_read_strictly(tmp_path):
    path = tmp_path / "decisions.csv"
    write_decisions(path, [{"student": "=cmd|' /C calc'!A0", "problem_set": PS, "cell": "softmax-basic",
                            "message": "@SUM(1+1)", "of_points": 4.0, "status": "ok"}])
    text = path.read_text()
    assert "'=cmd" in text and "'@SUM" in text and ",4," in text
    [row] = read_decisions(path)
    assert row.student == "=cmd|' /C calc'!A0" and row.decision == "" and row.points is None
    header = "student,problem_set,cell,message,decision,points,of_points,reply,status\n"
    for body, error in (("ada,ps1_softmax,softmax-basic,m,maybe,,4,,ok\n", "expected accept, reject or blank"),
                        ("ada,ps1_softmax,softmax-basic,m,accept,,4,,ok\n", "needs the cell's points"),
                        ("ada,ps1_softmax,softmax-basic,m,accept,-1,4,,ok\n", "a number of 0 or more"),
                        ("ada,ps1_softmax,softmax-basic,m,accept,nan,4,,ok\n", "a number of 0 or more"),
                        ("ada,ps1_softmax,softmax-basic,m,accept,2,4,,ok\nada,ps1_softmax,softmax-basic,n,accept,3,4,,ok\n",
                         "lines 2 and 3 decide softmax-basic")):
        path.write_text(header + body)
        with pytest.raises(RequestsError, match=error):
            read_decisions(path)
    path.write_text("student,cell\nada,x\n")
    with pytest.raises(RequestsError, match="no column for problem_set, decision, points, reply"):
        read_decisions(path)


def _decisions(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "decisions.csv"
    path.write_text("student,problem_set,cell,message,decision,points,of_points,reply,status\n" + "".join(
        line + "\n" for line in lines))
    return path


def test_decisions_are_applied_and_those_that_cannot_be_are_listed(tmp_path):
    path = _decisions(tmp_path, "ada,ps1_softmax,softmax-basic,please,accept,3,4,Partly right.,ok",
                      "ben,ps1_softmax,softmax-axis,again,reject,,2,The axis is wrong.,ok",
                      "zed,ps1_softmax,softmax-basic,who,accept,4,,,unknown student",
                      "ben,ps1_softmax,softmax-nope,?,reject,,,no,unknown cell",
                      "ben,ps1_softmax,softmax-basic,more,accept,9,4,,ok",
                      "ben,ps1_softmax,,whole set,,,,,no cell named")
    new_dir, regraded, run = regrade(tmp_path, [result("ada", lost=("softmax-basic",)), result("ben")],
                                     [result("ada", lost=("softmax-basic",)), result("ben", lost=("softmax-axis",))],
                                     keep_higher=False, decided=read_decisions(path))
    by = {r.student: r for r in regraded}
    assert [t.score for t in by["ada"].tests if t.name == "softmax-basic"] == [3.0] and by["ada"].score == 39
    assert (run.applied, run.undecided) == (2, 1)
    assert [(n.student, n.cell, n.line) for n in run.not_applied] == [
        ("zed", "softmax-basic", 4), ("ben", "softmax-nope", 5), ("ben", "softmax-basic", 6)]
    assert "more than the cell's 4" in run.not_applied[2].why
    assert rows(new_dir / CHANGES_FILE)[0] == {"student": "ada", "problem_set": PS, "cell": "softmax-basic",
                                               "old": "0", "new": "3", "reason": "regrade request accepted",
                                               "evidence": "request"}
    page = render_feedback(by["ada"])
    assert "Accepted: 3 / 4 points (the check gave 0)." in page and "Partly right." in page and "regraded" in page
    assert "Not accepted: the points stay as graded. Your instructor: The axis is wrong." in render_feedback_text(by["ben"])
    recorded = json.loads((new_dir / REGRADE_FILE).read_text())["requests"]
    assert recorded["applied"] == 2 and len(recorded["not_applied"]) == 3


def test_a_decision_holds_in_later_regrades_while_the_code_is_the_same(tmp_path):
    path = _decisions(tmp_path, "ada,ps1_softmax,softmax-basic,please,accept,4,4,Fine.,ok")
    first, _, _ = regrade(tmp_path / "1", [result("ada", lost=("softmax-basic",))],
                          [result("ada", lost=("softmax-basic",))], keep_higher=False, decided=read_decisions(path))
    second = tmp_path / "2"
    folder(second, result("ada", lost=("softmax-basic",)))
    regraded, run = regrade_step(second, load_results(second), read_previous(first, second, ROOT), keep_higher=False)
    assert run.carried == 1 and regraded[0].score == 40 and not run.comparison.changes
    assert regraded[0].regrade.requests[0].earlier
    third = tmp_path / "3"
    folder(third, result("ada", lost=("softmax-basic",), code={**CODE, "softmax": "def softmax(z):\n    return 5\n"}))
    regraded, run = regrade_step(third, load_results(third), read_previous(second, third, ROOT), keep_higher=False)
    assert run.carried == 0 and "code the student has changed since" in run.not_applied[0].why
    assert regraded[0].score == 36  # the check's points again, and the change says why
    assert run.comparison.changes[0].cells[0].reasons == ("code",)


def test_a_decision_taken_back_is_undone_when_the_same_run_is_written_again(tmp_path):
    path = _decisions(tmp_path, "ada,ps1_softmax,softmax-basic,please,accept,4,4,Fine.,ok")
    new_dir, _, _ = regrade(tmp_path, [result("ada", lost=("softmax-basic",))],
                            [result("ada", lost=("softmax-basic",))], keep_higher=False, decided=read_decisions(path))
    previous = read_previous(tmp_path / "old", new_dir, ROOT)
    regraded, run = regrade_step(new_dir, load_results(new_dir), previous, keep_higher=False,
                                 decided=read_decisions(_decisions(tmp_path, "ada,ps1_softmax,softmax-basic,p,reject,,4,No.,ok")))
    assert regraded[0].score == 36 and regraded[0].regrade.requests[0].decision == "reject"


def test_the_review_page_escapes_every_request_and_lists_the_unknown(tmp_path):
    results_dir = folder(tmp_path / "results", result(HOSTILE_ID, lost=("softmax-basic",)), result("ben"))
    path = tmp_path / "requests.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "problem set", "cell", "message"])
        w.writerow([HOSTILE_ID, PS, "softmax-basic", XSS])
        w.writerow(["nobody", PS, "softmax-basic", "who am I"])
        w.writerow(["ben", PS, XSS, "a cell that is not"])
    matched = match_requests(read_requests(path), load_results(results_dir))
    assert [m.status for m in matched] == ["", "unknown student: no results of this student",
                                           "unknown cell: not a graded cell of this problem set"]
    page = render_review(matched, tmp_path / "review", results_dir, path)
    assert "<script>" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    assert "2 request(s) match no student, problem set or cell" in page and "who am I" in page
    assert "def softmax(z):" in page  # the student's graded code, beside the verdict
    rows_ = decision_rows(matched)
    assert [r["status"] for r in rows_][1:] == ["unknown student: no results of this student",
                                                 "unknown cell: not a graded cell of this problem set"]


def test_the_changes_page_is_linked_from_the_report_and_escapes_ids(tmp_path):
    fixed = dataclasses.replace(SHARED, checks={**SHARED.checks, "softmax-basic": "check-corrected"})
    new_dir, _, _ = regrade(tmp_path, [result(HOSTILE_ID, lost=("softmax-basic",))],
                            [result(HOSTILE_ID, shared=fixed)], keep_higher=False)
    write_reports(new_dir, show=False)  # (every page of the folder, the report with its link)
    page = (new_dir / "changes.html").read_text()
    assert "<img" not in page and "&lt;img" in page and "the check was corrected" in page
    assert "regraded: softmax-basic +4 — the check was corrected" in page
    assert 'href="changes.html"' in (new_dir / "report.html").read_text()


# --- passback after a regrade ----------------------------------------------------------------------------------------

def test_passback_after_a_regrade_posts_only_the_grades_that_moved_with_the_reason(tmp_path):
    fixed = dataclasses.replace(SHARED, checks={**SHARED.checks, "softmax-stability": "check-corrected"})
    new_dir, _, _ = regrade(tmp_path, [result("ada", lost=("softmax-stability",)), result("ben"), result("cleo")],
                            [result("ada", shared=fixed), result("ben", shared=fixed),
                             result("cleo", lost=("softmax-basic",), shared=fixed), result("dan", shared=fixed)],
                            keep_higher=True)
    grades = read_grades(new_dir)
    found = moved_only(new_dir, grades)
    assert [(g.student, g.score) for g in found.post] == [("ada", 40.0), ("dan", 40.0)]
    assert found.unchanged == 2  # ben, and cleo whose lower total is kept
    comment = found.post[0].comment.splitlines()
    assert comment[-2] == "Regraded: softmax-stability +5 — the check was corrected."
    assert parse_tag(found.post[0].comment).score == 40  # the tag stays last
    assert len(moved_only(new_dir, grades, every=True).post) == 4
    # a lower grade that reached passback all the same (a results.json edited since) is never posted
    lowered = [dataclasses.replace(g, score=30.0) if g.student == "cleo" else g for g in grades]
    assert [g.student for g in moved_only(new_dir, lowered).lowered] == ["cleo"]


# --- the checks' digests ---------------------------------------------------------------------------------------------

def test_a_checks_digest_is_the_same_in_every_process_and_moves_with_its_declaration():
    code = ("import json\nfrom autograder.checks.by_name import checks_for\nfrom autograder.checks.digest import "
            "problem_set_digests\nprint(json.dumps(problem_set_digests(checks_for('ps6_information'))))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(runs) == 1
    assert json.loads(runs.pop()) == json.loads(json.dumps(problem_set_digests(checks_for("ps6_information"))))
    check = checks_for(PS)["softmax-temperature"]
    probe = check.probes[0]
    moved = dataclasses.replace(check, probes=(dataclasses.replace(probe, kwargs={"temperature": 3.0}),)
                                + check.probes[1:])
    assert declaration_digest(moved) != declaration_digest(check) and hints_digest(moved) == hints_digest(check)
    reworded = dataclasses.replace(check, hints=(Hint("Another word.", lambda f: False, "another-word"),))
    assert declaration_digest(reworded) == declaration_digest(check) and hints_digest(reworded) != hints_digest(check)
    assert declaration_digest(dataclasses.replace(check, probes=check.probes + (Probe("one more", (1.0,)),))) != \
        declaration_digest(check)
    # a probe computed with another BLAS differs in its last bits: the same declaration; a corrected value is not
    basic = checks_for(PS)["softmax-basic"]
    z = np.asarray(basic.probes[0].args[0], dtype=float)

    def with_z(value):
        return dataclasses.replace(basic, probes=(dataclasses.replace(basic.probes[0], args=(value,)),)
                                   + basic.probes[1:])

    assert declaration_digest(with_z(np.nextafter(z, np.inf))) == declaration_digest(basic)
    assert declaration_digest(with_z(z * (1 + 1e-6))) != declaration_digest(basic)


def test_every_result_records_what_it_was_graded_with_and_its_seal(tmp_path):
    r = result("ada")
    assert r.graded_with.code == code_digests(CODE) and r.graded_with.seal
    back = SubmissionResult.from_json(json.loads(json.dumps(r.to_json())))
    assert back.graded_with == r.graded_with and not back.edited
    assert GradedWith.from_json({"checks": {"a": 1, "b": "x" * 100}, "grader": ["x"]}) == GradedWith(
        checks={"b": "x" * 64}, scheme=0)  # (a record without its scheme is compared with none)


def test_evidence_recorded_another_way_is_not_compared_digest_by_digest(tmp_path):
    other = dataclasses.replace(SHARED, scheme=0, checks={gid: "made-otherwise" for gid in SHARED.checks})
    _, _, run = regrade(tmp_path, [result("ada", lost=("softmax-basic",), shared=other)], [result("ada")],
                        keep_higher=False)
    assert run.comparison.changes[0].cells[0].reasons == ("unrecorded",)


def test_a_function_s_source_is_cut_as_ast_get_source_segment_cuts_it():
    """The digest cuts each function's text out of its file once the file is split (issue 85: splitting the whole
    file again for each function was 0.9 of the 1.3 CPU-seconds a batch's six digests took); the text is what
    ``ast.get_source_segment`` gives, on every function and lambda of the product and the references, and on
    line ends of every kind (``\\r\\n``, ``\\r``, a form feed that ends no line, a last line without its end)."""
    import ast

    from autograder.checks.digest import _LINE, _segment

    texts = [p.read_text(encoding="utf-8") for folder in ("autograder", "solutions")
             for p in sorted((ROOT / folder).rglob("*.py"))]
    texts.append("def f(a,\r\n      b):\r\n    return (a +\r b)\x0c + 1\ng = lambda x: (x\n  + 1)")
    count = 0
    for text in texts:
        lines = _LINE.findall(text)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                assert _segment(lines, node) == (ast.get_source_segment(text, node, padded=False) or "")
                count += 1
    assert count > 1000
