"""The hidden checks of problem set 6, checked themselves.

* the public probes are the values the checks module's table promises the
  notebook (the notebook's visible asserts are written from that table);
* the reference is right where the checks are demanding: against mpmath on
  the posterior probes (exact sums over N = 5000 observations) and on the
  MAP probes (an LU solve at 60 digits);
* the tolerances leave room: every correct specimen of the bug zoo is within
  a tenth of each probe's tolerance, and the posterior probes respect the
  contract's rule (1e-5 only where N·max|ℓ| > 1e8; none between 1e6 and 1e8);
* what the module says is not graded really cannot be: ``np.isclose``'s
  default accepts the 1e-6 probe, and ``inv`` is within the MAP tolerance.
"""

import math

import mpmath
import numpy as np
import pytest
from scipy import special, stats

from autograder.checks import ps6_information as P6
from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.references import reference, reference_function
from autograder.model.course import FUNCTIONS
from testkit.zoo import Specimen, grade, zoo
from tests import _mpmath_refs as ref

PS = "ps6_information"
CHECKS = checks_for(PS)
LOG2, LOG3, LOG4 = np.log(2.0), np.log(3.0), np.log(4.0)


def _judged(check):
    """The probes a notebook's visible asserts stand for: not the related calls a relation makes from them."""
    used = {u for p in check.probes for u in p.uses}
    return [(i, p) for i, p in enumerate(check.probes) if i not in used]


def _public(grade_id):
    return [(p, reference(CHECKS[grade_id], i)) for i, p in _judged(CHECKS[grade_id]) if p.public]


# ------------------------------------------------------- the table for the notebook
PROMISED = {
    "entropy-basic": [LOG2, LOG4],
    "entropy-axis": [None, np.full((2, 4), LOG3)],
    # the chain-rule probes (tiny probabilities count): their values from mpmath at 60 digits
    "entropy-edges": [0.0, LOG2, ref.to_float(ref.entropy(P6.SPLIT_P))],
    "kl_divergence-basic": [None, 0.0, None, None],   # the last two: nearly equal p and q, never negative
    "kl_divergence-support": [LOG2 / 2, np.inf, ref.to_float(ref.kl_divergence(P6.SPLIT_P, P6.SPLIT_Q))],
    "js_divergence-basic": [None, 0.0],
    "js_divergence-properties": [LOG2, LOG2 / 2, ref.to_float(ref.js_divergence(P6.SPLIT_P, P6.SPLIT_Q))],
    "bayes_posterior-basic": [[1 / 6, 5 / 6], None],
    "bayes_posterior-stability": [[1 / (1 + np.exp(-1.953125)), 1 / (1 + np.exp(1.953125))],
                                  [0.0, 1 / (1 + np.exp(1.5)), 1 / (1 + np.exp(-1.5))]],
    "map_linear_regression-basic": [[7 / 8, 11 / 8], [30400 / 30401, 60500 / 30401]],
    # λ = 4: [[6, 1], [1, 6]] w = [4, 5];  λ = 1e6: [[a, 1], [1, a]] w = [4, 5] with a = 1e6 + 2
    "map_linear_regression-limits": [[1.0, 2.0], [19 / 35, 26 / 35],
                                     [(4 * (1e6 + 2) - 5) / ((1e6 + 2) ** 2 - 1), (5 * (1e6 + 2) - 4) / ((1e6 + 2) ** 2 - 1)]],
}


@pytest.mark.parametrize("grade_id", PROMISED)
def test_public_probes_give_the_promised_values(grade_id):
    public = _public(grade_id)
    values = [o.value for p, o in public if p.expect != "raises"]
    assert len(values) == len(PROMISED[grade_id]), "the table and the public probes differ"
    for got, want in zip(values, PROMISED[grade_id]):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_every_check_has_a_public_probe_and_errors_start_with_values():
    for gid, check in CHECKS.items():
        assert 1 <= sum(p.public for _, p in _judged(check)) <= 5, gid
        if gid.endswith("-errors"):
            kinds = [p.expect for p in check.probes]
            assert kinds[0] == "call" and "raises" in kinds and kinds.count("call") >= 2, gid
            assert kinds == sorted(kinds, key=lambda k: k == "raises"), f"{gid}: value probes first, then raises"


def test_a_stub_that_raises_value_error_earns_no_error_points():
    def stub(*args, **kwargs):
        raise ValueError("bad input")

    namespace = {fn: reference_function(fn) for fn in FUNCTIONS[PS]}
    for gid in (g for g in CHECKS if g.endswith("-errors")):
        ns = dict(namespace, **{CHECKS[gid].function: stub})
        assert not evaluate(CHECKS[gid], LocalTarget(ns)).passed, gid


# --------------------------------------------------------- the reference vs mpmath
def test_the_posterior_reference_is_exact_on_every_probe():
    """Within 1e-12 of exact arithmetic (mpmath sums of the float64 inputs) on every
    bayes_posterior probe, N = 5000 included: far inside the probes' tolerances."""
    fn = reference_function("bayes_posterior")
    for gid in ("bayes_posterior-basic", "bayes_posterior-stability", "bayes_posterior-errors"):
        for probe in CHECKS[gid].probes:
            if probe.expect == "raises":
                continue
            expected = ref.to_float(ref.bayes_posterior(*probe.args))
            np.testing.assert_allclose(fn(*probe.args), expected, rtol=1e-12, atol=0, err_msg=probe.label)


def test_the_map_reference_is_exact_on_every_probe():
    fn = reference_function("map_linear_regression")
    for gid in ("map_linear_regression-basic", "map_linear_regression-limits"):
        for probe in CHECKS[gid].probes:
            X, y, noise_std, prior_std = probe.args
            lam = (ref.mpf(noise_std) / ref.mpf(prior_std)) ** 2 if np.isfinite(prior_std) else 0
            expected = ref.to_float(ref.map_weights(X, y, lam))
            got = fn(*probe.args)
            assert np.linalg.norm(got - expected) <= 1e-12 * np.linalg.norm(expected), probe.label


@pytest.mark.parametrize("grade_id", [g for g in CHECKS if g.split("-")[0] in ("entropy", "kl_divergence",
                                                                              "js_divergence")])
def test_the_information_references_are_exact_on_every_probe(grade_id):
    check = CHECKS[grade_id]
    exact = {"entropy": ref.entropy, "kl_divergence": ref.kl_divergence, "js_divergence": ref.js_divergence}
    for i, probe in enumerate(check.probes):
        if probe.expect != "value":
            continue
        axis = probe.kwargs.get("axis", -1)
        arrays = [np.moveaxis(np.asarray(a, dtype=float), axis, -1) for a in probe.args]
        rows = [np.reshape(a, (-1, a.shape[-1])) for a in arrays]
        expected = [ref.to_float(exact[check.function](*r)) for r in zip(*rows)]
        got = np.ravel(reference(check, i).value)
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, err_msg=probe.label)


# ------------------------------------------------------------- tolerances leave room
def test_posterior_tolerances_follow_the_contract():
    """1e-5 exactly where N·max|ℓ| > 1e8; the default 1e-10 only where N·max|ℓ| <= 1e6."""
    for gid in ("bayes_posterior-basic", "bayes_posterior-stability", "bayes_posterior-errors"):
        check = CHECKS[gid]
        for probe in check.probes:
            if probe.expect != "value":
                continue
            ll = np.asarray(probe.args[1], dtype=float)
            scale = np.atleast_2d(ll).shape[0] * np.max(np.abs(ll[np.isfinite(ll)]))
            rtol = check.rtol if probe.rtol is None else probe.rtol
            if scale > 1e8:
                assert rtol == P6.BIG_SUM_RTOL, probe.label
            else:
                assert scale <= 1e6 and rtol == 1e-10, probe.label


@pytest.mark.parametrize("specimen", [s for s in zoo(PS) if s.correct], ids=lambda s: s.name)
def test_correct_specimens_are_well_inside_every_tolerance(specimen):
    """Each correct specimen's values are within a tenth of each probe's tolerance of the
    reference (so the checks judge mistakes, not rounding)."""
    namespace = {"np": np, "__name__": "__main__"}
    namespace.update({fn: reference_function(fn) for fn in FUNCTIONS[PS]})
    exec(compile(specimen.source, specimen.name, "exec"), namespace)
    for gid, check in CHECKS.items():
        if check.function != specimen.function:
            continue
        for i, probe in enumerate(check.probes):
            if probe.expect != "value":
                continue
            want = reference(check, i).value
            got = np.asarray(namespace[specimen.function](*probe.args, **probe.kwargs), dtype=float)
            rtol = check.rtol if probe.rtol is None else probe.rtol
            atol = check.atol if probe.atol is None else probe.atol
            finite = np.isfinite(want)
            assert np.array_equal(got[~finite], want[~finite]), probe.label
            err = np.abs(got[finite] - want[finite])
            assert np.all(err <= (atol + rtol * np.abs(want[finite])) / 10), (
                f"{gid} / {probe.label}: {np.max(err / np.maximum(np.abs(want[finite]), 1e-300)):.2g}")


# ------------------------------------------------------ what is honestly not graded
def test_isclose_default_accepts_the_one_in_a_million_probe():
    """The TOLERANCE_LOOSE hint's claim: np.isclose(s, 1) accepts a sum of 1 + 1e-6, the
    contract does not."""
    probe = next(p for p in CHECKS["entropy-errors"].probes if "1e-6" in p.label)
    s = np.sum(probe.args[0])
    assert np.isclose(s, 1.0) and abs(s - 1.0) > 1e-8


def test_explicit_inverse_is_within_the_map_tolerance():
    """Why inv is not claimed as detected: on the cond(X) = 1e3 probe, inv of the normal
    equations is within the contract's 1e-8."""
    X, y = P6.X_COND, P6.Y_COND
    w_inv = np.linalg.inv(X.T @ X) @ (X.T @ y)
    w = reference_function("map_linear_regression")(X, y, 0.1, np.inf)
    assert np.linalg.norm(w_inv - w) <= 1e-8 * np.linalg.norm(w)
    assert np.linalg.cond(X) == pytest.approx(1e3, rel=1e-6)


def test_numpys_own_shape_error_on_a_stack_is_not_read_as_a_check_of_the_sum():
    """TensorTonic's kl_divergence multiplies the whole p by the masked terms: NumPy's broadcasting ValueError on
    every stack is no test of the sum, so it is not told "a valid input was rejected ... check each slice's sum"
    (the hint for code that does test the whole array's sum says so)."""
    ns: dict = {}
    exec("import numpy as np\n\ndef kl_divergence(p, q, axis=-1):\n"
         "    p, q = np.asarray(p, dtype=float), np.clip(np.asarray(q, dtype=float), 1e-12, None)\n"
         "    mask = p > 0\n"
         "    return float(np.sum(p * np.log(p[mask] / q[mask])))\n", ns)
    found = evaluate(checks_for("ps6_information")["kl_divergence-basic"], LocalTarget(ns))
    assert not found.passed and "could not be broadcast" in found.message
    assert "each slice's sum" not in found.hint, found.hint
    whole: dict = {}
    exec("import numpy as np\n\ndef kl_divergence(p, q, axis=-1):\n"
         "    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n"
         "    if abs(p.sum() - 1) > 1e-8 or abs(q.sum() - 1) > 1e-8:\n"
         "        raise ValueError('p and q must each sum to 1')\n"
         "    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / q), 0.0)\n"
         "    return np.sum(terms, axis=axis)\n", whole)
    told = evaluate(checks_for("ps6_information")["kl_divergence-basic"], LocalTarget(whole))
    assert not told.passed and "each slice's sum" in told.hint, told.hint


def test_a_warning_the_notebook_silences_with_seterr_says_why_it_shows_here():
    """Real code (a signal-processing course's JSD) calls np.seterr(divide='ignore') at the top of its cell: in the
    student's notebook its log of 0 warns nothing, and the grader's calls warn (docs/contract.md: np.seterr is not
    part of the function). The message says so, with the line, and how to see the warning; without np.seterr, not."""
    body = '''
def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if np.any(p < 0) or np.any(np.abs(np.sum(p, axis=axis) - 1) > 1e-8):
        raise ValueError("p must be a distribution along axis")
    if np.any(q < 0) or np.any(np.abs(np.sum(q, axis=axis) - 1) > 1e-8):
        raise ValueError("q must be a distribution along axis")
    m = (p + q) / 2
    kl = lambda a, b: np.sum(np.where(a > 0, a * np.log(a / b), 0.0), axis=axis)
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)
'''
    silenced = "\nimport numpy as np\nnp.seterr(divide='ignore', invalid='ignore')\n" + body
    results = grade("ps6_information", Specimen("js-seterr", "js_divergence", silenced, hint="warn"))
    warned = [r.message for r in results.values() if not r.passed and "the call raised RuntimeWarning" in r.message]
    assert warned, {gid: r.message for gid, r in results.items() if not r.passed}
    assert all("Your notebook calls np.seterr, line 3 of a cell: `np.seterr(divide='ignore', invalid='ignore')`" in m
               and "np.errstate(all='warn')" in m for m in warned), warned
    plain = grade("ps6_information", Specimen("js-warns", "js_divergence", "\nimport numpy as np\n" + body, hint="warn"))
    assert not any("np.seterr" in r.message for r in plain.values()), [r.message for r in plain.values()]


def _kl_forms(p, q):
    """Σ p log(p/q) as real code writes it (the probes' comments promise each rounds below 0)."""
    return {"xlogy(p, p/q)": np.sum(special.xlogy(p, p / q)), "p·(log p − log q)": np.sum(p * (np.log(p) - np.log(q))),
            "xlogy(p, p) − xlogy(p, q)": np.sum(special.xlogy(p, p) - special.xlogy(p, q)),
            "math.fsum loop": math.fsum(float(a * math.log(a / b)) for a, b in zip(p, q)),
            "rel_entr": np.sum(special.rel_entr(p, q)), "p @ log(p/q)": float(p @ np.log(p / q)),
            "scipy.stats.entropy(p, q) (divides by the sums)": stats.entropy(p, q),
            "divided by the sums first": np.sum(special.xlogy(p / p.sum(), (p / p.sum()) / (q / q.sum())))}


def test_the_nearly_equal_pairs_round_below_zero_as_their_comments_say():
    """kl_divergence-basic's "never negative" probes: every usual form of Σ p log(p/q) rounds below 0 on the second
    pair, whose sums are exactly 1.0 however they are added (so dividing by them changes nothing), while the first
    pair's sum turns positive once divided by its sums (which is why the second is there). The exact values for these
    float64 inputs are negative (mpmath, 50 digits), so the contract's max(Σ, 0) is 0 on both."""
    p, q = P6.KL_NEAR_P_SUM_1, P6.KL_NEAR_Q_SUM_1
    for v in (p, q):
        assert np.sum(v) == 1.0 and math.fsum(v) == 1.0 and sum(v.tolist()) == 1.0
    assert all(value < 0 for value in _kl_forms(p, q).values()), _kl_forms(p, q)
    first = _kl_forms(P6.KL_NEAR_P, P6.KL_NEAR_Q)
    assert first["divided by the sums first"] > 0 and first["xlogy(p, p/q)"] < 0, first
    with mpmath.workdps(50):
        for a, b in ((p, q), (P6.KL_NEAR_P, P6.KL_NEAR_Q)):
            exact = mpmath.fsum(mpmath.mpf(x) * mpmath.log(mpmath.mpf(x) / mpmath.mpf(y)) for x, y in zip(a, b))
            assert exact < 0, exact
