"""Bug zoo for problem set 2: cross_entropy and cross_entropy_grad.

Correct specimens: log-softmax with keepdims and fancy indexing, ``np.logaddexp.reduce``
with ``np.take_along_axis``, a Python loop over rows; for the gradient a one-hot matrix,
``grad[range(N), y] -= 1`` on ``exp(z - logsumexp)``, and a loop. Wrong ones: the mistakes of tutorials and course repositories (sum instead of
mean, log of a softmax, epsilon clipping, no index validation, the gradient's sign and
1/N, soft labels collapsed to their argmax, library shortcuts).
"""

from testkit.zoo import Specimen, degenerate, stub

ZOO = (
    # -------------------------------------------------------- cross_entropy: correct
    Specimen(
        "cross_entropy-log-softmax-indexing",
        "cross_entropy",
        '''
import numpy as np

def row_log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

def cross_entropy(logits, targets):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets)
    n, c = logits.shape
    logp = row_log_softmax(logits)
    if np.issubdtype(targets.dtype, np.integer):
        if np.any(targets < 0) or np.any(targets >= c):
            raise ValueError(f"targets must be class indices in [0, {c})")
        return -np.mean(logp[np.arange(n), targets])
    return -np.sum(targets * logp) / n
''',
    ),
    Specimen(
        "cross_entropy-logaddexp-take-along-axis",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.array(logits, dtype=float)
    t = np.asarray(targets)
    lse = np.logaddexp.reduce(z, axis=1, keepdims=True)
    if t.dtype.kind in "iu":
        if t.min() < 0 or t.max() >= z.shape[1]:
            raise ValueError("class index out of range")
        picked = np.take_along_axis(z, t[:, None], axis=1)
        return float(np.mean(lse - picked))
    # -sum_c t_c (z_c - lse): every term is finite, so t = 0 terms are exactly 0
    return float(np.sum(t * (lse - z)) / z.shape[0])
''',
    ),
    Specimen(
        "cross_entropy-loop-over-rows",
        "cross_entropy",
        '''
import math
import numpy as np

def cross_entropy(logits, targets):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets)
    n, c = logits.shape
    total = 0.0
    for i in range(n):
        row = logits[i]
        m = row.max()
        lse = m + math.log(np.sum(np.exp(row - m)))
        if targets.ndim == 1:
            k = int(targets[i])
            if not 0 <= k < c:
                raise ValueError(f"target {k} of row {i} is not in [0, {c})")
            total += lse - row[k]
        else:
            total += float(np.dot(targets[i], lse - row))
    return total / n
''',
    ),
    # ---------------------------------------------------------- cross_entropy: wrong
    Specimen(
        # right values in a slightly wrong container: the per-row losses kept as a column, their mean of shape (1,)
        "cross_entropy-length-1-array",
        "cross_entropy",
        """
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    n, c = z.shape
    if np.issubdtype(t.dtype, np.integer):
        if np.any((t < 0) | (t >= c)):
            raise ValueError("targets must be class indices in [0, C)")
        t = np.eye(c)[t]
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    per_row = -np.sum(t * log_p, axis=1, keepdims=True)     # shape (N, 1)
    return per_row.mean(axis=0)                             # shape (1,): the right number in an array
""",
        hint="an array of shape (1,) where one number is expected",
        mistake="kept-length-1-axis",
    ),
    Specimen(
        "cross_entropy-sum-not-mean",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    logp = z - z.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("bad class index")
        t = np.eye(z.shape[1])[t]
    return -np.sum(t * logp)
''',
        hint="cross_entropy is their mean",
        mistake="ce-sum-not-mean",
    ),
    Specimen(
        "cross_entropy-log-of-softmax",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    n = z.shape[0]
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("bad class index")
        return -np.mean(np.log(probs[np.arange(n), t]))
    return -np.sum(t * np.log(probs)) / n
''',
        hint="The log is taken of softmax probabilities",
        mistake="ce-log-of-softmax",
    ),
    Specimen(
        "cross_entropy-epsilon-in-log",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("bad class index")
        t = np.eye(z.shape[1])[t]
    return -np.sum(t * np.log(probs + 1e-12)) / z.shape[0]
''',
        hint="An epsilon added inside the log",
        mistake="ce-epsilon-in-log",
    ),
    Specimen(
        "cross_entropy-clipped-probs",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = np.clip(e / e.sum(axis=1, keepdims=True), 1e-15, 1 - 1e-15)
    n = z.shape[0]
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("bad class index")
        return -np.log(probs[np.arange(n), t]).mean()
    return -(t * np.log(probs)).sum() / n
''',
        hint="An epsilon added inside the log",
        mistake="ce-epsilon-in-log",
    ),
    Specimen(
        "cross_entropy-naive-exp",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("bad class index")
        t = np.eye(z.shape[1])[t]
    return -np.sum(t * logp) / z.shape[0]
''',
        hint="the raw logits are exponentiated",
        mistake="no-max-shift",
    ),
    Specimen(
        "cross_entropy-no-index-check",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    if t.ndim == 1:
        return -logp[np.arange(len(t)), t].mean()
    return -(t * logp).sum(axis=1).mean()
''',
        hint="Class indices outside [0, C) are not checked",
        mistake="target-range-unchecked",
    ),
    Specimen(
        "cross_entropy-argmax-of-soft-labels",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if t.ndim == 2:          # one-hot rows -> class indices
        t = t.argmax(axis=1)
    if np.any((t < 0) | (t >= z.shape[1])):
        raise ValueError("bad class index")
    logp = z - z.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -logp[np.arange(z.shape[0]), t].mean()
''',
        hint="Soft targets are reduced to their argmax",
        mistake="soft-targets-argmax",
    ),
    Specimen(
        "cross_entropy-indices-only",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if np.any((t < 0) | (t >= z.shape[1])):
        raise ValueError("bad class index")
    logp = z - z.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -logp[np.arange(z.shape[0]), t].mean()
''',
        hint="Float targets are used as indices",
        mistake="float-targets-as-indices",
    ),
    Specimen(
        "cross_entropy-scipy-log-softmax",
        "cross_entropy",
        '''
import numpy as np
from scipy.special import log_softmax

def cross_entropy(logits, targets):
    logp = log_softmax(np.asarray(logits, dtype=float), axis=1)
    t = np.asarray(targets)
    if t.ndim == 1:
        if np.any((t < 0) | (t >= logp.shape[1])):
            raise ValueError("bad class index")
        return -logp[np.arange(len(t)), t].mean()
    return -(t * logp).sum() / logp.shape[0]
''',
        hint="Write it yourself",
        mistake="forbidden",
    ),
    # --------------------------------------------------- cross_entropy_grad: correct
    Specimen(
        "cross_entropy_grad-onehot-keepdims",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    n, c = z.shape
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    if np.issubdtype(t.dtype, np.integer):
        onehot = np.zeros((n, c))
        onehot[np.arange(n), t] = 1.0
        t = onehot
    return (p - t) / n
''',
    ),
    Specimen(
        "cross_entropy_grad-subtract-at-index",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    n = z.shape[0]
    grad = np.exp(z - np.logaddexp.reduce(z, axis=1, keepdims=True))   # softmax, a new array
    t = np.asarray(targets)
    if t.ndim == 1:
        grad[np.arange(n), t] -= 1.0
    else:
        grad -= t
    grad /= n
    return grad
''',
    ),
    Specimen(
        "cross_entropy_grad-loop",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets)
    n, c = logits.shape
    rows = []
    for i in range(n):
        e = np.exp(logits[i] - np.max(logits[i]))
        p = e / np.sum(e)
        if targets.ndim == 1:
            t = np.zeros(c)
            t[targets[i]] = 1.0
        else:
            t = targets[i]
        rows.append((p - t) / n)
    return np.array(rows)
''',
    ),
    # ----------------------------------------------------- cross_entropy_grad: wrong
    Specimen(
        "cross_entropy_grad-missing-1-over-n",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    if t.ndim == 1:
        t = np.eye(z.shape[1])[t]
    return p - t
''',
        hint="N times too large",
        mistake="grad-missing-1-over-n",
    ),
    Specimen(  # (integer labels averaged, rows not: two paths, one of them without the 1/N)
        "cross_entropy_grad-rows-not-averaged",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    if t.ndim == 1:
        onehot = np.zeros_like(p)
        onehot[np.arange(len(t)), t] = 1.0
        return (p - onehot) / len(t)
    return p - t
''',
        hint="the mean over the N rows (its 1/N) is taken for the labels but not for the rows",
        mistake="rows-not-averaged",
    ),
    Specimen(  # (the same in the loss: a mean for integer labels, a sum for rows)
        "cross_entropy-rows-summed",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    m = z.max(axis=1, keepdims=True)
    logp = z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("targets must be class indices in [0, C)")
        return -np.mean(logp[np.arange(len(t)), t])
    return -np.sum(t * logp)
''',
        hint="the mean over the N rows (its 1/N) is taken for the labels but not for the rows",
        mistake="rows-not-averaged",
    ),
    Specimen(
        "cross_entropy_grad-wrong-sign",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    if t.ndim == 1:
        t = np.eye(z.shape[1])[t]
    return (t - p) / z.shape[0]
''',
        hint="The gradient's sign is flipped",
        mistake="grad-wrong-sign",
    ),
    Specimen(
        "cross_entropy_grad-argmax-of-soft-labels",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if t.ndim == 2:
        t = np.argmax(t, axis=1)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    grad = e / e.sum(axis=1, keepdims=True)
    grad[np.arange(z.shape[0]), t] -= 1
    return grad / z.shape[0]
''',
        hint="Soft targets are reduced to their argmax",
        mistake="soft-targets-argmax",
    ),
    Specimen(
        "cross_entropy_grad-naive-softmax",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    if t.ndim == 1:
        t = np.eye(z.shape[1])[t]
    return (p - t) / z.shape[0]
''',
        hint="the raw logits are exponentiated",
        mistake="no-max-shift",
    ),
    Specimen(
        "cross_entropy_grad-softmax-over-batch",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    e = np.exp(z - z.max(axis=0))
    p = e / e.sum(axis=0)
    if t.ndim == 1:
        t = np.eye(z.shape[1])[t]
    return (p - t) / z.shape[0]
''',
        hint="The softmax normalises over the batch",
        mistake="softmax-over-batch",
    ),
    Specimen(
        "cross_entropy_grad-scipy-softmax",
        "cross_entropy_grad",
        '''
import numpy as np
import scipy.special

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if t.ndim == 1:
        t = np.eye(z.shape[1])[t]
    return (scipy.special.softmax(z, axis=1) - t) / z.shape[0]
''',
        hint="Write it yourself",
        mistake="forbidden",
    ),
)

# Accepting lists is the purity cell's property only: every other cell passes arrays.
ZOO = ZOO + (
    Specimen(
        "cross_entropy-no-asarray",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    m = logits.max(axis=1, keepdims=True)     # a list has no .max: arrays only
    log_p = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    targets = np.asarray(targets)
    if targets.ndim == 1:
        if targets.min() < 0 or targets.max() >= logits.shape[1]:
            raise ValueError("targets must be class indices in [0, C)")
        return -np.mean(log_p[np.arange(len(targets)), targets])
    return -np.mean(np.sum(targets * log_p, axis=1))
''',
        hint="A nested list is not handled like the same numbers as an array",
        mistake="lists-not-converted",
    ),
)

# Found reviewing the hints (issue 50): each mistake a rule names, made the way students make it; the layer classes
# are written as from-scratch deep-learning courses write them (a forward pass that keeps what backward needs).
ZOO = ZOO + (
    Specimen(
        "cross_entropy-per-row",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    logp = z - z.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("targets: class index out of range")
        return -logp[np.arange(z.shape[0]), t]           # the loss of each example
    return -np.sum(t * logp, axis=1)
''',
        hint="The result is one loss per row",
        mistake="ce-per-row",
    ),
    Specimen(
        "cross_entropy-per-row-no-max-shift",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if t.ndim == 1:
        if np.any((t < 0) | (t >= z.shape[1])):
            raise ValueError("targets: class index out of range")
        t = np.eye(z.shape[1])[t]
    # (a course's layer: minus the target's logit plus the log of the sum of exp, one loss per row)
    return -np.sum(t * z, axis=1) + np.log(np.sum(np.exp(z), axis=1))
''',
        hint="the raw logits are exponentiated",
        mistake=("ce-per-row", "no-max-shift"),
    ),
    Specimen(
        "cross_entropy-layer-log-of-probabilities",
        "cross_entropy",
        '''
import numpy as np

class SoftmaxWithLoss:
    """Forward keeps the probabilities for backward."""

    def forward(self, x, t):
        x = np.asarray(x, dtype=float)
        e = np.exp(x - x.max(axis=1, keepdims=True))   # shifted: no overflow
        self.p = e / e.sum(axis=1, keepdims=True)
        t = np.asarray(t)
        if t.ndim == 1:
            if np.any((t < 0) | (t >= x.shape[1])):
                raise ValueError("targets: class index out of range")
            return -np.mean(np.log(self.p[np.arange(x.shape[0]), t]))
        return -np.mean(np.sum(t * np.log(self.p), axis=1))

def cross_entropy(logits, targets):
    return SoftmaxWithLoss().forward(logits, targets)
''',
        hint="The log is taken of softmax probabilities",
        mistake="ce-log-of-softmax",
    ),
    Specimen(
        "cross_entropy_grad-logits-minus-onehot",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if t.ndim == 1:
        t = np.eye(z.shape[1])[t]
    return (z - t) / z.shape[0]
''',
        hint="The gradient is built from the logits themselves",
        mistake="grad-without-softmax",
    ),
    Specimen(
        "cross_entropy_grad-layer-forward-first",
        "cross_entropy_grad",
        '''
import numpy as np

class SoftmaxCrossEntropy:
    def forward(self, logits, targets):
        z = np.asarray(logits, dtype=float)
        e = np.exp(z - z.max(axis=1, keepdims=True))   # shifted by each row's maximum
        self.probs = e / e.sum(axis=1, keepdims=True)
        t = np.asarray(targets)
        self.onehot = np.eye(z.shape[1])[t] if t.ndim == 1 else t.astype(float)
        return -np.sum(self.onehot * np.log(self.probs)) / z.shape[0]

    def backward(self):
        return (self.probs - self.onehot) / self.probs.shape[0]

def cross_entropy_grad(logits, targets):
    layer = SoftmaxCrossEntropy()
    layer.forward(logits, targets)                      # backward needs what forward keeps
    return layer.backward()
''',
        hint="The call takes the log of a probability that underflowed to 0",
        mistake="grad-logs-underflowed-probability",
    ),
    Specimen(  # (a textbook's cross_entropy_error: one-hot rows turned into labels by argmax, and log(y + eps); the
        # textbook's eps is 1e-7, which the same rule knows: 1e-12 here keeps the training cell's values those of
        # correct functions, as they are for the book's 1e-7 to the digits it prints)
        "cross_entropy-textbook-argmax-epsilon",
        "cross_entropy",
        '''
import numpy as np

def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)

def cross_entropy(logits, targets):
    y = softmax(np.asarray(logits, dtype=float))
    t = np.asarray(targets)
    if t.size == y.size:
        t = t.argmax(axis=1)
    if np.any(t < 0) or np.any(t >= y.shape[1]):
        raise ValueError("targets: class indices in [0, C)")
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-12)) / batch_size
''',
        hint="reduced to their argmax",
        mistake=("soft-targets-argmax", "ce-epsilon-in-log"),
    ),
    Specimen(  # (a CNN course project's softmax_loss: x[:, y] where x[range(N), y] was meant, its own comment says)
        "cross_entropy-targets-as-columns",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    x = np.asarray(logits, dtype=float)
    y = np.asarray(targets)
    n, c = x.shape
    x = x - np.max(x, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(x), axis=1))
    if y.dtype.kind in "iu":
        if np.any(y < 0) or np.any(y >= c):
            raise ValueError(f"targets must be class indices in [0, {c})")
        return (np.sum(lse) - np.sum(x[:, y])) / n
    return float(np.sum(y * (lse[:, None] - x)) / n)
''',
        hint="an N × N block",
        mistake="targets-as-columns",
    ),
    Specimen(
        "cross_entropy-one-hot-only",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    y = np.asarray(targets, dtype=float)                 # one-hot rows, as the homework hands them in
    logp = z - z.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -np.sum(y * logp) / z.shape[0]
''',
        hint="Integer class labels are used as if they were one-hot rows",
        mistake="labels-as-one-hot-rows",
    ),
    Specimen(
        # the loss object of a course's own framework (CMU 11-785's mytorch): one-hot rows only, and one loss per
        # row, never their mean. On one row the shape cell sees (1,), which a kept axis gives too, and every other
        # input of that cell raises (integer targets): the hint names both readings, never the wrong one alone
        "cross_entropy-one-hot-only-per-row",
        "cross_entropy",
        '''
import numpy as np

def cross_entropy(logits, targets):
    z = np.asarray(logits, dtype=float)
    y = np.asarray(targets)                              # one-hot rows, as the framework hands them in
    e = np.exp(z - np.max(z, axis=1)[:, None])
    p = e / np.sum(e, axis=1)[:, None]
    return -np.log((p * y).sum(axis=1))                  # one loss per row: the template's "(batch size,)"
''',
        hint="a reduction left out (one value per row",
        mistake=("labels-as-one-hot-rows", "length-1-axis-or-reduction-missing"),
    ),
    Specimen(
        "cross_entropy_grad-one-hot-only",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    y = np.asarray(targets, dtype=float)                 # one-hot rows, as the homework hands them in
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True) - y) / z.shape[0]
''',
        hint="Integer class labels are used as if they were one-hot rows",
        mistake="labels-as-one-hot-rows",
    ),
    Specimen(
        # the chain rule as the lecture writes it: dL/dp, then each row's softmax Jacobian (a course's code)
        "cross_entropy_grad-through-probabilities",
        "cross_entropy_grad",
        '''
import numpy as np

def cross_entropy_grad(logits, targets):
    z = np.asarray(logits, dtype=float)
    n, c = z.shape
    t = np.asarray(targets)
    if t.ndim == 1:
        if not np.issubdtype(t.dtype, np.integer) or np.any(t < 0) or np.any(t >= c):
            raise ValueError("targets must be class indices in [0, C)")
        t = np.eye(c)[t]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    dp = -t / p / n                      # dL/dp
    grad = np.empty_like(p)
    for i in range(n):                   # the softmax's Jacobian, row by row
        jac = np.diag(p[i]) - np.outer(p[i], p[i])
        grad[i] = jac @ dp[i]
    return grad
''',
        hint="The gradient is taken through the probabilities",
        mistake="grad-through-probabilities",
    ),
)

# Stubs and the untouched template (see testkit.zoo.stub).
ZOO = ZOO + (
    stub("cross_entropy-stub-raises-valueerror", "cross_entropy", "logits, targets", 'raise ValueError("targets out of range")'),
    stub("cross_entropy-stub-zero", "cross_entropy", "logits, targets", "return 0.0",
         ("placeholder", "target-range-unchecked")),
    stub("cross_entropy_grad-template", "cross_entropy_grad", "logits, targets", 'raise NotImplementedError()'),
)


#: The graded cells each wrong specimen loses, and no others: reviewed for double charges (a mistake
#: specific to one aspect costs that aspect's cell only; a wrong formula is wrong wherever values are
#: compared). Published as docs/grading.md (python -m testkit.zoo.table).
LOSES = {
    "cross_entropy-sum-not-mean": ("cross_entropy-basic",),
    "cross_entropy-one-hot-only": ("cross_entropy-basic", "cross_entropy-errors"),
    "cross_entropy-targets-as-columns": ("cross_entropy-basic",),
    "cross_entropy-textbook-argmax-epsilon": ("cross_entropy-basic", "cross_entropy-soft", "cross_entropy-stability"),
    "cross_entropy-one-hot-only-per-row": ("cross_entropy-basic", "cross_entropy-soft", "cross_entropy-shape",
                                           "cross_entropy-stability", "cross_entropy-errors"),
    "cross_entropy_grad-one-hot-only": ("cross_entropy_grad-basic",),
    "cross_entropy-log-of-softmax": ("cross_entropy-stability",),
    "cross_entropy-epsilon-in-log": ("cross_entropy-basic", "cross_entropy-stability"),
    "cross_entropy-clipped-probs": ("cross_entropy-stability",),
    "cross_entropy-naive-exp": ("cross_entropy-stability",),
    "cross_entropy-no-index-check": ("cross_entropy-errors",),
    "cross_entropy-argmax-of-soft-labels": ("cross_entropy-soft",),
    "cross_entropy-indices-only": ("cross_entropy-soft",),
    "cross_entropy-scipy-log-softmax": ("cross_entropy-basic", "cross_entropy-soft", "cross_entropy-shape", "cross_entropy-stability", "cross_entropy-errors", "cross_entropy-purity"),
    "cross_entropy_grad-missing-1-over-n": ("cross_entropy_grad-basic", "cross_entropy_grad-batch"),
    "cross_entropy_grad-wrong-sign": ("cross_entropy_grad-basic",),
    "cross_entropy_grad-rows-not-averaged": ("cross_entropy_grad-soft",),
    "cross_entropy_grad-through-probabilities": ("cross_entropy_grad-stability",),
    "cross_entropy-rows-summed": ("cross_entropy-soft",),
    "cross_entropy_grad-argmax-of-soft-labels": ("cross_entropy_grad-soft",),
    "cross_entropy_grad-naive-softmax": ("cross_entropy_grad-stability",),
    "cross_entropy_grad-softmax-over-batch": ("cross_entropy_grad-basic", "cross_entropy_grad-batch"),
    "cross_entropy_grad-scipy-softmax": ("cross_entropy_grad-basic", "cross_entropy_grad-batch", "cross_entropy_grad-soft", "cross_entropy_grad-stability", "cross_entropy_grad-purity"),
    "cross_entropy-no-asarray": ("cross_entropy-purity",),
    "cross_entropy-stub-raises-valueerror": ("cross_entropy-basic", "cross_entropy-soft", "cross_entropy-shape", "cross_entropy-stability", "cross_entropy-errors", "cross_entropy-purity"),
    "cross_entropy-stub-zero": ("cross_entropy-basic", "cross_entropy-soft", "cross_entropy-shape", "cross_entropy-stability", "cross_entropy-errors", "cross_entropy-purity"),
    "cross_entropy_grad-template": ("cross_entropy_grad-basic", "cross_entropy_grad-batch", "cross_entropy_grad-soft", "cross_entropy_grad-stability", "cross_entropy_grad-purity"),
    "cross_entropy-per-row": ("cross_entropy-basic", "cross_entropy-shape",),
    "cross_entropy-per-row-no-max-shift": ("cross_entropy-basic", "cross_entropy-shape", "cross_entropy-stability"),
    "cross_entropy-layer-log-of-probabilities": ("cross_entropy-stability",),
    "cross_entropy_grad-logits-minus-onehot": ("cross_entropy_grad-basic", "cross_entropy_grad-stability"),
    "cross_entropy_grad-layer-forward-first": ("cross_entropy_grad-stability",),
    "cross_entropy-length-1-array": ("cross_entropy-shape",),
}

# The degenerate forms of each function (constant, uniform, one-hot, identity, echoed, ignored: testkit/zoo/degenerate.py),
# each losing every cell but what the contract grants it.
ZOO = ZOO + degenerate.specimens("ps2_cross_entropy")
LOSES.update(degenerate.loses("ps2_cross_entropy"))
