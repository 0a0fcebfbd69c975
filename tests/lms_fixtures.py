"""A small graded class for the passback tests, written through the results model, and passback files.

:func:`write_graded_class`: six students' results (tests/reports_fixtures.py's ``make_result``) with what a
passback must carry: full marks, lost checks, a derivation awaiting a person, one graded by hand, a late
submission whose penalty the course's ``deadlines.toml`` sets (applied by the model's late-penalty step), a
notebook that could not be read; then grades.csv, written by the model as the engine writes it.
"""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.model.course import GRADE_CELLS
from autograder.model.deadlines import read_deadlines_file
from autograder.model.grades import write_grades_csv
from autograder.model.penalties import apply_all
from autograder.model.results import load_results, write_results
from tests.reports_fixtures import CLIP_HINT, OVERFLOW_HINT, make_result, write_result

DERIVATION = "cross_entropy_grad-derivation"
ANSWER = "$\\partial L / \\partial z_i = p_i - y_i$ since the log-sum-exp has gradient $p$."
DEADLINES = """
claimed_times = "accept"   # (the class's times are its timestamp.txt files, as nbgrader's exchange-less courses have)

[due]
ps2_cross_entropy = 2026-03-01T23:59:00Z

[policy]
method = "per_day"
deduct = "10%"
"""
#: course id -> (LMS user id, e-mail) in the fake LMS's course; zed has results but no LMS account, and
#: nia is enrolled without results.
PEOPLE = {"ada": ("u-ada", "ada@uni.example"), "ben": ("u-ben", "Ben@Uni.example"), "cleo": ("u-cleo", "cleo@uni.example"),
          "dan": ("u-dan", "dan@uni.example"), "eve": ("u-eve", "eve@uni.example"), "nia": ("u-nia", "nia@uni.example")}


def write_graded_class(results_dir: Path) -> Path:
    """The class (see the module docstring) in ``results_dir``, with its grades.csv; returns grades.csv's path."""
    overflow = ("nonfinite", "the result has nan/inf where the reference is finite", OVERFLOW_HINT)
    data = [
        make_result("ada", "ps1_softmax"),
        make_result("ada", "ps2_cross_entropy", answers={DERIVATION: (3, ANSWER, 3.0)}),
        make_result("ben", "ps1_softmax", failing={"softmax-stability": overflow, "log_softmax-stability": overflow}),
        make_result("ben", "ps2_cross_entropy", answers={DERIVATION: (3, ANSWER, None)}),
        make_result("cleo", "ps2_cross_entropy", failing={"cross_entropy-basic": ("value", "p in {0, 1}", CLIP_HINT)},
                    answers={DERIVATION: (3, ANSWER, 1.5)}),
        make_result("dan", "ps1_softmax", failing={gid: ("missing", "`softmax` is not defined", "")
                                                    for gid, _ in GRADE_CELLS["ps1_softmax"]},
                    notes=["The notebook is not valid JSON; nothing could be run."], code={}),
        make_result("eve", "ps2_cross_entropy", answers={DERIVATION: (3, ANSWER, None)}),
        make_result("zed", "ps1_softmax"),
    ]
    times = {("cleo", "ps2_cross_entropy"): "2026-03-03T12:00:00+00:00",
             ("ada", "ps2_cross_entropy"): "2026-03-01T20:00:00+00:00",
             ("ben", "ps2_cross_entropy"): "2026-03-01T22:00:00+00:00",
             ("eve", "ps2_cross_entropy"): "2026-03-01T21:00:00+00:00"}
    for d in data:
        at = times.get((d["student"], d["assignment"]))
        if at:
            d["submitted"] = {"at": at, "source": "timestamp.txt", "status": "recorded"}
        write_result(results_dir, d)
    deadlines = results_dir.parent / "deadlines.toml"
    deadlines.write_text(DEADLINES, encoding="utf-8")
    _, changed = apply_all(load_results(results_dir), read_deadlines_file(deadlines))
    for r in changed:
        write_results(r.path, r)
    return write_grades_csv(results_dir)


def grades_csv(results_dir: Path) -> dict:
    """``(student, ps) -> points`` of grades.csv's non-empty cells."""
    with open(results_dir / "grades.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for row in rows:
        for ps, cell in row.items():
            if ps.startswith("ps") and cell:
                out[(row["student"], ps)] = float(cell)
    return out


def write_roster(path: Path, people=None) -> Path:
    """A roster file: course_id,lms_id for everyone of ``people`` (default :data:`PEOPLE`)."""
    rows = ["course_id,lms_id,name"] + [f"{c},{lms},{c.title()}" for c, (lms, _) in (people or PEOPLE).items()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
