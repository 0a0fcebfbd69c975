"""The README's grading commands with the real engine: autograde (--json, --gradebook), shards + merge (as the
instructor's GitLab pipeline runs them)."""

import csv
import filecmp
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograder.model.course import ROOT
from tests.test_reports_gradebook import nbgrader_export

EXAMPLES = ROOT / "examples" / "submissions"
#: a full-marks student, typical mistakes, an unreadable notebook: quick to grade
PICK = [("ada", "ps1_softmax"), ("ada", "ps2_cross_entropy"), ("ben", "ps1_softmax"), ("ben", "ps2_cross_entropy"),
        ("eve", "ps1_softmax"), ("fay", "ps1_softmax"), ("hana", "ps1_softmax")]

pytestmark = pytest.mark.slow


#: what differs from one run to the next (timings, uids of the sandbox), not the grading
#: What differs between two gradings of the same notebook: times and the sandbox, and when the notebook's
#: timestamp.txt arrived in the folder graded (``submitted.received``: the file's change time, a copy's own).
RUN_SPECIFIC = {"duration_s", "sandbox", "output_bytes", "received"}


def _differences(a, b, path="") -> list:
    """Where two JSON values differ, as ``(path, a, b)`` (for an assertion's message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{path}/{k}")]
    return [] if a == b else [(path, str(a)[:300], str(b)[:300])]


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


def test_autograde_similarity_writes_the_report_beside_the_results_and_links_it(course):
    """`autograde --similarity --json` on two students of the course (ada and ben hand in the references)."""
    proc = autograder("autograde", "submitted", "--out", "with-similarity", "--timeout", "5", "--json",
                      "--similarity", "--student", "ada", "ben", "--assignment", "ps1_softmax", cwd=course)
    results = course / "with-similarity"
    assert (results / "similarity" / "similarity.html").is_file()
    pairs = json.loads((results / "similarity" / "similarity.json").read_text())["pairs"]
    assert any(p["students"] == ["ada", "ben"] for p in pairs)  # both hand in the references
    assert 'href="similarity/similarity.html"' in (results / "report.html").read_text()
    assert "Similarity: " in proc.stderr and "Similarity: " not in proc.stdout  # stdout is the JSON alone


def test_autograde_similarity_refuses_a_shard(course):
    proc = subprocess.run([sys.executable, "-m", "autograder", "autograde", "submitted", "--out", "x", "--shard",
                           "1/2", "--similarity"], cwd=course, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--similarity compares the whole class" in proc.stderr


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


def test_gitlab_shard_jobs_then_merge_equal_the_unsharded_run(graded, course):
    """The instructor's GitLab pipeline (``.gitlab-ci.yml``), its scripts run as a runner runs them
    (:func:`tests.test_reports_gitlab.run_script`): both ``grade`` jobs (``CI_NODE_INDEX`` 1 and 2 of 2, every
    problem set: ``ASSIGNMENT`` empty, the form's default; ``autograde --shard``) and the ``merge`` job
    (``merge``, then ``export --junit``), in one folder as the runner's artifacts would leave it.

    The merged folder equals the unsharded run of the same class (:func:`graded`): grades.csv, report.html,
    every results.json but for timings, summary.json but for what is about the run. The shards' grade tables
    together are the merged one, the grade table is in the merge job's log, and the JUnit report has a suite
    per submission. (One test for the sharded command line and the pipeline that runs it; the job's
    ``--assignment`` when the form sets one: tests/test_reports_gitlab.py.)"""
    from tests.test_reports_gitlab import INSTRUCTOR, load, run_script, runner_env

    results, _ = graded
    project = course / "gitlab-project"  # the runner's checkout: the same submissions, its own results/
    shutil.copytree(course / "submitted", project / "submitted")
    wf = load(INSTRUCTOR)
    env = runner_env(course, SUBMISSIONS="submitted", ASSIGNMENT="", TIMEOUT="5", CI_NODE_TOTAL="2")
    shards = {}
    for index in ("1", "2"):
        proc = run_script(wf["grade"]["script"], project, {**env, "CI_NODE_INDEX": index})
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        with open(project / "shards" / f"shard-{index}" / "grades.csv", encoding="utf-8") as fh:
            rows = {row["student"]: row["total"] for row in csv.DictReader(fh)}
        assert rows, f"shard {index} got students"
        shards.update(rows)
    merged_job = run_script(wf["merge"]["script"], project, env)
    assert merged_job.returncode == 0, merged_job.stdout[-3000:] + merged_job.stderr[-3000:]
    merged = project / "results"
    students = sorted({student for student, _ in PICK})
    assert sorted(shards) == students
    with open(merged / "grades.csv", encoding="utf-8") as fh:
        assert {row["student"]: row["total"] for row in csv.DictReader(fh)} == shards
    assert all(s in merged_job.stdout for s in students), "the grade table is in the job log"
    suites = ET.parse(merged / "junit.xml").getroot().findall("testsuite")
    assert sorted(tuple(s.get("name").split(":")[0].split("/")) for s in suites) == sorted(PICK)
    # the same as one unsharded run
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

    kept_one, kept_two = without_timings(same(one)), without_timings(same(two))  # (each submission's times too)
    assert kept_one == kept_two, _differences(kept_one, kept_two)
    assert one["submissions"] == two["submissions"] == len(PICK) and two["graded"] == len(PICK)
