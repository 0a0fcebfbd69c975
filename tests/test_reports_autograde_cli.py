"""The README's grading commands with the real engine: autograde (--json, --gradebook), shards + merge."""

import filecmp
import json
import shutil
import subprocess
import sys

import pytest

from autograder.model.course import ROOT
from tests.test_reports_gradebook import nbgrader_export

EXAMPLES = ROOT / "examples" / "submissions"
#: a full-marks student, typical mistakes, an unreadable notebook: quick to grade
PICK = [("ada", "ps1_softmax"), ("ada", "ps2_cross_entropy"), ("ben", "ps1_softmax"), ("ben", "ps2_cross_entropy"),
        ("eve", "ps1_softmax"), ("fay", "ps1_softmax"), ("hana", "ps1_softmax")]

pytestmark = pytest.mark.slow


#: what differs from one run to the next (timings, uids of the sandbox), not the grading
RUN_SPECIFIC = {"duration_s", "sandbox", "output_bytes"}


def without_timings(data):
    if isinstance(data, dict):
        return {k: without_timings(v) for k, v in data.items() if k not in RUN_SPECIFIC}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data


def autograder(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory, empty_gradebook):
    """A course folder (nbgrader_config.py, an empty gradebook.db) holding a few example submissions in
    submitted/ (creating the gradebook is tested by the README's commands, tests/test_reports_readme.py)."""
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "probdl"\n')
    shutil.copy(empty_gradebook, course / "gradebook.db")
    for student, ps in PICK:
        shutil.copytree(EXAMPLES / student / ps, course / "submitted" / student / ps)
    return course


@pytest.fixture(scope="module")
def graded(course):
    """`python -m autograder autograde submitted --out results --json --gradebook` in the course folder."""
    proc = autograder("autograde", "submitted", "--out", "results", "--timeout", "5", "--json", "--gradebook",
                      cwd=course)
    return course / "results", proc


def test_autograde_json_is_the_only_stdout(graded):
    results, proc = graded
    data = json.loads(proc.stdout)
    assert data["class"]["submissions"] == len(PICK)
    assert {(s["student"], s["assignment"]) for s in data["submissions"]} == set(PICK)
    assert data["gradebook"]["submissions"] == len(PICK)
    assert "Graded" in proc.stderr  # the engine's own summary goes to stderr with --json


def test_autograde_writes_feedback_and_report(graded):
    results, _ = graded
    for student, ps in PICK:
        page = (results / student / ps / "feedback.html").read_text()
        assert "points" in page and "BEGIN HIDDEN TESTS" not in page
    assert (results / "report.html").exists() and (results / "grades.csv").exists()


def test_autograde_gradebook_feeds_nbgrader_export(graded, course):
    results, _ = graded
    rows = nbgrader_export(course)
    for student, ps in PICK:
        expected = json.loads((results / student / ps / "results.json").read_text())["score"]
        assert float(rows[(ps, student)]["score"]) == expected, (student, ps)


def test_shards_merged_equal_the_unsharded_run(graded, course):
    results, _ = graded
    for i in (1, 2):
        autograder("autograde", "submitted", "--out", f"shard{i}", "--timeout", "5", "--shard", f"{i}/2",
                   "--no-reports", cwd=course)
    assert all(any((course / f"shard{i}").glob("*/*/results.json")) for i in (1, 2)), "both shards got students"
    autograder("merge", "shard1", "shard2", "--out", "merged", cwd=course)
    merged = course / "merged"
    assert (merged / "grades.csv").read_text() == (results / "grades.csv").read_text()
    for student, ps in PICK:
        a = json.loads((results / student / ps / "results.json").read_text())
        b = json.loads((merged / student / ps / "results.json").read_text())
        assert without_timings(a) == without_timings(b), (student, ps)
    assert filecmp.cmp(results / "report.html", merged / "report.html", shallow=False)
    # one summary.json schema: the merge's equals the unsharded run's, but for what is about the run
    one, two = (json.loads((d / "summary.json").read_text()) for d in (results, merged))
    assert [len(two["shards"]), one["shards"]] == [2, []] and set(one) == set(two)
    run_specific = {"shards", "duration_s", "notebooks_per_s", "workers", "results_dir", "submitted_dir", "shard",
                    "zygote_restarts", "sandbox", "skipped_existing", "graded", "gradebook"}

    def same(d):
        return {k: same(v) if isinstance(v, dict) else v for k, v in d.items() if k not in run_specific}

    assert same(one) == same(two)
    assert one["submissions"] == two["submissions"] == len(PICK) and two["graded"] == len(PICK)
