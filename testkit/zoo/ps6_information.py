"""Bug zoo for problem set 6: entropy, kl_divergence, js_divergence, bayes_posterior, map_linear_regression.

Correct specimens are written in different styles (``xlogy``, ``np.log`` with
``where=``, a loop over slices, KL as cross-entropy minus entropy, JSD from
the student's own KL or as an entropy difference, ``logsumexp``, sequential
Bayesian updating, ``lstsq`` of the stacked system, Cholesky or
``np.linalg.solve`` of the normal equations, and even ``np.linalg.inv``, which
the contract's tolerance cannot tell apart). The wrong ones are the slips of lecture notes and Q&A answers:
bits instead of nats, nan from 0·log 0, an epsilon inside the log, KL
arguments swapped or written as an entropy difference, the wrong JSD
mixture, multiplied likelihoods, a forgotten normalisation or prior, λ
inverted, the intercept left unpenalised, and ready-made library versions.
"""

from testkit.zoo import Specimen, degenerate

_CHECK_P = '''
def _check(p, name, axis):
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative")
    if np.any(np.abs(np.sum(p, axis=axis) - 1.0) > 1e-8):
        raise ValueError(f"{name} must sum to 1 along axis {axis}")
'''

#: The validated start of a solution cell (the specimen's imports go before it, its body after).
_ENTROPY_HEAD = _CHECK_P + "\n" + """def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    _check(p, "p", axis)
"""
_KL_HEAD = _CHECK_P + "\n" + """def kl_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    _check(p, "p", axis)
    _check(q, "q", axis)
"""
_BAYES_HEAD = """def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if ll.ndim != 2 or ll.shape[1] != log_prior.shape[0]:
        raise ValueError("shape mismatch")
"""
_MAP_HEAD = """
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    if noise_std <= 0 or prior_std <= 0:
        raise ValueError("noise_std and prior_std must be > 0")
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if len(y) != len(X):
        raise ValueError("shape mismatch")
"""

#: A correct entropy, one slice at a time with math's functions (a mistake below is made from it).
_ENTROPY_LOOP = '''
import math
import numpy as np

def entropy(p, axis=-1):
    p = np.moveaxis(np.asarray(p, dtype=float), axis, -1)
    rows = p.reshape(-1, p.shape[-1])
    out = []
    for row in rows:
        if min(row) < 0 or abs(math.fsum(row) - 1) > 1e-8:
            raise ValueError("each slice of p must be a probability distribution")
        out.append(-math.fsum(x * math.log(x) for x in row if x > 0))
    return np.array(out).reshape(p.shape[:-1])[()]
'''

#: A correct JSD from xlogy, its sums checked along `axis` (a mistake below is made from it).
_JS_XLOGY = '''
import numpy as np
from scipy.special import xlogy
''' + _CHECK_P + '''
def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    _check(p, "p", axis)
    _check(q, "q", axis)
    s = p + q
    safe = np.where(s > 0, s, 1.0)
    terms = xlogy(p, 2 * p / safe) + xlogy(q, 2 * q / safe)
    return 0.5 * np.sum(terms, axis=axis)
'''

#: A posterior computed in probability space: prior times the product of the likelihoods (a mistake below, and the
#: base of another).
_BAYES_PRODUCT = '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    prior = np.exp(np.asarray(log_prior, dtype=float))
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if ll.ndim != 2 or ll.shape[1] != prior.shape[0]:
        raise ValueError("shape mismatch")
    unnormalised = prior * np.prod(np.exp(ll), axis=0)
    return unnormalised / unnormalised.sum()
'''

ZOO = (
    # ------------------------------------------------------------------ entropy: correct
    Specimen("ps6-entropy-xlogy", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    return -np.sum(xlogy(p, p), axis=axis) + 0.0
'''),
    Specimen("ps6-entropy-log-where", "entropy", '''
import numpy as np

def entropy(p, axis=-1):
    p = np.array(p, dtype=float)
    if (p < 0).any():
        raise ValueError("p has negative entries")
    if not np.all(np.isclose(p.sum(axis=axis), 1.0, rtol=0.0, atol=1e-8)):
        raise ValueError("p does not sum to 1")
    logp = np.log(p, out=np.zeros_like(p), where=p > 0)
    return -(p * logp).sum(axis=axis)
'''),
    Specimen("ps6-entropy-loop", "entropy", _ENTROPY_LOOP),
    # ------------------------------------------------------------------ entropy: wrong
    # Renormalising valid input (rows within 1e-8 of 1) is legitimate: every point.
    Specimen("ps6-entropy-renormalises", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    p = p / np.sum(p, axis=axis, keepdims=True)      # tidy up rows that sum to 1 ± 1e-8
    return -np.sum(xlogy(p, p), axis=axis)
'''),
    Specimen("ps6-entropy-log-then-zeroed", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    logp = np.log(p)                     # log 0 = -inf, with a warning
    logp[np.isinf(logp)] = 0.0           # then set aside: the value is right
    return -np.sum(p * logp, axis=axis)
''', hint="its term is then set aside", mistake="log-of-zero-set-aside"),
    Specimen("ps6-entropy-bits", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    return -np.sum(xlogy(p, p), axis=axis) / np.log(2)   # in bits
''', hint="the course measures information in nats", mistake="not-nats"),
    # (statsmodels' sandbox: bits, then logbasechange(2, e), log2(e), where ln 2 converts bits to nats)
    Specimen("ps6-entropy-bits-converted-wrong-way", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    bits = -np.sum(xlogy(p, p), axis=axis) / np.log(2)
    return bits * (np.log(np.e) / np.log(2))             # to nats (the wrong way round)
''', hint="converted from bits the wrong way round", mistake="not-nats"),
    # (a batch's entropy, torch's `dim=1`, as domain-adaptation code writes it: a 1-D p has no axis 1)
    Specimen("ps6-entropy-fixed-axis-1", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    return -np.sum(xlogy(p, p), axis=1)
''', hint="names a fixed axis", mistake="fixed-axis-out-of-bounds"),
    # (SHOT's and CDAN's entropy: log(p + 1e-5))
    Specimen("ps6-entropy-epsilon-1e-5", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    return -np.sum(p * np.log(p + 1e-5), axis=axis)
''', hint="epsilon", mistake="epsilon-in-log"),
    Specimen("ps6-entropy-nan-zero-log-zero", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    return -np.sum(p * np.log(p), axis=axis)
''', hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    Specimen("ps6-entropy-nansum-warns", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    return -np.nansum(p * np.log(p), axis=axis)   # nansum skips the 0 * log 0 terms
''', hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    # nansum after log2 (two real repositories): bits, and the log of 0 warns before its nan is dropped
    Specimen("ps6-entropy-bits-nansum", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    return -np.nansum(p * np.log2(p), axis=axis)   # nansum skips the 0 * log 0 terms
''', hint="0 · log 0, which floating point computes as nan", mistake=("not-nats", "zero-log-zero-nan")),
    Specimen("ps6-entropy-epsilon", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    return -np.sum(p * np.log(p + 1e-12), axis=axis)   # avoid log(0)
''', hint="An epsilon inside the logarithm", mistake="epsilon-in-log"),
    Specimen("ps6-entropy-isclose-zeros", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    zero = np.isclose(p, 0)                          # round-off counts as 0
    return -np.sum(np.where(zero, 0.0, p * np.log(np.where(zero, 1.0, p))), axis=axis)
''', hint="only exact zeros count 0", mistake="tiny-probabilities-skipped"),
    Specimen("ps6-entropy-no-validation", "entropy", '''
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    return -np.sum(xlogy(p, p), axis=axis)
''', hint="not a probability vector was accepted", mistake="distribution-unchecked"),
    Specimen("ps6-entropy-exact-sum", "entropy", '''
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    if np.any(p < 0) or np.any(p.sum(axis=axis) != 1):
        raise ValueError("p must be a probability distribution")
    return -np.sum(xlogy(p, p), axis=axis)
''', hint="never test the sum with `== 1`", mistake="sum-checked-exactly"),
    Specimen("ps6-entropy-whole-array-sum", "entropy", '''
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    if np.any(p < 0) or abs(p.sum() - 1) > 1e-8:
        raise ValueError("p must be a probability distribution")
    return -np.sum(xlogy(p, p), axis=axis)
''', hint="not the whole array", mistake="sum-checked-over-whole-array"),
    Specimen("ps6-entropy-allclose-default", "entropy", '''
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    if np.any(p < 0) or not np.allclose(p.sum(axis=axis), 1):
        raise ValueError("p must be a probability distribution")
    return -np.sum(xlogy(p, p), axis=axis)
''', hint="allow about 1e-5 by default", mistake="sum-tolerance-loose"),
    Specimen("ps6-entropy-scipy", "entropy", '''
import numpy as np
import scipy.stats
''' + _ENTROPY_HEAD + '''    return scipy.stats.entropy(p, axis=axis)
''', hint="Write it yourself", mistake="forbidden"),
    Specimen("ps6-entropy-entr-alias", "entropy", '''
import numpy as np
from scipy.special import entr as _plogp_terms
''' + _ENTROPY_HEAD + '''    return np.sum(_plogp_terms(p), axis=axis)
''', hint="Write it yourself", mistake="forbidden"),
    # ------------------------------------------------------------ kl_divergence: correct
    Specimen("ps6-kl-xlogy-ratio", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, xlogy(p, p / q), 0.0)
    return np.maximum(np.sum(terms, axis=axis), 0.0)
'''),
    Specimen("ps6-kl-masked-logs", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    support = p > 0
    out = np.zeros(np.broadcast_shapes(p.shape, q.shape))
    blown = support & (q == 0)
    ok = support & ~blown
    out[ok] = p[ok] * (np.log(p[ok]) - np.log(q[ok]))
    out[blown] = np.inf
    return np.maximum(np.sum(out, axis=axis), 0.0)    # Gibbs: a sum that rounds below 0 is 0
'''),
    Specimen("ps6-kl-cross-entropy-minus-entropy", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    cross_entropy = -np.sum(xlogy(p, q), axis=axis)
    return np.maximum(cross_entropy - entropy(p, axis=axis), 0.0)      # H(p, q) - H(p), never below 0
'''),
    # ------------------------------------------------------------ kl_divergence: wrong
    Specimen("ps6-kl-einsum-cross-entropy-minus-entropy", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    pm, qm = np.moveaxis(p, axis, -1), np.moveaxis(q, axis, -1)
    with np.errstate(divide="ignore"):
        log_q = np.log(np.where(pm > 0, qm, 1.0))
    cross = -np.einsum("...i,...i->...", pm, log_q)       # the cross-entropy H(p, q)
    ent = -np.sum(xlogy(pm, pm), axis=-1)                 # the entropy H(p), summed in another order:
    return np.maximum(cross - ent, 0.0)                   # +2e-16 for p = q, which is rounding
'''),
    Specimen("ps6-kl-swapped", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(np.sum(np.where(q > 0, xlogy(q, q / p), 0.0), axis=axis), 0.0)
''', hint="The result is KL(q ‖ p)", mistake="kl-swapped"),
    Specimen("ps6-kl-entropy-difference", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    return entropy(q, axis=axis) - entropy(p, axis=axis)   # "information lost"
''', hint="a difference of two entropies", mistake="kl-entropy-difference"),
    Specimen("ps6-kl-cross-entropy-only", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    return -np.sum(xlogy(p, q), axis=axis)
''', hint="the cross-entropy of p and q", mistake="kl-cross-entropy-only"),
    Specimen("ps6-kl-epsilon", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    eps = 1e-10
    return np.maximum(np.sum(p * np.log((p + eps) / (q + eps)), axis=axis), 0.0)
''', hint="An epsilon inside the logarithm", mistake="epsilon-in-log"),
    # (a JAX loss library: the logs of p + eps and q + eps, each term weighted by exp of the first, machine epsilon)
    Specimen("ps6-kl-epsilon-weights", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    eps = np.finfo(float).eps
    log_p, log_q = np.log(p + eps), np.log(q + eps)
    return np.maximum(np.sum(np.exp(log_p) * (log_p - log_q), axis=axis), 0.0)
''', hint="An epsilon inside the logarithm", mistake="epsilon-in-log"),
    Specimen("ps6-kl-isclose-zeros", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    keep = ~np.isclose(p, 0)                         # p within round-off of 0 adds nothing
    with np.errstate(divide="ignore"):
        terms = np.where(keep, p * np.log(np.where(keep, p, 1.0) / np.where(keep, q, 1.0)), 0.0)
    return np.maximum(np.sum(terms, axis=axis), 0.0)
''', hint="only exact zeros count 0", mistake="tiny-probabilities-skipped"),
    Specimen("ps6-kl-nan-zero-p", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(np.sum(p * np.log(p / q), axis=axis), 0.0)
''', hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    Specimen("ps6-kl-warns-on-zero-q", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    return np.maximum(np.sum(xlogy(p, p / q), axis=axis), 0.0)
''', hint="the division by 0 warns", mistake="kl-zero-q-warns"),
    Specimen("ps6-kl-bits", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(p / q), 0.0)
    return np.maximum(np.sum(terms, axis=axis), 0.0)
''', hint="the course measures information in nats", mistake="not-nats"),
    Specimen("ps6-kl-unclamped", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, xlogy(p, p / q), 0.0)
    return np.sum(terms, axis=axis)          # -1e-16 on nearly equal p and q
''', hint="clamped at 0", mistake="kl-unclamped"),
    # (torchmetrics' and scipy.stats.entropy's way: divide by the sums first; on inputs that sum to 1 within
    # rounding that can turn the first nearly equal pair's sum positive, and the second pair still rounds below 0)
    Specimen("ps6-kl-normalised-unclamped", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    p = p / np.sum(p, axis=axis, keepdims=True)
    q = q / np.sum(q, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, xlogy(p, p / q), 0.0)
    return np.sum(terms, axis=axis)
''', hint="clamped at 0", mistake="kl-unclamped"),
    Specimen("ps6-kl-rel-entr", "kl_divergence", '''
import numpy as np
from scipy import special
''' + _KL_HEAD + '''    return np.sum(special.rel_entr(p, q), axis=axis)
''', hint="Write it yourself", mistake="forbidden"),
    Specimen("ps6-kl-stats-entropy-two-arguments", "kl_divergence", '''
import numpy as np
from scipy import stats
''' + _KL_HEAD + '''    return stats.entropy(p, q, axis=axis)   # with two arguments it is the KL divergence
''', hint="Write it yourself", mistake="forbidden"),
    # ------------------------------------------------------------ js_divergence: correct
    Specimen("ps6-js-from-kl", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m, axis=axis) + 0.5 * kl_divergence(q, m, axis=axis)
'''),
    Specimen("ps6-js-xlogy", "js_divergence", _JS_XLOGY),
    # (the same library's JSD: the epsilon KL of each distribution against the mixture)
    Specimen("ps6-js-epsilon", "js_divergence", '''
import numpy as np
''' + _CHECK_P + '''
def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    _check(p, "p", axis)
    _check(q, "q", axis)
    eps = np.finfo(float).eps
    m = 0.5 * (p + q)

    def kl(a, b):
        log_a, log_b = np.log(a + eps), np.log(b + eps)
        return np.exp(log_a) * (log_a - log_b)

    return np.maximum(0.5 * np.sum(kl(p, m) + kl(q, m), axis=axis), 0.0)
''', hint="An epsilon inside the logarithm", mistake="epsilon-in-log"),
    Specimen("ps6-js-entropy-of-mixture", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    # JSD = H(m) - (H(p) + H(q)) / 2
    return entropy(m, axis=axis) - 0.5 * (entropy(p, axis=axis) + entropy(q, axis=axis))
'''),
    # ------------------------------------------------------------ js_divergence: wrong
    Specimen("ps6-js-sum-mixture", "js_divergence", '''
import numpy as np
from scipy.special import xlogy

def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = p + q
    safe = np.where(m > 0, m, 1.0)
    return 0.5 * np.sum(xlogy(p, p / safe) + xlogy(q, q / safe), axis=axis)
''', hint="The mixture is p + q", mistake=("js-sum-mixture", "distribution-unchecked")),
    Specimen("ps6-js-symmetrised-kl", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):
    return 0.5 * (kl_divergence(p, q, axis=axis) + kl_divergence(q, p, axis=axis))
''', hint="This is a symmetrised KL(p ‖ q)", mistake="js-symmetrised-kl"),
    Specimen("ps6-js-no-halves", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    return kl_divergence(p, m, axis=axis) + kl_divergence(q, m, axis=axis)
''', hint="without their ½", mistake="js-no-halves"),
    Specimen("ps6-js-one-term", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):
    m = (np.asarray(p, dtype=float) + np.asarray(q, dtype=float)) / 2
    return kl_divergence(p, m, axis=axis)
''', hint="Only one of the two terms is there", mistake=("js-one-term", "distribution-unchecked")),
    Specimen("ps6-js-nan-on-zeros", "js_divergence", '''
import numpy as np
''' + _CHECK_P + '''
def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    _check(p, "p", axis)
    _check(q, "q", axis)
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m) + q * np.log(q / m), axis=axis)
''', hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    Specimen("ps6-js-isclose-zeros", "js_divergence", '''
import numpy as np
''' + _CHECK_P + '''
def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    _check(p, "p", axis)
    _check(q, "q", axis)
    m = (p + q) / 2

    def half_kl(a):                                  # terms with a within round-off of 0 add nothing
        keep = ~np.isclose(a, 0)
        return 0.5 * np.sum(np.where(keep, a * np.log(np.where(keep, a, 1.0) / np.where(keep, m, 1.0)), 0.0),
                            axis=axis)

    return half_kl(p) + half_kl(q)
''', hint="only exact zeros count 0", mistake="tiny-probabilities-skipped"),
    Specimen("ps6-js-bits", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    return (0.5 * kl_divergence(p, m, axis=axis) + 0.5 * kl_divergence(q, m, axis=axis)) / np.log(2)
''', hint="the course measures information in nats", mistake="not-nats"),
    Specimen("ps6-js-scipy", "js_divergence", '''
import numpy as np
from scipy.spatial import distance

def js_divergence(p, q, axis=-1):
    return distance.jensenshannon(p, q, axis=axis) ** 2
''', hint="Write it yourself", mistake="forbidden"),
    # ---------------------------------------------------------- bayes_posterior: correct
    Specimen("ps6-bayes-logsumexp", "bayes_posterior", '''
import numpy as np
from scipy.special import logsumexp

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if log_prior.ndim != 1 or ll.ndim != 2 or ll.shape[1] != log_prior.shape[0]:
        raise ValueError("log_likelihood must have shape (N, K) or (K,) with K = len(log_prior)")
    log_post = log_prior + ll.sum(axis=0)
    return np.exp(log_post - logsumexp(log_post))
'''),
    Specimen("ps6-bayes-max-shift", "bayes_posterior", '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.asarray(log_likelihood, dtype=float)
    K = log_prior.shape[0]
    if log_prior.ndim != 1 or ll.ndim not in (1, 2) or ll.shape[-1] != K:
        raise ValueError(f"expected log_prior (K,) and log_likelihood (N, K) or (K,), got {log_prior.shape}, {ll.shape}")
    scores = log_prior + ll.reshape(-1, K).sum(axis=0)
    w = np.exp(scores - scores.max())
    return w / w.sum()
'''),
    # (normalised with np.logaddexp.reduce, not scipy's logsumexp: the same log-space normalisation, and the
    # probes' thousands of observations cost 1 µs each instead of 120 µs)
    Specimen("ps6-bayes-sequential-updates", "bayes_posterior", '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    belief = np.array(log_prior, dtype=float)
    ll = np.asarray(log_likelihood, dtype=float)
    if belief.ndim != 1:
        raise ValueError("log_prior must be 1-D")
    if ll.ndim == 1:
        ll = ll[None, :]
    if ll.ndim != 2 or ll.shape[1] != belief.size:
        raise ValueError("log_likelihood must be (N, K)")
    belief -= np.logaddexp.reduce(belief)
    for row in ll:                      # one observation at a time: today's posterior is tomorrow's prior
        belief = belief + row
        belief -= np.logaddexp.reduce(belief)
    return np.exp(belief)
'''),
    # ---------------------------------------------------------- bayes_posterior: wrong
    # probability space with a check of its own (Think Bayes' Suite): the total underflows to 0 and it raises
    Specimen("ps6-bayes-raises-on-zero-total", "bayes_posterior", _BAYES_PRODUCT.replace(
        "    return unnormalised / unnormalised.sum()\n",
        "    total = unnormalised.sum()\n    if total == 0:\n        raise ValueError(\"total probability is zero\")\n"
        "    return unnormalised / total\n"),
        hint="so its total is 0 and the code stops there", mistake="posterior-underflow-raises"),
    # (a discrete Bayes filter's normalize: a total of 0 becomes the uniform distribution)
    Specimen("ps6-bayes-uniform-on-zero-total", "bayes_posterior", _BAYES_PRODUCT.replace(
        "    return unnormalised / unnormalised.sum()\n",
        "    total = unnormalised.sum()\n    if total == 0:\n        return np.ones_like(unnormalised) / len(unnormalised)\n"
        "    return unnormalised / total\n"),
        hint="puts the uniform distribution in its place", mistake="posterior-underflow-uniform"),
    # (a streaming library's predict_log_proba taken for the posterior: normalised, in log space)
    Specimen("ps6-bayes-returns-log-posterior", "bayes_posterior", '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if ll.ndim != 2 or ll.shape[1] != log_prior.shape[0]:
        raise ValueError("log_likelihood must be (N, K) or (K,)")
    a = log_prior + ll.sum(axis=0)
    return a - np.logaddexp.reduce(a)
''', hint="the log of the posterior", mistake="posterior-as-log"),
    Specimen("ps6-bayes-multiplies-likelihoods", "bayes_posterior", _BAYES_PRODUCT,
             hint="underflows to 0", mistake="posterior-underflow"),
    # (a mixture library's log-normalisation: exp(a - log Σ exp(a)) with no maximum subtracted)
    Specimen("ps6-bayes-log-normalised-unshifted", "bayes_posterior", '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if log_prior.ndim != 1 or ll.ndim != 2 or ll.shape[1] != log_prior.shape[0]:
        raise ValueError("log_likelihood must have shape (N, K) or (K,) for log_prior of shape (K,)")
    a = log_prior + ll.sum(axis=0)
    return np.exp(a - np.log(np.sum(np.exp(a))))
''', hint="or the log of that 0 is -inf", mistake="posterior-underflow"),
    # (a risk-estimation library's update: each likelihood made from its log and floored, log(lik + 1e-300))
    Specimen("ps6-bayes-likelihood-floored", "bayes_posterior", '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    if log_prior.ndim != 1 or ll.ndim != 2 or ll.shape[1] != log_prior.shape[0]:
        raise ValueError("log_likelihood must have shape (N, K) or (K,) for log_prior of shape (K,)")
    log_post = log_prior + np.sum(np.log(np.exp(ll) + 1e-300), axis=0)
    e = np.exp(log_post - np.max(log_post))
    return e / np.sum(e)
''', hint="with an epsilon added against log 0", mistake="likelihood-floored"),
    Specimen("ps6-bayes-prior-ignored", "bayes_posterior", '''
import numpy as np
from scipy.special import softmax

''' + _BAYES_HEAD + '''    return softmax(ll.sum(axis=0))
''', hint="The prior is missing", mistake="prior-ignored"),
    Specimen("ps6-bayes-prior-twice", "bayes_posterior", '''
import numpy as np
from scipy.special import logsumexp

''' + _BAYES_HEAD + '''    log_joint = log_prior + ll.sum(axis=0)
    log_post = log_prior + log_joint - logsumexp(log_joint)   # prior x (likelihood / evidence) ... times the prior again
    return np.exp(log_post - logsumexp(log_post))
''', hint="The prior is counted twice", mistake="prior-twice"),
    Specimen("ps6-bayes-unnormalised", "bayes_posterior", '''
import numpy as np

''' + _BAYES_HEAD + '''    return np.exp(log_prior + ll.sum(axis=0))
''', hint="does not sum to 1", mistake="posterior-unnormalised"),
    # The most common unnormalised posterior: stable, but the division is missing.
    Specimen("ps6-bayes-exp-minus-max", "bayes_posterior", '''
import numpy as np

''' + _BAYES_HEAD + '''    a = log_prior + ll.sum(axis=0)
    return np.exp(a - a.max())
''', hint="does not sum to 1", mistake="posterior-unnormalised"),
    # log of exp of the log prior: log(0) for an impossible hypothesis, with a divide-by-zero warning.
    Specimen("ps6-bayes-log-of-exp-prior", "bayes_posterior", '''
import numpy as np
from scipy.special import logsumexp

''' + _BAYES_HEAD + '''    prior = np.exp(log_prior)
    log_post = np.log(prior / prior.sum()) + ll.sum(axis=0)
    return np.exp(log_post - logsumexp(log_post))
''', hint="log_prior is already a log", mistake="prior-exp-log"),
    Specimen("ps6-bayes-mean-log-likelihood", "bayes_posterior", '''
import numpy as np
from scipy.special import logsumexp

''' + _BAYES_HEAD + '''    log_post = log_prior + ll.mean(axis=0)      # average evidence per observation
    return np.exp(log_post - logsumexp(log_post))
''', hint="are averaged", mistake="log-likelihoods-averaged"),
    Specimen("ps6-bayes-1d-is-many-observations", "bayes_posterior", '''
import numpy as np
from scipy.special import logsumexp

def bayes_posterior(log_prior, log_likelihood):
    log_prior = np.asarray(log_prior, dtype=float)
    ll = np.asarray(log_likelihood, dtype=float)
    if ll.shape[-1] != log_prior.shape[0]:
        raise ValueError("shape mismatch")
    log_post = log_prior + np.sum(ll, axis=0)
    return np.exp(log_post - logsumexp(log_post))
''', hint="is one observation", mistake=("one-observation-summed", "shapes-unchecked")),
    Specimen("ps6-bayes-no-shape-check", "bayes_posterior", '''
import numpy as np
from scipy.special import logsumexp

def bayes_posterior(log_prior, log_likelihood):
    ll = np.atleast_2d(np.asarray(log_likelihood, dtype=float))
    log_post = np.asarray(log_prior, dtype=float) + ll.sum(axis=0)
    return np.exp(log_post - logsumexp(log_post))
''', hint="Shapes that do not fit were accepted", mistake="shapes-unchecked"),
    # ---------------------------------------------------- map_linear_regression: correct
    Specimen("ps6-map-stacked-lstsq", "map_linear_regression", '''
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    if noise_std <= 0 or prior_std <= 0:
        raise ValueError("noise_std and prior_std must be > 0")
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    N, D = X.shape
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},)")
    root_lam = noise_std / prior_std
    A = np.vstack([X, root_lam * np.eye(D)])
    b = np.concatenate([y, np.zeros(D)])
    return np.linalg.lstsq(A, b, rcond=None)[0]
'''),
    Specimen("ps6-map-cholesky", "map_linear_regression", '''
import numpy as np
from scipy.linalg import cho_factor, cho_solve

def map_linear_regression(X, y, noise_std, prior_std):
    if not noise_std > 0:
        raise ValueError("noise_std must be positive")
    if not prior_std > 0:
        raise ValueError("prior_std must be positive")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError("X must be (N, D) and y (N,)")
    lam = noise_std**2 / prior_std**2
    A = X.T @ X + lam * np.eye(X.shape[1])
    return cho_solve(cho_factor(A), X.T @ y)
'''),
    Specimen("ps6-map-inverse-passes", "map_linear_regression", '''
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    # np.linalg.inv is not what the notebook recommends, but at cond(X) <= 1e3 it is within 1e-8
    if noise_std <= 0 or prior_std <= 0:
        raise ValueError("noise_std and prior_std must be > 0")
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if len(y) != len(X):
        raise ValueError("X and y have different numbers of rows")
    lam = (noise_std / prior_std) ** 2
    return np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1])) @ (X.T @ y)
'''),
    Specimen("ps6-map-normal-equations-solve", "map_linear_regression", '''
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    # the regularised normal equations with np.linalg.solve, as the task allows (prior_std = inf: lam = 0,
    # which needs X of full column rank, as the training section's design has)
    if noise_std <= 0 or prior_std <= 0:
        raise ValueError("noise_std and prior_std must be > 0")
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError("X must be (N, D) and y (N,)")
    lam = noise_std**2 / prior_std**2
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
'''),
    # ---------------------------------------------------- map_linear_regression: wrong
    Specimen("ps6-map-lambda-inverted", "map_linear_regression", _MAP_HEAD + '''    lam = prior_std**2 / noise_std**2
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
''', hint="λ is inverted", mistake="lambda-inverted"),
    Specimen("ps6-map-prior-precision-only", "map_linear_regression", _MAP_HEAD + '''    lam = 1.0 / prior_std**2   # "the inverse prior variance"
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
''', hint="holds only when noise_std = 1", mistake="lambda-prior-precision-only"),
    Specimen("ps6-map-lambda-not-squared", "map_linear_regression", _MAP_HEAD + '''    lam = noise_std / prior_std
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
''', hint="a ratio of variances", mistake="lambda-not-squared"),
    Specimen("ps6-map-least-squares-only", "map_linear_regression", _MAP_HEAD + '''    return np.linalg.lstsq(X, y, rcond=None)[0]
''', hint="The prior is missing", mistake="map-no-prior"),
    Specimen("ps6-map-intercept-unpenalised", "map_linear_regression", _MAP_HEAD + '''    penalty = np.eye(X.shape[1])
    penalty[0, 0] = 0.0               # don't shrink the bias
    lam = noise_std**2 / prior_std**2
    return np.linalg.solve(X.T @ X + lam * penalty, X.T @ y)
''', hint="covers every weight", mistake="intercept-unpenalised"),
    Specimen("ps6-map-intercept-added", "map_linear_regression", _MAP_HEAD + '''    lam = noise_std**2 / prior_std**2
    Xt = np.c_[np.ones(X.shape[0]), X]   # (real code: an intercept column added, penalised like the rest)
    return np.linalg.solve(Xt.T @ Xt + lam * np.eye(Xt.shape[1]), Xt.T @ y)
''', hint="one weight more than X has columns", mistake="map-intercept-added"),
    Specimen("ps6-map-mean-squared-error", "map_linear_regression", _MAP_HEAD + '''    N, D = X.shape
    lam = noise_std**2 / prior_std**2
    # minimise (1/N)||y - Xw||^2 + lam ||w||^2
    return np.linalg.solve(X.T @ X / N + lam * np.eye(D), X.T @ y / N)
''', hint="averaged over the N observations", mistake="map-mean-squared-error"),
    Specimen("ps6-map-no-validation", "map_linear_regression", '''
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    lam = noise_std**2 / prior_std**2
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
''', hint="check the arguments first", mistake="map-arguments-unchecked"),
    Specimen("ps6-map-precisions-unchecked", "map_linear_regression", '''
import numpy as np

def map_linear_regression(X, y, noise_std, prior_std):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    alpha, beta = 1 / prior_std**2, 1 / noise_std**2      # precisions: a std of 0 divides by zero
    return np.linalg.solve(beta * X.T @ X + alpha * np.eye(X.shape[1]), beta * X.T @ y)
''', hint="failed inside the computation", mistake="argument-unchecked-computation-failed"),
)


# Found reviewing the hints (issue 50): each mistake a rule names, made the way students make it.
ZOO = ZOO + (
    # right along the last axis, whatever `axis` says (the divergences' -axis cells, docs/contract.md): the sums
    # checked there, or the sum taken there
    Specimen("ps6-kl-last-axis-only", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _CHECK_P + '''
def kl_divergence(p, q, axis=-1):                     # axis accepted, never used: always the last axis
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    _check(p, "p", -1)
    _check(q, "q", -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, xlogy(p, p / q), 0.0)
    return np.maximum(np.sum(terms, axis=-1), 0.0)
''', hint="A valid input along `axis` was rejected", mistake="divergence-checks-last-axis"),
    # (torchmetrics' KL: written for a batch of rows, "Expected both p and q distribution to be 2D")
    Specimen("ps6-kl-two-dimensions-at-most", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _CHECK_P + '''
def kl_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.ndim > 2 or q.ndim > 2:
        raise ValueError(f"expected p and q of 1 or 2 dimensions, got {p.ndim} and {q.ndim}")
    _check(p, "p", axis)
    _check(q, "q", axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, xlogy(p, p / q), 0.0)
    return np.maximum(np.sum(terms, axis=axis), 0.0)
''', hint="more dimensions than the function takes", mistake="fixed-dimensions"),
    Specimen("ps6-entropy-last-axis-only", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _CHECK_P + '''
def entropy(p, axis=-1):                               # axis accepted, never used: always the last axis
    p = np.asarray(p, dtype=float)
    _check(p, "p", -1)
    return -np.sum(xlogy(p, p), axis=-1)
''', hint="A valid input along `axis` was rejected", mistake="divergence-checks-last-axis"),
    Specimen("ps6-kl-sum-last-axis", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _KL_HEAD + '''    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, xlogy(p, p / q), 0.0)
    return np.maximum(np.sum(terms, axis=-1), 0.0)      # checked along axis, summed along the last
''', hint="The sum of the KL terms runs along another axis", mistake="kl-other-axis"),
    Specimen("ps6-js-last-axis-only", "js_divergence", '''
import numpy as np

def js_divergence(p, q, axis=-1):                     # axis accepted, never used: always the last axis
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)
''', hint="A valid input along `axis` was rejected", mistake="divergence-checks-last-axis"),
    Specimen("ps6-js-sum-last-axis", "js_divergence", _JS_XLOGY.replace(
        "np.sum(terms, axis=axis)", "np.sum(terms, axis=-1)  # checked along axis, summed along the last"), hint="The sums of the two KL terms run along another axis", mistake="js-other-axis"),
    Specimen("ps6-entropy-loop-over-entries", "entropy", '''
import numpy as np
''' + _ENTROPY_HEAD + '''    h = 0.0
    for pi in p:                               # one probability at a time
        if pi > 0:
            h -= pi * np.log(pi)
    return h
''', hint="written for one number, or one 1-D slice, at a time", mistake="scalar-code-on-arrays"),
    Specimen("ps6-kl-where-warns", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    with np.errstate(divide="ignore"):              # p > 0 with q = 0: inf, as it should be
        terms = np.where(p > 0, p * np.log(p / q), 0.0)
    return np.maximum(np.sum(terms, axis=axis), 0.0)
''', hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    Specimen("ps6-entropy-no-minus", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    return np.sum(xlogy(p, p), axis=axis)
''', hint="The minus sign is missing", mistake="entropy-sign"),
    Specimen("ps6-entropy-mean", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    return -np.mean(xlogy(p, p), axis=axis)
''', hint="The terms are averaged over the outcomes", mistake="entropy-mean"),
    Specimen("ps6-entropy-normalised", "entropy", '''
import numpy as np
from scipy.special import xlogy
''' + _ENTROPY_HEAD + '''    return -np.sum(xlogy(p, p), axis=axis) / np.log(p.shape[axis])  # (real code: 1 for the uniform distribution)
''', hint="The entropy is divided by log K", mistake="entropy-normalised"),
    Specimen("ps6-entropy-axis-0", "entropy", '''
import numpy as np
from scipy.special import xlogy

def entropy(p, axis=-1):
    p = np.asarray(p, dtype=float)
    if np.any(p < 0) or np.any(np.abs(np.sum(p, axis=axis) - 1.0) > 1e-8):
        raise ValueError("p must be a probability vector along axis")
    return -np.sum(xlogy(p, p), axis=0)        # the outcomes are the rows
''', hint="The sum runs along another axis than `axis`",
             mistake=("entropy-other-axis", "other-axis-reduced")),
    Specimen("ps6-entropy-flat-sum", "entropy", '''
import numpy as np

def entropy(p, axis=-1):
    total = sum(p)                             # one flat vector: Python's sum, no axis
    if min(p) < 0 or abs(total - 1.0) > 1e-8:
        raise ValueError("p must be a probability vector")
    h = 0.0
    for x in p:
        if x > 0:
            h -= x * np.log(x)
    return h
''', hint="one flat vector at a time", mistake=("one-flat-vector", "scalar-code-on-arrays")),
    # a JSD looped with math.log over each pair of slices, every term taken (dictances' loop): log(0) raises
    Specimen("ps6-js-math-log-zero", "js_divergence", '''
import math
import numpy as np

def js_divergence(p, q, axis=-1):
    p = np.moveaxis(np.asarray(p, dtype=float), axis, -1)
    q = np.moveaxis(np.asarray(q, dtype=float), axis, -1)
    out = []
    for a, b in zip(p.reshape(-1, p.shape[-1]), q.reshape(-1, q.shape[-1])):
        for row, name in ((a, "p"), (b, "q")):
            if min(row) < 0 or abs(math.fsum(row) - 1) > 1e-8:
                raise ValueError(f"each slice of {name} must be a probability distribution")
        terms = []
        for x, y in zip(a, b):
            m = (x + y) / 2
            if m > 0:
                terms.append(x * math.log(x / m) + y * math.log(y / m))
        out.append(0.5 * math.fsum(terms))
    return np.array(out).reshape(p.shape[:-1])[()]
''', hint="math.log(0) raises ValueError at a term with p = 0 or q = 0", mistake="js-zero-log-zero-raises"),
    # the correct loop above without its filter of the zero entries
    Specimen("ps6-entropy-math-log-zero", "entropy", _ENTROPY_LOOP.replace(" for x in row if x > 0))", " for x in row))"),
             hint="math.log(0) raises", mistake="zero-log-zero-raises"),
    Specimen("ps6-kl-builtin-sum-nan", "kl_divergence", '''
import numpy as np
''' + _KL_HEAD + '''    return np.maximum(sum(p * np.log(p / q)), 0.0)    # Python's sum (along the first axis), clamped at 0
''', hint="0 · log 0, which floating point computes as nan", mistake=("zero-log-zero-nan", "other-axis-reduced")),
    Specimen("ps6-bayes-template-variable", "bayes_posterior", '''
import numpy as np

def bayes_posterior(log_prior, log_likelihood):
    # TODO: compute log_post, the normalised log posterior
    return np.exp(log_post)
''', hint="not defined when it runs", mistake="name-undefined"),
    Specimen("ps6-bayes-three-hypotheses", "bayes_posterior", '''
import numpy as np
''' + _BAYES_HEAD + '''    scores = [log_prior[k] + ll[:, k].sum() for k in range(3)]   # the exercise's three hypotheses
    w = np.exp(np.array(scores) - max(scores))
    return w / w.sum()
''', hint="fixed number of hypotheses", mistake="fixed-number-of-hypotheses"),
    # (older course code: np.float, removed in NumPy 1.24)
    Specimen("ps6-kl-removed-numpy-alias", "kl_divergence", '''
import numpy as np
from scipy.special import xlogy
''' + _CHECK_P + '''
def kl_divergence(p, q, axis=-1):
    p, q = np.asarray(p, dtype=np.float), np.asarray(q, dtype=np.float)
    _check(p, "p", axis)
    _check(q, "q", axis)
    with np.errstate(divide="ignore"):
        return np.maximum(np.sum(xlogy(p, p) - xlogy(p, q), axis=axis), 0.0)
''', hint="NumPy no longer has", mistake="numpy-name-removed"),
)


#: Reviewed: the graded cells each wrong specimen loses (tests/test_zoo.py asserts it exactly; docs/grading.md
#: is generated from it). A wrong formula is wrong on every input, so it loses every cell that compares
#: values (the -errors cells need correct values too); a mistake of one aspect loses that aspect only.
LOSES = {
    # written for one slice (the next three too): right on each slice, so the stack is charged once, in the
    # cells that judge it (docs/contract.md, "A stack of slices is one aspect")
    "ps6-entropy-flat-sum": ("entropy-basic", "entropy-axis", "entropy-shape"),
    "ps6-bayes-template-variable": ("bayes_posterior-basic", "bayes_posterior-shape", "bayes_posterior-stability",
                                    "bayes_posterior-errors", "bayes_posterior-purity"),
    "ps6-bayes-three-hypotheses": ("bayes_posterior-basic", "bayes_posterior-shape", "bayes_posterior-stability",
                                   "bayes_posterior-errors"),
    "ps6-entropy-bits": ("entropy-basic",),
    "ps6-entropy-bits-converted-wrong-way": ("entropy-basic",),
    # (written for rows: charged where the 1-D input and the axis are judged; its edges are right on rows, and kept)
    "ps6-entropy-fixed-axis-1": ("entropy-basic", "entropy-axis", "entropy-shape"),
    "ps6-entropy-epsilon-1e-5": ("entropy-basic", "entropy-edges"),
    "ps6-kl-removed-numpy-alias": ("kl_divergence-basic", "kl_divergence-axis", "kl_divergence-shape",
                                   "kl_divergence-support", "kl_divergence-errors", "kl_divergence-purity"),
    "ps6-entropy-log-then-zeroed": ("entropy-edges",),
    "ps6-entropy-nan-zero-log-zero": ("entropy-edges",),
    "ps6-entropy-math-log-zero": ("entropy-edges",),
    "ps6-js-math-log-zero": ("js_divergence-properties",),
    "ps6-kl-builtin-sum-nan": ("kl_divergence-basic", "kl_divergence-axis", "kl_divergence-shape",
                               "kl_divergence-support"),
    # right along the last axis, whatever `axis` says: the axis cell and the container, 2 of 11 (as entropy's
    # axis mistake costs its -axis and -shape)
    "ps6-kl-last-axis-only": ("kl_divergence-axis", "kl_divergence-shape"),
    "ps6-kl-two-dimensions-at-most": ("kl_divergence-axis", "kl_divergence-shape"),
    "ps6-entropy-last-axis-only": ("entropy-axis", "entropy-shape"),
    "ps6-kl-sum-last-axis": ("kl_divergence-axis", "kl_divergence-shape"),
    "ps6-js-last-axis-only": ("js_divergence-axis", "js_divergence-shape"),
    "ps6-js-sum-last-axis": ("js_divergence-axis", "js_divergence-shape"),
    "ps6-entropy-nansum-warns": ("entropy-edges",),
    "ps6-entropy-bits-nansum": ("entropy-basic", "entropy-edges"),
    "ps6-entropy-epsilon": ("entropy-edges",),
    "ps6-entropy-isclose-zeros": ("entropy-edges",),
    "ps6-entropy-no-validation": ("entropy-errors",),
    "ps6-entropy-exact-sum": ("entropy-errors",),
    "ps6-entropy-whole-array-sum": ("entropy-basic", "entropy-axis", "entropy-shape"),
    "ps6-entropy-allclose-default": ("entropy-errors",),
    "ps6-entropy-scipy": ("entropy-basic", "entropy-axis", "entropy-shape", "entropy-edges", "entropy-errors", "entropy-purity"),
    "ps6-entropy-entr-alias": ("entropy-basic", "entropy-axis", "entropy-shape", "entropy-edges", "entropy-errors", "entropy-purity"),
    "ps6-kl-swapped": ("kl_divergence-basic", "kl_divergence-support"),
    "ps6-kl-entropy-difference": ("kl_divergence-basic", "kl_divergence-support"),
    "ps6-kl-cross-entropy-only": ("kl_divergence-basic",),
    "ps6-kl-epsilon": ("kl_divergence-basic", "kl_divergence-support"),
    "ps6-kl-epsilon-weights": ("kl_divergence-support",),
    "ps6-js-epsilon": ("js_divergence-properties",),
    "ps6-kl-isclose-zeros": ("kl_divergence-support",),
    "ps6-kl-nan-zero-p": ("kl_divergence-support",),
    "ps6-kl-warns-on-zero-q": ("kl_divergence-support",),
    "ps6-kl-bits": ("kl_divergence-basic",),
    "ps6-kl-unclamped": ("kl_divergence-basic",),
    "ps6-kl-normalised-unclamped": ("kl_divergence-basic",),
    "ps6-kl-rel-entr": ("kl_divergence-basic", "kl_divergence-axis", "kl_divergence-shape", "kl_divergence-support", "kl_divergence-errors", "kl_divergence-purity"),
    "ps6-kl-stats-entropy-two-arguments": ("kl_divergence-basic", "kl_divergence-axis", "kl_divergence-shape", "kl_divergence-support", "kl_divergence-errors", "kl_divergence-purity"),
    "ps6-js-sum-mixture": ("js_divergence-basic", "js_divergence-properties", "js_divergence-errors"),
    "ps6-js-symmetrised-kl": ("js_divergence-basic", "js_divergence-properties"),
    "ps6-js-no-halves": ("js_divergence-basic",),
    "ps6-js-one-term": ("js_divergence-basic", "js_divergence-properties", "js_divergence-errors"),
    "ps6-js-nan-on-zeros": ("js_divergence-properties",),
    "ps6-js-isclose-zeros": ("js_divergence-properties",),
    "ps6-js-bits": ("js_divergence-basic",),
    "ps6-js-scipy": ("js_divergence-basic", "js_divergence-axis", "js_divergence-shape", "js_divergence-properties", "js_divergence-errors", "js_divergence-purity"),
    "ps6-bayes-multiplies-likelihoods": ("bayes_posterior-stability",),
    "ps6-bayes-uniform-on-zero-total": ("bayes_posterior-stability",),
    "ps6-bayes-returns-log-posterior": ("bayes_posterior-basic", "bayes_posterior-stability"),
    "ps6-bayes-likelihood-floored": ("bayes_posterior-stability",),
    "ps6-bayes-log-normalised-unshifted": ("bayes_posterior-stability",),
    "ps6-bayes-raises-on-zero-total": ("bayes_posterior-stability",),
    "ps6-bayes-prior-ignored": ("bayes_posterior-basic", "bayes_posterior-stability"),
    "ps6-bayes-prior-twice": ("bayes_posterior-basic",),
    "ps6-bayes-unnormalised": ("bayes_posterior-basic", "bayes_posterior-stability"),
    "ps6-bayes-exp-minus-max": ("bayes_posterior-basic",),
    "ps6-bayes-log-of-exp-prior": ("bayes_posterior-stability",),
    "ps6-bayes-mean-log-likelihood": ("bayes_posterior-basic",),
    "ps6-bayes-1d-is-many-observations": ("bayes_posterior-basic", "bayes_posterior-errors"),
    "ps6-bayes-no-shape-check": ("bayes_posterior-errors",),
    "ps6-map-lambda-inverted": ("map_linear_regression-basic", "map_linear_regression-limits"),
    "ps6-map-prior-precision-only": ("map_linear_regression-limits",),
    "ps6-map-lambda-not-squared": ("map_linear_regression-basic", "map_linear_regression-limits"),
    "ps6-map-least-squares-only": ("map_linear_regression-basic", "map_linear_regression-limits"),
    "ps6-map-intercept-unpenalised": ("map_linear_regression-basic", "map_linear_regression-limits"),
    "ps6-map-intercept-added": ("map_linear_regression-basic", "map_linear_regression-shape"),
    "ps6-map-mean-squared-error": ("map_linear_regression-basic",),
    "ps6-map-no-validation": ("map_linear_regression-errors",),
    "ps6-map-precisions-unchecked": ("map_linear_regression-errors",),
    "ps6-entropy-no-minus": ("entropy-basic",),
    "ps6-entropy-mean": ("entropy-basic", "entropy-edges"),
    "ps6-entropy-normalised": ("entropy-basic", "entropy-edges"),
    "ps6-entropy-axis-0": ("entropy-basic", "entropy-axis", "entropy-shape"),
    "ps6-entropy-loop-over-entries": ("entropy-basic", "entropy-axis", "entropy-shape"),
    "ps6-kl-where-warns": ("kl_divergence-support",),
}

# The degenerate forms of each function (constant, uniform, one-hot, identity, echoed, ignored: testkit/zoo/degenerate.py),
# each losing every cell but what the contract grants it.
ZOO = ZOO + degenerate.specimens("ps6_information")
LOSES.update(degenerate.loses("ps6_information"))
