"""Bug zoo for problem set 4: sigmoid, bernoulli_log_pmf, binary_cross_entropy, binary_cross_entropy_with_logits.

The wrong ones are the mistakes that recur in course and blog code: the naive
sigmoid, clipping with Keras' 1e-7 or scikit-learn's old 1e-15, PyTorch's log
clamp at -100, ``np.log(1 - p)``, 0·log 0 = nan, a log of the sigmoid.
"""

from testkit.zoo import Specimen, degenerate, stub

ZOO = (
    # ------------------------------------------------------------------ sigmoid
    Specimen("ps4-sigmoid-where-abs", "sigmoid", """
import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
"""),
    Specimen("ps4-sigmoid-masks", "sigmoid", """
import numpy as np

def sigmoid(z):
    z = np.array(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
"""),
    Specimen("ps4-sigmoid-softplus", "sigmoid", """
import numpy as np

def sigmoid(z):
    # log sigmoid(z) = -softplus(-z)
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
"""),
    Specimen("ps4-sigmoid-math-loop", "sigmoid", """
import math
import numpy as np

def _sigmoid_scalar(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.array([_sigmoid_scalar(v) for v in z.ravel()]).reshape(z.shape)
"""),
    Specimen("ps4-sigmoid-naive", "sigmoid", """
import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
""", hint="so that exp only ever sees a number ≤ 0", mistake="sigmoid-naive-overflow"),
    # (a package's helper: the textbook formula with its overflow warning silenced; no warning, and 0 where the
    # sigmoid is subnormal, from z ≈ -709)
    Specimen("ps4-sigmoid-naive-silenced", "sigmoid", """
import numpy as np

def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
""", hint="silencing the warning with np.errstate leaves the overflow", mistake="sigmoid-naive-overflow"),
    Specimen("ps4-sigmoid-naive-exp-form", "sigmoid", """
import numpy as np

def sigmoid(z):
    ez = np.exp(np.asarray(z, dtype=float))
    return ez / (1 + ez)
""", hint="split by the sign of z", mistake="sigmoid-naive-overflow"),
    Specimen("ps4-sigmoid-where-both-branches", "sigmoid", """
import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
""", hint="evaluates both of its branches", mistake="exp-overflow-warns"),
    Specimen("ps4-sigmoid-clip-500", "sigmoid", """
import numpy as np

def sigmoid(z):
    z = np.clip(z, -500, 500)  # avoid overflow
    return 1.0 / (1.0 + np.exp(-z))
""", hint="z is clipped", mistake="sigmoid-clipped-z"),
    Specimen("ps4-sigmoid-saturated-by-hand", "sigmoid", """
import numpy as np

EPS = 1e-15
EDGE = -np.log(EPS)

def sigmoid(z):
    x = np.asarray(z, dtype=float)
    inner = np.abs(x) < EDGE
    result = np.where(x > 0, 1.0 - EPS, EPS)
    result[inner] = 1.0 / (1.0 + np.exp(-x[inner]))
    return result
""", hint="a constant written by hand", mistake="sigmoid-saturated"),
    Specimen("ps4-sigmoid-tanh", "sigmoid", """
import numpy as np

def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
""", hint="1 + tanh(z/2) cancels", mistake="sigmoid-tanh"),
    # the textbook formula through a power of 2 (tinygrad's): exp2 overflows where exp would
    Specimen("ps4-sigmoid-exp2", "sigmoid", """
import math
import numpy as np

def sigmoid(z):
    return 1.0 / (1.0 + np.exp2(np.asarray(z, dtype=float) * (-1 / math.log(2))))
""", hint="the textbook formula warns", mistake="sigmoid-naive-overflow"),
    # the tanh identity without its z/2 (autograd's neural-net example): the sigmoid of 2z
    Specimen("ps4-sigmoid-tanh-of-z", "sigmoid", """
import numpy as np

def sigmoid(z):
    return 0.5 * (np.tanh(np.asarray(z, dtype=float)) + 1.0)
""", hint="the sigmoid of 2z", mistake="sigmoid-tanh-of-z"),
    Specimen("ps4-sigmoid-one-minus", "sigmoid", """
import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    pos = 1.0 / (1.0 + e)          # sigmoid(|z|)
    return np.where(z >= 0, pos, 1.0 - pos)   # sigmoid(-a) = 1 - sigmoid(a)
""", hint="one minus a number close to 1", mistake="sigmoid-one-minus"),
    Specimen("ps4-sigmoid-sign", "sigmoid", """
import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
""", hint="The exponent has the wrong sign", mistake="sigmoid-sign"),
    Specimen("ps4-sigmoid-expit", "sigmoid", """
from scipy.special import expit

def sigmoid(z):
    return expit(z)
""", hint="Write it yourself", mistake="forbidden"),
    # -------------------------------------------------------- bernoulli_log_pmf
    Specimen("ps4-bernoulli-xlogy", "bernoulli_log_pmf", """
import numpy as np
from scipy.special import xlogy, xlog1py

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return xlogy(x, p) + xlog1py(1 - x, -p)
"""),
    Specimen("ps4-bernoulli-errstate-where", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(x > 0, x * np.log(p), 0.0)           # 0 log 0 = 0
        b = np.where(x < 1, (1 - x) * np.log1p(-p), 0.0)
    return a + b
"""),
    Specimen("ps4-bernoulli-math-loop", "bernoulli_log_pmf", """
import math
import numpy as np

def _one(x, p):
    if x == 1:
        return math.log(p) if p > 0 else -math.inf
    return math.log1p(-p) if p < 1 else -math.inf

def bernoulli_log_pmf(x, p):
    x, p = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(p, dtype=float))
    out = np.array([_one(a, b) for a, b in zip(x.ravel(), p.ravel())], dtype=float)
    return out.reshape(x.shape)
"""),
    Specimen("ps4-bernoulli-naive-nan", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return x * np.log(p) + (1 - x) * np.log(1 - p)
""", hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    # through the logit and the loss of a logit (TensorFlow Probability's Bernoulli made from probabilities)
    Specimen("ps4-bernoulli-via-logit", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    t = np.log(p) - np.log1p(-p)                    # the logit
    return -(np.logaddexp(0.0, t) - t * x)
""", hint="goes through the logit", mistake="via-logit-nan"),
    Specimen("ps4-bernoulli-clip", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    eps = 1e-15
    x = np.asarray(x, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)   # avoid log(0)
    return x * np.log(p) + (1 - x) * np.log(1 - p)
""", hint="p is clipped", mistake="clipped-p"),
    # (PyTorch's Bernoulli(probs).log_prob: p clamped to [eps, 1 - eps], its logit, then the logit loss as PyTorch's
    # CPU kernel writes it; a perfect prediction costs 0 or -2e-16, an impossible outcome -36 instead of -inf)
    Specimen("ps4-bernoulli-clamped-logit", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    eps = np.finfo(float).eps
    q = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    t = np.log(q) - np.log1p(-q)                                  # the logit
    log_sigmoid = np.minimum(t, 0) - np.log1p(np.exp(-np.abs(t)))
    return -((1 - x) * t - log_sigmoid)
""", hint="p is clipped", mistake="clipped-p"),
    # the probability of the outcome seen, floored at eps (GPy's Bernoulli likelihood): a perfect prediction still
    # costs 0, an impossible outcome log(eps) instead of -inf
    Specimen("ps4-bernoulli-floor", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return np.log(np.maximum(np.where(x == 1, p, 1.0 - p), 1e-12))
""", hint="p is clipped", mistake="clipped-p"),
    Specimen("ps4-bernoulli-where-log", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return np.where(x == 1, np.log(p), np.log1p(-p))
""", hint="A log of 0 is computed on the way", mistake="log-of-zero-warns"),
    Specimen("ps4-bernoulli-log-one-minus-p", "bernoulli_log_pmf", """
import numpy as np
from scipy.special import xlogy

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return xlogy(x, p) + xlogy(1 - x, 1 - p)
"""),  # correct: log1p(-p) is more accurate for tiny p, but that is "going further", not graded
    Specimen("ps4-bernoulli-swapped", "bernoulli_log_pmf", """
import numpy as np
from scipy.special import xlogy, xlog1py

def bernoulli_log_pmf(x, p):
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    return xlog1py(x, -p) + xlogy(1 - x, p)
""", hint="p is taken as the probability of x = 0", mistake="ll-swapped"),
    # ----------------------------------------------------- binary_cross_entropy
    Specimen("ps4-bce-xlogy", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    return -np.mean(xlogy(y, p) + xlog1py(1 - y, -p))
"""),
    Specimen("ps4-bce-errstate-where", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(y > 0, y * np.log(p), 0.0)
        neg = np.where(y < 1, (1 - y) * np.log1p(-p), 0.0)
    return float(-np.mean(pos + neg))
"""),
    Specimen("ps4-bce-math-fsum", "binary_cross_entropy", """
import math
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    terms = []
    for pi, yi in zip(p, y):
        t = 0.0
        if yi > 0:
            t += yi * math.log(pi)
        if yi < 1:
            t += (1 - yi) * math.log1p(-pi)
        terms.append(-t)
    return math.fsum(terms) / len(terms)
"""),
    Specimen("ps4-bce-naive-nan", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""", hint="0 · log 0, which floating point computes as nan", mistake="zero-log-zero-nan"),
    Specimen("ps4-bce-keras-clip", "binary_cross_entropy", """
import numpy as np

EPSILON = 1e-7

def binary_cross_entropy(p, y):
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    y = np.asarray(y, dtype=float)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""", hint="p is clipped", mistake="clipped-p"),
    Specimen("ps4-bce-sklearn-eps", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y, eps=1e-15):
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    y = np.asarray(y, dtype=float)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
""", hint="p is clipped", mistake="clipped-p"),
    Specimen("ps4-bce-add-eps", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    eps = 1e-10
    return -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
""", hint="an epsilon is added", mistake="clipped-p"),
    # a loss object that clips the caller's predictions in place (peng2G's BCELoss): the reading does not follow a
    # class's methods, and the clip changes nothing but a probability of exactly 0 or 1, which only the purity cell's
    # 0/1 probe hands in
    Specimen("ps4-bce-clip-in-place-in-a-class", "binary_cross_entropy", """
import numpy as np

class _BCELoss:
    def __call__(self, p, y):
        np.clip(p, 1e-12, 1 - 1e-12, p)           # clipped where it is: the caller's array
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

def binary_cross_entropy(p, y):
    return _BCELoss()(np.asarray(p, dtype=float), np.asarray(y, dtype=float))
""", hint="Work on a copy", mistake=("clipped-p", "modifies-input")),
    Specimen("ps4-bce-torch-clamp", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    # like torch.nn.BCELoss: clamp the logs at -100
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    log_p = np.maximum(np.log(p), -100)
    log_1mp = np.maximum(np.log(1 - p), -100)
    return -np.mean(y * log_p + (1 - y) * log_1mp)
""", hint="each log clamped", mistake="clipped-p"),
    # (a course's vectorised notes: the m examples of a batch as one (1, m) row, Y.shape[1] of them; more rows are
    # not counted, and a 1-D y has no second axis)
    Specimen("ps4-bce-one-row-layout", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    m = y.shape[1]
    cost = -1 / m * np.sum(xlogy(y, p) + xlog1py(1 - y, -p))
    return float(np.squeeze(cost))
""", hint="written for a 2-D batch only", mistake="written-for-2-d-only"),
    # (a batch of n rows of m labels, right on every 2-D input: a 1-D one has no two lengths to unpack)
    Specimen("ps4-logits-two-axes-unpacked", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    n, m = y.shape
    return float(np.sum(np.logaddexp(0.0, z) - y * z) / (n * m))
""", hint="written for a 2-D batch only", mistake="written-for-2-d-only"),
    # (a metrics library's label check, `all(y == 0 or y == 1 for y in y_true)`: fine for a 1-D y only)
    Specimen("ps4-bce-label-check-loop", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    for label in y:                      # written for a 1-D y: a row of a 2-D y is an array
        if label < 0 or label > 1:
            raise ValueError("y must be in [0, 1]")
    return -np.mean(xlogy(y, p) + xlog1py(1 - y, -p))
""", hint="written for one number at a time", mistake="scalar-code-on-arrays"),
    # (a metrics library's `y_true must contain only 0s and 1s`: the contract's y may be soft)
    Specimen("ps4-bce-soft-labels-rejected", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only 0s and 1s")
    return -np.mean(xlogy(y, p) + xlog1py(1 - y, -p))
""", hint="Soft labels were rejected", mistake="soft-labels-rejected"),
    Specimen("ps4-bce-log-one-minus-p", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    return -np.mean(xlogy(y, p) + xlogy(1 - y, 1 - p))
"""),  # correct: log1p(-p) is more accurate for tiny p, but that is "going further", not graded
    Specimen("ps4-bce-sum", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    return -np.sum(xlogy(y, p) + xlog1py(1 - y, -p))
""", hint="The loss is summed", mistake="bce-not-mean"),
    # (scikit-learn's binary_log_loss, and homework's `/ len(y)`: the sum over the first axis's length, the mean for a
    # 1-D input only)
    Specimen("ps4-bce-sum-over-len", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    return -np.sum(xlogy(y, p) + xlog1py(1 - y, -p)) / len(y)
""", hint="as a sum divided by the number of rows", mistake="bce-not-mean"),
    Specimen("ps4-bce-hard-labels-only", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y)
    with np.errstate(divide="ignore"):
        losses = np.where(y == 1, -np.log(p), -np.log1p(-p))
    return np.mean(losses)
""", hint="y is treated as a hard label", mistake="bce-hard-labels"),
    Specimen("ps4-logits-hard-labels-only", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    log_p, log_not_p = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
    return -np.mean(np.where(y == 1, log_p, log_not_p))  # (a textbook's torch.where form: a soft label taken as 0)
""", hint="y is treated as a hard label", mistake="bce-hard-labels"),
    Specimen("ps4-bce-where-both-branches", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    pos = np.where(y > 0, y * np.log(p), 0.0)
    neg = np.where(y < 1, (1 - y) * np.log1p(-p), 0.0)
    return -np.mean(pos + neg)
""", hint="A log of 0 is computed on the way", mistake="log-of-zero-warns"),
    # ----------------------------------------- binary_cross_entropy_with_logits
    Specimen("ps4-logits-logaddexp", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
"""),
    Specimen("ps4-logits-tf-formula", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    # max(z, 0) - z*y + log(1 + exp(-|z|)), as in tf.nn.sigmoid_cross_entropy_with_logits
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
"""),
    Specimen("ps4-logits-tf-formula-plain-log", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(np.maximum(z, 0) - z * y + np.log(1 + np.exp(-np.abs(z))))
"""),
    Specimen("ps4-logits-softplus-minus-yz", "binary_cross_entropy_with_logits", """
import numpy as np
from scipy.special import softplus

def binary_cross_entropy_with_logits(z, y):
    # y*softplus(-z) + (1-y)*softplus(z) = softplus(z) - y*z
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.mean(softplus(z) - y * z))
"""),
    Specimen("ps4-logits-log-expit", "binary_cross_entropy_with_logits", """
import numpy as np
import scipy.special

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return -np.mean(y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z))
""", hint="Write it yourself", mistake="forbidden"),
    Specimen("ps4-logits-via-sigmoid", "binary_cross_entropy_with_logits", """
import numpy as np

def _sig(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p = _sig(z)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""", hint="Going through the probability sigmoid(z)", mistake="logits-via-sigmoid"),
    # (torch translated: its sigmoid and log warn of nothing, so the rule cannot lean on the divide-by-zero warning)
    Specimen("ps4-logits-via-sigmoid-silent", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p = np.exp(-np.logaddexp(0, -z))
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""", hint="Going through the probability sigmoid(z)", mistake="logits-via-sigmoid"),
    # (a generalisation-bounds paper's logistic loss: log base 2, so that a coin flip costs one bit)
    Specimen("ps4-logits-in-bits", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)) / np.log(2)
""", hint="in bits", mistake="bce-in-bits"),
    Specimen("ps4-logits-via-sigmoid-clipped", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p = 1 / (1 + np.exp(-z))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
""", hint="Going through the probability sigmoid(z)", mistake="logits-via-sigmoid"),
    Specimen("ps4-logits-naive-softplus", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(y * np.log(1 + np.exp(-z)) + (1 - y) * np.log(1 + np.exp(z)))
""", hint="so the log of 1 + exp(t) is inf", mistake="naive-softplus"),
    Specimen("ps4-logits-z-minus-zy", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    # -y log(sigmoid(z)) - (1 - y) log(1 - sigmoid(z)) simplified
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(z - z * y + np.log(1 + np.exp(-z)))
""", hint="so the log of 1 + exp(t) is inf", mistake="naive-softplus"),
    Specimen("ps4-logits-swapped", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.mean(y * np.logaddexp(0, z) + (1 - y) * np.logaddexp(0, -z))
""", hint="The sign of z is the other way round", mistake="logits-swapped"),
    Specimen("ps4-logits-abs-in-place", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    linear = np.maximum(z, 0) - z * y
    np.abs(z, out=z)                      # reuse the buffer for |z|
    return np.mean(linear + np.log1p(np.exp(-z)))
""", hint="Work on a copy", mistake="modifies-input"),
    Specimen("ps4-logits-no-asarray", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
""", hint="A nested list is not handled like the same numbers as an array", mistake="lists-not-converted"),
)

# Found reviewing the hints (issue 50): each mistake a rule names, made the way students make it.
ZOO = ZOO + (
    Specimen("ps4-sigmoid-math-exp", "sigmoid", """
import math
import numpy as np

def sigmoid(z):
    if z >= 0:                      # written for one number at a time
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
""", hint="written for one number at a time", mistake="scalar-code-on-arrays"),
    Specimen("ps4-bernoulli-probability", "bernoulli_log_pmf", """
import numpy as np

def bernoulli_log_pmf(x, p):
    x, p = np.asarray(x, dtype=float), np.asarray(p, dtype=float)
    return p ** x * (1 - p) ** (1 - x)
""", hint="The result is the probability itself", mistake="ll-pmf-not-log"),
    Specimen("ps4-bernoulli-negated", "bernoulli_log_pmf", """
import numpy as np
from scipy.special import xlogy, xlog1py

def bernoulli_log_pmf(x, p):
    x, p = np.asarray(x, dtype=float), np.asarray(p, dtype=float)
    return -(xlogy(x, p) + xlog1py(1 - x, -p))
""", hint="The result is negated", mistake="ll-negated"),
    Specimen("ps4-bce-log-one-minus-y", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - y))
""", hint="takes the log of 1 − y where the loss has the log of 1 − p", mistake="bce-log-one-minus-y"),
    Specimen("ps4-bce-log-of-label", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return -np.mean(y * np.log(y) + (1 - y) * np.log(1 - p))
""", hint="takes the log of the label y", mistake="bce-log-of-label"),
    Specimen("ps4-bce-arguments-swapped", "binary_cross_entropy", """
import numpy as np

def binary_cross_entropy(p, y):
    pred, label = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return -np.mean(label * np.log(pred) + (1 - label) * np.log(1 - pred))
""", hint="p and y are the other way round", mistake=("bce-arguments-swapped", "nan-everywhere")),
    Specimen("ps4-bce-per-element", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return -(xlogy(y, p) + xlog1py(1 - y, -p))
""", hint="The result is one loss per element", mistake="bce-per-element"),
    # a per-example loss mapped over the batch's leading axis, never averaged (jax.vmap of a summed loss, as flax
    # writes it): one loss per element for a 1-D input, one sum per row for rows; stable otherwise
    Specimen("ps4-logits-per-example", "binary_cross_entropy_with_logits", """
import numpy as np

def binary_cross_entropy_with_logits(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    losses = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
    return np.stack([example.sum() for example in losses])
""", hint="The result is one loss per example", mistake="bce-per-example"),
    Specimen("ps4-bce-log-likelihood", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return np.mean(xlogy(y, p) + xlog1py(1 - y, -p))
""", hint="The loss has the wrong sign", mistake="bce-sign"),
    Specimen("ps4-bce-swapped", "binary_cross_entropy", """
import numpy as np
from scipy.special import xlogy, xlog1py

def binary_cross_entropy(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return -np.mean(xlogy(1 - y, p) + xlog1py(y, -p))
""", hint="p is taken as the probability of y = 0", mistake="bce-swapped"),
)

# Stubs and the untouched template (see testkit.zoo.stub).
ZOO = ZOO + (
    stub("ps4-logits-stub-zero", "binary_cross_entropy_with_logits", "z, y", 'return 0.0'),
    stub("ps4-sigmoid-template", "sigmoid", "z", 'raise NotImplementedError()'),
)


#: The graded cells each wrong specimen loses, and no others: reviewed for double charges (a mistake
#: specific to one aspect costs that aspect's cell only; a wrong formula is wrong wherever values are
#: compared). Published as docs/grading.md (python -m testkit.zoo.table).
LOSES = {
    "ps4-sigmoid-naive": ("sigmoid-stability",),
    "ps4-sigmoid-naive-silenced": ("sigmoid-stability",),
    "ps4-sigmoid-naive-exp-form": ("sigmoid-stability",),
    "ps4-sigmoid-where-both-branches": ("sigmoid-stability",),
    "ps4-sigmoid-clip-500": ("sigmoid-stability",),
    "ps4-sigmoid-tanh": ("sigmoid-stability",),
    "ps4-sigmoid-tanh-of-z": ("sigmoid-basic", "sigmoid-stability"),
    "ps4-sigmoid-exp2": ("sigmoid-stability",),
    "ps4-sigmoid-saturated-by-hand": ("sigmoid-stability",),
    "ps4-sigmoid-one-minus": ("sigmoid-stability",),
    "ps4-sigmoid-sign": ("sigmoid-basic",),
    "ps4-sigmoid-expit": ("sigmoid-basic", "sigmoid-stability", "sigmoid-purity"),
    "ps4-bernoulli-naive-nan": ("bernoulli_log_pmf-edges",),
    "ps4-bernoulli-clip": ("bernoulli_log_pmf-edges",),
    "ps4-bernoulli-clamped-logit": ("bernoulli_log_pmf-edges",),
    "ps4-bernoulli-floor": ("bernoulli_log_pmf-edges",),
    "ps4-bernoulli-via-logit": ("bernoulli_log_pmf-edges",),
    "ps4-bernoulli-where-log": ("bernoulli_log_pmf-edges",),
    "ps4-bernoulli-swapped": ("bernoulli_log_pmf-basic", "bernoulli_log_pmf-edges"),
    "ps4-bce-naive-nan": ("binary_cross_entropy-edges",),
    "ps4-bce-keras-clip": ("binary_cross_entropy-edges",),
    "ps4-bce-sklearn-eps": ("binary_cross_entropy-edges",),
    "ps4-bce-add-eps": ("binary_cross_entropy-basic", "binary_cross_entropy-edges"),
    "ps4-bce-torch-clamp": ("binary_cross_entropy-edges",),
    "ps4-bce-soft-labels-rejected": ("binary_cross_entropy-soft",),
    "ps4-bce-label-check-loop": ("binary_cross_entropy-basic", "binary_cross_entropy-shape"),
    "ps4-bce-one-row-layout": ("binary_cross_entropy-basic", "binary_cross_entropy-shape"),
    "ps4-logits-two-axes-unpacked": ("binary_cross_entropy_with_logits-basic", "binary_cross_entropy_with_logits-shape"),
    "ps4-bce-clip-in-place-in-a-class": ("binary_cross_entropy-edges", "binary_cross_entropy-purity"),
    "ps4-bce-sum": ("binary_cross_entropy-basic",),
    "ps4-bce-sum-over-len": ("binary_cross_entropy-basic",),
    "ps4-bce-hard-labels-only": ("binary_cross_entropy-soft",),
    # (the logit form has no -soft cell: its soft labels are in -basic, and in -stability's mixture of 0/1 losses)
    "ps4-logits-hard-labels-only": ("binary_cross_entropy_with_logits-basic", "binary_cross_entropy_with_logits-stability"),
    "ps4-bce-where-both-branches": ("binary_cross_entropy-edges",),
    "ps4-logits-log-expit": ("binary_cross_entropy_with_logits-basic", "binary_cross_entropy_with_logits-shape", "binary_cross_entropy_with_logits-stability", "binary_cross_entropy_with_logits-purity"),
    "ps4-logits-via-sigmoid": ("binary_cross_entropy_with_logits-stability",),
    "ps4-logits-via-sigmoid-clipped": ("binary_cross_entropy_with_logits-stability",),
    "ps4-logits-via-sigmoid-silent": ("binary_cross_entropy_with_logits-stability",),
    "ps4-logits-in-bits": ("binary_cross_entropy_with_logits-basic", "binary_cross_entropy_with_logits-stability"),
    "ps4-logits-naive-softplus": ("binary_cross_entropy_with_logits-stability",),
    "ps4-logits-z-minus-zy": ("binary_cross_entropy_with_logits-stability",),
    "ps4-logits-swapped": ("binary_cross_entropy_with_logits-basic",),
    "ps4-logits-abs-in-place": ("binary_cross_entropy_with_logits-purity",),
    "ps4-logits-no-asarray": ("binary_cross_entropy_with_logits-purity",),
    "ps4-logits-stub-zero": ("binary_cross_entropy_with_logits-basic", "binary_cross_entropy_with_logits-shape", "binary_cross_entropy_with_logits-stability", "binary_cross_entropy_with_logits-purity"),
    "ps4-sigmoid-template": ("sigmoid-basic", "sigmoid-stability", "sigmoid-purity"),
    "ps4-sigmoid-math-exp": ("sigmoid-basic", "sigmoid-stability", "sigmoid-purity"),
    "ps4-bernoulli-probability": ("bernoulli_log_pmf-basic", "bernoulli_log_pmf-edges"),
    "ps4-bernoulli-negated": ("bernoulli_log_pmf-basic", "bernoulli_log_pmf-edges"),
    # the labels' logs: inf for every hard label, so -shape has only one value to judge (a placeholder's)
    "ps4-bce-arguments-swapped": (
        "binary_cross_entropy-basic", "binary_cross_entropy-soft", "binary_cross_entropy-shape", "binary_cross_entropy-edges", "binary_cross_entropy-purity",
    ),
    "ps4-bce-log-of-label": (
        "binary_cross_entropy-basic", "binary_cross_entropy-soft", "binary_cross_entropy-edges", "binary_cross_entropy-purity",
    ),
    # nan wherever a hard label makes 0 · log 0, a number elsewhere: one number a call, so -shape is kept (its
    # container is right; only a function whose every result is one value, nan included, is judged a placeholder)
    "ps4-bce-log-one-minus-y": (
        "binary_cross_entropy-basic", "binary_cross_entropy-soft", "binary_cross_entropy-edges", "binary_cross_entropy-purity",
    ),
    "ps4-logits-per-example": ("binary_cross_entropy_with_logits-basic", "binary_cross_entropy_with_logits-shape",
                               "binary_cross_entropy_with_logits-stability"),
    "ps4-bce-per-element": ("binary_cross_entropy-basic", "binary_cross_entropy-shape", "binary_cross_entropy-edges",),
    "ps4-bce-log-likelihood": ("binary_cross_entropy-basic", "binary_cross_entropy-edges"),
    "ps4-bce-swapped": ("binary_cross_entropy-basic", "binary_cross_entropy-edges"),
}

# The degenerate forms of each function (constant, uniform, one-hot, identity, echoed, ignored: testkit/zoo/degenerate.py),
# each losing every cell but what the contract grants it.
ZOO = ZOO + degenerate.specimens("ps4_bernoulli")
LOSES.update(degenerate.loses("ps4_bernoulli"))
