"""Problem set 1: softmax, log-softmax and log-sum-exp, computed stably.

All three shift each slice by its own maximum before exponentiating, so that
``exp`` never sees a positive argument (no overflow) and the largest term is
exactly ``exp(0) = 1`` (the sum never underflows to 0).
"""

import numpy as np

from solutions._validate import (
    as_float_array,
    normalize_axis,
    positive_scalar,
    scalar_or_array,
)

__all__ = ["logsumexp", "softmax", "log_softmax"]


def _shifted(z, axis):
    """Return ``(z - m, m)`` with ``m`` the per-slice maximum (kept dims).

    Slices whose maximum is not finite (all ``-inf``, or containing ``+inf``
    or nan) are shifted by 0 instead, so that no ``inf - inf`` is formed.
    The subtraction may overflow to ``-inf`` only when the true difference is
    below -1.8e308, where ``exp`` of it is exactly 0; that overflow is benign
    and is not reported.
    """
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(over="ignore"):
        shifted = z - m
    return shifted, m


def _log_sum_exp_shifted(shifted, axis):
    """``log(sum(exp(shifted)))`` along ``axis`` with keepdims, -inf for 0 sums."""
    s = np.sum(np.exp(shifted), axis=axis, keepdims=True)
    return np.log(s, out=np.full_like(s, -np.inf), where=s != 0)


def logsumexp(z, axis=-1):
    r"""Log of the sum of exponentials along an axis, computed stably.

    .. math::

        \operatorname{LSE}(z) = \log \sum_i e^{z_i}
                              = m + \log \sum_i e^{z_i - m},
        \qquad m = \max_i z_i .

    Parameters
    ----------
    z : array_like
        Real numbers, at least 1-D.
    axis : int, optional
        Axis to reduce over (default: the last one). Negative values count
        from the end.

    Returns
    -------
    float or ndarray
        ``z``'s shape with ``axis`` removed; a NumPy float64 scalar for 1-D
        input.

    Raises
    ------
    ValueError
        If ``z`` is not a real array of at least one dimension, or ``axis`` is
        not a valid integer axis of ``z``.

    Notes
    -----
    * Finite ``z`` of any magnitude (e.g. ``±1e300``) gives a finite result
      with no overflow or underflow warning.
    * A slice of only ``-inf`` gives ``-inf`` (the log of an empty sum); an
      empty slice gives ``-inf`` too.
    * ``+inf`` in a slice gives ``+inf``; nan gives nan.
    """
    z = as_float_array(z, "z", min_ndim=1)
    axis = normalize_axis(axis, z.ndim)
    if z.shape[axis] == 0:
        return scalar_or_array(np.full(np.delete(z.shape, axis), -np.inf))
    shifted, m = _shifted(z, axis)
    out = m + _log_sum_exp_shifted(shifted, axis)
    return scalar_or_array(np.squeeze(out, axis=axis))


def softmax(z, axis=-1, temperature=1.0):
    r"""Softmax with temperature along an axis, computed stably.

    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}
                                    = \frac{e^{z_i/T - m}}{\sum_j e^{z_j/T - m}},
        \qquad m = \max_j z_j / T .

    Parameters
    ----------
    z : array_like
        Real logits, at least 1-D.
    axis : int, optional
        Axis along which the probabilities sum to 1 (default: last).
    temperature : float, optional
        ``T > 0``. ``T > 1`` flattens the distribution, ``T < 1`` sharpens it;
        ``T = 1`` is the plain softmax.

    Returns
    -------
    ndarray
        Same shape as ``z``; every slice along ``axis`` sums to 1.

    Raises
    ------
    ValueError
        If ``temperature`` is not a positive finite number, ``z`` is not a
        real array of at least one dimension, or ``axis`` is invalid.

    Notes
    -----
    * Stable for finite logits of any magnitude: equals
      ``scipy.special.softmax(z / T, axis)`` wherever that is finite.
    * ``-inf`` entries get probability exactly 0 (masking).
    * A slice of only ``-inf`` is undefined (0/0) and gives nan.
    """
    temperature = positive_scalar(temperature, "temperature")
    z = as_float_array(z, "z", min_ndim=1)
    axis = normalize_axis(axis, z.ndim)
    x = z / temperature if temperature != 1.0 else z
    shifted, _ = _shifted(x, axis)
    e = np.exp(shifted)
    s = np.sum(e, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):  # only an all -inf slice gives 0/0
        return e / s


def log_softmax(z, axis=-1):
    r"""Logarithm of the softmax along an axis, computed stably.

    .. math::

        \log \operatorname{softmax}(z)_i = z_i - \operatorname{LSE}(z)
                                         = (z_i - m) - \log \sum_j e^{z_j - m}.

    Parameters
    ----------
    z : array_like
        Real logits, at least 1-D.
    axis : int, optional
        Axis of the distribution (default: last).

    Returns
    -------
    ndarray
        Same shape as ``z``; ``exp`` of every slice sums to 1.

    Raises
    ------
    ValueError
        If ``z`` is not a real array of at least one dimension, or ``axis`` is
        invalid.

    Notes
    -----
    * Never takes the log of an underflowed probability:
      ``log_softmax([0., -1000.])`` is ``[0., -1000.]``, not ``[0., -inf]``.
    * ``-inf`` entries give ``-inf``; a slice of only ``-inf`` gives nan.
    """
    z = as_float_array(z, "z", min_ndim=1)
    axis = normalize_axis(axis, z.ndim)
    shifted, _ = _shifted(z, axis)
    lse = _log_sum_exp_shifted(shifted, axis)
    with np.errstate(invalid="ignore"):  # only an all -inf slice gives -inf - -inf
        return shifted - lse
