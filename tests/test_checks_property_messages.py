"""A property cell (purity, a relation, error handling) that finds no working function to judge says what its calls
did, truthfully: how many raised, and what the others gave (autograder/checks/stub_failure.py).

kl_divergence-purity has six calls: two 2-D arrays and their nested lists, one 1-D pair as arrays and as lists (the
same input twice), and 2-D and 3-D arrays. The messages are those of the cell as its calls are made; the cell's slice
form (a stack of slices handed over one slice at a time, docs/contract.md) is set aside here, and
:func:`test_code_for_one_slice_keeps_the_cell_one_slice_at_a_time` shows what it adds."""

from dataclasses import replace

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate

GRADED = checks_for("ps6_information")["kl_divergence-purity"]
PURITY = replace(GRADED, slice_form=None)

HEAD = """
import numpy as np

def kl_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
"""

CASES = {
    # Python's max on a row sum: raises on every input with rows, and gives one number for the 1-D pair (twice)
    "flat-max": ("    return max(sum(p * np.log(p / q)), 0.0)\n", "no-result",
                 "5 of the 7 calls here raised (ValueError), and the 2 that returned numbers gave one and the same "
                 "number"),
    "raises": ("    raise ValueError('p is not valid')\n", "no-result", "every call here raised (ValueError)"),
    "placeholder": ("    return 0.0\n", "stub", "returned the same number for every input"),
    "nan": ("    return np.full(p.shape[:-1], np.nan)[()]\n", "stub", "returned only nan or inf, for every input"),
}


@pytest.mark.parametrize("name", CASES)
def test_the_message_says_what_the_calls_did(name):
    body, kind, said = CASES[name]
    namespace = {"np": np, "__name__": "__main__"}
    exec(compile(HEAD + body, f"<{name}>", "exec"), namespace)
    result = evaluate(PURITY, LocalTarget(namespace))
    assert not result.passed and result.kind == kind, (result.kind, result.message)
    assert said in result.message, result.message


def test_code_for_one_flat_vector_is_not_called_a_placeholder():
    namespace = {"np": np, "__name__": "__main__"}
    exec(compile(HEAD + CASES["flat-max"][0], "<flat-max>", "exec"), namespace)
    result = evaluate(PURITY, LocalTarget(namespace))
    assert "placeholder" not in result.hint and "one 1-D slice, at a time" in result.hint, result.hint


def test_code_for_one_slice_keeps_the_cell_one_slice_at_a_time():
    """The same flat-vector code, graded: it fails -basic on a stack of rows, so the cell is judged again with each
    stack handed over one slice at a time, where it is pure; a stub gets no such second look's credit."""
    namespace = {"np": np, "__name__": "__main__"}
    exec(compile(HEAD + CASES["flat-max"][0], "<flat-max>", "exec"), namespace)
    kept = evaluate(GRADED, LocalTarget(namespace))
    assert kept.passed and "one 1-D slice at a time" in kept.message and "`kl_divergence-basic`" in kept.message, \
        kept.message
    stub = {"np": np, "__name__": "__main__"}
    exec(compile(HEAD + CASES["placeholder"][0], "<placeholder>", "exec"), stub)
    assert evaluate(GRADED, LocalTarget(stub)).kind == "stub"


@pytest.mark.parametrize("cell, body, named", [
    # d2l's softmax, a whole-array sum: every axis gives the same result
    ("softmax-axis", "    e = np.exp(z - z.max())\n    return e / e.sum()\n", "`axis`"),
    # the temperature accepted and never used, the axis handled
    ("softmax-temperature", "    e = np.exp(z - z.max(axis=axis, keepdims=True))\n"
                            "    return e / e.sum(axis=axis, keepdims=True)\n", None),
])
def test_a_function_that_ignores_a_keyword_is_told_which(cell, body, named):
    """Calls that gave one result where the correct ones differ: where they differ only in a keyword argument, the
    message names it (the whole-array softmax of the -axis cell ignores `axis`); where a relation fails first (the
    temperature cell's), its own message stands."""
    source = "import numpy as np\n\ndef softmax(z, axis=-1, temperature=1.0):\n    z = np.asarray(z, dtype=float)\n" + body
    ns: dict = {}
    exec(source, ns)
    found = evaluate(replace(checks_for("ps1_softmax")[cell], slice_form=None), LocalTarget(ns))
    assert not found.passed
    if named:
        assert found.kind == "stub" and f"calls that differ only in {named}" in found.message, found.message
    else:
        assert "calls that differ only in" not in found.message, found.message
