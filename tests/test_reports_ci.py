"""The CI templates: actionlint, the structure they promise, and the score-posting script."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from autograder.course import ROOT
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
