"""GitHub Classroom shows the grade: the student template's points, as GitHub Classroom's reporter counts them.

``ci-templates/student-classroom.yml`` ends with GitHub Classroom's own reporter action
(``classroom-resources/autograding-grading-reporter``, pinned by commit), fed by the template's "Post the
score" step (step id ``autograded``): a runner result, base64 JSON in the step's output ``result``, with
``max_score`` the autograded maximum and one ``tests[]`` entry per autograded cell, then one for a late
penalty, so that the total the reporter adds up is the score after the penalty. Answers a person grades are
in neither number: a notice says how many points await grading.

Here the template's own step runs on results.json files (a late one whose penalty is fractional, one with
nothing late), and its output goes through the reporter's documented contract
(``tests/classroom_points.cjs``: ``INPUT_RUNNERS``, ``<ID>_RESULTS``, the sum of ``tests[].score`` in
JavaScript numbers) on GitHub's own ``@actions/core`` from npm (the version the reporter's v1 release
bundles), whose notice is what GitHub Classroom records: "Points X/Y".

Why not the action's own release: its JavaScript (``dist/main.js`` at the pinned commit) is published only
in the action's GitHub repository, not on npm or PyPI, which are all a test here may install from, and
third-party code is not copied into this repository. Where a copy of that file is at hand (downloaded from
the pinned commit), ``PROBDL_CLASSROOM_REPORTER=/path/to/dist/main.js`` runs it too, on the same inputs,
and the test then requires the same "Points" line from it; without it that one test skips, saying so.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import ci_runner, tooling
from tests.reports_fixtures import make_result, write_result

PS = "ps1_softmax"
HARNESS = Path(__file__).with_name("classroom_points.cjs")
#: The pinned release of the reporter (the template's `uses:` line says the same; test_templates_pinned checks it).
REPORTER = "classroom-resources/autograding-grading-reporter@d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca"


def late_result(raw_failing: dict, penalty: float) -> dict:
    """ps1's results.json: ``raw_failing`` cells failed, a derivation awaiting grading, ``penalty`` points off."""
    data = make_result("student", PS, failing=raw_failing,
                       answers={"logsumexp-derivation": (3, "my derivation", None)})
    raw = data["score"]
    data["late"] = {"status": "late", "due": "2026-01-01T00:00:00+00:00", "extension_s": 0.0,
                    "submitted": "2026-01-02T03:00:00+00:00", "time_source": "GitHub push (repository.pushed_at)",
                    "time_detail": "", "seconds_late": 97200.0, "raw_score": raw, "penalty": penalty,
                    "policy": "10% off per started day late", "source": "deadlines.toml"}
    data["score"] = raw - penalty
    return data


def post_the_score(tmp_path: Path, data: dict) -> tuple:
    """The template's "Post the score" step on ``data``: ``(its stdout, the runner result it output)``."""
    temp = tmp_path / "_temp"
    write_result(temp / "grading" / "results", data)
    runner = ci_runner.Runner(tmp_path)
    variables = ci_runner.github_runner_variables(runner, tmp_path, temp, ASSIGNMENT=PS)
    job = ci_runner.github_job(ci_runner.GITHUB_STUDENT)
    step = ci_runner.github_step(job, "autograded")
    proc = runner.run(step["run"], tmp_path, runner.env(**variables))
    assert proc.returncode == 0, proc.stderr
    output = dict(line.split("=", 1) for line in (temp / "github_output").read_text().splitlines())
    return proc.stdout, output["result"]


def reporter_step(job: dict) -> dict:
    return next(s for s in job["steps"] if s.get("uses", "").startswith("classroom-resources/"))


def run_reporter(command: list, result: str, tmp_path: Path) -> list:
    """``command`` run as the template's reporter step runs: its inputs and env as the template sets them."""
    step = reporter_step(ci_runner.github_job(ci_runner.GITHUB_STUDENT))
    assert step["env"] == {"AUTOGRADED_RESULTS": "${{ steps.autograded.outputs.result }}"}
    env = {"PATH": os.environ["PATH"], "AUTOGRADED_RESULTS": result, "INPUT_RUNNERS": step["with"]["runners"],
           "GITHUB_ACTIONS": "true"}
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0 or "Some tests failed" in proc.stdout, proc.stdout + proc.stderr
    return [line for line in proc.stdout.splitlines() if line.startswith("::notice")]


def classroom_points(notices: list) -> str:
    (line,) = [n for n in notices if n.startswith("::notice title=Autograding complete::")]
    return line.split("::", 2)[2]


CASES = {  # raw failing cells, penalty
    "late, 3.7 points off": ({"softmax-stability": ("nonfinite", "nan", ""), "logsumexp-basic": ("raised", "x", "")},
                             3.7),
    "late, 0.1 points off": ({}, 0.1),
    "late, a third of a point": ({"softmax-basic": ("raised", "x", "")}, 0.33),
    "on time": ({}, 0.0),
}


def expected_points(data: dict) -> str:
    """What GitHub Classroom must record: the autograded score after the penalty to the hundredth, written as
    JavaScript writes a number (the shortest decimal that reads back; no ``.0`` on a whole number)."""
    auto = [t for t in data["tests"] if t["kind"] != "manual"]
    score = round(sum(t["score"] for t in auto) - (data.get("late") or {}).get("penalty", 0.0), 2)
    maximum = sum(t["max_score"] for t in auto)

    def js(x: float) -> str:
        text = repr(float(x))
        return text[:-2] if text.endswith(".0") else text

    return f"Points {js(score)}/{js(maximum)}"


def result_for(case: str) -> dict:
    failing, penalty = CASES[case]
    if penalty:
        return late_result(failing, penalty)
    return make_result("student", PS, failing=failing, answers={"logsumexp-derivation": (3, "my derivation", None)})


@pytest.mark.parametrize("case", sorted(CASES))
def test_github_classroom_records_the_autograded_points_after_the_late_penalty(tmp_path, case):
    penalty = CASES[case][1]
    data = result_for(case)
    points = expected_points(data)
    assert points in ("Points 27.3/40", "Points 39.9/40", "Points 35.67/40", "Points 40/40")
    stdout, result = post_the_score(tmp_path, data)
    decoded = json.loads(base64.b64decode(result))
    assert decoded["max_score"] == 40, "the autograded maximum: the derivation's 3 points are a person's"
    cells = [t["name"] for t in data["tests"] if t["kind"] != "manual"]
    names = [t["name"] for t in decoded["tests"]]
    assert names == cells + (["late penalty (27 h late)"] if penalty else []), "a cell each, then the penalty"
    assert all(set(t) == {"name", "status", "score", "line_no"} for t in decoded["tests"]), "no message in the log"
    notices = run_reporter(["node", str(HARNESS), tooling.actions_core()], result, tmp_path)
    assert classroom_points(notices) == points
    report = json.loads(next(n for n in notices if "title=Autograding report::" in n).split("::", 2)[2])
    assert f"Points {report['totalPoints']:g}/{report['maxPoints']:g}" == points
    # the points awaiting a person, apart (never in Classroom's total)
    assert "::notice title=Awaiting grading::3 points of answers a person grades" in stdout


def test_the_contract_restated_is_the_one_the_template_pins():
    """The reporter step is the pinned release, with the runner id the "Post the score" step has, and the job
    needs no permission for it (the v1 release writes notices, it calls no API: no ``checks: write``)."""
    wf = ci_runner.load_github(ci_runner.GITHUB_STUDENT)
    job = ci_runner.github_job(ci_runner.GITHUB_STUDENT)
    step = reporter_step(job)
    assert step["uses"] == REPORTER
    ids = [s.get("id") for s in job["steps"]]
    assert step["with"]["runners"] in ids and ids.index(step["with"]["runners"]) < job["steps"].index(step)
    assert re.fullmatch(r"[a-zA-Z0-9]+", step["with"]["runners"]), "the reporter's pattern for runner ids"
    assert wf["permissions"] == {"contents": "read"} and "permissions" not in job


@pytest.mark.skipif(not os.environ.get("PROBDL_CLASSROOM_REPORTER"),
                    reason="the reporter's released dist/main.js is only on GitHub (not on npm): set "
                    "PROBDL_CLASSROOM_REPORTER to a copy of it, from the pinned commit, to run it as well")
def test_the_reporters_own_release_records_the_same_points(tmp_path):
    release = Path(os.environ["PROBDL_CLASSROOM_REPORTER"])
    for case in sorted(CASES):
        data = result_for(case)
        points = expected_points(data)
        folder = tmp_path / re.sub(r"\W+", "-", case)
        folder.mkdir()
        _, result = post_the_score(folder, data)
        assert classroom_points(run_reporter([shutil.which("node"), str(release)], result, folder)) == points, case
