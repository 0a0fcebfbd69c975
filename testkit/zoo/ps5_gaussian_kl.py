"""Bug zoo for problem set 5: gaussian_kl, mvn_kl, vae_kl.

The wrong ones are the slips that recur in lecture notes, blog posts and VAE
code: arguments in the wrong order (KL(Q ‖ P)), σ used as a variance, a
missing ½, ``inv``/``det`` at D = 300, a jitter on the diagonal, the VAE KL
summed over the batch too, and ``logvar`` treated as log σ.
"""

from testkit.zoo import Specimen, degenerate, stub

ZOO = (
    # -------------------------------------------------------------- gaussian_kl
    Specimen("ps5-gaussian-kl-formula", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5
"""),
    Specimen("ps5-gaussian-kl-variances", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    var1 = np.square(sigma1)
    var2 = np.square(sigma2)
    diff = np.subtract(mu1, mu2)
    return 0.5 * (np.log(var2 / var1) + (var1 + diff * diff) / var2 - 1.0)
"""),
    Specimen("ps5-gaussian-kl-vectorize", "gaussian_kl", """
import math
import numpy as np

def _kl(m1, s1, m2, s2):
    return math.log(s2) - math.log(s1) + (s1 * s1 + (m1 - m2) ** 2) / (2 * s2 * s2) - 0.5

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    return np.vectorize(_kl, otypes=[float])(mu1, sigma1, mu2, sigma2)
"""),
    Specimen("ps5-gaussian-kl-from-log-variances", "gaussian_kl", """
import numpy as np

def normal_kl(mean1, logvar1, mean2, logvar2):
    # OpenAI's guided-diffusion, guided_diffusion/losses.py (torch.exp as np.exp, op for op); evaluated left to
    # right it leaves ±1.1e-16 where the KL is 0 (equal arguments), which is rounding, not a mistake
    return 0.5 * (-1.0 + logvar2 - logvar1 + np.exp(logvar1 - logvar2)
                  + ((mean1 - mean2) ** 2) * np.exp(-logvar2))

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return normal_kl(mu1, 2 * np.log(sigma1), mu2, 2 * np.log(sigma2))
"""),
    Specimen("ps5-gaussian-kl-reversed", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    # KL between the two Gaussians
    return np.log(sigma1 / sigma2) + (sigma2**2 + (mu2 - mu1) ** 2) / (2 * sigma1**2) - 0.5
""", hint="The result is KL(Q ‖ P)", mistake="gk-reversed"),
    Specimen("ps5-gaussian-kl-sigma-as-variance", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    # KL = 1/2 log(s2/s1) + (s1 + (mu1-mu2)^2) / (2 s2) - 1/2
    return 0.5 * np.log(sigma2 / sigma1) + (sigma1 + (mu1 - mu2) ** 2) / (2 * sigma2) - 0.5
""", hint="the result treats it as a variance", mistake="sigma-as-variance"),
    Specimen("ps5-gaussian-kl-no-minus-half", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2)
""", hint="The constant −½ is missing", mistake="gk-missing-minus-half"),
    Specimen("ps5-gaussian-kl-log-of-variances", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return np.log(sigma2**2 / sigma1**2) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5
""", hint="the log of the ratio of the variances", mistake="gk-log-variance-ratio"),
    Specimen("ps5-gaussian-kl-math-log", "gaussian_kl", """
import math

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    return math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5
""", hint="written for one number at a time", mistake=("scalar-code-on-arrays", "lists-not-converted")),
    # ------------------------------------------------------------------- mvn_kl
    Specimen("ps5-mvn-kl-cholesky-triangular", "mvn_kl", """
import numpy as np
from scipy.linalg import solve_triangular

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    L1 = np.linalg.cholesky(np.asarray(cov1, dtype=float))
    L2 = np.linalg.cholesky(np.asarray(cov2, dtype=float))
    M = solve_triangular(L2, L1, lower=True)          # L2^-1 L1: tr(cov2^-1 cov1) = ||M||_F^2
    y = solve_triangular(L2, mu2 - mu1, lower=True)
    logdet2 = 2 * np.sum(np.log(np.diag(L2)))
    logdet1 = 2 * np.sum(np.log(np.diag(L1)))
    return 0.5 * (np.sum(M * M) + y @ y - len(mu1) + logdet2 - logdet1)
"""),
    Specimen("ps5-mvn-kl-cho-solve", "mvn_kl", """
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    c2 = cho_factor(np.asarray(cov2, dtype=float))
    c1 = cho_factor(np.asarray(cov1, dtype=float))
    diff = mu2 - mu1
    trace = np.trace(cho_solve(c2, np.asarray(cov1, dtype=float)))
    maha = diff @ cho_solve(c2, diff)
    logdet = 2 * (np.sum(np.log(np.diag(c2[0]))) - np.sum(np.log(np.diag(c1[0]))))
    return 0.5 * (trace + maha - mu1.size + logdet)
"""),
    Specimen("ps5-mvn-kl-solve-slogdet", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    cov1, cov2 = np.asarray(cov1, dtype=float), np.asarray(cov2, dtype=float)
    d = mu2 - mu1
    _, logdet1 = np.linalg.slogdet(cov1)
    _, logdet2 = np.linalg.slogdet(cov2)
    return 0.5 * (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.linalg.solve(cov2, d)
                  - len(d) + logdet2 - logdet1)
"""),
    Specimen("ps5-mvn-kl-inv-det", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    cov1, cov2 = np.asarray(cov1, dtype=float), np.asarray(cov2, dtype=float)
    inv2 = np.linalg.inv(cov2)
    d = mu2 - mu1
    return 0.5 * (np.trace(inv2 @ cov1) + d @ inv2 @ d - len(d)
                  + np.log(np.linalg.det(cov2) / np.linalg.det(cov1)))
""", hint="det(cov) over- or underflows", mistake="mvn-inv-det"),
    # (real code, a statistics library's: a determinant that is 0 taken for a singular covariance, the KL infinite)
    Specimen("ps5-mvn-kl-det-zero-returns-inf", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    cov1, cov2 = np.asarray(cov1, dtype=float), np.asarray(cov2, dtype=float)
    det1, det2 = np.linalg.det(cov1), np.linalg.det(cov2)
    if det1 == 0 or det2 == 0:
        return np.inf  # a singular covariance: the KL is infinite
    d = mu2 - mu1
    return 0.5 * (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.linalg.solve(cov2, d) - len(d)
                  + np.log(det2 / det1))
""", hint="det(cov) over- or underflows", mistake="mvn-inv-det"),
    Specimen("ps5-mvn-kl-prod-diag", "mvn_kl", """
import numpy as np
from scipy.linalg import solve_triangular

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    L1 = np.linalg.cholesky(cov1)
    L2 = np.linalg.cholesky(cov2)
    M = solve_triangular(L2, L1, lower=True)
    y = solve_triangular(L2, mu2 - mu1, lower=True)
    det_ratio = (np.prod(np.diag(L2)) / np.prod(np.diag(L1))) ** 2
    return 0.5 * (np.sum(M**2) + y @ y - len(mu1) + np.log(det_ratio))
""", hint="Cholesky factors give the log-determinants", mistake="mvn-inv-det"),
    Specimen("ps5-mvn-kl-trace-swapped", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    d = mu2 - mu1
    return 0.5 * (np.trace(np.linalg.solve(cov1, cov2)) + d @ np.linalg.solve(cov2, d) - len(d)
                  + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1])
""", hint="The trace term inverts cov1", mistake="mvn-trace-swapped"),
    Specimen("ps5-mvn-kl-reversed", "mvn_kl", """
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_kl(mu1, cov1, mu2, cov2):
    # KL(N1 || N2): "invert the first covariance"
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    c1 = cho_factor(cov1)
    d = mu1 - mu2
    logdet1 = 2 * np.sum(np.log(np.diag(c1[0])))
    logdet2 = np.linalg.slogdet(cov2)[1]
    return 0.5 * (np.trace(cho_solve(c1, cov2)) + d @ cho_solve(c1, d) - len(d) + logdet1 - logdet2)
""", hint="The result is KL(N2 ‖ N1)", mistake="mvn-reversed"),
    Specimen("ps5-mvn-kl-jitter", "mvn_kl", """
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_kl(mu1, cov1, mu2, cov2, jitter=1e-6):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    eye = np.eye(len(mu1))
    cov1 = np.asarray(cov1, dtype=float) + jitter * eye   # for numerical stability
    cov2 = np.asarray(cov2, dtype=float) + jitter * eye
    c1, c2 = cho_factor(cov1), cho_factor(cov2)
    d = mu2 - mu1
    logdet = 2 * (np.sum(np.log(np.diag(c2[0]))) - np.sum(np.log(np.diag(c1[0]))))
    return 0.5 * (np.trace(cho_solve(c2, cov1)) + d @ cho_solve(c2, d) - len(d) + logdet)
""", hint="A 'jitter' is added to the diagonal", mistake="mvn-jitter"),
    Specimen("ps5-mvn-kl-difference-in-place", "mvn_kl", """
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    cov1 = np.asarray(cov1, dtype=float)
    diff = mu2
    diff -= mu1                      # mu2 - mu1
    f1, f2 = cho_factor(cov1), cho_factor(cov2)
    logdet = 2 * (np.sum(np.log(np.diag(f2[0]))) - np.sum(np.log(np.diag(f1[0]))))
    return 0.5 * (np.trace(cho_solve(f2, cov1)) + diff @ cho_solve(f2, diff) - len(diff) + logdet)
""", hint="Work on a copy", mistake="modifies-input"),
    Specimen("ps5-mvn-kl-scipy-stats", "mvn_kl", """
import numpy as np
from scipy.stats import multivariate_normal

def mvn_kl(mu1, cov1, mu2, cov2):
    # KL = cross-entropy - entropy
    p, q = multivariate_normal(mu1, cov1), multivariate_normal(mu2, cov2)
    cross = -q.logpdf(mu1) + 0.5 * np.trace(np.linalg.solve(cov2, cov1))
    return cross - p.entropy()
""", hint="Write it yourself", mistake="forbidden"),
    # ------------------------------------------------------------------- vae_kl
    Specimen("ps5-vae-kl-formula", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
"""),
    Specimen("ps5-vae-kl-separate-sums", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    var = np.exp(logvar)
    k = mu.shape[-1]
    return 0.5 * (np.sum(mu * mu, axis=-1) + np.sum(var, axis=-1) - k - np.sum(logvar, axis=-1))
"""),
    Specimen("ps5-vae-kl-einsum-expm1", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    terms = mu * mu + np.expm1(logvar) - logvar
    return 0.5 * np.einsum("...k->...", terms)
"""),
    # right values in a slightly wrong container: the sum over the latents keeps its axis, (N, 1) for (N,)
    Specimen("ps5-vae-kl-keepdims", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1.0 + logvar - mu**2 - np.exp(logvar), axis=-1, keepdims=True)
""", hint="or (N, 1) where (N,) is", mistake="kept-length-1-axis"),
    # the terms of the closed form, never summed over the latents: (N, K) for (N,), a K-vector for one code
    Specimen("ps5-vae-kl-terms-not-summed", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return 0.5 * (mu**2 + np.expm1(logvar) - logvar)
""", hint="a reduction is missing", mistake="reduction-missing"),
    Specimen("ps5-vae-kl-sum-everything", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar))
""", hint="runs over more than the last axis", mistake="vae-sum-axis"),
    # (a JAX example's vmap of one code's KL over the batch: right for (N, K), one number per block of a deeper stack,
    # the terms of a single code)
    Specimen("ps5-vae-kl-map-over-first-axis", "vae_kl", """
import numpy as np

def _kl_of(mu, logvar):
    return -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar))

def vae_kl(mu, logvar):
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    return np.stack([_kl_of(m, v) for m, v in zip(mu, logvar)])
""", hint="a map over the first axis", mistake=("vae-sum-axis", "reduction-missing", "wrong-result-shape")),
    Specimen("ps5-vae-kl-batch-mean", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    per_code = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=-1)
    return np.mean(per_code)  # (real VAE code: the loss's batch mean, written into the KL)
""", hint="and then averaged over the batch", mistake="vae-batch-averaged"),
    # (PyTorch-VAE's loss: each code's sum, then .mean(dim=0) over the batch; one code has no axis 0 left)
    Specimen("ps5-vae-kl-batch-mean-axis-0", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    return np.mean(-0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=-1), axis=0)
""", hint="and then averaged over the batch", mistake="vae-batch-averaged"),
    Specimen("ps5-vae-kl-axis-0", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1 + logvar - np.square(mu) - np.exp(logvar), axis=0)
""", hint="runs over more than the last axis", mistake="vae-sum-axis"),
    Specimen("ps5-vae-kl-batch-axis-1", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=1)
""", hint="the last axis", mistake="vae-sum-axis"),
    Specimen("ps5-vae-kl-mean-over-latents", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.mean(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
""", hint="The terms of the K latent dimensions are averaged", mistake="vae-mean-over-latents"),
    Specimen("ps5-vae-kl-no-half", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
""", hint="The factor −½ in front of the sum", mistake="vae-half"),
    Specimen("ps5-vae-kl-logvar-as-logstd", "vae_kl", """
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    std = np.exp(logvar)
    return -0.5 * np.sum(1 + np.log(std**2) - mu**2 - std**2, axis=-1)
""", hint="logvar is the log of the variance", mistake="vae-logvar-as-logstd"),
)

# Found reviewing the hints (issue 50): each mistake a rule names, made the way students make it.
ZOO = ZOO + (
    Specimen("ps5-gaussian-kl-sigma-as-variance-log-kept", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    # the textbook's KL of N(m1, s1) and N(m2, s2), where s is the variance
    mu1, s1, mu2, s2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return np.log(s2 / s1) + (s1 + (mu1 - mu2) ** 2) / (2 * s2) - 0.5
""", hint="the result treats it as a variance", mistake="sigma-as-variance"),
    Specimen("ps5-gaussian-kl-no-half-denominator", "gaussian_kl", """
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, s1, mu2, s2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return np.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / s2**2 - 0.5
""", hint="The quadratic term lacks its factor ½", mistake="gk-missing-half-denominator"),
    Specimen("ps5-mvn-kl-maha-cov1", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    d = mu2 - mu1
    return 0.5 * (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.linalg.solve(cov1, d) - len(d)
                  + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1])
""", hint="The Mahalanobis term uses cov1", mistake="mvn-maha-cov1"),
    Specimen("ps5-mvn-kl-maha-uninverted", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    d = mu2 - mu1
    return 0.5 * (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.asarray(cov2, dtype=float) @ d - len(d)
                  + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1])
""", hint="multiplies by cov2 itself", mistake="mvn-maha-uninverted"),
    Specimen("ps5-mvn-kl-logdet-swapped", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    d = mu2 - mu1
    return 0.5 * (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.linalg.solve(cov2, d) - len(d)
                  + np.linalg.slogdet(cov1)[1] - np.linalg.slogdet(cov2)[1])
""", hint="The two log-determinants are subtracted the other way round", mistake="mvn-logdet-swapped"),
    Specimen("ps5-mvn-kl-no-half", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    d = mu2 - mu1
    return (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.linalg.solve(cov2, d) - len(d)
            + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1])
""", hint="The ½ in front of the whole bracket is missing", mistake="mvn-missing-half"),
    Specimen("ps5-mvn-kl-no-minus-d", "mvn_kl", """
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    mu1, mu2 = np.asarray(mu1, dtype=float), np.asarray(mu2, dtype=float)
    d = mu2 - mu1
    return 0.5 * (np.trace(np.linalg.solve(cov2, cov1)) + d @ np.linalg.solve(cov2, d)
                  + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1])
""", hint="The −D is missing", mistake="mvn-missing-minus-d"),
)

# Stubs and the untouched template (see testkit.zoo.stub).
ZOO = ZOO + (
    stub("ps5-mvn-kl-stub-zero", "mvn_kl", "mu1, cov1, mu2, cov2", 'return 0.0'),
    stub("ps5-vae-kl-template", "vae_kl", "mu, logvar", 'raise NotImplementedError()'),
)


#: The graded cells each wrong specimen loses, and no others: reviewed for double charges (a mistake
#: specific to one aspect costs that aspect's cell only; a wrong formula is wrong wherever values are
#: compared). Published as docs/grading.md (python -m testkit.zoo.table).
LOSES = {
    "ps5-gaussian-kl-reversed": ("gaussian_kl-basic",),
    "ps5-gaussian-kl-sigma-as-variance": ("gaussian_kl-basic", "gaussian_kl-properties"),
    "ps5-gaussian-kl-no-minus-half": ("gaussian_kl-basic", "gaussian_kl-properties"),
    "ps5-gaussian-kl-log-of-variances": ("gaussian_kl-basic",),
    "ps5-gaussian-kl-math-log": ("gaussian_kl-basic", "gaussian_kl-broadcast", "gaussian_kl-properties", "gaussian_kl-purity"),
    "ps5-mvn-kl-inv-det": ("mvn_kl-highdim",),
    "ps5-mvn-kl-det-zero-returns-inf": ("mvn_kl-highdim",),
    "ps5-mvn-kl-prod-diag": ("mvn_kl-highdim",),
    "ps5-mvn-kl-trace-swapped": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-reversed": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-jitter": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-difference-in-place": ("mvn_kl-purity",),
    "ps5-mvn-kl-scipy-stats": ("mvn_kl-basic", "mvn_kl-shape", "mvn_kl-highdim", "mvn_kl-purity"),
    "ps5-vae-kl-sum-everything": ("vae_kl-batch", "vae_kl-shape"),
    "ps5-vae-kl-batch-mean": ("vae_kl-batch", "vae_kl-shape"),
    "ps5-vae-kl-batch-mean-axis-0": ("vae_kl-batch", "vae_kl-shape"),
    "ps5-vae-kl-map-over-first-axis": ("vae_kl-basic", "vae_kl-batch", "vae_kl-shape"),
    "ps5-vae-kl-axis-0": ("vae_kl-batch", "vae_kl-shape"),
    # written for a batch of rows (PyTorch's dim=1): right on a single code handed over as one row, so the stack is
    # charged once, in -batch and -shape (docs/contract.md, "A stack of slices is one aspect")
    "ps5-vae-kl-batch-axis-1": ("vae_kl-batch", "vae_kl-shape"),
    "ps5-vae-kl-mean-over-latents": ("vae_kl-basic",),
    "ps5-vae-kl-no-half": ("vae_kl-basic",),
    "ps5-vae-kl-logvar-as-logstd": ("vae_kl-basic",),
    "ps5-mvn-kl-stub-zero": ("mvn_kl-basic", "mvn_kl-shape", "mvn_kl-highdim", "mvn_kl-purity"),
    "ps5-vae-kl-template": ("vae_kl-basic", "vae_kl-batch", "vae_kl-shape", "vae_kl-stability", "vae_kl-purity"),
    "ps5-vae-kl-keepdims": ("vae_kl-shape",),
    "ps5-vae-kl-terms-not-summed": ("vae_kl-basic", "vae_kl-batch", "vae_kl-shape"),
    "ps5-gaussian-kl-sigma-as-variance-log-kept": ("gaussian_kl-basic", "gaussian_kl-properties"),
    "ps5-gaussian-kl-no-half-denominator": ("gaussian_kl-basic", "gaussian_kl-properties"),
    "ps5-mvn-kl-maha-cov1": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-maha-uninverted": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-logdet-swapped": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-no-half": ("mvn_kl-basic", "mvn_kl-highdim"),
    "ps5-mvn-kl-no-minus-d": ("mvn_kl-basic", "mvn_kl-highdim"),
}

# The degenerate forms of each function (constant, uniform, one-hot, identity, echoed, ignored: testkit/zoo/degenerate.py),
# each losing every cell but what the contract grants it.
ZOO = ZOO + degenerate.specimens("ps5_gaussian_kl")
LOSES.update(degenerate.loses("ps5_gaussian_kl"))
