"""Training that tells: what a "Put it to work" training cell shows with a zoo specimen in place of a function.

A training section (``fig-train``, ``docs/notebooks.md``) trains a model with the student's own functions and
prints, beside each number it shows, the number correct functions reach. It *tells* when a typical mistake of a
trained function changes what the cell shows, and when every route the task allows shows exactly what the
reference shows. This module runs the cell the way a kernel does, with one or more solution cells replaced:

* :func:`shown` runs the notebook's set-up, solution and data cells (a solution cell replaced by a specimen's
  source where asked), then ``fig-train``, and returns what the cell shows as text: its stdout, then a line per
  ``RuntimeWarning`` it raised (a notebook shows those under the cell) and, if it stopped, the exception's line
  (a notebook shows a traceback);
* :func:`typical_mistakes` lists the zoo's wrong specimens of a function whose *values* are wrong: the mistakes
  of :func:`testkit.zoo.checklists.mistakes` (no stub, no template, no forbidden library call) that lose a cell
  other than ``-errors`` and ``-purity``; each must change what the cell shows;
* :func:`same_values` lists the zoo's implementations whose values are right: the correct ones (every route
  the task allows), and the wrong ones that only lack validation; each must show what the reference shows.

Used by ``tests/test_training.py`` for every trained function listed in :data:`TRAINED`; a new training
section (or one made to tell) needs only its entry there.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import warnings
from pathlib import Path

from autograder.model.course import is_data_cell, is_lesson_cell
from testkit.zoo import checklists, zoo

#: Problem set -> the functions its training cell trains with (each one's mistakes must show there).
TRAINED = {
    "ps4_bernoulli": ("sigmoid", "binary_cross_entropy_with_logits"),
    "ps6_information": ("map_linear_regression",),
}
#: Aspects whose cells do not judge values: a mistake that loses only these computes what correct code does
#: (one that loses a ``-purity`` cell may still change a training run: a function that modifies its input
#: changes what the cell computes with that array next, so it is neither a typical mistake nor asserted equal).
NOT_VALUES = ("errors", "purity")


#: A line of a training cell that shows one number beside what correct functions show there.
ROW = re.compile(r"^(?P<what>.*?)\s+yours: (?P<yours>.*?)\s+correct functions: (?P<correct>.*?)\s*$", re.M)


def rows(text: str) -> list:
    """``(what, yours, correct)`` for each line of ``text`` that shows a number beside the correct one."""
    return [(m["what"].strip(), m["yours"], m["correct"]) for m in ROW.finditer(text)]


def tells(text: str) -> list:
    """What in ``text`` (as :func:`shown` returns it) shows a student that something is off: each row whose number
    differs from what correct functions show, each RuntimeWarning, and the exception that stopped the cell."""
    told = [f"{what}: {yours} (correct functions: {correct})" for what, yours, correct in rows(text)
            if yours != correct]
    return told + [line for line in text.splitlines()
                   if line.startswith("RuntimeWarning: ") or re.match(r"^\w+(Error|Exception)\b.*: ", line)]


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _python(source: str) -> str:
    """A cell's source without IPython's magics and shell escapes (what ``%matplotlib inline`` is)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def shown(notebook: Path, replace: dict | None = None, skip_data: bool = False, namespace: dict | None = None,
          folder: Path | None = None) -> str:
    """What ``fig-train`` shows after the notebook's set-up, solution and data cells, run here as a kernel would.

    Parameters
    ----------
    notebook : Path
        A source notebook (reference solutions) or a release one (templates).
    replace : dict, optional
        Function name -> source of a solution cell to run instead of the notebook's (a zoo specimen's).
    skip_data : bool
        Do not run the data cell (the section must then say which cell to run).
    namespace : dict, optional
        The namespace to run in (the caller may read the cell's variables afterwards).
    folder : Path, optional
        The working directory to run in (the caller may look at it afterwards); by default an empty
        temporary folder.

    Returns
    -------
    str
        The cell's stdout; then ``RuntimeWarning: <message>`` for each distinct warning it raised; then
        ``<Exception>: <message>`` if it stopped. Cells run in ``folder`` (the notebook reads no file and
        writes none), matplotlib without a screen; the graded cells and other lesson cells are not run.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    replace = dict(replace or {})
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    out = io.StringIO()
    cwd = os.getcwd()
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    with contextlib.ExitStack() as stack:
        folder = folder if folder is not None else stack.enter_context(tempfile.TemporaryDirectory())
        try:
            os.chdir(folder)
            for cell in cells:
                meta, gid = _meta(cell), _meta(cell).get("grade_id", "")
                if cell["cell_type"] != "code" or (meta.get("grade") and not meta.get("solution")):
                    continue
                if (is_lesson_cell(gid) and gid != "fig-train") or (skip_data and is_data_cell(gid)):
                    continue
                source = replace.pop(gid) if meta.get("solution") and gid in replace else _text(cell)
                code = compile(_python(source), f"<cell {gid}>", "exec")
                if gid != "fig-train":
                    with contextlib.redirect_stdout(io.StringIO()):
                        exec(code, namespace)  # the course's own notebook, or the course's own zoo
                    continue
                with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
                    warnings.simplefilter("always")
                    try:
                        exec(code, namespace)
                    except Exception as exc:  # noqa: BLE001 — a mistake may stop the cell: a notebook shows the traceback
                        stopped = f"{type(exc).__name__}: {exc}\n"
                    else:
                        stopped = ""
                seen = dict.fromkeys(f"RuntimeWarning: {w.message}\n" for w in caught
                                     if issubclass(w.category, RuntimeWarning))
                return out.getvalue() + "".join(seen) + stopped
        finally:
            os.chdir(cwd)
            plt.close("all")
    raise AssertionError(f"{notebook} has no fig-train cell")


def typical_mistakes(ps: str, function: str) -> list:
    """The zoo's wrong specimens of ``function`` whose values are wrong: mistakes in the code (no stub, no
    template, no forbidden library call: :func:`testkit.zoo.checklists.mistake_specimens`) that lose a cell
    judging values (one other than ``-errors`` and ``-purity``)."""
    return [specimen for specimen, cells in checklists.mistake_specimens(ps, function)
            if any(not cell.endswith(NOT_VALUES) for cell in cells)]


def same_values(ps: str, function: str) -> list:
    """The zoo's specimens of ``function`` that compute what the reference computes: the correct ones (every
    route the task allows), and the mistakes that lose only ``-errors`` cells (no validation: valid input,
    as a training cell passes, is computed right)."""
    errors_only = {s.name for s, cells in checklists.mistake_specimens(ps, function)
                   if all(cell.endswith("-errors") for cell in cells)}
    return [s for s in zoo(ps) if s.function == function and (s.correct or s.name in errors_only)]
