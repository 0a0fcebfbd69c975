"""The CI templates: actionlint, the structure they promise, and the score-posting script."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from autograder.model.course import ROOT
from tests import tooling
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


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint(path):
    proc = subprocess.run([*tooling.actionlint(), str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    errors = json.loads(proc.stdout)
    assert errors == [], "\n".join(f"{path.name}:{e['line']}:{e['column']}: {e['message']}" for e in errors)


def test_actionlint_catches_mistakes(tmp_path):
    """The linter really lints (it is not a no-op that passes everything)."""
    bad = tmp_path / "bad.yml"
    bad.write_text(INSTRUCTOR.read_text().replace("needs.plan.outputs.shards", "needs.plan.outputs.shard"))
    proc = subprocess.run([*tooling.actionlint(), str(bad)], capture_output=True, text=True, timeout=300)
    assert any("shard" in e["message"] for e in json.loads(proc.stdout))


def test_instructor_workflow_shards_then_merges():
    wf = load(INSTRUCTOR)
    inputs = wf["on"]["workflow_dispatch"]["inputs"]
    assert {"submissions", "assignment", "shards", "timeout"} <= set(inputs)
    assert wf["permissions"] == {"contents": "read"}
    grade = wf["jobs"]["grade"]
    assert "shard" in grade["strategy"]["matrix"] and grade["strategy"]["fail-fast"] is False
    assert "python -m autograder autograde" in runs(grade)
    shard_env = next(s["env"]["SHARD"] for s in steps(grade) if "SHARD" in s.get("env", {}))
    assert shard_env == "${{ matrix.shard }}/${{ inputs.shards }}"
    assert '--shard "$SHARD"' in runs(grade)
    upload = next(s for s in steps(grade) if uses(s) == "actions/upload-artifact")
    assert upload["with"]["name"] == "results-shard-${{ matrix.shard }}"
    merge = wf["jobs"]["merge"]
    assert merge["needs"] == "grade"
    download = next(s for s in steps(merge) if uses(s) == "actions/download-artifact")
    assert download["with"]["pattern"] == "results-shard-*"
    assert "python -m autograder merge shards --out results" in runs(merge)
    uploaded = "\n".join(s["with"]["path"] for s in steps(merge) if uses(s) == "actions/upload-artifact")
    assert "results/grades.csv" in uploaded and "results/report.html" in uploaded


def test_student_workflow_never_uploads_the_grader():
    wf = load(STUDENT)
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    names = [s.get("name", uses(s)) for s in steps(job)]
    fetch = next(i for i, s in enumerate(steps(job)) if s.get("with", {}).get("path") == "grader")
    assert steps(job)[fetch]["with"]["token"] == "${{ secrets.GRADER_TOKEN }}"
    assert steps(job)[fetch]["with"]["persist-credentials"] is False
    delete = names.index("Delete the grader checkout")
    assert "rm -rf grader" in steps(job)[delete]["run"] and steps(job)[delete]["if"] == "always()"
    upload = next(i for i, s in enumerate(steps(job)) if uses(s) == "actions/upload-artifact")
    post = names.index("Post the score")
    assert fetch < delete < post < upload, "the grader checkout is gone before anything is posted or uploaded"
    paths = steps(job)[upload]["with"]["path"].strip().splitlines()
    assert paths == ["results/student/${{ env.ASSIGNMENT }}/results.json",
                     "results/student/${{ env.ASSIGNMENT }}/feedback.html"]
    assert "python -m autograder autograde submitted --out results" in runs(job)


def test_student_workflow_posts_the_score(tmp_path):
    """Run the template's "Post the score" step on a results.json, as the runner would."""
    (job,) = load(STUDENT)["jobs"].values()
    script = next(s["run"] for s in steps(job) if s.get("name") == "Post the score")
    data = make_result("student", "ps1_softmax", failing={
        "softmax-stability": ("nonfinite", "nan | inf", "subtract the max"),
        "softmax-basic": ("raised", f"::set-env name=X::1 {XSS}", ""),
    })
    write_result(tmp_path / "results", data)
    summary = tmp_path / "summary.md"
    env = {**os.environ, "ASSIGNMENT": "ps1_softmax", "GITHUB_STEP_SUMMARY": str(summary)}
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "::notice title=Autograding complete::Points 21/26"
    md = summary.read_text()
    assert md.startswith("## ps1_softmax: 21 / 26 points")
    assert "| `softmax-stability` | 0 / 3 |" in md and "**Hint:** subtract the max" in md
    assert "nan \\| inf" in md, "pipes in messages must not break the table"
    assert "<script" not in md
    assert not re.search(r"^::", md, re.M)
    assert "BEGIN HIDDEN TESTS" not in md


def test_instructor_workflow_keeps_what_was_graded_when_a_step_fails():
    """Issue 10: a failed grading step must not skip the upload, and the merge must still run."""
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
    assert "sudo -E" not in runs(grade), "the runner's environment is not handed to the grader"


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
