"""The course's rubric (``testkit/zoo/rubric.py``, printed in ``docs/grading.md``) holds for every set.

* A function that needs its set's idea has one cell judging it, worth at least a third of the function, and
  the zoo's implementations without the idea lose at least that share (and only in that function).
* A function whose result is a reduction (one number, an axis removed, a tuple) has a ``-shape`` cell worth at
  most a quarter of it; the zoo's right-valued implementations in a slightly wrong container lose that cell and
  nothing else, and so do the variants below, written the other ways students write them (hidden specimens of
  the same kinds: not in the zoo's table, graded here only).
* The derivation is worth about a fifth of its set and at least 6 points; every set totals a multiple of 10.
"""

from __future__ import annotations

import pytest

from autograder.checks.by_name import checks_for
from autograder.model.course import ANSWER_CELLS, FUNCTIONS, GRADE_CELLS, PROBLEM_SETS, function_of
from testkit.zoo import Specimen, grade, rubric, zoo

#: The functions whose result is not shaped like their input: one number, an axis removed, a tuple, (K,) from
#: (N, K), (D,) from (N, D). Each has a -shape cell.
REDUCTIONS = {
    "ps1_softmax": ("logsumexp",),
    "ps2_cross_entropy": ("cross_entropy",),
    "ps3_gaussian": ("gaussian_log_likelihood", "gaussian_mle", "mvn_log_pdf"),
    "ps4_bernoulli": ("binary_cross_entropy", "binary_cross_entropy_with_logits"),
    "ps5_gaussian_kl": ("mvn_kl", "vae_kl"),
    "ps6_information": ("entropy", "kl_divergence", "js_divergence", "bayes_posterior", "map_linear_regression"),
}


def function_points(ps: str) -> dict:
    out = {}
    for gid, points in GRADE_CELLS[ps]:
        out[function_of(gid)] = out.get(function_of(gid), 0) + points
    return out


def specimen(name: str):
    for ps in PROBLEM_SETS:
        for s in zoo(ps):
            if s.name == name:
                return ps, s
    raise KeyError(name)


def lost_share(ps: str, s) -> tuple:
    """``(share of the function's points lost, cells lost)``; fails if a cell of another function is lost."""
    results = grade(ps, s)
    lost = [gid for gid, r in results.items() if not r.passed]
    assert all(function_of(gid) == s.function for gid in lost), (s.name, lost)
    points = dict(GRADE_CELLS[ps])
    return sum(points[g] for g in lost) / function_points(ps)[s.function], lost


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_each_idea_cell_is_at_least_a_third_of_its_function(ps):
    points, of = dict(GRADE_CELLS[ps]), function_points(ps)
    cells = rubric.idea_cells(ps)
    assert len({function_of(g) for g in cells}) == len(cells), f"{ps}: one idea cell per function"
    for gid in cells:
        assert points[gid] >= rubric.IDEA_SHARE * of[function_of(gid)], \
            f"{gid}: {points[gid]:g} of {function_of(gid)}'s {of[function_of(gid)]:g} points"


def test_the_sets_the_issue_names_have_their_idea():
    for ps in ("ps1_softmax", "ps2_cross_entropy", "ps3_gaussian", "ps4_bernoulli"):
        assert rubric.idea_cells(ps), ps
    assert set(rubric.RUBRICS) == set(PROBLEM_SETS)


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_reduction_has_one_shape_cell_worth_at_most_a_quarter(ps):
    checks, points, of = checks_for(ps), dict(GRADE_CELLS[ps]), function_points(ps)
    shaped = {c.function for c in checks.values() if c.container}
    assert shaped == set(REDUCTIONS[ps]), f"{ps}: -shape cells for {sorted(shaped)}"
    for fn in shaped:
        gid = f"{fn}-shape"
        assert checks[gid].container and points[gid] <= rubric.CONTAINER_SHARE * of[fn], (gid, points[gid], of[fn])
        others = [c for c in checks.values() if c.function == fn and c.container]
        assert len(others) == 1, f"{fn}: the container is judged in one cell"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_derivation_is_about_a_fifth_and_the_total_is_round(ps):
    auto, hand = sum(p for _, p in GRADE_CELLS[ps]), sum(p for _, p in ANSWER_CELLS[ps])
    total = auto + hand
    assert len(ANSWER_CELLS[ps]) == 1 and hand >= rubric.DERIVATION_MIN, (ps, hand)
    assert abs(hand / total - rubric.DERIVATION_SHARE) <= rubric.DERIVATION_TOLERANCE, (ps, hand, total)
    assert total % rubric.ROUND == 0, (ps, total)


@pytest.mark.parametrize("kind", list(rubric.kinds()), ids=list(rubric.kinds()))
def test_each_kind_loses_what_the_rubric_says(kind):
    for name in rubric.kinds()[kind]:
        ps, s = specimen(name)
        share, lost = lost_share(ps, s)
        if kind in rubric.CONTAINER_KINDS:
            assert lost == [f"{s.function}-shape"], (name, lost)
            assert 0 < share <= rubric.CONTAINER_SHARE, (name, share)
        else:
            assert share >= rubric.IDEA_SHARE, (name, share, lost)
            assert set(lost) & set(rubric.idea_cells(ps)), (name, lost)


#: Container slips written the other ways students write them: (problem set, function, source).
CONTAINER_VARIANTS = (
    ("ps1_softmax", "logsumexp", """
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(z - m), axis=axis))
    return np.expand_dims(s, axis) + m           # the sum's axis put back: (N, 1), and (1,) for 1-D input
"""),
    ("ps1_softmax", "logsumexp", """
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = z.max(axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    with np.errstate(divide="ignore"):
        out = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    return np.atleast_1d(out.squeeze())          # a 1-D input gives [x], not x
"""),
    ("ps2_cross_entropy", "cross_entropy", """
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    n, c = z.shape
    if np.issubdtype(t.dtype, np.integer):
        if np.any((t < 0) | (t >= c)):
            raise ValueError("targets must lie in [0, C)")
        t = np.eye(c)[t]
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.array([-np.sum(t * log_p) / n])    # one number, wrapped in an array
"""),
    ("ps2_cross_entropy", "cross_entropy", """
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    n, c = z.shape
    if np.issubdtype(t.dtype, np.integer):
        if np.any((t < 0) | (t >= c)):
            raise ValueError("targets must lie in [0, C)")
        t = np.eye(c)[t]
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return [float(-np.sum(t * log_p) / n)]       # a list of one float
"""),
    ("ps5_gaussian_kl", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    terms = 1.0 + logvar - mu * mu - np.exp(logvar)
    return (-0.5 * terms.sum(axis=-1))[..., None]   # one KL per code, as a column
"""),
    ("ps3_gaussian", "gaussian_log_likelihood", """
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    u = (x - mu) / sigma
    log_pdf = -0.5 * u * u - np.log(sigma) - 0.5 * np.log(2 * np.pi)
    return np.sum(log_pdf, keepdims=True).reshape(1)   # the sum, as an array of shape (1,)
"""),
)


@pytest.mark.parametrize("ps, function, source", CONTAINER_VARIANTS,
                         ids=[f"{fn}-{i}" for i, (_, fn, _) in enumerate(CONTAINER_VARIANTS)])
def test_a_container_slip_written_any_way_costs_the_shape_cell_alone(ps, function, source):
    share, lost = lost_share(ps, Specimen("variant", function, source, hint=""))
    assert lost == [f"{function}-shape"], lost
    assert share <= rubric.CONTAINER_SHARE


def test_a_float_a_numpy_scalar_and_a_0d_array_are_the_same_container():
    """The contract allows each for a reduction: none loses a cell."""
    for wrap in ("float(v)", "np.float64(v)", "np.asarray(v)"):
        source = f"""
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    v = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))
    return {wrap}
"""
        share, lost = lost_share("ps4_bernoulli", Specimen("variant", "binary_cross_entropy_with_logits", source, hint=""))
        assert lost == [], (wrap, lost)


def test_the_shape_cells_message_names_the_shape_expected():
    ps, s = specimen("logsumexp-keeps-dims")
    result = grade(ps, s)["logsumexp-shape"]
    assert not result.passed and "expected one number (a float or a 0-d array), got an array of shape (1,)" in \
        result.message, result.message
    ps, s = specimen("ps5-vae-kl-keepdims")
    result = grade(ps, s)["vae_kl-shape"]
    assert "expected one number (a float or a 0-d array), got an array of shape (1,)" in result.message, result.message
    assert "or (N, 1) where (N,) is" in result.hint  # the generic rule that recognises a kept length-1 axis


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_function_of_the_contract_is_in_the_rubric(ps):
    assert set(function_points(ps)) == set(FUNCTIONS[ps])
