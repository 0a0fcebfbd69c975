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
from collections.abc import Iterable
from typing import Any, TypeAlias

import numpy as np

from autograder.perimeter.child_runtime.invoke import Plain

#: A mismatch found: ``(kind, detail)``, or None where there is none.
Mismatch: TypeAlias = "tuple[str, str] | None"

#: What ``ref`` is unless a caller says otherwise (``against``): the reference's result. A relation names instead what
#: the function's own results give through it, and :func:`compare_nonfinite` words its nan or infinity so.
CORRECT_RESULT = "the correct result"


def _fmt_index(idx: Iterable[Any], shape: tuple[int, ...], reveal: bool = True) -> str:
    return "" if not shape or not reveal else f" (at index {tuple(int(i) for i in idx)})"


def _magnitude(rel: float) -> str:
    """``"of order 1e-03"``: the power of ten nearest to a relative error (on a log scale), nothing finer: 0.99 is
    "of order 1e+00", 0.002 "of order 1e-03" (a floor would call an error of 99 % "of order 1e-01")."""
    return f"of order 1e{round(math.log10(rel)):+03d}" if rel > 0 else "0"


def _entries(n_bad: int, size: int, reveal: bool) -> tuple[str, str]:
    """Which entries are bad, and the verb's ending: ``("3 of 20 entries", "")``, ``("every entry", "s")``; of a
    result of one number, ``("the value", "s")``."""
    if size == 1:
        return "the value", "s"
    if reveal:
        return f"{n_bad} of {size} entries", ""
    return ("every entry", "s") if n_bad == size else ("some entries", "")


def compare(got: Plain, ref: Plain, rtol: float, atol: float | np.ndarray, returns: tuple[str, ...] = (),
            reveal: bool = True, against: str = CORRECT_RESULT) -> Mismatch:
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
    if ref is None:
        raise RuntimeError("compare: no reference value to compare with (the reference returns numbers)")
    return _compare_shape(got, ref, reveal) or compare_nonfinite(got, ref, reveal, against) or \
        _compare_values(got, ref, rtol, atol, reveal, against)


def _compare_tuple(got: Plain, ref: tuple[Plain, ...], rtol: float, atol: float | np.ndarray, returns: tuple[str, ...],
                   reveal: bool, against: str = CORRECT_RESULT) -> Mismatch:
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


def _compare_shape(got: np.ndarray, ref: np.ndarray, reveal: bool) -> Mismatch:
    """``("shape", detail)`` when the shapes differ (hidden: the student's shape only if made of ours)."""
    if got.shape == ref.shape:
        return None
    if reveal or set(got.shape) <= set(ref.shape) | {1}:
        return "shape", f"expected a result of shape {ref.shape}, got shape {got.shape}"
    return "shape", f"expected a result of shape {ref.shape}, got a {got.ndim}-D result of another shape"


def compare_nonfinite(got: np.ndarray, ref: np.ndarray, reveal: bool, against: str = CORRECT_RESULT) -> Mismatch:
    """``("nonfinite", detail)``: nan/±inf where the result is finite, or not the reference's infinities. ``against``
    names what ``ref`` is (:func:`compare`): a relation's nan comes from the function's own results, and says so."""
    finite_ref = np.isfinite(ref)
    bad = finite_ref & ~np.isfinite(got)
    if bad.any():
        what = sorted({("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in got[bad]})
        idx = np.argwhere(bad)[0]
        where = "" if got.size == 1 else f" in {_entries(int(bad.sum()), got.size, reveal)[0]}"
        return "nonfinite", f"got {'/'.join(what)}{where} where the result is finite{_fmt_index(idx, got.shape, reveal)}"
    inf_ref = ~finite_ref
    if inf_ref.any() and not np.array_equal(got[inf_ref], ref[inf_ref], equal_nan=True):
        idx = np.argwhere(inf_ref & (got != ref))[0] if np.any(inf_ref & (got != ref)) else np.argwhere(inf_ref)[0]
        # (nan where a relation's expected value comes from the function's own nan result)
        word = "nan" if np.isnan(ref[tuple(idx)]) else "an infinite value"
        if not reveal:  # (what a non-finite result was is no number of the input's: nan is said as such)
            there = "nan" if np.isnan(got[tuple(idx)]) else "another value"
            return "nonfinite", f"expected {word} in some entries, got {there} there"
        got_here = f"{float(got[tuple(idx)]):.6g}"
        if against != CORRECT_RESULT:  # (a relation: ref is made of the function's own results)
            return "nonfinite", f"{against} is {word}{_fmt_index(idx, got.shape)}, and this call gave {got_here}"
        return "nonfinite", f"expected {word}{_fmt_index(idx, got.shape)}, got {got_here}"
    return None


def _compare_values(got: np.ndarray, ref: np.ndarray, rtol: float, atol: float | np.ndarray, reveal: bool,
                    against: str = CORRECT_RESULT) -> Mismatch:
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
    # (six digits, unless they would read as the correct value: a variance + 1e-6 returned 2.00000025 for 2 and
    # was shown as "2"; then every digit the float needs, which says no more than the relative error does)
    value = f"{g[worst]:.6g}" if not rel[worst] < 1e-5 else repr(float(g[worst]))
    returned = f", where your function returned {value}" if reveal else ""
    which, s = _entries(int(off.sum()), got.size, reveal)
    largest = "the" if got.size == 1 else "the largest"
    return "value", (
        f"{which} differ{s} from {against}; "
        f"{largest} relative error is {rel_text}{_fmt_index(idx, got.shape, reveal)}{returned}"
    )


# ------------------------------------------------------------ values as values, and the container on its own
def _size_one_axes_apart(a: tuple, b: tuple) -> bool:
    """Two shapes that hold the same entries in the same order, differing only by axes of length 1
    (``(2, 1)`` and ``(2,)``; ``(1,)`` and ``()``)."""
    return tuple(n for n in a if n != 1) == tuple(n for n in b if n != 1)


def as_values(got: Plain, ref: Plain) -> Plain:
    """``got`` compared as values: put in ``ref``'s container when only the container differs.

    The shape a function returns is judged once, in its ``-shape`` cell (:func:`container`); every other
    cell compares the numbers. So a result whose shape differs from the reference's only by axes of length 1
    (a reduction that keeps the reduced axis, ``(N, 1)`` for ``(N,)``; a length-1 array for one number) is
    reshaped to the reference's shape, and a 1-D array of ``n`` numbers stands for a tuple of ``n`` numbers.
    Anything else (another number of entries, other sizes) is returned as it is, for the comparison to judge.
    """
    if isinstance(ref, tuple):
        if isinstance(got, np.ndarray) and got.ndim == 1 and got.size == len(ref) \
                and all(isinstance(r, np.ndarray) and r.ndim == 0 for r in ref):
            return tuple(got[i].reshape(()) for i in range(got.size))
        if isinstance(got, tuple) and len(got) == len(ref):
            return tuple(as_values(g, r) for g, r in zip(got, ref))
        return got
    if isinstance(ref, np.ndarray) and isinstance(got, tuple) and len(got) == ref.size:
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return got
    if isinstance(got, np.ndarray) and isinstance(ref, np.ndarray) and got.shape != ref.shape \
            and got.size == ref.size and _size_one_axes_apart(got.shape, ref.shape):
        return got.reshape(ref.shape)
    return got


def _what(value: np.ndarray | tuple[Plain, ...], reveal: bool) -> str:
    """How a returned value is described in a container mismatch (the student's own shape, if ``reveal``)."""
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} values" if reveal else "a tuple of another length"
    if value.ndim == 0:
        return "one number"
    if reveal:
        return f"an array of shape {value.shape}"
    return f"an array of {value.ndim} dimension{'s' if value.ndim > 1 else ''}"


def container(got: Plain, ref: Plain, returns: tuple[str, ...] = (), reveal: bool = True) -> Mismatch:
    """``(kind, detail)`` when ``got`` is not in the container the contract gives (the reference's), or ``None``.

    Judges the container only, never the values: the shape of an array, one number (a Python float, a NumPy
    scalar and a 0-d array alike: the contract allows each) for a reduction, a tuple of the right length.
    The detail says exactly which container was expected.
    """
    if got is None:
        return "type", "returned None (is a `return` statement missing?)"
    if isinstance(ref, tuple):
        names = f" ({', '.join(returns)})" if returns else ""
        expected = f"a tuple of {len(ref)} values{names}"
        if not isinstance(got, tuple) or len(got) != len(ref):
            return "shape", f"expected {expected}, got {_what(got, reveal)}"
        for name, g, r in zip(returns or (f"value {i + 1}" for i in range(len(ref))), got, ref):
            found = container(g, r, (), reveal)
            if found:
                return found[0], f"{name}: {found[1]}"
        return None
    if ref is None:
        raise RuntimeError("container: no reference value to compare with (the reference returns numbers)")
    if isinstance(got, tuple):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return "type", "returned a nested sequence that is not a numeric array"
        if ref.ndim == 0:
            return "shape", f"expected one number (a float or a 0-d array), got a list or tuple of {got.size}"
    if got.shape == ref.shape:
        return None
    if ref.ndim == 0:
        return "shape", f"expected one number (a float or a 0-d array), got {_what(got, reveal)}"
    if reveal or set(got.shape) <= set(ref.shape) | {1}:
        return "shape", f"expected a result of shape {ref.shape}, got {_what(got, True)}"
    return "shape", f"expected a result of shape {ref.shape}, got {_what(got, False)} of another shape"
