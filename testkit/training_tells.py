"""Run a notebook's training cell with chosen solutions: what it shows for a student's mistake.

The "Put it to work" sections of ps2, ps4 and ps6 end with ``fig-train``, a lesson cell that trains a
model with the student's own functions (``docs/notebooks.md``). Such a cell *tells* when a typical mistake
of a trained function changes what it prints, beside an expected value printed to compare with. The cell
prints, for each of its numbers, what correct functions give, and marks a number of the student's that
differs with :data:`DIFFERS`; these helpers run it:

* :func:`run_training` runs the notebook's set-up, imports, solution cells (each replaced by a source of
  the caller's choice, e.g. a bug-zoo specimen), its data cell and ``fig-train``, as a kernel would, and
  returns what ``fig-train`` printed (or the exception it raised);
* :func:`tells` says whether an output marks a difference;
* :func:`values_differ` says whether a specimen's function gives other values than the reference on given
  inputs: a mistake the training cannot see (a stability, purity or error-handling mistake, which changes
  nothing at ordinary inputs) is exempt from telling.

Used by ``tests/test_training.py``; a problem set with a training section uses the same three.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
from pathlib import Path

import numpy as np

from autograder.model.course import is_data_cell, is_lesson_cell

#: What a training cell appends to a printed number of the student's that differs from correct functions'.
DIFFERS = "<- differs"


def _cells(path: Path) -> list:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _python(source: str) -> str:
    """A cell's source without IPython's magics and shell escapes (what ``%matplotlib inline`` is)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def run_training(notebook, folder, skip_data: bool = False, solutions: dict | None = None) -> str:
    """The stdout of ``fig-train`` after the notebook's set-up, solution and data cells, run here in ``folder``.

    The cells run as a kernel runs them (top to bottom, one namespace, ``folder`` as the working
    directory, matplotlib without a screen); lesson cells other than ``fig-train`` and the graded test
    cells are not needed and not run, nor the data cell with ``skip_data``. ``solutions`` maps a solution
    cell's grade_id (the function's name) to the source run in its place. What ``fig-train`` shows besides
    its stdout is part of the returned text: a line ``RuntimeWarning: message`` for each distinct warning it
    raised (a kernel shows them and goes on, whatever the caller's warning filters), then, if it stopped,
    the exception's last line, ``Name: message``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    solutions = solutions or {}
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        for cell in _cells(notebook):
            meta, gid = _meta(cell), _meta(cell).get("grade_id", "")
            if cell["cell_type"] != "code" or (meta.get("grade") and not meta.get("solution")):
                continue
            if (is_lesson_cell(gid) and gid != "fig-train") or (skip_data and is_data_cell(gid)):
                continue
            source = solutions.get(gid, _text(cell)) if meta.get("solution") else _text(cell)
            code = compile(_python(source), f"<cell {gid}>", "exec")
            if gid == "fig-train":
                # a kernel shows a RuntimeWarning under the cell and goes on (whatever the caller's filters, e.g.
                # pytest's error::RuntimeWarning): recorded here, one line each, before an exception's line
                with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        exec(code, namespace)  # the course's own notebook, with the caller's solutions
                    except Exception as exc:  # noqa: BLE001 — what the student would see is the result
                        stopped = f"{type(exc).__name__}: {exc}\n"
                    else:
                        stopped = ""
                shown = dict.fromkeys(f"RuntimeWarning: {w.message}\n" for w in caught
                                      if issubclass(w.category, RuntimeWarning))
                out.write("".join(shown) + stopped)
                break
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, namespace)
    finally:
        os.chdir(cwd)
        plt.close("all")
    return out.getvalue()


def tells(output: str) -> bool:
    """The training cell marked a number that differs from correct functions', or stopped with an error."""
    lines = output.strip().splitlines()
    return any(DIFFERS in line for line in lines) or bool(lines and ": " in lines[-1]
                                                          and lines[-1].split(":")[0].endswith(("Error", "Exception")))


def values_differ(fn, reference, inputs, rtol: float = 1e-9) -> bool:
    """``fn`` and ``reference`` give different results (beyond ``rtol``) on one of ``inputs`` (argument tuples),
    or ``fn`` raises where the reference does not."""
    for args in inputs:
        want = np.asarray(reference(*args), dtype=float)
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(fn(*args), dtype=float)
        except Exception:  # noqa: BLE001 — a function that raises on the training's own inputs differs
            return True
        if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=0, equal_nan=False):
            return True
    return False
