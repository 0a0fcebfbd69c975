"""A sandbox mode the instructor can require (``autograde --sandbox MODE``, ``gradescope run --sandbox``, the student
templates): nothing is graded in a weaker mode, and the error says why that mode is not available here and what
to do; ``AUTOGRADER_SANDBOX_MODE`` is checked the same way, once, before anything is graded (before, a bad value gave
a traceback per submission)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from autograder.engine import required_mode
from autograder.model.course import ROOT
from autograder.release.gradescope_bundle import build

ADA = ROOT / "examples" / "submissions" / "ada" / "ps1_softmax" / "ps1_softmax.ipynb"


def _class(tmp_path):
    notebook = tmp_path / "submitted" / "ada" / "ps1_softmax" / "ps1_softmax.ipynb"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    notebook.write_bytes(ADA.read_bytes())
    return tmp_path / "submitted"


def _autograde(tmp_path, *extra, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_SANDBOX_MODE",
                                                                     "AUTOGRADER_UNPRIVILEGED_SANDBOX")}
    return subprocess.run([sys.executable, "-m", "autograder", "autograde", str(_class(tmp_path)), "--out",
                           str(tmp_path / "results"), *extra], capture_output=True, text=True, timeout=600,
                          env={**environment, **env})


def test_autograde_offers_sandbox():
    out = subprocess.run([sys.executable, "-m", "autograder", "autograde", "--help"], capture_output=True, text=True,
                         timeout=120).stdout
    assert "--sandbox MODE" in out and "root > uid > userns > weak" in " ".join(out.split())


@pytest.mark.parametrize("value", ["bogus", "ROOTS", "namespaces"])
def test_a_bad_sandbox_variable_stops_before_grading_in_one_line(tmp_path, value):
    proc = _autograde(tmp_path, "--json", AUTOGRADER_SANDBOX_MODE=value)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert f"AUTOGRADER_SANDBOX_MODE must be one of root, uid, userns, weak, not {value.lower()!r}" in proc.stderr
    assert json.loads(proc.stdout)["error"].startswith("AUTOGRADER_SANDBOX_MODE must be")
    assert not (tmp_path / "results" / "ada").exists()


def test_a_forced_mode_weaker_than_required_is_refused_before_grading(tmp_path):
    proc = _autograde(tmp_path, "--sandbox", "userns", AUTOGRADER_SANDBOX_MODE="weak")
    assert proc.returncode == 2
    assert "AUTOGRADER_SANDBOX_MODE=weak forces a weaker mode than --sandbox userns requires: unset it" in proc.stderr
    assert not (tmp_path / "results").exists()


def test_root_modes_need_root(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_SANDBOX_MODE", raising=False)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    why = required_mode.check_request("uid")
    assert "--sandbox uid needs the grader to run as root" in why and "run it with sudo" in why
    assert required_mode.check_request("userns") == "" and required_mode.check_request(None) == ""
    assert "--sandbox must be one of" in required_mode.check_request("strong")


@pytest.mark.parametrize("required, sandbox, words", [
    ("root", {"mode": "uid", "landlock": 4, "no_namespaces": "namespaces: Operation not permitted"},
     ["weaker than --sandbox root", "needs namespaces", "Operation not permitted", "require --sandbox uid"]),
    ("userns", {"mode": "uid", "landlock": 0}, ["uid mode here has no Landlock", "kernel before 5.13"]),
    ("userns", {"mode": "weak", "warnings": ["unprivileged user namespaces are not available (EPERM)"]},
     ["the sandbox here is the weak mode", "(EPERM)", "apparmor_restrict_unprivileged_userns=0"]),
])
def test_the_refusal_says_why_and_what_to_do(monkeypatch, required, sandbox, words):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.delenv("AUTOGRADER_UNPRIVILEGED_SANDBOX", raising=False)
    why = required_mode.refusal(required, sandbox)
    for word in words:
        assert word in why, why
    assert 'docs/instructors.md, "Sandbox modes"' in why


def test_a_strong_enough_mode_grades(monkeypatch):
    assert required_mode.refusal("userns", {"mode": "root"}) == ""
    assert required_mode.refusal("uid", {"mode": "uid", "landlock": 3}) == ""
    assert required_mode.refusal(None, {"mode": "weak"}) == ""


@pytest.mark.slow
def test_a_weaker_sandbox_than_required_grades_nothing(tmp_path):
    """As root, with the ordinary user's mode asked for (AUTOGRADER_UNPRIVILEGED_SANDBOX=1): the zygote makes the
    userns mode, and --sandbox uid refuses it: exit status 1, no results.json, the reason; then --sandbox userns
    grades the same class."""
    if os.geteuid() != 0:
        pytest.skip("the uid mode needs root (the suite runs as root in CI: .ci/run)")
    proc = _autograde(tmp_path, "--sandbox", "uid", AUTOGRADER_UNPRIVILEGED_SANDBOX="1")
    if "the sandbox here is the weak mode" in proc.stderr:
        pytest.skip("this kernel gives an ordinary user no namespaces: the userns mode cannot be made here")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("error: the sandbox here is the userns mode, weaker than --sandbox uid requires, so nothing was graded: "
            "AUTOGRADER_UNPRIVILEGED_SANDBOX=1 asks for an ordinary user's mode") in proc.stderr
    assert not (tmp_path / "results" / "ada").exists()
    summary = json.loads((tmp_path / "results" / "summary.json").read_text())
    assert "weaker than --sandbox uid" in json.dumps(summary)
    proc = _autograde(tmp_path, "--sandbox", "userns", "--no-reports", AUTOGRADER_UNPRIVILEGED_SANDBOX="1")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "results" / "ada" / "ps1_softmax" / "results.json").read_text())
    assert data["execution"]["sandbox"]["mode"] == "userns" and data["score"] == 40


def test_demo_and_gradescope_run_refuse_the_same_way(tmp_path):
    """Every command that grades takes --sandbox: ``demo`` stops before making its course; Gradescope's ``run``
    still writes Gradescope's results.json (0 points and why), as it does whatever happens."""
    env = {**os.environ, "AUTOGRADER_SANDBOX_MODE": "weak"}
    demo = subprocess.run([sys.executable, "-m", "autograder", "demo", "--dir", str(tmp_path / "demo"), "--sandbox",
                           "userns"], capture_output=True, text=True, timeout=300, env=env)
    assert demo.returncode == 2 and "forces a weaker mode than --sandbox userns requires" in demo.stderr
    assert not (tmp_path / "demo").exists()
    root = tmp_path / "gradescope"
    (root / "submission").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "submission" / "ps1_softmax.ipynb").write_bytes(ADA.read_bytes())
    run = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "run", "ps1_softmax", "--root", str(root),
                          "--sandbox", "userns"], capture_output=True, text=True, timeout=300, env=env)
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "forces a weaker mode than --sandbox userns requires" in data["output"], run.stdout


def test_a_gradescope_bundle_can_require_a_mode(tmp_path):
    """``gradescope build --sandbox MODE`` writes the requirement into the bundle's run_autograder, which passes it
    to ``gradescope run`` for every submission; without it the bundle is as before (no option: any mode)."""
    required = zipfile.ZipFile(build("ps1_softmax", tmp_path / "uid", sandbox="uid")).read("run_autograder").decode()
    plain = zipfile.ZipFile(build("ps1_softmax", tmp_path / "any")).read("run_autograder").decode()
    assert required.rstrip().endswith("--visibility visible --sandbox uid")
    assert "--sandbox" not in plain and plain.rstrip().endswith("--visibility visible")
