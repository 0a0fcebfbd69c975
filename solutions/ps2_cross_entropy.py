"""Problem set 2: cross-entropy loss over a softmax, and its gradient.

The loss is computed from log-softmax (never ``log(softmax(...))``), so it is
finite and accurate for logits up to ±1e4 and beyond.
"""

import numpy as np

from solutions._validate import as_float_array
from solutions.ps1_softmax import _log1p_rest, _shifted, log_softmax, softmax

__all__ = ["cross_entropy", "cross_entropy_grad"]


def _check_inputs(logits, targets):
    """Validate ``(logits, targets)``.

    Returns
    -------
    logits : ndarray, shape (N, C)
    targets : ndarray
        Integer class indices of shape (N,), or float rows of shape (N, C).
    is_index : bool
        True for class indices.
    """
    logits = as_float_array(logits, "logits", ndim=2)
    n, c = logits.shape
    if n == 0 or c == 0:
        raise ValueError(f"logits must have N >= 1 rows and C >= 1 columns, got {logits.shape}")
    t = np.asarray(targets)
    if np.issubdtype(t.dtype, np.integer):
        if t.shape != (n,):
            raise ValueError(
                f"integer targets must have shape (N,) = ({n},), got {t.shape}"
            )
        if np.any(t < 0) or np.any(t >= c):
            raise ValueError(
                f"targets must be class indices in [0, {c}), got values from "
                f"{t.min()} to {t.max()}"
            )
        return logits, t, True
    if np.issubdtype(t.dtype, np.floating):
        if t.shape != (n, c):
            raise ValueError(
                f"float targets must be probability rows of shape (N, C) = ({n}, {c}), "
                f"got {t.shape}; class indices must have an integer dtype"
            )
        return logits, t.astype(np.float64, copy=False), False
    raise ValueError(
        "targets must be integer class indices of shape (N,) or float "
        f"probability rows of shape (N, C), got dtype {t.dtype}"
    )


def cross_entropy(logits, targets):
    r"""Mean cross-entropy between targets and ``softmax(logits)``.

    .. math::

        \mathcal{L} = -\frac{1}{N} \sum_{n=1}^{N} \sum_{c=1}^{C}
                      t_{nc} \, \log \operatorname{softmax}(\ell_n)_c ,

    with ``log softmax`` computed as ``ℓ - logsumexp(ℓ)``. For integer targets
    this is the mean negative log-likelihood ``-mean(log p[n, y_n])``.

    Parameters
    ----------
    logits : array_like, shape (N, C)
        Unnormalised scores, one row per example.
    targets : array_like
        Integer class indices of shape (N,) with values in [0, C), or float
        probability rows of shape (N, C) (one-hot or soft labels).

    Returns
    -------
    float
        The mean loss in nats.

    Raises
    ------
    ValueError
        If ``logits`` is not 2-D, integer targets are out of [0, C) or of the
        wrong shape, or float targets are not of shape (N, C).

    Notes
    -----
    Terms with ``t = 0`` contribute exactly 0, whatever the log-probability.
    """
    logits, t, is_index = _check_inputs(logits, targets)
    n = logits.shape[0]
    if is_index:
        # Only the target entries of log-softmax are needed:
        # log p[n, t_n] = (l[n, t_n] - m_n) - log1p(rest_n), as in log_softmax.
        shifted, _, idx = _shifted(logits, 1)
        picked = shifted[np.arange(n), t]
        e = np.exp(shifted, out=shifted)
        lse = _log1p_rest(e, idx, 1)[:, 0]
        return np.float64(np.sum(lse - picked) / n)
    logp = log_softmax(logits, axis=1)
    terms = np.multiply(t, logp, out=np.zeros_like(logp), where=t != 0)
    return np.float64(-np.sum(terms) / n)


def cross_entropy_grad(logits, targets):
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math::

        \frac{\partial \mathcal{L}}{\partial \ell_{nc}}
            = \frac{\operatorname{softmax}(\ell_n)_c - t_{nc}}{N} .

    Parameters
    ----------
    logits : array_like, shape (N, C)
    targets : array_like
        As for :func:`cross_entropy`.

    Returns
    -------
    ndarray, shape (N, C)
        Each row sums to 0 when its target row sums to 1.

    Raises
    ------
    ValueError
        As for :func:`cross_entropy`.
    """
    logits, t, is_index = _check_inputs(logits, targets)
    n = logits.shape[0]
    grad = softmax(logits, axis=1)  # a new array: updated in place below
    if is_index:
        grad[np.arange(n), t] -= 1.0
    else:
        grad -= t
    grad /= n
    return grad
