"""Regrades end to end (issue 86), through the command line and the sandboxed engine.

* the issue's "done when": the demo class graded, two cells of that run edited by hand (one too harsh, one too
  kind) and a student removed from it; ``--previous --keep-higher`` lists exactly those two cells, keeps the kinder
  total and says so, grades the missing student as new, records the run and writes nothing in the earlier folder;
  then a regrade request file goes through the review page and the decisions file into the next run;
* a check corrected between two runs in a copy of the course: the reason is the check, for exactly its cell;
* the commands of docs/instructors.md's "Regrades" section, as printed, in a plain shell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.lms.regrade import moved_only
from autograder.lms.scores import read_grades
from autograder.model.course import ROOT
from autograder.model.graded_with import grader_version
from tests.test_reports_readme import PLAIN_ENV, commands, documentation

PS = "ps1_softmax"


def _autograder(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr
    return proc


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes() + str(p.stat().st_mtime_ns).encode())
    return h.hexdigest()


def _edit_cell(results: Path, student: str, cell: str, points: float) -> float:
    """Set a cell's points in a results.json by hand (and its total, as an instructor would); the old points."""
    path = results / student / PS / "results.json"
    data = json.loads(path.read_text())
    [test] = [t for t in data["tests"] if t["name"] == cell]
    old, test["score"], test["status"] = test["score"], points, "passed" if points >= test["max_score"] else "failed"
    data["score"] += points - old
    path.write_text(json.dumps(data))
    return old


def _fill(decisions: Path, decide: dict[str, tuple[str, str, str]]) -> None:
    """The instructor's spreadsheet: ``cell -> (decision, points, reply)``."""
    rows = list(csv.reader(io.StringIO(decisions.read_text(encoding="utf-8"))))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("cell")] in decide:
            for name, value in zip(("decision", "points", "reply"), decide[row[header.index("cell")]]):
                row[header.index(name)] = value
    with open(decisions, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_the_demo_regrade_round_trip(tmp_path):
    """The issue's "done when", on the demo class."""
    demo = tmp_path / "demo"
    _autograder(tmp_path, "demo", "--dir", str(demo))
    old = demo / "results"
    assert _edit_cell(old, "ben", "softmax-basic", 0.0) == 4.0  # too harsh
    assert _edit_cell(old, "hana", "softmax-temperature", 2.0) == 0.0  # too kind
    kinder = json.loads((old / "hana" / PS / "results.json").read_text())["score"]
    shutil.rmtree(old / "dan")  # a student the earlier run did not have
    before = _tree_digest(old)

    proc = _autograder(demo, "autograde", "submitted", "--out", "results-2", "--previous", "results", "--keep-higher",
                       "--course", ".")
    new = demo / "results-2"
    assert [(r["student"], r["problem_set"], r["cell"], r["old"], r["new"], r["evidence"])
            for r in _rows(new / "changes.csv")] == [("ben", PS, "softmax-basic", "0", "4", "edited"),
                                                    ("hana", PS, "softmax-temperature", "2", "0", "edited")]
    assert "ben ps1_softmax softmax-basic +4 — the earlier points were entered by hand" in proc.stdout
    hana = json.loads((new / "hana" / PS / "results.json").read_text())
    assert hana["score"] == kinder and hana["regrade"]["kept"] is True
    assert "is kept: this regrade gives" in (new / "hana" / PS / "feedback.html").read_text()
    [row] = [r for r in _rows(new / "grades.csv") if r["student"] == "hana"]
    assert row[PS] == f"{kinder:g}" and row["kept"].startswith("ps1_softmax: earlier ")
    record = json.loads((new / "regrade.json").read_text())
    assert record["previous"] == str(old.resolve()) and record["grader"] == grader_version() and record["time"]
    assert record["options"]["keep_higher"] is True and record["kept_higher"] == ["hana/ps1_softmax"]
    assert sorted(record["graded_as_new"]) == ["dan/ps2_cross_entropy", "dan/ps5_gaussian_kl"]
    assert 'href="changes.html"' in (new / "report.html").read_text()
    assert _tree_digest(old) == before, "the earlier results folder was written"

    # a regrade request file, through the review page, into the next run
    (demo / "requests.csv").write_text(
        "Timestamp,Student,Problem set,Which cell?,Message\n"
        "2026-11-28 10:00,ben,ps1_softmax,softmax-stability,My softmax is fine for ordinary logits.\n"
        "2026-11-28 11:00,hana,ps1_softmax,softmax-temperature,The temperature multiplies.\n"
        "2026-11-28 12:00,zed,ps1_softmax,softmax-basic,Who am I?\n"
        "2026-11-28 13:00,ben,ps1_softmax,softmax-nope,A cell that is not.\n", encoding="utf-8")
    proc = _autograder(demo, "requests", "results-2", "--from", "requests.csv", "--out", "review")
    assert "2 match no student, problem set or cell" in proc.stdout
    page = (demo / "review" / "review.html").read_text()
    assert "My softmax is fine for ordinary logits." in page and "failed (nonfinite)" in page
    assert "def softmax(" in page and "unknown student" in page and "unknown cell" in page
    _fill(demo / "review" / "decisions.csv", {
        "softmax-stability": ("accept", "5", "Right: full points."),
        "softmax-temperature": ("reject", "", "The temperature divides the logits.")})
    proc = _autograder(demo, "autograde", "submitted", "--out", "results-3", "--previous", "results-2",
                       "--keep-higher", "--decisions", "review/decisions.csv", "--course", ".")
    third = demo / "results-3"
    assert [(r["student"], r["cell"], r["old"], r["new"], r["evidence"]) for r in _rows(third / "changes.csv")] == [
        ("ben", "softmax-stability", "0", "5", "request")]
    assert "Accepted: 5 / 5 points (the check gave 0). Your instructor: Right: full points." in (
        third / "ben" / PS / "feedback.html").read_text()
    assert "Not accepted: the points stay as graded. Your instructor: The temperature divides the logits." in (
        third / "hana" / PS / "feedback.html").read_text()
    requests = json.loads((third / "regrade.json").read_text())["requests"]
    assert (requests["applied"], requests["undecided"], requests["not_applied"]) == (2, 2, [])
    # and passback of that run would post ben's ps1 alone, its comment naming why
    found = moved_only(third, read_grades(third))
    assert [(g.student, g.ps) for g in found.post] == [("ben", PS)]
    assert "Regraded: softmax-stability +5 — your regrade request was accepted." in found.post[0].comment


#: What a course needs to grade in a copy (the engine, the checks, the references, the notebooks, its id).
COPIED = ("autograder", "solutions", "source", "release")


def test_a_check_corrected_between_two_runs_is_named_the_reason(tmp_path):
    """In a copy of the course, softmax-temperature first checks temperature 1 only (a check too kind: a softmax
    that multiplies by the temperature passes it), then as the course declares it."""
    course = tmp_path / "course"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in COPIED:
        shutil.copytree(ROOT / name, course / name, ignore=ignore)
    shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for student in ("ada", "hana"):
        shutil.copytree(ROOT / "examples" / "submissions" / student / PS, course / "submitted" / student / PS)
    checks = course / "autograder" / "checks" / "ps1_softmax.py"
    declared = checks.read_text(encoding="utf-8")
    start = declared.index('"temperature",\n')
    probes = declared.index("probes=(\n", start) + len("probes=(\n")
    end = declared.index("\n        ),\n", probes)
    checks.write_text(declared[:probes] + '            *_tempered("[2.0, 1.0, 0.1] with temperature=1.0", [2.0, 1.0, 0.1], '
                      "1.0, public=True)," + declared[end:], encoding="utf-8")
    env = {"PYTHONPATH": str(course), "PYTHONDONTWRITEBYTECODE": "1"}
    _autograder(course, "autograde", "submitted", "--out", "old", "--course", ".", env=env)
    too_kind = json.loads((course / "old" / "hana" / PS / "results.json").read_text())
    assert [t["score"] for t in too_kind["tests"] if t["name"] == "softmax-temperature"] == [2.0]
    checks.write_text(declared, encoding="utf-8")  # the check corrected
    proc = _autograder(course, "autograde", "submitted", "--out", "new", "--previous", "old", "--course", ".", env=env)
    assert _rows(course / "new" / "changes.csv") == [{
        "student": "hana", "problem_set": PS, "cell": "softmax-temperature", "old": "2", "new": "0",
        "reason": "the check was corrected", "evidence": "check"}], proc.stdout
    assert "regraded: softmax-temperature −2 — the check was corrected" in (
        course / "new" / "hana" / PS / "feedback.html").read_text()


def test_the_guides_regrade_commands_run_as_printed(tmp_path):
    """docs/instructors.md, "Regrades": each command as printed, in order, in a plain shell, in a course graded
    once (whose results an instructor then edited: one cell too kind), with the guide's request file and the
    instructor's decisions filled in between."""
    course = tmp_path / "course"
    course.mkdir()
    os.symlink(ROOT / ".venv", course / ".venv")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "probdl"\n')
    for student in ("ben", "hana"):
        shutil.copytree(ROOT / "examples" / "submissions" / student / PS, course / "submitted" / student / PS)

    def shell(command: str) -> str:
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", command], cwd=course, env=PLAIN_ENV,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, f"{command}\n{proc.stdout[-2000:]}\n" \
                                                                        f"{proc.stderr[-2000:]}"
        return proc.stdout

    shell(".venv/bin/python -m autograder autograde submitted --out results")  # (the guide's "4. Grade")
    _edit_cell(course / "results", "hana", "softmax-temperature", 2.0)
    section = documentation().split("## Regrades: grading again, and students' requests", 1)[1].split("\n## ", 1)[0]
    printed = [line.split("#", 1)[0].strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)
               for line in block.splitlines() if line.strip()]
    assert len(printed) == 4 and set(printed) <= set(commands()), printed
    (course / "regrade-requests.csv").write_text(re.search(r"```csv\n(.*?)```", section, re.S).group(1))
    out = [shell(printed[0])]
    assert [r["cell"] for r in _rows(course / "results-2" / "changes.csv")] == ["softmax-temperature"]
    out.append(shell(printed[1]))
    assert "Kept the earlier total (--keep-higher) of 1 submission(s): hana/ps1_softmax" in out[1]
    out.append(shell(printed[2]))
    assert "1 match no student, problem set or cell" in out[2] and (course / "review" / "review.html").is_file()
    _fill(course / "review" / "decisions.csv", {"softmax-stability": ("accept", "5", "Fine.")})
    out.append(shell(printed[3]))
    assert [(r["student"], r["cell"], r["evidence"]) for r in _rows(course / "results-3" / "changes.csv")] == [
        ("ben", "softmax-stability", "request"), ("hana", "total", "total")]
