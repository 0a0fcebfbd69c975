"""Every place that installs the grader installs the versions the course was tested with.

``make install`` installs with ``-c constraints.txt``; so must the Gradescope bundle's ``setup.sh`` (its copy
of the course carries constraints.txt), the instructor pipelines (``.github/workflows/autograde.yml``,
``.gitlab-ci.yml``) and the student templates (``ci-templates/``). Each file's shell commands are read as the
runner runs them (GitHub steps' ``run``, GitLab's ``before_script``/``script`` with the file's variables,
setup.sh with its own), and every ``pip install`` of the grader must name the constraints.txt of the very
folder it installs. Then pip itself resolves the course's requirements (pyproject.toml) under the bundle's
constraints.txt, offline against this environment (``--dry-run --no-index``): the pins agree with the
requirements' ranges and are what this environment, which the suite runs in, has installed; a pin outside
a range is refused (the control).
"""

import posixpath
import re
import shlex
import subprocess
import sys
import tomllib
import zipfile

import pytest
import yaml

from autograder.model.course import ROOT
from autograder.release.gradescope_bundle import build

GITHUB = (".github/workflows/autograde.yml",)  # (Classroom50's autograder.py: tests/test_templates_classroom50.py)
GITLAB = (".gitlab-ci.yml", "ci-templates/gitlab-student.yml")
SETUP = "setup.sh (Gradescope bundle)"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build("ps1_softmax", tmp_path_factory.mktemp("bundle"))


def _github_commands(path) -> tuple:
    data = yaml.safe_load((ROOT / path).read_text())
    runs = [step.get("run", "") for job in data["jobs"].values() for step in job.get("steps", [])]
    return "\n".join(runs), {}


def _gitlab_commands(path) -> tuple:
    data = yaml.safe_load((ROOT / path).read_text())
    variables = {k: (v["value"] if isinstance(v, dict) else v) for k, v in data.get("variables", {}).items()}
    lines = []
    for job in data.values():
        if isinstance(job, dict):
            for key in ("before_script", "script"):
                lines += job.get(key, [])
    return "\n".join(lines), variables


def _setup_commands(zip_path) -> tuple:
    text = zipfile.ZipFile(zip_path).read("setup.sh").decode()
    variables = dict(re.findall(r"^(\w+)=(\S+)$", text, re.M))  # its own assignments (course=…)
    return text, variables


def installs(text: str, variables: dict) -> list:
    """The argument lists of every ``pip install`` in ``text`` (line continuations joined, variables expanded)."""
    text = text.replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if re.search(r"\bpip install\b", line):
            expanded = re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), line)
            found.append(shlex.split(expanded, comments=True))
    return found


def commands(name, bundle) -> tuple:
    if name == SETUP:
        return _setup_commands(bundle)
    return (_github_commands if name in GITHUB else _gitlab_commands)(name)


@pytest.mark.parametrize("name", [SETUP, *GITHUB, *GITLAB])
def test_every_install_of_the_grader_uses_the_tested_constraints(name, bundle):
    grader_installs = [args for args in installs(*commands(name, bundle)) if "--upgrade" not in args]
    assert grader_installs, f"{name}: no pip install of the grader found"
    for args in grader_installs:
        assert "-c" in args and "-e" in args, f"{name}: {shlex.join(args)} installs without the constraints"
        constraints, target = args[args.index("-c") + 1], args[args.index("-e") + 1]
        assert posixpath.normpath(constraints) == posixpath.normpath(posixpath.join(target, "constraints.txt")), (
            f"{name}: {shlex.join(args)}: the constraints are not those of the folder it installs")


def test_the_bundle_carries_the_courses_constraints(bundle):
    with zipfile.ZipFile(bundle) as zf:
        assert zf.read("course/constraints.txt") == (ROOT / "constraints.txt").read_bytes()
        assert zf.read("course/pyproject.toml") == (ROOT / "pyproject.toml").read_bytes()


def _resolve(constraints, requirements) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet",
                           "--disable-pip-version-check", "-c", str(constraints), *requirements],
                          capture_output=True, text=True, timeout=300)


def test_the_constraints_resolve_with_the_courses_requirements_offline(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as zf:
        zf.extract("course/constraints.txt", tmp_path)
        requirements = tomllib.loads(zf.read("course/pyproject.toml").decode())["project"]["dependencies"]
    proc = _resolve(tmp_path / "course" / "constraints.txt", requirements)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the control: a pin outside pyproject.toml's range (nbgrader>=0.9.0,<0.10) cannot be installed
    text = (tmp_path / "course" / "constraints.txt").read_text()
    assert re.search(r"^nbgrader==", text, re.M)
    bad = tmp_path / "bad-constraints.txt"
    bad.write_text(re.sub(r"^nbgrader==.*$", "nbgrader==0.10.0", text, flags=re.M))
    refused = _resolve(bad, requirements)
    assert refused.returncode != 0 and "nbgrader" in refused.stderr, refused.stderr
