"""Build nbgrader-format notebooks and course folders for tests and benchmarks.

* :func:`source_notebook` — an instructor notebook for a problem set, laid out
  from :mod:`autograder.model.course` (locked imports cell, one solution cell per
  function with grade_id = the function, locked graded test cells whose
  hidden part calls ``run_check``);
* :func:`release_notebook` — the same with solution cells reduced to stubs
  that raise ``NotImplementedError``;
* :func:`submission` — a release notebook with the student's code for some
  functions (``{function: source}``), optionally with extra cells;
* :func:`make_course` / :func:`make_submissions` — write them to disk in
  nbgrader's layout;
* :data:`MODE_FORCED`, :data:`ROOT_OWN_MODE` — which sandbox modes this run can choose itself;
  :func:`alive` — whether a process is still running; :func:`printed_json` — what code run in a new interpreter
  printed (code that forks, kept out of this multi-threaded test process).

Test scaffolding, not part of the product (it reads ``solutions/`` for signatures).
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.model import course
from testkit.probe import MODE_VARIABLE

#: The run forces one sandbox mode (``AUTOGRADER_SANDBOX_MODE``): tests that choose a mode themselves skip.
MODE_FORCED = bool(os.environ.get(MODE_VARIABLE))
#: Root with no mode forced: tests may run a module again in another mode, or as an ordinary user.
ROOT_OWN_MODE = os.geteuid() == 0 and not MODE_FORCED


def alive(pid) -> bool:
    """The process ``pid`` exists and is not a zombie (read from /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def printed_json(code: str, *args: str):
    """What ``code`` printed as JSON, run by ``python -c`` (``args`` its ``sys.argv[1:]``) in a new interpreter that
    imports this checkout. For code that forks and runs Python in the copy: this test process runs threads
    (pytest-xdist's), whose locks a fork of it would copy held (CPython 3.12 and later warn of it), and a new
    interpreter runs one. Fails the test with the code's stderr when it exits with an error."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(course.ROOT)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)

#: Correct, plainly written implementations (what a good student hands in).
CORRECT = {
    "ps1_softmax": {
        "logsumexp": '''\
def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    top = np.expand_dims(np.argmax(z, axis=axis), axis)
    zmax = np.take_along_axis(z, top, axis=axis)
    e = np.exp(z - np.where(np.isfinite(zmax), zmax, 0.0))
    np.put_along_axis(e, top, 0.0, axis=axis)  # the maximum's term is exactly 1: keep it apart
    return np.squeeze(zmax + np.log1p(np.sum(e, axis=axis, keepdims=True)), axis=axis)
''',
        "softmax": '''\
def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    e = np.exp((z - np.where(np.isfinite(m), m, 0.0)) / temperature)
    return e / np.sum(e, axis=axis, keepdims=True)
''',
        "log_softmax": '''\
def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    top = np.expand_dims(np.argmax(z, axis=axis), axis)
    zmax = np.take_along_axis(z, top, axis=axis)
    shifted = z - np.where(np.isfinite(zmax), zmax, 0.0)
    e = np.exp(shifted)
    np.put_along_axis(e, top, 0.0, axis=axis)
    return shifted - np.log1p(np.sum(e, axis=axis, keepdims=True))
''',
    },
}

IMPORTS = "import numpy as np\nimport matplotlib.pyplot as plt\n"


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=0):
    nb = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
          "task": False}
    if grade:
        nb["points"] = points
    return {"nbgrader": nb}


def _cell(cell_type, source, metadata=None):
    cell = {"cell_type": cell_type, "metadata": metadata or {}, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook(cells) -> dict:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _signature(fn: str) -> str:
    import importlib

    module = importlib.import_module(f"solutions.{course.problem_set_of_function(fn)}")
    return f"def {fn}{inspect.signature(getattr(module, fn))}:"


#: Every function this file writes code for (a test's code for one the course no longer asks for is left out).
CONTRACT_NAMES = frozenset(fn for code in CORRECT.values() for fn in code)


def stub(fn: str) -> str:
    return f"{_signature(fn)}\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def test_cell_source(grade_id: str) -> str:
    fn = course.function_of(grade_id)
    return (f'assert callable({fn}), "define {fn} above"\n'
            "### BEGIN HIDDEN TESTS\n"
            "from autograder.checks import run_check\n"
            f'run_check("{grade_id}", globals())\n'
            "### END HIDDEN TESTS\n")


def source_notebook(ps: str, solutions: dict | None = None) -> dict:
    """The instructor notebook of ``ps`` (solution cells from ``solutions`` or CORRECT)."""
    code = dict(CORRECT.get(ps, {}))
    code.update(solutions or {})
    cells = [
        _cell("markdown", f"# {ps}\n", _meta(f"{ps}-intro", locked=True)),
        _cell("code", IMPORTS, _meta("imports", locked=True)),
    ]
    points = dict(course.GRADE_CELLS[ps])
    for fn in course.FUNCTIONS[ps]:
        cells.append(_cell("markdown", f"## `{fn}`\n", _meta(f"{fn}-text", locked=True)))
        for gid, pts in course.ANSWER_CELLS[ps]:  # its "Derive it yourself" answer cell, before the solution
            if course.function_of(gid) == fn:
                cells.append(_cell("markdown", f"The instructor's model answer to {gid}.\n",
                                   _meta(gid, solution=True, grade=True, points=pts)))
        body = code.get(fn, stub(fn))
        cells.append(_cell("code", f"### BEGIN SOLUTION\n{body}### END SOLUTION\n", _meta(fn, solution=True)))
        for gid, _pts in course.GRADE_CELLS[ps]:
            if course.function_of(gid) == fn:
                cells.append(_cell("code", test_cell_source(gid),
                                   _meta(gid, grade=True, locked=True, points=points[gid])))
    return notebook(cells)


#: What a student writes in an answer cell (a derivation) of a ``correct=True`` submission.
ANSWER_TEXT = "Take logs, differentiate, and set the derivative to zero: $\\hat\\theta = \\bar x$."


def release_notebook(ps: str) -> dict:
    """What students receive: solution cells are stubs raising NotImplementedError."""
    from autograder.model.given import strip_hidden_tests

    nb = source_notebook(ps)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "markdown":
            cell["source"] = course.ANSWER_STUB  # nbgrader's release clears an answer cell to this text
        elif meta.get("solution"):
            cell["source"] = stub(meta["grade_id"])
        elif meta.get("grade"):
            cell["source"] = strip_hidden_tests(cell["source"])  # as nbgrader's release does
    return nb


def solution_index(nb: dict, grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def submission(ps: str, code: dict | None = None, *, correct: bool = False, extra_after: dict | None = None,
               extra_before: list | None = None) -> dict:
    """A student's notebook: the release notebook with ``code[function]`` in its solution cells.

    ``correct=True`` starts from :data:`CORRECT` and writes an answer in each answer cell (awaiting
    grading; otherwise they stay as released: not answered); ``extra_after`` maps a
    grade_id to extra code cells inserted after that cell; ``extra_before``
    adds code cells at the very top.
    """
    nb = release_notebook(ps)
    given = dict(CORRECT.get(ps, {})) if correct else {}
    given.update(code or {})
    for fn, src in given.items():
        if fn not in course.FUNCTIONS[ps] and fn in CONTRACT_NAMES:
            continue  # (a function the course no longer asks for: its code has no cell to go in)
        nb["cells"][solution_index(nb, fn)]["source"] = src
    for gid, _ in course.ANSWER_CELLS[ps] if correct else ():
        nb["cells"][solution_index(nb, gid)]["source"] = ANSWER_TEXT
    for gid, sources in (extra_after or {}).items():
        at = solution_index(nb, gid) + 1
        for k, src in enumerate(sources):
            nb["cells"].insert(at + k, _cell("code", src))
    for k, src in enumerate(extra_before or ()):
        nb["cells"].insert(k, _cell("code", src))
    return nb


def write_notebook(path, nb) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb, indent=1), encoding="utf-8")
    return path


def make_course(root, problem_sets=("ps1_softmax",)) -> Path:
    """A course folder with ``source/<ps>/<ps>.ipynb`` for each problem set."""
    root = Path(root)
    for ps in problem_sets:
        write_notebook(root / "source" / ps / f"{ps}.ipynb", source_notebook(ps))
    return root


def make_submissions(submitted, notebooks: dict) -> Path:
    """Write ``{(student, ps): notebook dict or raw text}`` in nbgrader's layout."""
    submitted = Path(submitted)
    for (student, ps), nb in notebooks.items():
        write_notebook(submitted / student / ps / f"{ps}.ipynb", copy.deepcopy(nb))
    return submitted
