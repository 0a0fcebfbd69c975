"""Red team: what a graded submission reaches after the sandbox (the pages, the exports, the passback).

Each attack is a notebook a student could hand in, graded by the real engine (``python -m autograder
autograde``, every report written after it) beside an honest classmate, or, for the LMS, what a student can do
in the LMS itself. What must hold: one submission's text never stops a report written for the others, and a
student's own words in the LMS never move their grade (tests/test_lms_canvas.py, a student's own tag).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.model import course
from autograder.model.files import FEEDBACK_FILE, GRADES_FILE, REPORT_FILE
from autograder.reports.markdown_math import MAX_TREE_DEPTH, formula
from testkit.fill import filled_release
from tests import engine_helpers

PS = "ps1_softmax"
ANSWER = next(gid for gid, _ in course.ANSWER_CELLS[PS])
#: LaTeX that nests without a brace: each ``\hat`` takes the next as its argument (1,601 characters).
HATS = "\\hat" * 400 + "x"
#: A cell magic's name (40 characters are quoted) that erases the terminal's line and the one above it, then prints
#: a link to elsewhere.
ERASE = "\x1b[2K\x1b[1A\x1b[2K\x1b]8;;http://e.vil/\x07ok\x1b]8;;\x07"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: an honest student, and students whose answers are built against the pages."""
    root = tmp_path_factory.mktemp("redteam-reports")
    sub, res = root / "submitted", root / "results"
    erasing = filled_release(PS)  # a cell magic named with terminal escapes: the flag quotes its name
    erasing["cells"].insert(3, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                "source": f"%%{ERASE}\nx = 1\n"})
    notebooks = {("alice", PS): filled_release(PS),
                 ("mallory", PS): filled_release(PS, answers={ANSWER: f"My derivation: ${HATS}$\n"}),
                 ("trent", PS): erasing,
                 ("zoe", PS): filled_release(PS)}
    engine_helpers.make_submissions(sub, notebooks)
    (sub / "trent" / PS / "timestamp.txt").write_text(f"2026-03-01 {ERASE}")  # nbgrader's file: the student's own
    course_dir = root / "course"  # the course's notebooks, and a due date (so the time is read and judged)
    shutil.copytree(course.ROOT / "source" / PS, course_dir / "source" / PS)
    (course_dir / "deadlines.toml").write_text(f"[due]\n{PS} = 2026-03-01T23:59:00Z\n")
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(sub), "--out", str(res),
                           "--course", str(course_dir), "--workers", "2", "--timeout", "10"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(course.ROOT), "COLUMNS": "400", "NO_COLOR": "1"})
    return res, proc


def test_latex_nested_without_braces_is_shown_as_source_not_an_error():
    """400 nested ``\\hat`` (no brace, so the brace count passes them) converted to MathML 400 deep, whose rewriting
    raised RecursionError: now shown as its source, as LaTeX nested past the brace limit is."""
    shown = formula(HATS, display=False)
    assert shown.startswith('<code class="tex">'), shown[:80]
    shallow = "\\hat" * (MAX_TREE_DEPTH // 2 - 5) + "x"
    assert formula(shallow, display=True).startswith('<div class="math-display"'), "nesting within bounds renders"


def test_one_answers_formula_never_stops_the_reports_of_the_class(graded):
    """Before: the batch graded, then the report step died on mallory's page (RecursionError): no report.html,
    no feedback page for mallory or anyone after her, the command failed. Now every page is written."""
    res, proc = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "RecursionError" not in proc.stderr
    assert (res / REPORT_FILE).is_file() and (res / GRADES_FILE).is_file()
    for student in ("alice", "mallory", "trent", "zoe"):
        page = (res / student / PS / FEEDBACK_FILE).read_text()
        assert "Your answer" in page
    page = (res / "mallory" / PS / FEEDBACK_FILE).read_text()
    assert '<code class="tex">\\hat\\hat' in page, "the formula shown as its source"
    data = json.loads((res / "mallory" / PS / "results.json").read_text())
    assert data["answers"][ANSWER].startswith("My derivation"), "results.json keeps the text as written"



def test_a_flag_quoting_the_submission_never_writes_escapes_to_the_terminal(graded):
    """Before: trent's flag (``uses `%%<name>`, a magic IPython does not have``) reached the instructor's terminal
    with its escapes raw (rich strips BEL, not ESC): the terminal erased the "To look at" line above it and showed a
    link; so did his timestamp.txt, which dateutil's message quotes in the deadline's line ("L trent/…: time
    unknown"). Now every character that is not printable is written as its escape; results.json keeps the text."""
    res, proc = graded
    assert "\x1b" not in proc.stdout, [line for line in proc.stdout.splitlines() if "\x1b" in line]
    assert "trent/ps1_softmax: to look at: cell 3: uses `%%\\x1b[2K\\x1b[1A" in proc.stdout, proc.stdout[-3000:]
    assert "L trent/ps1_softmax" in proc.stdout and "2026-03-01 \\x1b[2K" in proc.stdout, proc.stdout[-3000:]
    flags = json.loads((res / "trent" / PS / "results.json").read_text())["flags"]
    assert any("\x1b[2K" in f["reason"] for f in flags), flags
