"""High-precision reference values for the solution tests, computed with mpmath.

Every reference takes the very float64 inputs the solution gets, converts them
to mpmath exactly (a float64 is a dyadic rational: ``mp.mpf(float(x))`` loses
nothing) and evaluates the defining formula of the contract at ``DPS``
significant digits (log-sum-exp based ones: ``DPS`` digits after the point of
the largest input), with no numerical tricks: no max-shift, no log1p, no
Cholesky unless said. The only error left in a reference is its final rounding
to float64, far below every tolerance used.

Precision is set per call with ``mp.workdps``, never globally, so tests in the
same process cannot disturb each other.
"""

from __future__ import annotations

import functools

import mpmath as mp
import numpy as np

DPS = 60  # significant decimal digits of every reference computation
EPS = np.finfo(np.float64).eps  # 2.2e-16, spacing of float64 at 1


def mpf(x):
    """A float64 (or Python number) as an exact mpmath number."""
    return mp.mpf(float(x))


def _high_precision(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mp.workdps(DPS):
            return func(*args, **kwargs)

    return wrapper


def to_float(values):
    """mpf, or a (nested) list of mpf, rounded to a float64 array."""
    if isinstance(values, (list, tuple)):
        return np.array([to_float(v) for v in values], dtype=np.float64)
    return float(values)


# ---- ps1 ---------------------------------------------------------------------


def _digits_for(values):
    """Working digits for log-sum-exp of ``values``: DPS digits *after* the
    point of the largest |z| (z - logsumexp(z) cancels those before it:
    log_softmax([1e300, 1e300])[0] = -log 2 needs 360 digits)."""
    finite = [abs(float(v)) for v in np.ravel(values) if np.isfinite(v)]
    return DPS + max(0, int(np.ceil(np.log10(max(finite + [1.0])))))


def logsumexp(row):
    """log Σ exp(z_i) of a 1-D float sequence; -inf entries contribute 0."""
    with mp.workdps(_digits_for(row)):
        return mp.log(mp.fsum(mp.exp(mpf(v)) for v in row))


def log_softmax(row):
    """z_i - log Σ exp(z_j), at DPS digits after the point of the largest |z|."""
    with mp.workdps(_digits_for(row)):
        lse = logsumexp(row)
        return [mpf(v) - lse for v in row]


@_high_precision
def softmax(row, temperature=1.0):
    """exp(z_i / T) / Σ exp(z_j / T), with z / T exact (not rounded to float64)."""
    t = mpf(temperature)
    scaled = [mpf(v) / t for v in row]
    total = mp.fsum(mp.exp(v) for v in scaled)
    return [mp.exp(v) / total for v in scaled]


# ---- ps2 ---------------------------------------------------------------------


def cross_entropy(logits, targets):
    """Mean over rows of -Σ_c t_c log softmax(l)_c; targets as indices or rows."""
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    n, c = logits.shape
    with mp.workdps(_digits_for(logits)):
        total = mp.mpf(0)
        for i in range(n):
            logp = log_softmax(logits[i])
            if np.issubdtype(targets.dtype, np.integer):
                total -= logp[int(targets[i])]
            else:
                total -= mp.fsum(mpf(targets[i, k]) * logp[k] for k in range(c) if targets[i, k] != 0)
        return total / n


# ---- ps3 ---------------------------------------------------------------------


@_high_precision
def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = mpf(x), mpf(mu), mpf(sigma)
    z = (x - mu) / sigma
    return -z * z / 2 - mp.log(sigma) - mp.log(2 * mp.pi) / 2


@functools.cache
def _orthogonal(d, seed):
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    q = q * np.sign(np.diag(r))  # the Haar-distributed choice of signs
    q.setflags(write=False)
    return q


@functools.cache
def _mp_columns(d, seed):
    with mp.workdps(DPS):
        return tuple(tuple(mpf(v) for v in col) for col in _orthogonal(d, seed).T)


def orthogonal(d, seed):
    """A seeded random orthogonal float64 matrix Q (from a QR factorisation) and
    its columns as mpmath numbers, returned lazily as ``(Q, columns())``:
    call the second only when needed (converting 300² entries takes ~1 s)."""
    return _orthogonal(d, seed), functools.partial(_mp_columns, d, seed)


def ill_conditioned_cov(d, cond, seed, eigs=None):
    """``(C, Q, eigs)`` with ``C = Q diag(eigs) Qᵀ`` rounded to float64 and then
    symmetrised exactly with ``(C + C.T) / 2``.

    ``eigs`` defaults to ``d`` values log-spaced from 1 down to ``1 / cond``.
    The float64 ``C`` is not exactly ``Q diag(eigs) Qᵀ``: its entries carry one
    rounding each, i.e. a perturbation of relative size ~eps, which moves the
    density by up to ~cond · eps relative. That, not the solution, bounds how
    closely a closed-form reference built from ``(Q, eigs)`` can be matched.
    """
    q, _ = orthogonal(d, seed)
    if eigs is None:
        eigs = np.geomspace(1.0, 1.0 / cond, d)
    c = (q * eigs) @ q.T
    return (c + c.T) / 2, q, eigs


@_high_precision
def project(columns, v):
    """Qᵀ v in mpmath, for Q given by its mpmath columns and v a list of mpf."""
    return [mp.fdot(col, v) for col in columns]


@_high_precision
def mvn_log_pdf_eig(x, mu, columns, eigs):
    """log N(x; mu, Q diag(eigs) Qᵀ) in closed form from the eigendecomposition:
    log det = Σ log eigs, Mahalanobis = Σ (Qᵀ(x - mu))_i² / eigs_i, with the
    D-vector Qᵀ(x - mu) computed in mpmath from the float64 Q."""
    d = len(eigs)
    diff = [mpf(a) - mpf(b) for a, b in zip(x, mu)]
    p = project(columns, diff)
    lam = [mpf(e) for e in eigs]
    maha = mp.fsum(pi * pi / li for pi, li in zip(p, lam))
    logdet = mp.fsum(mp.log(li) for li in lam)
    return -(d * mp.log(2 * mp.pi) + logdet + maha) / 2


@_high_precision
def mvn_log_pdf_chol(x, mu, cov):
    """log N(x; mu, cov) for the float64 matrix ``cov`` itself, via an mpmath
    Cholesky factorisation (O(D³) in mpmath: keep D below ~60)."""
    cov = np.asarray(cov, dtype=np.float64)
    d = cov.shape[0]
    L = mp.cholesky(mp.matrix([[mpf(v) for v in row] for row in cov]))
    diff = [mpf(a) - mpf(b) for a, b in zip(x, mu)]
    y = []
    for i in range(d):  # forward substitution L y = x - mu
        y.append((diff[i] - mp.fsum(L[i, k] * y[k] for k in range(i))) / L[i, i])
    maha = mp.fsum(v * v for v in y)
    logdet = 2 * mp.fsum(mp.log(L[i, i]) for i in range(d))
    return -(d * mp.log(2 * mp.pi) + logdet + maha) / 2


# ---- ps4 ---------------------------------------------------------------------


@_high_precision
def sigmoid(z):
    return 1 / (1 + mp.exp(-mpf(z)))


@_high_precision
def bce_with_logits(z, y):
    """Mean of -[y log σ(z) + (1 - y) log(1 - σ(z))] over the (broadcast) elements."""
    z, y = np.broadcast_arrays(np.asarray(z, dtype=np.float64), np.asarray(y, dtype=np.float64))
    terms = []
    for zi, yi in zip(z.ravel(), y.ravel()):
        zi, yi = mpf(zi), mpf(yi)
        # -log σ(z) = log(1 + e^{-z}),  -log(1 - σ(z)) = log(1 + e^{z})
        terms.append(yi * mp.log1p(mp.exp(-zi)) + (1 - yi) * mp.log1p(mp.exp(zi)))
    return mp.fsum(terms) / len(terms)


# ---- ps5 ---------------------------------------------------------------------


@_high_precision
def gaussian_kl(mu1, sigma1, mu2, sigma2):
    """log(s2/s1) + (s1² + (m1 - m2)²) / (2 s2²) - 1/2, exactly as written."""
    m1, s1, m2, s2 = mpf(mu1), mpf(sigma1), mpf(mu2), mpf(sigma2)
    return mp.log(s2 / s1) + (s1 * s1 + (m1 - m2) ** 2) / (2 * s2 * s2) - mp.mpf(1) / 2


@_high_precision
def mvn_kl_eig(mu1, eigs1, mu2, eigs2, columns):
    """KL(N(mu1, Q diag(a) Qᵀ) ‖ N(mu2, Q diag(b) Qᵀ)) in closed form for two
    covariances with the same eigenvectors:
    ½ Σ [a_i/b_i - 1 - log(a_i/b_i)] + ½ Σ (Qᵀ(mu2 - mu1))_i² / b_i."""
    a = [mpf(v) for v in eigs1]
    b = [mpf(v) for v in eigs2]
    p = project(columns, [mpf(u) - mpf(v) for u, v in zip(mu2, mu1)])
    trace_logdet = mp.fsum(ai / bi - 1 - mp.log(ai / bi) for ai, bi in zip(a, b))
    maha = mp.fsum(pi * pi / bi for pi, bi in zip(p, b))
    return (trace_logdet + maha) / 2


@_high_precision
def mvn_kl(mu1, cov1, mu2, cov2):
    """The contract's formula for the float64 matrices themselves, in mpmath:
    ½[tr(cov2⁻¹ cov1) + (mu2-mu1)ᵀ cov2⁻¹ (mu2-mu1) - D + log det cov2 - log det cov1],
    with an mpmath inverse and determinants (small D only)."""
    c1 = mp.matrix([[mpf(v) for v in row] for row in np.asarray(cov1, dtype=np.float64)])
    c2 = mp.matrix([[mpf(v) for v in row] for row in np.asarray(cov2, dtype=np.float64)])
    d = c1.rows
    inv2 = mp.inverse(c2)
    diff = mp.matrix([mpf(u) - mpf(v) for u, v in zip(mu2, mu1)])
    trace = mp.fsum((inv2 * c1)[i, i] for i in range(d))
    maha = (diff.T * inv2 * diff)[0, 0]
    return (trace + maha - d + mp.log(mp.det(c2)) - mp.log(mp.det(c1))) / 2


@_high_precision
def vae_kl(mu_row, logvar_row):
    """-½ Σ (1 + v - mu² - exp(v)) over one row."""
    return -mp.fsum(1 + mpf(v) - mpf(m) ** 2 - mp.exp(mpf(v)) for m, v in zip(mu_row, logvar_row)) / 2


# ---- ps6 ---------------------------------------------------------------------


@_high_precision
def entropy(row):
    """-Σ p log p over one row, terms with p = 0 left out (0 · log 0 = 0)."""
    return -mp.fsum(mpf(p) * mp.log(mpf(p)) for p in row if p > 0)


@_high_precision
def kl_divergence(p_row, q_row):
    """Σ p log(p / q) over one row; terms with p = 0 left out, +inf where q = 0 < p."""
    terms = []
    for p, q in zip(p_row, q_row):
        if p > 0:
            if q == 0:
                return mp.inf
            terms.append(mpf(p) * mp.log(mpf(p) / mpf(q)))
    return mp.fsum(terms)


@_high_precision
def js_divergence(p_row, q_row):
    """½ Σ p log(p / m) + ½ Σ q log(q / m), m = (p + q) / 2 exactly (no rounding of m)."""
    terms = []
    for p, q in zip(p_row, q_row):
        p, q = mpf(p), mpf(q)
        m = (p + q) / 2
        terms += [x * mp.log(x / m) for x in (p, q) if x > 0]
    return mp.fsum(terms) / 2


def bayes_posterior(log_prior, log_likelihood):
    """softmax(log_prior + Σ_n log_likelihood[n]) with the sums over observations
    exact (``mp.fsum`` of the float64 inputs at enough digits to hold every one),
    then exp and normalisation at DPS digits; -inf entries give exactly 0."""
    lp = np.asarray(log_prior, dtype=np.float64)
    ll = np.asarray(log_likelihood, dtype=np.float64).reshape(-1, lp.size)
    # exact sums: the inputs' exponents span at most ~1100 binary digits
    with mp.workprec(1200 + int(np.log2(ll.shape[0] + 2))):
        totals = []
        for k in range(lp.size):
            column = np.concatenate([[lp[k]], ll[:, k]])
            totals.append(-mp.inf if np.isneginf(column).any() else mp.fsum(mpf(v) for v in column))
    with mp.workdps(DPS):
        finite = [t for t in totals if t != -mp.inf]
        top = max(finite)
        weights = [mp.mpf(0) if t == -mp.inf else mp.exp(t - top) for t in totals]
        z = mp.fsum(weights)
        return [w / z for w in weights]


@_high_precision
def map_weights(X, y, lam):
    """(XᵀX + λI)⁻¹ Xᵀy for the float64 X, y and the mpmath number λ, solved in
    mpmath (LU at DPS digits: exact to far below float64 for cond(X) ≤ 1e6)."""
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    A = mp.matrix([[mpf(v) for v in row] for row in X])
    b = mp.matrix([mpf(v) for v in np.asarray(y, dtype=np.float64)])
    gram = A.T * A + lam * mp.eye(d)
    return [v for v in mp.lu_solve(gram, A.T * b)]
