"""The Gradescope autograder of one problem set: ``gradescope/<ps>.zip``, built from the course.

:func:`build` writes the zip to upload on Gradescope (a programming assignment → Configure Autograder → Zip
file upload). At its top, as Gradescope's autograder specification asks:

* ``setup.sh`` – run once when Gradescope builds the image (Ubuntu, as root, with network): Python 3 and a
  virtual environment in ``/autograder/venv`` with the course installed from ``course/`` at the versions it
  was tested with (``pip install -c course/constraints.txt``, as ``make install``);
* ``run_autograder`` – run for every submission, in ``/autograder``: ``gradescope run PS`` with that
  environment (:mod:`autograder.commands.gradescope`);
* ``course/`` – what grading one problem set needs and nothing more of the course: the grader package,
  the problem set's source notebook, its checks and the reference solutions they use (other problem sets'
  checks and references are left out), constraints.txt, and the course's late policy (``deadlines.toml``,
  ``nbgrader_config.py``) when it has one (:func:`bundle_files`).

:func:`assignment_outline` is the Gradescope assignment the bundle expects: its *Autograder points* are the
autograded cells', and each derivation (a manually graded answer cell) is a manually graded question of the
same assignment, which a person grades in Gradescope with a rubric; the assignment's total is the problem
set's. The same course gives the same zip, byte for byte.
"""

from __future__ import annotations

import ast
import os
import stat
import zipfile
from pathlib import Path

from autograder.model.course import (
    ANSWER_CELLS,
    PROBLEM_SETS,
    ROOT,
    autograded_max_score,
    max_score,
    problem_set_of_checks_module,
)
from autograder.model.deadlines import DEADLINES_FILE
from autograder.model.files import StrPath, make_dirs
from autograder.model.results import fmt_points

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
# the versions the course was tested with (constraints.txt, as `make install` uses it; PYTHONWARNINGS: as there,
# setuptools' notes on editable installs are for package authors, not for the build log)
course=/autograder/source/course
PYTHONWARNINGS=ignore /autograder/venv/bin/python -m pip install --quiet -c "$course/constraints.txt" -e "$course"
# a smoke test of the image: the problem set loads (checks, references, source notebook)
/autograder/venv/bin/python -m autograder gradescope check {ps}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in /autograder: it grades
# /autograder/submission/*.ipynb with the course's engine and writes /autograder/results/results.json.
# (AUTOGRADER_ROOT and AUTOGRADER_PYTHON let a test lay out Gradescope's folders elsewhere.)
# Nothing of the upload is importable or runs before the sandbox: -I puts neither the working folder (the
# bundle's course/, never the upload's) nor PYTHON* variables nor a user site-packages on the grader's
# path (the course is the one setup.sh installed), and the grader gets only these variables (env -i).
set -uo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
python="${{AUTOGRADER_PYTHON:-$root/venv/bin/python}}"
cd "$root/source/course" || exit 1
exec env -i PATH="${{PATH:-/usr/local/bin:/usr/bin:/bin}}" HOME="${{HOME:-/root}}" LANG=C.UTF-8 \\
  ${{AUTOGRADER_SANDBOX_MODE:+AUTOGRADER_SANDBOX_MODE="$AUTOGRADER_SANDBOX_MODE"}} \\
  "$python" -I -m autograder gradescope run {ps} --root "$root" --timeout {timeout} --visibility {visibility}{sandbox}
"""


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
    checks and references, the problem set's source folder, pyproject.toml, README.md and constraints.txt
    (the tested versions setup.sh installs)."""
    root = ROOT if root is None else Path(root)
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
            if rel.parts[:2] == ("autograder", "checks") and problem_set_of_checks_module(path.name) not in (None, ps):
                continue  # another set's hidden checks
            files[f"course/{rel.as_posix()}"] = path
    for name in ("pyproject.toml", "README.md", "constraints.txt"):  # constraints.txt: setup.sh installs with it
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


def build(ps: str, out: StrPath, timeout: float = 10.0, visibility: str = "visible", sandbox: str | None = None) -> Path:
    """Write ``<out>/<ps>.zip`` (see the module docstring); the same course gives the same bytes. ``sandbox``: the
    weakest sandbox mode ``run_autograder`` may grade in (``gradescope run --sandbox``), or None for any."""
    out = make_dirs(out)
    path = out / f"{ps}.zip"
    tmp = out / f".{ps}.zip.tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.format(ps=ps).encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.format(ps=ps, timeout=f"{timeout:g}", visibility=visibility,
                                                   sandbox=f" --sandbox {sandbox}" if sandbox else "")
             .encode(), executable=True)
        for name, src in sorted(bundle_files(ps).items()):
            _add(zf, name, src.read_bytes())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


def assignment_outline(ps: str) -> list:
    """The Gradescope assignment the bundle of ``ps`` expects, as lines to print: its autograder points (the
    autograded cells'), and one manually graded question per answer cell (the derivations a person grades in
    Gradescope), with their names and points, from the problem set's source notebook."""
    lines = [f"On Gradescope, the programming assignment of {ps}: Autograder points "
             f"{fmt_points(autograded_max_score(ps))} (its autograded cells)."]
    answers = ANSWER_CELLS[ps]
    if answers:
        lines.append("Tick Enable Manual Grading, then Edit Outline: add one question per derivation (a person "
                     "grades it there, with a rubric):")
        lines += [f"  {gid}: {fmt_points(points)} points" for gid, points in answers]
    lines.append(f"The assignment's total is then {fmt_points(max_score(ps))} points, the problem set's "
                 "(docs/instructors.md, \"Gradescope\").")
    return lines
