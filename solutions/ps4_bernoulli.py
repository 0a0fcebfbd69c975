"""Problem set 4: Bernoulli likelihood, sigmoid and binary cross-entropy.

``0 · log 0`` is taken as 0 (as ``scipy.special.xlogy`` / ``xlog1py`` do), ``log(1-p)``
is computed as ``log1p(-p)``, and the logit form never exponentiates a
positive number.
"""

import numpy as np
from scipy.special import xlog1py, xlogy

from solutions._validate import as_float_array, in_unit_interval, scalar_or_array

__all__ = ["sigmoid", "bernoulli_log_pmf", "binary_cross_entropy", "binary_cross_entropy_with_logits"]


def _broadcast(a, b, names):
    try:
        return np.broadcast_arrays(a, b)
    except ValueError:
        raise ValueError(
            f"{names[0]} and {names[1]} must broadcast together, got shapes "
            f"{np.shape(a)} and {np.shape(b)}"
        ) from None


def _probabilities(a, b, names):
    """``a`` and ``b`` (named ``names``) as float arrays in [0, 1], broadcast together; ValueError naming the one
    that is not."""
    a = in_unit_interval(as_float_array(a, names[0]), names[0])
    b = in_unit_interval(as_float_array(b, names[1]), names[1])
    return _broadcast(a, b, names)


def _xlogp_plus_x1log1mp(x, p):
    """``x log p + (1 - x) log(1 - p)`` for broadcast ``x, p`` in [0, 1], with 0 log 0 = 0.

    NumPy's vectorised ``log`` and ``log1p`` do the work in two arrays; the
    only nan they can produce is ``0 · log 0 = 0 · (-inf)`` (inputs are in
    [0, 1]), and those few entries are redone with ``scipy.special.xlogy`` /
    ``xlog1py``, which define them as 0. (Calling those two on the whole
    array gives the same values, 3-4 times slower.)
    """
    a = np.subtract(1.0, x, out=np.empty(x.shape))
    b = np.negative(p, out=np.empty(x.shape))
    with np.errstate(divide="ignore", invalid="ignore"):  # fixed up below
        np.log1p(b, out=b)  # log(1 - p), -inf at p = 1
        a *= b  # (1 - x) log(1 - p), nan at x = 1, p = 1
        np.log(p, out=b)  # log p, -inf at p = 0
        b *= x  # x log p, nan at x = 0, p = 0
        a += b
    if np.isnan(np.sum(a)):  # terms are <= 0: the sum is nan only if a term is
        bad = np.isnan(a)
        xs, ps = x[bad], p[bad]
        a[bad] = xlogy(xs, ps) + xlog1py(1.0 - xs, -ps)
    return a


def sigmoid(z):
    r"""Logistic sigmoid, element-wise, without overflow.

    .. math::

        \sigma(z) = \frac{1}{1 + e^{-z}} =
        \begin{cases} 1 / (1 + e^{-z}) & z \ge 0 \\ e^{z} / (1 + e^{z}) & z < 0 \end{cases}

    Both cases at once: ``σ(z) = exp(min(z, 0)) / (1 + exp(-|z|))``. Only
    exponentials of non-positive numbers are ever computed.

    Parameters
    ----------
    z : array_like
        Real logits.

    Returns
    -------
    float or ndarray
        Same shape as ``z``, values in [0, 1]; a float64 scalar for scalar z.

    Raises
    ------
    ValueError
        If ``z`` is not real.

    Notes
    -----
    ``sigmoid(-1000)`` is 0 (the true value underflows) and ``sigmoid(1000)``
    is 1, neither with a warning. For z < 0 the result keeps full relative
    accuracy down to the smallest subnormal.
    """
    z = as_float_array(z, "z")
    # Both branches at once: exp(min(z, 0)) / (1 + exp(-|z|)), two arrays,
    # updated in place (no select, no temporaries).
    num = np.minimum(z, 0.0, out=np.empty(z.shape))
    np.exp(num, out=num)
    den = np.copysign(z, -1.0, out=np.empty(z.shape))  # -|z|
    np.exp(den, out=den)
    den += 1.0
    return scalar_or_array(np.divide(num, den, out=num))


def bernoulli_log_pmf(x, p):
    r"""Element-wise log-probability of x under Bernoulli(p).

    .. math::

        \log P(x; p) = x \log p + (1 - x) \log(1 - p), \qquad 0 \log 0 = 0 .

    Parameters
    ----------
    x : array_like
        Outcomes in [0, 1] (usually 0 or 1).
    p : array_like
        Probabilities of 1, in [0, 1]; broadcast with ``x``.

    Returns
    -------
    float or ndarray
        The broadcast shape; ``-inf`` where the outcome is impossible
        (``x = 1, p = 0``), 0 (not nan) for ``x = 1, p = 1``.

    Raises
    ------
    ValueError
        If ``x`` or ``p`` lies outside [0, 1] or they do not broadcast.
    """
    x, p = _probabilities(x, p, ("x", "p"))
    return scalar_or_array(_xlogp_plus_x1log1mp(x, p))


def binary_cross_entropy(p, y):
    r"""Mean binary cross-entropy: the Bernoulli negative log-likelihood.

    .. math::

        \mathrm{BCE}(p, y) = -\frac1n \sum_i
            \left[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \right]

    with ``0 log 0 = 0`` and ``log(1 - p)`` as ``log1p(-p)``. No clipping.

    Parameters
    ----------
    p : array_like
        Predicted probabilities in [0, 1].
    y : array_like
        Targets in [0, 1] (hard or soft), broadcast with ``p``.

    Returns
    -------
    float
        Nats per element; 0 when ``p`` equals a hard ``y``, ``inf`` when a
        prediction of 0 or 1 is confidently wrong.

    Raises
    ------
    ValueError
        If ``p`` or ``y`` lies outside [0, 1] or they do not broadcast.
    """
    p, y = _probabilities(p, y, ("p", "y"))
    return np.float64(0.0 - np.mean(_xlogp_plus_x1log1mp(y, p)))


def binary_cross_entropy_with_logits(z, y):
    r"""Binary cross-entropy with ``p = sigmoid(z)``, computed from the logits.

    Using :math:`-\log\sigma(z) = \operatorname{softplus}(-z)` and
    :math:`-\log(1-\sigma(z)) = \operatorname{softplus}(z)`:

    .. math::

        \mathrm{BCE}(z, y) = \frac1n \sum_i \left[
            y_i \operatorname{softplus}(-z_i) + (1 - y_i) \operatorname{softplus}(z_i)
        \right],
        \qquad \operatorname{softplus}(t) = \log(1 + e^{t}) ,

    Since :math:`\operatorname{softplus}(t) = \max(t, 0) + \log(1 + e^{-|t|})`,
    each term is

    .. math::

        \log\big(1 + e^{-|z_i|}\big) + |z_i| \cdot
        \begin{cases} 1 - y_i & z_i \ge 0 \\ y_i & z_i < 0 \end{cases}

    a sum of two non-negative parts: no cancellation, even for soft labels
    close to 0 or 1 on huge logits (the common rewrite
    ``max(z, 0) - y z + log1p(exp(-|z|))`` loses relative accuracy there).

    Parameters
    ----------
    z : array_like
        Real logits; any magnitude (|z| = 1e4 is fine).
    y : array_like
        Targets in [0, 1] (hard or soft), broadcast with ``z``.

    Returns
    -------
    float
        The mean loss over the broadcast elements, in nats per element: the
        Bernoulli negative log-likelihood of ``y`` under ``sigmoid(z)``.

    Raises
    ------
    ValueError
        If ``y`` lies outside [0, 1] or the shapes do not broadcast.

    Notes
    -----
    ``z = -1000, y = 1`` gives exactly 1000; ``z = 1e4, y = 1`` gives 0; no
    overflow warning anywhere.
    """
    z = as_float_array(z, "z")
    y = in_unit_interval(as_float_array(y, "y"), "y")
    z, y = _broadcast(z, y, ("z", "y"))
    weight = np.subtract(1.0, y, out=np.empty(z.shape))
    np.copyto(weight, y, where=z < 0)  # 1 - y where z >= 0, y where z < 0
    abs_z = np.abs(z, out=np.empty(z.shape))
    weight *= abs_z
    np.negative(abs_z, out=abs_z)
    np.exp(abs_z, out=abs_z)
    np.log1p(abs_z, out=abs_z)  # log(1 + exp(-|z|)), in (0, log 2]
    weight += abs_z
    return np.float64(np.mean(weight))
