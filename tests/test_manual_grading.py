"""Answer cells graded by hand, through nbgrader's own machinery, end to end with the real tools.

A problem set with a manually graded answer cell (a derivation: nbgrader's
"Manually graded answer", ``solution`` and ``grade`` with points) in a
temporary nbgrader course. Three students hand it in: ``ann`` writes an
answer (with markup that must not run in formgrader), ``bob`` leaves it as
released, ``cat`` writes one and gets the gradient's 1/N wrong. Then:

1. our engine grades them (``python -m autograder autograde … --gradebook``):
   every written answer is pending in results.json (``score`` null), in no score,
   its points in ``pending_points``, in grades.csv's ``pending`` column; bob's is
   not answered, 0 at once (as nbgrader's autograde scores it);
2. nbgrader's formgrader — the real one, ``jupyter server`` with nbgrader's
   server extension, over HTTP — lists the two written answers as needing manual
   grading, with no auto score (bob's: auto score 0, "No response."), and shows ann's ``autograded/`` notebook with
   the score box of the answer cell and the answer as text (its markup inert);
3. the instructor grades the answers there (formgrader's grade and comment
   API, what its page sends);
4. ``nbgrader export`` (the real command) gives each student autograded +
   hand-graded points: the totals are checked against the sums written out
   below;
5. running our command again with ``--gradebook`` brings the hand-graded
   points into results.json, grades.csv, ``--json`` and the feedback pages, with
   the model answer of each graded answer (never the rubric); ``late
   --publish-answers`` shows every model answer; ``nbgrader generate_feedback``
   leaves the grader's cell out.

Formgrader shows, right after each answer, the cell "For the grader" with the
source's model answer and rubric.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tests.test_answer_pictures
from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, ROOT
from testkit import nbgrader_course
from testkit.fill import filled_release
from testkit.zoo import ps2_cross_entropy as zoo

pytestmark = pytest.mark.slow

PS = "ps2_cross_entropy"
ANSWER = "cross_entropy_grad-derivation"
ANSWER_POINTS = dict(ANSWER_CELLS[PS])[ANSWER]  # ps2's own derivation cell (8 points)
ANN_ANSWER = (r"$\partial L/\partial z_c = p_c - t_c$ because $\sum_k t_k = 1$ <script>alert('formgrader')</script>"
              "<img src=x onerror=alert(1)> [see](javascript:alert(2)) [also][x]\n\n[x]: javascript:alert(3)\n"
              "![x](attachment:x.svg)\n")
CAT_ANSWER = r"$\partial L/\partial z = t - p$" + "\n\nMy page, photographed:\n\n![image.png](attachment:image.png)"
#: cat's photo of a handwritten page (a real PNG, made here), and ann's attachment that is an SVG with a script
CAT_PHOTO = tests.test_answer_pictures.picture("png")
ANN_SVG = "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(4)'><script>alert(5)</script></svg>"
WRONG_GRAD = "cross_entropy_grad-missing-1-over-n"


def _points() -> dict:
    return dict(GRADE_CELLS[PS])


#: The hand arithmetic the export must reproduce. ps2's autograded cells are worth AUTO points; cat's
#: gradient without 1/N loses the cells the bug zoo's reviewed table lists for it.
AUTO = sum(_points().values())
CAT_AUTO = AUTO - sum(_points()[gid] for gid in zoo.LOSES[WRONG_GRAD])
HAND = {"ann": float(ANSWER_POINTS), "bob": 0.0, "cat": 1.5}  # what the instructor gives in formgrader (bob's 0 is automatic)
TOTAL = {"ann": AUTO + ANSWER_POINTS, "bob": AUTO + 0.0, "cat": CAT_AUTO + 1.5}


def _with_answer(nb: dict, text: str | None, attachments: dict | None = None) -> dict:
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER and text is not None:
            cell["source"] = text
            if attachments:
                cell["attachments"] = attachments
    return nb


def _build(folder: Path, empty_gradebook: Path) -> dict:
    course = nbgrader_course.make_course(folder / "course", [PS], gradebook=False)  # the committed release
    # nbgrader's empty gradebook (creating one from nothing is tested by tests/test_reports_gradebook.py and the
    # README's commands): our --gradebook adds the problem set, its cells and the submissions
    shutil.copy(empty_gradebook, course / "gradebook.db")
    wrong = next(s for s in zoo.ZOO if s.name == WRONG_GRAD)
    nbgrader_course.write_submissions(course / "submitted", {
        ("ann", PS): _with_answer(filled_release(PS, course_dir=course), ANN_ANSWER,
                                  {"x.svg": {"image/svg+xml": ANN_SVG}}),
        ("bob", PS): filled_release(PS, course_dir=course, answers={}),  # the answer cell as released
        ("cat", PS): _with_answer(filled_release(PS, {"cross_entropy_grad": wrong.source}, course_dir=course),
                                  CAT_ANSWER, {"image.png": {"image/png": CAT_PHOTO}}),
    })
    nbgrader_course.engine_autograde(course / "submitted", course / "results", course, 2, "--gradebook", str(course),
                                     log=folder / "engine.log")
    return {"course": str(course)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, empty_gradebook) -> Path:
    """The course after our engine graded it with ``--gradebook`` (built once per session)."""
    return Path(nbgrader_course.shared_once(tmp_path_factory, "manual_grading_course",
                                            lambda folder: _build(folder, empty_gradebook))["course"])


def _results(course: Path) -> dict:
    return {s: json.loads((course / "results" / s / PS / "results.json").read_text()) for s in ("ann", "bob", "cat")}


def _answer_test(data: dict) -> dict:
    return next(t for t in data["tests"] if t["name"] == ANSWER)


def test_the_engine_leaves_every_answer_pending_never_zero_never_earned(graded):
    """A written answer awaits grading; one left as released (bob's) is not answered: 0, as nbgrader scores it."""
    results = _results(graded)
    for student, data in results.items():
        t = _answer_test(data)
        if student == "bob":
            assert (t["score"], t["status"], t["kind"], t["max_score"]) == (0.0, "failed", "not-answered", ANSWER_POINTS)
            assert data["pending_points"] == 0.0
        else:
            assert (t["score"], t["status"], t["kind"], t["max_score"]) == (None, "pending", "manual", ANSWER_POINTS), student
            assert data["pending_points"] == ANSWER_POINTS
        assert data["max_score"] == AUTO + ANSWER_POINTS
    assert [results[s]["score"] for s in ("ann", "bob", "cat")] == [AUTO, AUTO, CAT_AUTO]
    assert results["ann"]["answers"][ANSWER] == ANN_ANSWER
    assert "Not answered" in _answer_test(results["bob"])["message"]
    with open(graded / "results" / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert {s: (float(r["total"]), float(r["pending"])) for s, r in rows.items()} == {
        "ann": (AUTO, ANSWER_POINTS), "bob": (AUTO, 0.0), "cat": (CAT_AUTO, ANSWER_POINTS)}
    page = (graded / "results" / "cat" / PS / "feedback.html").read_text()
    assert "awaiting grading" in page and f"{ANSWER_POINTS:g} points awaiting grading" in page
    assert "Model answer (" not in page, "no model answer before a person has graded the answer"
    assert "&lt;script&gt;" in (graded / "results" / "ann" / PS / "feedback.html").read_text()
    report = (graded / "results" / "report.html").read_text()
    assert "answers awaiting grading" in report


class Formgrader:
    """nbgrader's formgrader, for real: ``jupyter server`` started in the course folder (its
    ``nbgrader_config.py``), reached over HTTP with a token, as the instructor's browser reaches it."""

    def __init__(self, course: Path, log: Path):
        import secrets
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.log = open(log, "w")  # noqa: SIM115 — the server's log for its life, closed by stop()
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("jupyter")), "server", "--no-browser", "--allow-root",
             f"--port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={course}"],
            cwd=course, env=nbgrader_course.tool_env(), stdout=self.log, stderr=subprocess.STDOUT)

    def request(self, method: str, path: str, body=None):
        import urllib.request

        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            text = resp.read().decode()
        return json.loads(text) if path.startswith("/formgrader/api/") else text

    def wait(self, timeout: float = 180.0) -> Formgrader:
        import time
        import urllib.error

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter server exited {self.proc.returncode}; see {self.log.name}")
            try:
                self.request("GET", "/formgrader/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"formgrader did not answer within {timeout} s; see {self.log.name}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def test_round_trip_formgrader_then_nbgrader_export_and_our_exports(graded, tmp_path):
    """Formgrader lists and shows the answers, the instructor grades them there (its HTTP API), and the
    hand-graded points reach ``nbgrader export`` and every output of ours."""
    from nbgrader.api import Gradebook

    from autograder.nbgrader_io.gradebook import course_directory

    course = tmp_path / "course"
    shutil.copytree(graded, course)  # the other test reads the shared folder; this one grades by hand
    fg = Formgrader(course, tmp_path / "jupyter.log")
    try:
        fg.wait()
        # formgrader's list of ps2's submissions: each written answer needs grading, nothing of it is in the
        # score; bob's, left as released, does not (auto score 0, as nbgrader's autograde gives it)
        listed = {s["student"]: s for s in fg.request("GET", f"/formgrader/api/submitted_notebooks/{PS}/{PS}")}
        assert {s: (d["needs_manual_grade"], d["score"], d["written_score"], d["max_written_score"])
                for s, d in listed.items()} == {"ann": (True, AUTO, 0.0, ANSWER_POINTS), "bob": (False, AUTO, 0.0, ANSWER_POINTS),
                                                "cat": (True, CAT_AUTO, 0.0, ANSWER_POINTS)}
        # the page formgrader shows for ann's notebook: the answer with its score and comment boxes
        page = fg.request("GET", f"/formgrader/submissions/{listed['ann']['id']}/")
        assert f'id="{ANSWER}"' in page and f'id="{ANSWER}-comment"' in page
        assert r"\partial L/\partial z_c = p_c - t_c" in page  # the student's derivation, for MathJax
        assert "<script>alert" not in page and "<img src=x" not in page  # shown as text, never run
        assert "javascript:alert" in page and 'href="javascript' not in page  # a link's text, never a link
        assert "BEGIN HIDDEN TESTS" not in page
        assert "alert(4)" not in page and "alert(5)" not in page and "data:image/svg" not in page  # (no SVG shown)
        # cat's photo of a handwritten page, pasted into the answer: shown as the picture it is, from a data: URL
        cat = fg.request("GET", f"/formgrader/submissions/{listed['cat']['id']}/")
        assert f'src="data:image/png;base64,{CAT_PHOTO}"' in cat, "the photo as formgrader shows it"
        assert f'alt="Picture 1 of 1 pasted in the answer to {ANSWER}"' in cat
        # right after the answer, the cell for the grader: the source's model answer and rubric (not the student's)
        after = page[page.index(f'id="{ANSWER}"'):]
        assert "For the grader" in after and f"Rubric ({ANSWER_POINTS:g} points)." in after and "Usual partial answers." in after
        assert after.index("For the grader") < after.index(f"Rubric ({ANSWER_POINTS:g} points).")
        for student, points in HAND.items():  # the instructor types the points (and one comment)
            sid = listed[student]["id"]
            grades = {g["name"]: g for g in fg.request("GET", f"/formgrader/api/grades?submission_id={sid}")}
            answer = grades[ANSWER]
            comments = {c["name"]: c for c in fg.request("GET", f"/formgrader/api/comments?submission_id={sid}")}
            assert comments[ANSWER]["auto_comment"] == ("No response." if student == "bob" else None)
            if student == "bob":  # not answered: nothing to grade
                assert (answer["auto_score"], answer["manual_score"], answer["needs_manual_grade"]) == (0.0, None, False)
                continue
            assert (answer["auto_score"], answer["manual_score"], answer["cell_type"]) == (None, None, "markdown")
            saved = fg.request("PUT", f"/formgrader/api/grade/{answer['id']}", {"manual_score": points,
                                                                              "extra_credit": None})
            assert saved["manual_score"] == points and not saved["needs_manual_grade"]
            if student == "cat":
                fg.request("PUT", f"/formgrader/api/comment/{comments[ANSWER]['id']}",
                           {"manual_comment": "The sign is reversed: p - t, not t - p."})
        graded_now = {s["student"]: s for s in fg.request("GET", f"/formgrader/api/submitted_notebooks/{PS}/{PS}")}
        assert {s: (d["needs_manual_grade"], d["score"]) for s, d in graded_now.items()} == {
            s: (False, TOTAL[s]) for s in TOTAL}
    finally:
        fg.close()

    proc = subprocess.run([*nbgrader_course.nbgrader_command(), "export"], cwd=course, capture_output=True,
                          text=True, timeout=300, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(course / "grades.csv", newline="") as fh:
        exported = {row["student_id"]: row for row in csv.DictReader(fh)}
    # by hand: ann AUTO + all the answer's points, bob AUTO + 0, cat CAT_AUTO + 1.5 (of AUTO + ANSWER_POINTS each)
    assert {s: float(r["score"]) for s, r in exported.items()} == TOTAL
    assert {float(r["max_score"]) for r in exported.values()} == {AUTO + ANSWER_POINTS}

    cmd = nbgrader_course.engine_command(course / "submitted", course / "results", course, 2, "--gradebook",
                                         str(course), "--json")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    assert summary["gradebook"]["results_updated_from_gradebook"] == 2  # ann's and cat's (bob's was 0 already)
    assert summary["class"]["pending_points"] == 0.0
    assert {s["student"]: s["score"] for s in summary["submissions"]} == TOTAL
    results = _results(course)
    assert {s: (_answer_test(d)["score"], d["pending_points"], d["score"]) for s, d in results.items()} == {
        s: (HAND[s], 0.0, TOTAL[s]) for s in HAND}
    with open(course / "results" / "grades.csv", newline="") as fh:
        ours = {row["student"]: row for row in csv.DictReader(fh)}
    assert {s: (float(r["total"]), float(r["pending"])) for s, r in ours.items()} == {s: (TOTAL[s], 0.0) for s in TOTAL}
    page = (course / "results" / "cat" / PS / "feedback.html").read_text()
    assert f"Graded by your instructor: 1.5 / {ANSWER_POINTS:g} points. Comment: The sign is reversed" in page
    assert "awaiting grading" not in page
    # graded by a person: the model answer is shown (never the rubric); bob's 0 for a blank answer is no grading
    assert f"Model answer ({ANSWER})" in page and "Shown now that your answer has been graded" in page
    assert "Rubric" not in page and "Usual partial answers" not in page
    assert "Model answer (" not in (course / "results" / "bob" / PS / "feedback.html").read_text()
    # the instructor publishes the answers: every page shows the model answer, bob's too
    cmd = [sys.executable, "-m", "autograder", "late", str(course / "results"), "--course", str(course),
           "--publish-answers"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    bob = (course / "results" / "bob" / PS / "feedback.html").read_text()
    assert f"Model answer ({ANSWER})" in bob and "Published by your instructor" in bob and "Rubric" not in bob
    # nbgrader's own feedback (the course's configuration) leaves the cell for the grader out
    proc = subprocess.run([*nbgrader_course.nbgrader_command(), "generate_feedback", PS], cwd=course,
                          capture_output=True, text=True, timeout=300, env=nbgrader_course.tool_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    pages = sorted((course / "feedback").glob(f"*/{PS}/{PS}.html"))
    assert [p.parts[-3] for p in pages] == ["ann", "bob", "cat"]
    for html in pages:
        text = html.read_text(encoding="utf-8")
        assert "(from the source notebook; not in the student" not in text and "Rubric (" not in text, html
        assert "Usual partial answers" not in text, html
    # and the gradebook still holds the hand grades (a rerun writes auto scores, never over a manual one)
    coursedir = course_directory(course)
    with Gradebook(coursedir.db_url, "probdl") as gb:
        assert gb.find_grade(ANSWER, PS, PS, "cat").manual_score == 1.5
        assert gb.find_submission(PS, "ann").score == TOTAL["ann"]
