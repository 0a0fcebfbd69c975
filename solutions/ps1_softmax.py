"""Problem set 1: softmax, log-softmax and log-sum-exp, computed stably.

All three shift each slice by its own maximum before exponentiating, so that
``exp`` never sees a positive argument (no overflow) and the largest term is
exactly ``exp(0) = 1`` (the sum never underflows to 0).

The logarithm of that sum is taken as ``log1p`` of the *other* terms, which
are summed apart from the maximum's 1 (Blanchard, Higham & Higham, "Accurately
computing the log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4),
2021). ``log(1 + s)`` would round ``1 + 4.2e-18`` to 1 and make
``logsumexp([0., -40.])`` exactly 0; ``log1p(s)`` gives 4.2e-18.

Every full-size temporary is written in place where possible: at 4096×4096 a
fresh array costs as much as an ``exp`` over it.
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
    """Return ``(shifted, zmax, idx)`` for the slices of ``z`` along ``axis``.

    ``zmax`` is the per-slice maximum (kept dims; may be ±inf or nan).
    ``shifted = z - m`` is a new array the caller may overwrite, where ``m`` is
    ``zmax`` if it is finite and 0 otherwise, so that no ``inf - inf`` is
    formed. The subtraction may overflow to ``-inf`` only when the true
    difference is below -1.8e308, where ``exp`` of it is exactly 0; that
    overflow is benign and is not reported. ``idx`` is the position of the
    maximum (kept dims) when ``axis`` is the last one, where ``argmax`` is as
    fast as ``max``; otherwise None (``argmax`` along a strided axis is ~30x
    slower than ``max``).
    """
    if axis == z.ndim - 1:
        idx = np.expand_dims(np.argmax(z, axis=axis), axis)
        zmax = np.take_along_axis(z, idx, axis=axis)
    else:
        idx = None
        zmax = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(zmax), zmax, 0.0)
    with np.errstate(over="ignore"):
        shifted = np.subtract(z, m)
    return shifted, zmax, idx


def _log1p_rest(e, idx, axis):
    """``log(sum(e))`` along ``axis`` (kept dims), as ``log1p`` of the non-max terms.

    ``e = exp(shifted)`` is exactly 1 at each slice's maximum (0 everywhere in
    an all ``-inf`` slice). One such 1 is left out of the sum and added back
    exactly inside ``log1p``, so tiny remainders keep their relative accuracy.
    Overwrites ``e``.
    """
    if idx is not None:
        np.put_along_axis(e, idx, 0.0, axis=axis)
        rest = np.sum(e, axis=axis, keepdims=True)
    else:
        # Every entry equal to 1 is a maximum (or within rounding of one and
        # thus contributes exactly 1 anyway): drop them all, add back all but one.
        ones = e == 1.0
        n_ones = np.count_nonzero(ones, axis=axis, keepdims=True)
        np.copyto(e, 0.0, where=ones)
        rest = np.sum(e, axis=axis, keepdims=True) + np.maximum(n_ones - 1, 0)
    return np.log1p(rest)


def logsumexp(z, axis=-1):
    r"""Log of the sum of exponentials along an axis, computed stably.

    .. math::

        \operatorname{LSE}(z) = \log \sum_i e^{z_i}
                              = m + \operatorname{log1p}\Big(\sum_{i \ne i^*} e^{z_i - m}\Big),
        \qquad m = z_{i^*} = \max_i z_i .

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
    * Full relative accuracy near 0 too: ``logsumexp([0., -40.])`` is
      ``4.248e-18`` (``log(1 + e⁻⁴⁰)``), not 0.
    * A slice of only ``-inf`` gives ``-inf`` (the log of an empty sum); an
      empty slice gives ``-inf`` too.
    * ``+inf`` in a slice gives ``+inf``; nan gives nan.
    """
    z = as_float_array(z, "z", min_ndim=1)
    axis = normalize_axis(axis, z.ndim)
    if z.shape[axis] == 0:
        return scalar_or_array(np.full(np.delete(z.shape, axis), -np.inf))
    shifted, zmax, idx = _shifted(z, axis)
    with np.errstate(over="ignore"):  # only a +inf maximum leaves positive arguments
        e = np.exp(shifted, out=shifted)
    out = zmax + _log1p_rest(e, idx, axis)
    return scalar_or_array(np.squeeze(out, axis=axis))


def softmax(z, axis=-1, temperature=1.0):
    r"""Softmax with temperature along an axis, computed stably.

    .. math::

        \operatorname{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}
                                    = \frac{e^{(z_i - m)/T}}{\sum_j e^{(z_j - m)/T}},
        \qquad m = \max_j z_j .

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
      ``scipy.special.softmax(z / T, axis)`` wherever that is finite. The
      shift is applied before dividing by ``T``, so a small temperature on
      huge logits (``z = [1e300, 0]``, ``T = 1e-10``) gives ``[1, 0]``
      rather than overflowing ``z / T``.
    * ``-inf`` entries get probability exactly 0 (masking).
    * A slice of only ``-inf`` is undefined (0/0) and gives nan.
    """
    temperature = positive_scalar(temperature, "temperature")
    z = as_float_array(z, "z", min_ndim=1)
    axis = normalize_axis(axis, z.ndim)
    if z.shape[axis] == 0:
        return z.copy()
    shifted, _, _ = _shifted(z, axis)
    with np.errstate(over="ignore"):
        if temperature != 1.0:
            # shifted <= 0, so dividing can only overflow towards -inf, where exp is 0
            np.divide(shifted, temperature, out=shifted)
        e = np.exp(shifted, out=shifted)  # overflows only for a +inf maximum
    s = np.sum(e, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):  # only an all -inf (or +inf) slice gives 0/0
        return np.divide(e, s, out=e)


def log_softmax(z, axis=-1):
    r"""Logarithm of the softmax along an axis, computed stably.

    .. math::

        \log \operatorname{softmax}(z)_i = z_i - \operatorname{LSE}(z)
            = (z_i - m) - \operatorname{log1p}\Big(\sum_{j \ne j^*} e^{z_j - m}\Big).

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
    * The largest entry keeps full relative accuracy: ``log_softmax([0., -40.])[0]``
      is ``-4.248e-18``, not 0.
    * ``-inf`` entries give ``-inf``; a slice of only ``-inf`` gives nan.
    """
    z = as_float_array(z, "z", min_ndim=1)
    axis = normalize_axis(axis, z.ndim)
    if z.shape[axis] == 0:
        return z.copy()
    shifted, zmax, idx = _shifted(z, axis)
    with np.errstate(over="ignore"):  # only a +inf maximum leaves positive arguments
        e = np.exp(shifted)
    lse = _log1p_rest(e, idx, axis)
    lse[zmax == -np.inf] = np.nan  # all -inf slice: log(0/0)
    with np.errstate(invalid="ignore"):  # only a +inf maximum gives inf - inf
        return np.subtract(shifted, lse, out=shifted)
