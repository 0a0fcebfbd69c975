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
the buggy one loses them with its hint), and a derivation written by the student (ps4's is left as released).
ps2's is uploaded under another name (``homework.ipynb``): a lone notebook is graded as the problem set's,
exactly as the engine grades it under its own name, and the output says so.

The derivations are graded by a person in Gradescope (a manual question of the same assignment,
docs/instructors.md): the autograder's score and points are the autograded cells' only, and each answer cell
is an entry without a score that says what awaits the person grading it — the answer as handed in, "not
answered", or why there is no answer (no notebook in the upload, and what the upload holds instead) — never
0 of its points.
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

from autograder.engine.batch import grade_batch
from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, PROBLEM_SETS, autograded_max_score, function_of
from autograder.model.results import read_result
from autograder.perimeter.confinement.limits import Limits
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
#: What this course always writes on top of the specification's minimum: per autograded cell its name, points,
#: status, output (message and hint) and visibility, per answer cell its name, output and visibility (no points:
#: a person grades it in Gradescope); the total and the feedback in words; the autograder's points and the
#: manual questions.
OURS = {"type": "object", "required": ["score", "output", "tests", "extra_data"], "properties": {
    "tests": {"minItems": 1, "items": {"required": ["name", "output", "visibility"],
                                       "dependentRequired": {"score": ["max_score", "status"]}}},
    "extra_data": {"required": ["sandbox", "max_score", "manual"], "properties": {"sandbox": {"required": ["mode"]}}}}}


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


def run_autograder(bundle: Path, notebooks: dict, root: Path, files: dict | None = None, python: str | None = None,
                   command=None, **env) -> subprocess.CompletedProcess:
    """Gradescope's layout in ``root``, the bundle unzipped, ``run_autograder`` run there as the harness runs it
    (or ``command``, which runs it in its own way); the upload holds ``notebooks`` (name -> notebook) and
    ``files`` (path -> text) and nothing else; ``python``: the bundle's interpreter, made if not given."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for name, nb in notebooks.items():
        engine_helpers.write_notebook(root / "submission" / name, nb)
    for name, text in (files or {}).items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "results").mkdir()
    return subprocess.run(command or [str(root / "run_autograder")], cwd=root, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "AUTOGRADER_ROOT": str(root),
                                            "AUTOGRADER_PYTHON": python or bundle_python(root), **env})


#: The problem set whose derivation is handed in as released ("YOUR ANSWER HERE"): not answered.
UNANSWERED = "ps4_bernoulli"


def derivation(ps) -> str:
    """A student's derivation (with what would be markup elsewhere: Gradescope must show it as text)."""
    return f"My derivation for {ps}: $\\log \\sum_i e^{{x_i}} = m + \\log \\sum_i e^{{x_i - m}}$ <b>as text</b>"


def submission(ps) -> dict:
    """The release with the reference solutions but in one function, which holds a mistake of the zoo, and the
    student's own derivation in every answer cell (left as released in :data:`UNANSWERED`)."""
    specimen = buggy_specimen(ps)
    answers = {} if ps == UNANSWERED else {gid: derivation(ps) for gid, _ in ANSWER_CELLS[ps]}
    return filled_release(ps, {specimen.function: specimen.source}, answers=answers)


def scored(data) -> list:
    """The tests of a Gradescope results.json that carry points (the autograded cells)."""
    return [t for t in data["tests"] if "score" in t]


def by_a_person(data) -> list:
    """The entries of a Gradescope results.json that a person grades (the answer cells): no points."""
    return [t for t in data["tests"] if "score" not in t]


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
    # what to set up on Gradescope: the autograder's points, one manual question per derivation, the total
    engine = read_result(engine_results / "student" / ps / "results.json")
    assert f"Autograder points {engine.autograded_max_score:g} " in build.stdout, build.stdout
    assert all(f"  {gid}: {points:g} points" in build.stdout for gid, points in ANSWER_CELLS[ps]), build.stdout
    assert f"total is then {engine.max_score:g} points" in build.stdout
    bundle = tmp_path / f"{ps}.zip"
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", f"course/source/{ps}/{ps}.ipynb", f"course/autograder/checks/{ps}.py",
            f"course/solutions/{ps}.py", "course/constraints.txt"} <= set(names)
    others = [o for o in PROBLEM_SETS if o != ps]
    # (another set's checks: its module, and the parts a large one is split into, <o>_<part>.py)
    assert not any(n == f"course/source/{o}/{o}.ipynb" or n.startswith(f"course/autograder/checks/{o}")
                   for o in others for n in names)
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
    # the autograder's points are the autograded cells' (the Gradescope assignment's "Autograder points")
    assert data["score"] == engine.score and data["extra_data"]["max_score"] == engine.autograded_max_score
    assert [(t["name"], t["score"], t["max_score"], t["status"], t["output"]) for t in scored(data)] == [
        (t.name, t.score, t.max_score, t.status, t.output) for t in engine.tests if not t.manual]
    # each derivation: an entry in its place without points, awaiting a person (never 0 / 3), with the
    # student's answer as handed in for whoever grades the manual question; as released: "not answered"
    assert [t["name"] for t in data["tests"]] == [
        t.name if not t.manual else f"{t.name}: graded by a person ({t.max_score:g} points)" for t in engine.tests]
    state = "not answered" if ps == UNANSWERED else "awaiting grading"
    assert data["extra_data"]["manual"] == [{"name": gid, "points": points, "state": state}
                                            for gid, points in ANSWER_CELLS[ps]]
    for entry in by_a_person(data):
        assert {"score", "max_score", "status"}.isdisjoint(entry) and entry["output_format"] == "text"
        assert "A person grades this answer in Gradescope (the manual question" in entry["output"]
        if ps == UNANSWERED:
            assert entry["output"].startswith("Not answered: the cell still reads \"YOUR ANSWER HERE\""), entry
        else:
            assert entry["output"].startswith("Awaiting grading.") and derivation(ps) in entry["output"], entry
    assert data["output"].startswith(f"{ps} — student: {engine.score:g} / {engine.autograded_max_score:g} "
                                     "autograder points."), data["output"]
    assert all(f"{gid} ({points:g} points)" in data["output"].splitlines()[0] for gid, points in ANSWER_CELLS[ps])
    mode = data["extra_data"]["sandbox"]["mode"]
    assert f"Sandbox: mode {mode}" in proc.stdout, "the instructor's output says which isolation ran"
    if weak:
        assert mode == "weak" and "WARNING" in proc.stdout
    # the correct functions keep every point (the derivation awaits a grader: not in the tests), the buggy one
    # loses some with its hint
    mine = [t for t in scored(data) if function_of(t["name"]) == specimen.function]
    others = [t for t in scored(data) if function_of(t["name"]) != specimen.function]
    assert others and all(t["score"] == t["max_score"] and t["status"] == "passed" for t in others), others
    assert sum(t["score"] for t in mine) < sum(t["max_score"] for t in mine), mine
    assert any(specimen.hint in t["output"] for t in mine), specimen.name
    assert data["score"] < engine.autograded_max_score == engine.max_score - sum(p for _, p in ANSWER_CELLS[ps])
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
    # (setup.sh installs the course with its tested versions: tests/test_install_constraints.py)


def test_the_bundle_is_the_same_bytes_for_the_same_course(tmp_path):
    for out in ("a", "b"):
        subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps3_gaussian", "--out",
                        str(tmp_path / out)], check=True, capture_output=True, timeout=120)
    assert (tmp_path / "a" / "ps3_gaussian.zip").read_bytes() == (tmp_path / "b" / "ps3_gaussian.zip").read_bytes()


#: Uploads with no notebook to grade, and what the output must say about each: what the upload holds.
NOTHING_TO_GRADE = {
    "empty": ({}, {}, "no notebook was found: the upload is empty; upload ps1_softmax.ipynb itself"),
    "other files": ({}, {"ps1_softmax.pdf": "%PDF-1.4", "work/ps1_softmax.ipynb.txt": "{}",
                         ".ipynb_checkpoints/ps1_softmax-checkpoint.ipynb": "{}"},
                    "no notebook (a .ipynb file) was found in the upload, which holds ps1_softmax.pdf, "
                    "work/ps1_softmax.ipynb.txt, .ipynb_checkpoints/; work/ps1_softmax.ipynb.txt looks like a "
                    "notebook saved under another name: rename it to ps1_softmax.ipynb; upload ps1_softmax.ipynb "
                    "itself (in Jupyter: File → Download)"),
    "two": ("two misnamed", {}, "2 notebooks were found (draft.ipynb, final.ipynb)"),
}


@pytest.mark.slow
def test_an_upload_with_no_notebook_to_grade_gets_a_score_and_what_it_holds(tmp_path):
    """Nothing to grade is an answer too: score 0 and why, naming what the upload holds — an empty upload is
    called empty, one with only other files lists them (a notebook saved as .ipynb.txt is pointed out) — and
    the derivation is no 0 / 3 but an entry without points: no answer to grade, and why. (A lone notebook under
    another name is graded: ps2's upload in :func:`test_the_bundle_grades_like_the_engine_in_gradescopes_format`.)
    Nothing of such an upload runs, so no sandbox is started: the instructor's output names no isolation
    (:func:`test_a_batch_with_no_notebook_to_run_starts_no_sandbox` shows that no zygote is spawned)."""
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps1_softmax", "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    good = filled_release("ps1_softmax")
    (derivation_id, points), = ANSWER_CELLS["ps1_softmax"]
    for name, (notebooks, files, said) in NOTHING_TO_GRADE.items():
        if notebooks:
            notebooks = {"draft.ipynb": good, "final.ipynb": good}
        root = tmp_path / name.replace(" ", "-")
        proc = run_autograder(tmp_path / "ps1_softmax.zip", notebooks, root, files=files)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        data = json.loads((root / "results" / "results.json").read_text())
        assert jsonschema.Draft202012Validator(GRADESCOPE_RESULTS).is_valid(data)
        assert data["score"] == 0 and data["extra_data"]["max_score"] == autograded_max_score("ps1_softmax")
        assert said in data["output"], (name, data["output"])
        assert all(t["score"] == 0 and said in t["output"] for t in scored(data)), name
        assert ("empty" in data["output"]) == (name == "empty"), (name, data["output"])
        (entry,) = by_a_person(data)
        assert entry["name"] == f"{derivation_id}: graded by a person ({points:g} points)"
        assert entry["output"].startswith("No answer to grade.") and said in entry["output"], entry
        assert data["extra_data"]["manual"] == [{"name": derivation_id, "points": points, "state": "no answer"}]
        assert "Graded 1 notebook(s)" in proc.stdout and "Sandbox:" not in proc.stdout, proc.stdout
        if not notebooks:
            assert f"Nothing graded: {said}" in proc.stdout, proc.stdout


def test_what_an_upload_without_a_notebook_holds_is_said(tmp_path):
    """:func:`describe_upload` on the uploads it must describe: no folder at all, links (never followed), many
    files (five named, the rest counted), only hidden entries, every notebook left out (too large)."""
    import os

    from autograder.model.gradescope_upload import describe_upload

    upload = tmp_path / "submission"
    assert describe_upload(upload, "ps3_gaussian", []).startswith("no notebook was found: the upload is empty")
    upload.mkdir()
    (upload / ".DS_Store").write_text("")
    assert describe_upload(upload, "ps3_gaussian", []).startswith(
        "no notebook (a .ipynb file) was found in the upload, which holds .DS_Store (hidden files and folders, "
        "such as .ipynb_checkpoints/ where Jupyter keeps automatic copies, are not graded)")
    for i in range(7):
        (upload / f"page{i}.png").write_text("")
    said = describe_upload(upload, "ps3_gaussian", [])
    assert "which holds page0.png, page1.png, page2.png, page3.png, page4.png and 3 more;" in said, said
    os.symlink("/etc", upload / "etc.ipynb")
    said = describe_upload(upload, "ps3_gaussian", [])
    assert said.startswith("no notebook was found in the upload: etc.ipynb is a symbolic link"), said
    assert describe_upload(upload, "ps3_gaussian", ["big.ipynb (300 MB: over the 256 MB limit)"]) == (
        "no notebook in the upload could be graded: big.ipynb (300 MB: over the 256 MB limit)")
    (upload / "etc.ipynb").unlink()
    (upload / "bad\x1b[31mname.txt").write_text("")
    assert "bad\\x1b[31mname.txt" in describe_upload(upload, "ps3_gaussian", []), "names are shown escaped"


def test_a_batch_with_no_notebook_to_run_starts_no_sandbox(tmp_path):
    """The engine starts its sandbox (a zygote: seconds of imports) only when a notebook will run in it: an
    empty upload and two notebooks under other names get their score 0 and reason without one
    (``summary.sandbox`` stays empty, as for a batch that ran nothing)."""
    from unittest import mock

    from autograder.perimeter.supervision import zygote_parent

    good = filled_release("ps1_softmax")
    (tmp_path / "submitted" / "empty" / "ps1_softmax").mkdir(parents=True)
    for name in ("draft.ipynb", "final.ipynb"):
        engine_helpers.write_notebook(tmp_path / "submitted" / "two" / "ps1_softmax" / name, good)
    with mock.patch.object(zygote_parent.Zygote, "launch", side_effect=AssertionError("a zygote was started")):
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

    from autograder.perimeter.supervision import zygote_parent

    sleeper = tmp_path / "warming-zygote"
    sleeper.write_text("#!/bin/sh\nexec sleep 600\n")
    sleeper.chmod(0o755)
    started, real_launch = [], zygote_parent.Zygote.launch

    def launch(self):
        self.python = str(sleeper)
        started.append(self)
        return real_launch(self)

    engine_helpers.write_notebook(tmp_path / "submitted" / "amy" / "ps1_softmax" / "ps1_softmax.ipynb",
                                  filled_release("ps1_softmax"))
    (tmp_path / "course").mkdir()
    with mock.patch.object(zygote_parent.Zygote, "launch", launch), \
            mock.patch.object(zygote_parent.Zygote, "ready", side_effect=AssertionError("the zygote was waited for")):
        procs, waits = [], []
        real_close = zygote_parent.Zygote.close

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

        with mock.patch.object(zygote_parent.Zygote, "close", close):
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
@pytest.mark.skipif(not engine_helpers.ROOT_OWN_MODE, reason="Gradescope runs the grader as root, with no sandbox "
                    "mode forced: run as root without AUTOGRADER_SANDBOX_MODE")
def test_where_root_may_make_no_namespaces_the_bundle_grades_in_the_uid_mode_at_once(tmp_path):
    """Gradescope's container lets root make no namespaces (here: testkit.container_like, as Docker's default
    profile): run_autograder grades in the ``uid`` mode at once, says so in one calm line, and a cell that finds
    the bundle's course on the filesystem and imports the reference earns nothing for it and is flagged."""
    from testkit import container_like
    from testkit.attacks import ATTACKS

    build = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build", "ps1_softmax", "--out",
                            str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    attack = next(a for a in ATTACKS if a.name == "reference-on-sys-path")
    for name, nb, score in (("honest", filled_release("ps1_softmax"), 40),
                            ("attack", engine_helpers.submission("ps1_softmax", attack.code), 0)):
        root = tmp_path / name
        root.mkdir()
        python = bundle_python(root)
        # (/tmp a tmpfs of its own, as a container's disk: the uid mode's disk watch meets no other writer of the host)
        run = [sys.executable, str(container_like.__file__), "--tmp-mb", "512", "--expose", str(root),
               str(root / "run_autograder")]
        proc = run_autograder(tmp_path / "ps1_softmax.zip", {"ps1_softmax.ipynb": nb}, root, python=python,
                              command=run, AUTOGRADER_SANDBOX_MODE="")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        data = json.loads((root / "results" / "results.json").read_text())
        assert data["score"] == score, [(t["name"], t["score"]) for t in scored(data) if t["score"]]
        sandbox = data["extra_data"]["sandbox"]
        assert sandbox["mode"] == "uid" and sandbox["files"] == "landlock" and sandbox["network"] == "seccomp"
        line = "Sandbox: mode uid (root without namespaces); unprivileged uid per slot; no network (seccomp filter)"
        assert sandbox["line"].startswith(line) and line in proc.stdout, proc.stdout
        assert "Could not grade" not in proc.stdout and "Traceback" not in proc.stdout + proc.stderr, proc.stdout
        assert "WARNING" not in proc.stdout
        if name == "attack":
            assert any("reference solutions" in f["reason"] for f in data["extra_data"]["flags"]), data["extra_data"]


def test_answer_cells_are_entries_without_points_in_every_state():
    """:func:`gradescope_results` on results made by the model, one per state of an answer cell: awaiting (the
    answer copied, cut at :data:`MAX_ANSWER_CHARS` with the rest counted), not answered, graded (a hand grade
    brought in elsewhere: its points are still not the autograder's), no notebook read at all (the
    unreadable result names every cell alike; the problem set's source says which one a person grades), and
    not read (the grader failed on the notebook). The score and ``extra_data.max_score`` are the autograded
    cells' in each."""
    from autograder.model.results import SubmissionResult
    from autograder.reports.gradescope import MAX_ANSWER_CHARS, gradescope_results
    from tests.reports_fixtures import make_result

    (gid, points), = ANSWER_CELLS["ps1_softmax"]
    auto = autograded_max_score("ps1_softmax")
    long_answer = "x" * (MAX_ANSWER_CHARS + 1234)
    cases = {
        "awaiting grading": make_result("ada", "ps1_softmax", answers={gid: (points, long_answer, None)}),
        "not answered": make_result("ada", "ps1_softmax", answers={gid: (points, "YOUR ANSWER HERE", None)}),
        "graded": make_result("ada", "ps1_softmax", answers={gid: (points, "my answer", 2.0)}),
    }
    for state, data in cases.items():
        out = gradescope_results(SubmissionResult.from_json(data))
        assert out["score"] == auto and out["extra_data"]["max_score"] == auto, state
        (entry,) = [t for t in out["tests"] if "score" not in t]
        assert entry["name"] == f"{gid}: graded by a person ({points:g} points)"
        assert out["extra_data"]["manual"] == [{"name": gid, "points": points, "state": state}]
        if state == "awaiting grading":
            assert ("x" * MAX_ANSWER_CHARS + "\n… (1,234 more characters: the whole answer is in the uploaded "
                    "notebook)") in entry["output"] and "x" * (MAX_ANSWER_CHARS + 1) not in entry["output"]
            assert out["extra_data"]["pending_points"] == points
    unreadable = SubmissionResult.not_graded(
        "ada", "ps1_softmax", [(gid, points)] + [(g, p) for g, p in GRADE_CELLS["ps1_softmax"]],
        auto + points, "the notebook is not valid JSON")
    out = gradescope_results(unreadable)
    (entry,) = [t for t in out["tests"] if "score" not in t]
    assert entry["output"].startswith("No answer to grade. The notebook could not be graded: the notebook is not "
                                      "valid JSON."), entry["output"]
    assert [t["name"] for t in out["tests"] if "score" in t] == [g for g, _ in GRADE_CELLS["ps1_softmax"]]
    assert out["score"] == 0 and out["extra_data"]["max_score"] == auto and unreadable.max_score == auto + points
    # the grader itself failed on the notebook: the answer was there, the person grading reads it in the upload
    failed = SubmissionResult.not_graded("ada", "ps1_softmax", [(gid, points)], auto + points, "the grader failed while "
                                         "grading this notebook (GraderError)", "GraderError: the zygote was lost")
    out = gradescope_results(failed)
    assert out["extra_data"]["manual"] == [{"name": gid, "points": points, "state": "not read"}]
    assert out["tests"][0]["output"].startswith("Not read by the autograder: it failed on this notebook (your "
                                                "instructor sees why); the answer is in the uploaded notebook.")


@pytest.mark.parametrize("name", ["Ali\u200cReza Karimi", "ada~lovelace", ".ada", "grades.csv", "O\\Brien"])
def test_a_submitter_whose_name_is_no_plain_folder_name_is_graded(tmp_path, name):
    """Gradescope's submitter name (which students set in their own account) names the submission's folder;
    a name that is not a plain folder name (a zero-width non-joiner, common in Persian names; a ``~``; a leading
    dot; a file the batch writes; a backslash) is stored under a hashed folder, and the result must be
    read from the folder the engine wrote, not from one of the name's own (before: 0 points, "the engine wrote
    no result", for a correct notebook)."""
    from autograder.commands.gradescope import grade_on_gradescope

    (tmp_path / "submission").mkdir()
    (tmp_path / "results").mkdir()
    engine_helpers.write_notebook(tmp_path / "submission" / "ps1_softmax.ipynb", filled_release("ps1_softmax"))
    (tmp_path / "submission_metadata.json").write_text(json.dumps(
        {"created_at": "2026-01-01T00:00:00Z", "users": [{"name": name, "email": "s@example.org"}]}))
    assert grade_on_gradescope("ps1_softmax", tmp_path, 10.0, "visible") == 0
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == autograded_max_score("ps1_softmax"), data["output"][:500]
