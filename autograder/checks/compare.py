"""Compare a plain return value with the reference: one mismatch or None.

Descriptions say what is wrong with the student's value (its shape, where it
is not finite, how large the relative error is) without printing the
reference value itself.
"""

from __future__ import annotations

import numpy as np


def _fmt_index(idx, shape):
    return "" if not shape else f" (at index {tuple(int(i) for i in idx)})"


def compare(got, ref, rtol, atol, returns=()):
    """Return ``(kind, detail)`` for the first mismatch, or ``None``.

    ``kind`` is ``type``, ``shape``, ``nonfinite`` or ``value``.
    """
    if isinstance(ref, tuple):
        if not isinstance(got, tuple) or len(got) != len(ref):
            n = len(got) if isinstance(got, tuple) else 1
            return "type", f"expected {len(ref)} returned values ({', '.join(returns)}), got {n}"
        for i, (g, r) in enumerate(zip(got, ref)):
            found = compare(g, r, rtol, atol)
            if found:
                name = returns[i] if i < len(returns) else f"value {i + 1}"
                return found[0], f"{name}: {found[1]}"
        return None
    if got is None:
        return "type", "returned None (is a `return` statement missing?)"
    if isinstance(got, tuple):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (ValueError, TypeError):
            return "type", "returned a nested sequence that is not a numeric array"
    if got.shape != ref.shape:
        return "shape", f"expected a result of shape {ref.shape}, got shape {got.shape}"
    finite_ref = np.isfinite(ref)
    bad = finite_ref & ~np.isfinite(got)
    if bad.any():
        what = sorted({("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")) for v in got[bad]})
        idx = np.argwhere(bad)[0]
        return "nonfinite", (
            f"got {'/'.join(what)} in {int(bad.sum())} of {got.size} entries where the "
            f"result is finite{_fmt_index(idx, got.shape)}"
        )
    inf_ref = ~finite_ref
    if inf_ref.any() and not np.array_equal(got[inf_ref], ref[inf_ref], equal_nan=True):
        idx = np.argwhere(inf_ref & (got != ref))[0] if np.any(inf_ref & (got != ref)) else np.argwhere(inf_ref)[0]
        return "nonfinite", f"expected an infinite value{_fmt_index(idx, got.shape)}, got {got[tuple(idx)]!r}"
    g, r = got[finite_ref], ref[finite_ref]
    with np.errstate(over="ignore"):  # g - r of two huge opposite values is inf: still "off"
        err = np.abs(g - r)
    off = err > atol + rtol * np.abs(r)
    if off.any():
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
            rel_text = f"{rel[worst]:.2g}"
        return "value", (
            f"{int(off.sum())} of {got.size} entries differ from the correct result; "
            f"the largest relative error is {rel_text}{_fmt_index(idx, got.shape)}, "
            f"where your function returned {g[worst]:.6g}"
        )
    return None
