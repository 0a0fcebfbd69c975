"""The numbers docs/instructors.md quotes, checked against the demo and the course they describe.

A guide whose examples disagree with the demo sends a new instructor astray: the example due date (2026-03-01)
made every demo student 263 days late and zeroed, five examples used a 43-point problem set the course does not
have, the Gradescope zip was said to be 0.4 MB (it is 0.7). Here each quoted number is recomputed from what it
describes: the demo's class (examples/submissions, and ``make demo``'s course folder), the course's points (the
source notebooks), the late-penalty wording the model writes, the Gradescope command's own output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

from autograder.commands.demo import LMS_IDS, prepare
from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, PROBLEM_SETS, ROOT, autograded_max_score, max_score
from autograder.model.deadlines import read_deadlines_file
from autograder.model.penalties import apply
from autograder.model.results import SubmissionResult, TestResult
from autograder.model.submission_time import from_text

GUIDE = ROOT / "docs" / "instructors.md"
EXAMPLES = ROOT / "examples" / "submissions"


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def prose() -> str:
    """The guide without its code blocks."""
    return re.sub(r"```.*?```", "", guide(), flags=re.S)


def demo_times() -> list:
    return [from_text(p.read_text().strip(), "timestamp.txt").at for p in EXAMPLES.glob("*/*/timestamp.txt")]


def course_totals() -> set:
    """Every total a problem set has (its full marks, its autograded points, its derivation's points)."""
    totals = set()
    for ps in PROBLEM_SETS:
        totals |= {max_score(ps), autograded_max_score(ps), sum(p for _, p in ANSWER_CELLS[ps])}
    return {float(t) for t in totals}


def test_the_demo_class_is_as_the_guide_says():
    notebooks = list(EXAMPLES.glob("*/*/*.ipynb"))
    students = {p.parent.parent.name for p in notebooks}
    assert f"{len(notebooks)} example submissions of {len(students)} students" in " ".join(guide().split())
    assert (len(notebooks), len(students)) == (22, 8)


def test_every_points_total_quoted_is_one_the_course_has():
    """Fractions of points in the guide (``32/50 +10 pending``, ``30/50 → 40/50``, ``40 / 40 autograder points``) and
    the totals it names are the course's own (no 43-point problem set)."""
    text = guide()
    found = re.findall(r"(?<![\w/.-])(\d+(?:\.\d+)?) ?/ ?(\d+)(?= ?(?:points|autograder|\+\d|\(\+|`|\]|, which| →))",
                       text)
    assert len(found) >= 5, found
    totals = course_totals()
    for got, total in found:
        assert float(total) in totals, f"{got}/{total}: no problem set of the course has {total} points"
        assert float(got) <= float(total)
    assert not re.search(r"\b43\b", text), "no problem set is worth 43 points"
    ps1 = "ps1_softmax"
    assert f"Autograder points {autograded_max_score(ps1):g}" in text
    assert f"The assignment's total is then {max_score(ps1):g} points" in text
    assert f"the problem set's {max_score(ps1):g}." in text and "10 % of 50 is 5" in text
    (derivation, points), = ANSWER_CELLS[ps1]
    assert f"`{derivation}`, worth {points:g} points" in " ".join(text.split()) or f"{derivation}: {points:g} points" in text
    assert sum(p for _, p in GRADE_CELLS[ps1]) == 40


def _guide_deadlines(tmp_path):
    """The guide's deadlines.toml example, read as the grader reads it."""
    example = re.search(r"```toml\n(timezone = .*?)```", guide(), re.S).group(1)
    path = tmp_path / "deadlines.toml"
    path.write_text(example, encoding="utf-8")
    return read_deadlines_file(path, PROBLEM_SETS)


def test_the_example_due_dates_leave_the_demo_class_on_time(tmp_path):
    """The due dates the guide sets (nbgrader's command and deadlines.toml's example) are after every demo
    submission: following the guide on the demo does not make its students late (before: 263 days)."""
    latest = max(demo_times())
    due = from_text(re.search(r'--duedate="([^"]+)"', guide()).group(1), "--duedate").at
    assert latest < due < latest + timedelta(days=30), (due, latest)
    deadlines = _guide_deadlines(tmp_path)
    for ps in ("ps1_softmax", "ps2_cross_entropy"):
        due_ps, _ = deadlines.due_for("cleo", ps)
        assert due_ps is not None and due_ps > latest, ps


def test_what_students_see_is_what_the_model_writes(tmp_path):
    """The quoted feedback line is the model's own words for the case it describes: the guide's deadlines.toml, a
    ps1 submission that earned its 40 autograded points, handed in when the guide says."""
    text = " ".join(guide().split())
    quoted = re.search(r'"(Submitted 27 h after the due date \(due [^)]*\): [^"]*)"', text)
    when = re.search(r"handed in on (\d{4}-\d\d-\d\d) at (\d\d:\d\d) UTC", text)
    assert quoted and when, "the guide quotes a late submission's line and when it was handed in"
    tests = [TestResult(gid, float(p), float(p), True) for gid, p in GRADE_CELLS["ps1_softmax"]]
    result = SubmissionResult.scored("cleo", "ps1_softmax", max_score("ps1_softmax"), tests)
    result.submitted = from_text(f"{when.group(1)} {when.group(2)}:00 UTC", "timestamp.txt")
    late = apply(result, _guide_deadlines(tmp_path)).late
    assert result.score == 40 and late is not None
    assert quoted.group(1) == f"{late.line()} Your score before the penalty: {late.raw_score:g} points.", late.line()


def test_the_gradescope_output_is_the_commands_own(tmp_path):
    """The block of output the guide shows after `gradescope build ps1_softmax` is that command's output (the zip's
    size included: whatever the bundle weighs today, 0.8 MB since the lessons of issue 81)."""
    proc = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps1_softmax"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    block = re.search(r"gradescope build ps1_softmax\n```\n\n```text\n(.*?)```", guide(), re.S).group(1)
    assert proc.stdout.strip() == block.strip()
    size = (tmp_path / "gradescope" / "ps1_softmax.zip").stat().st_size
    assert f"({size / 1e6:.1f} MB)" in block or f"({size / 2**20:.1f} MB)" in block


def test_lms_ids_csv_is_the_demos(tmp_path):
    """The mapping file the export commands read: the guide's example is examples/lms-ids.csv, which the demo writes
    into its course folder, one row for each demo student (before, the guide said `make demo` provided it, and it
    did not)."""
    shown = re.search(r"```csv\n(.*?)```", guide(), re.S).group(1)
    assert (ROOT / "examples" / LMS_IDS).read_text() == shown
    prepare(tmp_path / "demo")
    written = (tmp_path / "demo" / LMS_IDS).read_text()
    assert written == shown
    ids = {line.split(",")[0] for line in written.splitlines()[1:]}
    assert ids == {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
    assert "which `make demo` writes into `demo-course/`" in " ".join(guide().split())
