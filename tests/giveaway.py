"""Does lesson code compute a graded function? Run it and see.

A notebook's lesson must not hand out the answer: no cell other than the
solution cells may define a function that computes one of the problem set's
graded functions (design.md, "Points only for the student's own work").
:func:`lesson_namespace` runs a release notebook the way a student first
meets it — every code cell, top to bottom, the solution cells still the
template — and :func:`give_aways` calls every function that a cell other
than a solution cell defined (``def`` and ``lambda`` alike, also inside a
list or a dict) on the basic probes of each graded function:

* with the probe's own arguments, and, when its signature takes fewer, with
  the leading positional ones (a lesson helper typically drops the trailing
  options: ``kl_of(p, q)`` for ``kl_divergence(p, q, axis)``,
  ``ridge(X, y, lam)`` for ``map_linear_regression(X, y, noise_std, prior_std)``);
* it gives the answer away when it returns the reference's value (to the
  check's tolerance, with as many numbers) on a probe whose reference is not
  all zeros.

The cells run with the template stubs, so a figure that calls the student's
function after its task gets ``NotImplementedError``; such a cell must say so
in one line instead of failing (:func:`lesson_namespace` records the cells
that raise).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.checks.by_name import checks_for
from autograder.checks.references import reference
from autograder.model.course import FUNCTIONS
from autograder.perimeter.child_runtime.invoke import NotNumbers, to_plain

#: The compiled cells' file names start with this (how a function defined by a cell is recognised).
_CELL = "<cell "


@dataclass
class LessonRun:
    """What running a release notebook's non-test cells gave."""

    namespace: dict
    #: grade_id -> the cell's stdout
    stdout: dict = field(default_factory=dict)
    #: grade_id -> "ExceptionType: message" for every cell that raised
    errors: dict = field(default_factory=dict)
    #: grade_ids of the solution cells (their functions are the student's, not the lesson's)
    solution_cells: set = field(default_factory=set)


def _code(source: str) -> str:
    """A cell's source without IPython magics and shell escapes (they define nothing)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


@contextlib.contextmanager
def _headless(folder: Path):
    """Run cells as in ``folder`` (the notebook needs no file there), figures drawn off screen and closed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cwd = os.getcwd()
    show = plt.show
    plt.show = lambda *a, **k: plt.close("all")
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        plt.show = show
        plt.close("all")
        os.chdir(cwd)


def lesson_namespace(notebook: Path) -> LessonRun:
    """Run every code cell of ``notebook`` in order, in one namespace, as a student's kernel does.

    The graded test cells run too (their visible asserts fail on the template; what they assigned before
    that stays, as in the kernel), so a lesson cell that reads a name a test cell rebinds is seen to fail.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    run = LessonRun({"__name__": "__main__"})
    with _headless(Path(notebook).resolve().parent):
        for index, cell in enumerate(nb["cells"]):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell["cell_type"] != "code":
                continue
            gid = meta.get("grade_id") or f"cell-{index}"
            if meta.get("solution"):
                run.solution_cells.add(gid)
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(_code("".join(cell["source"])), f"{_CELL}{gid}>", "exec"), run.namespace)
            except Exception as exc:  # noqa: BLE001 - recorded: a lesson cell must not fail on the template
                if not meta.get("grade"):   # a test cell fails on the template, as in the student's kernel
                    run.errors[gid] = f"{type(exc).__name__}: {exc}"
            run.stdout[gid] = out.getvalue()
    return run


def lesson_functions(run: LessonRun) -> dict:
    """``name -> function`` for every function a non-solution cell defined (top level, or in a list/dict)."""
    found = {}

    def consider(name, value):
        if isinstance(value, types.FunctionType) and value.__code__.co_filename.startswith(_CELL):
            cell = value.__code__.co_filename[len(_CELL):-1]
            if cell not in run.solution_cells:
                found.setdefault(name, value)

    for name, value in run.namespace.items():
        consider(name, value)
        if isinstance(value, dict):
            for key, item in value.items():
                consider(f"{name}[{key!r}]", item)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                consider(f"{name}[{i}]", item)
    return found


def _call_forms(fn, args: tuple, kwargs: dict):
    """The argument lists ``fn`` is tried with: the probe's own, then its leading positional ones;
    each as given and with its lists as float arrays (a lesson helper written for arrays)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return [(args, kwargs)]
    forms = []
    try:
        signature.bind(*args, **kwargs)
        forms.append((args, kwargs))
    except TypeError:
        pass
    for k in range(len(args) - 1, 0, -1):
        try:
            signature.bind(*args[:k])
        except TypeError:
            continue
        forms.append((args[:k], {}))
        break
    as_arrays = lambda a: np.asarray(a, dtype=float) if isinstance(a, list) else a  # noqa: E731
    return forms + [(tuple(map(as_arrays, a)), k) for a, k in forms if any(isinstance(x, list) for x in a)]


def _agrees(value, expected, check) -> bool:
    try:
        got = to_plain(value)
    except NotNumbers:
        return False
    flat = lambda v: np.concatenate([np.ravel(x) for x in v]) if isinstance(v, tuple) else np.ravel(v)  # noqa: E731
    try:
        got, want = flat(got), flat(expected)
    except (TypeError, ValueError):
        return False
    if got.size != want.size or got.size == 0 or not np.any(want != 0):
        return False
    got, want = got.astype(float), want.astype(float)
    same_specials = np.array_equal(np.isfinite(got), np.isfinite(want)) and np.all(got[~np.isfinite(got)] == want[~np.isfinite(want)])
    finite = np.isfinite(want)
    return bool(same_specials and np.allclose(got[finite], want[finite], rtol=max(check.rtol, 1e-8),
                                              atol=max(check.atol, 1e-12)))


def give_aways(ps: str, run: LessonRun) -> dict:
    """``lesson function name -> [graded functions it computes]`` for problem set ``ps``."""
    checks = checks_for(ps)
    caught = {}
    for name, fn in lesson_functions(run).items():
        for graded in FUNCTIONS[ps]:
            check = checks[f"{graded}-basic"]
            for index, probe in enumerate(check.probes):
                if probe.expect != "value":
                    continue
                expected = reference(check, index)
                if expected.status != "returned":
                    continue
                if any(_agrees(_quiet_call(fn, a, k), expected.value, check) for a, k in
                       _call_forms(fn, probe.args, probe.kwargs)):
                    caught.setdefault(name, []).append(graded)
                    break
    return caught


class _Failed:
    """What a call that raised returns here (never agrees with anything)."""


def _quiet_call(fn, args, kwargs):
    import copy

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception:  # noqa: BLE001 - a lesson helper that cannot take this input does not compute the function
        return _Failed()

