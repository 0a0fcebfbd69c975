"""Bug zoo for problem set 3: gaussian_log_pdf, gaussian_log_likelihood, gaussian_mle, mvn_log_pdf.

Correct specimens: the log density written term by term, with ``log(sigma·√(2π))``,
with ``np.square``; MLE with ``np.std`` and by hand; the multivariate density with
``scipy.linalg.cho_factor``/``cho_solve``, ``np.linalg.cholesky`` + ``solve_triangular``,
``np.einsum``, and a Python loop over the points. Wrong ones: sigma used as a variance,
missing constants, log of an underflowed pdf, ddof=1, variance returned, inv/det,
missing factors ½ and 2, no SPD validation, library shortcuts.
"""

from testkit.zoo import Specimen, degenerate, stub

ZOO = (
    # ------------------------------------------------------ gaussian_log_pdf: correct
    Specimen(
        "gaussian_log_pdf-term-by-term",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    z = (x - mu) / sigma
    return -0.5 * z**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
''',
    ),
    Specimen(
        "gaussian_log_pdf-log-of-normaliser",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    var = np.square(sigma)
    return -np.square(x - mu) / (2 * var) - np.log(np.sqrt(2 * np.pi) * np.asarray(sigma, dtype=float))
''',
    ),
    Specimen(
        "gaussian_log_pdf-half-log-variance",
        "gaussian_log_pdf",
        '''
import math
import numpy as np

LOG_2PI = math.log(2 * math.pi)

def gaussian_log_pdf(x, mu, sigma):
    diff = np.subtract(x, mu, dtype=float)
    var = np.multiply(sigma, sigma, dtype=float)
    return -0.5 * (LOG_2PI + np.log(var) + diff * diff / var)
''',
    ),
    # -------------------------------------------------------- gaussian_log_pdf: wrong
    Specimen(
        "gaussian_log_pdf-sigma-as-variance",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return -0.5 * np.log(2 * np.pi * sigma) - (x - mu) ** 2 / (2 * sigma)
''',
        hint="the result treats it as a variance",
        mistake="sigma-as-variance",
    ),
    Specimen(
        "gaussian_log_pdf-missing-constant",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    z = (np.asarray(x, dtype=float) - mu) / sigma
    return -0.5 * z**2 - np.log(sigma)
''',
        hint="The normalising constant is missing",
        mistake="pdf-missing-constant",
    ),
    Specimen(
        "gaussian_log_pdf-missing-log-sigma",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    z = (np.asarray(x, dtype=float) - mu) / sigma
    return -0.5 * z**2 - 0.5 * np.log(2 * np.pi)
''',
        hint="The log sigma term is missing",
        mistake="pdf-missing-log-sigma",
    ),
    Specimen(
        "gaussian_log_pdf-unnormalised",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return -((x - mu) ** 2) / (2 * sigma**2)  # the exponent of the density, its normaliser left out
''',
        hint="Both normalising terms of the density are missing",
        mistake="pdf-unnormalised",
    ),
    Specimen(
        "gaussian_log_pdf-log-of-pdf",
        "gaussian_log_pdf",
        '''
import numpy as np

def normal_pdf(x, mu, sigma):
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return np.log(normal_pdf(x, mu, sigma))
''',
        hint="The log is taken of the density itself",
        mistake="log-of-pdf",
    ),
    Specimen(
        # the right log densities, summed: the log-likelihood of the sample where the density of each point is
        # asked. On moderate inputs a sum of log(pdf) is this sum too, so the log-of-pdf hint must not fire
        # (ps3_gaussian.LOG_OF_PDF: its summed branch stands only where the log densities themselves disagree)
        "gaussian_log_pdf-summed",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return np.sum(-0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
''',
        hint="The result is one number where the contract gives several",
        mistake="reduced-to-one-number",
    ),
    Specimen(  # (a PPO policy's log density, torch's .sum(dim=1) over the actions: a 0-d or 1-D x has no axis 1)
        "gaussian_log_pdf-summed-over-axis-1",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return np.sum(-0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi), axis=1)
''',
        hint="reduced over a fixed axis",
        mistake="pdf-reduced-over-fixed-axis",
    ),
    Specimen(
        "gaussian_log_pdf-math-log",
        "gaussian_log_pdf",
        '''
import math
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    return -((x - mu) ** 2) / (2 * sigma**2) - math.log(sigma) - 0.5 * math.log(2 * math.pi)
''',
        hint="written for one number at a time",
        mistake="scalar-code-on-arrays",
    ),
    Specimen(
        "gaussian_log_pdf-scipy-norm",
        "gaussian_log_pdf",
        '''
from scipy.stats import norm

def gaussian_log_pdf(x, mu, sigma):
    return norm.logpdf(x, loc=mu, scale=sigma)
''',
        hint="Write it yourself with NumPy (np.log, np.pi).",  # (no linear algebra: a univariate density needs none)
        mistake="forbidden",
    ),
    # ----------------------------------------------- gaussian_log_likelihood: correct
    Specimen(
        "gaussian_log_likelihood-sum-of-log-pdf",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    return float(np.sum(gaussian_log_pdf(x, mu, sigma)))
''',
    ),
    Specimen(
        "gaussian_log_likelihood-closed-form",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x, mu, sigma)))
    n = x.size
    return (-0.5 * np.sum(((x - mu) / sigma) ** 2) - np.sum(np.log(sigma))
            - 0.5 * n * np.log(2 * np.pi))
''',
    ),
    # ------------------------------------------------- gaussian_log_likelihood: wrong
    Specimen(
        "gaussian_log_likelihood-log-of-product",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    pdf = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (np.sqrt(2 * np.pi) * sigma)
    return np.log(np.prod(pdf))
''',
        hint="The log is taken of the density itself",
        mistake="log-of-pdf",
    ),
    # the sum divided by the number of rows (an average per row: the mean, for a 1-D x)
    Specimen(
        "gaussian_log_likelihood-row-average",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    terms = gaussian_log_pdf(x, mu, sigma)
    return np.sum(terms) / len(terms)
''',
        hint="The log densities are averaged",
        mistake="ll-mean",
    ),
    # the normalising term counted N = len(x) times (GPy's Gaussian likelihood, a course's practical); with one
    # sigma per element, n * log(sigma) is an array, summed nowhere
    Specimen(
        "gaussian_log_likelihood-normaliser-per-row",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    n = len(x)
    return -0.5 * np.sum(((x - mu) / sigma) ** 2) - n * np.log(sigma) - 0.5 * n * np.log(2 * np.pi)
''',
        hint="counted once per row",
        mistake=("ll-normaliser-per-row", "reduction-missing"),
    ),
    Specimen(
        "gaussian_log_likelihood-mean",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    return np.mean(gaussian_log_pdf(x, mu, sigma))
''',
        hint="The log densities are averaged",
        mistake="ll-mean",
    ),
    Specimen(
        "gaussian_log_likelihood-sigma-as-variance",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return np.sum(-0.5 * np.log(2 * np.pi * sigma) - (x - mu) ** 2 / (2 * sigma))
''',
        hint="the result treats it as a variance",
        mistake="sigma-as-variance",
    ),
    Specimen(  # (real code: a course's estimator class vectorises its pdf over x, with mu held fixed)
        "gaussian_log_likelihood-vectorised-over-x",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))

    def one(xi):
        return -0.5 * ((xi - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)

    return float(np.sum(np.vectorize(one)(x)))
''',
        hint="a step that works one number at a time (np.vectorize",
        mistake="array-where-a-number-goes",
    ),
    Specimen(  # (real code: a model-selection library's negative log-likelihood pairs each point with its mean)
        "gaussian_log_likelihood-zip-over-mu",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    total = 0.0
    for xi, mi in zip(x, mu):
        total += np.sum(-np.log(sigma) - 0.5 * np.log(2 * np.pi) - 0.5 * ((xi - mi) / sigma) ** 2)
    return float(total)
''',
        hint="The code loops over an argument",
        mistake="loop-over-a-number",
    ),
    # ---------------------------------------------------------- gaussian_mle: correct
    Specimen(
        "gaussian_mle-numpy-std",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    return np.mean(x), np.std(x)
''',
    ),
    Specimen(
        "gaussian_mle-by-hand",
        "gaussian_mle",
        '''
import math

def gaussian_mle(x):
    values = [float(v) for v in x]
    n = len(values)
    mu_hat = math.fsum(values) / n
    sigma_hat = math.sqrt(math.fsum((v - mu_hat) ** 2 for v in values) / n)
    return mu_hat, sigma_hat
''',
    ),
    # ------------------------------------------------------------ gaussian_mle: wrong
    Specimen(
        "gaussian_mle-ddof-1",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    return x.mean(), x.std(ddof=1)
''',
        hint="divided by n − 1",
        mistake="mle-ddof-1",
    ),
    Specimen(  # (a naive Bayes classifier's fit, as real code has it: its variances smoothed by 1e-6)
        "gaussian_mle-variance-smoothed",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    var = x.var(axis=0) + 1e-6
    return x.mean(axis=0), np.sqrt(var)
''',
        hint="plus a small constant",
        mistake="mle-variance-smoothed",
    ),
    Specimen(
        "gaussian_mle-asserts-positive-spread",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu = x.mean()
    sigma = np.sqrt(np.mean((x - mu) ** 2))
    assert sigma > 0, "a Gaussian needs a positive spread"
    return mu, sigma
''',
        hint="An `assert` stopped a valid input",
        mistake="assert-rejects-valid-input",
    ),
    Specimen(
        "gaussian_mle-returns-variance",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu_hat = x.mean()
    return mu_hat, np.mean((x - mu_hat) ** 2)
''',
        hint="sigma_hat comes out as a variance",
        mistake="mle-returns-variance",
    ),
    Specimen(
        "gaussian_mle-inplace-centering",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    mu_hat = x.mean()
    x -= mu_hat
    return mu_hat, np.sqrt(np.mean(x * x))
''',
        hint="Work on a copy",
        mistake="modifies-input",
    ),
    Specimen(
        "gaussian_mle-returns-array",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    return np.array([x.mean(), x.std()])   # the right values, in an array instead of a tuple
''',
        hint="return them as a pair",
        mistake="mle-not-a-pair",
    ),
    # ----------------------------------------------------------- mvn_log_pdf: correct
    Specimen(
        "mvn_log_pdf-cho-solve",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T):
        raise ValueError("cov must be a symmetric matrix")
    try:
        c, lower = cho_factor(cov, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    diff = np.asarray(x, dtype=float) - np.asarray(mu, dtype=float)
    sol = cho_solve((c, lower), diff.T)
    maha = np.sum(diff.T * sol, axis=0)
    d = cov.shape[0]
    logdet = 2.0 * np.sum(np.log(np.diag(c)))
    return -0.5 * (maha + logdet + d * np.log(2 * np.pi))
''',
    ),
    Specimen(
        "mvn_log_pdf-cholesky-solve-triangular",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import solve_triangular

def check_spd(cov):
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=0):
        raise ValueError("cov is not symmetric")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"cov is not positive definite: {exc}") from None

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    L = check_spd(cov)
    x = np.asarray(x, dtype=float)
    diff = np.atleast_2d(x) - mu                      # (N, D)
    y = solve_triangular(L, diff.T, lower=True)       # (D, N)
    maha = np.einsum("dn,dn->n", y, y)
    out = -0.5 * maha - np.sum(np.log(np.diag(L))) - 0.5 * L.shape[0] * np.log(2 * np.pi)
    return out[0] if x.ndim == 1 else out
''',
    ),
    Specimen(
        "mvn_log_pdf-upper-factor-loop",
        "mvn_log_pdf",
        '''
import math
import numpy as np
import scipy.linalg

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if np.max(np.abs(cov - cov.T)) > 1e-12 * np.max(np.abs(cov)):
        raise ValueError("cov must be symmetric")
    eig_min = np.linalg.eigvalsh(cov)[0]
    if eig_min <= 0:
        raise ValueError("cov must be positive definite")
    U = scipy.linalg.cholesky(cov, lower=False)       # cov = U^T U
    d = cov.shape[0]
    const = d * math.log(2 * math.pi) + 2 * np.sum(np.log(np.diag(U)))
    mu = np.asarray(mu, dtype=float)

    def one(point):
        y = scipy.linalg.solve_triangular(U, point - mu, trans="T")
        return -0.5 * (const + y @ y)

    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return one(x)
    return np.array([one(row) for row in x])
''',
    ),
    # ------------------------------------------------------------- mvn_log_pdf: wrong
    Specimen(
        "mvn_log_pdf-inv-det",
        "mvn_log_pdf",
        '''
import numpy as np

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T) or np.any(np.linalg.eigvalsh(cov) <= 0):
        raise ValueError("cov must be symmetric positive definite")
    diff = np.asarray(x, dtype=float) - mu
    d = cov.shape[0]
    inv = np.linalg.inv(cov)
    maha = np.sum((diff @ inv) * diff, axis=-1)
    return -0.5 * (d * np.log(2 * np.pi) + np.log(np.linalg.det(cov)) + maha)
''',
        hint="np.linalg.det over- or underflows",
        mistake="mvn-inv-det",
    ),
    Specimen(
        "mvn_log_pdf-missing-2pi",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        c = cho_factor(cov, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    diff = (np.asarray(x, dtype=float) - mu).T
    maha = np.sum(diff * cho_solve(c, diff), axis=0)
    return -0.5 * (maha + 2 * np.sum(np.log(np.diag(c[0]))))
''',
        hint="The normalising constant with 2π is missing",
        mistake="mvn-missing-2pi",
    ),
    Specimen(
        "mvn_log_pdf-no-half-on-mahalanobis",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import solve_triangular

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    y = solve_triangular(L, (np.asarray(x, dtype=float) - mu).T, lower=True)
    d = len(L)
    return -np.sum(y * y, axis=0) - np.sum(np.log(np.diag(L))) - d / 2 * np.log(2 * np.pi)
''',
        hint="The Mahalanobis term lacks its factor ½",
        mistake="mvn-missing-half-maha",
    ),
    Specimen(
        "mvn_log_pdf-logdet-of-L",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import solve_triangular

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    y = solve_triangular(L, (np.asarray(x, dtype=float) - mu).T, lower=True)
    logdet = np.sum(np.log(np.diag(L)))          # log det of L, not of cov
    return -0.5 * (np.sum(y * y, axis=0) + logdet + len(L) * np.log(2 * np.pi))
''',
        hint="The log-determinant is that of the Cholesky factor",
        mistake="mvn-logdet-of-factor",
    ),
    Specimen(
        # right, then squeezed as SciPy's logpdf squeezes its output: one point given as a (1, D) row gives a number
        "mvn_log_pdf-squeezed",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import cho_factor, solve_triangular

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        lower, _ = cho_factor(cov, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    L = np.tril(lower)
    diff = np.atleast_2d(np.asarray(x, dtype=float) - mu)
    z = solve_triangular(L, diff.T, lower=True)
    d = cov.shape[0]
    out = -0.5 * (d * np.log(2 * np.pi) + np.sum(z**2, axis=0)) - np.sum(np.log(np.diag(L)))
    return np.squeeze(out)                        # (1,) becomes a number, like SciPy's output
''',
        hint="drops an axis of length 1",
        mistake="length-1-axis-dropped",
    ),
    Specimen(
        "mvn_log_pdf-batch-matrix-product",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        c = cho_factor(cov)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    diff = np.asarray(x, dtype=float) - mu
    maha = diff @ cho_solve(c, diff.T)           # (N, N) for a batch
    d = cov.shape[0]
    return -0.5 * (d * np.log(2 * np.pi) + 2 * np.sum(np.log(np.diag(c[0]))) + maha)
''',
        hint="the result is an (N, N) matrix",
        mistake="mvn-batch-matrix",
    ),
    # one point at a time (numpy-ml, BLOG, BayesNewton and others): the batch raises NumPy's shape error
    Specimen(
        "mvn_log_pdf-one-point-only",
        "mvn_log_pdf",
        '''
import numpy as np

def mvn_log_pdf(x, mu, cov):
    x, mu, cov = (np.asarray(a, dtype=float) for a in (x, mu, cov))
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    diff = x - mu
    maha = diff.dot(np.linalg.solve(cov, diff))   # one point: a number
    return -0.5 * (len(mu) * np.log(2 * np.pi) + 2 * np.sum(np.log(np.diag(L))) + maha)
''',
        hint="written for one point",
        mistake="mvn-one-point-only",
    ),
    Specimen(
        "mvn_log_pdf-no-validation",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import solve_triangular

def mvn_log_pdf(x, mu, cov):
    L = np.linalg.cholesky(np.asarray(cov, dtype=float))
    y = solve_triangular(L, (np.asarray(x, dtype=float) - mu).T, lower=True)
    return -0.5 * (np.sum(y**2, axis=0) + 2 * np.sum(np.log(np.diag(L))) + len(L) * np.log(2 * np.pi))
''',
        hint="not symmetric positive definite was accepted",
        mistake="cov-unchecked",
    ),
    Specimen(
        "mvn_log_pdf-symmetry-checked-only",
        "mvn_log_pdf",
        '''
import numpy as np

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if cov.ndim != 2 or not np.allclose(cov, cov.T):
        raise ValueError("cov must be a symmetric matrix")
    w, V = np.linalg.eigh(cov)                 # an eigenvalue <= 0 is not refused: its log is nan
    d = (np.asarray(x, dtype=float) - mu) @ V
    with np.errstate(invalid="ignore", divide="ignore"):
        return -0.5 * (len(w) * np.log(2 * np.pi) + np.sum(np.log(w)) + np.sum(d**2 / w, axis=-1))
''',
        hint="not positive definite (an eigenvalue of 0 or below) was accepted",
        mistake="cov-not-positive-definite-accepted",
    ),
    Specimen(
        "mvn_log_pdf-scipy-multivariate-normal",
        "mvn_log_pdf",
        '''
import numpy as np
import scipy.stats

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    return scipy.stats.multivariate_normal(mean=mu, cov=cov).logpdf(x)
''',
        hint="Write it yourself",
        mistake="forbidden",
    ),
)

# Found reviewing the hints (issue 50): each mistake a rule names, made the way students make it.
ZOO = ZOO + (
    Specimen(
        "gaussian_log_pdf-missing-half",
        "gaussian_log_pdf",
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return -((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
''',
        hint="The quadratic term lacks its factor ½",
        mistake="pdf-missing-half",
    ),
    Specimen(
        "gaussian_log_likelihood-per-element",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
''',
        hint="The result is one log density per element",
        mistake="ll-not-summed",
    ),
    Specimen(
        "gaussian_log_pdf-float32-constant",
        "gaussian_log_pdf",
        '''
import numpy as np

LOG_2PI = np.log(np.array([2 * np.pi], dtype=np.float32))[0]  # (as torch's .float() makes it)

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * LOG_2PI
''',
        hint="computed in single precision",
        mistake="float32-constant",
    ),
    Specimen(
        "gaussian_log_likelihood-sum-over-rows",
        "gaussian_log_likelihood",
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = (np.asarray(a, dtype=float) for a in (x, mu, sigma))
    log_pdf = -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
    return np.sum(log_pdf, axis=1)  # a batch of rows, one log-likelihood each
''',
        hint="The sum runs along one axis",
        mistake="ll-one-axis",
    ),
    Specimen(
        "gaussian_mle-swapped",
        "gaussian_mle",
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    return np.std(x), np.mean(x)
''',
        hint="The pair comes in the other order",
        mistake="mle-swapped",
    ),
    Specimen(
        "mvn_log_pdf-no-half-on-logdet",
        "mvn_log_pdf",
        '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        c, low = cho_factor(cov, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    diff = np.asarray(x, dtype=float) - np.asarray(mu, dtype=float)
    maha = np.sum(diff * cho_solve((c, low), diff.T).T, axis=-1)
    logdet = 2 * np.sum(np.log(np.diag(c)))
    return -0.5 * maha - logdet - 0.5 * len(cov) * np.log(2 * np.pi)
''',
        hint="The log-determinant term lacks its factor ½",
        mistake="mvn-missing-half-logdet",
    ),
)

# Stubs and the untouched template (see testkit.zoo.stub).
ZOO = ZOO + (
    stub("mvn_log_pdf-stub-raises-valueerror", "mvn_log_pdf", "x, mu, cov", 'raise ValueError("cov must be symmetric positive definite")'),
    stub("gaussian_mle-stub-zeros", "gaussian_mle", "x", 'return 0.0, 0.0'),
    stub("gaussian_log_pdf-template", "gaussian_log_pdf", "x, mu, sigma", 'raise NotImplementedError()'),
)


#: The graded cells each wrong specimen loses, and no others: reviewed for double charges (a mistake
#: specific to one aspect costs that aspect's cell only; a wrong formula is wrong wherever values are
#: compared). Published as docs/grading.md (python -m testkit.zoo.table).
LOSES = {
    "gaussian_log_pdf-sigma-as-variance": ("gaussian_log_pdf-basic",),
    "gaussian_log_pdf-missing-constant": ("gaussian_log_pdf-basic",),
    "gaussian_log_pdf-missing-log-sigma": ("gaussian_log_pdf-basic",),
    "gaussian_log_pdf-unnormalised": ("gaussian_log_pdf-basic",),
    "gaussian_log_pdf-log-of-pdf": ("gaussian_log_pdf-tails",),
    "gaussian_log_pdf-summed": ("gaussian_log_pdf-basic", "gaussian_log_pdf-broadcast"),
    "gaussian_log_pdf-summed-over-axis-1": ("gaussian_log_pdf-basic", "gaussian_log_pdf-broadcast",
                                            "gaussian_log_pdf-tails"),
    "gaussian_log_pdf-math-log": ("gaussian_log_pdf-broadcast",),
    "gaussian_log_pdf-scipy-norm": ("gaussian_log_pdf-basic", "gaussian_log_pdf-broadcast", "gaussian_log_pdf-tails", "gaussian_log_pdf-purity"),
    "gaussian_log_likelihood-log-of-product": ("gaussian_log_likelihood-tails",),
    "gaussian_log_likelihood-mean": ("gaussian_log_likelihood-basic",),
    "gaussian_log_likelihood-row-average": ("gaussian_log_likelihood-basic",),
    "gaussian_log_likelihood-normaliser-per-row": ("gaussian_log_likelihood-basic", "gaussian_log_likelihood-shape"),
    "gaussian_log_likelihood-sigma-as-variance": ("gaussian_log_likelihood-basic",),
    # (a number mu, as most calls have: those raise; the purity cell's calls have an array mu)
    "gaussian_log_likelihood-zip-over-mu": ("gaussian_log_likelihood-basic", "gaussian_log_likelihood-shape",
                                            "gaussian_log_likelihood-tails"),
    # (an array mu: every call raises but the one with a number mu, so purity has no two results to judge)
    "gaussian_log_likelihood-vectorised-over-x": ("gaussian_log_likelihood-basic", "gaussian_log_likelihood-shape",
                                                  "gaussian_log_likelihood-purity"),
    "gaussian_mle-ddof-1": ("gaussian_mle-basic",),
    "gaussian_mle-variance-smoothed": ("gaussian_mle-basic",),
    "gaussian_mle-asserts-positive-spread": ("gaussian_mle-basic",),
    "gaussian_mle-returns-variance": ("gaussian_mle-basic",),
    "gaussian_mle-inplace-centering": ("gaussian_mle-purity",),
    "gaussian_mle-returns-array": ("gaussian_mle-shape",),
    "mvn_log_pdf-inv-det": ("mvn_log_pdf-conditioning",),
    "mvn_log_pdf-missing-2pi": ("mvn_log_pdf-basic", "mvn_log_pdf-conditioning"),
    "mvn_log_pdf-no-half-on-mahalanobis": ("mvn_log_pdf-basic", "mvn_log_pdf-conditioning"),
    "mvn_log_pdf-logdet-of-L": ("mvn_log_pdf-basic", "mvn_log_pdf-conditioning"),
    "mvn_log_pdf-batch-matrix-product": ("mvn_log_pdf-batch", "mvn_log_pdf-shape"),
    "mvn_log_pdf-one-point-only": ("mvn_log_pdf-batch", "mvn_log_pdf-shape"),
    "mvn_log_pdf-squeezed": ("mvn_log_pdf-shape",),
    "mvn_log_pdf-no-validation": ("mvn_log_pdf-errors",),
    "mvn_log_pdf-symmetry-checked-only": ("mvn_log_pdf-errors",),
    "mvn_log_pdf-scipy-multivariate-normal": ("mvn_log_pdf-basic", "mvn_log_pdf-batch", "mvn_log_pdf-shape", "mvn_log_pdf-conditioning", "mvn_log_pdf-errors", "mvn_log_pdf-purity"),
    "mvn_log_pdf-stub-raises-valueerror": ("mvn_log_pdf-basic", "mvn_log_pdf-batch", "mvn_log_pdf-shape", "mvn_log_pdf-conditioning", "mvn_log_pdf-errors", "mvn_log_pdf-purity"),
    "gaussian_mle-stub-zeros": ("gaussian_mle-basic", "gaussian_mle-shape", "gaussian_mle-purity"),
    "gaussian_log_pdf-template": ("gaussian_log_pdf-basic", "gaussian_log_pdf-broadcast", "gaussian_log_pdf-tails", "gaussian_log_pdf-purity"),
    "gaussian_log_pdf-missing-half": ("gaussian_log_pdf-basic",),
    "gaussian_log_likelihood-per-element": ("gaussian_log_likelihood-basic", "gaussian_log_likelihood-shape",),
    "gaussian_log_pdf-float32-constant": ("gaussian_log_pdf-basic",),
    # log-domain, one sum per row: right as rows, so the sum kept per row is charged once, in -basic and -shape
    # (docs/contract.md, "A stack of slices is one aspect")
    "gaussian_log_likelihood-sum-over-rows": ("gaussian_log_likelihood-basic", "gaussian_log_likelihood-shape"),
    "gaussian_mle-swapped": ("gaussian_mle-basic",),
    "mvn_log_pdf-no-half-on-logdet": ("mvn_log_pdf-basic", "mvn_log_pdf-conditioning"),
}

# The degenerate forms of each function (constant, uniform, one-hot, identity, echoed, ignored: testkit/zoo/degenerate.py),
# each losing every cell but what the contract grants it.
ZOO = ZOO + degenerate.specimens("ps3_gaussian")
LOSES.update(degenerate.loses("ps3_gaussian"))
