"""Late penalties wherever a total appears, recomputed without grading (a course with deadlines.toml).

A class graded once (results.json files as the engine writes them, with the submission times it recorded: the
students' own timestamp.txt, a course that accepts claimed times — tests/test_redteam_times.py reads them the
stricter way, the default):
on time, late within the grace period, late by an extension's margin, late, late with no readable time.
``python -m autograder late`` writes every output from them; moving the due date in the course file and
running it again changes every total, while no cell's result changes (nothing is graded again). Then the
other ways in: the CI-recorded time (``autograde --submitted-at ci``), Gradescope's metadata, an nbgrader
course's own policies (stock ``none``/``zero``, the built-in plugin, a plugin subclass of the instructor's),
each checked against nbgrader's own ``AssignLatePenalties`` run on the same gradebook.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.model.course import ROOT
from autograder.model.deadlines import DeadlinesError
from autograder.model.results import load_results
from autograder.nbgrader_io.course_deadlines import load
from autograder.nbgrader_io.course_gradebook import CourseGradebook
from autograder.reports.after_grading import write_reports
from testkit import nbgrader_course
from tests.reports_fixtures import make_result, write_result

PS = "ps1_softmax"
UTC = UTC

COURSE_FILE = """\
claimed_times = "accept"
[due]
ps1_softmax = 2026-03-01T23:59:00Z
[policy]
method = "per_day"
deduct = "10%"
cap = "50%"
grace = "15m"
[extensions]
ben = { ps1_softmax = "2d" }
"""

#: student -> (timestamp.txt's time or None, what it does: expected late status, penalty of 40 points)
CLASS = {
    "ada": ("2026-03-01 20:00:00.000000 UTC", "on_time", 0.0),
    "dan": ("2026-03-02 00:09:00.000000 UTC", "grace", 0.0),        # 10 min late: within the grace period
    "ben": ("2026-03-03 23:00:00.000000 UTC", "on_time", 0.0),      # 47 h late, within his extension of 2 d
    "cleo": ("2026-03-03 02:59:00.000000 UTC", "late", 2 * 4.3),     # 27 h late: two started days, 10% of 43 each
    "eve": (None, "unknown_time", 0.0),                             # no timestamp.txt
}


def cli(cwd, *args, env=None, ok=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env or nbgrader_course.tool_env())
    if ok:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def graded_class(results: Path) -> None:
    """The class's results.json files, with the submission time the engine would have recorded."""
    for student, (stamp, _, _) in CLASS.items():
        data = make_result(student, PS, answers={"logsumexp-derivation": (3.0, "because", None)})
        data["submitted"] = ({"at": datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f UTC").replace(tzinfo=UTC).isoformat(),
                              "source": "timestamp.txt", "status": "recorded", "detail": ""} if stamp else
                             {"at": None, "source": "timestamp.txt", "status": "missing",
                              "detail": "no timestamp.txt beside the notebook"})
        write_result(results, data)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("late-course")
    (course / "deadlines.toml").write_text(COURSE_FILE)
    graded_class(course / "results")
    cli(course, "late", "results", "--course", ".")
    return course


def grades(results: Path) -> dict:
    with open(results / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_the_results_carry_the_late_record(course):
    by = {r.student: r for r in load_results(course / "results")}
    for student, (_, status, penalty) in CLASS.items():
        r = by[student]
        assert (r.late.status, r.late_penalty, r.raw_score) == (status, pytest.approx(penalty), 40.0), student
        assert r.score == pytest.approx(40.0 - penalty)
    assert by["eve"].flagged and not by["ada"].flagged
    assert by["ben"].late.extension_s == 2 * 86400


def test_grades_csv_has_raw_final_and_penalty(course):
    rows = grades(course / "results")
    assert list(rows["ada"])[-5:] == ["total", "pending", "raw_total", "late_penalty", "late"]
    assert (rows["cleo"][PS], rows["cleo"]["total"], rows["cleo"]["raw_total"], rows["cleo"]["late_penalty"]) == (
        "31.4", "31.4", "40", "8.6")
    assert rows["cleo"]["late"] == "ps1_softmax: 27 h late: −8.6"
    assert rows["dan"]["late"] == "ps1_softmax: 10 min late (grace)" and rows["dan"]["total"] == "40"
    assert rows["eve"]["late"] == "ps1_softmax: time unknown" and rows["eve"]["total"] == "40"
    assert rows["ada"]["late"] == rows["ben"]["late"] == ""


def test_the_feedback_page_says_when_and_what_it_cost(course):
    page = (course / "results" / "cleo" / PS / "feedback.html").read_text(encoding="utf-8")
    assert 'id="score">31.4<' in page
    assert ("Submitted 27 h after the due date (due 2026-03-01 23:59 UTC): −8.6 points (10% off per started day "
            "late, at most 50%; a grace period of 15 min). The time is the student&#39;s own (timestamp.txt): the "
            "platform keeps no other record of it here, and the course accepts the students&#39; own times. Your "
            "score before the penalty: 40 points.") in page
    assert "with an extension of 2 d" in (course / "results" / "ben" / PS / "feedback.html").read_text(encoding="utf-8")
    eve = (course / "results" / "eve" / PS / "feedback.html").read_text(encoding="utf-8")
    assert "Submission time unknown" in eve and "No late penalty is applied until your instructor has checked" in eve


def test_the_class_report_and_the_terminal_list_the_late_ones(course):
    report = (course / "results" / "report.html").read_text(encoding="utf-8")
    assert 'id="late"' in report and "40 → 31.4 / 43" in report and "31.4</a> L" in report
    attention = report.split('id="attention"')[1].split("</section>")[0]
    assert "eve" in attention and "could not be read" in attention
    out = cli(course, "late", "results", "--course", ".").stdout
    assert "Deadlines: 2 late of 5 with a due date, 1 with a penalty (8.6 points off in all)" in " ".join(out.split())
    assert "L cleo/ps1_softmax: 40 → 31.4 / 43." in out
    assert "eve/ps1_softmax: submission time unknown" in out


def test_the_class_report_lists_every_claimed_time_on_time_or_not(course):
    """Every time here is the students' own timestamp.txt: the report's Deadlines section lists each of them,
    the on-time ones too, with how it was read (issue 83: it listed the late ones only)."""
    section = (course / "results" / "report.html").read_text(encoding="utf-8").split('id="late"')[1]
    section = section.split("</section>")[0]
    for student in ("ada", "ben", "cleo", "dan"):
        assert f">{student}<" in section or f">{student}</a>" in section, student
    assert section.count("the course accepts the students&#39; own times") == 4
    assert "5 timed by the student&#39;s own claim" in section  # eve's unreadable one too
    data = json.loads(cli(course, "late", "results", "--course", ".", "--json").stdout)
    assert data["late"]["claimed"] == 5 and {s["late"]["time_reading"] for s in data["submissions"]} == {
        "claimed, accepted"}


def test_json_junit_and_lms_export_show_the_same_totals(course):
    data = json.loads(cli(course, "late", "results", "--course", ".", "--json").stdout)
    by = {s["student"]: s for s in data["submissions"]}
    assert (by["cleo"]["score"], by["cleo"]["raw_score"], by["cleo"]["late_penalty"]) == (
        pytest.approx(31.4), 40.0, pytest.approx(8.6))
    assert by["cleo"]["late"]["status"] == "late" and by["cleo"]["submitted"]["source"] == "timestamp.txt"
    assert {k: data["late"][k] for k in ("late", "penalised", "grace", "unknown_time")} == {
        "late": 2, "penalised": 1, "grace": 1, "unknown_time": 1}
    assert {row["student"]: row["late_penalty"] for row in data["students"]}["cleo"] == pytest.approx(8.6)
    cli(course, "export", "results", "--junit", "--out", "junit.xml", "--course", ".")
    junit = (course / "junit.xml").read_text(encoding="utf-8")
    assert 'name="cleo/ps1_softmax: 31.4 / 40 autograded points (3 awaiting grading) (late: −8.6 of 40)"' in junit
    assert '<failure message="27 h late: −8.6" type="late">' in junit and 'type="unknown_time"' in junit
    cli(course, "export", "results", "--lms", "csv", "--out", "lms.csv", "--course", ".")
    with open(course / "lms.csv", newline="", encoding="utf-8") as fh:
        lms = {row["course_id"]: row for row in csv.DictReader(fh)}
    assert (lms["cleo"][PS], lms["cleo"]["total"], lms["ada"][PS]) == ("31.4", "31.4", "40")


def test_a_deadline_moved_after_grading_recomputes_everything_without_grading(course, tmp_path):
    moved = tmp_path / "course"
    shutil.copytree(course, moved)
    cells = {r.student: [t.to_json() for t in r.tests] for r in load_results(moved / "results")}
    (moved / "deadlines.toml").write_text(COURSE_FILE.replace("2026-03-01T23:59:00Z", "2026-03-03T23:59:00Z"))
    cli(moved, "late", "results", "--course", ".")
    rows = grades(moved / "results")
    assert {s: rows[s]["total"] for s in CLASS} == {s: "40" for s in CLASS}
    assert rows["cleo"]["late"] == "" and rows["eve"]["late"] == "ps1_softmax: time unknown"
    assert {r.student: [t.to_json() for t in r.tests] for r in load_results(moved / "results")} == cells
    assert "Submitted on time" in (moved / "results" / "cleo" / PS / "feedback.html").read_text(encoding="utf-8")
    (moved / "deadlines.toml").unlink()  # no deadlines at all: the raw scores, grades.csv as before deadlines
    cli(moved, "late", "results", "--course", ".")
    assert list(grades(moved / "results")["ada"])[-2:] == ["total", "pending"]
    assert all(r.late is None and r.score == 40.0 for r in load_results(moved / "results"))


def test_a_wrong_course_file_stops_before_writing(course, tmp_path):
    broken = tmp_path / "course"
    shutil.copytree(course, broken)
    before = (broken / "results" / "grades.csv").read_text(encoding="utf-8")
    (broken / "deadlines.toml").write_text("[policy]\nmethod = \"per_day\"\ndeduct = \"a lot\"\n")
    proc = cli(broken, "late", "results", "--course", ".", ok=False)
    assert proc.returncode == 2 and "deadlines.toml: [policy].deduct: expected points" in proc.stderr
    assert (broken / "results" / "grades.csv").read_text(encoding="utf-8") == before


# -- the submission time of a student's CI, and of timestamp.txt, through the command line ------------------------


def _course_with_source(folder: Path) -> Path:
    shutil.copytree(ROOT / "source" / PS, folder / "source" / PS)
    (folder / "deadlines.toml").write_text(COURSE_FILE)
    return folder


def test_the_ci_recorded_time_is_the_submission_time(tmp_path):
    """``autograde --submitted-at ci`` in a GitLab job: the pipeline's creation time, not timestamp.txt (which a
    student's repository could hold). (A folder without a notebook is graded 0 without the sandbox.)"""
    course = _course_with_source(tmp_path / "course")
    folder = tmp_path / "submitted" / "student" / PS
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-02-01 00:00:00 UTC")  # forged: not used with --submitted-at ci
    env = {**nbgrader_course.tool_env(), "GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "2026-03-03T02:59:00Z"}
    cli(tmp_path, "autograde", "submitted", "--out", "results", "--course", str(course), "--submitted-at", "ci",
        env=env)
    data = json.loads((tmp_path / "results" / "student" / PS / "results.json").read_text(encoding="utf-8"))
    submitted = data["submitted"]
    assert (submitted["at"], submitted["source"], submitted["status"]) == (
        "2026-03-03T02:59:00+00:00", "GitLab pipeline (CI_PIPELINE_CREATED_AT)", "recorded")
    assert submitted["trusted"] is False and "a pipeline variable can set" in submitted["detail"], \
        "a variable a pipeline user may set is read as a claim, and said to be one"
    assert data["late"]["status"] == "late" and data["late"]["seconds_late"] == 27 * 3600


def test_timestamp_files_are_recorded_and_a_corrected_one_counts_without_grading(tmp_path):
    course = _course_with_source(tmp_path / "course")
    folder = tmp_path / "submitted" / "ada" / PS
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("next week")
    cli(tmp_path, "autograde", "submitted", "--out", "results", "--course", str(course))
    path = tmp_path / "results" / "ada" / PS / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["submitted"]["status"] == "unreadable" and data["late"]["status"] == "unknown_time"
    assert "ps1_softmax: time unknown" in (tmp_path / "results" / "grades.csv").read_text(encoding="utf-8")
    (folder / "timestamp.txt").write_text("2026-03-01 12:00:00.000000 UTC")
    proc = cli(tmp_path, "autograde", "submitted", "--out", "results", "--course", str(course))
    assert "Nothing new to grade" in proc.stdout
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["submitted"]["status"] == "recorded" and data["late"]["status"] == "on_time"


def test_submitted_at_must_be_a_time():
    from autograder.commands.autograde import submitted_at

    assert submitted_at("2026-03-01T12:00:00Z").at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="--submitted-at: expected 'ci', 'ci=<GitLab API URL>', 'exchange="):
        submitted_at("whenever")
    with pytest.raises(ValueError, match="exchange=DIR"):
        submitted_at("exchange=/nowhere/at/all")


# -- Gradescope ------------------------------------------------------------------------------------------------


def test_gradescope_uses_its_due_date_per_submitter_and_the_course_policy(tmp_path, monkeypatch):
    """``created_at`` against the submitter's own due date (an extension Gradescope granted), the policy of the
    bundled course folder; Gradescope's results.json gets the final score and says why."""
    from autograder.commands import gradescope as gradescope_command
    from autograder.commands.gradescope import _with_deadline
    from autograder.model.results import SubmissionResult
    from autograder.model.submission_time import from_gradescope
    from autograder.reports.gradescope import gradescope_results
    from tests.test_late_times import GRADESCOPE_METADATA

    (tmp_path / "deadlines.toml").write_text(COURSE_FILE)  # its [policy]; Gradescope gives the due dates
    monkeypatch.setattr(gradescope_command, "ROOT", tmp_path)  # the course folder the bundle holds
    result = SubmissionResult.from_json(make_result("Student User", PS))
    result.submitted = from_gradescope(GRADESCOPE_METADATA)  # 2018-07-01 21:22 UTC, due 2018-07-01 06:00 UTC
    late = _with_deadline(result, GRADESCOPE_METADATA, PS)
    # 10% of the 40 points of this result, one started day late
    assert (late.late.status, late.late_penalty, late.score) == ("late", pytest.approx(4.0), pytest.approx(36.0))
    out = gradescope_results(late)
    assert out["score"] == pytest.approx(36.0) and sum(t["score"] for t in out["tests"]) == 40.0
    assert "Submitted 16 h after the due date (due 2018-07-01 06:00 UTC): −4 points" in out["output"]
    assert out["extra_data"]["late"]["penalty"] == pytest.approx(4.0) and out["extra_data"]["raw_score"] == 40.0
    extended = json.loads(json.dumps(GRADESCOPE_METADATA))
    extended["users"][0]["assignment"] = {"due_date": "2018-07-02T23:00:00.000000-07:00"}
    on_time = _with_deadline(result, extended, PS)
    assert (on_time.late.status, on_time.score) == ("on_time", 40.0) and on_time.late.extension_s == 2 * 86400
    no_due = {**GRADESCOPE_METADATA, "assignment": {**GRADESCOPE_METADATA["assignment"], "due_date": None}}
    assert _with_deadline(result, no_due, PS).late is None


def test_the_gradescope_bundle_carries_the_course_policy(tmp_path):
    from autograder.release.gradescope_bundle import bundle_files

    files = bundle_files(PS)
    assert files["course/nbgrader_config.py"] == ROOT / "nbgrader_config.py"
    assert ("course/deadlines.toml" in files) == (ROOT / "deadlines.toml").is_file()


# -- an nbgrader course: its gradebook's due dates and extensions, its configured policy --------------------------

#: What each nbgrader configuration gives a submission worth 40 points, 27 h late (the plugins of
#: tests/late_plugins.py say what they return; nbgrader bounds it to [0, score]).
NBGRADER_POLICIES = {
    "": 0.0,                                                           # nbgrader's default: penalty_method none
    'c.LateSubmissionPlugin.penalty_method = "zero"': 40.0,
    'c.AssignLatePenalties.plugin_class = "autograder.nbgrader_io.nbgrader_late.LatePenaltyPlugin"\n'
    'c.LatePenaltyPlugin.per = "day"\nc.LatePenaltyPlugin.deduct = "10%"': 8.6,
    'c.AssignLatePenalties.plugin_class = "tests.late_plugins.Halve"': 20.0,
    'c.AssignLatePenalties.plugin_class = "tests.late_plugins.TooMuch"': 40.0,
    'c.AssignLatePenalties.plugin_class = "tests.late_plugins.Negative"': 0.0,
}


def _nbgrader_course(folder: Path, config: str, gradebook: Path) -> Path:
    from nbgrader.api import Gradebook

    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(f'c = get_config()\nc.CourseDirectory.course_id = "probdl"\n{config}\n'
                                               'c.Deadlines.claimed_times = "accept"\n')  # (the class's times: claims)
    shutil.copy(gradebook, folder / "gradebook.db")
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", "probdl") as gb:
        gb.update_or_create_assignment(PS, duedate="2026-03-01 23:59:00 UTC")
    graded_class(folder / "results")
    return folder


@pytest.mark.parametrize("config", list(NBGRADER_POLICIES), ids=["none", "zero", "builtin-plugin", "halve",
                                                                  "too-much", "negative"])
def test_an_nbgrader_policy_is_applied_as_nbgrader_applies_it(tmp_path, empty_gradebook, config):
    """Our penalties, written into the gradebook, are what nbgrader's own ``AssignLatePenalties`` computes there."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties

    from autograder.nbgrader_io.gradebook import course_directory

    course = _nbgrader_course(tmp_path / "course", config, empty_gradebook)
    deadlines = load(course)
    assert deadlines.source == "nbgrader gradebook.db and nbgrader_config.py"
    write_reports(course / "results", gradebook=CourseGradebook(course), show=False, deadlines=deadlines)
    by = {r.student: r for r in load_results(course / "results")}
    assert by["cleo"].late_penalty == pytest.approx(NBGRADER_POLICIES[config])
    db = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db, "probdl") as gb:
        ours = {s.student.id: s.late_submission_penalty for s in gb.find_assignment(PS).submissions}
    theirs = {}
    for student in ours:  # nbgrader's own preprocessor on the same gradebook (it rewrites the penalty there)
        resources = {"nbgrader": {"notebook": PS, "assignment": PS, "student": student, "db_url": db}}
        AssignLatePenalties(config=course_directory(course).config).preprocess(nbformat.v4.new_notebook(), resources)
        with Gradebook(db, "probdl") as gb:
            theirs[student] = gb.find_submission(PS, student).late_submission_penalty
    assert ours == theirs
    assert {s: by[s].late_penalty for s in ours} == pytest.approx(theirs)


def test_extensions_are_read_from_the_gradebook_and_granted_there(tmp_path, empty_gradebook):
    course = _nbgrader_course(tmp_path / "course", 'c.LateSubmissionPlugin.penalty_method = "zero"', empty_gradebook)
    cli(course, "late", "results", "--gradebook")
    assert grades(course / "results")["cleo"]["total"] == "0"
    proc = cli(course, "extension", "cleo", PS, "1d12h", "--results", "results")
    assert "Extension granted (1d12h) for cleo: ps1_softmax." in proc.stdout
    assert grades(course / "results")["cleo"]["total"] == "40"
    assert load(course).extension("cleo", PS).total_seconds() == 36 * 3600
    missing = cli(course, "extension", "nobody", PS, "1d", ok=False)
    assert missing.returncode == 1 and "has no submission of nobody for ps1_softmax" in missing.stderr
    cli(course, "extension", "cleo", PS, "0", "--results", "results")
    assert grades(course / "results")["cleo"]["total"] == "0"


def test_gradebook_due_dates_and_a_course_file_together_are_refused(tmp_path, empty_gradebook):
    course = _nbgrader_course(tmp_path / "course", "", empty_gradebook)
    (course / "deadlines.toml").write_text(COURSE_FILE)
    with pytest.raises(DeadlinesError, match="keep one"):
        load(course)
    proc = cli(course, "late", "results", "--gradebook", ok=False)
    assert proc.returncode == 2 and "deadlines.toml and due dates in the nbgrader gradebook" in proc.stderr


def test_a_course_file_without_a_gradebook_gets_the_line_to_add(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "probdl"\n')
    proc = cli(tmp_path, "extension", "ada", PS, "2d", ok=False)
    assert proc.returncode == 1 and 'ada = { ps1_softmax = "2d" }' in proc.stderr


@pytest.mark.slow
def test_gradescope_run_records_created_at_and_its_due_date(tmp_path):
    """The whole run_autograder of a built bundle, with Gradescope's submission_metadata.json: the time recorded
    is ``created_at``, the due date Gradescope's; the bundled course policy (this repository's
    nbgrader_config.py: nbgrader's default, no penalty) says so in the output. (An empty upload: no sandbox.)"""
    from tests.test_gradescope import run_autograder
    from tests.test_late_times import GRADESCOPE_METADATA

    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", PS, "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    root = tmp_path / "gs"
    root.mkdir()
    (root / "submission_metadata.json").write_text(json.dumps(GRADESCOPE_METADATA))
    proc = run_autograder(tmp_path / f"{PS}.zip", {}, root)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads((root / "results" / "results.json").read_text())
    late = data["extra_data"]["late"]
    assert (late["status"], late["submitted"], late["due"]) == ("late", "2018-07-01T21:22:32.365935+00:00",
                                                                "2018-07-01T06:00:00+00:00")
    assert "Submitted 16 h after the due date (due 2018-07-01 06:00 UTC): no points off" in data["output"]


def test_the_recompute_benchmark_runs():
    """benchmarks/late_recompute.py at a quick size: it checks its own totals and prints one line per timing
    (timings are not asserted: they depend on the machine)."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "late_recompute.py"), "--students", "4"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 students, 24 results.json" in proc.stdout
    assert [line.split()[0] for line in proc.stdout.splitlines()[1:]] == ["reports", "first", "moved", "command"]
