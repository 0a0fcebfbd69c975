"""A CI runner's machine in a temporary folder, to run the templates' own steps as their runner would.

The steps are read from the templates themselves (a GitHub step's ``run``, a GitLab job's ``before_script``
and ``script``), never copied into a test, and run with bash as the runners run them (GitHub:
``bash -e {0}``; GitLab: one shell for ``before_script`` and ``script``, ``-e -o pipefail``), with the
runner's variables set. What the runner does that is not a shell step is stood in for, and said here:

* ``python`` / ``python3`` on ``PATH`` are :data:`sys.executable` (the interpreter this checkout's grader is
  installed in) behind a recorder (:meth:`Runner.calls`): each call's arguments, working folder, the names
  of its environment's variables and the names of those holding a :data:`CANARY`. A ``pip install`` (the
  templates install the grader) runs as ``pip --version`` with the same interpreter flags in the same
  folder: the same ``pip`` is imported, a shadowing ``pip/`` of the student's included, and the test's own
  environment is not changed;
* ``sudo`` runs its command as the current user (the tests run as root, as the runners' ``sudo`` does);
* ``actions/checkout`` of the grader is a git repository (:func:`grader_repository`) with a tag and a
  branch, GitLab's server the same repository behind an ``insteadOf`` URL rewrite, so that the templates'
  own release checks and fetches run for real; the grading itself uses this checkout's grader.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import string
import subprocess
import sys
from pathlib import Path

import yaml

from autograder.model.course import ROOT

GITHUB_INSTRUCTOR = ROOT / ".github" / "workflows" / "autograde.yml"
GITLAB_STUDENT = ROOT / "ci-templates" / "gitlab-student.yml"
GITLAB_INSTRUCTOR = ROOT / ".gitlab-ci.yml"

#: What a secret's value holds in these runs: found in no environment that could read a student's file.
CANARY = "canary-secret-4f1d"

#: The release tag the stand-in grader repository has (the templates' default GRADER_REF).
RELEASE_TAG = "v0.1.0"

_RECORDER = '''#!{python} -I
import json, os, sys
argv = sys.argv[1:]
record = {{"name": os.path.basename(sys.argv[0]), "argv": argv, "cwd": os.getcwd(), "env": sorted(os.environ),
          "secrets": sorted(k for k, v in os.environ.items() if {canary!r} in v)}}
with open({log!r}, "a", encoding="utf-8") as fh:
    fh.write(json.dumps(record) + "\\n")
if "-m" in argv and argv[argv.index("-m") + 1:argv.index("-m") + 3] == ["pip", "install"]:
    argv = argv[:argv.index("-m")] + ["-m", "pip", "--version"]
os.execv({python!r}, [{python!r}, *argv])
'''


def load_github(path) -> dict:
    data = yaml.safe_load(Path(path).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def github_job(path, name=None) -> dict:
    jobs = load_github(path)["jobs"]
    return jobs[name] if name else next(iter(jobs.values()))


def github_step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name or s.get("id") == name)


def gitlab(path) -> dict:
    return yaml.safe_load(Path(path).read_text())


def gitlab_variables(path, predefined: dict | None = None) -> dict:
    """The file's ``variables:``, with ``$NAME`` of GitLab's ``predefined`` variables (``CI_JOB_ID`` …) expanded, as
    GitLab expands them; others are left as written."""
    return {k: string.Template(str(v["value"] if isinstance(v, dict) else v)).safe_substitute(predefined or {})
            for k, v in gitlab(path).get("variables", {}).items()}


class Runner:
    """A runner's machine in ``base``: its ``PATH`` shims, its variables, and the record of Python calls.
    ``python``: the interpreter behind the shims (default: this checkout's; :func:`checkout_python` makes one
    whose grader is a copy of the course, with the files a test put in it)."""

    def __init__(self, base: Path, python: str = sys.executable):
        self.base = Path(base)
        self.bin = self.base / "runner-bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        self.log = self.base / "python-calls.jsonl"
        recorder = _RECORDER.format(python=python, canary=CANARY, log=str(self.log))
        for name in ("python", "python3"):
            (self.bin / name).write_text(recorder)
            (self.bin / name).chmod(0o755)
        (self.bin / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
        (self.bin / "sudo").chmod(0o755)

    def env(self, **variables) -> dict:
        """The step's environment: a runner's (``CI``, ``HOME``, the shims first on ``PATH``) and ``variables``."""
        base = {"PATH": f"{self.bin}:/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
                "CI": "true", "LANG": "C.UTF-8"}
        for name in ("AUTOGRADER_SANDBOX_MODE", "OPENBLAS_NUM_THREADS"):  # how this test run grades
            if name in os.environ:
                base[name] = os.environ[name]
        return {**base, **{k: str(v) for k, v in variables.items()}}

    def calls(self) -> list:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def run(self, script: str, cwd, env: dict, gitlab: bool = False, timeout: float = 900):
        options = ["-e", "-o", "pipefail"] if gitlab else ["-e"]
        return subprocess.run(["bash", "--noprofile", "--norc", *options, "-c", script], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)


def github_runner_variables(runner: Runner, workspace: Path, temp: Path, **extra) -> dict:
    """The variables GitHub's runner sets for a step (the ones the templates read), and ``extra``."""
    event = temp / "_github_workflow" / "event.json"
    event.parent.mkdir(parents=True, exist_ok=True)
    if not event.exists():
        event.write_text(json.dumps({"repository": {"pushed_at": 1767225600}}))  # 2026-01-01T00:00:00Z
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV"):
        (temp / name.lower()).touch()
    return {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp),
            "GITHUB_EVENT_PATH": str(event), "GITHUB_OUTPUT": str(temp / "github_output"),
            "GITHUB_STEP_SUMMARY": str(temp / "github_step_summary"), "GITHUB_ENV": str(temp / "github_env"),
            **extra}


def grader_repository(folder: Path, tag: str = RELEASE_TAG) -> str:
    """A git repository standing in for the private grader: its constraints.txt, pyproject.toml and the
    source notebooks (so that a link followed into it would reach the reference solutions), committed,
    tagged ``tag``, on a branch ``main``. Returns the commit id."""
    folder.mkdir(parents=True)
    for name in ("constraints.txt", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "source", folder / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "--quiet"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "grader"], check=True)
    subprocess.run([*git, "tag", tag], check=True)
    subprocess.run([*git, "config", "uploadpack.allowAnySHA1InWant", "true"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def checkout(repository: Path, into: Path, ref: str) -> None:
    """What actions/checkout leaves for ``ref``: a tag or a commit detached, a branch checked out."""
    subprocess.run(["git", "clone", "--quiet", str(repository), str(into)], check=True)
    subprocess.run(["git", "-C", str(into), "checkout", "--quiet", ref], check=True)


def checkout_python(checkout: Path, venv: Path) -> str:
    """An interpreter whose ``autograder`` is the one in ``checkout``: a copy of this repository's grader
    (``autograder/``, ``solutions/``, ``source/``, ``pyproject.toml``) made there, so that its course folder
    (:data:`autograder.model.course.ROOT`) is ``checkout``, as in a CI job's checkout of the course, with the
    course files the test adds to it. Made as a venv whose one ``.pth`` puts ``checkout`` and this
    interpreter's site-packages on the path (a ``.pth`` line adds a folder without reading its own ``.pth``
    files: the editable install of this checkout is not seen). Returns the interpreter's path."""
    for name in ("autograder", "solutions", "source"):
        shutil.copytree(ROOT / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "pyproject.toml", checkout / "pyproject.toml")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    Path(where, "course-checkout.pth").write_text("\n".join([str(checkout), *site.getsitepackages()]) + "\n")
    return str(python)
