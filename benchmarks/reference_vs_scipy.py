#!/usr/bin/env python
"""Time the reference solutions against their SciPy (and torch) counterparts.

A script, not a test: ``python benchmarks/reference_vs_scipy.py [--quick]``.

Every one of the 21 contract functions is timed against a peer on large
inputs, in this process, best of ``--repeat`` runs; ours and the peer are
measured alternately, so a noisy neighbour on the machine slows both alike.
The table has one row per function:

    function  size  ours (ms)  peer (ms)  ours/peer  [torch (ms)]  peer

A ratio below 1 means the reference is faster. The last column says what the
peer is: a SciPy function where SciPy has the very function (``softmax``,
``multivariate_normal.logpdf``, ``expit``, ``stats.entropy``, ``rel_entr``,
``jensenshannon`` …), otherwise the textbook SciPy or NumPy expression a
careful user would write (``gaussian_kl``, ``mvn_kl``, ``vae_kl``,
``bayes_posterior`` and ``map_linear_regression`` have no SciPy
counterpart; the last is timed against ``lstsq`` of the stacked system). The ``agree`` column is the largest
relative difference between the two results, as a sanity check that both
compute the same thing. torch is timed only when it can be imported (it is
not a dependency of the project).

``--quick`` uses small sizes (seconds in all); it is what
``tests/test_benchmarks.py`` runs, and it asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.special as sp  # noqa: E402
import scipy.stats  # noqa: E402
from scipy.spatial.distance import jensenshannon  # noqa: E402

from autograder.model.course import ALL_FUNCTIONS  # noqa: E402
from solutions import ps1_softmax as ps1  # noqa: E402
from solutions import ps2_cross_entropy as ps2  # noqa: E402
from solutions import ps3_gaussian as ps3  # noqa: E402
from solutions import ps4_bernoulli as ps4  # noqa: E402
from solutions import ps5_gaussian_kl as ps5  # noqa: E402
from solutions import ps6_information as ps6  # noqa: E402

try:  # optional third column; never a dependency
    import torch  # type: ignore[import-not-found]
    import torch.nn.functional as F  # type: ignore[import-not-found]
except Exception:  # noqa: BLE001 — ImportError, or a broken install: an optional column
    torch = None
    F = None

FUNCTIONS = ALL_FUNCTIONS  # every contract function, in course order


@dataclass
class Case:
    name: str
    size: str
    ours: Callable[[], object]
    peer: Callable[[], object]
    peer_desc: str
    torch: Callable[[], object] | None = None


def _spd(rng, d, cond):
    """A random symmetric positive definite matrix with the given condition number."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eigs = np.geomspace(1.0, 1.0 / cond, d)
    c = (q * eigs) @ q.T
    return (c + c.T) / 2


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a)) if torch is not None else None


def build_cases(quick: bool):
    """Inputs and the (ours, peer) pair for every contract function."""
    rng = np.random.default_rng(20240501)
    m = 256 if quick else 4096  # (m, m) logits
    n = 10**5 if quick else 10**7  # element-wise functions
    mvn_n, mvn_d = (500, 32) if quick else (10**4, 256)
    kl_d = 64 if quick else 512
    vae_shape = (1000, 100) if quick else (10**5, 100)
    cases = []

    # ---- ps1 ---------------------------------------------------------------
    z = rng.normal(0.0, 5.0, size=(m, m))
    zt = _t(z)
    cases.append(Case("logsumexp", f"{m}x{m}", lambda: ps1.logsumexp(z), lambda: sp.logsumexp(z, axis=-1),
                      "scipy.special.logsumexp", (lambda: torch.logsumexp(zt, dim=-1)) if torch else None))
    cases.append(Case("softmax", f"{m}x{m}", lambda: ps1.softmax(z), lambda: sp.softmax(z, axis=-1),
                      "scipy.special.softmax", (lambda: torch.softmax(zt, dim=-1)) if torch else None))
    cases.append(Case("log_softmax", f"{m}x{m}", lambda: ps1.log_softmax(z), lambda: sp.log_softmax(z, axis=-1),
                      "scipy.special.log_softmax", (lambda: torch.log_softmax(zt, dim=-1)) if torch else None))

    # ---- ps2 ---------------------------------------------------------------
    targets = rng.integers(0, m, size=m)
    rows = np.arange(m)
    tt = _t(targets)

    def ce_peer():
        return -np.mean(sp.log_softmax(z, axis=1)[rows, targets])

    def ce_grad_peer():
        g = sp.softmax(z, axis=1)
        g[rows, targets] -= 1.0
        g /= m
        return g

    cases.append(Case("cross_entropy", f"{m}x{m}", lambda: ps2.cross_entropy(z, targets), ce_peer,
                      "-mean(scipy.special.log_softmax[rows, t])",
                      (lambda: F.cross_entropy(zt, tt)) if torch else None))
    cases.append(Case("cross_entropy_grad", f"{m}x{m}", lambda: ps2.cross_entropy_grad(z, targets), ce_grad_peer,
                      "(scipy.special.softmax - onehot) / N"))

    # ---- ps3 ---------------------------------------------------------------
    x = rng.normal(0.0, 3.0, size=n)
    mu = rng.normal(0.0, 1.0, size=n)
    sigma = rng.uniform(0.1, 10.0, size=n)
    xt, mut, sigt = _t(x), _t(mu), _t(sigma)
    cases.append(Case("gaussian_log_pdf", f"{n:.0e}", lambda: ps3.gaussian_log_pdf(x, mu, sigma),
                      lambda: scipy.stats.norm.logpdf(x, mu, sigma), "scipy.stats.norm.logpdf",
                      (lambda: torch.distributions.Normal(mut, sigt, validate_args=False).log_prob(xt)) if torch else None))
    cases.append(Case("gaussian_log_likelihood", f"{n:.0e}", lambda: ps3.gaussian_log_likelihood(x, mu, sigma),
                      lambda: np.sum(scipy.stats.norm.logpdf(x, mu, sigma)), "sum(scipy.stats.norm.logpdf)"))
    cases.append(Case("gaussian_mle", f"{n:.0e}", lambda: ps3.gaussian_mle(x), lambda: scipy.stats.norm.fit(x),
                      "scipy.stats.norm.fit"))
    cov = _spd(rng, mvn_d, 1e4)
    mvn_mu = rng.normal(size=mvn_d)
    mvn_x = mvn_mu + rng.multivariate_normal(np.zeros(mvn_d), cov, size=mvn_n)
    cases.append(Case("mvn_log_pdf", f"N={mvn_n},D={mvn_d}", lambda: ps3.mvn_log_pdf(mvn_x, mvn_mu, cov),
                      lambda: scipy.stats.multivariate_normal.logpdf(mvn_x, mvn_mu, cov),
                      "scipy.stats.multivariate_normal.logpdf",
                      (lambda: torch.distributions.MultivariateNormal(_t(mvn_mu), covariance_matrix=_t(cov),
                                                                      validate_args=False).log_prob(_t(mvn_x)))
                      if torch else None))

    # ---- ps4 ---------------------------------------------------------------
    logits = rng.normal(0.0, 4.0, size=n)
    p = sp.expit(rng.normal(0.0, 2.0, size=n))
    y01 = (rng.random(n) < 0.5).astype(np.float64)
    y01_int = y01.astype(np.int64)
    y_soft = rng.random(n)
    lt, pt, ysoft_t = _t(logits), _t(p), _t(y_soft)
    cases.append(Case("sigmoid", f"{n:.0e}", lambda: ps4.sigmoid(logits), lambda: sp.expit(logits),
                      "scipy.special.expit", (lambda: torch.sigmoid(lt)) if torch else None))
    cases.append(Case("bernoulli_log_pmf", f"{n:.0e}", lambda: ps4.bernoulli_log_pmf(y01, p),
                      lambda: scipy.stats.bernoulli.logpmf(y01_int, p), "scipy.stats.bernoulli.logpmf"))
    cases.append(Case("binary_cross_entropy", f"{n:.0e}", lambda: ps4.binary_cross_entropy(p, y_soft),
                      lambda: -np.mean(sp.xlogy(y_soft, p) + sp.xlog1py(1.0 - y_soft, -p)),
                      "-mean(xlogy(y, p) + xlog1py(1 - y, -p))",
                      (lambda: F.binary_cross_entropy(pt, ysoft_t)) if torch else None))
    cases.append(Case("binary_cross_entropy_with_logits", f"{n:.0e}",
                      lambda: ps4.binary_cross_entropy_with_logits(logits, y_soft),
                      lambda: -np.mean(y_soft * sp.log_expit(logits) + (1.0 - y_soft) * sp.log_expit(-logits)),
                      "-mean(y log_expit(z) + (1-y) log_expit(-z))",
                      (lambda: F.binary_cross_entropy_with_logits(lt, ysoft_t)) if torch else None))

    # ---- ps5 ---------------------------------------------------------------
    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    s1, s2 = rng.uniform(0.1, 10.0, size=n), rng.uniform(0.1, 10.0, size=n)

    def gkl_peer():
        return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2.0 * s2**2) - 0.5

    cases.append(Case("gaussian_kl", f"{n:.0e}", lambda: ps5.gaussian_kl(m1, s1, m2, s2), gkl_peer,
                      "numpy textbook formula (no scipy function)",
                      (lambda: torch.distributions.kl_divergence(
                          torch.distributions.Normal(_t(m1), _t(s1), validate_args=False),
                          torch.distributions.Normal(_t(m2), _t(s2), validate_args=False))) if torch else None))

    cov1 = _spd(rng, kl_d, 1e4)
    cov2 = _spd(rng, kl_d, 1e4)
    mu1, mu2 = rng.normal(size=kl_d), rng.normal(size=kl_d)

    def mvn_kl_peer():
        inv2 = scipy.linalg.inv(cov2)
        diff = mu2 - mu1
        _, logdet2 = np.linalg.slogdet(cov2)
        _, logdet1 = np.linalg.slogdet(cov1)
        return 0.5 * (np.trace(inv2 @ cov1) + diff @ inv2 @ diff - kl_d + logdet2 - logdet1)

    cases.append(Case("mvn_kl", f"D={kl_d}", lambda: ps5.mvn_kl(mu1, cov1, mu2, cov2), mvn_kl_peer,
                      "scipy.linalg.inv + trace(inv2 @ cov1) + slogdet"))

    vmu = rng.normal(size=vae_shape)
    vlogvar = rng.normal(0.0, 1.0, size=vae_shape)
    cases.append(Case("vae_kl", f"{vae_shape[0]}x{vae_shape[1]}", lambda: ps5.vae_kl(vmu, vlogvar),
                      lambda: -0.5 * np.sum(1.0 + vlogvar - vmu**2 - np.exp(vlogvar), axis=-1),
                      "numpy textbook -0.5*sum(1 + v - mu^2 - exp(v))"))

    # ---- ps6 ---------------------------------------------------------------
    pd = sp.softmax(z, axis=-1)  # (m, m) distributions, one per row
    qd = sp.softmax(rng.normal(0.0, 5.0, size=(m, m)), axis=-1)
    cases.append(Case("entropy", f"{m}x{m}", lambda: ps6.entropy(pd), lambda: scipy.stats.entropy(pd, axis=-1),
                      "scipy.stats.entropy"))
    cases.append(Case("kl_divergence", f"{m}x{m}", lambda: ps6.kl_divergence(pd, qd),
                      lambda: np.sum(sp.rel_entr(pd, qd), axis=-1), "sum(scipy.special.rel_entr)"))
    cases.append(Case("js_divergence", f"{m}x{m}", lambda: ps6.js_divergence(pd, qd),
                      lambda: jensenshannon(pd, qd, axis=-1) ** 2, "scipy.spatial.distance.jensenshannon ** 2"))
    bp_n, bp_k = (10**4, 16) if quick else (10**6, 16)
    log_prior = np.log(sp.softmax(rng.normal(size=bp_k)))
    log_lik = rng.normal(-50.0, 10.0, size=(bp_n, bp_k))
    cases.append(Case("bayes_posterior", f"N={bp_n:.0e},K={bp_k}", lambda: ps6.bayes_posterior(log_prior, log_lik),
                      lambda: sp.softmax(log_prior + log_lik.sum(axis=0)),
                      "scipy.special.softmax(log_prior + ll.sum(0))"))
    reg_n, reg_d = (2000, 32) if quick else (20000, 128)
    X = rng.normal(size=(reg_n, reg_d))
    yreg = X @ rng.normal(size=reg_d) + rng.normal(size=reg_n)

    def ridge_peer():
        a = np.vstack([X, (0.5 / 2.0) * np.eye(reg_d)])
        return np.linalg.lstsq(a, np.concatenate([yreg, np.zeros(reg_d)]), rcond=None)[0]

    cases.append(Case("map_linear_regression", f"N={reg_n},D={reg_d}",
                      lambda: ps6.map_linear_regression(X, yreg, 0.5, 2.0), ridge_peer,
                      "np.linalg.lstsq of [X; sqrt(lambda) I]"))
    return cases


def _agree(a, b):
    """Largest relative difference between two results (tuples compared elementwise)."""
    if isinstance(a, tuple):
        return max(_agree(u, v) for u, v in zip(a, b))
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.maximum(np.abs(b), 1e-300)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0


def _plan(fn, min_time):
    """Calls per measurement so that one measurement lasts at least ``min_time``."""
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    return max(1, int(min_time / max(elapsed, 1e-9)))


def _measure(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def time_case(case, repeat, min_time):
    """Best-of-``repeat`` seconds for ours, the peer and torch, measured alternately."""
    fns = [case.ours, case.peer] + ([case.torch] if case.torch is not None else [])
    numbers = [_plan(fn, min_time) for fn in fns]  # doubles as a warm-up call
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], _measure(fn, numbers[i]))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds in all)")
    parser.add_argument("--repeat", type=int, default=None, help="best of this many runs (default 7, quick 3)")
    parser.add_argument("--only", nargs="*", default=None, help="time only these functions")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 7)
    min_time = 0.005 if args.quick else 0.05

    cases = build_cases(args.quick)
    if args.only:
        unknown = set(args.only) - set(FUNCTIONS)
        if unknown:
            parser.error(f"unknown function(s): {', '.join(sorted(unknown))}")
        cases = [c for c in cases if c.name in args.only]

    print(f"reference solutions vs peers: best of {repeat}, {'quick' if args.quick else 'full'} sizes, "
          f"numpy {np.__version__}, scipy {scipy.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'not installed'}, {os.cpu_count()} CPU(s)")
    header = f"{'function':<34}{'size':<16}{'ours (ms)':>11}{'peer (ms)':>11}{'ours/peer':>11}"
    if torch is not None:
        header += f"{'torch (ms)':>12}"
    header += f"{'agree':>10}  peer"
    print(header)
    print("-" * len(header))
    ratios = []
    for case in cases:
        ours_s, peer_s, *torch_s = time_case(case, repeat, min_time)
        agree = _agree(case.ours(), case.peer())
        ratio = ours_s / peer_s
        ratios.append(ratio)
        row = f"{case.name:<34}{case.size:<16}{ours_s * 1e3:>11.2f}{peer_s * 1e3:>11.2f}{ratio:>11.2f}"
        if torch is not None:
            row += f"{torch_s[0] * 1e3:>12.2f}" if torch_s else f"{'-':>12}"
        row += f"{agree:>10.1e}  {case.peer_desc}"
        print(row, flush=True)
    if ratios:
        geo = float(np.exp(np.mean(np.log(ratios))))
        print(f"geometric mean ours/peer: {geo:.2f}; slower than peer: "
              f"{', '.join(c.name for c, r in zip(cases, ratios) if r > 1.0) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
