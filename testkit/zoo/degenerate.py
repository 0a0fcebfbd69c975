"""The degenerate forms of every contract function: functions that ignore their inputs, as zoo specimens.

A function that ignores its inputs satisfies every relation between its own calls (softmax(z, T) =
softmax(z / T) holds for a one-hot of the largest logit that never reads T), so a cell that judges a relation,
an axis, a shape or the errors must also ask for the function's own work (``autograder/checks/changes.py``,
``autograder/checks/stub_failure.py``'s ``own_work_failure``). Each function has a specimen of each form that
applies to it:

- **constant**: one result whatever the input (in the contract's container);
- **uniform**: what the function gives for inputs of no information (the uniform distribution, log n, the density
  of a flat box): a result that depends on the input's shape only;
- **one-hot**: the hard version, reading only which entry is largest or which side of a threshold an input lies
  (a one-hot of the largest logit, the maximum, a step, a 0/1 loss);
- **identity**: its first argument handed back;
- **echoed**: another argument handed back (for a function of one argument, the argument as it was given, a list
  left a list);
- **ignored**: the right formula with one argument never read (fixed at a typical value).

What the contract grants them (docs/contract.md, "A function must do its own work"): the ``-purity`` cell, when
the function leaves its inputs alone and its results are not one number everywhere (purity judges what a function
does to its inputs, whatever it computes); nothing else — no value, relation, axis, shape or error-handling cell.
A constant earns nothing, purity included (a placeholder). An ignored argument is a wrong formula: it loses the
cells that vary that argument and the value cells, and keeps what it has of the others (:data:`KEEPS`).

:data:`MISTAKES` records, per specimen, the mistakes of the hints its lost cells show (``tests/test_zoo.py`` holds
each specimen to them: no hint about another mistake); a specimen of a form that gets no hint (a step function
whose cells have no rule for it) records none.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, GRADE_CELLS, function_of
from testkit.zoo import Specimen


@dataclass(frozen=True)
class Forms:
    """One function's degenerate forms, written beside its specimens in its set's zoo module (``DEGENERATE =
    {"softplus": Forms(…)}``, handed to :func:`specimens` and :func:`loses`): what the tables below hold for the
    course's first functions. ``bodies``: form -> the body after the function's ``checks`` (its contract's
    bad-argument checks, which every form keeps); ``keeps``: the cells its ignored form keeps besides ``-purity``;
    ``placeholders``: its forms whose results are one number on every ``-purity`` input; ``mistakes``: form -> the
    mistakes of the hints its lost cells show (:data:`HINT_OF` names each)."""

    bodies: Mapping[str, str]
    checks: str = ""
    keeps: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    mistakes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

#: The forms, in the order above.
FORMS = ("constant", "uniform", "one-hot", "identity", "echoed", "ignored")

#: The contract's bad-argument checks of the functions that have an ``-errors`` cell: each degenerate form keeps
#: them, so that what it loses there is the computation, not the check.
_CHECKS = {
    "softmax": '    if temperature <= 0:\n        raise ValueError("temperature must be positive")\n',
    "cross_entropy": ('    t = np.asarray(targets)\n'
                      '    if t.dtype.kind in "iu" and ((t < 0).any() or (t >= np.shape(logits)[-1]).any()):\n'
                      '        raise ValueError("targets: class indices must be in [0, C)")\n'),
    "mvn_log_pdf": ('    c = np.asarray(cov, dtype=float)\n'
                    '    if not np.allclose(c, c.T) or np.any(np.linalg.eigvalsh(c) <= 0):\n'
                    '        raise ValueError("cov must be symmetric positive definite")\n'),
    "entropy": ('    pp = np.asarray(p, dtype=float)\n'
                '    if (pp < 0).any() or np.any(np.abs(pp.sum(axis=axis) - 1.0) > 1e-8):\n'
                '        raise ValueError("p must be a probability vector along axis")\n'),
    "kl_divergence": ('    for name, v in (("p", p), ("q", q)):\n'
                      '        v = np.asarray(v, dtype=float)\n'
                      '        if (v < 0).any() or np.any(np.abs(v.sum(axis=axis) - 1.0) > 1e-8):\n'
                      '            raise ValueError(f"{name} must be a probability vector along axis")\n'),
    "bayes_posterior": ('    lp, ll = np.asarray(log_prior, dtype=float), np.asarray(log_likelihood, dtype=float)\n'
                        '    if lp.ndim != 1 or ll.ndim not in (1, 2) or ll.shape[-1] != lp.shape[0]:\n'
                        '        raise ValueError("log_likelihood: its last axis must match log_prior")\n'),
    "map_linear_regression": ('    if noise_std <= 0 or prior_std <= 0:\n'
                              '        raise ValueError("noise_std and prior_std must be positive")\n'
                              '    if np.shape(X)[0] != np.shape(y)[0]:\n'
                              '        raise ValueError("X and y: mismatched shapes")\n'),
}
_CHECKS["js_divergence"] = _CHECKS["kl_divergence"]

_SIGNATURES = {
    "logsumexp": "z, axis=-1", "softmax": "z, axis=-1, temperature=1.0", "log_softmax": "z, axis=-1",
    "cross_entropy": "logits, targets", "cross_entropy_grad": "logits, targets",
    "gaussian_log_pdf": "x, mu, sigma", "gaussian_log_likelihood": "x, mu, sigma", "gaussian_mle": "x",
    "mvn_log_pdf": "x, mu, cov", "sigmoid": "z", "bernoulli_log_pmf": "x, p", "binary_cross_entropy": "p, y",
    "binary_cross_entropy_with_logits": "z, y", "gaussian_kl": "mu1, sigma1, mu2, sigma2",
    "mvn_kl": "mu1, cov1, mu2, cov2", "vae_kl": "mu, logvar", "entropy": "p, axis=-1",
    "kl_divergence": "p, q, axis=-1", "js_divergence": "p, q, axis=-1", "bayes_posterior": "log_prior, log_likelihood",
    "map_linear_regression": "X, y, noise_std, prior_std",
}

# The bodies, after the function's checks (each starts with its own conversions).
_REDUCED = "np.delete(np.shape(z), axis % np.ndim(z))"  # (logsumexp's result shape)
_ROWS = "np.shape(logits)[:-1]"
BODIES = {
    "logsumexp": {
        "constant": f"return np.zeros({_REDUCED})[()]",
        "uniform": f"z = np.asarray(z, dtype=float)\n    return (np.log(z.shape[axis]) + np.zeros({_REDUCED}))[()]",
        "one-hot": "return np.max(np.asarray(z, dtype=float), axis=axis)",
        "identity": "return np.asarray(z, dtype=float)",
        "echoed": "return z",
        "ignored": ("z = np.moveaxis(np.asarray(z, dtype=float), 0, -1)    # axis never read: the first one\n"
                    "    return np.logaddexp.reduce(z, axis=-1)"),
    },
    "softmax": {
        "constant": "return np.full(np.shape(z), 0.25)",
        "uniform": "z = np.asarray(z, dtype=float)\n    return np.ones_like(z) / z.shape[axis]",
        "one-hot": ("z = np.asarray(z, dtype=float)\n"
                    "    return (z == np.max(z, axis=axis, keepdims=True)).astype(float)"),
        "identity": "return np.asarray(z, dtype=float)",
        "echoed": "return z",
        "ignored": ("x = np.asarray(z, dtype=float)    # temperature never read\n"
                    "    e = np.exp(x - np.max(x, axis=axis, keepdims=True))\n"
                    "    return e / np.sum(e, axis=axis, keepdims=True)"),
    },
    "log_softmax": {
        "constant": "return np.full(np.shape(z), -1.0)",
        "uniform": "z = np.asarray(z, dtype=float)\n    return np.full(z.shape, -np.log(z.shape[axis]))",
        "one-hot": ("z = np.asarray(z, dtype=float)\n"
                    "    return np.where(z == np.max(z, axis=axis, keepdims=True), 0.0, -np.inf)"),
        "identity": "return np.asarray(z, dtype=float)",
        "echoed": "return z",
        "ignored": ("z = np.asarray(z, dtype=float)    # axis never read: the last one\n"
                    "    m = np.max(z, axis=-1, keepdims=True)\n"
                    "    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))"),
    },
    "cross_entropy": {
        "constant": "return 1.0",
        "uniform": "return float(np.log(np.shape(logits)[-1]))",
        "one-hot": ("t = np.asarray(targets)\n"
                    "    labels = t if t.ndim == 1 else np.argmax(t, axis=-1)\n"
                    "    return float(np.mean(np.argmax(logits, axis=-1) != labels))"),
        "identity": "return np.asarray(logits, dtype=float)",
        "echoed": "return np.asarray(targets, dtype=float)",
        "ignored": ("z = np.asarray(logits, dtype=float)    # targets never read: class 0 always\n"
                    "    m = np.max(z, axis=-1, keepdims=True)\n"
                    "    logp = z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))\n"
                    "    return float(-np.mean(logp[:, 0]))"),
    },
    "cross_entropy_grad": {
        "constant": "return np.zeros(np.shape(logits))",
        "uniform": ("z = np.asarray(logits, dtype=float)\n"
                    "    t = np.asarray(targets)\n"
                    "    onehot = np.eye(z.shape[-1])[t] if t.ndim == 1 else t.astype(float)\n"
                    "    return (np.full(z.shape, 1.0 / z.shape[-1]) - onehot) / z.shape[0]"),
        "one-hot": ("z = np.asarray(logits, dtype=float)\n"
                    "    t = np.asarray(targets)\n"
                    "    onehot = np.eye(z.shape[-1])[t] if t.ndim == 1 else t.astype(float)\n"
                    "    hard = np.eye(z.shape[-1])[np.argmax(z, axis=-1)]\n"
                    "    return (hard - onehot) / z.shape[0]"),
        "identity": "return np.asarray(logits, dtype=float)",
        "echoed": "return np.asarray(targets, dtype=float)",
        "ignored": ("z = np.asarray(logits, dtype=float)    # targets never read: class 0 always\n"
                    "    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
                    "    return (e / np.sum(e, axis=-1, keepdims=True) - np.eye(z.shape[-1])[0]) / z.shape[0]"),
    },
    "gaussian_log_pdf": {
        "constant": "return np.full(np.broadcast(np.asarray(x), np.asarray(mu), np.asarray(sigma)).shape, -1.0)[()]",
        "uniform": ("x, mu, sigma = np.broadcast_arrays(np.asarray(x, float), np.asarray(mu, float), "
                    "np.asarray(sigma, float))\n"
                    "    return (-np.log(6.0 * sigma))[()]          # flat over mu ± 3 sigma, whatever x"),
        "one-hot": ("x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))\n"
                    "    return np.where(np.abs(x - mu) <= sigma, 0.0, -1.0)[()]"),
        "identity": "return np.asarray(x, dtype=float)",
        "echoed": "return np.asarray(mu, dtype=float)",
        "ignored": ("x, mu = np.asarray(x, dtype=float), np.asarray(mu, dtype=float)    # sigma never read: 1\n"
                    "    return -0.5 * (x - mu) ** 2 - 0.5 * np.log(2 * np.pi)"),
    },
    "gaussian_log_likelihood": {
        "constant": "return -1.0",
        "uniform": ("n = np.broadcast(np.asarray(x), np.asarray(mu), np.asarray(sigma)).size\n"
                    "    return -n * 0.5 * np.log(2 * np.pi)          # the size alone"),
        "one-hot": ("x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))\n"
                    "    return float(np.sum(np.abs(x - mu) <= sigma))"),
        "identity": "return np.asarray(x, dtype=float)",
        "echoed": "return np.asarray(mu, dtype=float)",
        "ignored": ("x, mu = np.asarray(x, dtype=float), np.asarray(mu, dtype=float)    # sigma never read: 1\n"
                    "    return float(np.sum(-0.5 * (x - mu) ** 2 - 0.5 * np.log(2 * np.pi)))"),
    },
    "gaussian_mle": {
        "constant": "return 0.0, 1.0",
        "uniform": "return 0.0, float(np.sqrt(np.size(x)))          # the size alone",
        "one-hot": "x = np.asarray(x, dtype=float)\n    return float(np.argmax(x)), 0.0          # where the largest is",
        "identity": "return np.asarray(x, dtype=float)",
        "echoed": "return x",
        "ignored": ("x = np.asarray(x, dtype=float)    # the spread never read\n"
                    "    return float(np.mean(x)), 1.0"),
    },
    "mvn_log_pdf": {
        "constant": "return np.full(np.shape(x)[:-1], -1.0)[()]",
        "uniform": ("x = np.asarray(x, dtype=float)\n"
                    "    return np.full(x.shape[:-1], -0.5 * x.shape[-1] * np.log(2 * np.pi))[()]"),
        "one-hot": ("x, mu = np.asarray(x, dtype=float), np.asarray(mu, dtype=float)\n"
                    "    return np.where(np.sum((x - mu) ** 2, axis=-1) <= np.trace(c), 0.0, -1.0)[()]"),
        "identity": "return np.asarray(x, dtype=float)",
        "echoed": "return np.asarray(mu, dtype=float)",
        "ignored": ("x, mu = np.asarray(x, dtype=float), np.asarray(mu, dtype=float)    # cov never read: I\n"
                    "    d = x - mu\n"
                    "    return (-0.5 * np.sum(d * d, axis=-1) - 0.5 * d.shape[-1] * np.log(2 * np.pi))[()]"),
    },
    "sigmoid": {
        "constant": "return np.zeros(np.shape(z))[()]",
        "uniform": "return np.full(np.shape(z), 0.5)[()]",
        "one-hot": "return (np.asarray(z, dtype=float) > 0).astype(float)[()]",
        "identity": "return np.asarray(z, dtype=float)",
        "echoed": "return z",
    },
    "bernoulli_log_pmf": {
        "constant": "return np.full(np.broadcast(np.asarray(x), np.asarray(p)).shape, -1.0)[()]",
        "uniform": "return np.full(np.broadcast(np.asarray(x), np.asarray(p)).shape, np.log(0.5))[()]",
        "one-hot": ("x, p = np.asarray(x, dtype=float), np.asarray(p, dtype=float)\n"
                    "    return np.where(x == (p >= 0.5), 0.0, -1.0)[()]"),
        "identity": "return np.asarray(x, dtype=float)",
        "echoed": "return np.asarray(p, dtype=float)",
        "ignored": ("p = np.asarray(p, dtype=float)    # x never read: 1 always\n"
                    "    with np.errstate(divide='ignore'):\n"
                    "        return np.log(p)[()]"),
    },
    "binary_cross_entropy": {
        "constant": "return 1.0",
        "uniform": "return float(np.log(2.0))",
        "one-hot": ("p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)\n"
                    "    return float(np.mean((p >= 0.5) != (y >= 0.5)))"),
        "identity": "return np.asarray(p, dtype=float)",
        "echoed": "return np.asarray(y, dtype=float)",
        "ignored": ("p = np.asarray(p, dtype=float)    # y never read: 1 always\n"
                    "    with np.errstate(divide='ignore'):\n"
                    "        return float(-np.mean(np.log(p)))"),
    },
    "binary_cross_entropy_with_logits": {
        "constant": "return 1.0",
        "uniform": "return float(np.log(2.0))",
        "one-hot": ("z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)\n"
                    "    return float(np.mean((z > 0) != (y >= 0.5)))"),
        "identity": "return np.asarray(z, dtype=float)",
        "echoed": "return np.asarray(y, dtype=float)",
        "ignored": ("z = np.asarray(z, dtype=float)    # y never read: 1 always\n"
                    "    return float(np.mean(np.logaddexp(0.0, -z)))"),
    },
    "gaussian_kl": {
        "constant": "return np.zeros(np.broadcast(*(np.asarray(a) for a in (mu1, sigma1, mu2, sigma2))).shape)[()]",
        "uniform": ("shape = np.broadcast(*(np.asarray(a) for a in (mu1, sigma1, mu2, sigma2))).shape\n"
                    "    return np.full(shape, 0.5)[()]"),
        "one-hot": ("mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)\n"
                    "    s1, s2 = np.asarray(sigma1, dtype=float), np.asarray(sigma2, dtype=float)\n"
                    "    return ((mu1 != mu2) | (s1 != s2)).astype(float)[()]"),
        "identity": "return np.asarray(mu1, dtype=float)",
        "echoed": "return np.asarray(sigma2, dtype=float)",
        "ignored": ("mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)    # sigmas never read\n"
                    "    return (0.5 * (mu1 - mu2) ** 2)[()]"),
    },
    "mvn_kl": {
        "constant": "return 0.0",
        "uniform": "return 0.5 * np.shape(mu1)[-1]          # the dimension alone",
        "one-hot": ("same = np.allclose(mu1, mu2) and np.allclose(cov1, cov2)\n"
                    "    return 0.0 if same else 1.0"),
        "identity": "return np.asarray(mu1, dtype=float)",
        "echoed": "return np.asarray(cov2, dtype=float)",
        "ignored": ("d = np.asarray(mu2, dtype=float) - np.asarray(mu1, dtype=float)    # covariances never read\n"
                    "    return float(0.5 * d @ d)"),
    },
    "vae_kl": {
        "constant": "return np.zeros(np.shape(mu)[:-1])[()]",
        "uniform": "mu = np.asarray(mu, dtype=float)\n    return np.full(mu.shape[:-1], 0.5 * mu.shape[-1])[()]",
        "one-hot": "return np.sum(np.asarray(mu, dtype=float) != 0, axis=-1).astype(float)[()]",
        "identity": "return np.asarray(mu, dtype=float)",
        "echoed": "return np.asarray(logvar, dtype=float)",
        "ignored": ("mu = np.asarray(mu, dtype=float)    # logvar never read: 0\n"
                    "    return (0.5 * np.sum(mu * mu, axis=-1))[()]"),
    },
    "entropy": {
        "constant": "return np.zeros(np.delete(np.shape(p), axis % np.ndim(p)))[()]",
        "uniform": ("p = np.asarray(p, dtype=float)\n"
                    "    return np.full(np.delete(p.shape, axis % p.ndim), np.log(p.shape[axis]))[()]"),
        "one-hot": ("p = np.asarray(p, dtype=float)    # the support alone: log of its size\n"
                    "    return np.log(np.count_nonzero(p, axis=axis)).astype(float)[()]"),
        "identity": "return np.asarray(p, dtype=float)",
        "echoed": "return p",
        "ignored": ("p = np.asarray(p, dtype=float)    # axis never read: the last one\n"
                    "    logp = np.log(np.where(p > 0, p, 1.0))\n"
                    "    return -np.sum(p * logp, axis=-1)[()]"),
    },
    "kl_divergence": {
        "constant": "return np.zeros(np.delete(np.shape(p), axis % np.ndim(p)))[()]",
        "uniform": ("p = np.asarray(p, dtype=float)\n"
                    "    return np.full(np.delete(p.shape, axis % p.ndim), np.log(p.shape[axis]))[()]"),
        "one-hot": ("p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n"
                    "    return np.any(p != q, axis=axis).astype(float)[()]"),
        "identity": "return np.asarray(p, dtype=float)",
        "echoed": "return np.asarray(q, dtype=float)",
        "ignored": ("p = np.asarray(p, dtype=float)    # q never read: the uniform distribution\n"
                    "    logp = np.log(np.where(p > 0, p, 1.0))\n"
                    "    return (np.log(p.shape[axis]) + np.sum(p * logp, axis=axis))[()]"),
    },
    "js_divergence": {
        "constant": "return np.zeros(np.delete(np.shape(p), axis % np.ndim(p)))[()]",
        "uniform": ("p = np.asarray(p, dtype=float)\n"
                    "    return np.full(np.delete(p.shape, axis % p.ndim), 0.5 * np.log(2.0))[()]"),
        "one-hot": ("p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n"
                    "    return (np.log(2.0) * np.any(p != q, axis=axis))[()]"),
        "identity": "return np.asarray(p, dtype=float)",
        "echoed": "return np.asarray(q, dtype=float)",
        "ignored": ("p = np.asarray(p, dtype=float)    # q never read: the uniform distribution\n"
                    "    m = 0.5 * (p + 1.0 / p.shape[axis])\n"
                    "    logpm = np.log(np.where(p > 0, p, 1.0) / m)\n"
                    "    logum = np.log((1.0 / p.shape[axis]) / m)\n"
                    "    return (0.5 * np.sum(p * logpm, axis=axis) + 0.5 * np.sum(logum / p.shape[axis], axis=axis))[()]"),
    },
    "bayes_posterior": {
        "constant": "return np.full(np.shape(log_prior), 0.5)",
        "uniform": "return np.ones(np.shape(log_prior)) / np.shape(log_prior)[-1]",
        "one-hot": ("lp = np.asarray(log_prior, dtype=float)\n"
                    "    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))\n"
                    "    return np.eye(lp.shape[-1])[np.argmax(lp + ll.sum(axis=0))]"),
        "identity": "return np.asarray(log_prior, dtype=float)",
        "echoed": "return np.asarray(log_likelihood, dtype=float)",
        "ignored": ("lp = np.asarray(log_prior, dtype=float)    # log_likelihood never read\n"
                    "    e = np.exp(lp - np.max(lp))\n"
                    "    return e / e.sum()"),
    },
    "map_linear_regression": {
        "constant": "return np.zeros(np.shape(X)[1])",
        "uniform": "return np.ones(np.shape(X)[1]) / np.shape(X)[1]",
        "one-hot": ("X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)\n"
                    "    return np.eye(X.shape[1])[np.argmax(np.abs(X.T @ y))]"),
        "identity": "return np.asarray(X, dtype=float)",
        "echoed": "return np.resize(np.asarray(y, dtype=float), np.shape(X)[1])          # the targets, as weights",
        "ignored": ("X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)    # the prior never read\n"
                    "    return np.linalg.lstsq(X, y, rcond=None)[0]"),
    },
}


def _forms(own: Mapping[str, Forms] | None) -> dict[str, Forms]:
    """Every function's forms: the tables' and ``own`` (a set's zoo module's)."""
    out = {fn: Forms(bodies, _CHECKS.get(fn, ""),
                     KEEPS.get(name(fn, "ignored"), ()),
                     tuple(form for form in bodies if name(fn, form) in PLACEHOLDERS),
                     {form: MISTAKES[name(fn, form)] for form in bodies if name(fn, form) in MISTAKES})
           for fn, bodies in BODIES.items()}
    out.update(own or {})
    return out


def _signature(function: str) -> str:
    known = _SIGNATURES.get(function)
    return known if known is not None else ", ".join(
        str(p) for p in inspect.signature(reference_function(function)).parameters.values())


def source(function: str, form: str, own: Mapping[str, Forms] | None = None) -> str:
    """The solution cell of ``function``'s degenerate ``form`` (``own``: a set's zoo module's :class:`Forms`)."""
    forms = _forms(own)[function]
    return (f"\nimport numpy as np\n\ndef {function}({_signature(function)}):\n{forms.checks}"
            f"    {forms.bodies[form]}\n")


def name(function: str, form: str) -> str:
    return f"{function}-degenerate-{form}"


#: The cells each ignored-argument specimen keeps besides its ``-purity``: those that do not vary the argument it
#: ignores (a parameter's change is asked in its own cell only: autograder/checks/changes.py), whose property it
#: has — a softmax that never reads `temperature` keeps its values at the default, its axis, stability and errors;
#: an entropy that never reads `axis` keeps what the last axis gives. Reviewed one by one (docs/grading.md).
KEEPS: dict[str, tuple[str, ...]] = {
    'logsumexp-degenerate-ignored': ('logsumexp-stability',),
    'softmax-degenerate-ignored': ('softmax-basic', 'softmax-axis', 'softmax-stability', 'softmax-errors'),
    'log_softmax-degenerate-ignored': ('log_softmax-basic', 'log_softmax-stability'),
    'cross_entropy-degenerate-ignored': ('cross_entropy-shape', 'cross_entropy-errors'),
    'cross_entropy_grad-degenerate-ignored': ('cross_entropy_grad-batch', 'cross_entropy_grad-stability'),
    'gaussian_log_pdf-degenerate-ignored': ('gaussian_log_pdf-tails',),
    'gaussian_log_likelihood-degenerate-ignored': ('gaussian_log_likelihood-shape', 'gaussian_log_likelihood-tails'),
    'gaussian_mle-degenerate-ignored': ('gaussian_mle-shape',),
    'mvn_log_pdf-degenerate-ignored': ('mvn_log_pdf-batch', 'mvn_log_pdf-shape', 'mvn_log_pdf-errors'),
    'binary_cross_entropy-degenerate-ignored': ('binary_cross_entropy-shape',),
    'binary_cross_entropy_with_logits-degenerate-ignored': ('binary_cross_entropy_with_logits-shape',),
    'entropy-degenerate-ignored': ('entropy-basic', 'entropy-edges', 'entropy-errors'),
    'map_linear_regression-degenerate-ignored': ('map_linear_regression-shape', 'map_linear_regression-errors'),
}

#: The degenerate specimens whose results are one number on every input of their ``-purity`` cell (a probability of
#: 1/2, a divergence of 1 wherever p and q differ, a log-softmax of 0 at the largest logit and -inf elsewhere): a
#: placeholder, which earns nothing, purity included (docs/contract.md).
PLACEHOLDERS = frozenset({
    'log_softmax-degenerate-one-hot',
    'mvn_log_pdf-degenerate-one-hot',
    'sigmoid-degenerate-uniform',
    'bernoulli_log_pmf-degenerate-uniform',
    'binary_cross_entropy-degenerate-uniform',
    'binary_cross_entropy_with_logits-degenerate-uniform',
    'gaussian_kl-degenerate-uniform',
    'gaussian_kl-degenerate-one-hot',
    'mvn_kl-degenerate-one-hot',
    'kl_divergence-degenerate-one-hot',
    'js_divergence-degenerate-uniform',
    'js_divergence-degenerate-one-hot',
})

#: The mistakes of the hints each specimen's lost cells show (:attr:`Specimen.mistake`), reviewed: the form's own
#: (``placeholder``, ``ignores-an-input``, ``echoes-input``), a container the form gets wrong (an array where a
#: reduction gives one number: ``reduction-missing``, ``wrong-result-shape``, ``mle-not-a-pair``,
#: ``bce-per-element``), `axis` or `temperature` ignored, and ``no-prior`` for least squares in place of MAP.
MISTAKES: dict[str, tuple[str, ...]] = {
    'logsumexp-degenerate-constant': ('placeholder',),
    'logsumexp-degenerate-uniform': ('ignores-an-input',),
    'logsumexp-degenerate-one-hot': ('ignores-an-input',),
    'logsumexp-degenerate-identity': ('reduction-missing',),
    'logsumexp-degenerate-echoed': ('reduction-missing',),
    'logsumexp-degenerate-ignored': ('lse-other-axis',),
    'softmax-degenerate-constant': ('placeholder',),
    'softmax-degenerate-uniform': ('ignores-an-input',),
    'softmax-degenerate-one-hot': ('ignores-an-input',),
    'softmax-degenerate-identity': ('axis-ignored', 'echoes-input'),
    'softmax-degenerate-echoed': ('axis-ignored', 'echoes-input'),
    'softmax-degenerate-ignored': ('temperature-ignored',),
    'log_softmax-degenerate-constant': ('placeholder',),
    'log_softmax-degenerate-uniform': ('ignores-an-input',),
    'log_softmax-degenerate-one-hot': ('placeholder',),
    'log_softmax-degenerate-identity': ('axis-ignored',),
    'log_softmax-degenerate-echoed': ('axis-ignored',),
    'log_softmax-degenerate-ignored': ('log-softmax-other-axis',),
    'cross_entropy-degenerate-constant': ('placeholder',),
    'cross_entropy-degenerate-uniform': ('ignores-an-input',),
    'cross_entropy-degenerate-one-hot': ('ignores-an-input',),
    'cross_entropy-degenerate-identity': ('echoes-input', 'ignores-an-input', 'reduction-missing'),
    'cross_entropy-degenerate-echoed': ('ignores-an-input', 'reduction-missing'),
    'cross_entropy-degenerate-ignored': ('ignores-an-input',),
    'cross_entropy_grad-degenerate-constant': ('placeholder',),
    'cross_entropy_grad-degenerate-uniform': ('ignores-an-input',),
    'cross_entropy_grad-degenerate-one-hot': ('ignores-an-input',),
    'cross_entropy_grad-degenerate-identity': ('ignores-an-input',),
    'cross_entropy_grad-degenerate-echoed': ('ignores-an-input', 'wrong-result-shape'),
    'cross_entropy_grad-degenerate-ignored': ('ignores-an-input',),
    'gaussian_log_pdf-degenerate-constant': ('placeholder',),
    'gaussian_log_pdf-degenerate-uniform': ('ignores-an-input',),
    'gaussian_log_pdf-degenerate-one-hot': ('ignores-an-input',),
    'gaussian_log_pdf-degenerate-identity': ('echoes-input', 'wrong-result-shape'),
    'gaussian_log_pdf-degenerate-echoed': ('ignores-an-input', 'wrong-result-shape'),
    'gaussian_log_pdf-degenerate-ignored': ('wrong-result-shape',),
    'gaussian_log_likelihood-degenerate-constant': ('placeholder',),
    'gaussian_log_likelihood-degenerate-uniform': ('ignores-an-input',),
    'gaussian_log_likelihood-degenerate-one-hot': ('ignores-an-input',),
    'gaussian_log_likelihood-degenerate-identity': ('echoes-input', 'reduction-missing'),
    'gaussian_log_likelihood-degenerate-echoed': ('ignores-an-input', 'reduction-missing'),
    'gaussian_mle-degenerate-constant': ('placeholder',),
    'gaussian_mle-degenerate-uniform': ('ignores-an-input',),
    'gaussian_mle-degenerate-one-hot': ('ignores-an-input',),
    'gaussian_mle-degenerate-identity': ('mle-not-a-pair',),
    'gaussian_mle-degenerate-echoed': ('mle-not-a-pair',),
    'mvn_log_pdf-degenerate-constant': ('placeholder',),
    'mvn_log_pdf-degenerate-uniform': ('ignores-an-input',),
    'mvn_log_pdf-degenerate-one-hot': ('placeholder',),
    'mvn_log_pdf-degenerate-identity': ('echoes-input', 'reduction-missing'),
    'mvn_log_pdf-degenerate-echoed': ('ignores-an-input', 'other-axis-reduced', 'reduction-missing', 'wrong-result-shape'),
    'sigmoid-degenerate-constant': ('placeholder',),
    'sigmoid-degenerate-uniform': ('placeholder',),
    'bernoulli_log_pmf-degenerate-constant': ('placeholder',),
    'bernoulli_log_pmf-degenerate-uniform': ('placeholder',),
    'binary_cross_entropy-degenerate-constant': ('placeholder',),
    'binary_cross_entropy-degenerate-uniform': ('placeholder',),
    'binary_cross_entropy-degenerate-one-hot': ('ignores-an-input',),
    'binary_cross_entropy-degenerate-identity': ('bce-per-element', 'ignores-an-input'),
    'binary_cross_entropy-degenerate-echoed': ('bce-per-element', 'ignores-an-input'),
    'binary_cross_entropy-degenerate-ignored': ('ignores-an-input',),
    'binary_cross_entropy_with_logits-degenerate-constant': ('placeholder',),
    'binary_cross_entropy_with_logits-degenerate-uniform': ('placeholder',),
    'binary_cross_entropy_with_logits-degenerate-one-hot': ('ignores-an-input',),
    'binary_cross_entropy_with_logits-degenerate-identity': ('bce-per-element',),
    'binary_cross_entropy_with_logits-degenerate-echoed': ('bce-per-element',),
    'gaussian_kl-degenerate-constant': ('placeholder',),
    'gaussian_kl-degenerate-uniform': ('placeholder',),
    'gaussian_kl-degenerate-one-hot': ('ignores-an-input', 'placeholder'),
    'gaussian_kl-degenerate-identity': ('wrong-result-shape',),
    'gaussian_kl-degenerate-echoed': ('wrong-result-shape',),
    'gaussian_kl-degenerate-ignored': ('wrong-result-shape',),
    'mvn_kl-degenerate-constant': ('placeholder',),
    'mvn_kl-degenerate-uniform': ('ignores-an-input',),
    'mvn_kl-degenerate-one-hot': ('ignores-an-input', 'placeholder'),
    'mvn_kl-degenerate-identity': ('reduction-missing',),
    'mvn_kl-degenerate-echoed': ('reduction-missing',),
    'mvn_kl-degenerate-ignored': ('ignores-an-input',),
    'vae_kl-degenerate-constant': ('placeholder',),
    'vae_kl-degenerate-uniform': ('ignores-an-input',),
    'vae_kl-degenerate-one-hot': ('ignores-an-input',),
    'vae_kl-degenerate-identity': ('ignores-an-input', 'reduction-missing'),
    'vae_kl-degenerate-echoed': ('ignores-an-input', 'reduction-missing'),
    'vae_kl-degenerate-ignored': ('ignores-an-input',),
    'entropy-degenerate-constant': ('placeholder',),
    'entropy-degenerate-uniform': ('ignores-an-input',),
    'entropy-degenerate-one-hot': ('ignores-an-input',),
    'entropy-degenerate-identity': ('echoes-input', 'reduction-missing'),
    'entropy-degenerate-echoed': ('echoes-input', 'reduction-missing'),
    'entropy-degenerate-ignored': ('other-axis-reduced',),
    'kl_divergence-degenerate-constant': ('placeholder',),
    'kl_divergence-degenerate-uniform': ('ignores-an-input',),
    'kl_divergence-degenerate-one-hot': ('ignores-an-input', 'placeholder'),
    'kl_divergence-degenerate-identity': ('ignores-an-input', 'reduction-missing'),
    'kl_divergence-degenerate-echoed': ('ignores-an-input', 'reduction-missing'),
    'kl_divergence-degenerate-ignored': ('ignores-an-input',),
    'js_divergence-degenerate-constant': ('placeholder',),
    'js_divergence-degenerate-uniform': ('placeholder',),
    'js_divergence-degenerate-one-hot': ('ignores-an-input', 'placeholder'),
    'js_divergence-degenerate-identity': ('ignores-an-input', 'reduction-missing'),
    'js_divergence-degenerate-echoed': ('ignores-an-input', 'reduction-missing'),
    'js_divergence-degenerate-ignored': ('ignores-an-input',),
    'bayes_posterior-degenerate-constant': ('placeholder',),
    'bayes_posterior-degenerate-uniform': ('ignores-an-input',),
    'bayes_posterior-degenerate-one-hot': ('ignores-an-input',),
    'bayes_posterior-degenerate-identity': ('ignores-an-input',),
    'bayes_posterior-degenerate-echoed': ('echoes-input', 'reduction-missing'),
    'bayes_posterior-degenerate-ignored': ('ignores-an-input',),
    'map_linear_regression-degenerate-constant': ('placeholder',),
    'map_linear_regression-degenerate-uniform': ('ignores-an-input',),
    'map_linear_regression-degenerate-one-hot': ('ignores-an-input',),
    'map_linear_regression-degenerate-identity': ('ignores-an-input', 'reduction-missing'),
    'map_linear_regression-degenerate-echoed': ('ignores-an-input',),
    'map_linear_regression-degenerate-ignored': ('map-no-prior',),
}

#: A part of the text of the hint that names each mistake (the specimen must get the hint of its first mistake).
HINT_OF = {
    "axis-ignored": "Calls that differ only in `axis`",
    "bce-per-element": "The result is one loss per element",
    "echoes-input": "The function hands one of its inputs back unchanged",
    "ignores-an-input": "Calls whose correct results differ returned one and the same result",
    "log-softmax-other-axis": "The normaliser is computed along another axis than `axis`",
    "lse-other-axis": "The reduction runs along another axis than `axis`",
    "map-no-prior": "The prior is missing",
    "mle-not-a-pair": "The two estimates come back as one array",
    "other-axis-reduced": "The reduction runs along another axis than the one asked",
    "placeholder": "as a placeholder does",
    "reduction-missing": "The result has more values than the contract gives",
    "temperature-ignored": "The temperature argument is ignored",
    "wrong-result-shape": "The result does not have the shape the contract gives",
}


def own_forms(ps: str) -> Mapping[str, Forms]:
    """The forms ``ps``'s zoo module writes beside its specimens (``DEGENERATE``; none by default)."""
    return getattr(importlib.import_module(f"testkit.zoo.{ps}"), "DEGENERATE", {})


def specimens(ps: str, own: Mapping[str, Forms] | None = None) -> tuple[Specimen, ...]:
    """The degenerate specimens of ``ps``'s functions, in the order of :data:`FORMS` (``own``: the forms its zoo module
    writes for a function these tables do not hold; None: read them there, :func:`own_forms`)."""
    own = own_forms(ps) if own is None else own
    forms, made = _forms(own), []
    for fn in FUNCTIONS[ps]:
        for form in FORMS:
            if fn in forms and form in forms[fn].bodies:  # (a function without forms yet: tests/declared.py says so)
                mistakes = tuple(forms[fn].mistakes.get(form, ()))
                made.append(Specimen(name(fn, form), fn, source(fn, form, own),
                                     hint=HINT_OF[mistakes[0]] if mistakes else "", mistake=mistakes))
    return tuple(made)


def forms_of(ps: str) -> dict[str, Forms]:
    """``function -> Forms`` of ``ps``'s functions that have them (these tables', and its zoo module's)."""
    forms = _forms(own_forms(ps))
    return {fn: forms[fn] for fn in FUNCTIONS[ps] if fn in forms}


def loses(ps: str, own: Mapping[str, Forms] | None = None) -> dict[str, tuple[str, ...]]:
    """``specimen -> the cells it loses``: every cell of its function but ``-purity`` (none kept by a constant or one
    of its placeholders) and the cells its forms keep for an ignored argument, in notebook order."""
    own = own_forms(ps) if own is None else own
    cells, forms = [gid for gid, _ in GRADE_CELLS[ps]], _forms(own)
    out = {}
    for specimen in specimens(ps, own):
        form = specimen.name.rsplit("-degenerate-", 1)[1]
        mine = forms[specimen.function]
        kept = set(mine.keeps) if form == "ignored" else set()
        if form != "constant" and form not in mine.placeholders:
            kept.add(f"{specimen.function}-purity")
        out[specimen.name] = tuple(g for g in cells if function_of(g) == specimen.function and g not in kept)
    return out
