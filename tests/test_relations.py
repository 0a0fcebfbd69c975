"""The relations the property cells judge with hold for every correct implementation, on random inputs.

A relation cell (``-axis``, ``-stability``, ``-soft`` … : see ``autograder/checks/relations.py``)
compares a function with itself, with tolerances derived from float64 rounding. Here hypothesis draws
inputs across the contract's range, the check modules' own probe builders turn them into relation
probes, and every *correct* implementation of the bug zoo (several styles per function, the reference
included) must satisfy each relation: a tolerance that is too tight, or a relation that is not one,
fails here before it costs a student a point.

The other half of "a relation judges the property" is in ``tests/test_zoo.py``: each mistake of that
property (overflow, ignoring ``axis``, multiplying by the temperature …) loses the cell. And
:func:`test_a_function_that_ignores_its_input_keeps_no_relation_points` checks the one way a wrong
function could satisfy every relation trivially.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks import ps1_softmax as ps1
from autograder.checks import ps2_cross_entropy as ps2
from autograder.checks import ps3_gaussian as ps3
from autograder.checks import ps4_bernoulli as ps4
from autograder.checks import ps5_gaussian_kl as ps5
from autograder.checks import ps6_information as ps6
from autograder.checks import ps6_information_relations as ps6r
from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, problem_set_of_function
from testkit.zoo import zoo

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _shape(min_dims=1, max_dims=3, max_side=5):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def _array(shape, lo, hi):
    return hnp.arrays(np.float64, shape, elements=_finite(lo, hi))


@st.composite
def logits(draw, min_dims=1, max_dims=3):
    """Logits of a random shape and scale: moderate, ±1e3, ±1e300 (each slice has moderate gaps or not)."""
    shape = draw(_shape(min_dims, max_dims))
    scale = draw(st.sampled_from([1.0, 30.0, 1e3, 1e300]))
    z = draw(_array(shape, -1.0, 1.0)) * scale
    offset = draw(st.sampled_from([0.0, 1000.0, -1000.0, 1e4]))
    return z + offset if scale < 1e300 else z


@st.composite
def distributions(draw, n_min=2, n_max=7, rows_max=4, zeros=False):
    """(rows, n) probability rows, some with zero entries, normalised by a division (valid: 1 ± ulps)."""
    rows, n = draw(st.integers(1, rows_max)), draw(st.integers(n_min, n_max))
    g = draw(_array((rows, n), 1e-3, 1.0))
    if zeros:
        mask = draw(hnp.arrays(np.bool_, (rows, n)))
        mask[:, 0] = False  # every row keeps a positive entry
        g = np.where(mask, 0.0, g)
    return g / g.sum(axis=1, keepdims=True)


def _correct(function):
    """Every correct zoo implementation of ``function`` (the reference first)."""
    ps = problem_set_of_function(function)
    yield "reference", None
    for specimen in zoo(ps):
        if specimen.correct and specimen.function == function:
            yield specimen.name, specimen.source


def _namespace(function, source):
    ps = problem_set_of_function(function)
    namespace = {"np": np, "__name__": "__main__"}
    for fn in FUNCTIONS[ps]:
        namespace[fn] = reference_function(fn)
    if source is not None:
        exec(compile(source, "<specimen>", "exec"), namespace)
    return namespace


def _holds(function, source, template, probes):
    """Evaluate ``probes`` as a check shaped like ``template`` (its tolerances and properties) on ``source``."""
    module = {"ps1_softmax": ps1, "ps2_cross_entropy": ps2, "ps3_gaussian": ps3, "ps4_bernoulli": ps4,
              "ps5_gaussian_kl": ps5, "ps6_information": ps6}[problem_set_of_function(function)]
    declared = module.PS.function(function, hints=template.hints, rtol=template.rtol, atol=template.atol,
                                  returns=template.returns)
    aspect = template.grade_id.rsplit("-", 1)[1]
    check = declared.check(aspect, summary=template.summary, probes=tuple(probes), no_warnings=template.no_warnings,
                           finite=template.finite)
    namespace = _namespace(function, source)
    result = evaluate(check, LocalTarget(namespace))
    # (a drawn cell of one probe on constant data may look like a stub to the cell-wide gate: not a relation)
    if result.passed or result.kind == "stub":
        return
    # A relation may fail an implementation only where that implementation is inaccurate: on some call of the
    # cell it is further from the reference than -basic allows (the relation caught a real error, e.g. a
    # softmax written exp(z - logsumexp(z)) is [1, 1] at z = [1e300, 1e300], where logsumexp rounds to z).
    inaccurate = [p.label for p in check.probes if not _accurate(check, namespace, p)]
    assert inaccurate, f"a relation failed an implementation accurate on every call: {result.feedback()}"


def _accurate(check, namespace, probe):
    from autograder.checks.compare import compare
    from autograder.perimeter.child_runtime.invoke import invoke

    got = invoke(namespace[check.function], probe.args, probe.kwargs)
    ref = invoke(reference_function(check.function), probe.args, probe.kwargs)
    if got.status != "returned" or ref.status != "returned":
        return got.status == ref.status
    return compare(got.value, ref.value, 10 * check.rtol, 10 * check.atol + 1e-300, check.returns) is None


def _template(grade_id):
    return checks_for(problem_set_of_function(grade_id.rsplit("-", 1)[0]))[grade_id]


# (grade_id, strategy, probes from a draw): the relation cells of the course, on random inputs.
CASES = [
    ("logsumexp-axis", st.tuples(logits(2, 3), st.integers(0, 2)),
     lambda d: ps1._slices(ps1.LSE_SLICES, "z", d[0], d[1] % d[0].ndim, True)),
    ("logsumexp-stability", logits(), lambda d: ps1._shifted(ps1.LSE_SHIFT, "z", d, True)),
    ("softmax-axis", st.tuples(logits(2, 3), st.integers(0, 2)),
     lambda d: ps1._slices(ps1.SOFTMAX_SLICES, "z", d[0], d[1] % d[0].ndim, False)),
    ("softmax-temperature", st.tuples(logits(1, 2), st.sampled_from([0.1, 0.5, 2.0, 3.0, 10.0, 1e-3])),
     lambda d: ps1._tempered("z", np.clip(d[0], -1e300, 1e300), d[1])),
    ("softmax-stability", logits(), lambda d: ps1._shifted(ps1.SOFTMAX_SHIFT, "z", d, False)),
    ("log_softmax-axis", st.tuples(logits(2, 3), st.integers(0, 2)),
     lambda d: ps1._slices(ps1.LOG_SOFTMAX_SLICES, "z", d[0], d[1] % d[0].ndim, False)),
    ("log_softmax-stability", logits(), lambda d: ps1._shifted(ps1.LOG_SOFTMAX_SHIFT, "z", d, False)
     + ps1._offset("z", d)),
    ("cross_entropy-soft", st.tuples(logits(2, 2), st.integers(0, 2**32 - 1)),
     lambda d: ps2._soft(ps2.CE_SOFT, "z", np.atleast_2d(d[0]), _soft_labels(np.atleast_2d(d[0]), d[1]))),
    ("cross_entropy-stability", st.tuples(_array(st.integers(2, 6), -1e4, 1e4), st.integers(0, 5),
                                          st.integers(0, 5)),
     lambda d: ps2._gap("z", d[0], d[1] % d[0].size, d[2] % d[0].size)),
    ("cross_entropy_grad-soft", st.tuples(logits(2, 2), st.integers(0, 2**32 - 1)),
     lambda d: ps2._soft(ps2.GRAD_SOFT, "z", np.atleast_2d(d[0]), _soft_labels(np.atleast_2d(d[0]), d[1]))),
    ("cross_entropy_grad-batch", st.tuples(_array(st.tuples(st.integers(1, 6), st.integers(2, 5)), -30, 30),
                                           st.integers(0, 2**32 - 1)),
     lambda d: ps2._rows("z", d[0], np.random.default_rng(d[1]).integers(0, d[0].shape[1], d[0].shape[0]))),
    ("cross_entropy_grad-stability", st.tuples(_array(st.tuples(st.integers(1, 5), st.integers(2, 5)), -1e4, 1e4),
                                               st.integers(0, 2**32 - 1)),
     lambda d: ps2._shifted(ps2.GRAD_SHIFT, "z", np.round(d[0] * 1024) / 1024,
                            np.random.default_rng(d[1]).integers(0, d[0].shape[1], d[0].shape[0]))),
    ("gaussian_log_pdf-broadcast", st.tuples(_array(st.tuples(st.integers(1, 4), st.just(1)), -5, 5),
                                             _array(st.integers(1, 4), -5, 5), _array(st.integers(1, 4), 0.1, 5)),
     lambda d: ps3._broadcast("x", d[0], d[1], d[2]) if d[1].size == d[2].size else ps3._broadcast("x", d[0], d[1],
                                                                                                   d[2][0])),
    ("gaussian_log_pdf-tails", st.tuples(_array(st.integers(1, 6), -1e6, 1e6), st.sampled_from([0.0, 0.125, -3.5]),
                                         st.sampled_from([2.0**-20, 2.0**-13, 0.5, 1.0, 4.0])),
     lambda d: ps3._far(ps3.PDF_QUADRATIC, "x", d[1] + d[0] * d[2], d[1], d[2])),
    ("gaussian_log_likelihood-tails", st.tuples(_array(st.integers(1, 50), -1e5, 1e5),
                                                st.sampled_from([0.0, 0.125]), st.sampled_from([2.0**-13, 1.0])),
     lambda d: ps3._far(ps3.LL_QUADRATIC, "x", d[1] + d[0] * d[2], d[1], d[2])),
    ("sigmoid-stability", _array(_shape(1, 2), -1e4, 1e4), lambda d: ps4._sigmoid_pair("z", d)),
    ("binary_cross_entropy-soft", st.tuples(_array(st.integers(1, 8), 1e-6, 1 - 1e-6),
                                            st.integers(0, 2**32 - 1)),
     lambda d: ps4._layers(ps4.BCE_SOFT, "p", d[0], np.random.default_rng(d[1]).random(d[0].shape))),
    ("binary_cross_entropy_with_logits-stability", st.tuples(_array(st.integers(1, 8), -1e4, 1e4),
                                                             st.integers(0, 2**32 - 1)),
     lambda d: ps4._both_labels("z", d[0], (np.random.default_rng(d[1]).random(d[0].shape) < 0.5).astype(float))
     + ps4._layers(ps4.LOGITS_SOFT, "z", d[0], np.round(np.random.default_rng(d[1]).random(d[0].shape) * 8) / 8)),
    ("gaussian_kl-broadcast", st.tuples(_array(st.tuples(st.integers(1, 4), st.just(1)), -5, 5),
                                        _array(st.integers(1, 4), 0.1, 5)),
     lambda d: ps5._broadcast("kl", d[0], 1.5, 0.25, d[1])),
    ("gaussian_kl-properties", st.tuples(_array(6, -10, 10), _array(6, 0.05, 20)),
     lambda d: ps5._affine("kl", d[0][:3], d[1][:3], d[0][3:], d[1][3:]) + ps5._nonnegative("kl", d[0], d[1], 0.5, 1.5)
     + ps5._zero("kl", d[0], d[1])),
    ("mvn_log_pdf-batch", st.tuples(st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**32 - 1)),
     lambda d: ps3._rows("x", *_gaussian_points(*d))),
    ("vae_kl-batch", st.tuples(_array(_shape(1, 3), -5, 5), st.integers(0, 2**32 - 1)),
     lambda d: ps5._codes("v", d[0], np.random.default_rng(d[1]).normal(size=d[0].shape))),
    ("vae_kl-stability", st.tuples(_array(st.integers(1, 20), -1e100, 1e100), st.integers(0, 2**32 - 1)),
     lambda d: ps5._separable("v", d[0], np.random.default_rng(d[1]).uniform(-100, 100, d[0].shape))),
    ("entropy-axis", st.tuples(distributions(), st.integers(0, 1)),
     lambda d: ps6r.h_slices("p", d[0] if d[1] else d[0].T.copy(), 1 if d[1] else 0)),
    ("entropy-edges", distributions(zeros=True), lambda d: ps6r.h_zeros("p", d)),
    ("kl_divergence-axis", st.tuples(distributions(), distributions(), st.integers(0, 1)),
     lambda d: _pq_slices(ps6r.KL_SLICES, d)),
    ("js_divergence-axis", st.tuples(distributions(), distributions(), st.integers(0, 1)),
     lambda d: _pq_slices(ps6r.JS_SLICES, d)),
    ("kl_divergence-support", st.tuples(distributions(zeros=True), distributions(zeros=True)),
     lambda d: ps6r.kl_split("kl", *_pair(d))),
    ("js_divergence-properties", st.tuples(distributions(zeros=True), distributions(zeros=True)),
     lambda d: ps6r.js_symmetric("js", *_pair(d)) + ps6r.js_bounded("js", *_pair(d)) + ps6r.js_split("js", *_pair(d))),
    ("bayes_posterior-stability", st.tuples(_array(st.integers(2, 6), -5, 5), st.integers(1, 3000),
                                            st.sampled_from([0.0, -1e3, -1e5]), st.integers(0, 2**32 - 1)),
     # the contract: 1e-10 up to N·max|ℓ| = 1e6, 1e-5 above 1e8, nothing claimed between (the looser here)
     lambda d: ps6r.bp_shift("bp", d[0], _log_likelihoods(d), rtol=ps6.BIG_SUM_RTOL if d[1] * (abs(d[2]) + 5) > 1e6
                             else None)),
    ("map_linear_regression-limits", st.tuples(st.integers(0, 2**32 - 1), st.sampled_from([0.1, 0.5, 1.0, 3.0]),
                                               st.sampled_from([0.05, 0.5, 2.0, 10.0])),
     lambda d: ps6r.map_ratio("w", *_regression(d[0]), d[1], d[2], accuracy=ps6.MAP_RTOL)
     + ps6r.map_broad("w", *_regression(d[0]), d[1], accuracy=ps6.MAP_RTOL)
     + ps6r.map_narrow("w", *_regression(d[0]), d[1], 1e-6, accuracy=ps6.MAP_RTOL)),
]


def _pq_slices(relation, d):
    """Two distributions of one shape along axis 1 (or, transposed, along axis 0)."""
    p, q = _pair(d[:2])
    return ps6r.slices(relation, "pq", (p, q) if d[2] else (p.T.copy(), q.T.copy()), 1 if d[2] else 0)


def _gaussian_points(n, dim, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(dim, dim))
    cov = a @ a.T + dim * np.eye(dim)
    mu = rng.normal(size=dim)
    return mu + rng.normal(size=(n, dim)) * 3, mu, cov


def _soft_labels(z, seed):
    return np.random.default_rng(seed).dirichlet(np.ones(z.shape[1]), size=z.shape[0])


def _pair(d):
    p, q = d
    rows, n = min(p.shape[0], q.shape[0]), min(p.shape[1], q.shape[1])
    p, q = p[:rows, :n], q[:rows, :n]
    return p / p.sum(axis=1, keepdims=True), q / q.sum(axis=1, keepdims=True)


def _log_likelihoods(d):
    prior, n, level, seed = d
    rng = np.random.default_rng(seed)
    return level + np.round(rng.normal(0.0, 1.0, size=(n, prior.size)) * 2**10) / 2**10


def _regression(seed):
    rng = np.random.default_rng(seed)
    n, dim = rng.integers(3, 30), rng.integers(1, 6)
    X = rng.normal(size=(n, dim))
    return X, X @ rng.normal(size=dim) + 0.1 * rng.normal(size=n)


def _property(function, source, template, strategy, build):
    """The hypothesis test that ``source``'s function keeps the relations of ``template`` on drawn inputs."""

    @SETTINGS
    @given(strategy)
    def holds(draw):
        with np.errstate(all="ignore"):
            probes = build(draw)
        try:
            _holds(function, source, template, probes)
        except AssertionError as exc:
            with np.printoptions(precision=17, threshold=50):
                raise AssertionError(f"{exc}\non the drawn input {draw!r}") from None

    return holds


def _in_the_course(function):
    return any(function in fns for fns in FUNCTIONS.values())


#: The cases of the functions the course asks for (a function taken out keeps its case here, and its strategy
#: builds from its check module's probes only while it is declared).
ASKED = [c for c in CASES if _in_the_course(c[0].rsplit("-", 1)[0])]


@pytest.mark.parametrize("grade_id,strategy,build", ASKED, ids=[c[0] for c in ASKED])
def test_every_correct_implementation_satisfies_the_relations_on_random_inputs(grade_id, strategy, build):
    function = grade_id.rsplit("-", 1)[0]
    template = _template(grade_id)
    for name, source in _correct(function):
        try:
            _property(function, source, template, strategy, build)()
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


def test_every_relation_cell_of_the_course_is_exercised_here():
    relation_cells = {gid for ps in FUNCTIONS for gid, check in checks_for(ps).items() if check.relations
                      and not check.compares_with_reference}
    assert relation_cells <= {c[0] for c in CASES}, sorted(relation_cells - {c[0] for c in CASES})
    # and no case of a function the course asks for names a cell it no longer has (a renamed aspect, a cell gone)
    stale = {c[0] for c in ASKED} - relation_cells
    assert not stale, f"cases of cells the course no longer judges by a relation: {sorted(stale)}"


UNIFORM = """
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    z = np.asarray(z, dtype=float)
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    return np.full(z.shape, 1.0 / z.shape[axis])
"""


def test_a_function_that_ignores_its_input_keeps_no_relation_points():
    """The uniform distribution whatever the logits satisfies every shift, slice and temperature relation; it
    computes nothing from z, so it earns none of them, nor the error cell, though it does validate T (error handling
    is earned by a function that does its own work on valid input: docs/contract.md)."""
    namespace = _namespace("softmax", UNIFORM)
    results = {gid: evaluate(check, LocalTarget(namespace)) for gid, check in checks_for("ps1_softmax").items()
               if gid.startswith("softmax-")}
    for gid in ("softmax-axis", "softmax-temperature"):  # every relation there holds: the gate says why not
        assert not results[gid].passed and results[gid].kind == "stub", (gid, results[gid].feedback())
        assert "same result for inputs whose results differ" in results[gid].message
    assert not results["softmax-stability"].passed  # (there a -inf entry gets 1/3, not 0)
    assert not results["softmax-errors"].passed and results["softmax-errors"].kind == "stub", \
        results["softmax-errors"].feedback()
    assert results["softmax-purity"].passed  # (what the contract grants a degenerate form that leaves z alone)
