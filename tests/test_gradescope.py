"""The Gradescope autograder of every problem set, run as Gradescope runs it, against Gradescope's format.

For each problem set: ``python -m autograder gradescope build PS`` writes the zip; the test lays out
Gradescope's folders in a temporary directory (``source/`` = the unzipped bundle, ``run_autograder`` copied
beside it, ``submission/`` = the student's upload, ``results/``) and runs ``run_autograder`` there, as the
harness does (``AUTOGRADER_ROOT`` points it at the temporary folder instead of ``/autograder``; the
interpreter is this checkout's, the course package the bundle's own copy). The ``results.json`` it writes
must validate against :data:`GRADESCOPE_RESULTS` — the output format of Gradescope's autograder
specification written as a JSON Schema — and give, cell by cell, the scores and texts of the engine's own
results.json for the same notebook (graded here by ``grade_batch``, the path ``autograde`` takes).
Submission: per problem set, the release notebook with the reference solutions in every function but one,
which holds a wrong specimen of the bug zoo (one harness run each: the correct functions keep their points,
the buggy one loses them with its hint). ps2's is uploaded under another name (``homework.ipynb``): a lone
notebook is graded as the problem set's, exactly as the engine grades it under its own name, and the
output says so.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.engine import grade_batch
from autograder.model.course import PROBLEM_SETS, function_of
from autograder.model.results import read_result
from autograder.sandbox.confine import Limits
from testkit.fill import filled_release
from testkit.zoo import zoo
from tests import engine_helpers

#: Gradescope's "Output format" (autograder specification, results.json), as a JSON Schema. Every key the
#: specification names, with its type; ``additionalProperties: false`` so a misspelt key is an error (the
#: harness would silently ignore it).
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
GRADESCOPE_RESULTS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": _FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": _FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": _VISIBILITY,
                "extra_data": {"type": "object"},
            },
            "additionalProperties": False,
        }},
        "leaderboard": {"type": "array", "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}},
            "required": ["name", "value"], "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
    # "score: optional, but required if not on each test case"
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}
#: What this course always writes on top of the specification's minimum: per graded cell its name, points,
#: status, output (message and hint) and visibility; the total and the feedback in words.
OURS = {"type": "object", "required": ["score", "output", "tests", "extra_data"], "properties": {
    "tests": {"minItems": 1, "items": {"required": ["name", "score", "max_score", "status", "output", "visibility"]}},
    "extra_data": {"required": ["sandbox"], "properties": {"sandbox": {"required": ["mode"]}}}}}


def test_the_schema_is_a_schema_and_rejects_what_gradescope_would_not_read():
    jsonschema.Draft202012Validator.check_schema(GRADESCOPE_RESULTS)
    v = jsonschema.Draft202012Validator(GRADESCOPE_RESULTS)
    assert v.is_valid({"score": 1.0}) and v.is_valid({"tests": [{"score": 1, "max_score": 1}]})
    for bad in ({}, {"tests": [{"max_score": 1}]}, {"score": "1"}, {"score": 1, "visibility": "students"},
                {"score": 1, "tests": [{"score": 1, "status": "ok"}]}, {"score": 1, "test": []}):
        assert not v.is_valid(bad), bad


def buggy_specimen(ps):
    """The first wrong implementation of the problem set's zoo (one with a hint: a real mistake, not a stub)."""
    return next(s for s in zoo(ps) if s.hint)


def bundle_python(root: Path) -> str:
    """An interpreter on which the bundle's ``course/`` is installed, as setup.sh installs it: a virtual
    environment whose path holds the bundle's course first, then this checkout's libraries (numpy, scipy,
    nbformat … — not this checkout's own editable install, whose import hook would take precedence)."""
    import site
    import sysconfig

    env = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    target = Path(sysconfig.get_path("purelib", vars={"base": str(env), "platbase": str(env)}))
    libraries = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (target / "bundle.pth").write_text("\n".join([str(root / "source" / "course"), *libraries]) + "\n")
    return str(env / "bin" / "python")


def run_autograder(bundle: Path, notebooks: dict, root: Path, **env) -> subprocess.CompletedProcess:
    """Gradescope's layout in ``root``, the bundle unzipped, ``run_autograder`` run there as the harness runs it."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    for name, nb in notebooks.items():
        engine_helpers.write_notebook(root / "submission" / name, nb)
    (root / "results").mkdir()
    return subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": bundle_python(root),
                               **env})


def submission(ps) -> dict:
    """The release with the reference solutions but in one function, which holds a mistake of the zoo."""
    specimen = buggy_specimen(ps)
    return filled_release(ps, {specimen.function: specimen.source})


@pytest.fixture(scope="module")
def engine_results(tmp_path_factory):
    """The engine's own results.json for every submission of the test (the path ``autograde`` takes), one batch."""
    root = tmp_path_factory.mktemp("engine")
    for ps in PROBLEM_SETS:
        engine_helpers.write_notebook(root / "submitted" / "student" / ps / f"{ps}.ipynb", submission(ps))
    grade_batch(root / "submitted", root / "results", workers=2, limits=Limits(timeout_s=10))
    return root / "results"


#: The problem set whose notebook is uploaded under another name (a lone notebook is graded as the problem set's).
LONE = "ps2_cross_entropy"


@pytest.mark.slow
@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_bundle_grades_like_the_engine_in_gradescopes_format(tmp_path, ps, engine_results):
    build = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", ps, "--out", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    bundle = tmp_path / f"{ps}.zip"
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", f"course/source/{ps}/{ps}.ipynb", f"course/autograder/checks/{ps}.py",
            f"course/solutions/{ps}.py"} <= set(names)
    others = [o for o in PROBLEM_SETS if o != ps]
    assert not any(n in names for o in others for n in (f"course/autograder/checks/{o}.py", f"course/source/{o}/{o}.ipynb"))
    specimen = buggy_specimen(ps)
    # one run in the weak mode, as in a container that forbids namespaces: the engine says so
    weak = {"AUTOGRADER_SANDBOX_MODE": "weak"} if ps == "ps1_softmax" else {}
    # one upload under another name than <ps>.ipynb: the only notebook, so it is graded, and the output says so
    name = "homework.ipynb" if ps == LONE else f"{ps}.ipynb"
    root = tmp_path / "gradescope"
    proc = run_autograder(bundle, {name: submission(ps)}, root, **weak)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in jsonschema.Draft202012Validator(
        GRADESCOPE_RESULTS).iter_errors(data)]
    assert errors == [], errors
    jsonschema.validate(data, OURS)
    engine = read_result(engine_results / "student" / ps / "results.json")
    assert data["score"] == engine.score and data["extra_data"]["max_score"] == engine.max_score
    assert [(t["name"], t["score"], t["max_score"], t["status"], t["output"]) for t in data["tests"]] == [
        (t.name, t.score, t.max_score, t.status, t.output) for t in engine.tests if not t.pending]
    mode = data["extra_data"]["sandbox"]["mode"]
    assert f"Sandbox: mode {mode}" in proc.stdout, "the instructor's output says which isolation ran"
    if weak:
        assert mode == "weak" and "WARNING" in proc.stdout
    # the correct functions keep every point (the derivation awaits a grader: not in the tests), the buggy one
    # loses some with its hint
    mine = [t for t in data["tests"] if function_of(t["name"]) == specimen.function]
    others = [t for t in data["tests"] if function_of(t["name"]) != specimen.function]
    assert others and all(t["score"] == t["max_score"] and t["status"] == "passed" for t in others), others
    assert sum(t["score"] for t in mine) < sum(t["max_score"] for t in mine), mine
    assert any(specimen.hint in t["output"] for t in mine), specimen.name
    assert data["score"] < engine.autograded_max_score == engine.max_score - engine.pending_points
    assert (f"homework.ipynb was graded as the {ps} submission" in data["output"]) == (ps == LONE), data["output"]


def test_run_autograder_uses_the_bundles_own_course(tmp_path):
    """The interpreter run_autograder uses grades with the bundle's copy of the course (its checks, references
    and source notebook), and the bundle holds everything that needs (the problem set loads from it alone)."""
    build = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps6_information", "--out",
                            str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    with zipfile.ZipFile(tmp_path / "ps6_information.zip") as zf:
        zf.extractall(tmp_path / "source")
    python = bundle_python(tmp_path)
    probe = subprocess.run([python, "-c", "import autograder.model.course as c; print(c.ROOT)"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == str(tmp_path / "source" / "course"), probe.stderr
    check = subprocess.run([python, "-m", "autograder", "gradescope", "check", "ps6_information"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)  # what setup.sh ends with
    assert check.returncode == 0 and "ps6_information: " in check.stdout and "ready" in check.stdout, check.stderr
    assert subprocess.run(["bash", "-n", str(tmp_path / "source" / "setup.sh")]).returncode == 0
    assert "pip install --quiet -e /autograder/source/course" in (tmp_path / "source" / "setup.sh").read_text()


def test_the_bundle_is_the_same_bytes_for_the_same_course(tmp_path):
    for out in ("a", "b"):
        subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps3_gaussian", "--out",
                        str(tmp_path / out)], check=True, capture_output=True, timeout=120)
    assert (tmp_path / "a" / "ps3_gaussian.zip").read_bytes() == (tmp_path / "b" / "ps3_gaussian.zip").read_bytes()


@pytest.mark.slow
def test_an_empty_upload_and_two_misnamed_notebooks_get_a_score_and_a_reason(tmp_path):
    """Nothing to grade is an answer too: score 0 and why. (A lone notebook under another name is graded:
    ps2's upload in :func:`test_the_bundle_grades_like_the_engine_in_gradescopes_format`.) Nothing of such an
    upload runs, so no sandbox is started: the instructor's output names no isolation
    (:func:`test_a_batch_with_no_notebook_to_run_starts_no_sandbox` shows that no zygote is spawned)."""
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps1_softmax", "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    good = filled_release("ps1_softmax")
    for name, notebooks, said in (
            ("empty", {}, "no notebook was found in the submission folder"),
            ("two", {"draft.ipynb": good, "final.ipynb": good}, "2 notebooks were found (draft.ipynb, final.ipynb)")):
        root = tmp_path / name
        proc = run_autograder(tmp_path / "ps1_softmax.zip", notebooks, root)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        data = json.loads((root / "results" / "results.json").read_text())
        assert jsonschema.Draft202012Validator(GRADESCOPE_RESULTS).is_valid(data)
        assert said in data["output"] + "".join(t["output"] for t in data["tests"]), (name, data["output"])
        assert data["score"] == 0
        assert "Graded 1 notebook(s)" in proc.stdout and "Sandbox:" not in proc.stdout, proc.stdout


def test_a_batch_with_no_notebook_to_run_starts_no_sandbox(tmp_path):
    """The engine starts its sandbox (a zygote: seconds of imports) only when a notebook will run in it: an
    empty upload and two notebooks under other names get their score 0 and reason without one
    (``summary.sandbox`` stays empty, as for a batch that ran nothing)."""
    from unittest import mock

    from autograder.engine import pool

    good = filled_release("ps1_softmax")
    (tmp_path / "submitted" / "empty" / "ps1_softmax").mkdir(parents=True)
    for name in ("draft.ipynb", "final.ipynb"):
        engine_helpers.write_notebook(tmp_path / "submitted" / "two" / "ps1_softmax" / name, good)
    with mock.patch.object(pool.Zygote, "launch", side_effect=AssertionError("a zygote was started")):
        summary = grade_batch(tmp_path / "submitted", tmp_path / "results", workers=2, limits=Limits(timeout_s=10))
    assert summary.ok and summary.graded == 2 and summary.sandbox == {} and summary.grading_errors == []
    for student, said in (("empty", "no notebook was found in the submission folder"),
                          ("two", "2 notebooks were found (draft.ipynb, final.ipynb)")):
        result = read_result(tmp_path / "results" / student / "ps1_softmax" / "results.json")
        assert result.score == 0 and said in result.notes[0], (student, result.notes)
        assert all(t.status in ("failed", "pending") and said in t.message for t in result.tests), student


def test_a_batch_whose_problem_set_does_not_load_does_not_wait_for_its_sandbox(tmp_path):
    """The zygote starts warming up while the checks load; when no problem set loads (here: the course has no
    source notebook), nothing will run in it, and it is killed at once instead of being waited for (the
    submission fails with the reason, as before). A stand-in that never answers ``init`` plays the warming
    zygote, so that the test does not depend on which of the two finishes first."""
    import signal
    from unittest import mock

    from autograder.engine import pool

    sleeper = tmp_path / "warming-zygote"
    sleeper.write_text("#!/bin/sh\nexec sleep 600\n")
    sleeper.chmod(0o755)
    started, real_launch = [], pool.Zygote.launch

    def launch(self):
        self.python = str(sleeper)
        started.append(self)
        return real_launch(self)

    engine_helpers.write_notebook(tmp_path / "submitted" / "amy" / "ps1_softmax" / "ps1_softmax.ipynb",
                                  filled_release("ps1_softmax"))
    (tmp_path / "course").mkdir()
    with mock.patch.object(pool.Zygote, "launch", launch), \
            mock.patch.object(pool.Zygote, "ready", side_effect=AssertionError("the zygote was waited for")):
        procs, waits = [], []
        real_close = pool.Zygote.close

        def close(self):  # the zygote's process, and whether closing it had to wait for it to end by itself
            if self.proc is not None:
                procs.append(self.proc)
                real_wait = self.proc.wait

                def wait(timeout=None):
                    try:
                        return real_wait(timeout)
                    except subprocess.TimeoutExpired:
                        waits.append(timeout)
                        raise

                self.proc.wait = wait
            return real_close(self)

        with mock.patch.object(pool.Zygote, "close", close):
            summary = grade_batch(tmp_path / "submitted", tmp_path / "results", workers=1,
                                  course_dir=tmp_path / "course", limits=Limits(timeout_s=10))
    assert len(started) == 1 and procs[0].returncode == -signal.SIGKILL and waits == [], waits
    assert [f["student"] for f in summary.failed] == ["amy"] and "ps1_softmax" in summary.failed[0]["error"]
    assert summary.sandbox == {} and not (tmp_path / "results" / "amy").exists()


def test_unknown_problem_set_is_refused_with_the_known_ones(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps1_sofmax"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "did you mean ps1_softmax?" in proc.stderr
    assert not (tmp_path / "gradescope").exists()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the fallback is for root (as on Gradescope)")
def test_where_roots_sandbox_cannot_start_the_submission_is_graded_without_it(tmp_path, monkeypatch, capsys):
    """A container that lets root make no namespaces: the first batch cannot start its sandbox (simulated
    here), the submission is graded again with the ordinary user's sandbox, and the output says so."""
    import autograder.engine.batch as batch
    from autograder.commands.gradescope import grade_on_gradescope

    real, calls = batch.grade_batch, []

    def container(submitted, out, **kw):
        calls.append(os.environ.get("AUTOGRADER_SANDBOX_MODE", ""))
        if len(calls) == 1:  # what a refused unshare(CLONE_NEWNS) gives: no results, the sandbox's failure
            summary = batch.BatchSummary(submitted_dir=str(submitted), results_dir=str(out))
            summary.failed.append({"student": "student", "assignment": "ps1_softmax",
                                   "error": "the sandbox could not start: unshare: Operation not permitted"})
            return summary
        return real(submitted, out, **kw)

    monkeypatch.setattr(batch, "grade_batch", container)
    monkeypatch.setenv("AUTOGRADER_SANDBOX_MODE", "")  # not chosen by hand (restored after the test)
    engine_helpers.write_notebook(tmp_path / "submission" / "ps1_softmax.ipynb", filled_release("ps1_softmax"))
    assert grade_on_gradescope("ps1_softmax", tmp_path, 10.0, "visible") == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert calls == ["", "userns"] and data["score"] == 40
    assert data["extra_data"]["sandbox"]["mode"] in ("userns", "weak")
    out = capsys.readouterr().out
    assert "the sandbox could not start" in out and "grading with the unprivileged one instead" in out
    assert f"Sandbox: mode {data['extra_data']['sandbox']['mode']}" in out
