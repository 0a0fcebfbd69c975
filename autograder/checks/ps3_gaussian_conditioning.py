"""ps3's ill-conditioned covariances: the hidden probes of ``mvn_log_pdf-conditioning`` (a part of
``ps3_gaussian.py``'s checks, split off by job) and how they are made.

The conditioning cell's hidden probes: D = 100, each with the property its label names (a condition number of
1e8 or 1e10; for the first two a determinant, and its square root, outside float64's range), eigenvalues over
the same ranges as the D = 200 ... 300 probes they replaced (for the first two, all but one within the decade at
one end, so that 100 of them multiply out of range as 250 to 300 spread evenly did), made from a generator of
their own.
"""

from __future__ import annotations

import numpy as np


def ill_conditioned(d: int, log10_lo: float, log10_hi: float, n: int | None,
                    rng: np.random.Generator, clustered: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mu, cov, x)``: cov = Q diag(eigs) Qᵀ with eigs logspaced over [10^lo, 10^hi] (``clustered`` ``"lo"`` or
    ``"hi"``: all but one logspaced over the decade at that end, the last at the other end), symmetrised exactly;
    x is (n, d) points drawn from N(mu, cov) (a (d,) point when n is None)."""
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    q = q * np.sign(np.diag(r))
    eigs = np.logspace(log10_lo, log10_hi, d)
    if clustered:
        end, other = (log10_lo, log10_hi) if clustered == "lo" else (log10_hi - 1, log10_lo)
        eigs = np.append(np.logspace(end, end + 1, d - 1), 10.0 ** other)
    rng.shuffle(eigs)
    cov = (q * eigs) @ q.T
    cov = (cov + cov.T) / 2
    mu = rng.normal(size=d)
    z = rng.standard_normal((d, 1 if n is None else n))
    x = (mu[:, None] + q @ (np.sqrt(eigs)[:, None] * z)).T
    return mu, cov, (x[0] if n is None else x)


def skip_ill_conditioned(d: int, n: int | None, rng: np.random.Generator) -> None:
    """Draw from ``rng`` what :func:`ill_conditioned` draws for these sizes, without building anything."""
    rng.normal(size=(d, d))
    rng.shuffle(np.empty(d))
    rng.normal(size=d)
    rng.standard_normal((d, 1 if n is None else n))


COND_D = 100
_cond = np.random.default_rng(20261130)
MU_U, COV_U, X_U = ill_conditioned(COND_D, -8.0, 2.0, None, _cond, clustered="lo")  # det 1e-741 underflows to 0
MU_O, COV_O, X_O = ill_conditioned(COND_D, -2.0, 8.0, None, _cond, clustered="hi")  # det 1e741 overflows to inf
MU_C8, COV_C8, X_C8 = ill_conditioned(COND_D, -4.0, 4.0, None, _cond)  # condition number 1e8
MU_C10, COV_C10, X_C10 = ill_conditioned(COND_D, -5.0, 5.0, None, _cond)  # condition number 1e10
