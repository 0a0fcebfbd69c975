"""Input validation shared by the reference solutions.

Every helper raises ``ValueError`` whose message names the argument and says
what was expected, so a caller can act on it.
"""

import numbers

import numpy as np


def as_float_array(value, name, ndim=None, min_ndim=0):
    """Convert an array-like to a float64 array, or raise ``ValueError``.

    Parameters
    ----------
    value : array_like
        Real numbers (lists, tuples, scalars and arrays are all accepted).
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    min_ndim : int, optional
        Smallest allowed number of dimensions.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 — ragged nested lists and the like become the argument's ValueError
        raise ValueError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        raise ValueError(
            f"{name} must be an array of real numbers, got dtype {arr.dtype}"
        )
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}"
        )
    return arr


def normalize_axis(axis, ndim, name="axis"):
    """Return ``axis`` as a non-negative index into ``ndim`` dimensions."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}={axis} is out of range for an array with {ndim} dimension(s)"
        )
    return int(axis) % ndim


def positive_scalar(value, name, allow_inf=False):
    """Return ``value`` as a positive finite float (or ``inf`` if ``allow_inf``), or raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)):
        raise ValueError(f"{name} must be a positive real number, got {value!r}")
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    val = float(arr)
    if not (val > 0 and (allow_inf or np.isfinite(val))):  # nan fails both
        what = "a positive number (or inf)" if allow_inf else "a positive finite number"
        raise ValueError(f"{name} must be {what}, got {val!r}")
    return val


def in_unit_interval(arr, name):
    """Raise ``ValueError`` unless every element of ``arr`` lies in [0, 1]."""
    # min()/max() propagate nan, and comparisons with nan are False: two
    # reductions, no temporary arrays.
    if arr.size and not (np.min(arr) >= 0 and np.max(arr) <= 1):
        raise ValueError(f"{name} must lie in [0, 1] (probabilities or labels)")
    return arr


def scalar_or_array(out):
    """Return a 0-d result as a NumPy float64 scalar, anything else unchanged."""
    out = np.asarray(out)
    return out[()] if out.ndim == 0 else out
