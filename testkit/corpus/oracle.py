"""An independent judge of the corpus's labels: each contract function against SciPy, NumPy and mpmath.

The corpus (:mod:`testkit.corpus.load`) labels each specimen correct or broken *by the contract*
(docs/contract.md), not by the product: this module never imports ``solutions/`` or
``autograder.checks``. For every contract function it holds probes, each of one property
(:data:`testkit.corpus.load.PROPERTIES`), with expected values from ``scipy.special``, ``scipy.stats``,
NumPy's LAPACK (``slogdet``, ``solve``, ``lstsq``) or a closed form, and for the extremes from
mpmath or a closed form (each probe says which). :func:`judge` runs a function through them and
returns ``{property: what failed}``; a correct implementation fails none.

What the probes can see is what a call shows: values, shapes, raised errors, warnings, and the
arguments after the call (handed as float64 arrays, which ``np.asarray`` passes through uncopied, so
an in-place write reaches them). A write on a path no probe takes is labelled by reading the code
(the specimen's ``mistake`` says so).
"""

from __future__ import annotations

import io
import math
import re
import tokenize
import warnings

import mpmath
import numpy as np
from scipy import linalg, special, stats

RTOL = 1e-8  # the contract's accuracy is 1e-10 relative where float64 allows; values probes leave room for rounding


class Failed(Exception):
    """A probe's property does not hold; the message says on which input."""


def call(fn, *args, **kwargs):
    """``(value, runtime warnings, exception)`` of ``fn(*args, **kwargs)`` on copies of the array arguments: nothing it
    does escapes, and a specimen that writes into its input cannot change the module's probe inputs for later probes (or
    later specimens). :func:`_unchanged` hands in arrays of its own to see such a write."""
    return _call(fn, *[a.copy() if isinstance(a, np.ndarray) else a for a in args], **kwargs)


def _call(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):  # NumPy's defaults
            try:
                value, error = fn(*args, **kwargs), None
            except Exception as exc:  # noqa: BLE001 — a specimen's failure is what is judged
                value, error = None, exc
    return value, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)], error


def _returns(fn, *args, quiet=False, **kwargs):
    value, warned, error = call(fn, *args, **kwargs)
    if error is not None:
        raise Failed(f"raised {type(error).__name__}: {error}")
    if quiet and warned:
        raise Failed(f"RuntimeWarning: {warned[0]}")
    return value


def _close(got, want, what, rtol=RTOL, atol=0.0, equal_nan=False):
    """``got`` equals ``want`` within the tolerances, as values: a shape that differs only by axes of length 1 (a
    kept reduced axis, a length-1 array for one number) is compared entry by entry, as the contract says ("values are
    compared as values; the container is one cell": :func:`_shaped` is that cell's)."""
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError) as exc:
        raise Failed(f"{what}: result {got!r} is not numbers ({exc})") from None
    want_arr = np.asarray(want, dtype=float)
    if [n for n in got_arr.shape if n != 1] == [n for n in want_arr.shape if n != 1]:
        got_arr = got_arr.reshape(want_arr.shape)
    if got_arr.shape != want_arr.shape:
        raise Failed(f"{what}: shape {got_arr.shape}, expected {want_arr.shape}")
    same_inf = np.isinf(want_arr) & (got_arr == want_arr)
    ok = same_inf | np.isclose(got_arr, want_arr, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not ok.all():
        raise Failed(f"{what}: got {np.array2string(got_arr.ravel()[:4], precision=12)}, "
                     f"expected {np.array2string(want_arr.ravel()[:4], precision=12)}")


def _shaped(got, shape, what):
    """The container alone (the contract's ``-shape`` cell; values are not judged): an array (or a float) of exactly
    ``shape``, or, for a ``shape`` that is a tuple of shapes, a tuple or list of that many such values."""
    if shape and isinstance(shape[0], tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(shape):
            raise Failed(f"{what}: expected a tuple of {len(shape)} values, got {type(got).__name__}")
        for g, s in zip(got, shape):
            _shaped(g, s, what)
        return
    if got is None:  # (NumPy makes a 0-d nan of None: no container at all is not one of the right shape)
        raise Failed(f"{what}: returned None")
    try:
        found = np.shape(np.asarray(got, dtype=float))
    except (TypeError, ValueError) as exc:
        raise Failed(f"{what}: result {got!r} is not numbers ({exc})") from None
    if found != shape:
        raise Failed(f"{what}: shape {found}, expected {shape}")


def _either(*probes):
    """Passes when one of ``probes`` passes; else fails as the first did."""
    first = None
    for probe in probes:
        try:
            probe()
            return
        except Failed as exc:
            first = first or exc
    raise first


def _raises(fn, *args, **kwargs):
    _, _, error = call(fn, *args, **kwargs)
    if not isinstance(error, ValueError):
        got = "returned" if error is None else f"raised {type(error).__name__}"
        raise Failed(f"expected ValueError, {got}")


def _unchanged(fn, *args, **kwargs):
    """The float64 arrays handed in are as they were, and nested lists give the same result."""
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    value, _, error = _call(fn, *args, **kwargs)
    for given, before in zip(args, copies):
        if isinstance(given, np.ndarray) and not np.array_equal(given, before, equal_nan=True):
            raise Failed("modified its argument in place")
    if error is not None:
        return
    as_lists = [a.tolist() if isinstance(a, np.ndarray) else a for a in args]
    from_lists, _, list_error = call(fn, *as_lists, **kwargs)
    if list_error is not None:
        raise Failed(f"nested lists raised {type(list_error).__name__}: {list_error}")
    if type(value) is tuple:
        value, from_lists = np.asarray(value, dtype=float), np.asarray(from_lists, dtype=float)
    _close(from_lists, value, "nested lists against arrays", rtol=1e-12, equal_nan=True)  # the same nan is the same result


def _quiet(fn, *args, **kwargs):
    """Ordinary input raises no RuntimeWarning (an exception is some other property's failure)."""
    _, warned, _ = call(fn, *args, **kwargs)
    if warned:
        raise Failed(f"RuntimeWarning on ordinary input: {warned[0]}")


RNG = np.random.default_rng(20260501)
Z = RNG.normal(size=(3, 5))
Z3 = RNG.normal(size=(2, 3, 4))
V = RNG.normal(size=6)
ROWS = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.5]])  # one max for the whole array underflows a row


# ---------------------------------------------------------------- ps1: logsumexp, softmax, log_softmax
def _along_axes(fn, reference, matrix="(3, 5)"):
    """ps1's values and axes: ``fn`` against SciPy's ``reference`` on a vector, a matrix (``matrix`` names it),
    along axis 0 of the matrix and axis 1 of a 3-D array."""
    yield "values", lambda: _close(_returns(fn, V), reference(V), "1-D")
    yield "values", lambda: _close(_returns(fn, Z), reference(Z, axis=-1), matrix)
    yield "axis", lambda: _close(_returns(fn, Z, axis=0), reference(Z, axis=0), "axis=0")
    yield "axis", lambda: _close(_returns(fn, Z3, axis=1), reference(Z3, axis=1), "(2, 3, 4), axis=1")


def _pure(fn):
    """ps1's purity: a matrix and a vector left as they were, no RuntimeWarning on the matrix."""
    yield "purity", lambda: _unchanged(fn, Z.copy())
    yield "purity", lambda: _unchanged(fn, V.copy())
    yield "purity", lambda: _quiet(fn, Z)


def _lse(fn):
    yield from _along_axes(fn, special.logsumexp, "(3, 5), axis=-1")
    # closed forms: log(2 e^a) = a + log 2; 1e300 + log 2 rounds to 1e300
    yield "stability", lambda: _close(_returns(fn, np.array([1000.0, 1000.0]), quiet=True), 1000 + math.log(2), "[1000, 1000]")
    yield "stability", lambda: _close(_returns(fn, np.array([-1000.0, -1000.0]), quiet=True), -1000 + math.log(2), "[-1000, -1000]")
    yield "stability", lambda: _close(_returns(fn, np.array([1e300, 1e300]), quiet=True), 1e300, "[1e300, 1e300]")
    yield "stability", lambda: _close(_returns(fn, np.array([[0.0, -1e300], [5.0, 3.0]]), quiet=True),
                                      [0.0, float(mpmath.log(mpmath.e**5 + mpmath.e**3))], "[[0, -1e300], [5, 3]] (mpmath)")
    yield "stability", lambda: _close(_returns(fn, ROWS, quiet=True), special.logsumexp(ROWS, axis=-1), "rows 2000 apart")
    yield "shape", lambda: _shaped(_returns(fn, V), (), "1-D")
    yield "shape", lambda: _shaped(_returns(fn, Z3, axis=1), (2, 4), "(2, 3, 4), axis=1")
    # the contract's "stable" names this edge: -inf without a RuntimeWarning (a divide-by-zero from log 0 is one)
    yield "edges", lambda: _close(_returns(fn, np.array([-np.inf, -np.inf]), quiet=True), -np.inf, "a slice of only -inf")
    yield from _pure(fn)


def _softmax(fn):
    yield from _along_axes(fn, special.softmax)
    yield "temperature", lambda: _close(_returns(fn, Z, temperature=0.5), special.softmax(Z / 0.5, axis=-1), "T=0.5")
    yield "temperature", lambda: _close(_returns(fn, Z, axis=0, temperature=3.0), special.softmax(Z / 3.0, axis=0), "axis=0, T=3")
    # every T > 0 divides as it is: logits 1e-12 apart at T = 1e-12 are [0, 1, 2] (1e-12 / 1e-12 is exactly 1)
    yield "temperature", lambda: _close(_returns(fn, np.array([0.0, 1e-12, 2e-12]), temperature=1e-12),
                                        special.softmax([0.0, 1.0, 2.0]), "T = 1e-12")
    yield "errors", lambda: _raises(fn, Z, temperature=0.0)
    yield "errors", lambda: _raises(fn, Z, temperature=-1.0)
    # on one 1-D slice too: code for one vector that raises on every 2-D input would pass the two above unchecked
    yield "errors", lambda: _raises(fn, Z[0], temperature=0.0)
    # and a valid input gives a result: a function that raises on every input would pass the raises above
    yield "errors", lambda: _returns(fn, Z[0])
    yield "stability", lambda: _close(_returns(fn, np.array([1000.0, 0.0]), quiet=True), [1.0, 0.0], "[1000, 0]", atol=1e-300)
    yield "stability", lambda: _close(_returns(fn, np.array([-1000.0, -1000.0]), quiet=True), [0.5, 0.5], "[-1000, -1000]")
    yield "stability", lambda: _close(_returns(fn, np.array([[1e4, 1e4 - 1.0]]), quiet=True),
                                      special.softmax([[1.0, 0.0]], axis=-1), "[[1e4, 1e4 - 1]]")
    yield "stability", lambda: _close(_returns(fn, ROWS, quiet=True), special.softmax(ROWS, axis=-1), "rows 2000 apart")
    yield "edges", lambda: _close(_returns(fn, np.array([0.0, -np.inf])), [1.0, 0.0], "[0, -inf]")
    yield from _pure(fn)


def _log_softmax(fn):
    yield from _along_axes(fn, special.log_softmax)
    # closed forms: [0, -1000] -> [-log1p(e^-1000), -1000 - log1p(e^-1000)] = [0, -1000] in float64
    yield "stability", lambda: _close(_returns(fn, np.array([0.0, -1000.0]), quiet=True), [0.0, -1000.0], "[0, -1000]", atol=1e-300)
    yield "stability", lambda: _close(_returns(fn, np.array([1000.0, 1000.0]), quiet=True), [-math.log(2)] * 2, "[1000, 1000]")
    yield "stability", lambda: _close(_returns(fn, np.array([[1e4, 0.0]]), quiet=True), [[0.0, -1e4]], "[[1e4, 0]]", atol=1e-300)
    yield "stability", lambda: _close(_returns(fn, ROWS, quiet=True), special.log_softmax(ROWS, axis=-1), "rows 2000 apart")
    yield from _pure(fn)


# ---------------------------------------------------------------- ps2: cross_entropy, cross_entropy_grad
LOGITS = RNG.normal(size=(4, 3)) * 2
LABELS = np.array([0, 2, 1, 2])
ONEHOT = np.eye(3)[LABELS]
SOFT = special.softmax(RNG.normal(size=(4, 3)), axis=1)


def _ce_ref(logits, t):
    logp = special.log_softmax(logits, axis=1)
    if t.ndim == 1:
        return -np.mean(logp[np.arange(len(t)), t])
    return -np.mean(np.sum(t * logp, axis=1))


def _ce_grad_ref(logits, t):
    onehot = np.eye(logits.shape[1])[t] if t.ndim == 1 else t
    return (special.softmax(logits, axis=1) - onehot) / logits.shape[0]


BIG = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])


def _cross_entropy(fn):
    yield "values", lambda: _close(_returns(fn, LOGITS, LABELS), _ce_ref(LOGITS, LABELS), "integer targets")
    yield "values", lambda: _close(_returns(fn, LOGITS, ONEHOT), _ce_ref(LOGITS, LABELS), "one-hot targets")
    yield "values", lambda: _close(_returns(fn, LOGITS, SOFT), _ce_ref(LOGITS, SOFT), "soft targets")
    # the container with the labels as integers or as the one-hot rows they stand for: a form of the targets is
    # -basic's and -soft's alone (the contract), so a loss written for rows only keeps its shape
    yield "shape", lambda: _either(lambda: _shaped(_returns(fn, LOGITS, LABELS), (), "integer targets"),
                                   lambda: _shaped(_returns(fn, LOGITS, ONEHOT), (), "one-hot targets"))
    yield "shape", lambda: _either(lambda: _shaped(_returns(fn, LOGITS[:1], LABELS[:1]), (), "one row (N = 1)"),
                                   lambda: _shaped(_returns(fn, LOGITS[:1], ONEHOT[:1]), (), "one row (N = 1), one-hot"))
    # closed form: the wrong class of row 1 costs log(1 + e^{1e4}(...)) = 2e4 to 1e-10; row 0's right class costs ~0
    # with the labels as integers or as the one-hot rows they stand for: a form of the targets is -basic's and -soft's
    # (the contract), so stability is a property of either
    yield "stability", lambda: _either(
        lambda: _close(_returns(fn, BIG, np.array([0, 0]), quiet=True), (0.0 + 2e4) / 2, "logits of ±1e4"),
        lambda: _close(_returns(fn, BIG, np.eye(3)[[0, 0]], quiet=True), (0.0 + 2e4) / 2, "logits of ±1e4, one-hot"))
    yield "errors", lambda: _raises(fn, LOGITS, np.array([0, 3, 1, 2]))
    yield "errors", lambda: _raises(fn, LOGITS, np.array([0, -1, 1, 2]))
    yield "errors", lambda: _returns(fn, LOGITS, LABELS)  # valid integer targets give a loss
    yield "purity", lambda: _unchanged(fn, LOGITS.copy(), LABELS.copy())
    yield "purity", lambda: _unchanged(fn, LOGITS.copy(), SOFT.copy())
    yield "purity", lambda: _quiet(fn, LOGITS, LABELS)


def _cross_entropy_grad(fn):
    yield "values", lambda: _close(_returns(fn, LOGITS, LABELS), _ce_grad_ref(LOGITS, LABELS), "integer targets")
    yield "values", lambda: _close(_returns(fn, LOGITS, ONEHOT), _ce_grad_ref(LOGITS, LABELS), "one-hot targets")
    yield "values", lambda: _close(_returns(fn, LOGITS, SOFT), _ce_grad_ref(LOGITS, SOFT), "soft targets")
    yield "values", lambda: _close(_returns(fn, LOGITS[:1], LABELS[:1]), _ce_grad_ref(LOGITS[:1], LABELS[:1]), "N = 1")
    # with the labels as integers or as the one-hot rows they stand for (see cross_entropy's)
    yield "stability", lambda: _either(
        lambda: _close(_returns(fn, BIG, np.array([0, 0]), quiet=True),
                       _ce_grad_ref(BIG, np.array([0, 0])), "logits of ±1e4", atol=1e-300),
        lambda: _close(_returns(fn, BIG, np.eye(3)[[0, 0]], quiet=True),
                       _ce_grad_ref(BIG, np.array([0, 0])), "logits of ±1e4, one-hot", atol=1e-300))
    yield "purity", lambda: _unchanged(fn, LOGITS.copy(), LABELS.copy())
    yield "purity", lambda: _unchanged(fn, LOGITS.copy(), SOFT.copy())
    yield "purity", lambda: _quiet(fn, LOGITS, LABELS)


# ---------------------------------------------------------------- ps3: Gaussian likelihood
X = RNG.normal(size=5) * 2 + 1
MU3 = RNG.normal(size=(3, 1))


def _tail(x, mu, sigma):  # mpmath: log N(x; mu, sigma^2) in the far tail
    return float(-((mpmath.mpf(x) - mu) / sigma) ** 2 / 2 - mpmath.log(sigma) - mpmath.log(2 * mpmath.pi) / 2)


#: A narrow Gaussian (sigma = 1e-3, x within a few sigma of mu): an epsilon added to the variance (1e-9 to keep a
#: log from 0) changes these values by about 1e-3 where at sigma >= 1 it hides below the values' tolerance.
NARROW_X = 0.25 + 1e-3 * RNG.normal(size=5)


def _gaussian_log_pdf(fn):
    yield "values", lambda: _close(_returns(fn, X, 1.0, 2.0), stats.norm.logpdf(X, 1.0, 2.0), "x, mu=1, sigma=2")
    yield "values", lambda: _close(_returns(fn, NARROW_X, 0.25, 1e-3), stats.norm.logpdf(NARROW_X, 0.25, 1e-3),
                                   "sigma = 1e-3")
    yield "values", lambda: _close(_returns(fn, 0.5, 0.0, 1.0), stats.norm.logpdf(0.5), "scalars")
    yield "shape", lambda: _close(_returns(fn, X, MU3, 1.5), stats.norm.logpdf(X, MU3, 1.5), "broadcast (5,) with (3, 1)")
    yield "shape", lambda: _close(_returns(fn, X, MU3, SIG5), stats.norm.logpdf(X, MU3, SIG5), "array sigma, broadcast")
    yield "stability", lambda: _close(_returns(fn, np.array([50.0, -1e3]), 0.0, 1.0, quiet=True),
                                      [_tail(50, 0, 1), _tail(-1e3, 0, 1)], "x = 50, -1000 (mpmath)")
    yield "purity", lambda: _unchanged(fn, X.copy(), np.array([1.0]), np.array([2.0]))
    yield "purity", lambda: _quiet(fn, X, 1.0, 2.0)


def _gaussian_log_likelihood(fn):
    yield "values", lambda: _close(_returns(fn, X, 1.0, 2.0), np.sum(stats.norm.logpdf(X, 1.0, 2.0)), "x, mu=1, sigma=2")
    yield "values", lambda: _close(_returns(fn, X, MU3, 1.5), np.sum(stats.norm.logpdf(X, MU3, 1.5)), "broadcast")
    yield "values", lambda: _close(_returns(fn, NARROW_X, 0.25, 1e-3), np.sum(stats.norm.logpdf(NARROW_X, 0.25, 1e-3)),
                                   "sigma = 1e-3")
    yield "shape", lambda: _shaped(_returns(fn, X, 1.0, 2.0), (), "x, mu=1, sigma=2")
    # one number whatever the shapes: the sum runs over all elements, a 2-D x included
    yield "shape", lambda: _shaped(_returns(fn, X[:4].reshape(2, 2), X[:2], 2.0), (), "x (2, 2), mu (2,)")
    yield "shape", lambda: _shaped(_returns(fn, X, X / 2, np.abs(X) + 1.0), (), "one mu and one sigma per point")
    yield "stability", lambda: _close(_returns(fn, np.array([40.0, -60.0]), 0.0, 1.0, quiet=True),
                                      _tail(40, 0, 1) + _tail(-60, 0, 1), "x = 40, -60 (mpmath)")
    yield "purity", lambda: _unchanged(fn, X.copy(), 1.0, 2.0)
    yield "purity", lambda: _quiet(fn, X, 1.0, 2.0)


def _gaussian_mle(fn):
    def values(x, what):
        got = _returns(fn, x)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Failed(f"returned {got!r}, expected (mu_hat, sigma_hat)")
        _close(got, [x.mean(), x.std(ddof=0)], what)
    yield "values", lambda: values(X, "(mu_hat, sigma_hat), ddof=0")
    # the contract: the spread of a single observation is exactly 0
    yield "values", lambda: values(np.array([2.5]), "a single observation: (2.5, 0)")
    # an ordinary sample of small scale: the MLE has no threshold on the spread
    yield "values", lambda: values(np.array([1.5e-4, -0.5e-4, 2.5e-4]), "a sample of entries of order 1e-4")
    yield "shape", lambda: _shaped(_returns(fn, X), ((), ()), "(mu_hat, sigma_hat)")
    yield "purity", lambda: _unchanged(fn, X.copy())
    yield "purity", lambda: _quiet(fn, X)


def _spd(d, cond, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return (q * np.geomspace(1.0, 1.0 / cond, d)) @ q.T


def _mvn_ref(x, mu, cov):
    """log N(x; mu, cov) through SciPy's Cholesky factor (``multivariate_normal`` refuses cond 1e10)."""
    chol = linalg.cholesky(cov, lower=True)
    dev = linalg.solve_triangular(chol, (np.atleast_2d(x) - mu).T, lower=True)
    out = -0.5 * (len(mu) * math.log(2 * math.pi) + np.sum(dev**2, axis=0)) - np.sum(np.log(np.diag(chol)))
    return out[0] if np.ndim(x) == 1 else out


COV3 = _spd(3, 10, 1)
MU_3 = np.array([0.5, -1.0, 2.0])
X3 = RNG.normal(size=(4, 3))
COV_BIG = _spd(200, 1e10, 2) * 1e-2  # det ~ 1e-1400: det() underflows; cond 1e10
MU_BIG = np.zeros(200)
X_BIG = np.random.default_rng(3).normal(size=200) * 1e-3


def _mvn_log_pdf(fn):
    yield "values", lambda: _close(_returns(fn, X3[0], MU_3, COV3), _mvn_ref(X3[0], MU_3, COV3), "x of shape (D,)")
    # (the contract names the rows of an (N, D) x with the shape: what a function makes of them is that property)
    yield "shape", lambda: _close(_returns(fn, X3, MU_3, COV3), _mvn_ref(X3, MU_3, COV3), "x of shape (N, D)")
    yield "shape", lambda: _shaped(_returns(fn, X3[0], MU_3, COV3), (), "x of shape (D,)")
    yield "shape", lambda: _shaped(_returns(fn, X3, MU_3, COV3), (len(X3),), "x of shape (N, D)")
    # one row is still a batch: (1, D) gives (1,) (SciPy's logpdf squeezes it to a number)
    yield "shape", lambda: _shaped(_returns(fn, X3[:1], MU_3, COV3), (1,), "x of shape (1, D)")
    yield "stability", lambda: _close(_returns(fn, X_BIG, MU_BIG, COV_BIG, quiet=True),
                                      _mvn_ref(X_BIG, MU_BIG, COV_BIG), "D = 200, cond 1e10", rtol=1e-6)
    yield "errors", lambda: _returns(fn, X3[0], MU_3, COV3)  # a valid covariance gives a log density
    yield "errors", lambda: _raises(fn, X3[0], MU_3, np.diag([1.0, -1.0, 1.0]))
    yield "errors", lambda: _raises(fn, X3[0], MU_3, np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    yield "purity", lambda: _unchanged(fn, X3.copy(), MU_3.copy(), COV3.copy())
    yield "purity", lambda: _quiet(fn, X3, MU_3, COV3)


# ---------------------------------------------------------------- ps4: Bernoulli
ZB = RNG.normal(size=6) * 3
PB = special.expit(RNG.normal(size=6))
YB = (RNG.random(6) < 0.5).astype(float)
YSOFT = RNG.random(6)


def _bce_ref(p, y):
    return float(np.mean(-(special.xlogy(y, p) + special.xlog1py(1 - y, -p))))


def _sigmoid(fn):
    yield "values", lambda: _close(_returns(fn, ZB), special.expit(ZB), "z")
    yield "values", lambda: _close(_returns(fn, 0.0), 0.5, "z = 0")
    # closed form: expit(-1000) = e^-1000 underflows to 0; expit(1000) = 1; expit(-700) = 9.86e-305 (mpmath)
    yield "stability", lambda: _close(_returns(fn, np.array([-1000.0, 1000.0, -700.0]), quiet=True),
                                      [0.0, 1.0, float(1 / (1 + mpmath.e**700))], "z = -1000, 1000, -700 (mpmath)", atol=1e-320)
    # the subnormal range (the contract's 1e-320 absolute below e^-708): a formula whose exp(-z) overflows to inf
    # there gives 0, silenced or not (mpmath: expit(-710) = 4.5e-309, expit(-740) = 4.2e-322)
    yield "stability", lambda: _close(_returns(fn, np.array([-710.0, -740.0]), quiet=True),
                                      [float(1 / (1 + mpmath.e**710)), float(1 / (1 + mpmath.e**740))],
                                      "z = -710, -740 (mpmath)", atol=1e-320)
    yield "purity", lambda: _unchanged(fn, ZB.copy())
    yield "purity", lambda: _quiet(fn, ZB)


def _bernoulli_log_pmf(fn):
    yield "values", lambda: _close(_returns(fn, YB, PB), stats.bernoulli.logpmf(YB, PB), "x in {0, 1}")
    # exactly 0, as the contract says (log 1 is exact, and 0 · log 0 is taken as 0): a clip at 1 - 1e-15 is not
    yield "edges", lambda: _close(_returns(fn, np.array([1.0, 0.0]), np.array([1.0, 0.0]), quiet=True), [0.0, 0.0],
                                  "p = x = 1 and p = x = 0")
    # the contract's "stable" covers a probability of exactly 0 or 1 where the result is -inf: no warning there either
    yield "edges", lambda: _close(_returns(fn, np.array([1.0, 0.0]), np.array([0.0, 1.0]), quiet=True), [-np.inf, -np.inf],
                                  "p = 1 - x")
    yield "purity", lambda: _unchanged(fn, YB.copy(), PB.copy())
    # probabilities of exactly 0 and 1: a clip or patch only they trigger (np.clip(p, ..., out=p)) shows here
    yield "purity", lambda: _unchanged(fn, np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.3]))
    yield "purity", lambda: _quiet(fn, YB, PB)


def _binary_cross_entropy(fn):
    yield "values", lambda: _close(_returns(fn, PB, YB), _bce_ref(PB, YB), "hard labels")
    yield "values", lambda: _close(_returns(fn, PB, YSOFT), _bce_ref(PB, YSOFT), "soft labels")
    yield "shape", lambda: _shaped(_returns(fn, PB, YB), (), "hard labels")
    yield "shape", lambda: _shaped(_returns(fn, PB.reshape(2, 3), YB.reshape(2, 3)), (), "(2, 3) arrays")
    yield "values", lambda: _close(_returns(fn, PB.reshape(2, 3), YB.reshape(2, 3)), _bce_ref(PB, YB),
                                   "(2, 3) arrays: one mean over all elements")
    # no clipping (the contract's edges: the grader's -edges cell judges predictions near 0 and 1): p = 1e-12 for y = 1
    # costs -log(1e-12) = 27.63, p = 1e-50 costs 115.13 (closed form)
    yield "edges", lambda: _close(_returns(fn, np.array([1e-12]), np.array([1.0])), -math.log(1e-12), "p = 1e-12, y = 1")
    yield "edges", lambda: _close(_returns(fn, np.array([1e-50]), np.array([1.0])), -math.log(1e-50), "p = 1e-50, y = 1")
    yield "edges", lambda: _close(_returns(fn, np.array([1.0, 0.0, 0.5]), np.array([1.0, 0.0, 1.0]), quiet=True),
                                  math.log(2) / 3, "p in {0, 1} agreeing with y")
    # alone, so that nothing else in the mean hides what they cost: exactly 0, as the contract says
    yield "edges", lambda: _close(_returns(fn, np.array([1.0, 0.0]), np.array([1.0, 0.0]), quiet=True), 0.0,
                                  "only p in {0, 1} agreeing with y")
    yield "purity", lambda: _unchanged(fn, PB.copy(), YB.copy())
    yield "purity", lambda: _unchanged(fn, np.array([1.0, 0.0, 0.3]), np.array([1.0, 0.0, 1.0]))  # (see bernoulli's)
    yield "purity", lambda: _quiet(fn, PB, YB)


def _bce_logits(fn):
    yield "values", lambda: _close(_returns(fn, ZB, YB), _bce_ref(special.expit(ZB), YB), "hard labels")
    yield "values", lambda: _close(_returns(fn, ZB, YSOFT), _bce_ref(special.expit(ZB), YSOFT), "soft labels")
    yield "shape", lambda: _shaped(_returns(fn, ZB, YB), (), "hard labels")
    yield "values", lambda: _close(_returns(fn, ZB.reshape(2, 3), YB.reshape(2, 3)), _bce_ref(special.expit(ZB), YB),
                                   "(2, 3) arrays: one mean over all elements")
    # closed form: softplus(1000) = 1000; softplus(-1e4) = e^-1e4 = 0 in float64
    yield "stability", lambda: _close(_returns(fn, np.array([-1000.0]), np.array([1.0]), quiet=True), 1000.0, "z = -1000, y = 1")
    yield "stability", lambda: _close(_returns(fn, np.array([1e4, -1e4]), np.array([0.0, 0.0]), quiet=True), 5e3, "z = ±1e4, y = 0")
    # mpmath: log1p(e^-40) = 4.2e-18, to the absolute accuracy a loss is used at
    yield "stability", lambda: _close(_returns(fn, np.array([40.0]), np.array([1.0]), quiet=True),
                                      float(mpmath.log1p(mpmath.e**-40)), "z = 40, y = 1 (mpmath)", atol=1e-15)
    yield "purity", lambda: _unchanged(fn, ZB.copy(), YB.copy())
    yield "purity", lambda: _quiet(fn, ZB, YB)


# ---------------------------------------------------------------- ps5: Gaussian KL
def _kl1(m1, s1, m2, s2):
    return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


SIG5, SIG31 = np.exp(RNG.normal(size=5) / 2), np.exp(RNG.normal(size=(3, 1)) / 2)


def _gaussian_kl(fn):
    yield "values", lambda: _close(_returns(fn, 0.3, 1.5, -0.2, 0.7), _kl1(0.3, 1.5, -0.2, 0.7), "scalars")
    yield "values", lambda: _close(_returns(fn, 1.0, 2.0, 1.0, 2.0), 0.0, "P = Q", atol=1e-12)
    # element-wise on arrays of one shape (the contract's arguments are arrays that broadcast; no broadcasting here)
    yield "values", lambda: _close(_returns(fn, X, SIG5, X[::-1], SIG5[::-1]), _kl1(X, SIG5, X[::-1], SIG5[::-1]),
                                     "1-D arrays of 5, element by element")
    yield "shape", lambda: _close(_returns(fn, X, 1.3, MU3, 0.8), _kl1(X, 1.3, MU3, 0.8), "broadcast (5,) with (3, 1)")
    yield "shape", lambda: _close(_returns(fn, X, SIG5, MU3, SIG31), _kl1(X, SIG5, MU3, SIG31), "array sigmas, broadcast")
    yield "purity", lambda: _unchanged(fn, X.copy(), np.array([1.3]), MU3.copy(), np.array([0.8]))
    yield "purity", lambda: _quiet(fn, X, 1.3, MU3, 0.8)


def _mvn_kl_ref(m1, c1, m2, c2):
    d = len(m1)
    diff = m2 - m1
    return 0.5 * (np.trace(np.linalg.solve(c2, c1)) + diff @ np.linalg.solve(c2, diff) - d
                  + np.linalg.slogdet(c2)[1] - np.linalg.slogdet(c1)[1])


C1, C2 = _spd(3, 5, 4), _spd(3, 20, 5)
M1, M2 = np.array([0.1, 0.2, -0.3]), np.array([-0.5, 0.0, 0.4])
CB1, CB2 = _spd(300, 100, 6) * 1e-2, _spd(300, 100, 7) * 2e-2  # det ~ 1e-900: det() underflows to 0


def _mvn_kl(fn):
    yield "values", lambda: _close(_returns(fn, M1, C1, M2, C2), _mvn_kl_ref(M1, C1, M2, C2), "D = 3")
    yield "values", lambda: _close(_returns(fn, M1, C1, M1, C1), 0.0, "P = Q", atol=1e-12)
    yield "shape", lambda: _shaped(_returns(fn, M1, C1, M2, C2), (), "D = 3")
    yield "stability", lambda: _close(_returns(fn, np.zeros(300), CB1, np.full(300, 0.01), CB2, quiet=True),
                                      _mvn_kl_ref(np.zeros(300), CB1, np.full(300, 0.01), CB2), "D = 300", rtol=1e-7)
    yield "purity", lambda: _unchanged(fn, M1.copy(), C1.copy(), M2.copy(), C2.copy())
    yield "purity", lambda: _quiet(fn, M1, C1, M2, C2)


MUV = RNG.normal(size=(4, 3))
LOGVAR = RNG.normal(size=(4, 3))


def _vae_ref(mu, lv):
    return -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=-1)


def _vae_kl(fn):
    yield "values", lambda: _close(_returns(fn, MUV, LOGVAR), _vae_ref(MUV, LOGVAR), "(4, 3)")
    yield "values", lambda: _close(_returns(fn, MUV[0], LOGVAR[0]), _vae_ref(MUV[0], LOGVAR[0]), "(3,)")
    # far from the prior (the contract's formula has no range): 0.5 (e^25 - 26 + 0.25) + 0.5 (39 + e^-40)
    yield "values", lambda: _close(_returns(fn, np.array([0.5, 0.0]), np.array([25.0, -40.0])),
                                   0.5 * (np.exp(25.0) - 26.0 + 0.25) + 0.5 * (39.0 + np.exp(-40.0)),
                                   "logvar = [25, -40], mu = [0.5, 0]")
    yield "values", lambda: _close(_returns(fn, MUV.reshape(2, 2, 3), LOGVAR.reshape(2, 2, 3)),
                                   _vae_ref(MUV.reshape(2, 2, 3), LOGVAR.reshape(2, 2, 3)), "(2, 2, 3)")
    yield "shape", lambda: _shaped(_returns(fn, MUV, LOGVAR), (4,), "(4, 3)")
    yield "shape", lambda: _shaped(_returns(fn, MUV[0], LOGVAR[0]), (), "(3,)")
    yield "shape", lambda: _shaped(_returns(fn, MUV.reshape(2, 2, 3), LOGVAR.reshape(2, 2, 3)), (2, 2), "(2, 2, 3)")
    yield "purity", lambda: _unchanged(fn, MUV.copy(), LOGVAR.copy())
    yield "purity", lambda: _quiet(fn, MUV, LOGVAR)


# ---------------------------------------------------------------- ps6: information
P = special.softmax(RNG.normal(size=(3, 4)), axis=-1)
#: distributions with exact zeros (q = 0 only where p = 0: every KL finite), for the purity calls
P0 = np.array([[0.5, 0.5, 0.0], [0.2, 0.0, 0.8]])
Q0 = np.array([[0.25, 0.25, 0.5], [0.1, 0.0, 0.9]])
Q = special.softmax(RNG.normal(size=(3, 4)), axis=-1)
P3 = special.softmax(np.random.default_rng(11).normal(size=(2, 3, 4)), axis=1)  # distributions along axis 1
Q3 = special.softmax(np.random.default_rng(12).normal(size=(2, 3, 4)), axis=1)
TINY = np.array([1e-9, 1 - 1e-9])
OFF = np.array([0.3, 0.7 - 5e-9])
NEAR_P = np.array([0.25874220637767364, 0.01267213406183382, 0.1903451756766999, 0.5382404838837925])
NEAR_Q = np.array([0.2587422063807545, 0.01267213407487658, 0.1903451761757995, 0.5382404833685694])
# nearly equal, with sums of exactly 1.0 in float64 however they are added: code that divides by the sums first
# computes on the same numbers, and Σ p log(p/q) still rounds below 0 (-5.5e-17 … -2.2e-16; found by a seeded search
# of its own, not the checks' pair)
NEAR_P_SUM_1 = np.array([0.23144655045678128, 0.3220618283512833, 0.286801025877672, 0.15969059531426344])
NEAR_Q_SUM_1 = np.array([0.23144654998942915, 0.3220618284867145, 0.28680102595211504, 0.15969059557174137])


def _near(n=1000, seed=8):  # nearly equal p and q: sum p log(p/q) rounds to about -1e-16 in float64
    p = np.random.default_rng(seed).random(n)
    p /= p.sum()
    q = p * (1 + 1e-9 * np.random.default_rng(seed + 1).standard_normal(n))
    return p, q / q.sum()


def _entropy(fn):
    yield "values", lambda: _close(_returns(fn, P[0]), stats.entropy(P[0]), "1-D")
    yield "values", lambda: _close(_returns(fn, P), stats.entropy(P, axis=-1), "(3, 4)")
    yield "axis", lambda: _close(_returns(fn, P.T, axis=0), stats.entropy(P.T, axis=0), "axis=0")
    yield "axis", lambda: _close(_returns(fn, P3, axis=1), stats.entropy(P3, axis=1), "(2, 3, 4), axis=1")
    yield "shape", lambda: _shaped(_returns(fn, P[0]), (), "1-D")
    yield "shape", lambda: _shaped(_returns(fn, P), (len(P),), "(3, 4)")
    yield "shape", lambda: _shaped(_returns(fn, P3, axis=1), (2, 4), "(2, 3, 4), axis=1")
    yield "edges", lambda: _close(_returns(fn, np.array([0.0, 1.0, 0.0]), quiet=True), 0.0, "one-hot")
    yield "edges", lambda: _close(_returns(fn, np.array([1e-9, 1 - 1e-9])), stats.entropy([1e-9, 1 - 1e-9]), "p = 1e-9 counts")
    yield "errors", lambda: _raises(fn, np.array([0.5, 0.7, -0.2]))
    yield "errors", lambda: _raises(fn, np.array([0.5, 0.6]))
    yield "errors", lambda: _close(_returns(fn, OFF), -np.sum(special.xlogy(OFF, OFF)), "a sum 5e-9 from 1 is valid")
    yield "errors", lambda: _raises(fn, np.array([0.5, 0.5 + 1e-6]))  # the contract's tolerance is 1e-8
    yield "purity", lambda: _unchanged(fn, P.copy())
    # zeros in the input: a write only they trigger (p[p == 0] = eps) changes the caller's array too
    yield "purity", lambda: _unchanged(fn, P0.copy())
    yield "purity", lambda: _quiet(fn, P)


def _pq_errors_and_purity(fn):
    """What the two divergences ask alike after their values: p and q checked as entropy checks p (docs/contract.md,
    the ps6 preamble: 1e-8 on the sum), and purity (zeros in both too, see entropy's)."""
    yield "errors", lambda: _raises(fn, np.array([0.5, 0.7, -0.2]), np.array([0.3, 0.3, 0.4]))
    yield "errors", lambda: _raises(fn, np.array([0.3, 0.3, 0.4]), np.array([0.5, 0.6, 0.1]))
    yield "errors", lambda: _returns(fn, OFF, OFF[::-1].copy())  # sums 5e-9 from 1: valid
    yield "errors", lambda: _raises(fn, np.array([0.5, 0.5 + 1e-6]), np.array([0.5, 0.5]))
    yield "errors", lambda: _raises(fn, np.array([0.5, 0.5]), np.array([0.5, 0.5 + 1e-6]))
    yield "purity", lambda: _unchanged(fn, P.copy(), Q.copy())
    yield "purity", lambda: _unchanged(fn, P0.copy(), Q0.copy())
    yield "purity", lambda: _quiet(fn, P, Q)


#: a pair with an outcome that neither gives probability (the divergences' third entry)
P_Q_ZERO, Q_P_ZERO = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.75, 0.0])
# many tiny probabilities (1024 of 2**-30 and of 2**-20, sums exactly 1 in float64): an epsilon added to them, or a
# weight exp(log(p + eps)), moves the result by 1e-9 relative; exact code is within 1e-15 (checked against SciPy)
TINY_MANY_P = np.array([1 - 2.0**-20] + [2.0**-30] * 1024)
TINY_MANY_Q = np.array([1 - 2.0**-10] + [2.0**-20] * 1024)


def _many_tiny(term) -> float:
    """``term(a, b)`` (mpmath numbers) summed over TINY_MANY_P and TINY_MANY_Q, at 50 digits: the large entry's
    term and 1024 times the tiny entries' one."""
    with mpmath.workdps(50):
        big, tiny = (term(mpmath.mpf(float(a)), mpmath.mpf(float(b)))
                     for a, b in ((TINY_MANY_P[0], TINY_MANY_Q[0]), (TINY_MANY_P[1], TINY_MANY_Q[1])))
        return float(big + 1024 * tiny)


def _kl_term(a, b):
    return a * mpmath.log(a / b)


def _js_term(a, b):
    return (_kl_term(a, (a + b) / 2) + _kl_term(b, (a + b) / 2)) / 2


def _kl_divergence(fn):
    yield "values", lambda: _close(_returns(fn, P[0], Q[0]), stats.entropy(P[0], Q[0]), "1-D")
    yield "edges", lambda: _close(_returns(fn, TINY_MANY_P, TINY_MANY_Q), _many_tiny(_kl_term),
                                  "1024 tiny probabilities count, no epsilon (mpmath)", rtol=1e-10)
    yield "values", lambda: _close(_returns(fn, P, Q), stats.entropy(P, Q, axis=-1), "(3, 4)")
    yield "axis", lambda: _close(_returns(fn, P.T, Q.T, axis=0), stats.entropy(P.T, Q.T, axis=0), "axis=0")
    yield "axis", lambda: _close(_returns(fn, P3, Q3, axis=1), stats.entropy(P3, Q3, axis=1), "(2, 3, 4), axis=1")
    yield "shape", lambda: _shaped(_returns(fn, P[0], Q[0]), (), "1-D")
    yield "shape", lambda: _shaped(_returns(fn, P, Q), (len(P),), "(3, 4)")
    yield "shape", lambda: _shaped(_returns(fn, P3, Q3, axis=1), (2, 4), "(2, 3, 4), axis=1")

    def never_negative(p, q):
        got = np.asarray(_returns(fn, p, q), dtype=float)
        if not (got >= 0).all():
            raise Failed(f"nearly equal p and q: got {got} < 0")
    yield "values", lambda: never_negative(*_near())
    # the notebook's public pair, on which Σ p log(p/q) rounds below 0 in the usual ways of writing it
    yield "values", lambda: never_negative(NEAR_P, NEAR_Q)
    yield "values", lambda: never_negative(NEAR_P_SUM_1, NEAR_Q_SUM_1)
    yield "edges", lambda: _close(_returns(fn, np.array([0.0, 0.5, 0.5]), np.array([0.5, 0.5, 0.0]), quiet=True), np.inf,
                                  "p > 0 where q = 0")
    yield "edges", lambda: _close(_returns(fn, np.array([0.0, 1.0]), np.array([0.5, 0.5]), quiet=True), math.log(2),
                                  "p = 0 terms")
    # an outcome of probability 0 under both adds nothing (0 log 0/0 = 0, the contract's "terms with p = 0 add 0")
    yield "edges", lambda: _close(_returns(fn, P_Q_ZERO, Q_P_ZERO, quiet=True), stats.entropy(P_Q_ZERO, Q_P_ZERO),
                                  "p = q = 0 at one outcome")
    yield "edges", lambda: _close(_returns(fn, TINY, np.array([0.5, 0.5])), stats.entropy(TINY, [0.5, 0.5]), "p = 1e-9 counts")
    yield from _pq_errors_and_purity(fn)


def _js_ref(p, q, axis=-1):
    return stats.entropy(p, (p + q) / 2, axis=axis) / 2 + stats.entropy(q, (p + q) / 2, axis=axis) / 2


def _js_divergence(fn):
    yield "values", lambda: _close(_returns(fn, P[0], Q[0]), _js_ref(P[0], Q[0]), "1-D")
    yield "edges", lambda: _close(_returns(fn, TINY_MANY_P, TINY_MANY_Q), _many_tiny(_js_term),
                                  "1024 tiny probabilities count, no epsilon (mpmath)", rtol=1e-10)
    yield "values", lambda: _close(_returns(fn, P, Q), _js_ref(P, Q), "(3, 4)")
    yield "axis", lambda: _close(_returns(fn, P.T, Q.T, axis=0), _js_ref(P.T, Q.T, axis=0), "axis=0")
    yield "axis", lambda: _close(_returns(fn, P3, Q3, axis=1), _js_ref(P3, Q3, axis=1), "(2, 3, 4), axis=1")
    yield "shape", lambda: _shaped(_returns(fn, P[0], Q[0]), (), "1-D")
    yield "shape", lambda: _shaped(_returns(fn, P, Q), (len(P),), "(3, 4)")
    yield "shape", lambda: _shaped(_returns(fn, P3, Q3, axis=1), (2, 4), "(2, 3, 4), axis=1")
    yield "edges", lambda: _close(_returns(fn, np.array([1.0, 0.0]), np.array([0.0, 1.0]), quiet=True), math.log(2),
                                  "disjoint supports")
    yield "edges", lambda: _close(_returns(fn, TINY, np.array([0.5, 0.5])), _js_ref(TINY, np.array([0.5, 0.5])),
                                  "p = 1e-9 counts")
    yield "edges", lambda: _close(_returns(fn, P_Q_ZERO, Q_P_ZERO, quiet=True), _js_ref(P_Q_ZERO, Q_P_ZERO),
                                  "p = q = 0 at one outcome")
    yield from _pq_errors_and_purity(fn)


LPRIOR = np.log(np.array([0.2, 0.5, 0.3]))
LLIK = RNG.normal(size=(5, 3)) - 2
LPRIOR4 = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
LLIK4 = np.random.default_rng(10).normal(size=(6, 4)) - 2  # K is the caller's: a function written for three hypotheses fails


def _bayes_ref(lp, ll):
    return special.softmax(lp + np.sum(np.atleast_2d(ll), axis=0))


def _bayes_posterior(fn):
    yield "values", lambda: _close(_returns(fn, LPRIOR, LLIK), _bayes_ref(LPRIOR, LLIK), "(K,), (N, K)")
    yield "values", lambda: _close(_returns(fn, LPRIOR, LLIK[0]), _bayes_ref(LPRIOR, LLIK[0]), "one observation (K,)")
    yield "shape", lambda: _shaped(_returns(fn, LPRIOR, LLIK), (len(LPRIOR),), "(K,), (N, K)")
    yield "shape", lambda: _shaped(_returns(fn, LPRIOR, LLIK[0]), (len(LPRIOR),), "one observation (K,)")
    # K is the caller's: (K,) for K = 2 and 4 as for 3
    yield "shape", lambda: _shaped(_returns(fn, LPRIOR4, LLIK4), (4,), "K = 4 hypotheses")
    yield "shape", lambda: _shaped(_returns(fn, LPRIOR4[:2], LLIK4[:, :2]), (2,), "K = 2 hypotheses")
    yield "values", lambda: _close(_returns(fn, LPRIOR + 7.0, LLIK), _bayes_ref(LPRIOR, LLIK), "unnormalised prior")
    yield "values", lambda: _close(_returns(fn, LPRIOR4, LLIK4), _bayes_ref(LPRIOR4, LLIK4), "K = 4 hypotheses")
    yield "values", lambda: _close(_returns(fn, np.array([-np.inf, 0.0, 0.0]), LLIK),
                                   _bayes_ref(np.array([-np.inf, 0.0, 0.0]), LLIK), "a -inf prior")
    big = -1e5 + np.random.default_rng(9).random((2000, 3)) * 1e-2
    # the posterior of a sum of 2000 log-likelihoods near -1e5: N * max|ll| = 2e8 > 1e8, so 1e-5 relative
    yield "stability", lambda: _close(_returns(fn, LPRIOR, big, quiet=True), _bayes_ref(LPRIOR, big), "N = 2000, ll ~ -1e5",
                                      rtol=1e-5)
    yield "stability", lambda: _close(_returns(fn, np.array([-1000.0, -1001.0, -1000.5]), LLIK, quiet=True),
                                      _bayes_ref(np.array([-1000.0, -1001.0, -1000.5]), LLIK), "log prior ~ -1000")
    yield "errors", lambda: _returns(fn, LPRIOR, LLIK)  # valid shapes give a posterior
    yield "errors", lambda: _raises(fn, LPRIOR, LLIK[:, :2])
    yield "errors", lambda: _raises(fn, LPRIOR, LLIK[:, :1])
    yield "purity", lambda: _unchanged(fn, LPRIOR.copy(), LLIK.copy())
    yield "purity", lambda: _quiet(fn, LPRIOR, LLIK)


XR = RNG.normal(size=(20, 3))
YR = XR @ np.array([1.0, -2.0, 0.5]) + 0.1 * RNG.normal(size=20)


def _map_ref(x, y, noise, prior):
    lam = noise**2 / prior**2
    return np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)


def _map_linear_regression(fn):
    yield "values", lambda: _close(_returns(fn, XR, YR, 0.5, 1.0), _map_ref(XR, YR, 0.5, 1.0), "noise 0.5, prior 1")
    yield "values", lambda: _close(_returns(fn, XR, YR, 2.0, 0.1), _map_ref(XR, YR, 2.0, 0.1), "strong prior")
    yield "shape", lambda: _shaped(_returns(fn, XR, YR, 0.5, 1.0), (XR.shape[1],), "noise 0.5, prior 1")
    yield "edges", lambda: _close(_returns(fn, XR, YR, 0.5, np.inf), np.linalg.lstsq(XR, YR, rcond=None)[0], "prior_std = inf")
    yield "errors", lambda: _returns(fn, XR, YR, 0.5, 1.0)  # valid arguments give weights
    yield "errors", lambda: _raises(fn, XR, YR, 0.0, 1.0)
    yield "errors", lambda: _raises(fn, XR, YR, 0.5, -1.0)
    yield "errors", lambda: _raises(fn, XR, YR[:-1], 0.5, 1.0)
    yield "purity", lambda: _unchanged(fn, XR.copy(), YR.copy(), 0.5, 1.0)
    yield "purity", lambda: _quiet(fn, XR, YR, 0.5, 1.0)


PROBES = {
    "logsumexp": _lse, "softmax": _softmax, "log_softmax": _log_softmax,
    "cross_entropy": _cross_entropy, "cross_entropy_grad": _cross_entropy_grad,
    "gaussian_log_pdf": _gaussian_log_pdf, "gaussian_log_likelihood": _gaussian_log_likelihood,
    "gaussian_mle": _gaussian_mle, "mvn_log_pdf": _mvn_log_pdf,
    "sigmoid": _sigmoid, "bernoulli_log_pmf": _bernoulli_log_pmf, "binary_cross_entropy": _binary_cross_entropy,
    "binary_cross_entropy_with_logits": _bce_logits,
    "gaussian_kl": _gaussian_kl, "mvn_kl": _mvn_kl, "vae_kl": _vae_kl,
    "entropy": _entropy, "kl_divergence": _kl_divergence, "js_divergence": _js_divergence,
    "bayes_posterior": _bayes_posterior, "map_linear_regression": _map_linear_regression,
}

def _distribution(p, axis, name):
    p = np.asarray(p, dtype=float)
    if (p < 0).any() or not np.allclose(p.sum(axis=axis), 1.0, rtol=0.0, atol=1e-8):
        raise ValueError(f"{name} must be non-negative and sum to 1 along axis")
    return p


#: the other functions a specimen may call, from SciPy (never the product's references)
REFERENCES = {
    "logsumexp": lambda z, axis=-1: special.logsumexp(np.asarray(z, dtype=float), axis=axis),
    "softmax": lambda z, axis=-1, temperature=1.0: special.softmax(np.asarray(z, dtype=float) / temperature, axis=axis),
    "log_softmax": lambda z, axis=-1: special.log_softmax(np.asarray(z, dtype=float), axis=axis),
    "sigmoid": lambda z: special.expit(np.asarray(z, dtype=float)),
    "gaussian_log_pdf": lambda x, mu, sigma: stats.norm.logpdf(x, mu, sigma),
    "gaussian_kl": lambda m1, s1, m2, s2: _kl1(np.asarray(m1, float), np.asarray(s1, float), np.asarray(m2, float),
                                               np.asarray(s2, float)),
    "entropy": lambda p, axis=-1: stats.entropy(_distribution(p, axis, "p"), axis=axis),
    "kl_divergence": lambda p, q, axis=-1: stats.entropy(_distribution(p, axis, "p"), _distribution(q, axis, "q"), axis=axis),
    "bernoulli_log_pmf": lambda x, p: special.xlogy(x, p) + special.xlog1py(1 - np.asarray(x, float), -np.asarray(p, float)),
}


#: problem set -> the library functions the contract forbids there (docs/contract.md, "What may be used")
FORBIDDEN = {
    "ps1_softmax": ("logsumexp", "softmax", "log_softmax"),
    "ps2_cross_entropy": ("logsumexp", "softmax", "log_softmax", "log_loss"),
    "ps3_gaussian": ("norm", "multivariate_normal"),
    "ps4_bernoulli": ("expit", "log_expit", "bernoulli", "log_loss"),
    "ps5_gaussian_kl": ("norm", "multivariate_normal"),
    "ps6_information": ("entropy", "entr", "rel_entr", "kl_div", "jensenshannon"),
}
_LIBRARY_NAMES = ("scipy", "sklearn", "torch", "jax", "tensorflow", "tf")


def _any_word(names) -> re.Pattern:
    """One of ``names`` as a whole word."""
    return re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")


#: A line that imports (``import …``, ``from … import …``): an import alone is not a use.
_IMPORT = re.compile(r"\s*(import|from)\s")


def forbidden(source: str, problem_set: str) -> list:
    """The forbidden library functions ``source`` uses: imported from SciPy or scikit-learn under a name that a line
    other than an import then names, or reached as an attribute of a library module (a plain-text reading; torch,
    JAX and TensorFlow are forbidden whole). An import that nothing uses is not a use (docs/contract.md: a function
    that *uses* one earns none of its points), as the engine reads it too."""
    found = []
    lines = _code_lines(source)
    libraries = _with_aliases(lines)
    others = [code for code in lines if not _IMPORT.match(code)]
    for code in lines:
        if re.search(r"^\s*(import|from)\s+(torch|jax|tensorflow)\b", code):
            found.append(code.strip())
        if not libraries.search(code):
            continue
        importing = _IMPORT.match(code)
        for name in FORBIDDEN[problem_set]:
            if importing:
                bound = re.search(rf"(?:import\s+\(?|,\s*){name}\b(?:\s+as\s+(\w+))?", code)
                used = bound and any(re.search(rf"\b{re.escape(bound.group(1) or name)}\b", other) for other in others)
                if used:
                    found.append(name)
            elif re.search(rf"\.{name}\b", code):
                found.append(name)
    return found


def _with_aliases(lines: list) -> re.Pattern:
    """:data:`_LIBRARY_NAMES` and the names ``lines`` import from those libraries or bind them to (``from scipy import
    stats``, ``import scipy.special as sp``): ``stats.entropy`` reaches SciPy as ``scipy.stats.entropy`` does."""
    names = []
    for code in lines:
        imported = re.match(r"\s*from\s+(scipy|sklearn)\b[\w.]*\s+import\s+\(?([\w\s,]+)", code)
        if imported:
            names += [part.split()[-1] for part in imported.group(2).split(",") if part.strip()]
        bound = re.match(r"\s*import\s+(scipy|sklearn)\b[\w.]*\s+as\s+(\w+)", code)
        if bound:
            names.append(bound.group(2))
    return _any_word(_LIBRARY_NAMES + tuple(names))


def _code_lines(source: str) -> list:
    """``source``'s lines with its comments and string literals (docstrings) blanked: a docstring that *mentions*
    ``scipy.special.logsumexp`` uses nothing."""
    lines = source.splitlines()
    blank = {}  # line number -> [(start column, end column)] to blank
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):  # unreadable source: read it as it stands
        return [line.split("#", 1)[0] for line in lines]
    for tok in tokens:
        if tok.type in (tokenize.STRING, tokenize.COMMENT):
            (r0, c0), (r1, c1) = tok.start, tok.end
            for row in range(r0, r1 + 1):
                blank.setdefault(row, []).append((c0 if row == r0 else 0, c1 if row == r1 else len(lines[row - 1])))
    out = []
    for n, line in enumerate(lines, start=1):
        chars = list(line)
        for c0, c1 in blank.get(n, ()):
            chars[c0:c1] = " " * (c1 - c0)
        out.append("".join(chars))
    return out


def load(source: str, function: str):
    """``function`` as defined by ``source``, exec'd beside SciPy versions of the other contract functions."""
    namespace = {"np": np, "__name__": "__corpus__", **REFERENCES}
    exec(compile(source, f"<corpus {function}>", "exec"), namespace)
    return namespace[function]


def judge(function: str, fn) -> dict:
    """``{property: first failure}`` of ``fn`` as the contract's ``function``; empty when every probe holds."""
    failed = {}
    for prop, probe in PROBES[function](fn):
        if prop in failed:
            continue
        try:
            probe()
        except Failed as exc:
            failed[prop] = str(exc)
    return failed
