"""The checks that confirm a student's own derivation (issue 81: "lessons ask; checks confirm").

ps4, ps5 and ps6 each ask for a derivation and then run a check the student can read the verdict of, from the
self-check module (``student_side/selfcheck.py``, its section "Checks of your own derivations"): finite differences
of the student's loss against the student's gradient (ps4, ``demo-gradient-check``), Monte Carlo averages of the
log-ratio against the student's closed forms (ps5, ``demo-sampling``), a brute-force search of the log posterior
against the student's MAP weights (ps6, ``demo-map-check``). Here each cell runs as in a kernel, with the reference
solutions and with the zoo's implementations in their place:

* a correct implementation (the reference, and every correct specimen of the zoo) is told it agrees, on every line;
* every typical mistake whose values differ on the cell's own inputs is told it does not agree, somewhere (or the
  cell stops with the error the student's function raised there);
* the verdict never says what the result should be: the numbers it prints are not the reference's values.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import warnings

import numpy as np
import pytest

from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, is_data_cell, is_lesson_cell, source_notebook
from testkit.zoo import zoo
from tests.test_training_tells import WRONG_GRADIENTS

#: problem set -> (the lesson cell that checks the derivation, the functions it checks)
CHECKS = {
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


def _verdicts(printed: str) -> list[str]:
    return [line for line in printed.splitlines() if line.strip()]


@pytest.mark.parametrize("ps", CHECKS)
def test_the_reference_solutions_agree_on_every_line(ps):
    lines = _verdicts(run_check_cell(ps))
    assert lines and all("agrees" in line and "does not agree" not in line for line in lines), lines


@pytest.mark.parametrize("mistake", list(WRONG_GRADIENTS), ids=list(WRONG_GRADIENTS))
def test_a_wrong_gradient_does_not_agree(mistake):
    source = f"def logit_gradient(z, y):\n    {WRONG_GRADIENTS[mistake]}\n"
    printed = run_check_cell("ps4_bernoulli", {"logit_gradient": source})
    assert "does not agree" in printed, printed


def test_a_forgotten_one_over_n_is_named_as_a_constant_factor():
    source = f"def logit_gradient(z, y):\n    {WRONG_GRADIENTS['the 1/N of the mean forgotten']}\n"
    printed = run_check_cell("ps4_bernoulli", {"logit_gradient": source})
    assert "Yours is 8 times the differences' at every entry" in printed, printed


def _specimens(ps: str, functions) -> list:
    return [s for s in zoo(ps) if s.function in functions and (s.correct or s.hint)]


def _differs_on(specimen, inputs) -> bool:
    """The specimen's function gives other values than the reference (or raises) on one of ``inputs``."""
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
        if got.size != want.size or not np.allclose(np.ravel(got), np.ravel(want), rtol=1e-9, atol=0):
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
}


@pytest.mark.parametrize("ps", ["ps5_gaussian_kl", "ps6_information"])
def test_every_zoo_implementation_is_told_whether_it_agrees(ps):
    """Correct specimens agree on every line; each mistake whose values differ on the cell's inputs is told it does
    not (a mistake those inputs cannot show, an array or stability one, is the graded cells' to find)."""
    _, functions = CHECKS[ps]
    told, missed = 0, []
    for specimen in _specimens(ps, functions):
        printed = run_check_cell(ps, {specimen.function: specimen.source})
        if specimen.correct:
            assert "does not agree" not in printed and "agrees" in printed, (specimen.name, printed)
        elif _differs_on(specimen, INPUTS[specimen.function]):
            told += 1
            if "does not agree" not in printed and not re.search(r"^\w+(Error|Exception): ", printed, re.M):
                missed.append(specimen.name)   # (an error the student's function raised in the cell tells too)
    assert not missed, f"{ps}: the check says nothing wrong with {missed}"
    assert told >= 5, told


def test_a_verdict_never_prints_the_value_it_compares_with():
    """What the check compares with (the sampled average, the searched weights, the differences) is not printed:
    no number of the output is the reference's value of a checked input, to the 3 digits a student would copy."""
    for ps in ("ps5_gaussian_kl", "ps6_information"):
        printed = run_check_cell(ps)
        shown = {float(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", printed)}
        for fn in CHECKS[ps][1]:
            for args in INPUTS[fn]:
                for value in np.ravel(reference_function(fn)(*args)):
                    assert not any(abs(n - value) <= 5e-4 * max(1.0, abs(value)) for n in shown), (ps, fn, value, printed)


def test_the_checks_live_in_the_self_check_module():
    """The helpers are the students' self-check module's (in every set-up cell), called as selfcheck.<name>."""
    for ps, (cell_id, _) in CHECKS.items():
        cell = next(c for c in json.loads(source_notebook(ps).read_text(encoding="utf-8"))["cells"]
                    if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == cell_id)
        assert re.search(r"selfcheck\.check_(gradient|by_sampling|maximiser)\(", "".join(cell["source"])), ps
        assert all(fn in FUNCTIONS[ps] or fn == "logit_gradient" for fn in CHECKS[ps][1])
