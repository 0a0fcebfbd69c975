"""Problem set 6: entropy, divergences, Bayes' rule and MAP estimation.

Information measures over discrete distributions are sums of ``x log y``
terms whose conventions (``0 · log 0 = 0``, ``p log(p/0) = inf``) are made
exact with ``scipy.special.xlogy`` / ``xlog1py`` rather than with an epsilon
added inside the logarithm. Bayes' rule works in log space: the posterior is
the softmax of ``log prior + Σ log likelihood``, so it is finite and
normalised when every likelihood underflows. The MAP weights of a linear
model with a Gaussian prior are ridge regression, solved from the SVD of
``X`` (a QR factorisation, then the SVD of its small triangle; filter factors
``σ / (σ² + λ)``), never from an explicit inverse or the normal equations.
"""

import numpy as np
from scipy import linalg
from scipy.special import xlog1py, xlogy

from solutions._validate import as_float_array, normalize_axis, positive_scalar, scalar_or_array
from solutions.ps1_softmax import softmax

__all__ = ["entropy", "kl_divergence", "js_divergence", "bayes_posterior", "map_linear_regression"]

#: How far a slice of a probability vector may sum from 1 (the contract's 1e-8).
SUM_TOL = 1e-8
LOG2 = float(np.log(2.0))


def _check_distribution(p, name, axis):
    """Raise ``ValueError`` unless every slice of ``p`` along ``axis`` is a distribution.

    ``p`` is a float array and ``axis`` already normalised. Entries must be
    >= 0 (nan fails too) and each slice must sum to 1 within :data:`SUM_TOL`.
    """
    if p.shape[axis] == 0:
        raise ValueError(f"{name} must have at least one entry along axis {axis}, got shape {p.shape}")
    if not np.min(p) >= 0:  # nan compares False
        raise ValueError(f"{name} must be non-negative (probabilities), got a minimum of {np.min(p)!r}")
    sums = np.sum(p, axis=axis)
    worst = np.max(np.abs(sums - 1.0))
    if not worst <= SUM_TOL:
        raise ValueError(
            f"every slice of {name} along axis {axis} must sum to 1 (within {SUM_TOL:g}); "
            f"one is off by {worst:.3g}"
        )


def _distributions(p, q, axis):
    """Validated float64 ``(p, q, axis)``; ``p`` and ``q`` broadcast to one shape."""
    p = as_float_array(p, "p", min_ndim=1)
    q = as_float_array(q, "q", min_ndim=1)
    try:
        p, q = np.broadcast_arrays(p, q)
    except ValueError:
        raise ValueError(f"p and q must have the same (or broadcastable) shapes, got {p.shape} and {q.shape}") from None
    axis = normalize_axis(axis, p.ndim)
    _check_distribution(p, "p", axis)
    _check_distribution(q, "q", axis)
    return p, q, axis


def entropy(p, axis=-1):
    r"""Shannon entropy of discrete distributions along an axis, in nats.

    .. math::

        H(p) = -\sum_i p_i \log p_i, \qquad 0 \cdot \log 0 = 0 .

    Parameters
    ----------
    p : array_like
        Probabilities, at least 1-D: non-negative, each slice along ``axis``
        summing to 1 within 1e-8.
    axis : int, optional
        Axis of the distribution (default: the last one).

    Returns
    -------
    float or ndarray
        ``p``'s shape with ``axis`` removed (a NumPy float64 scalar for 1-D
        input); between 0 and ``log K`` for K outcomes.

    Raises
    ------
    ValueError
        If ``p`` is not a real array of at least one dimension, has a
        negative (or nan) entry, a slice that does not sum to 1, or ``axis``
        is invalid.

    Notes
    -----
    * ``xlogy(p, p)`` is exactly 0 where ``p = 0``: a one-hot slice gives
      exactly ``0.0`` (not ``-0.0``, not nan) and no RuntimeWarning.
    * The uniform distribution over K outcomes gives ``log K``.
    """
    p = as_float_array(p, "p", min_ndim=1)
    axis = normalize_axis(axis, p.ndim)
    _check_distribution(p, "p", axis)
    # 0.0 - s rather than -s: a one-hot slice gives +0.0
    return scalar_or_array(0.0 - np.sum(xlogy(p, p), axis=axis))


def kl_divergence(p, q, axis=-1):
    r"""Kullback–Leibler divergence KL(p ‖ q) of discrete distributions, in nats.

    .. math::

        \mathrm{KL}(p \,\|\, q) = \sum_i p_i \log \frac{p_i}{q_i},
        \qquad 0 \cdot \log \frac{0}{q} = 0, \quad p \log \frac{p}{0} = +\infty \ (p > 0).

    Parameters
    ----------
    p, q : array_like
        Probabilities of the same (or broadcastable) shape, at least 1-D;
        each slice along ``axis`` non-negative and summing to 1 within 1e-8.
    axis : int, optional
        Axis of the distributions (default: the last one).

    Returns
    -------
    float or ndarray
        The broadcast shape with ``axis`` removed (a float64 scalar for 1-D
        input). ``inf`` where some ``p_i > 0`` meets ``q_i = 0``; never
        negative.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid array of distributions along
        ``axis`` (see :func:`entropy`), or their shapes do not broadcast.

    Notes
    -----
    * Each term is ``xlogy(p, p / q)``, one logarithm of a ratio (as
      ``scipy.special.rel_entr``): its absolute error is ~eps, where
      ``log p - log q`` would carry eps·|log p|. Where ``p / q`` overflows
      (``q`` subnormal) the term is ``p (log p - log q)`` instead.
    * ``q_i = 0`` gives ``p_i / 0 = inf`` and the term ``inf`` (or 0 when
      ``p_i = 0`` too), computed without a division warning.
    * KL ≥ 0 (Gibbs' inequality), with equality iff ``p = q``; a sum of
      terms of both signs can round to -1e-17, so the sum is clipped at 0.
      Equal arguments give exactly 0 (every ratio is 1).
    * KL is not symmetric, and it is not ``H(q) - H(p)``: it is the
      cross-entropy minus the entropy, ``-Σ p log q - H(p)``.
    """
    p, q, axis = _distributions(p, q, axis)
    with np.errstate(divide="ignore", over="ignore"):
        ratio = np.divide(p, q, out=np.zeros_like(p), where=p > 0)  # p = 0: ratio 0 and xlogy(0, 0) = 0
        terms = xlogy(p, ratio, out=ratio)
        kl = np.sum(terms, axis=axis)
        if np.isinf(kl).any():  # q = 0 under p > 0, or a ratio that overflowed (q subnormal)
            overflowed = np.isposinf(terms) & (q > 0)
            if overflowed.any():
                terms[overflowed] = p[overflowed] * (np.log(p[overflowed]) - np.log(q[overflowed]))
                kl = np.sum(terms, axis=axis)
    return scalar_or_array(np.maximum(kl, 0.0))


def js_divergence(p, q, axis=-1):
    r"""Jensen–Shannon divergence of discrete distributions, in nats.

    .. math::

        \mathrm{JSD}(p, q) = \tfrac12 \mathrm{KL}(p \,\|\, m) + \tfrac12 \mathrm{KL}(q \,\|\, m),
        \qquad m = \tfrac12 (p + q),

    evaluated term by term as

    .. math::

        p_i \log \frac{p_i}{m_i} = p_i \operatorname{log1p}\Big(\frac{p_i - q_i}{p_i + q_i}\Big),
        \qquad q_i \log \frac{q_i}{m_i} = q_i \operatorname{log1p}\Big(\frac{q_i - p_i}{p_i + q_i}\Big)

    (and as ``p_i log(2 p_i / (p_i + q_i))`` where the smaller of the two is
    below eps·(p_i + q_i), so that ``1 ∓ r`` rounds to 0).

    Parameters
    ----------
    p, q, axis
        As for :func:`kl_divergence`.

    Returns
    -------
    float or ndarray
        As for :func:`kl_divergence`, but always in ``[0, log 2]``.

    Raises
    ------
    ValueError
        As :func:`kl_divergence`.

    Notes
    -----
    * Always finite: ``m_i > 0`` wherever ``p_i > 0`` or ``q_i > 0``. Disjoint
      supports give ``log 2`` (each ``r`` is ±1: ``log1p(1) = log 2``, and the
      other term has ``x = 0``, which ``xlog1py`` makes 0).
    * ``p_i - q_i`` is exact when the two are within a factor 2, so nearly
      equal terms keep their relative accuracy (``log(p / m)`` would not).
    * Symmetric by construction (swapping p and q swaps the two sums); the
      result is clipped to ``[0, log 2]``, the range the true value lies in,
      so rounding never leaves it.
    * ``sqrt(JSD)`` is a metric: that is what
      ``scipy.spatial.distance.jensenshannon`` returns.
    """
    p, q, axis = _distributions(p, q, axis)
    s = p + q
    r = np.subtract(p, q)
    np.divide(r, s, out=r, where=s > 0)  # s = 0 only where p = q = 0, and there r is already 0
    terms = xlog1py(p, r)
    with np.errstate(divide="ignore"):
        terms += xlog1py(q, np.negative(r, out=r))
    lost = np.isneginf(terms)
    if lost.any():
        # 1 ∓ r rounded to 0: the smaller of p, q is below eps·(p + q) (1e-300 against 0.5).
        # There 2x / s keeps its relative accuracy, and its log is far from 0.
        pl, ql, sl = p[lost], q[lost], s[lost]
        terms[lost] = xlogy(pl, 2.0 * pl / sl) + xlogy(ql, 2.0 * ql / sl)
    return scalar_or_array(np.clip(0.5 * np.sum(terms, axis=axis), 0.0, LOG2))


def bayes_posterior(log_prior, log_likelihood):
    r"""Posterior probabilities of K hypotheses after N independent observations.

    .. math::

        p(h_k \mid x_{1..N}) = \frac{\exp \ell_k}{\sum_j \exp \ell_j}, \qquad
        \ell_k = \log p(h_k) + \sum_{n=1}^N \log p(x_n \mid h_k)
        = \log p(h_k) + \sum_{n=1}^N \big(\log p(x_n \mid h_k) - c_n\big) + \sum_n c_n ,

    with ``c_n = log p(x_n | h_1)`` (the row's largest entry where that is
    ``-inf``); the last sum is common to every k and cancels in the softmax,
    so it is never formed.

    Parameters
    ----------
    log_prior : array_like, shape (K,)
        Log prior probabilities, possibly unnormalised (only differences
        matter); ``-inf`` marks an impossible hypothesis.
    log_likelihood : array_like, shape (N, K) or (K,)
        ``log_likelihood[n, k] = log p(x_n | h_k)``; a 1-D array is one
        observation. ``-inf`` means the observation is impossible under h_k.

    Returns
    -------
    ndarray, shape (K,)
        The posterior, non-negative and summing to 1.

    Raises
    ------
    ValueError
        If ``log_prior`` is not 1-D and non-empty, ``log_likelihood`` is not
        1-D or 2-D with K columns, an input holds nan or ``+inf``, or every
        hypothesis has posterior probability 0 (all ``ℓ_k = -inf``).

    Notes
    -----
    * Never exponentiates a likelihood: N = 5000 observations with
      log-likelihoods near -1e5 (each likelihood underflows to 0, and so
      would their product) give the exact posterior.
    * Subtracting each observation's first log-likelihood ``c_n`` first makes
      the summed numbers the differences between hypotheses rather than the
      -1e5's themselves (exact by Sterbenz's lemma when they are within a
      factor 2), so the rounding of the sum over N observations is relative to
      those differences: 1e-12 against exact sums at N = 5000, where a plain
      column sum is off by up to N²·eps·max|ℓ|.
    * Adding a constant to ``log_prior`` or to one row of
      ``log_likelihood`` leaves the result unchanged; a hypothesis with a
      ``-inf`` prior gets exactly 0.
    * The softmax is :func:`solutions.ps1_softmax.softmax` (max-shifted).
    """
    log_prior = as_float_array(log_prior, "log_prior", ndim=1)
    k = log_prior.shape[0]
    if k == 0:
        raise ValueError("log_prior must hold at least one hypothesis, got shape (0,)")
    ll = as_float_array(log_likelihood, "log_likelihood", ndim=(1, 2))
    if ll.shape[-1] != k:
        raise ValueError(
            f"log_likelihood must have shape (N, K) or (K,) with K = {k} (the length of log_prior), "
            f"got shape {ll.shape}"
        )
    ll = ll.reshape(-1, k)
    for name, top in (("log_prior", np.max(log_prior)), ("log_likelihood", np.max(ll, initial=-np.inf))):
        if not top < np.inf:  # nan propagates into max
            raise ValueError(f"{name} must not contain nan or +inf (log-probabilities are < +inf)")
    shift = ll[:, :1]
    impossible = np.isneginf(shift[:, 0])
    if impossible.any():  # h_1 ruled out by an observation: shift that row by its largest entry instead
        row_max = np.max(ll[impossible], axis=1, keepdims=True)
        shift = shift.copy()
        shift[impossible] = np.where(row_max > -np.inf, row_max, 0.0)
    total = np.sum(np.subtract(ll, shift), axis=0)
    log_post = log_prior + total
    if np.all(np.isneginf(log_post)):
        raise ValueError(
            "every hypothesis has posterior probability 0: each is ruled out by a -inf prior or by an "
            "observation with log-likelihood -inf"
        )
    return softmax(log_post)


def map_linear_regression(X, y, noise_std, prior_std):
    r"""MAP weights of linear regression with a Gaussian prior (ridge regression).

    For ``y = X w + ε``, ``ε ~ N(0, noise_std² I)`` and the prior
    ``w ~ N(0, prior_std² I)``, the negative log posterior is, up to a
    constant, ``‖y − Xw‖² / (2 noise_std²) + ‖w‖² / (2 prior_std²)``, so

    .. math::

        w_{\text{MAP}} = \arg\min_w \|y - Xw\|^2 + \lambda \|w\|^2
                       = (X^\top X + \lambda I)^{-1} X^\top y,
        \qquad \lambda = \frac{\text{noise\_std}^2}{\text{prior\_std}^2},

    computed from the thin SVD ``X = U diag(σ) Vᵀ`` (a Householder QR of ``X``,
    then the SVD of the small triangular factor) as

    .. math::

        w_{\text{MAP}} = V \operatorname{diag}\Big(\frac{σ_i}{σ_i^2 + λ}\Big) U^\top y,

    the same solution as ``lstsq`` of the stacked system ``[X; √λ I] w ≈ [y; 0]``.

    Parameters
    ----------
    X : array_like, shape (N, D)
        Design matrix (finite).
    y : array_like, shape (N,)
        Targets (finite).
    noise_std : float
        Standard deviation of the observation noise, > 0 and finite.
    prior_std : float
        Standard deviation of the prior on each weight, > 0; ``inf`` means no
        prior (λ = 0: the maximum-likelihood, least-squares weights).

    Returns
    -------
    ndarray, shape (D,)

    Raises
    ------
    ValueError
        If ``noise_std`` or ``prior_std`` is not a positive number
        (``noise_std`` must be finite too), ``X`` is not 2-D and non-empty,
        ``y`` is not of shape (N,), or either holds nan or inf.

    Notes
    -----
    * Only the ratio ``noise_std / prior_std`` matters: λ = 1 for
      ``noise_std = prior_std = 3``; "λ is the inverse prior variance" holds
      only for unit noise.
    * The filter factor is evaluated as ``(σ / h) / h`` with
      ``h = hypot(σ, √λ)``, so a huge λ (``prior_std → 0``) gives weights
      that shrink to 0 without overflow, and λ = 0 gives ``1 / σ``.
    * ``prior_std = inf`` with a rank-deficient ``X`` gives the minimum-norm
      least-squares solution (singular values below ``eps · max(N, D) · σ_max``
      are dropped, as ``np.linalg.lstsq`` does).
    * Accurate to ~cond(X)·eps relative in the 2-norm; no ``inv``, no normal
      equations (whose condition number is cond(X)²).
    """
    noise_std = positive_scalar(noise_std, "noise_std")
    prior_std = positive_scalar(prior_std, "prior_std", allow_inf=True)
    X = as_float_array(X, "X", ndim=2)
    n, d = X.shape
    if n == 0 or d == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    y = as_float_array(y, "y", ndim=1)
    if y.shape != (n,):
        raise ValueError(f"y must have shape (N,) = ({n},) to match X of shape {X.shape}, got {y.shape}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must be finite (no nan or inf)")
    # X = Q R (Householder, Q never formed: only Qᵀy), then R = U diag(σ) Vᵀ: the SVD of X is (QU) diag(σ) Vᵀ
    qty, r = linalg.qr_multiply(X, y, mode="right")
    u, sigma, vt = np.linalg.svd(r, full_matrices=False)
    uty = u.T @ qty
    root_lam = noise_std / prior_std  # √λ; 0 for prior_std = inf, may overflow to inf as prior_std → 0
    if root_lam == 0.0:
        keep = sigma > np.finfo(np.float64).eps * max(n, d) * sigma[0]
        factor = np.divide(1.0, sigma, out=np.zeros_like(sigma), where=keep)
    elif np.isinf(root_lam):
        return np.zeros(d)
    else:
        h = np.hypot(sigma, root_lam)
        factor = sigma / h / h
    return vt.T @ (factor * uty)
