"""The checks that confirm a student's own derivation (issue 81: "lessons ask; checks confirm").

Every set asks for a derivation and then runs a check the student can read the verdict of, one helper of the one
family in the self-check module (``student_side/selfcheck.py``, "Confirmations of your own derivations"; ``FAMILY``
below): the student's 4(a) and bounds against log-sum-exp and softmax computed exactly (ps1, ``confirm_shift``
and ``confirm_bounds``), the student's gradient against central differences of the student's own loss (ps2 and ps4, the one ``confirm_gradient``), the student's
estimates or weights against a brute-force compass search of the function they maximise (ps3 and ps6, the one
``confirm_maximum``), the student's closed forms against Monte Carlo averages of the log-ratio (ps5,
``confirm_by_sampling``). Here each cell runs as in a kernel, with the reference solutions and with the zoo's
implementations (ps1 and ps4: typical wrong results written here) in their place:

* a correct implementation (the reference, and every correct specimen of the zoo) is told it agrees, on every line;
* every typical mistake whose values differ on the cell's own inputs is told it does not agree, somewhere (or the
  cell stops with the error the student's function raised there);
* the verdict never says what the result should be: the numbers it prints are not the reference's values;
* every helper says so with the same words and returns True or False, its arguments in one order (yours, what it
  is confirmed against, the inputs; options by keyword).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import json
import re
import sys
import warnings

import numpy as np
import pytest

from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, is_data_cell, is_lesson_cell, source_notebook
from testkit.zoo import zoo
from tests.student_side import selfcheck_importable
from tests.test_training_tells import WRONG_GRADIENTS

#: problem set -> (the lesson cell that checks the derivation, the functions it checks)
CHECKS = {
    "ps1_softmax": ("demo-confirm-bounds", ("your_shift", "your_bounds")),
    "ps2_cross_entropy": ("demo-gradient-check", ("cross_entropy_grad",)),
    "ps3_gaussian": ("demo-confirm-mle", ("gaussian_mle",)),
    "ps4_bernoulli": ("demo-gradient-check", ("logit_gradient",)),
    "ps5_gaussian_kl": ("demo-sampling", ("gaussian_kl", "vae_kl")),
    "ps6_information": ("demo-map-check", ("map_linear_regression",)),
}


def _python(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def run_check_cell(ps: str, solutions: dict | None = None) -> str:
    """What the derivation's check cell of ``ps`` prints after the set-up, the imports, the solution cells (each
    replaced by ``solutions[grade_id]`` where given) and the lesson cells before it, run in one namespace."""
    cell_id, _ = CHECKS[ps]
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    for cell in json.loads(source_notebook(ps).read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid, source = meta.get("grade_id", ""), "".join(cell["source"])
        if cell["cell_type"] != "code" or meta.get("grade") or is_data_cell(gid):
            continue
        if is_lesson_cell(gid) and gid != cell_id:
            continue
        if meta.get("solution"):
            source = (solutions or {}).get(gid, source)
        with contextlib.redirect_stdout(out if gid == cell_id else io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                exec(compile(_python(source), f"<cell {gid}>", "exec"), namespace)  # the course's own notebook
            except Exception as exc:  # the student's function raised in the check: what they see
                if gid != cell_id:
                    raise
                out.write(f"{type(exc).__name__}: {exc}\n")
        if gid == cell_id:
            return out.getvalue()
    raise AssertionError(f"{ps}: no cell {cell_id}")


#: problem set -> the helper of the family its cell runs (ps2 and ps4 share one, ps3 and ps6 share one; ps1 runs
#: two, for 4(a) and for 4(b) and 4(c)).
FAMILY = {"ps1_softmax": ("confirm_shift", "confirm_bounds"), "ps2_cross_entropy": ("confirm_gradient",),
          "ps3_gaussian": ("confirm_maximum",), "ps4_bernoulli": ("confirm_gradient",),
          "ps5_gaussian_kl": ("confirm_by_sampling",), "ps6_information": ("confirm_maximum",)}
#: What a verdict says (ps1's bounds hold or do not; every other result agrees or does not).
AGREES, DISAGREES = re.compile(r"\b(agrees|holds)\b"), re.compile(r"\bdoes not (agree|hold)\b")


def _verdicts(printed: str) -> list[str]:
    """The verdict lines (ps1's helpers each start with a line saying what they were run on)."""
    heads = ("Your bounds on ", "Your 4(a) on ")
    return [line for line in printed.splitlines() if line.strip() and not line.startswith(heads)]


def _told_wrong(printed: str) -> bool:
    return bool(DISAGREES.search(printed) or re.search(r"^\w+(Error|Exception): ", printed, re.M))


@pytest.mark.parametrize("ps", CHECKS)
def test_the_reference_solutions_agree_on_every_line(ps):
    lines = _verdicts(run_check_cell(ps))
    assert lines and all(AGREES.search(line) and not DISAGREES.search(line) for line in lines), lines


#: Typical wrong results a student writes in an ungraded solution cell (no zoo there): ps4's gradients (the
#: training's list) and ps1's bounds of 4(b) and 4(c) -> (set, cell, source).
_BOUNDS = "def your_bounds(z):\n    m, C = np.max(z), len(z)\n    return "
_SHIFT = "def your_shift(z, c):\n    S = np.sum(np.exp(z - c))\n    return "
WRONG_RESULTS = {
    **{f"ps4, {mistake}": ("ps4_bernoulli", "logit_gradient", f"def logit_gradient(z, y):\n    {body}\n")
       for mistake, body in WRONG_GRADIENTS.items()},
    "ps1, LSE at most m (log C left out above)": ("ps1_softmax", "your_bounds",
                                                  _BOUNDS + "m, m, z - m - np.log(C), z - m\n"),
    "ps1, LSE's bounds swapped": ("ps1_softmax", "your_bounds",
                                  _BOUNDS + "m + np.log(C), m, z - m - np.log(C), z - m\n"),
    "ps1, log softmax at least z - m": ("ps1_softmax", "your_bounds", _BOUNDS + "m, m + np.log(C), z - m, z - m\n"),
    "ps1, log C's sign flipped below": ("ps1_softmax", "your_bounds",
                                        _BOUNDS + "m, m + np.log(C), z - m + np.log(C), z - m\n"),
    "ps1, (a) with c subtracted": ("ps1_softmax", "your_shift", _SHIFT + "np.log(S) - c, np.exp(z - c) / S\n"),
    "ps1, (a) without c": ("ps1_softmax", "your_shift", _SHIFT + "np.log(S), np.exp(z - c) / S\n"),
    "ps1, (a)'s softmax not shifted": ("ps1_softmax", "your_shift", _SHIFT + "c + np.log(S), np.exp(z) / S\n"),
}


@pytest.mark.parametrize("mistake", list(WRONG_RESULTS), ids=list(WRONG_RESULTS))
def test_a_wrong_result_does_not_agree(mistake):
    ps, cell, source = WRONG_RESULTS[mistake]
    assert DISAGREES.search(run_check_cell(ps, {cell: source})), mistake


def test_a_loose_bound_holds_and_is_asked_to_be_tighter():
    source = _BOUNDS + "m - 1, m + C, z - m - C, z - m + 1\n"
    printed = run_check_cell("ps1_softmax", {"your_bounds": source})
    assert not DISAGREES.search(printed) and printed.count("can it be made tighter") == 4, printed


def test_a_forgotten_one_over_n_is_named_as_a_constant_factor():
    source = f"def logit_gradient(z, y):\n    {WRONG_GRADIENTS['the 1/N of the mean forgotten']}\n"
    printed = run_check_cell("ps4_bernoulli", {"logit_gradient": source})
    assert "Yours is 8 times the differences' at every entry" in printed, printed


def _specimens(ps: str, functions) -> list:
    return [s for s in zoo(ps) if s.function in functions and (s.correct or s.hint)]


#: How far off (relative) a value must be for a check to be held to telling it: ten times the helpers' tolerance of
#: 1e-6. A search of function values alone locates a maximum to about sqrt(machine epsilon) of its size, and ps6's
#: search ends up to 5e-8 from the exact weights; ps3's zoo smooths the variance by 1e-6, 2e-7 on sigma: below what
#: any brute force can resolve, and the graded cells' to find.
RESOLUTION = 1e-5


def _differs_on(specimen, inputs) -> bool:
    """The specimen's function gives other values than the reference (or raises) on one of ``inputs``, by more than
    ``RESOLUTION`` relative."""
    namespace = {"__name__": "__zoo__"}
    exec(compile(specimen.source, f"<zoo {specimen.name}>", "exec"), namespace)  # trusted: the course's own zoo
    mine, reference = namespace[specimen.function], reference_function(specimen.function)
    for args in inputs:
        want = np.asarray(reference(*args), dtype=float)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = np.asarray(mine(*args), dtype=float)
        except Exception:  # noqa: BLE001 - a specimen that raises on the check's inputs differs
            return True
        if got.size != want.size or not np.allclose(np.ravel(got), np.ravel(want), rtol=RESOLUTION, atol=0):
            return True   # (the values: a (1,) array for one number is the -shape cell's, not the derivation's)
    return False


#: The inputs each cell gives the functions it checks (as the cells write them).
_RNG6 = np.random.default_rng(6)
_X6 = _RNG6.normal(size=(20, 3))
_Y6 = _X6 @ np.array([1.0, -2.0, 0.5]) + 0.5 * _RNG6.normal(size=20)
INPUTS = {
    "gaussian_kl": [(0.5, 0.8, -0.3, 1.5), (0.0, 2.0, 1.0, 0.5), (-1.0, 1.0, -1.0, 3.0)],
    "vae_kl": [(np.array([0.5, -1.0, 0.0]), np.array([0.3, -0.5, 1.2]))],
    "map_linear_regression": [(_X6, _Y6, 0.5, 0.3), (_X6, _Y6, 2.0, 1.0), (_X6, _Y6, 1.0, 10.0)],
    "cross_entropy_grad": [(3 * np.random.default_rng(0).normal(size=(4, 5)), np.array([0, 3, 1, 4]))],
    "gaussian_mle": [(np.random.default_rng(9).normal(2.0, 1.5, size=200),)],
}


@pytest.mark.parametrize("ps", ["ps2_cross_entropy", "ps3_gaussian", "ps5_gaussian_kl", "ps6_information"])
def test_every_zoo_implementation_is_told_whether_it_agrees(ps):
    """Correct specimens agree on every line; each mistake whose values differ on the cell's inputs is told it does
    not (a mistake those inputs cannot show, an array or stability one, is the graded cells' to find)."""
    _, functions = CHECKS[ps]
    told, missed = 0, []
    for specimen in _specimens(ps, functions):
        printed = run_check_cell(ps, {specimen.function: specimen.source})
        if specimen.correct:
            assert not DISAGREES.search(printed) and AGREES.search(printed), (specimen.name, printed)
        elif _differs_on(specimen, INPUTS[specimen.function]):
            told += 1
            if not _told_wrong(printed):   # (an error the student's function raised in the cell tells too)
                missed.append(specimen.name)
    assert not missed, f"{ps}: the check says nothing wrong with {missed}"
    assert told >= (3 if ps == "ps3_gaussian" else 5), told   # (ps3's: ddof=1, the variance returned, the two swapped)


def test_a_verdict_never_prints_the_value_it_compares_with():
    """What the check compares with (the sampled average, the searched weights, the differences) is not printed:
    no number of the output is the reference's value of a checked input, to the 3 digits a student would copy (ps2's
    verdict prints a relative difference near 1e-10, left out: no entry of its gradient is that small)."""
    for ps in ("ps2_cross_entropy", "ps3_gaussian", "ps5_gaussian_kl", "ps6_information"):
        printed = run_check_cell(ps)
        shown = {float(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", printed) if abs(float(n)) > 1e-6}
        for fn in CHECKS[ps][1]:
            for args in INPUTS[fn]:
                for value in np.ravel(reference_function(fn)(*args)):
                    assert not any(abs(n - value) <= 5e-4 * max(1.0, abs(value)) for n in shown), (ps, fn, value, printed)


def test_the_checks_live_in_the_self_check_module():
    """The helpers are the students' self-check module's (in every set-up cell): each cell imports and runs the one
    of the family its set needs, and the family is those five, each named ``confirm_<what it confirms>``."""
    for ps, (cell_id, _) in CHECKS.items():
        cell = next(c for c in json.loads(source_notebook(ps).read_text(encoding="utf-8"))["cells"]
                    if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell_id)
        source, helpers = "".join(cell["source"]), FAMILY[ps]
        assert f"from selfcheck import {', '.join(helpers)}\n" in source, (ps, source)
        assert all(f"    {helper}(" in source for helper in helpers), (ps, source)
        assert all(fn in FUNCTIONS[ps] or fn in ("logit_gradient", "your_shift", "your_bounds") for fn in CHECKS[ps][1])
    with selfcheck_importable():
        module = importlib.import_module("selfcheck")
    public = {name for name in vars(module) if name.startswith(("confirm", "check")) and callable(vars(module)[name])}
    assert public == {name for names in FAMILY.values() for name in names}, public


def _module():
    with selfcheck_importable():
        sys.modules.pop("selfcheck", None)
        return importlib.import_module("selfcheck")


def test_the_family_has_one_argument_order_and_returns_whether_yours_agrees():
    """Yours first, then what it is confirmed against, then the inputs; every option keyword-only; True when yours
    agrees, False when not, with the verdict printed either way."""
    module = _module()
    firsts = {name: list(inspect.signature(getattr(module, name)).parameters.values())
              for names in FAMILY.values() for name in names}
    assert {name: params[0].name for name, params in firsts.items()} == {
        "confirm_shift": "shift", "confirm_bounds": "bounds", "confirm_gradient": "gradient",
        "confirm_maximum": "yours", "confirm_by_sampling": "value"}
    for name, params in firsts.items():
        options = [p.name for p in params if p.default is not inspect.Parameter.empty]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params if p.name in options), (name, options)
    target = np.array([1.5, -2.0, 0.25])
    cases = [
        (module.confirm_gradient, (lambda x: 2 * x, lambda x: float(np.sum(x**2)), target), True),
        (module.confirm_gradient, (lambda x: 3 * x, lambda x: float(np.sum(x**2)), target), False),
        (module.confirm_maximum, (target, lambda w: -float(np.sum((w - target) ** 2))), True),
        (module.confirm_maximum, (target + 1e-3, lambda w: -float(np.sum((w - target) ** 2))), False),
        (module.confirm_by_sampling, (0.5, np.random.default_rng(1).normal(0.5, 1.0, 10_000)), True),
        (module.confirm_by_sampling, (0.7, np.random.default_rng(1).normal(0.5, 1.0, 10_000)), False),
    ]
    for helper, args, agrees in cases:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            result = helper(*args, label="case")
        assert result is agrees, (helper.__name__, out.getvalue())
        assert out.getvalue().startswith("case: ") and (" does not agree" in out.getvalue()) is not agrees
    with contextlib.redirect_stdout(io.StringIO()):
        assert module.confirm_bounds(lambda z: (np.max(z), np.max(z) + np.log(len(z)), z - np.max(z) - np.log(len(z)),
                                                z - np.max(z)), cases=20) is True
        assert module.confirm_shift(lambda z, c: (c + np.log(np.sum(np.exp(z - c))),
                                                  np.exp(z - c) / np.sum(np.exp(z - c))), cases=20) is True
        assert module.confirm_shift(lambda z, c: (np.log(np.sum(np.exp(z - c))),
                                                  np.exp(z - c) / np.sum(np.exp(z - c))), cases=20) is False


def test_the_compass_search_stays_where_the_function_is_defined():
    """ps3's search starts at sigma = 1 with steps of 1: a point where the student's log-likelihood raises the
    contract's ValueError (sigma <= 0) or returns nan, with a RuntimeWarning, counts as worse and prints nothing."""
    module = _module()
    sample = np.random.default_rng(9).normal(2.0, 1.5, size=200)

    def raising(x, mu, sigma):
        if sigma <= 0:
            raise ValueError("sigma: expected a positive number")
        return float(np.sum(-np.log(sigma) - (x - mu) ** 2 / (2 * sigma**2)))

    def nan_below_zero(x, mu, sigma):
        return float(np.sum(-np.log(sigma) - (x - mu) ** 2 / (2 * sigma**2)))

    estimates = (sample.mean(), sample.std())
    for log_likelihood in (raising, nan_below_zero):
        with contextlib.redirect_stdout(io.StringIO()) as out, warnings.catch_warnings():
            warnings.simplefilter("error")
            assert module.confirm_maximum(estimates, lambda theta, f=log_likelihood: f(sample, *theta),
                                          start=(0.0, 1.0), names=("mu_hat", "sigma_hat")), out.getvalue()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            assert not module.confirm_maximum((estimates[0], sample.std(ddof=1)),
                                              lambda theta, f=log_likelihood: f(sample, *theta),
                                              start=(0.0, 1.0), names=("mu_hat", "sigma_hat"))
        assert "furthest in sigma_hat" in out.getvalue(), out.getvalue()
