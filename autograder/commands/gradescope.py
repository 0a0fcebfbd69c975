"""``python -m autograder gradescope build PS`` and ``… gradescope run PS``: the course on Gradescope.

``build`` writes ``gradescope/<ps>.zip``, the autograder to upload on Gradescope (a programming assignment →
Configure Autograder → Zip file upload). At its top, as Gradescope's autograder specification asks:

* ``setup.sh`` – run once when Gradescope builds the image (Ubuntu, as root, with network): Python 3 and a
  virtual environment in ``/autograder/venv`` with the course installed from ``course/``;
* ``run_autograder`` – run for every submission, in ``/autograder``: ``gradescope run PS`` with that
  environment;
* ``course/`` – what grading one problem set needs and nothing more of the course: the grader package,
  the problem set's source notebook, its checks and the reference solutions they use (other problem sets'
  checks and references are left out), and the course's late policy (``deadlines.toml``,
  ``nbgrader_config.py``) when it has one.

``run`` is the same engine as ``autograde`` (:func:`autograder.engine.grade_batch`, never a second grading
path): the notebooks ``/autograder/submission/*.ipynb`` (else any below it) are laid out as one student's
``submitted/<student>/<ps>/`` folder, so the rules of ``autograde`` apply (``<ps>.ipynb`` is graded; a
folder's only notebook under another name is graded and the feedback says so; several under other names
are not guessed between); the engine's result becomes ``/autograder/results/results.json`` in Gradescope's
format (:mod:`autograder.reports.gradescope`). The submission time is Gradescope's ``created_at``; the due
date is Gradescope's for that submitter (an extension granted there included), and the late policy is the
course's (``deadlines.toml`` or ``nbgrader_config.py``, bundled in ``course/`` when the course has them):
the score Gradescope gets is after the late penalty, and the output says why. What it prints goes to Gradescope's instructor-only output:
the engine's summary, including which isolation it ran with (``mode root | userns | weak``). Gradescope runs
it as root; where the container lets root make no namespaces, the root sandbox cannot start, and the
submission is graded again with the sandbox an ordinary user gets (a user namespace, else the weak mode,
said loudly), as ``autograde`` does outside Gradescope. Whatever fails, a results.json is written (score 0
and the reason), so a student is never left without an answer.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

#: The most notebooks one submission may hold (more are not copied, and the grader says so).
MAX_NOTEBOOKS = 20
#: Notebooks larger than this are not copied out of the submission (the engine would refuse them anyway).
MAX_NOTEBOOK_BYTES = 20_000_000
#: Fixed time stamp of every file in the bundle: the same course gives the same zip.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, network available).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip > /dev/null
# the grader supports CPython 3.11 to 3.14 (pyproject.toml's requires-python); Ubuntu 22.04's python3 is 3.10
supported='import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 14) else "Python 3.11 to 3.14 is needed")'
python=python3
if ! python3 -c "$supported" 2> /dev/null; then
    apt-get install -y -qq python3.11 python3.11-venv > /dev/null
    python=python3.11
fi
"$python" -c "$supported"
"$python" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet -e /autograder/source/course
# a smoke test of the image: the problem set loads (checks, references, source notebook)
/autograder/venv/bin/python -m autograder gradescope check {ps}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in /autograder: it grades
# /autograder/submission/*.ipynb with the course's engine and writes /autograder/results/results.json.
# (AUTOGRADER_ROOT and AUTOGRADER_PYTHON let a test lay out Gradescope's folders elsewhere.)
set -uo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
python="${{AUTOGRADER_PYTHON:-$root/venv/bin/python}}"
export PYTHONPATH="$root/source/course${{PYTHONPATH:+:$PYTHONPATH}}"
exec "$python" -m autograder gradescope run {ps} --root "$root" --timeout {timeout} --visibility {visibility}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from autograder.reports.gradescope import VISIBILITY

    parser.add_argument("action", choices=("build", "run", "check"),
                        help="build: the autograder zip to upload; run: grade a submission inside Gradescope "
                        "(what run_autograder calls); check: the problem set loads (what setup.sh ends with)")
    parser.add_argument("assignment", metavar="PS", help="the problem set, e.g. ps1_softmax")
    parser.add_argument("--out", default="gradescope", metavar="DIR", help="build: where <ps>.zip goes "
                        "(default: gradescope/)")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="wall-clock limit per cell and per call (default 10)")
    parser.add_argument("--visibility", choices=VISIBILITY, default="visible",
                        help="when students see their tests on Gradescope (default: visible)")
    parser.add_argument("--root", default="/autograder", metavar="DIR",
                        help="run: Gradescope's folder (default /autograder)")


def run(args) -> int:
    from autograder.model.submissions import did_you_mean
    from autograder.model.course import PROBLEM_SETS

    if args.assignment not in PROBLEM_SETS:
        hint = did_you_mean(args.assignment, PROBLEM_SETS)
        print(f"gradescope: {args.assignment!r} is not a problem set of this course (known: "
              f"{', '.join(PROBLEM_SETS)})" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print("gradescope: --timeout must be positive", file=sys.stderr)
        return 2
    if args.action == "build":
        path = build(args.assignment, args.out, args.timeout, args.visibility)
        print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB): upload it on Gradescope as the autograder "
              f"of {args.assignment} (Configure Autograder → Zip file upload).")
        return 0
    if args.action == "check":
        return check(args.assignment)
    return grade_on_gradescope(args.assignment, Path(args.root), args.timeout, args.visibility)


# -- build --------------------------------------------------------------------------------------------------------

def _solutions_needed(root: Path, ps: str) -> set:
    """``solutions/*.py`` the references of ``ps`` import, transitively (by reading their imports)."""
    needed, todo = set(), [f"{ps}.py", "__init__.py"]
    while todo:
        name = todo.pop()
        if name in needed or not (root / "solutions" / name).is_file():
            continue
        needed.add(name)
        tree = ast.parse((root / "solutions" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("solutions."):
                todo.append(node.module.split(".")[1] + ".py")
            elif isinstance(node, ast.ImportFrom) and node.module == "solutions":
                todo += [f"{alias.name}.py" for alias in node.names]
    return needed


def bundle_files(ps: str, root: Path | None = None) -> dict:
    """``path in the zip -> file on disk`` of ``course/``: the product's packages without other problem sets'
    checks and references, the problem set's source folder, pyproject.toml and README.md."""
    from autograder.model.course import PROBLEM_SETS, ROOT
    from autograder.model.deadlines import DEADLINES_FILE

    root = ROOT if root is None else Path(root)
    others = {f"{other}.py" for other in PROBLEM_SETS if other != ps}
    solutions = _solutions_needed(root, ps)
    files = {}
    for folder in ("autograder", "solutions", f"source/{ps}"):
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root)
            if (not path.is_file() or path.is_symlink() or "__pycache__" in rel.parts
                    or ".ipynb_checkpoints" in rel.parts or path.suffix in (".pyc", ".pyo")):
                continue
            if rel.parts[0] == "solutions" and path.name not in solutions:
                continue
            if rel.parts[:2] == ("autograder", "checks") and path.name in others:
                continue
            files[f"course/{rel.as_posix()}"] = path
    for name in ("pyproject.toml", "README.md"):
        files[f"course/{name}"] = root / name
    for name in (DEADLINES_FILE, "nbgrader_config.py"):  # the course's late policy, when it has one
        if (root / name).is_file():
            files[f"course/{name}"] = root / name
    return files


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    zf.writestr(info, data)


def build(ps: str, out, timeout: float = 10.0, visibility: str = "visible") -> Path:
    """Write ``<out>/<ps>.zip`` (see the module docstring); the same course gives the same bytes."""
    from autograder.model.files import make_dirs

    out = make_dirs(out)
    path = out / f"{ps}.zip"
    tmp = out / f".{ps}.zip.tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.format(ps=ps).encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.format(ps=ps, timeout=f"{timeout:g}", visibility=visibility)
             .encode(), executable=True)
        for name, src in sorted(bundle_files(ps).items()):
            _add(zf, name, src.read_bytes())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def check(ps: str) -> int:
    """Load the problem set as a batch would (source notebook, checks, references); 0 when it loads."""
    from autograder.engine.batch import _load_assignment
    from autograder.model.course import ROOT

    source, checks = _load_assignment(ROOT, ps)
    print(f"{ps}: {len(source.tests)} graded cells, {source.max_score:g} points, {len(checks)} checks: ready.")
    return 0


# -- run (inside Gradescope) --------------------------------------------------------------------------------------

def _metadata(root: Path) -> dict:
    """Gradescope's ``submission_metadata.json`` (``{}`` when it is missing or not a JSON object)."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _student(root: Path) -> str:
    """A name for the feedback: the submitter's name from Gradescope's submission_metadata.json, else "student"."""
    try:
        name = str(_metadata(root)["users"][0]["name"]).strip()
    except (KeyError, IndexError, TypeError):
        return "student"
    return name[:100] or "student"


def _with_deadline(result, meta: dict, ps: str):
    """``result`` with Gradescope's due date for this submitter (an extension included) and the course's late
    policy applied (:mod:`autograder.model.penalties`); a due date or policy that cannot be read is said to the
    instructor and in the notes, and the score stands."""
    from autograder.model.course import ROOT
    from autograder.model.deadlines import DeadlinesError
    from autograder.model.penalties import apply
    from autograder.reports.course_deadlines import gradescope_deadlines

    try:
        deadlines = gradescope_deadlines(meta, ps, result.student, ROOT)
    except DeadlinesError as exc:
        print(f"The late penalty could not be computed: {exc}")
        result.notes.append("The late penalty could not be computed; your instructor will check the submission time.")
        return result
    return apply(result, deadlines)


def submitted_notebooks(submission: Path) -> list:
    """The notebooks of a Gradescope submission: ``*.ipynb`` at its top, else any below it (no link followed,
    no ``.ipynb_checkpoints``), sorted, at most :data:`MAX_NOTEBOOKS`."""
    def regular(path):
        return path.is_file() and not path.is_symlink()

    top = sorted(p for p in submission.glob("*.ipynb") if regular(p))
    if top:
        return top[:MAX_NOTEBOOKS]
    found = []
    for folder, dirs, files in os.walk(submission):  # os.walk does not follow links into folders
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        found += [Path(folder, f) for f in sorted(files) if f.endswith(".ipynb") and regular(Path(folder, f))]
        if len(found) >= MAX_NOTEBOOKS:
            break
    return found[:MAX_NOTEBOOKS]


def _lay_out(notebooks: list, folder: Path) -> list:
    """Copy the notebooks into one problem-set folder (``submitted/<student>/<ps>/``); returns what was left out."""
    left_out = []
    folder.mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        target = folder / nb.name
        if target.exists():
            left_out.append(f"{nb.name} (a second notebook of that name)")
        elif nb.stat().st_size > MAX_NOTEBOOK_BYTES:
            left_out.append(f"{nb.name} ({nb.stat().st_size / 1e6:.0f} MB: over the {MAX_NOTEBOOK_BYTES // 1_000_000} "
                            "MB limit)")
        else:
            shutil.copyfile(nb, target)
    return left_out


def _fallback(ps: str, reason: str) -> dict:
    """Gradescope's results.json when the engine gave no result: score 0 and why."""
    return {"score": 0.0, "output": f"{ps}: the autograder could not grade this submission: {reason}",
            "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"engine": "probdl-autograder", "assignment": ps, "error": reason[:2000]}}


def grade_on_gradescope(ps: str, root: Path, timeout: float, visibility: str) -> int:
    """Grade ``root/submission`` and write ``root/results/results.json`` (see the module docstring)."""
    from autograder.model.files import write_json_atomic

    started = time.monotonic()
    results_json = root / "results" / "results.json"
    try:
        data = _grade(ps, root, timeout, visibility, started)
    except BaseException as exc:  # noqa: BLE001 — Gradescope must get a results.json whatever happened
        traceback.print_exc(file=sys.stdout)
        data = _fallback(ps, f"{type(exc).__name__}: {exc}; your instructor can see the details")
        if isinstance(exc, KeyboardInterrupt):
            write_json_atomic(results_json, data)
            return 130
    write_json_atomic(results_json, data)
    print(f"Wrote {results_json}: {data['score']:g} points.")
    return 0


def _may_fall_back(summary) -> bool:
    """The batch failed to start root's sandbox (no result, a setup failure) and the mode was not chosen by hand."""
    return (bool(summary.failed) and hasattr(os, "geteuid") and os.geteuid() == 0
            and not os.environ.get("AUTOGRADER_SANDBOX_MODE"))


def _grade(ps: str, root: Path, timeout: float, visibility: str, started: float) -> dict:
    from autograder.commands.autograde import summary_lines
    from autograder.engine import grade_batch
    from autograder.model.ids import folder_name
    from autograder.model.results import read_result, results_path
    from autograder.reports.gradescope import gradescope_results
    from autograder.sandbox.confine import Limits

    from autograder.model.submission_time import from_gradescope as submission_time  # (its created_at)

    meta = _metadata(root)
    student = folder_name(_student(root))  # a name with "/" or ".." cannot leave the folder
    notebooks = submitted_notebooks(root / "submission")
    with tempfile.TemporaryDirectory(prefix="probdl-gradescope-") as work:
        submitted = Path(work) / "submitted"
        left_out = _lay_out(notebooks, submitted / student / ps)
        limits = Limits(timeout_s=timeout, budget_s=max(120.0, 12 * timeout))
        for attempt in (1, 2):  # 2: without root's sandbox, when it could not start
            out = Path(work) / f"results-{attempt}"
            summary = grade_batch(submitted, out, workers=1, assignments=[ps], limits=limits,
                                  submitted_at=submission_time(meta))
            for line in summary_lines(summary):  # for the instructor: what the engine did, which isolation
                print(line)
            for failure in summary.failed:
                print(f"Could not grade: {failure['error']}")
            path = results_path(out, student, ps)
            if path.is_file() or not _may_fall_back(summary):
                break
            # a container that lets root make no namespaces: the sandbox as an ordinary user would have it
            # (a user namespace, else the weak mode, which the summary then says loudly), as outside Gradescope
            print("The root sandbox could not start here; grading with the unprivileged one instead.")
            os.environ["AUTOGRADER_SANDBOX_MODE"] = "userns"
        if not path.is_file():
            reasons = "; ".join(f["error"] for f in summary.failed) or "the engine wrote no result"
            return _fallback(ps, reasons)
        result = read_result(path)
    if left_out:
        result.notes.append("Not graded: " + ", ".join(left_out) + ".")
    result = _with_deadline(result, meta, ps)
    print(f"{ps}: {result.score:g} / {result.max_score:g} points ({len(notebooks)} notebook(s) in the submission).")
    return gradescope_results(result, visibility, execution_time=time.monotonic() - started)
