"""The GitLab pipelines: GitLab's own CI schema, the structure they promise, and their scripts run locally.

``.gitlab-ci.yml`` (the instructor's: shards as ``parallel:`` jobs, then a merge) and
``ci-templates/gitlab-student.yml`` (a student's project: grade on push) are validated against GitLab's CI
JSON Schema (``tests/vendor/gitlab-ci/``, with its licence and where it comes from), as actionlint
validates the GitHub workflows. Their ``script:`` sections then run here as a GitLab runner runs them (one
bash with ``-e -o pipefail``, the job's variables in the environment; ``before_script``, which installs
the grader, is replaced by this checkout's environment). The instructor's jobs grade for real in
tests/test_reports_autograde_cli.py, where their merged results are compared with an unsharded run.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from autograder.model.course import GRADE_CELLS, ROOT, answer_max_score
from tests import engine_helpers
from tests.reports_fixtures import full, g, points_of

INSTRUCTOR = ROOT / ".gitlab-ci.yml"
STUDENT = ROOT / "ci-templates" / "gitlab-student.yml"
SCHEMA = Path(__file__).parent / "vendor" / "gitlab-ci" / "gitlab-ci.json"


def load(path):
    return yaml.safe_load(path.read_text())


def validator():
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("path", [INSTRUCTOR, STUDENT], ids=lambda p: p.name)
def test_valid_against_gitlabs_ci_schema(path):
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(load(path))]
    assert errors == []


def test_the_schema_catches_mistakes():
    """The schema really checks (it is not a permissive stub): typos and impossible values are errors."""
    wf = load(INSTRUCTOR)
    wf["grade"]["parallel"] = 0
    wf["merge"]["when"] = "sometimes"
    wf["merge"]["artifact"] = wf["merge"].pop("artifacts")
    paths = {"/".join(map(str, e.path)) for e in validator().iter_errors(wf)}
    assert {"grade/parallel", "merge/when"} <= paths and any(p.startswith("merge") for p in paths - {"merge/when"})


def test_instructor_pipeline_shards_then_merges():
    wf = load(INSTRUCTOR)
    assert wf["workflow"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "web" || $CI_PIPELINE_SOURCE == "api" || '
                                              '$CI_PIPELINE_SOURCE == "trigger"'}], "started by hand, never by a push"
    assert {"SUBMISSIONS", "ASSIGNMENT", "TIMEOUT"} <= set(wf["variables"])
    grade, merge = wf["grade"], wf["merge"]
    assert grade["parallel"] >= 2 and grade["stage"] == "grade" and merge["stage"] == "merge"
    assert '--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in "\n".join(grade["script"])
    assert grade["artifacts"] == {"when": "always", "name": "shard-$CI_NODE_INDEX", "paths": ["shards/"],
                                  "expire_in": "1 week"}, "a failed shard keeps what it graded"
    assert merge["when"] == "always", "the merge runs when a shard failed"
    assert any("python -I -m autograder merge shards --out results" in line for line in merge["script"])
    assert merge["artifacts"]["reports"] == {"junit": "results/junit.xml"}
    assert merge["artifacts"]["when"] == "always" and merge["artifacts"]["paths"] == ["results/"]


def test_student_pipeline_keeps_only_feedback_and_deletes_the_grader_first():
    wf = load(STUDENT)
    job = wf["autograde"]
    assert wf["variables"]["GRADER_DIR"].startswith("/tmp/"), "the grader is never inside the project folder"
    assert wf["variables"]["WORK_DIR"].startswith("/tmp/"), "the grader works outside the project folder"
    before = job["before_script"]
    assert before[0] == "rm -rf results junit.xml", "what the student committed there is never an artifact"
    fetch = next(line for line in before if "git fetch" in line)
    assert '"$GRADER_DIR"' in fetch and "refs/tags/$GRADER_REF" in fetch
    assert '${CI_SERVER_URL%/}/${GRADER_PROJECT}.git' in fetch, "this GitLab's address, its relative root kept"
    assert "${GRADER_TOKEN}" not in fetch and '"$GRADER_TOKEN"; }; f' in fetch, "the token only in git's helper"
    script = job["script"]
    delete = script.index('rm -rf "$GRADER_DIR"')
    assert any("grader export results --junit" in s for s in script[:delete])
    assert any("autograded_points" in s for s in script[:delete]), "the score is read by the grader's own model"
    assert any("points.txt" in s for s in script[delete:]), "and printed after the grader is gone"
    assert job["after_script"] == ['rm -rf "$GRADER_DIR" "$WORK_DIR"'], "deleted also when the job failed"
    assert job["artifacts"]["paths"] == ["results/student/$ASSIGNMENT/results.json",
                                         "results/student/$ASSIGNMENT/feedback.html"]
    assert job["artifacts"]["reports"] == {"junit": "junit.xml"}


# --- the scripts, run as a runner would ----------------------------------------------------------------------------

def runner_env(tmp_path, **variables):
    """The job's environment: its variables, and ``python`` the interpreter with this grader installed."""
    shims = tmp_path / "shims"
    shims.mkdir(exist_ok=True)
    (shims / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (shims / "python").chmod(0o755)
    return {**os.environ, "PATH": f"{shims}:{os.environ['PATH']}", **variables}


def run_script(lines, cwd, env):
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_student_pipeline_grades_prints_the_score_and_writes_junit(tmp_path):
    """The job's before_script and script as GitLab runs them (tests/ci_runner.py: the grader's project a local
    repository behind the URL the job builds)."""
    from tests.test_redteam_templates import GitLabJob

    job = GitLabJob(tmp_path)
    engine_helpers.write_notebook(job.project / "ps1_softmax.ipynb",
                                  engine_helpers.submission("ps1_softmax", correct=True))
    proc = job.run("before_script", "script")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    auto, hand, stab = full("ps1_softmax"), answer_max_score("ps1_softmax"), g(points_of("softmax-stability"))
    assert f"Points {g(auto)}/{g(auto)} autograded, {g(hand)} awaiting grading" in lines, lines
    assert f"  softmax-stability: {stab}/{stab}" in lines
    assert f"  logsumexp-derivation: awaiting grading/{g(hand)}" in lines
    assert not Path(job.variables["GRADER_DIR"]).exists(), "the grader is deleted before the score is printed"
    suite = ET.parse(job.project / "junit.xml").getroot().find("testsuite")
    assert suite.get("name") == f"student/ps1_softmax: {g(auto)} / {g(auto)} autograded points ({g(hand)} awaiting grading)"
    assert len(suite.findall("testcase")) == len(GRADE_CELLS["ps1_softmax"]) + 1
    assert len(suite.findall("testcase/skipped")) == 1
    for name in ("results.json", "feedback.html"):
        assert (job.project / "results" / "student" / "ps1_softmax" / name).is_file()


def test_student_pipeline_shows_why_nothing_was_graded(tmp_path):
    from tests.test_redteam_templates import GitLabJob

    job = GitLabJob(tmp_path, ASSIGNMENT="ps1")
    engine_helpers.write_notebook(job.project / "ps1.ipynb", engine_helpers.submission("ps1_softmax", correct=True))
    proc = job.run("before_script", "script")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Autograder: take-notebook: --assignment 'ps1' is not a problem set of this course" in proc.stdout


def test_instructor_grade_job_passes_the_assignment_only_when_the_form_sets_it(tmp_path):
    """The ``grade`` job's command line, its ``python`` a stand-in that prints its arguments and its variables:
    the job's shard, its time limit, ``--assignment`` only when ``ASSIGNMENT`` is set, and no variable of the job
    but the allowlist. Both ``grade`` jobs and the ``merge`` job grading for real, merged and compared with one
    unsharded run of the same class: tests/test_reports_autograde_cli.py::test_gitlab_shard_jobs_then_merge_equal_the_unsharded_run."""
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\nenv | cut -d= -f1 | sort | tr "\\n" " " > env.txt\n')
    (shims / "python").chmod(0o755)
    script = load(INSTRUCTOR)["grade"]["script"]
    base = ["-I", "-m", "autograder", "autograde", "submitted", "--out", "shards/shard-2", "--shard", "2/4",
            "--timeout", "30"]
    for assignment, extra in (("", []), ("ps1_softmax", ["--assignment", "ps1_softmax"])):
        env = {**os.environ, "PATH": f"{shims}:{os.environ['PATH']}", "SUBMISSIONS": "submitted",
               "ASSIGNMENT": assignment, "TIMEOUT": "30", "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4",
               "CI_JOB_TOKEN": "secret"}
        proc = run_script(script, tmp_path, env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == base + extra, proc.stdout
        assert set((tmp_path / "env.txt").read_text().split()) <= {"PATH", "HOME", "LANG", "PWD", "SHLVL", "_"}


def test_student_pipeline_records_zero_with_the_reason_when_grading_fails(tmp_path):
    """Issue 84: a grader that fails without a results.json (here a stand-in Python whose `autograde` exits 3) leaves
    a JUnit report of one failed test with the reason, so GitLab records 0 rather than nothing; the job fails."""
    from tests.ci_runner import Runner
    from tests.test_redteam_templates import GitLabJob

    job = GitLabJob(tmp_path)
    crashing = tmp_path / "crashing-python"
    crashing.write_text('#!/bin/sh\nfor a in "$@"; do [ "$a" = autograde ] && { echo "grader crashed" >&2; exit 3; }; '
                        f'done\nexec "{sys.executable}" "$@"\n')
    crashing.chmod(0o755)
    job.runner = Runner(tmp_path, python=str(crashing))  # (the same runner-bin: the git recorder stays)
    engine_helpers.write_notebook(job.project / "ps1_softmax.ipynb",
                                  engine_helpers.submission("ps1_softmax", correct=True))
    proc = job.run("before_script", "script")
    assert proc.returncode == 3, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Autograder: grading failed (exit status 3)" in proc.stdout and "grader crashed" in proc.stdout
    suite = ET.parse(job.project / "junit.xml").getroot().find("testsuite")
    assert suite.get("name") == "student/ps1_softmax: not graded" and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure.get("message") == "grading failed (exit status 3): the job log says why"
