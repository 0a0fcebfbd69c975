"""Relations: a result judged against the same function's results on related inputs.

A check of a property other than the value itself (stability, ``axis``,
temperature, soft labels, broadcasting …) does not compare with the
reference: it calls the function under test on related inputs and asks
whether the results fit together as they must for *every* correct
implementation — softmax of ``z − c`` equals softmax of ``z``; a slice along
``axis`` equals the 1-D call on that slice. A wrong formula that is wrong in
the same way on both sides keeps the property's points (and loses the
``-basic`` cell's); a mistake of the property itself breaks the relation.

This module holds the pieces the check modules declare relations with:
*what the judged call must return*, as functions of the related calls'
results (:func:`same`, :func:`plus`, :func:`combination`, :func:`unrows` …), and the
related calls themselves (:func:`rows_call`, :func:`halves_calls`, :func:`expanded_calls` …). Each check module states its
relations in words (:class:`~autograder.checks.probe.Relation`), which
``docs/grading.md`` prints; "slice by slice", worded alike for every
function of slices along ``axis``, is stated here (:func:`sliced`).

Tolerances. A correct implementation computes each call to a few units in
the last place (ulps); the relations' tolerances allow the rounding of both
sides and of the combination: ``slack`` terms of a few ``eps·|term|`` per
entry for what a relation adds or sums (:class:`Within`), and the check's
own relative tolerance for the rest. ``tests/test_relations.py`` checks with
hypothesis that the correct implementations of the bug zoo satisfy every
relation on random inputs, so no tolerance here is a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, TypeVar

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.probe import Relation, Within

EPS = float(np.finfo(float).eps)

#: A related call, as :func:`~autograder.checks.probe.related` takes it: ``(label, args, kwargs)``.
Call: TypeAlias = tuple[str, tuple[Any, ...], dict[str, Any]]
#: What a judged call must return, given the related calls' results
#: (:attr:`~autograder.checks.probe.Relation.expected`): an array, or :class:`~autograder.checks.probe.Within` one
#: with a slack.
Expected: TypeAlias = Callable[..., Any]
#: A value passed through unchanged (:func:`same`).
V = TypeVar("V")


def _f(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=float)


# ------------------------------------------------------------ what is expected
def same(value: V) -> V:
    """The judged call returns what the related call returned (an invariance)."""
    return value


def same_within(slack: ArrayLike) -> Expected:
    """The related call's result, with ``slack`` absolute per entry: for log-space results of a shift by ``c``,
    which a correct implementation computes to an absolute ~eps·|c| (z − logsumexp(z) with z near c)."""
    slack = _f(slack)
    return lambda value: Within(_f(value), slack)


def plus(c: ArrayLike, slack_ulps: float = 4.0) -> Expected:
    """The related call's result plus ``c`` (an equivariance, e.g. logsumexp(z) = logsumexp(z − c) + c).

    The addition itself rounds: a slack of ``slack_ulps·eps·(|c| + |v|)`` per entry.
    """
    c = _f(c)

    def expected(value: ArrayLike) -> Within:
        value = _f(value)
        if value.shape != c.shape and value.size == c.size:
            value = value.reshape(c.shape)  # the shape is another cell's property
        return Within(value + c, slack_ulps * EPS * (np.abs(c) + np.abs(value)))

    return expected


def combination(weights: Iterable[float], slack_ulps: float = 8.0) -> Expected:
    """``Σ_k w_k · v_k`` of the related calls' results (linearity: soft labels as mixtures of hard ones)."""
    weights = tuple(float(w) for w in weights)

    def expected(*values: ArrayLike) -> Within:
        arrays = [_f(v) for v in values]
        total = sum(w * v for w, v in zip(weights, arrays))
        slack = slack_ulps * EPS * sum(abs(w) * np.abs(v) for w, v in zip(weights, arrays))
        return Within(total, slack)

    return expected


# ------------------------------------------------------------ slices along an axis
def sliced(function: str, args: tuple[str, ...], reduces: bool, atol: float = 0.0) -> Relation:
    """The "slice by slice" relation of ``function``, stated in words for its arguments ``args`` (one or two
    arrays, then ``axis``): the call equals the call on the slices laid out as rows (:func:`rows_call`), one
    result per slice where it ``reduces`` the axis, the same slices where it normalises along it (:func:`unrows`).

    Returns
    -------
    Relation
        Named "slice by slice", with ``atol`` as its absolute tolerance.
    """
    slices = " and ".join(f"{a}'s" for a in args)
    rows = {1: "a 2-D array", 2: "two 2-D arrays"}[len(args)]
    call = f"{function}({', '.join(args)}, axis)" + ("" if reduces else " along each slice")
    statement = (f"{call} = {function} of {slices} slices along axis laid out as the rows of {rows} (default axis)"
                 + (", one result per slice" if reduces else ""))
    return Relation("slice by slice", statement, atol=atol)


def rows_call(label: str, arrays: tuple, axis: int, kwargs: dict | None = None) -> tuple:
    """The one related call of "slice by slice": the slices along ``axis`` of ``arrays`` (all of one shape) as the
    rows of a 2-D array, with the function's default axis (the last), as ``(label, args, kwargs)``.

    One call instead of one per slice: the default axis on a 2-D array is the ``-basic`` cell's, so what this
    relation adds is exactly where along ``axis`` the function reduces (or normalises).
    """
    arrays = tuple(_f(a) for a in arrays)
    n = arrays[0].shape[axis]
    return ((f"{label}: its slices along axis {axis} as the rows of a 2-D array (the default axis)",
             tuple(np.moveaxis(a, axis, -1).reshape(-1, n).copy() for a in arrays), dict(kwargs or {})),)


def unrows(shape: tuple, axis: int, reduces: bool) -> Expected:
    """The judged result put together from :func:`rows_call`'s result (one number, or one row, per slice)."""
    shape = tuple(shape)
    axis = axis % len(shape)
    moved_shape = shape[:axis] + shape[axis + 1:] + (shape[axis],)

    def expected(value: ArrayLike) -> np.ndarray:
        value = _f(value)
        if reduces:
            return value.reshape(shape[:axis] + shape[axis + 1:])
        return np.moveaxis(value.reshape(moved_shape), -1, axis)

    return expected


def halves_calls(label: str, args: tuple, split: tuple,
                 kwargs: dict | None = None) -> tuple[tuple[Call, ...], int, int]:
    """The two related calls of a batch split in two: the arguments at positions ``split`` cut along their first
    axis at N // 2 (the others as they are). Returns ``(calls, n, k)``."""
    n = np.shape(args[split[0]])[0]
    k = max(1, n // 2)
    parts: list[Call] = []
    for name, rows in (("first", slice(0, k)), ("last", slice(k, n))):
        if rows.start >= rows.stop:
            continue
        part = tuple(np.asarray(a)[rows].copy() if i in split else a for i, a in enumerate(args))
        parts.append((f"{label}: its {name} {rows.stop - rows.start} of {n} rows as a batch", part, dict(kwargs or {})))
    return tuple(parts), n, k


def joined(n: int, k: int, scaled_by_count: bool = False) -> Expected:
    """The judged batch result is the halves' results one after the other; ``scaled_by_count``: each half's
    times its share of the rows (the gradient of a mean over N rows: a half's mean gradient times k/N)."""

    def expected(*values: ArrayLike) -> np.ndarray:
        arrays = [_f(v) for v in values]
        if scaled_by_count:
            sizes = (k, n - k)[:len(arrays)]
            arrays = [v * (size / n) for v, size in zip(arrays, sizes)]
        return np.concatenate([v.reshape((-1,) + v.shape[1:]) if v.ndim else v.reshape(1) for v in arrays])

    return expected


def along(a: ArrayLike, axis: int, c: ArrayLike) -> np.ndarray:
    """``a − c`` with ``c`` (one number per slice along ``axis``, or a scalar) subtracted along ``axis``."""
    a, c = _f(a), _f(c)
    return a - (np.expand_dims(c, axis) if c.ndim else c)


def slice_max(a: ArrayLike, axis: int = -1) -> np.ndarray:
    """Each slice's largest finite entry (0 for a slice without one): a shift that makes the slice moderate.

    Subtracting it is exact for every entry within a factor 2 of it
    (Sterbenz), i.e. for every entry that matters to softmax or logsumexp.
    """
    a = _f(a)
    finite = np.where(np.isfinite(a), a, -np.inf)
    m = finite.max(axis=axis)
    return np.where(np.isfinite(m), m, 0.0)


# ------------------------------------------------------------ rows of a batch
def reshaped(shape: tuple) -> Expected:
    """The judged result is the related call's result (on flattened, equal-shaped inputs) in ``shape``."""
    shape = tuple(shape)

    def expected(value: ArrayLike) -> np.ndarray:
        value = _f(value)
        if value.size != int(np.prod(shape)):
            raise ValueError("the flattened call returned another number of values")
        return value.reshape(shape)

    return expected


def expanded_calls(label: str, args: tuple) -> tuple:
    """The one related call of broadcasting: every argument broadcast to the common shape and flattened."""
    arrays = np.broadcast_arrays(*(_f(a) for a in args))
    return ((f"{label}, every argument expanded to the common shape {arrays[0].shape} and flattened",
             tuple(a.reshape(-1).copy() for a in arrays), {}),)


# ------------------------------------------------------------ a quadratic in one argument
def quadratic(s: ArrayLike, d: float, input_slack: ArrayLike = 0.0) -> Expected:
    """The judged result from three related calls at offsets ``-d``, ``0`` and ``+d``: a quadratic through them,
    evaluated at offset ``s``.

    For a log density in x (every correct one, and every formula that drops
    or changes a constant or a factor, is a quadratic polynomial in x), or a
    log-likelihood under a common translation of its points. The
    extrapolation multiplies the rounding of the three values by about
    ``(s/d)²``, which is also how the result grows: relative accuracy is
    kept. ``s`` may be an array (one offset per entry). ``input_slack`` adds
    what the rounding of the inputs themselves moves the result by (see
    :func:`toward_center_calls`).
    """
    s, d = _f(s), float(d)

    def expected(g_minus: ArrayLike, g_zero: ArrayLike, g_plus: ArrayLike) -> Within:
        g_minus, g_zero, g_plus = _f(g_minus), _f(g_zero), _f(g_plus)
        slope = (g_plus - g_minus) / (2.0 * d)
        curve = (g_plus - 2.0 * g_zero + g_minus) / (2.0 * d * d)
        value = g_zero + s * slope + s * s * curve
        scale = np.abs(g_zero) + np.abs(g_plus) + np.abs(g_minus)
        slack = 16.0 * EPS * scale * (1.0 + np.abs(s) / d + (s / d) ** 2) + input_slack
        return Within(value, slack)

    return expected


def toward_center_calls(label: str, x: ArrayLike, mu: ArrayLike, sigma: ArrayLike, public: bool = False,
                        total: bool = False) -> tuple[tuple[Call, ...], float, float | np.ndarray]:
    """The three related calls of :func:`quadratic` for points far out: ``x`` pulled towards ``mu`` by a power of 2.

    Returns ``(calls, delta, input_slack)``: the calls at ``mu + k·δ·(x − mu)`` for k = −1, 0, 1 (the same mu
    and sigma), δ = 2^−j the largest power of 2 that brings every point within one sigma of mu, so the three
    calls are moderate and the judged call (k = 1/δ) is quadratic extrapolation from them.

    ``input_slack`` is what rounding the inputs moves the result by, per entry (summed over the points when
    ``total``: a log-likelihood): a point is known to eps·|x|, which moves −½((x − mu)/σ)² by |z|/σ·eps·|x|
    (z = (x − mu)/σ), and each pulled-in point is rounded to eps·|mu|, which the extrapolation to t = 1 magnifies
    by 1/δ: together 4·eps·|z|·(|x| + |mu|/δ)/σ.
    """
    given_mu, given_sigma = mu, sigma  # (the related calls pass mu and sigma as the probe does: a number stays one)
    x, mu, sigma = _f(x), _f(mu), _f(sigma)
    zs = np.abs((x - mu) / sigma)
    z = np.max(zs)
    delta = 2.0 ** -max(0, int(np.ceil(np.log2(z)))) if z > 0 else 1.0

    def pulled(k: float) -> object:
        point = mu + k * delta * (x - mu)
        return float(point) if np.ndim(point) == 0 else point

    calls: tuple[tuple[str, tuple[object, ...], dict[str, object]], ...]
    calls = tuple((f"{label}, every point pulled towards mu: mu {'-' if k < 0 else '+'} {abs(k) * delta:g}·(x - mu)"
                   if public else f"{label}, every point pulled towards mu ({name})",
                   (pulled(k), given_mu, given_sigma), {})
                  for k, name in ((-1, "mirrored"), (0, "at mu"), (1, "same side")))
    slack = 4.0 * EPS * zs * (np.abs(x) + np.abs(mu) / delta) / sigma
    return calls, delta, (float(np.sum(slack)) if total else slack)


# ------------------------------------------------------------ soft labels as mixtures of hard ones
def class_mixture(targets: ArrayLike) -> tuple[tuple[float, ...], tuple[np.ndarray, ...]]:
    """Rows of probabilities ``targets`` (N, C) as a mixture ``Σ_k w_k · onehot(y_k)`` of integer target vectors.

    Returns ``(weights, labels)``: ``weights`` (K,) non-negative, summing to 1, and ``labels`` a tuple of
    K integer vectors of shape (N,). A quantile coupling along each row's classes in decreasing order of
    probability: ``y(u)_n`` is the class at which row n's sorted cumulative probability first exceeds u,
    constant between the rows' cumulative sums, so K ≤ N·(C − 1) + 1, and rows that are permutations of
    one vector (one-hot rows, label smoothing) share their breakpoints: K ≤ C. Exact in real arithmetic;
    in float64 the mixture is ``targets`` to a few ulps.
    """
    t = _f(targets)
    order = np.argsort(-t, axis=1, kind="stable")
    cum = np.cumsum(np.take_along_axis(t, order, axis=1), axis=1)
    cum[:, -1] = 1.0
    cuts = np.unique(np.concatenate([[0.0], np.clip(cum[:, :-1].ravel(), 0.0, 1.0), [1.0]]))
    weights: list[float]
    labels: list[np.ndarray]
    weights, labels = [], []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if hi - lo <= 0:
            continue
        position = np.argmax(cum > (lo + hi) / 2, axis=1)
        labels.append(order[np.arange(t.shape[0]), position].astype(np.int64))
        weights.append(hi - lo)
    return tuple(weights), tuple(labels)


def label_layers(y: ArrayLike) -> tuple[tuple[float, ...], tuple[np.ndarray, ...]]:
    """Soft labels ``y`` in [0, 1] (any shape) as a mixture ``Σ_k w_k · h_k`` of 0/1 label arrays (layer cake).

    Returns ``(weights, layers)``: with the distinct values v_1 < … < v_m of y (and v_0 = 0),
    ``h_j = (y >= v_j)`` has weight ``v_j − v_{j−1}``, and the all-zero array takes the rest, 1 − max y,
    so the weights sum to 1 (binary cross-entropy is affine in y, not linear).
    """
    y = _f(y)
    values = np.unique(y[y > 0])
    weights: list[float]
    layers: list[np.ndarray]
    weights, layers, below = [], [], 0.0
    for v in values:
        weights.append(v - below)
        layers.append((y >= v).astype(float))
        below = v
    if 1.0 - below > 0:
        weights.append(1.0 - below)
        layers.append(np.zeros_like(y))
    return tuple(weights), tuple(layers)
