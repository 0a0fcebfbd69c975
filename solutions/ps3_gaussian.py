"""Problem set 3: Gaussian log-likelihood, univariate and multivariate, and MLE.

Densities are computed in log space directly (never ``log`` of a pdf that may
have underflowed), and the multivariate case uses a Cholesky factor for both
the Mahalanobis term (a triangular solve) and the log-determinant.
"""

import numpy as np
from scipy import linalg

from solutions._validate import as_float_array, scalar_or_array

__all__ = ["gaussian_log_pdf", "gaussian_log_likelihood", "gaussian_mle", "mvn_log_pdf"]

LOG_2PI = np.log(2.0 * np.pi)


def _positive_sigma(sigma):
    sigma = as_float_array(sigma, "sigma")
    # min() propagates nan, and nan > 0 is False: one pass, no temporary.
    if sigma.size and not np.min(sigma) > 0:
        raise ValueError("sigma must be > 0 everywhere (a standard deviation, not a variance)")
    return sigma


def gaussian_log_pdf(x, mu, sigma):
    r"""Element-wise log density of the normal distribution N(mu, sigma²).

    .. math::

        \log \mathcal{N}(x; \mu, \sigma^2)
            = -\tfrac12 \left(\frac{x-\mu}{\sigma}\right)^2 - \log\sigma
              - \tfrac12 \log 2\pi .

    Parameters
    ----------
    x, mu : array_like
        Points and means; broadcast together with ``sigma``.
    sigma : array_like
        Standard deviations (> 0), not variances.

    Returns
    -------
    float or ndarray
        The broadcast shape of the inputs; a float64 scalar when all are
        scalars.

    Raises
    ------
    ValueError
        If ``sigma`` has an entry that is not > 0, or the shapes do not
        broadcast.

    Notes
    -----
    Accurate in the far tails: at 40 standard deviations the pdf underflows
    to 0 but the log density (-800.9…) is exact to rounding.
    """
    x = as_float_array(x, "x")
    mu = as_float_array(mu, "mu")
    sigma = _positive_sigma(sigma)
    try:
        shape = np.broadcast_shapes(x.shape, mu.shape, sigma.shape)
    except ValueError:
        raise ValueError(
            f"x, mu and sigma must broadcast together, got shapes {x.shape}, "
            f"{mu.shape} and {sigma.shape}"
        ) from None
    # One output array, updated in place: z = (x - mu) / sigma, then
    # -z²/2 - log sigma - log(2π)/2.
    out = np.subtract(x, mu, out=np.empty(shape))
    np.divide(out, sigma, out=out)
    np.square(out, out=out)
    out *= -0.5
    np.subtract(out, np.log(sigma), out=out)
    out -= 0.5 * LOG_2PI
    return scalar_or_array(out)


def gaussian_log_likelihood(x, mu, sigma):
    r"""Log-likelihood of i.i.d. data under N(mu, sigma²).

    .. math::

        \ell(\mu, \sigma) = \sum_i \log \mathcal{N}(x_i; \mu_i, \sigma_i^2)

    (``mu`` and ``sigma`` broadcast against ``x``).

    Parameters
    ----------
    x, mu, sigma : array_like
        As for :func:`gaussian_log_pdf`.

    Returns
    -------
    float
        The sum over the entries of ``x`` of their log-densities
        (:func:`gaussian_log_pdf`), in nats.

    Raises
    ------
    ValueError
        As for :func:`gaussian_log_pdf`.
    """
    return np.float64(np.sum(gaussian_log_pdf(x, mu, sigma)))


def gaussian_mle(x):
    r"""Maximum-likelihood estimates of a normal distribution's parameters.

    .. math::

        \hat\mu = \frac1n \sum_i x_i, \qquad
        \hat\sigma = \sqrt{\frac1n \sum_i (x_i - \hat\mu)^2}

    (``ddof = 0``: the MLE divides by n, not n - 1).

    Parameters
    ----------
    x : array_like, shape (n,)
        A 1-D sample with n >= 1.

    Returns
    -------
    mu_hat, sigma_hat : float
        ``sigma_hat`` is a standard deviation; it is 0 for a constant sample.

    Raises
    ------
    ValueError
        If ``x`` is not 1-D or is empty.
    """
    x = as_float_array(x, "x", ndim=1)
    if x.size == 0:
        raise ValueError("x must contain at least one observation")
    mu_hat = np.mean(x)
    dev = x - mu_hat
    np.square(dev, out=dev)
    sigma_hat = np.sqrt(np.mean(dev))
    return np.float64(mu_hat), np.float64(sigma_hat)


def cholesky_factor(cov, name="cov"):
    """Lower Cholesky factor of a symmetric positive definite matrix.

    Raises ``ValueError`` naming ``name`` when ``cov`` is not a finite square
    matrix, is not symmetric (to 1e-10 relative to its largest entry), or is
    not positive definite.
    """
    cov = as_float_array(cov, name, ndim=2)
    d = cov.shape[0]
    if cov.shape != (d, d) or d == 0:
        raise ValueError(f"{name} must be a square (D, D) matrix with D >= 1, got {cov.shape}")
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} must be finite")
    scale = np.max(np.abs(cov))
    if np.max(np.abs(cov - cov.T)) > 1e-10 * scale:
        raise ValueError(f"{name} must be symmetric")
    try:
        return linalg.cholesky(cov, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation failed)") from None


def mvn_log_pdf(x, mu, cov):
    r"""Log density of the multivariate normal N(mu, cov).

    With the Cholesky factor ``cov = L Lᵀ`` and ``y = L⁻¹ (x - mu)``:

    .. math::

        \log \mathcal{N}(x; \mu, \Sigma)
            = -\tfrac12 \left( D \log 2\pi + \log\det\Sigma + \lVert y \rVert^2 \right),
        \qquad \log\det\Sigma = 2 \sum_i \log L_{ii}.

    Parameters
    ----------
    x : array_like, shape (D,) or (N, D)
        One point, or N points as rows.
    mu : array_like, shape (D,)
        Mean.
    cov : array_like, shape (D, D)
        Symmetric positive definite covariance.

    Returns
    -------
    float or ndarray of shape (N,)

    Raises
    ------
    ValueError
        If ``cov`` is not symmetric positive definite, or the shapes of
        ``x``, ``mu`` and ``cov`` do not agree.

    Notes
    -----
    Never forms ``inv(cov)`` or ``det(cov)``: both lose accuracy or overflow
    for D in the hundreds and condition numbers near 1e10, the triangular
    solve and the sum of log-diagonal entries do not.
    """
    L = cholesky_factor(cov)
    d = L.shape[0]
    mu = as_float_array(mu, "mu", ndim=1)
    if mu.shape != (d,):
        raise ValueError(f"mu must have shape (D,) = ({d},), got {mu.shape}")
    x = as_float_array(x, "x", ndim=(1, 2))
    if x.shape[-1] != d:
        raise ValueError(f"x must have shape (D,) or (N, D) with D = {d}, got {x.shape}")
    diff = np.subtract(x, mu).T  # (D,) or (D, N); a new array, solved in place
    y = linalg.solve_triangular(L, diff, lower=True, overwrite_b=True, check_finite=False)
    maha = np.einsum("i...,i...->...", y, y)  # column-wise squared norms
    logdet = 2.0 * np.sum(np.log(np.diag(L)))
    return scalar_or_array(-0.5 * (d * LOG_2PI + logdet + maha))
