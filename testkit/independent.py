"""Independent implementations of every contract function, written by hand for the similarity tests.

Each is the source of a solution cell as a student might write it, in a style
of its own: loops or vectorised, validation first or none, helpers or not,
``math`` or NumPy, terse or spelled out. None was derived from another, from
the bug zoo (:mod:`testkit.zoo`) or from the references (``solutions/``) by
rewriting; together with those they are the *independent* versions whose
pairwise similarity a planted copy must exceed (``tests/test_similarity_detection.py``).
Not every one is correct: students' code is not either.
"""

from __future__ import annotations

import importlib

from autograder.model.course import problem_set_of_function

#: function -> sources, each defining that function (and maybe helpers of its own).
INDEPENDENT = {
    "logsumexp": (
        '''
import numpy as np

def logsumexp(z, axis=-1):
    arr = np.array(z, dtype=np.float64)
    biggest = arr.max(axis=axis)
    safe = np.where(np.isneginf(biggest), 0.0, biggest)
    total = np.exp(arr - np.expand_dims(safe, axis)).sum(axis=axis)
    with np.errstate(divide="ignore"):
        return safe + np.log(total)
''',
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, float)
    # move the reduced axis to the end so the loop below is simple
    z = np.swapaxes(z, axis, -1)
    out = np.empty(z.shape[:-1])
    for idx in np.ndindex(out.shape):
        row = z[idx]
        top = row.max()
        if top == -np.inf:
            out[idx] = -np.inf
        else:
            out[idx] = top + np.log(np.sum(np.exp(row - top)))
    return out
''',
        '''
import numpy as np

def _stable_lse(values, ax):
    peak = np.amax(values, axis=ax, keepdims=True)
    peak[~np.isfinite(peak)] = 0
    return np.log(np.exp(values - peak).sum(axis=ax)) + peak.squeeze(axis=ax)

def logsumexp(z, axis=-1):
    return _stable_lse(np.asarray(z, dtype=float), axis)
''',
        '''
import numpy as np
from functools import reduce

def logsumexp(z, axis=-1):
    data = np.moveaxis(np.asarray(z, dtype=float), axis, 0)
    acc = reduce(np.logaddexp, data)
    return np.asarray(acc, dtype=float)
''',
    ),
    "softmax": (
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature has to be positive")
    scaled = np.asarray(z, dtype=float) / temperature
    shifted = scaled - np.max(scaled, axis=axis, keepdims=True)
    expd = np.exp(shifted)
    return expd / expd.sum(axis=axis, keepdims=True)
''',
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    T = float(temperature)
    if T <= 0 or np.isnan(T):
        raise ValueError(f"bad temperature {temperature}")
    logits = np.array(z, dtype=np.float64)
    lse = np.log(np.sum(np.exp(logits / T - (logits / T).max(axis=axis, keepdims=True)), axis=axis, keepdims=True))
    return np.exp(logits / T - (logits / T).max(axis=axis, keepdims=True) - lse)
''',
        '''
import math
import numpy as np

def _softmax_row(row, t):
    m = max(row)
    weights = [math.exp((v - m) / t) for v in row]
    s = sum(weights)
    return [w / s for w in weights]

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    a = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    flat = a.reshape(-1, a.shape[-1])
    res = np.array([_softmax_row(list(r), temperature) for r in flat]).reshape(a.shape)
    return np.moveaxis(res, -1, axis)
''',
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    z = np.asarray(z, dtype=float)
    if np.ndim(temperature) != 0 or temperature <= 0:
        raise ValueError("temperature")
    u = (z - z.max(axis, keepdims=True)) / temperature
    num = np.exp(u)
    den = np.add.reduce(num, axis=axis, keepdims=True)
    return num / den
''',
    ),
    "log_softmax": (
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    mx = z.max(axis=axis, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0.0)
    return (z - mx) - np.log(np.exp(z - mx).sum(axis=axis, keepdims=True))
''',
        '''
import numpy as np

def log_softmax(z, axis=-1):
    x = np.asarray(z, dtype=np.float64)
    norm = np.logaddexp.reduce(x, axis=axis, keepdims=True)
    return x - norm
''',
        '''
import numpy as np

def log_softmax(z, axis=-1):
    values = np.array(z, dtype=float)
    result = np.empty_like(values)
    moved_in = np.moveaxis(values, axis, -1)
    moved_out = np.moveaxis(result, axis, -1)
    for index in np.ndindex(moved_in.shape[:-1]):
        v = moved_in[index]
        c = v.max()
        moved_out[index] = v - c - np.log(np.sum(np.exp(v - c)))
    return result
''',
        '''
import numpy as np

def log_softmax(z, axis=-1):
    a = np.asarray(z, float)
    b = a - np.amax(a, axis=axis, keepdims=True)
    lse = np.log(np.sum(np.exp(b), axis=axis, keepdims=True))
    out = b - lse
    return out
''',
    ),
    "cross_entropy": (
        '''
import numpy as np

def cross_entropy(logits, targets):
    L = np.asarray(logits, dtype=float)
    n, c = L.shape
    t = np.asarray(targets)
    if t.ndim == 1:
        if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= c:
            raise ValueError("targets must be class indices in [0, C)")
        onehot = np.zeros((n, c))
        onehot[np.arange(n), t] = 1.0
        t = onehot
    m = L.max(axis=1, keepdims=True)
    logp = L - m - np.log(np.exp(L - m).sum(axis=1, keepdims=True))
    return float(-(t * logp).sum() / n)
''',
        '''
import numpy as np

def cross_entropy(logits, targets):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets)
    N = logits.shape[0]
    shifted = logits - logits.max(axis=-1)[:, None]
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    if targets.ndim == 1:
        if np.any(targets < 0) or np.any(targets >= logits.shape[1]):
            raise ValueError("target index out of range")
        picked = shifted[np.arange(N), targets.astype(int)]
        return float(np.mean(log_norm - picked))
    return float(np.mean(log_norm - np.sum(targets * shifted, axis=-1)))
''',
        '''
import math
import numpy as np

def cross_entropy(logits, targets):
    rows = np.asarray(logits, dtype=float)
    labels = np.asarray(targets)
    total = 0.0
    for i, row in enumerate(rows):
        top = max(row)
        lse = top + math.log(sum(math.exp(v - top) for v in row))
        if labels.ndim == 1:
            k = int(labels[i])
            if k < 0 or k >= len(row):
                raise ValueError("label out of range")
            total += lse - row[k]
        else:
            total += sum(p * (lse - v) for p, v in zip(labels[i], row))
    return total / len(rows)
''',
        '''
import numpy as np

def _to_probs(targets, n_classes):
    targets = np.asarray(targets)
    if targets.ndim == 2:
        return targets.astype(float)
    if ((targets < 0) | (targets >= n_classes)).any():
        raise ValueError("integer targets have to lie in [0, C)")
    return np.eye(n_classes)[targets]

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    y = _to_probs(targets, z.shape[1])
    lsm = z - np.logaddexp.reduce(z, axis=1, keepdims=True)
    return float(-np.einsum("ij,ij->", y, lsm) / z.shape[0])
''',
    ),
    "cross_entropy_grad": (
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    n, c = z.shape
    t = np.asarray(targets)
    if t.ndim == 1:
        t = np.eye(c)[t]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - t) / n
''',
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    logits = np.array(logits, dtype=np.float64)
    batch = logits.shape[0]
    probs = np.exp(logits - np.logaddexp.reduce(logits, axis=1)[:, np.newaxis])
    grad = probs.copy()
    targets = np.asarray(targets)
    if targets.ndim == 1:
        grad[np.arange(batch), targets] -= 1.0
    else:
        grad -= targets
    grad /= batch
    return grad
''',
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    L = np.asarray(logits, float)
    out = np.zeros_like(L)
    labels = np.asarray(targets)
    for i in range(L.shape[0]):
        row = L[i] - np.max(L[i])
        soft = np.exp(row) / np.sum(np.exp(row))
        if labels.ndim == 1:
            target_row = np.zeros(L.shape[1])
            target_row[int(labels[i])] = 1
        else:
            target_row = labels[i]
        out[i] = soft - target_row
    return out / L.shape[0]
''',
        '''
import numpy as np

def _row_softmax(m):
    m = m - m.max(axis=-1, keepdims=True)
    ex = np.exp(m)
    return ex / ex.sum(axis=-1, keepdims=True)

def cross_entropy_grad(logits, targets):
    x = np.asarray(logits, dtype=float)
    y = np.asarray(targets)
    if y.ndim == 1:
        y = (np.arange(x.shape[1]) == y[:, None]).astype(float)
    return (_row_softmax(x) - y) / len(x)
''',
    ),
    "gaussian_log_pdf": (
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = (np.asarray(v, dtype=float) for v in (x, mu, sigma))
    if np.any(sigma <= 0):
        raise ValueError("sigma must be positive")
    z = (x - mu) / sigma
    return -0.5 * z ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
''',
        '''
import math
import numpy as np

HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)

def gaussian_log_pdf(x, mu, sigma):
    sigma = np.asarray(sigma, dtype=float)
    if (sigma <= 0).any():
        raise ValueError("need sigma > 0")
    diff = np.subtract(x, mu, dtype=float)
    return -(diff * diff) / (2.0 * sigma * sigma) - np.log(sigma) - HALF_LOG_TWO_PI
''',
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    s = np.array(sigma, dtype=np.float64)
    if not np.all(s > 0):
        raise ValueError("standard deviation has to be > 0")
    var = s ** 2
    sq = np.square(np.asarray(x, dtype=np.float64) - np.asarray(mu, dtype=np.float64))
    return -0.5 * (np.log(2 * np.pi * var) + sq / var)
''',
        '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    x = np.asarray(x, float); mu = np.asarray(mu, float); sigma = np.asarray(sigma, float)
    bad = ~(sigma > 0)
    if bad.any():
        raise ValueError("sigma")
    log_norm = np.log(sigma * np.sqrt(2 * np.pi))
    return -np.square((x - mu) / sigma) / 2 - log_norm
''',
    ),
    "gaussian_log_likelihood": (
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    return float(np.sum(gaussian_log_pdf(x, mu, sigma)))
''',
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x = np.asarray(x, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    if np.any(sigma <= 0):
        raise ValueError("sigma must be > 0")
    resid = (x - mu) / sigma
    n_terms = np.broadcast(x, mu, sigma).size
    return float(-0.5 * np.sum(resid ** 2) - np.sum(np.broadcast_to(np.log(sigma), resid.shape))
                 - 0.5 * n_terms * np.log(2 * np.pi))
''',
        '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    total = 0.0
    for value in np.nditer(gaussian_log_pdf(x, mu, sigma)):
        total += float(value)
    return total
''',
        '''
import math
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    xs, ms, ss = np.broadcast_arrays(np.asarray(x, float), np.asarray(mu, float), np.asarray(sigma, float))
    if (ss <= 0).any():
        raise ValueError("sigma <= 0")
    return math.fsum(-0.5 * ((a - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)
                     for a, m, s in zip(xs.ravel(), ms.ravel(), ss.ravel()))
''',
    ),
    "gaussian_mle": (
        '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError("x must be a non-empty 1-D array")
    mean = x.sum() / len(x)
    std = np.sqrt(((x - mean) ** 2).sum() / len(x))
    return float(mean), float(std)
''',
        '''
import math

def gaussian_mle(x):
    data = [float(v) for v in x]
    if not data:
        raise ValueError("empty sample")
    n = len(data)
    mu_hat = math.fsum(data) / n
    sigma_hat = math.sqrt(math.fsum((v - mu_hat) ** 2 for v in data) / n)
    return mu_hat, sigma_hat
''',
        '''
import numpy as np

def gaussian_mle(x):
    sample = np.asarray(x, dtype=np.float64)
    if sample.ndim != 1:
        raise ValueError("1-D only")
    if sample.size < 1:
        raise ValueError("need at least one value")
    return float(np.mean(sample)), float(np.std(sample, ddof=0))
''',
        '''
import numpy as np

def gaussian_mle(x):
    v = np.array(x, dtype=float)
    if v.ndim != 1 or v.shape[0] == 0:
        raise ValueError("bad x")
    mu = np.average(v)
    centred = v - mu
    var = np.dot(centred, centred) / v.shape[0]
    return float(mu), float(np.sqrt(var))
''',
    ),
    "mvn_log_pdf": (
        '''
import numpy as np
from scipy import linalg

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if not np.allclose(cov, cov.T):
        raise ValueError("cov must be symmetric")
    try:
        chol = linalg.cholesky(cov, lower=True)
    except linalg.LinAlgError:
        raise ValueError("cov is not positive definite")
    dev = np.atleast_2d(np.asarray(x, dtype=float) - np.asarray(mu, dtype=float))
    sol = linalg.solve_triangular(chol, dev.T, lower=True)
    maha = np.sum(sol ** 2, axis=0)
    logdet = 2 * np.sum(np.log(np.diag(chol)))
    res = -0.5 * (maha + logdet + cov.shape[0] * np.log(2 * np.pi))
    return float(res[0]) if np.ndim(x) == 1 else res
''',
        '''
import numpy as np

def mvn_log_pdf(x, mu, cov):
    S = np.array(cov, dtype=np.float64)
    D = S.shape[0]
    if S.shape != (D, D) or not np.allclose(S, S.T, atol=1e-12):
        raise ValueError("covariance must be a symmetric square matrix")
    try:
        Lc = np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        raise ValueError("covariance not positive definite") from None
    X = np.asarray(x, dtype=np.float64)
    single = X.ndim == 1
    X = X.reshape(-1, D) - np.asarray(mu, dtype=np.float64)
    y = np.linalg.solve(Lc, X.T)
    quad = np.einsum("ij,ij->j", y, y)
    out = -0.5 * quad - np.log(np.diagonal(Lc)).sum() - 0.5 * D * np.log(2 * np.pi)
    return out[0] if single else out
''',
        '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def _half_logdet(factor):
    return np.sum(np.log(np.abs(np.diag(factor))))

def mvn_log_pdf(x, mu, cov):
    cov = np.asarray(cov, dtype=float)
    if np.abs(cov - cov.T).max() > 1e-10 * np.abs(cov).max():
        raise ValueError("not symmetric")
    try:
        c = cho_factor(cov, lower=True)
    except np.linalg.LinAlgError as err:
        raise ValueError("not positive definite") from err
    pts = np.asarray(x, dtype=float)
    diff = pts - mu
    if diff.ndim == 1:
        return float(-0.5 * diff @ cho_solve(c, diff) - _half_logdet(c[0]) - 0.5 * len(diff) * np.log(2 * np.pi))
    values = []
    for d in diff:
        values.append(-0.5 * d @ cho_solve(c, d) - _half_logdet(c[0]) - 0.5 * len(d) * np.log(2 * np.pi))
    return np.array(values)
''',
        '''
import numpy as np
import scipy.linalg as sla

def mvn_log_pdf(x, mu, cov):
    C = np.asarray(cov, float)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError("cov shape")
    if not np.array_equal(C, C.T):
        raise ValueError("cov asymmetric")
    eig_min = np.linalg.eigvalsh(C).min()
    if eig_min <= 0:
        raise ValueError("cov not PD")
    U = sla.cholesky(C)
    r = np.asarray(x, float) - np.asarray(mu, float)
    w = sla.solve_triangular(U, r.T, trans="T")
    dist = (w * w).sum(axis=0)
    const = C.shape[0] * np.log(2 * np.pi) + 2 * np.log(np.diag(U)).sum()
    return -(dist + const) / 2
''',
    ),
    "sigmoid": (
        '''
import numpy as np

def sigmoid(z):
    x = np.asarray(z, dtype=float)
    return np.piecewise(x, [x >= 0, x < 0],
                        [lambda v: 1.0 / (1.0 + np.exp(-v)), lambda v: np.exp(v) / (1.0 + np.exp(v))])
''',
        '''
import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))
''',
        '''
import numpy as np

def sigmoid(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=float))
    return 0.5 * (1.0 + t)
''',
        '''
import math
import numpy as np

def _sig_scalar(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)

def sigmoid(z):
    arr = np.asarray(z, dtype=float)
    flat = [_sig_scalar(v) for v in arr.ravel()]
    return np.array(flat).reshape(arr.shape)
''',
    ),
    "bernoulli_log_pmf": (
        '''
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        a = np.where(x > 0, x * np.log(p), 0.0)
        b = np.where(x < 1, (1 - x) * np.log1p(-p), 0.0)
    return a + b
''',
        '''
import numpy as np

def bernoulli_log_pmf(x, p):
    x, p = np.broadcast_arrays(np.asarray(x, float), np.asarray(p, float))
    res = np.zeros(x.shape)
    ones = x == 1
    zeros = x == 0
    res[ones] = np.log(p[ones])
    res[zeros] = np.log(1 - p[zeros])
    other = ~(ones | zeros)
    res[other] = x[other] * np.log(p[other]) + (1 - x[other]) * np.log(1 - p[other])
    return res
''',
        '''
import numpy as np

def _xlog(a, b):
    safe = np.where(a == 0, 1.0, b)
    return np.where(a == 0, 0.0, a * np.log(safe))

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return _xlog(x, p) + _xlog(1 - x, 1 - p)
''',
        '''
import math
import numpy as np

def bernoulli_log_pmf(x, p):
    xs, ps = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(p, dtype=float))
    out = []
    for xi, pi in zip(xs.flat, ps.flat):
        term = 0.0
        if xi != 0:
            term += xi * (math.log(pi) if pi > 0 else -math.inf)
        if xi != 1:
            term += (1 - xi) * (math.log1p(-pi) if pi < 1 else -math.inf)
        out.append(term)
    return np.array(out).reshape(xs.shape)
''',
    ),
    "binary_cross_entropy": (
        '''
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(y > 0, y * np.log(p), 0.0)
        neg = np.where(y < 1, (1 - y) * np.log(1 - p), 0.0)
    return float(-np.mean(pos + neg))
''',
        '''
import numpy as np

def binary_cross_entropy(p, y):
    probs = np.array(p, dtype=np.float64).ravel()
    labels = np.array(y, dtype=np.float64).ravel()
    losses = np.zeros_like(probs)
    for i in range(probs.size):
        if labels[i] > 0:
            losses[i] -= labels[i] * np.log(probs[i])
        if labels[i] < 1:
            losses[i] -= (1 - labels[i]) * np.log1p(-probs[i])
    return losses.mean()
''',
        '''
import numpy as np
from scipy.special import xlogy

def binary_cross_entropy(p, y):
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    return float(-(xlogy(y, p) + xlogy(1.0 - y, 1.0 - p)).mean())
''',
        '''
import numpy as np

def _safe_term(weight, prob):
    out = np.zeros(np.broadcast(weight, prob).shape)
    mask = np.broadcast_to(weight != 0, out.shape)
    w = np.broadcast_to(weight, out.shape)
    pr = np.broadcast_to(prob, out.shape)
    out[mask] = w[mask] * np.log(pr[mask])
    return out

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    ll = _safe_term(y, p) + _safe_term(1 - y, 1 - p)
    return -float(np.sum(ll)) / ll.size
''',
    ),
    "binary_cross_entropy_with_logits": (
        '''
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(loss))
''',
        '''
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    logits = np.asarray(z, dtype=np.float64)
    target = np.asarray(y, dtype=np.float64)
    # -log sigmoid(z) = softplus(-z), -log(1 - sigmoid(z)) = softplus(z)
    per_item = target * np.logaddexp(0, -logits) + (1 - target) * np.logaddexp(0, logits)
    return per_item.mean()
''',
        '''
import math
import numpy as np

def _softplus(v):
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))

def binary_cross_entropy_with_logits(z, y):
    zs, ys = np.broadcast_arrays(np.asarray(z, float), np.asarray(y, float))
    total = 0.0
    for a, b in zip(zs.ravel(), ys.ravel()):
        total += b * _softplus(-a) + (1 - b) * _softplus(a)
    return total / zs.size
''',
        '''
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.array(z, dtype=float)
    y = np.array(y, dtype=float)
    neg_abs = -np.abs(z)
    relu = np.where(z > 0, z, 0.0)
    return float(np.sum(relu - z * y + np.log1p(np.exp(neg_abs))) / z.size)
''',
    ),
    "gaussian_kl": (
        '''
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    if np.any(sigma1 <= 0) or np.any(sigma2 <= 0):
        raise ValueError("sigmas must be positive")
    ratio = sigma1 / sigma2
    return 0.5 * (ratio ** 2 + ((mu1 - mu2) / sigma2) ** 2 - 1) - np.log(ratio)
''',
        '''
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    var1 = np.square(np.asarray(sigma1, dtype=float))
    var2 = np.square(np.asarray(sigma2, dtype=float))
    if (var1 <= 0).any() or (var2 <= 0).any():
        raise ValueError("bad sigma")
    mean_term = np.square(np.subtract(mu1, mu2, dtype=float))
    return 0.5 * (np.log(var2) - np.log(var1) + (var1 + mean_term) / var2 - 1.0)
''',
        '''
import math
import numpy as np

def _kl_one(m1, s1, m2, s2):
    if s1 <= 0 or s2 <= 0:
        raise ValueError("sigma must be > 0")
    return math.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    args = np.broadcast_arrays(*(np.asarray(v, float) for v in (mu1, sigma1, mu2, sigma2)))
    flat = [_kl_one(*vals) for vals in zip(*(a.ravel() for a in args))]
    return np.array(flat).reshape(args[0].shape)
''',
        '''
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    s1 = np.asarray(sigma1, float)
    s2 = np.asarray(sigma2, float)
    if not (np.all(s1 > 0) and np.all(s2 > 0)):
        raise ValueError("sigma1 and sigma2 must be > 0")
    log_term = np.log(s2) - np.log(s1)
    quad = (s1 * s1 + (np.asarray(mu1, float) - np.asarray(mu2, float)) ** 2) / (2.0 * s2 * s2)
    return log_term + quad - 0.5
''',
    ),
    "mvn_kl": (
        '''
import numpy as np
from scipy import linalg

def mvn_kl(mu1, cov1, mu2, cov2):
    cov1 = np.asarray(cov1, dtype=float)
    cov2 = np.asarray(cov2, dtype=float)
    d = cov1.shape[0]
    try:
        l1 = linalg.cholesky(cov1, lower=True)
        l2 = linalg.cholesky(cov2, lower=True)
    except linalg.LinAlgError:
        raise ValueError("covariances must be positive definite")
    m = linalg.solve_triangular(l2, l1, lower=True)
    trace = np.sum(m ** 2)
    diff = np.asarray(mu2, dtype=float) - np.asarray(mu1, dtype=float)
    v = linalg.solve_triangular(l2, diff, lower=True)
    logdet = 2 * (np.sum(np.log(np.diag(l2))) - np.sum(np.log(np.diag(l1))))
    return float(0.5 * (trace + v @ v - d + logdet))
''',
        '''
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    A = np.array(cov1, dtype=np.float64)
    B = np.array(cov2, dtype=np.float64)
    sign1, ld1 = np.linalg.slogdet(A)
    sign2, ld2 = np.linalg.slogdet(B)
    if sign1 <= 0 or sign2 <= 0:
        raise ValueError("covariance matrices must be positive definite")
    delta = np.asarray(mu2, dtype=np.float64) - np.asarray(mu1, dtype=np.float64)
    tr = np.trace(np.linalg.solve(B, A))
    quad = delta @ np.linalg.solve(B, delta)
    return 0.5 * (tr + quad - len(delta) + ld2 - ld1)
''',
        '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def _chol_logdet(c):
    return 2.0 * np.log(np.diag(c[0])).sum()

def mvn_kl(mu1, cov1, mu2, cov2):
    try:
        f1 = cho_factor(np.asarray(cov1, float))
        f2 = cho_factor(np.asarray(cov2, float))
    except np.linalg.LinAlgError as exc:
        raise ValueError("not positive definite") from exc
    k = len(mu1)
    gap = np.asarray(mu2, float) - np.asarray(mu1, float)
    trace_term = np.trace(cho_solve(f2, np.asarray(cov1, float)))
    mahal = gap.dot(cho_solve(f2, gap))
    return 0.5 * (trace_term + mahal - k + _chol_logdet(f2) - _chol_logdet(f1))
''',
        '''
import numpy as np

def mvn_kl(mu1, cov1, mu2, cov2):
    S1 = np.asarray(cov1, float)
    S2 = np.asarray(cov2, float)
    for S in (S1, S2):
        if not np.allclose(S, S.T) or np.linalg.eigvalsh(S).min() <= 0:
            raise ValueError("covariance must be symmetric positive definite")
    L2 = np.linalg.cholesky(S2)
    L1 = np.linalg.cholesky(S1)
    M = np.linalg.solve(L2, L1)
    u = np.linalg.solve(L2, np.subtract(mu2, mu1))
    log_ratio = np.sum(np.log(np.diag(L2))) - np.sum(np.log(np.diag(L1)))
    return float(0.5 * (np.sum(M * M) + np.sum(u * u) - S1.shape[0]) + log_ratio)
''',
    ),
    "vae_kl": (
        '''
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    return -0.5 * np.sum(1.0 + logvar - mu ** 2 - np.exp(logvar), axis=-1)
''',
        '''
import numpy as np

def vae_kl(mu, logvar):
    m = np.array(mu, dtype=np.float64)
    lv = np.array(logvar, dtype=np.float64)
    variance = np.exp(lv)
    per_dim = 0.5 * (variance + m * m - 1.0 - lv)
    return per_dim.sum(axis=-1)
''',
        '''
import math
import numpy as np

def vae_kl(mu, logvar):
    mu = np.asarray(mu, float)
    logvar = np.asarray(logvar, float)
    flat_mu = mu.reshape(-1, mu.shape[-1])
    flat_lv = logvar.reshape(-1, logvar.shape[-1])
    res = []
    for row_m, row_v in zip(flat_mu, flat_lv):
        s = 0.0
        for a, b in zip(row_m, row_v):
            s += math.exp(b) + a * a - 1 - b
        res.append(s / 2)
    return np.array(res).reshape(mu.shape[:-1])
''',
        '''
import numpy as np

def _kl_terms(mean, log_variance):
    return np.expm1(log_variance) - log_variance + np.square(mean)

def vae_kl(mu, logvar):
    return 0.5 * np.sum(_kl_terms(np.asarray(mu, float), np.asarray(logvar, float)), axis=-1)
''',
    ),
    "entropy": (
        '''
import numpy as np

def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    logs = np.log(np.where(p > 0, p, 1.0))
    return -np.sum(p * logs, axis=axis)
''',
        '''
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    probs = np.asarray(p, dtype=np.float64)
    return -xlogy(probs, probs).sum(axis=axis)
''',
        '''
import math
import numpy as np

def entropy(p, axis=-1):
    arr = np.moveaxis(np.asarray(p, float), axis, -1)
    out = np.zeros(arr.shape[:-1])
    for idx in np.ndindex(out.shape):
        h = 0.0
        for v in arr[idx]:
            if v > 0:
                h -= v * math.log(v)
        out[idx] = h
    return out
''',
        '''
import numpy as np

def entropy(p, axis=-1):
    p = np.array(p, dtype=float)
    terms = np.zeros_like(p)
    nz = p > 0
    terms[nz] = -p[nz] * np.log(p[nz])
    return terms.sum(axis=axis)
''',
    ),
    "kl_divergence": (
        '''
import numpy as np

def kl_divergence(p, q, axis=-1):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)
    return np.maximum(terms.sum(axis=axis), 0.0)
''',
        '''
import numpy as np
from scipy.special import rel_entr

def kl_divergence(p, q, axis=-1):
    p, q = np.broadcast_arrays(np.asarray(p, float), np.asarray(q, float))
    total = rel_entr(p, q).sum(axis=axis)
    return np.clip(total, 0.0, None)
''',
        '''
import math
import numpy as np

def _kl_row(ps, qs):
    s = 0.0
    for a, b in zip(ps, qs):
        if a == 0:
            continue
        if b == 0:
            return math.inf
        s += a * math.log(a / b)
    return max(s, 0.0)

def kl_divergence(p, q, axis=-1):
    P = np.moveaxis(np.asarray(p, dtype=float), axis, -1)
    Q = np.moveaxis(np.asarray(q, dtype=float), axis, -1)
    P, Q = np.broadcast_arrays(P, Q)
    result = np.empty(P.shape[:-1])
    for idx in np.ndindex(result.shape):
        result[idx] = _kl_row(P[idx], Q[idx])
    return result
''',
        '''
import numpy as np

def kl_divergence(p, q, axis=-1):
    P = np.array(p, dtype=np.float64)
    Q = np.array(q, dtype=np.float64)
    P, Q = np.broadcast_arrays(P, Q)
    contrib = np.zeros(P.shape)
    support = P > 0
    zero_q = support & (Q == 0)
    ok = support & ~zero_q
    contrib[ok] = P[ok] * np.log(P[ok] / Q[ok])
    contrib[zero_q] = np.inf
    value = contrib.sum(axis=axis)
    return np.where(value < 0, 0.0, value)
''',
    ),
    "js_divergence": (
        '''
import numpy as np

def js_divergence(p, q, axis=-1):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    m = 0.5 * (p + q)
    def part(a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(np.where(a > 0, a * np.log(a / m), 0.0), axis=axis)
    return np.maximum(0.5 * part(p) + 0.5 * part(q), 0.0)
''',
        '''
import numpy as np
from scipy.special import rel_entr

def js_divergence(p, q, axis=-1):
    P = np.asarray(p, np.float64)
    Q = np.asarray(q, np.float64)
    M = (P + Q) / 2
    js = (rel_entr(P, M).sum(axis=axis) + rel_entr(Q, M).sum(axis=axis)) / 2
    return np.clip(js, 0, np.log(2))
''',
        '''
import math
import numpy as np

def js_divergence(p, q, axis=-1):
    A = np.moveaxis(np.asarray(p, float), axis, -1)
    B = np.moveaxis(np.asarray(q, float), axis, -1)
    A, B = np.broadcast_arrays(A, B)
    out = np.zeros(A.shape[:-1])
    for idx in np.ndindex(out.shape):
        acc = 0.0
        for a, b in zip(A[idx], B[idx]):
            mid = (a + b) / 2
            if a > 0:
                acc += 0.5 * a * math.log(a / mid)
            if b > 0:
                acc += 0.5 * b * math.log(b / mid)
        out[idx] = max(acc, 0.0)
    return out
''',
        '''
import numpy as np

def _entropy_terms(x):
    safe = np.where(x > 0, x, 1.0)
    return -x * np.log(safe)

def js_divergence(p, q, axis=-1):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    mixture = (p + q) / 2.0
    h_m = _entropy_terms(mixture).sum(axis=axis)
    h_pq = (_entropy_terms(p).sum(axis=axis) + _entropy_terms(q).sum(axis=axis)) / 2.0
    return np.maximum(h_m - h_pq, 0.0)
''',
    ),
    "bayes_posterior": (
        '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    prior = np.asarray(log_prior, dtype=float)
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if ll.shape[1] != prior.shape[0]:
        raise ValueError("log_likelihood must have K columns")
    log_post = prior + ll.sum(axis=0)
    log_post = log_post - log_post.max()
    w = np.exp(log_post)
    return w / w.sum()
''',
        '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    lp = np.array(log_prior, dtype=np.float64)
    lik = np.array(log_likelihood, dtype=np.float64)
    if lik.ndim == 1:
        lik = lik[np.newaxis, :]
    if lik.ndim != 2 or lik.shape[-1] != lp.size:
        raise ValueError(f"shapes {lp.shape} and {lik.shape} do not match")
    unnorm = lp + np.sum(lik, axis=0)
    return np.exp(unnorm - np.logaddexp.reduce(unnorm))
''',
        '''
import math
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    K = len(log_prior)
    rows = np.asarray(log_likelihood, float).reshape(-1, K) if np.ndim(log_likelihood) else None
    if rows is None or np.shape(log_likelihood)[-1] != K:
        raise ValueError("log_likelihood does not have K entries per row")
    scores = [float(log_prior[k]) + math.fsum(rows[:, k]) for k in range(K)]
    top = max(scores)
    expd = [math.exp(s - top) for s in scores]
    z = sum(expd)
    return np.array([e / z for e in expd])
''',
        '''
import numpy as np

def _normalise_log(v):
    c = np.max(v[np.isfinite(v)]) if np.isfinite(v).any() else 0.0
    e = np.exp(v - c)
    return e / np.sum(e)

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    log_likelihood = np.asarray(log_likelihood, dtype=float)
    if log_likelihood.shape[-1] != log_prior.shape[-1]:
        raise ValueError("mismatched shapes")
    evidence = log_likelihood if log_likelihood.ndim == 1 else log_likelihood.sum(axis=0)
    return _normalise_log(log_prior + evidence)
''',
    ),
    "map_linear_regression": (
        '''
import numpy as np
from scipy import linalg

def map_linear_regression(X, y, noise_std, prior_std):
    if noise_std <= 0 or prior_std <= 0:
        raise ValueError("noise_std and prior_std must be positive")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError("X must be (N, D) and y (N,)")
    lam = (noise_std / prior_std) ** 2
    A = X.T @ X + lam * np.eye(X.shape[1])
    c, low = linalg.cho_factor(A)
    return linalg.cho_solve((c, low), X.T @ y)
''',
        '''
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    X = np.array(X, dtype=np.float64)
    y = np.array(y, dtype=np.float64)
    if not (noise_std > 0 and prior_std > 0):
        raise ValueError("standard deviations must be > 0")
    n, d = X.shape
    if y.shape != (n,):
        raise ValueError("y has the wrong shape")
    penalty = noise_std / prior_std
    stacked_X = np.vstack([X, penalty * np.identity(d)])
    stacked_y = np.concatenate([y, np.zeros(d)])
    weights, *_ = np.linalg.lstsq(stacked_X, stacked_y, rcond=None)
    return weights
''',
        '''
import numpy as np

def _ridge(design, target, lam):
    gram = design.T.dot(design)
    gram[np.diag_indices_from(gram)] += lam
    chol = np.linalg.cholesky(gram)
    tmp = np.linalg.solve(chol, design.T.dot(target))
    return np.linalg.solve(chol.T, tmp)

def map_linear_regression(X, y, noise_std, prior_std):
    if noise_std <= 0:
        raise ValueError("noise_std must be > 0")
    if prior_std <= 0:
        raise ValueError("prior_std must be > 0")
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    if len(y) != len(X):
        raise ValueError("X and y disagree")
    return _ridge(X, y, noise_std ** 2 / prior_std ** 2)
''',
        '''
import numpy as np
from scipy.linalg import solve

def map_linear_regression(X, y, noise_std, prior_std):
    X = np.asarray(X, float)
    y = np.asarray(y, float).ravel()
    if min(noise_std, prior_std) <= 0:
        raise ValueError("noise_std, prior_std > 0 required")
    if X.shape[0] != y.shape[0]:
        raise ValueError("rows of X must match y")
    reg = 0.0 if np.isinf(prior_std) else (noise_std ** 2) / (prior_std ** 2)
    lhs = X.T @ X + reg * np.eye(X.shape[1])
    rhs = X.T @ y
    return solve(lhs, rhs, assume_a="pos")
''',
    ),
}


def versions(function: str) -> tuple[str, ...]:
    """The independent versions of ``function``: :data:`INDEPENDENT`'s, or, for a function added to the course after
    it, those its set's zoo module writes beside its specimens (``INDEPENDENT = {function: (source, …)}`` in
    ``testkit/zoo/<ps>.py``: one file holds all of a new function's test data)."""
    if function in INDEPENDENT:
        return INDEPENDENT[function]
    module = importlib.import_module(f"testkit.zoo.{problem_set_of_function(function)}")  # (by name: a set's module)
    return tuple(getattr(module, "INDEPENDENT", {}).get(function, ()))
