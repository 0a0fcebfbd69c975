"""Compare a plain return value with the reference: one mismatch or None.

Descriptions say what is wrong with the student's value (its shape, where it
is not finite, how large the relative error is) without printing the
reference value itself. For a hidden probe (``reveal=False``) they also leave
out what the student's function chose freely and could use to carry the
hidden input out: the values it returned, the positions of the bad entries,
its own shape when that is not made of the expected one's sizes, the exact
count of returned values; the relative error is given as a power of ten.
"""

from __future__ import annotations

import math

import numpy as np


def _fmt_index(idx, shape, reveal=True):
    return "" if not shape or not reveal else f" (at index {tuple(int(i) for i in idx)})"


def _magnitude(rel) -> str:
    """``"of order 1e-03"``: the power of ten of a relative error, nothing finer."""
    return f"of order 1e{math.floor(math.log10(rel)):+03d}" if rel > 0 else "0"


def _entries(n_bad, size, reveal):
    """Which entries are bad, and the verb's ending: ``("3 of 20 entries", "")``, ``("every entry", "s")``."""
    if reveal:
        return f"{n_bad} of {size} entries", ""
    return ("every entry", "s") if n_bad == size else ("some entries", "")


def compare(got, ref, rtol, atol, returns=(), reveal=True, against="the correct result"):
    """Return ``(kind, detail)`` for the first mismatch, or ``None``.

    ``kind`` is ``type``, ``shape``, ``nonfinite`` or ``value``, checked in
    that order (:func:`_compare_values` runs only on arrays of the right
    shape whose non-finite entries agree). ``reveal=False`` (a hidden probe)
    keeps the student's own choices out of ``detail`` (see the module
    docstring). ``atol`` may be an array broadcasting against ``ref`` (a
    relation's per-entry slack). ``against`` names what ``ref`` is in the
    detail: the correct result, or what a relation derives from the
    function's own results.
    """
    if isinstance(ref, tuple):
        return _compare_tuple(got, ref, rtol, atol, returns, reveal, against)
    if got is None:
        return "type", "returned None (is a `return` statement missing?)"
    if isinstance(got, tuple):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (ValueError, TypeError):
            return "type", "returned a nested sequence that is not a numeric array"
    return _compare_shape(got, ref, reveal) or compare_nonfinite(got, ref, reveal) or \
        _compare_values(got, ref, rtol, atol, reveal, against)


def _compare_tuple(got, ref, rtol, atol, returns, reveal, against="the correct result"):
    """Several returned values: their number, then each by :func:`compare`, named by ``returns``."""
    if not isinstance(got, tuple) or len(got) != len(ref):
        n = len(got) if isinstance(got, tuple) else 1
        what = f"got {n}" if reveal else "got another number of values"
        return "type", f"expected {len(ref)} returned values ({', '.join(returns)}), {what}"
    for i, (g, r) in enumerate(zip(got, ref)):
        found = compare(g, r, rtol, atol, reveal=reveal, against=against)
        if found:
            name = returns[i] if i < len(returns) else f"value {i + 1}"
            return found[0], f"{name}: {found[1]}"
    return None


def _compare_shape(got, ref, reveal):
    """``("shape", detail)`` when the shapes differ (hidden: the student's shape only if made of ours)."""
    if got.shape == ref.shape:
        return None
    if reveal or set(got.shape) <= set(ref.shape) | {1}:
        return "shape", f"expected a result of shape {ref.shape}, got shape {got.shape}"
    return "shape", f"expected a result of shape {ref.shape}, got a {got.ndim}-D result of another shape"


def compare_nonfinite(got, ref, reveal):
    """``("nonfinite", detail)``: nan/±inf where the result is finite, or not the reference's infinities."""
    finite_ref = np.isfinite(ref)
    bad = finite_ref & ~np.isfinite(got)
    if bad.any():
        what = sorted({("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in got[bad]})
        idx = np.argwhere(bad)[0]
        return "nonfinite", (
            f"got {'/'.join(what)} in {_entries(int(bad.sum()), got.size, reveal)[0]} where the "
            f"result is finite{_fmt_index(idx, got.shape, reveal)}"
        )
    inf_ref = ~finite_ref
    if inf_ref.any() and not np.array_equal(got[inf_ref], ref[inf_ref], equal_nan=True):
        idx = np.argwhere(inf_ref & (got != ref))[0] if np.any(inf_ref & (got != ref)) else np.argwhere(inf_ref)[0]
        if not reveal:
            return "nonfinite", "expected an infinite value in some entries, got another value there"
        return "nonfinite", f"expected an infinite value{_fmt_index(idx, got.shape)}, got {got[tuple(idx)]!r}"
    return None


def _compare_values(got, ref, rtol, atol, reveal, against="the correct result"):
    """``("value", detail)`` when a finite entry is off by more than ``atol + rtol·|ref|``; the worst one named."""
    finite_ref = np.isfinite(ref)
    g, r = got[finite_ref], ref[finite_ref]
    if np.ndim(atol):
        try:
            atol = np.broadcast_to(atol, ref.shape)[finite_ref]
        except ValueError:  # per-entry tolerances of the expected shape, a result of another shape (a relation
            atol = np.max(atol)  # between two of the student's results; the shape is judged in its own cell)
    with np.errstate(over="ignore"):  # g - r of two huge opposite values is inf: still "off"
        err = np.abs(g - r)
    off = err > atol + rtol * np.abs(r)
    if not off.any():
        return None
    # over: a subnormal reference (sigmoid(-740) is 4e-322) makes err / |r| overflow
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = np.where(r != 0, err / np.abs(r), np.inf)
    worst = int(np.argmax(np.where(off, rel, -1)))
    idx = np.argwhere(finite_ref)[worst]
    if r[worst] == 0:
        rel_text = "∞ (the result should be 0 there)"
    elif not np.isfinite(rel[worst]):
        rel_text = "more than 1e308 (the result is tiny there)"
    else:
        rel_text = f"{rel[worst]:.2g}" if reveal else _magnitude(float(rel[worst]))
    returned = f", where your function returned {g[worst]:.6g}" if reveal else ""
    which, s = _entries(int(off.sum()), got.size, reveal)
    return "value", (
        f"{which} differ{s} from {against}; "
        f"the largest relative error is {rel_text}{_fmt_index(idx, got.shape, reveal)}{returned}"
    )
