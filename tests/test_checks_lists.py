"""A list for an array is charged once, in the function's `-purity` cell (docs/contract.md, "Purity").

Every function accepts array-likes, Python lists included, and the -purity cell judges that a nested list gives the
same result as the same numbers as an array. The other cells of ps3, ps4, ps5 and ps6 pass lists too (their public
examples are written so: `entropy([0.5, 0.5])`, `mvn_log_pdf([0.0, 0.0], [0.0, 0.0], np.eye(2))`), and took a function
that fails on a list and is right on arrays in each of them: real code that uses its argument as an array from the
start (`p.ndim`, `x - mu` on a list) lost 9 to 12 points of 13 where the contract charges 1. Each such cell has an array
form (`Check.array_form`: each list as the array of its numbers), tried as the other forms are and kept only for a
function that loses its -purity cell. The notebooks' visible asserts still call with lists, as the contract's
array-likes: such a function fails them there and in -purity, which names the list it must take.

The specimens are not in the bug zoo: its specimens are also the similarity class's independent versions
(tests/test_similarity_detection.py), and these two are the reference less its conversion.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.model.course import FUNCTIONS
from testkit.zoo import Specimen, grade

#: Correct on arrays, written for arrays only: ``(problem set, specimen)``.
WRITTEN_FOR_ARRAYS = (
    ("ps3_gaussian", Specimen("loglik-no-asarray", "gaussian_log_likelihood", """
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    z = (x - mu) / sigma            # x is taken to be an array: a list minus a number raises TypeError
    return float(np.sum(-0.5 * z ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)))
""", hint="A nested list is not handled like the same numbers as an array", mistake="lists-not-converted")),
    ("ps4_bernoulli", Specimen("sigmoid-no-asarray", "sigmoid", """
import numpy as np

def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))   # a list >= 0 raises TypeError
""", hint="A nested list is not handled like the same numbers as an array", mistake="lists-not-converted")),
    ("ps6_information", Specimen("entropy-no-asarray", "entropy", """
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    # p is used as an array from the start (p.ndim, p.min(), p.sum()): a list has none of them
    if p.ndim == 0:
        raise ValueError("p must have at least one dimension")
    if not p.min() >= 0:
        raise ValueError("p must be non-negative")
    if not np.all(np.abs(p.sum(axis=axis) - 1.0) <= 1e-8):
        raise ValueError("each slice of p must sum to 1")
    return 0.0 - xlogy(p, p).sum(axis=axis)
""", hint="A nested list is not handled like the same numbers as an array", mistake="lists-not-converted")),
)


@pytest.mark.parametrize("ps, specimen", WRITTEN_FOR_ARRAYS, ids=[s.name for _, s in WRITTEN_FOR_ARRAYS])
def test_a_function_written_for_arrays_loses_its_purity_cell_and_no_other(ps, specimen):
    results = grade(ps, specimen)
    lost = sorted(g for g, r in results.items() if r.function == specimen.function and not r.passed)
    assert lost == [f"{specimen.function}-purity"], {g: results[g].message for g in lost}
    assert "A nested list is not handled like the same numbers as an array" in results[lost[0]].hint


def test_a_wrong_function_is_not_kept_by_the_array_form():
    """The array form keeps a cell only for a function right on the arrays: a wrong one written for arrays loses
    -basic as well (and its message is the list's, the first failure)."""
    wrong = Specimen("entropy-no-asarray-no-minus", "entropy", WRITTEN_FOR_ARRAYS[2][1].source.replace(
        "return 0.0 - xlogy(p, p)", "return xlogy(p, p)"), hint="x", mistake="x")
    lost = {g for g, r in grade("ps6_information", wrong).items() if r.function == "entropy" and not r.passed}
    assert {"entropy-basic", "entropy-purity"} <= lost


def test_every_cell_that_passes_lists_has_an_array_form_linked_to_its_purity_cell():
    for ps in FUNCTIONS:
        for gid, check in checks_for(ps).items():
            lists = any(isinstance(a, list) for p in check.probes for a in (*p.args, *p.kwargs.values()))
            if gid.endswith("-purity") or not lists:
                assert check.array_form is None, gid
                continue
            assert check.array_form is not None and check.purity_cell is not None, gid
            assert check.purity_cell.grade_id == f"{check.function}-purity"
            assert not any(isinstance(a, list) for p in check.array_form.probes for a in p.args), gid
            assert any(isinstance(a, np.ndarray) for p in check.array_form.probes for a in p.args), gid
