"""ps5's hidden high-dimension probes of ``mvn_kl-highdim`` (a part of ``ps5_gaussian_kl.py``'s checks, split off by
job: the covariances and what they are made of, for the closed-form validation in ``tests/test_checks_ps45.py``).

The hidden high-dimension probes: D = 100, each with the property its label names (a determinant outside
float64's range, and for the first two the square root of it too, which a product of a Cholesky factor's diagonal
is; condition numbers 1e3 to 1e10; eigenvalues within the range of those of the D = 200 ... 300 probes they
replaced, most of them near one end of it, so that 100 of them multiply out of range as 200 to 300 spread
evenly did), made from a generator of their own. Each keeps (Q1, eigs1, Q2, eigs2) for the closed-form
validation in the tests (``HIGHDIM_EIGEN``).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm


def covariance(q: np.ndarray, eigs: np.ndarray) -> np.ndarray:
    """``Q diag(eigs) Qᵀ``, exactly symmetric."""
    c = (q * eigs) @ q.T
    return (c + c.T) / 2


HD_D = 100
_hd = np.random.default_rng(20261129)


def _hd_orthogonal() -> np.ndarray:
    q, r = np.linalg.qr(_hd.normal(size=(HD_D, HD_D)))
    return q * np.sign(np.diag(r))


def _clustered(lo: float, hi: float, at: str) -> np.ndarray:
    """HD_D eigenvalues from 10^lo to 10^hi (condition number 10^(hi - lo)), all but one in the decade above
    10^lo (``at`` = "lo") or all but one in the decade below 10^hi (``at`` = "hi"), ascending."""
    rest = np.logspace(lo, lo + 1, HD_D - 1) if at == "lo" else np.logspace(hi - 1, hi, HD_D - 1)
    return np.sort(np.append(rest, 10.0 ** (hi if at == "lo" else lo)))


_Q_C8 = _hd_orthogonal()
_E_C8_1 = _clustered(0, 8, "hi")  # det(cov2) = 1e693 and its square root 1e346: both overflow
_E_C8_0 = _E_C8_1 * np.exp(0.5 * _hd.normal(size=HD_D))
_MU_C8 = _hd.normal(size=HD_D)
HD_COND8 = (_MU_C8, covariance(_Q_C8, _E_C8_0), _MU_C8 + _Q_C8 @ (np.sqrt(_E_C8_1) * _hd.normal(size=HD_D)) * 0.1,
            covariance(_Q_C8, _E_C8_1))

_Q_C10 = _hd_orthogonal()
_E_C10_1 = _clustered(-10, 0, "lo")  # det(cov2) = 1e-891 and its square root 1e-445: both underflow to 0
_E_C10_0 = np.clip(_E_C10_1 * np.exp(0.3 * _hd.normal(size=HD_D)), 1e-10, 1.0)  # condition number <= 1e10 too
_MU_C10 = _hd.normal(size=HD_D) * 0.01
HD_COND10 = (_MU_C10, covariance(_Q_C10, _E_C10_0),
             _MU_C10 + _Q_C10 @ (np.sqrt(_E_C10_1) * _hd.normal(size=HD_D)) * 0.1, covariance(_Q_C10, _E_C10_1))

_E_SAME = _clustered(-7, 3, "lo")  # det = 1e-591
_C_SAME = covariance(_Q_C10, _E_SAME)
HD_SAME_COV = (np.zeros(HD_D), _C_SAME, _Q_C10 @ (np.sqrt(_E_SAME) * _hd.normal(size=HD_D)), _C_SAME)

_Q_Ba, _Q_Bb = _hd_orthogonal(), _hd_orthogonal()
_E_B0, _E_B1 = _clustered(-4, -1, "lo"), _clustered(-6, 3, "lo")  # dets 1e-372 and 1e-541
HD_BASES = (_hd.normal(size=HD_D), covariance(_Q_Ba, _E_B0), _hd.normal(size=HD_D), covariance(_Q_Bb, _E_B1))

_Q_R = _hd_orthogonal()
_A_R = _hd.normal(size=(HD_D, HD_D)) * 1e-6
_Q_Rr = _Q_R @ expm(_A_R - _A_R.T)  # a slightly rotated basis
_E_R1 = _clustered(-6, 3, "lo")  # det(cov2) = 1e-541
_E_R0 = _E_R1 * np.exp(0.2 * _hd.normal(size=HD_D))
HD_ROTATED = (np.zeros(HD_D), covariance(_Q_Rr, _E_R0), np.full(HD_D, 1e-3), covariance(_Q_R, _E_R1))

#: probe args -> (Q1, eigs1, Q2, eigs2): what each hidden covariance is made of.
HIGHDIM_EIGEN = {
    "HD_COND8": (HD_COND8, (_Q_C8, _E_C8_0, _Q_C8, _E_C8_1)),
    "HD_COND10": (HD_COND10, (_Q_C10, _E_C10_0, _Q_C10, _E_C10_1)),
    "HD_SAME_COV": (HD_SAME_COV, (_Q_C10, _E_SAME, _Q_C10, _E_SAME)),
    "HD_BASES": (HD_BASES, (_Q_Ba, _E_B0, _Q_Bb, _E_B1)),
    "HD_ROTATED": (HD_ROTATED, (_Q_Rr, _E_R0, _Q_R, _E_R1)),
}
