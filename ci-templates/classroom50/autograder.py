#!/usr/bin/env python3
"""Classroom50 autograder for one problem set of the probability course (docs/ci.md, "Classroom50").

Classroom50's runner runs this file as ``python3 autograder.py`` in the student's checkout, for every
submission of the assignment it is published for (``<classroom>/autograders/<assignment>/autograder.py`` in
your Classroom50 config repository), with the variables CLASSROOM, ASSIGNMENT, ASSIGNMENT_TYPE, USERNAME,
OWNER, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, REVIEW_URL and PAGES_BASE_URL, and collects what it writes
there: ``result.json`` (schema ``classroom50/result/v1``), ``release-body.md`` (the feedback on the
submission's release) and ``status=``/``summary=`` in ``$GITHUB_OUTPUT``.

What it does, in order, in a folder of its own outside the checkout (nothing of the student's files is ever
imported or run by it, and the grader is never in the checkout):

1. installs the grader release named below from its archive beside this file (``GRADER_ARCHIVE``, checked
   against ``GRADER_SHA256`` before anything of it is read), into a virtual environment of its own, with the
   versions the course was tested with (the release's constraints.txt, as ``make install``);
2. takes the student's notebook (``take-notebook``: ``<PROBLEM_SET>.ipynb``, else the only notebook; a regular
   file only: a link, a folder or a device is refused, and the submission gets 0 points with the reason);
3. grades it in the sandbox, refusing any mode weaker than ``SANDBOX`` (as root through ``sudo -n`` where the
   runner allows it, the grader with ``env -i`` and a list of variables: no token, nothing of the runner's);
4. writes ``result.json``: one test per autograded cell, ``score`` the autograded points, ``max-score`` the
   problem set's autograded maximum, the same for every student (whole points: Classroom50 records integers);
   ``release-body.md``: the points, what failed with its hint, the derivations your instructor grades, never
   hidden tests, reference values or model answers.

Exit status 0 whenever the submission was graded (0 points included: no notebook, an unreadable one); non-zero
only when grading could not happen (the archive's hash differs, the install failed, the sandbox is weaker than
required, a bug): ``result.json`` and the log say why (Classroom50's runner then records the submission as an
error, to look at).

``PROBDL_GRADER_PYTHON``, when set, names a Python that already has the grader: nothing is installed (tests).
Standard library only: this runs on the runner's own ``python3``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# --- what to set (docs/ci.md, "Classroom50") ----------------------------------------------------------------------
PROBLEM_SET = "ps1_softmax"  # the problem set this assignment grades (its notebook is <PROBLEM_SET>.ipynb)
GRADER_RELEASE = "v0.1.0"  # the grader release: a tag of your grader repository
GRADER_ARCHIVE = "probdl-grader-v0.1.0.tar.gz"  # `git archive` of that tag, beside this file in the bundle
GRADER_SHA256 = "0000000000000000000000000000000000000000000000000000000000000000"  # its sha256sum
TIMEOUT = 30  # seconds per notebook cell and per call
SANDBOX = "userns"  # the weakest sandbox mode graded in (root > uid > userns); never "weak": code could read the grader
# -----------------------------------------------------------------------------------------------------------------

SCHEMA = "classroom50/result/v1"
RESULT, BODY = "result.json", "release-body.md"
STUDENT = "student"


class Infrastructure(Exception):
    """Grading could not happen; the message says why (one line, for the log and result.json)."""


def _line(text: str, limit: int = 1500) -> str:
    """One line of text, safe in an Actions log: no newline, no workflow command (``::``) of its own."""
    return " ".join(str(text).split()).replace("::", ": :").replace("%", "%25")[:limit]


def _identity() -> dict:
    env = os.environ
    missing = [name for name in ("CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG") if not env.get(name, "").strip()]
    if missing:
        raise Infrastructure(f"{', '.join(missing)} not set: run by Classroom50's runner (its autograde workflow)")
    server, repo, sha = (env.get("GITHUB_SERVER_URL", "https://github.com"), env.get("GITHUB_REPOSITORY", ""),
                         env.get("GITHUB_SHA", ""))
    commit = env.get("COMMIT_URL") or f"{server}/{repo}/commit/{sha}"
    return {
        "schema": SCHEMA,
        "classroom": env["CLASSROOM"].strip(),
        "assignment": env["ASSIGNMENT"].strip(),
        "assignment_type": env.get("ASSIGNMENT_TYPE") or "individual",
        "owner": env.get("OWNER") or env.get("USERNAME") or env.get("GITHUB_ACTOR") or "unknown",
        "submission": env["SUBMISSION_TAG"].strip(),
        "commit": commit,
        "release": env.get("RELEASE_URL") or commit,
        "review": env.get("REVIEW_URL") or commit,
        # (the runner stamps the submission's own time over it: the graded commit's)
        "datetime": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),  # noqa: UP017 (3.10 runners)
    }


def _work_folder(checkout: Path) -> Path:
    """A new folder of the grader's, outside the student's checkout (the runner's temporary folder)."""
    base = os.environ.get("RUNNER_TEMP") or None
    if base and Path(base).resolve().is_relative_to(checkout.resolve()):
        base = None
    work = Path(tempfile.mkdtemp(prefix="probdl-classroom50-", dir=base)).resolve()
    if work.is_relative_to(checkout.resolve()):
        raise Infrastructure("no temporary folder outside the student's checkout")
    return work


def _variables(python: str = "") -> dict:
    """What every program this starts may see: a list, never the runner's environment (its token, the workflow's
    variables); pip's proxy settings for the install."""
    path = (f"{Path(python).parent}:" if python else "") + "/usr/local/bin:/usr/bin:/bin"
    keep = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy")
    return {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8",
            **{k: os.environ[k] for k in keep if k in os.environ}}


def _run(argv: list, cwd: Path, timeout: float, what: str, python: str = "") -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, env=_variables(python))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Infrastructure(f"{what}: {exc}") from None


def _extract(archive: Path, into: Path) -> Path:
    """The archive's files into ``into`` (no link, device, absolute path or ``..``); the folder holding its
    pyproject.toml."""
    with tarfile.open(archive, "r:*") as tar:
        for member in tar.getmembers():
            name = member.name
            if not (member.isfile() or member.isdir()) or name.startswith("/") or ".." in Path(name).parts:
                raise Infrastructure(f"{GRADER_ARCHIVE}: {name!r} is not a plain file of the release")
        if sys.version_info >= (3, 12):
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # (every member checked above)
    tops = [into, *(p for p in into.iterdir() if p.is_dir())]
    for top in tops:
        if (top / "pyproject.toml").is_file() and (top / "autograder").is_dir():
            return top
    raise Infrastructure(f"{GRADER_ARCHIVE} holds no grader (no pyproject.toml beside autograder/)")


def _install(work: Path) -> str:
    """The Python of a fresh virtual environment holding the grader release (see the module docstring)."""
    given = os.environ.get("PROBDL_GRADER_PYTHON", "").strip()
    if given:
        return given
    bundle = Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or Path(__file__).resolve().parent)
    archive = bundle / GRADER_ARCHIVE
    if not archive.is_file() or archive.is_symlink():
        raise Infrastructure(f"the grader release {GRADER_ARCHIVE} is not beside autograder.py in the bundle")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != GRADER_SHA256.lower():
        raise Infrastructure(f"{GRADER_ARCHIVE} has sha256 {digest}, not GRADER_SHA256 {GRADER_SHA256}: not the "
                             f"release {GRADER_RELEASE} this autograder names")
    grader = _extract(archive, work / "grader")
    venv = work / "venv"
    made = _run([sys.executable, "-I", "-m", "venv", str(venv)], work, 600, "making the virtual environment")
    if made.returncode:
        raise Infrastructure(f"python3 -m venv failed: {_line(made.stderr[-800:])}")
    python = str(venv / "bin" / "python")
    pip = _run([python, "-I", "-m", "pip", "install", "--quiet", "-c", str(grader / "constraints.txt"), "-e",
                str(grader)], work, 1800, "installing the grader")
    if pip.returncode:
        raise Infrastructure(f"installing the grader {GRADER_RELEASE} failed: {_line(pip.stderr[-800:])}")
    print(f"Grader release {GRADER_RELEASE} (sha256 {digest[:16]}…) installed.")
    return python


def _as_root() -> list:
    """``sudo -n`` where this runner may (GitHub's hosted runners): the sandbox's strongest mode grades as root."""
    if os.geteuid() == 0 or shutil.which("sudo") is None:
        return []
    probe = subprocess.run(["sudo", "-n", "true"], stdin=subprocess.DEVNULL, capture_output=True, env=_variables())
    return ["sudo", "-n"] if probe.returncode == 0 else []


def _grade(python: str, work: Path) -> subprocess.CompletedProcess:
    sudo = _as_root()
    variables = [f"PATH={_variables(python)['PATH']}", f"HOME={'/root' if sudo else os.environ.get('HOME', str(work))}",
                 "LANG=C.UTF-8"]
    if sudo:  # whose files the results are (the grader hands them back)
        variables += [f"SUDO_UID={os.getuid()}", f"SUDO_GID={os.getgid()}"]
    argv = [*sudo, "env", "-i", *variables, python, "-I", "-m", "autograder", "autograde", "submitted", "--out",
            "results", "--assignment", PROBLEM_SET, "--timeout", str(TIMEOUT), "--sandbox", SANDBOX, "--no-reports"]
    return _run(argv, work, 1800, "grading", python)


def _write(checkout: Path, result: dict, body: str, status: str, summary: str) -> None:
    (checkout / RESULT).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (checkout / BODY).write_text(body, encoding="utf-8")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as fh:
            fh.write(f"status={status}\nsummary={_line(summary, 500)}\n")


def grade_submission(checkout: Path, identity: dict, work: Path) -> dict:
    """Install, take, grade and read the grade (``export --classroom50``); raises :class:`Infrastructure`."""
    python = _install(work)
    take = _run([python, "-I", "-m", "autograder", "take-notebook", str(checkout), "--assignment", PROBLEM_SET,
                 "--out", "submitted", "--student", STUDENT, "--results", "results"], work, 600, "taking the notebook",
                python)
    if take.returncode == 0:
        print(_line(take.stdout.strip()))
        graded = _grade(python, work)
        print("\n".join(_line(ln, 300) for ln in (graded.stdout + graded.stderr).splitlines()[-12:]))
        if graded.returncode:
            raise Infrastructure(f"the grader stopped (exit status {graded.returncode}): "
                                 f"{_line((graded.stderr or graded.stdout)[-1200:])}")
    elif take.returncode == 1 and (work / "results" / STUDENT / PROBLEM_SET / "results.json").is_file():
        print(f"No notebook graded: {_line(take.stderr.strip(), 600)}")
    else:
        raise Infrastructure(f"take-notebook failed (exit status {take.returncode}): {_line(take.stderr[-800:])}")
    export = _run([python, "-I", "-m", "autograder", "export", "results", "--classroom50", "--out", "grade.json"],
                  work, 600, "reading the grade", python)
    if export.returncode:
        raise Infrastructure(f"the grade could not be read: {_line(export.stderr[-800:])}")
    return json.loads((work / "grade.json").read_text(encoding="utf-8"))


def main() -> int:
    checkout = Path.cwd()
    for stale in (RESULT, BODY):  # only what this run writes is collected
        (checkout / stale).unlink(missing_ok=True)
    work = None
    try:
        identity = _identity()
        work = _work_folder(checkout)
        grade = grade_submission(checkout, identity, work)
        result = {**identity, "score": grade["score"], "max-score": grade["max-score"], "tests": grade["tests"]}
        _write(checkout, result, grade["release-body"], grade["status"], grade["summary"])
        print(_line(grade["summary"], 500))
        for test in grade["tests"]:
            print(f"  {_line(test['test-name'], 80)}: {test['score']}/{test['max-score']}")
        return 0
    except Infrastructure as exc:
        why = _line(str(exc))
        print(f"::error title=probdl autograder::{why}")
        try:
            identity = _identity()
        except Infrastructure:
            identity = {"schema": SCHEMA}
        result = {**identity, "score": 0, "max-score": 0, "tests": [], "error": why}
        _write(checkout, result, f"### The autograder could not grade this submission\n\n{why}\n\nYour instructor "
               "sees this in the run's log; nothing you handed in is lost.\n", "error", f"probdl autograder: {why}")
        return 1
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
            if work.exists() and _as_root():  # (files the sandbox's uids wrote)
                subprocess.run(["sudo", "-n", "rm", "-rf", str(work)], stdin=subprocess.DEVNULL, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
