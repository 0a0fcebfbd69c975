"""Batches end to end: real notebooks on disk, real sandboxed children, results.json and grades.csv."""

import csv
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from types import SimpleNamespace

import pytest

from autograder.engine.batch import grade_batch
from autograder.engine.batch_plan import collect_submissions, parse_shard, split_shards
from autograder.model import course
from autograder.model.grades import write_grades_csv
from autograder.model.results import results_path
from autograder.perimeter.confinement.limits import Limits
from tests import engine_helpers

PS = "ps1_softmax"
MAX = course.autograded_max_score(PS)  # what the engine can give; the answer cells await a person
BASIC = dict(course.GRADE_CELLS[PS])["softmax-basic"]
LIMITS = Limits(timeout_s=5)


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    return engine_helpers.make_course(tmp_path_factory.mktemp("course"))


def read(results_dir, student):
    return json.loads(results_path(results_dir, student, PS).read_text())


@pytest.fixture(scope="module")
def batch(tmp_path_factory, course_dir):
    """One batch of honest, unfinished and unreadable submissions, graded with two workers."""
    root = tmp_path_factory.mktemp("batch")
    submitted, results = root / "submitted", root / "results"
    engine_helpers.make_submissions(submitted, {
        ("alice", PS): engine_helpers.submission(PS, correct=True),
        ("bob", PS): engine_helpers.release_notebook(PS),
        ("carol", PS): "{this is not json",
        ("dave", PS): "",
        ("erin", PS): json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}),
        ("gina", PS): engine_helpers.submission(PS, {"softmax": "def softmax(z, axis=-1, temperature=1.0):\n"
                                                         "    e = np.exp(z)\n    return e / e.sum()\n"},
                                         correct=True),
    })
    (submitted / "frank" / PS).mkdir(parents=True)  # handed in an empty folder
    (submitted / "alice" / "not_a_problem_set").mkdir()
    events = []
    threads = set(threading.enumerate())
    summary = grade_batch(submitted, results, workers=2, course_dir=course_dir, limits=LIMITS,
                          on_event=lambda kind, sub, data: events.append((kind, sub)))
    # no thread of the batch outlives it (the reports fork their page workers only from a process without one)
    assert set(threading.enumerate()) == threads, set(threading.enumerate()) - threads
    return submitted, results, summary, events


def test_a_correct_submission_gets_every_point(batch):
    _, results, summary, _ = batch
    data = read(results, "alice")
    assert data["score"] == MAX == sum(p for _, p in course.GRADE_CELLS[PS])
    assert data["max_score"] == course.max_score(PS) and data["pending_points"] == course.answer_max_score(PS)
    autograded = [t for t in data["tests"] if t["kind"] != "manual"]
    assert [t["name"] for t in autograded] == [gid for gid, _ in course.GRADE_CELLS[PS]]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in autograded)
    assert all(t["status"] == "pending" for t in data["tests"] if t["kind"] == "manual")
    assert data["student"] == "alice" and data["assignment"] == PS
    assert data["tamper"] == [] and data["notes"] == []
    assert data["student_code"]["softmax"] == engine_helpers.CORRECT[PS]["softmax"]
    cells = data["execution"]["cells"]
    assert [c["grade_id"] for c in cells] == ["imports", *course.FUNCTIONS[PS]]
    assert all(c["status"] == "ok" and c["error"] == "" for c in cells)
    assert data["execution"]["stdout_truncated"] is False
    sandbox = data["execution"]["sandbox"]
    if os.geteuid() == 0:
        assert sandbox["uid"] in sandbox["uids"] and sandbox["uid"] != 0
        assert sandbox["netns"] and sandbox["mountns"]
    assert sandbox["rlimits"]["as_mb"] == LIMITS.memory_mb


def test_the_unfinished_release_notebook_scores_zero_with_reasons(batch):
    data = read(batch[1], "bob")
    assert data["score"] == 0 and data["max_score"] == course.max_score(PS)
    for test in data["tests"]:
        if test["name"].endswith("-derivation"):  # the answer as released: not answered, 0 (as nbgrader scores it)
            assert (test["kind"], test["status"], test["score"]) == ("not-answered", "failed", 0.0), test
            assert "Not answered" in test["message"]
            continue
        assert test["status"] == "failed" and test["score"] == 0
        # the untouched template is "not attempted", not a mistake: a message saying so, no hint
        assert test["kind"] == "not-attempted" and "not attempted yet" in test["message"], test
        assert "NotImplementedError" in test["message"] and test["hint"] == "" and test["output"] == test["message"]
    assert all(c["status"] == "ok" for c in data["execution"]["cells"])  # defining stubs is fine


def test_one_wrong_function_loses_only_its_own_points(batch):
    data = read(batch[1], "gina")
    lost = {t["name"] for t in data["tests"] if t["status"] == "failed"}
    assert lost and all(course.function_of(gid) == "softmax" for gid in lost)
    assert data["score"] == MAX - sum(p for gid, p in course.GRADE_CELLS[PS] if gid in lost)


@pytest.mark.parametrize("student,reason", [
    ("carol", "not valid JSON"), ("dave", "empty"), ("erin", "nbformat 4"), ("frank", "no notebook"),
])
def test_unreadable_submissions_get_zero_and_the_reason(batch, student, reason):
    data = read(batch[1], student)
    assert data["score"] == 0 and data["max_score"] == course.max_score(PS)
    assert len(data["tests"]) == len(course.GRADE_CELLS[PS]) + len(course.ANSWER_CELLS[PS])  # no answer to read either
    assert all(reason in t["message"] and t["status"] == "failed" for t in data["tests"])
    assert any(reason in n for n in data["notes"])


def test_summary_grades_csv_and_events(batch):
    submitted, results, summary, events = batch
    assert summary.ok and summary.failed == []
    assert summary.total == summary.graded == 7 and summary.skipped_existing == 0
    assert summary.ignored == ["alice/not_a_problem_set"]
    on_disk = json.loads((results / "summary.json").read_text())
    assert on_disk["graded"] == 7 and on_disk["failed_to_grade"] == 0 and on_disk["skipped_existing"] == 0
    assert on_disk["notebooks_per_s"] > 0 and on_disk["duration_s"] > 0
    rows = list(csv.reader((results / "grades.csv").open()))
    assert rows[0] == ["student", *course.PROBLEM_SETS, "total", "pending"]
    body = {r[0]: r[1:] for r in rows[1:]}
    assert sorted(body) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
    empty = [""] * (len(course.PROBLEM_SETS) - 1)
    assert body["alice"] == [f"{MAX:g}", *empty, f"{MAX:g}", f"{course.answer_max_score(PS):g}"]
    assert body["bob"][0] == "0" and body["bob"][-2] == "0"
    assert [k for k, _ in events].count("graded") == 7 and events[0][0] == "start"
    assert not list(results.rglob("*.tmp"))


def test_rerun_keeps_existing_results_unless_forced(batch, course_dir):
    submitted, results, _, _ = batch
    path = results_path(results, "alice", PS)
    data = json.loads(path.read_text())
    data["notes"] = ["kept from the first run"]
    path.write_text(json.dumps(data))
    results_path(results, "bob", PS).unlink()  # as if the first run had been killed before bob
    # not complete results (SubmissionResult.complete): graded again, never kept without a score in grades.csv
    results_path(results, "carol", PS).write_text('{"score": 0, "tests": [')  # truncated
    gina = read(results, "gina")
    results_path(results, "gina", PS).write_text(json.dumps({**gina, "score": None}))  # no score
    # the same batch again through the CLI, as an instructor runs it: it exits 0 although a notebook it grades
    # cannot be read (carol's is not JSON)
    again = subprocess.run([sys.executable, "-m", "autograder", "autograde", str(submitted), "--out", str(results),
                            "--course", str(course_dir), "--workers", "1", "--timeout", "5", "--no-reports"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "Graded 3 notebook(s)" in again.stdout and "kept 4 from an earlier run" in again.stdout, again.stdout
    summary = json.loads((results / "summary.json").read_text())
    assert summary["skipped_existing"] == 4 and summary["graded"] == 3 and summary["failed_to_grade"] == 0
    assert read(results, "alice")["notes"] == ["kept from the first run"]
    assert read(results, "bob")["score"] == 0
    assert read(results, "gina")["score"] == gina["score"] > 0 and read(results, "carol")["score"] == 0
    forced = grade_batch(submitted, results, workers=1, course_dir=course_dir, limits=LIMITS, force=True,
                         students=["alice"])
    assert forced.graded == 1 and forced.skipped_existing == 0
    assert read(results, "alice")["notes"] == []


def test_shards_are_balanced_deterministic_and_partition_the_students():
    students = [f"student{i:04d}" for i in range(300)] + ["ü-nicode", "a b", ""]
    for n in (1, 2, 3, 7, 400):
        owner = split_shards(dict.fromkeys(students, 2), n)
        assert set(owner) == set(students) and set(owner.values()) <= set(range(1, n + 1))
        sizes = Counter(owner.values())
        assert max(sizes.values()) - min(sizes[i] for i in range(1, n + 1)) <= 1, (n, sizes)  # balanced
    # a small class: four students in three shards once all went to one shard; now 2, 1, 1
    four = split_shards({"amy": 1, "bob": 1, "cat": 1, "dan": 1}, 3)
    assert sorted(Counter(four.values()).values()) == [1, 1, 2]
    # balanced in notebooks: the student with most notebooks first, each to the shard with least work
    work = {"a": 6, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1}
    owner = split_shards(work, 2)
    loads = Counter()
    for student, i in owner.items():
        loads[i] += work[student]
    assert sorted(loads.values()) == [6, 6]
    # the split depends on the set of students, not on their order, nor on Python's salted hash()
    assert split_shards(dict(reversed(list(work.items()))), 2) == owner
    code = ("from autograder.engine.batch_plan import split_shards; "
            "print(sorted(split_shards(dict.fromkeys([f's{i}' for i in range(50)], 1), 3).items()))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "1/0", "x", "1/2/3"):
        with pytest.raises(ValueError):
            parse_shard(bad)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        split_shards({"amy": 1}, 0)


@pytest.fixture(scope="module")
def shard(tmp_path_factory):
    """Shard 2/2 of six correct submissions, graded with two workers, in a course whose source notebook gives
    softmax-basic 3 points more than the course's (one batch for the two tests below: each reads only its own part)."""
    root = tmp_path_factory.mktemp("shard")
    nb = engine_helpers.source_notebook(PS)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "softmax-basic":
            meta["points"] = BASIC + 3
    course_dir = root / "course"
    engine_helpers.write_notebook(course_dir / "source" / PS / f"{PS}.ipynb", nb)
    students = [f"s{i}" for i in range(6)]
    correct = engine_helpers.submission(PS, correct=True)
    submitted = engine_helpers.make_submissions(root / "sub", {(s, PS): correct for s in students})
    summary = grade_batch(submitted, root / "res", workers=2, course_dir=course_dir, shard=(2, 2), limits=LIMITS)
    return SimpleNamespace(students=students, submitted=submitted, course=course_dir, results=root / "res",
                           summary=summary)


def test_a_shard_grades_only_its_students(shard):
    students = shard.students
    assert [s.student for s in collect_submissions(shard.submitted, course_dir=shard.course)] == students
    mine = sorted(s for s, i in split_shards(dict.fromkeys(students, 1), 2).items() if i == 2)
    assert len(mine) == 3, "six students, two shards: three each"
    summary = shard.summary
    assert summary.total == summary.graded == len(mine) and summary.shard == "2/2"
    graded = sorted(p.parent.parent.name for p in shard.results.rglob("results.json"))
    assert graded == mine


def test_grades_csv_is_rebuilt_from_every_results_file(tmp_path):
    for student, ps, score in [("zoe", "ps2_cross_entropy", 7.5), ("zoe", PS, 20), ("adam", PS, 3),
                               ("adam", "ps_extra", 1)]:
        path = results_path(tmp_path, student, ps)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"score": score, "max_score": 30, "tests": []}))
    (tmp_path / "broken" / PS).mkdir(parents=True)
    (tmp_path / "broken" / PS / "results.json").write_text("{half a fi")
    rows = list(csv.reader(write_grades_csv(tmp_path).open()))
    assert rows[0] == ["student", *course.PROBLEM_SETS, "ps_extra", "total", "pending"]
    assert rows[1] == ["adam", "3", *[""] * (len(course.PROBLEM_SETS) - 1), "1", "4", "0"]
    assert rows[2] == ["zoe", "20", "7.5", *[""] * (len(course.PROBLEM_SETS) - 2), "", "27.5", "0"]
    assert len(rows) == 3


def test_cli_exit_status_when_the_grader_fails(tmp_path):
    """The grader itself failing (no source notebook for the problem set) is a non-zero exit, naming what was
    not graded (a batch whose notebooks cannot all be read exits 0: test_rerun_keeps_existing_results_unless_forced)."""
    submitted = engine_helpers.make_submissions(tmp_path / "sub", {("amy", PS): engine_helpers.submission(PS, correct=True)})
    empty_course = tmp_path / "empty_course"
    empty_course.mkdir()
    cmd = [sys.executable, "-m", "autograder", "autograde", str(submitted), "--out", str(tmp_path / "res"),
           "--course", str(empty_course), "--workers", "1", "--timeout", "5", "--no-reports"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "FAILED to grade amy/ps1_softmax" in done.stderr
    assert not results_path(tmp_path / "res", "amy", PS).exists()


def test_points_come_from_the_source_notebook_and_a_mismatch_is_reported(shard):
    amy = next(s for s, i in split_shards(dict.fromkeys(shard.students, 1), 2).items() if i == 2)  # graded shard
    data = read(shard.results, amy)
    assert data["score"] == MAX + 3 and data["max_score"] == MAX + 3 + course.answer_max_score(PS)
    assert next(t for t in data["tests"] if t["name"] == "softmax-basic")["max_score"] == BASIC + 3
    assert any("softmax-basic" in w for w in shard.summary.warnings)


def test_summary_lines_of_a_resume_and_of_an_empty_shard():
    """A rerun with nothing left says so (not "0.0 notebooks/s with 0 worker(s)"); an empty shard is fine."""
    from autograder.commands.autograde import resume_line
    from autograder.engine.grading_run import BatchSummary
    from autograder.reports.table import summary_lines

    kept = BatchSummary("sub", "res", total=7, skipped_existing=7)
    assert summary_lines(kept)[0] == ("Nothing new to grade: all 7 submission(s) have results from an earlier run "
                                      "(--force regrades them).")
    assert not any("notebooks/s" in line for line in summary_lines(kept))
    empty = BatchSummary("sub", "res", shard="3/4")
    assert "Shard 3/4 holds no student" in " ".join(summary_lines(empty))
    stopped = BatchSummary("sub", "res", total=12, graded=3, skipped_existing=2, interrupted=True)
    assert resume_line(stopped).startswith("Interrupted: 3 notebook(s) graded in this run, 2 kept from earlier, of 12")
    assert "run the same command again" in resume_line(stopped)


def test_instructor_errors_stop_before_grading_with_the_layout(tmp_path):
    """Empty or missing folder, unknown --assignment: exit 2, the expected layout; --json still prints JSON."""
    def run(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "autograde", *map(str, args), "--out",
                               str(tmp_path / "res")], capture_output=True, text=True, timeout=120)

    (tmp_path / "empty").mkdir()
    done = run(tmp_path / "empty")
    assert done.returncode == 2 and "holds no student folder" in done.stderr and "<student>/<problem set>" in done.stderr
    missing = run(tmp_path / "nope", "--json")
    assert missing.returncode == 2 and "no such folder" in json.loads(missing.stdout)["error"]
    sub = engine_helpers.make_submissions(tmp_path / "sub", {("amy", PS): "{}"})
    unknown = run(sub, "--assignment", "PS1_Softmax")
    assert unknown.returncode == 2 and "not a problem set of this course" in unknown.stderr
    assert "did you mean ps1_softmax?" in unknown.stderr
    nobody = run(sub, "--student", "zed")
    assert nobody.returncode == 2 and "no submission matches --student zed" in nobody.stderr
    assert "Traceback" not in done.stderr + missing.stderr + unknown.stderr + nobody.stderr
    assert not (tmp_path / "res").exists(), "nothing written for a batch that cannot start"
