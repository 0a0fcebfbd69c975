"""Bug zoo for problem set 1: logsumexp, softmax, log_softmax.

Correct specimens are written in different styles (keepdims, ``np.logaddexp.reduce``,
``np.moveaxis`` and a loop over rows, ``exp(z - logsumexp)``); wrong ones are the
mistakes found in course code and on Q&A sites, each with the hint it must get.
"""

from testkit.zoo import Specimen, degenerate, stub

ZOO = (
    # ------------------------------------------------------------ logsumexp: correct
    Specimen(
        "logsumexp-keepdims",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    s = np.sum(np.exp(z - m), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):   # log(0) = -inf for a slice of only -inf
        out = m + np.log(s)
    return np.squeeze(out, axis=axis)
''',
    ),
    Specimen(
        "logsumexp-logaddexp-reduce",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    return np.logaddexp.reduce(np.asarray(z, dtype=float), axis=axis)
''',
    ),
    Specimen(
        "logsumexp-moveaxis-loop",
        "logsumexp",
        '''
import math
import numpy as np

def _lse_1d(row):
    m = max(row)
    if m == -math.inf:
        return -math.inf
    return m + math.log(sum(math.exp(v - m) for v in row))

def logsumexp(z, axis=-1):
    z = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    flat = z.reshape(-1, z.shape[-1])
    out = np.array([_lse_1d(list(row)) for row in flat])
    return out.reshape(z.shape[:-1])
''',
    ),
    # ------------------------------------------------------------ logsumexp: wrong
    Specimen(
        "logsumexp-forgets-max",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(z - m), axis=axis))
''',
        hint="never added back",
        mistake="lse-forgets-max",
    ),
    Specimen(
        "logsumexp-keeps-dims",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))   # the right values, shape (N, 1)
''',
        hint="keeps the reduced axis",
        mistake="lse-keeps-axis",
    ),
    Specimen(
        "logsumexp-whole-array",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    return np.log(np.sum(np.exp(z)))
''',
        hint="The sum runs over the whole array",
        mistake=("lse-whole-array", "no-max-shift"),
    ),
    Specimen(
        "logsumexp-naive",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    return np.log(np.sum(np.exp(z), axis=axis))
''',
        hint="the raw logits are exponentiated",
        mistake="no-max-shift",
    ),
    # -------------------------------------------------------------- softmax: correct
    Specimen(
        "softmax-keepdims",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
    ),
    Specimen(
        "softmax-exp-minus-lse",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    x = np.asarray(z, dtype=float) / temperature
    lse = np.logaddexp.reduce(x, axis=axis, keepdims=True)
    return np.exp(x - lse)
''',
    ),
    Specimen(
        "softmax-moveaxis-rows",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    x = np.ascontiguousarray(np.moveaxis(np.array(z, dtype=float) / temperature, axis, -1))
    out = np.empty_like(x)
    flat_in, flat_out = x.reshape(-1, x.shape[-1]), out.reshape(-1, x.shape[-1])
    for i, row in enumerate(flat_in):
        e = np.exp(row - row.max())
        flat_out[i] = e / e.sum()
    return np.moveaxis(out, -1, axis)
''',
    ),
    # -------------------------------------------------------------- softmax: wrong
    Specimen(
        "softmax-naive-overflow",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    e = np.exp(np.asarray(z) / temperature)
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="the raw logits are exponentiated",
        mistake="no-max-shift",
    ),
    Specimen(
        # written for a batch of rows: the maximum of each row lined up with m[:, None], which a 1-D input's maximum
        # (a number) cannot be indexed with
        "logsumexp-rows-only",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    m = z.max(axis=-1)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):  # (a slice of only -inf: the log of 0 is its -inf)
        return m + np.log(np.sum(np.exp(z - m[:, None]), axis=-1))
''',
        hint="written for a 2-D batch only",
        # (a 3-D input: m[:, None] does not line up either, which the keepdims hint names)
        mistake=("written-for-2-d-only", "reduced-without-keepdims"),
    ),
    Specimen(
        # (real code: a generative-models repository's torch logsumexp, keepdim=False for the sum only)
        "logsumexp-max-kept-sum-dropped",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    x = np.asarray(z, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):  # (a slice of only -inf: the log of 0 is its -inf)
        return m + np.log(np.sum(np.exp(x - m), axis=axis))
''',
        hint="The maximum keeps the reduced axis (keepdims) and the log of the sum does not",
        mistake="lse-max-kept-sum-dropped",
    ),
    Specimen(
        # the shift written into the numerator only (a common slip, in real distillation code too)
        "softmax-numerator-only-shift",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    return np.exp(x - np.max(x, axis=axis, keepdims=True)) / np.sum(np.exp(x), axis=axis, keepdims=True)
''',
        hint="in the numerator but not in the sum",
        mistake="numerator-only-shift",
    ),
    Specimen(
        "softmax-global-max",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="maximum of the whole array",
        mistake="global-max-shift",
    ),
    Specimen(
        "softmax-ignores-axis",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
''',
        hint="normalised along another axis",
        mistake="softmax-other-axis",
    ),
    Specimen(
        "softmax-multiplies-temperature",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) * temperature
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="The temperature multiplies the logits",
        mistake="temperature-multiplies",
    ),
    Specimen(
        "softmax-ignores-temperature",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="The temperature argument is ignored",
        mistake="temperature-ignored",
    ),
    Specimen(  # (a calibration layer's temperature, set once in its constructor: 1.5 whatever the call asks)
        "softmax-fixed-temperature",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / 1.5
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="one written into the function",
        mistake="temperature-ignored",
    ),
    Specimen(
        "softmax-list-ignores-temperature",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).tolist()
''',
        hint="The temperature argument is ignored",
        mistake="temperature-ignored",
    ),
    Specimen(  # cleanlab's softmax divides by max(temperature, 1e-6) (testkit/corpus: softmax-cleanlab-cleanlab)
        "softmax-temperature-floored",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / max(temperature, 1e-6)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="raised to a floor before it divides",
        mistake="temperature-floored",
    ),
    Specimen(
        "softmax-no-temperature-check",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="check `temperature` before computing",
        mistake="temperature-unchecked",
    ),
    Specimen(
        "softmax-inplace-shift",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float)
    z -= np.max(z, axis=axis, keepdims=True)   # shift first: max(z) / T = max(z / T)
    z /= temperature
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="Work on a copy",
        mistake="modifies-input",
    ),
    Specimen(
        # rows spread over a pool made once, at the top of the cell: its workers start at the first call and
        # stay, idle, after it returns (a thread left running: docs/contract.md, "Purity over the whole check")
        "softmax-module-thread-pool",
        "softmax",
        '''
from concurrent.futures import ThreadPoolExecutor
import numpy as np

_POOL = ThreadPoolExecutor(max_workers=2)

def _softmax_rows(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.moveaxis(np.asarray(z, dtype=float) / temperature, axis, -1)
    return np.moveaxis(_POOL.submit(_softmax_rows, x).result(), -1, axis)
''',
        hint="Finish the work before returning",
        mistake="left-running",
    ),
    Specimen(
        "softmax-scipy",
        "softmax",
        '''
import numpy as np
from scipy.special import softmax as _scipy_softmax

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return _scipy_softmax(np.asarray(z, dtype=float) / temperature, axis=axis)
''',
        hint="Write it yourself",
        mistake="forbidden",
    ),
    Specimen(
        # found grading real code from public repositories: the forbidden call sits in a class method, reached through an
        # alias and a lambda; the grader follows the class, and in the sandbox the alias refuses to compute
        "log_softmax-class-wrapped-scipy-alias",
        "log_softmax",
        '''
import numpy as np
from scipy.special import logsumexp as sp_logsumexp

class LogSoftmax:
    def _forward(self, x, axis=-1):
        x = np.asarray(x, dtype=float)
        return x - sp_logsumexp(x, axis=axis, keepdims=True)

log_softmax = lambda z, axis=-1: LogSoftmax()._forward(z, axis)
''',
        hint="Write it yourself",
        mistake="forbidden",
    ),
    # ---------------------------------------------------------- log_softmax: correct
    Specimen(
        "log_softmax-shifted",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
''',
    ),
    Specimen(
        "log_softmax-logaddexp",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - np.logaddexp.reduce(z, axis=axis, keepdims=True)
''',
    ),
    Specimen(
        "log_softmax-moveaxis-loop",
        "log_softmax",
        '''
import math
import numpy as np

def log_softmax(z, axis=-1):
    x = np.ascontiguousarray(np.moveaxis(np.array(z, dtype=float), axis, -1))
    out = np.empty_like(x)
    rows_in, rows_out = x.reshape(-1, x.shape[-1]), out.reshape(-1, x.shape[-1])
    for i, row in enumerate(rows_in):
        m = float(np.max(row))
        lse = m + math.log(math.fsum(math.exp(v - m) for v in row))
        rows_out[i] = row - lse
    return np.moveaxis(out, -1, axis)
''',
    ),
    # ------------------------------------------------------------ log_softmax: wrong
    Specimen(
        "log_softmax-log-of-softmax",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return np.log(e / e.sum(axis=axis, keepdims=True))
''',
        hint="work in log space",
        mistake="log-of-softmax",
    ),
    Specimen(
        "log_softmax-only-shift",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - np.max(z, axis=axis, keepdims=True)
''',
        hint="Subtracting the maximum is only the shift",
        mistake="log-softmax-only-shift",
    ),
)

# Accepting lists is the purity cell's property only: every other cell passes arrays.
ZOO = ZOO + (
    Specimen(
        "softmax-no-asarray",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    x = z / temperature                       # a list has no division (and no .max): arrays only
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        hint="A nested list is not handled like the same numbers as an array",
        mistake="lists-not-converted",
    ),
)

# Found reviewing the hints (issue 50): each mistake a rule names, made the way students make it.
ZOO = ZOO + (
    Specimen(
        "logsumexp-global-max",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z)                              # the maximum of the whole array, not of each slice
    return m + np.log(np.sum(np.exp(z - m), axis=axis))
''',
        hint="maximum of the whole array",
        mistake="global-max-shift",
    ),
    Specimen(
        "logsumexp-ravel",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return out.ravel()                         # "one number per slice"
''',
        hint="The result is flattened",
        mistake="lse-flattened",
    ),
    Specimen(
        "logsumexp-neg-inf-slice-nan",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)
''',
        hint="computes -inf - (-inf), which is nan",
        mistake="lse-neg-inf-slice-nan",
    ),
    Specimen(
        "logsumexp-neg-inf-slice-warns",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m[~np.isfinite(m)] = 0.0                  # a slice of only -inf: shift by 0
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)
''',
        hint="it comes from the log of 0",
        mistake="lse-neg-inf-slice-warns",
    ),
    Specimen(
        "logsumexp-axis-0-always",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=0)
    return m + np.log(np.sum(np.exp(z - m), axis=0))
''',
        hint="The reduction runs along another axis",
        mistake=("lse-other-axis", "lse-neg-inf-slice-nan"),  # (its maximum of a slice of only -inf is -inf too)
    ),
    Specimen(
        "softmax-whole-sum",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x))
    return e / np.sum(e)
''',
        hint="only the whole array sums to 1",
        mistake=("softmax-whole-sum", "axis-ignored"),
    ),
    Specimen(
        "softmax-sum-without-keepdims",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis)
''',
        hint="`keepdims`",
        mistake="reduced-without-keepdims",
    ),
    Specimen(
        "log_softmax-global-max",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
''',
        hint="maximum of the whole array",
        mistake="global-max-shift",
    ),
    Specimen(
        "log_softmax-whole-array",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    logits = np.array(z, dtype=float)
    top = logits.max()                                   # one maximum, one total: the whole array
    log_total = top + np.log(np.exp(logits - top).sum())
    return logits - log_total
''',
        hint="each slice along `axis` has its own normaliser",
        mistake=("log-softmax-whole-array", "axis-ignored"),
    ),
    Specimen(
        # right and stable, then rounded for display, as exercise sites ask (round(v, 4)): every value is off by up
        # to 5e-5, no formula of the checks' own hints gives it, and the generic nearly-right hint names it
        "log_softmax-rounded",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    return np.round(z - m - np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), 4)
''',
        hint="The values are close to the correct ones",
        mistake="values-nearly-right",
    ),
    Specimen(
        "log_softmax-naive",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
''',
        hint="the raw logits are exponentiated",
        mistake="no-max-shift",
    ),
    Specimen(
        "log_softmax-last-axis-always",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
''',
        hint="The normaliser is computed along another axis",
        mistake="log-softmax-other-axis",
    ),
    Specimen(
        "softmax-assert-temperature",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    assert temperature > 0, "temperature must be positive"
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
        hint="validated with `assert`",
        mistake="assert-for-validation",
    ),
    Specimen(
        "softmax-raises-exception",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise Exception("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)
''',
        hint="as another exception than ValueError",
        mistake="wrong-exception-type",
    ),
    Specimen(
        "log_softmax-no-return",
        "log_softmax",
        '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
''',
        hint="a `return` statement is missing",
        mistake="no-return",
    ),
    Specimen(
        "logsumexp-returns-map",
        "logsumexp",
        '''
import math
import numpy as np

def _lse_row(row):
    m = max(row)
    return m + math.log(sum(math.exp(v - m) for v in row)) if m > -math.inf else -math.inf

def logsumexp(z, axis=-1):
    rows = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    return map(_lse_row, rows.reshape(-1, rows.shape[-1]))
''',
        hint="something other than NumPy numbers",
        mistake="not-numbers",
    ),
    Specimen(
        "log_softmax-eval-dispatch",
        "log_softmax",
        '''
import numpy as np

_FORMULAS = {"log_softmax": "x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))"}

def log_softmax(z, axis=-1):
    x = np.asarray(z, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    return eval(_FORMULAS["log_softmax"])
''',
        hint="plain code the grader can read",
        mistake="unreadable-code",
    ),
    Specimen(
        "logsumexp-flat-loop",
        "logsumexp",
        '''
import math

def logsumexp(z, axis=-1):
    m = max(z)                                     # one flat vector: no axis
    return m + math.log(sum(math.exp(v - m) for v in z))
''',
        hint="one flat vector at a time",
        mistake=("one-flat-vector", "lse-neg-inf-slice-nan"),
    ),
    Specimen(
        "softmax-rows-axis-1",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - x.max(axis=1, keepdims=True))    # a batch of rows, as in the textbook
    return e / e.sum(axis=1, keepdims=True)
''',
        hint="A reduction names a fixed axis",
        mistake=("fixed-axis-out-of-bounds", "softmax-other-axis"),
    ),
    Specimen(
        # the uniform distribution whatever the logits: every relation between slices, shifts and temperatures holds
        "softmax-uniform",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float)
    return np.ones_like(z) / z.shape[axis]
''',
        hint="the function ignores an input that changes the answer",
        mistake="ignores-an-input",
    ),
    Specimen(
        # right and stable, then rounded for display (round(v, 4)): every value off by up to 5e-5, and the generic
        # nearly-right hint names it (each generic rule has specimens of more than one function)
        "logsumexp-rounded",
        "logsumexp",
        '''
import numpy as np

def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):   # log(0) = -inf for a slice of only -inf
        out = np.squeeze(m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True)), axis=axis)
    return np.round(out, 4)
''',
        hint="The values are close to the correct ones",
        mistake="values-nearly-right",
    ),
    Specimen(
        # the result computed and never returned: the generic no-return hint
        "softmax-no-return",
        "softmax",
        '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)
''',
        hint="a `return` statement is missing",
        mistake="no-return",
    ),
    Specimen(
        # its formula in a string, evaluated: the grader cannot read it, so its purity is unverifiable
        "logsumexp-eval-dispatch",
        "logsumexp",
        '''
import numpy as np

_FORMULAS = {"logsumexp": "np.squeeze(m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)), axis=axis)"}

def logsumexp(z, axis=-1):
    x = np.asarray(z, dtype=float)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return eval(_FORMULAS["logsumexp"])
''',
        hint="plain code the grader can read",
        mistake="unreadable-code",
    ),
)

# Stubs and the untouched template (see testkit.zoo.stub).
ZOO = ZOO + (
    stub("softmax-stub-raises-valueerror", "softmax", "z, axis=-1, temperature=1.0", 'raise ValueError("not written yet")'),
    stub("softmax-stub-zeros", "softmax", "z, axis=-1, temperature=1.0", 'return np.zeros(np.shape(z))',
         ("placeholder", "temperature-unchecked")),
    stub("logsumexp-stub-zero", "logsumexp", "z, axis=-1", 'return 0.0', mistake=("placeholder", "wrong-result-shape")),
    stub("log_softmax-template", "log_softmax", "z, axis=-1", 'raise NotImplementedError()'),
)


#: The graded cells each wrong specimen loses, and no others: reviewed for double charges (a mistake
#: specific to one aspect costs that aspect's cell only; a wrong formula is wrong wherever values are
#: compared). Published as docs/grading.md (python -m testkit.zoo.table).
LOSES = {
    # math.exp of -inf - (-inf) is nan on a slice of only -inf: its stability is its own; its purity it keeps
    # one slice at a time (a stack of slices is -basic's, -axis's and -shape's: docs/contract.md)
    "logsumexp-flat-loop": ("logsumexp-basic", "logsumexp-axis", "logsumexp-shape", "logsumexp-stability"),
    "logsumexp-forgets-max": ("logsumexp-basic", "logsumexp-stability"),
    # written for a batch of rows (a fixed axis=1): right on its inputs handed over as rows, so the stack is charged
    # once, in -basic and -axis (docs/contract.md, "A stack of slices is one aspect")
    "softmax-rows-axis-1": ("softmax-basic", "softmax-axis"),
    "logsumexp-keeps-dims": ("logsumexp-shape",),
    "logsumexp-rows-only": ("logsumexp-basic", "logsumexp-axis", "logsumexp-shape"),
    "logsumexp-max-kept-sum-dropped": ("logsumexp-basic", "logsumexp-axis", "logsumexp-shape"),
    "logsumexp-whole-array": ("logsumexp-basic", "logsumexp-axis", "logsumexp-shape", "logsumexp-stability"),
    "logsumexp-naive": ("logsumexp-stability",),
    "softmax-naive-overflow": ("softmax-stability",),
    "softmax-global-max": ("softmax-stability",),
    "softmax-numerator-only-shift": ("softmax-basic", "softmax-stability"),
    "softmax-ignores-axis": ("softmax-axis",),
    "softmax-multiplies-temperature": ("softmax-temperature",),
    "softmax-ignores-temperature": ("softmax-temperature",),
    "softmax-fixed-temperature": ("softmax-basic", "softmax-temperature"),
    # a list back (Python's lists, as m2cgen's generated softmax gives): its mistake is told as the array's would be
    "softmax-list-ignores-temperature": ("softmax-temperature",),
    # a temperature below its floor (1e-6) is computed as the floor: the temperature's cell alone
    "softmax-temperature-floored": ("softmax-temperature",),
    "softmax-no-temperature-check": ("softmax-errors",),
    "softmax-inplace-shift": ("softmax-purity",),
    # its pool's workers outlive the first call: purity's alone (a thread left running can change the inputs later)
    "softmax-module-thread-pool": ("softmax-purity",),
    "softmax-scipy": ("softmax-basic", "softmax-axis", "softmax-temperature", "softmax-stability", "softmax-errors", "softmax-purity"),
    "log_softmax-class-wrapped-scipy-alias": ("log_softmax-basic", "log_softmax-axis", "log_softmax-stability", "log_softmax-purity"),
    "log_softmax-log-of-softmax": ("log_softmax-stability",),
    "log_softmax-only-shift": ("log_softmax-basic",),
    "softmax-no-asarray": ("softmax-purity",),
    "softmax-stub-raises-valueerror": ("softmax-basic", "softmax-axis", "softmax-temperature", "softmax-stability", "softmax-errors", "softmax-purity"),
    "softmax-stub-zeros": ("softmax-basic", "softmax-axis", "softmax-temperature", "softmax-stability", "softmax-errors", "softmax-purity"),
    "logsumexp-stub-zero": ("logsumexp-basic", "logsumexp-axis", "logsumexp-shape", "logsumexp-stability", "logsumexp-purity"),
    "log_softmax-template": ("log_softmax-basic", "log_softmax-axis", "log_softmax-stability", "log_softmax-purity"),
    "logsumexp-global-max": ("logsumexp-stability",),
    "logsumexp-ravel": ("logsumexp-axis", "logsumexp-shape",),
    "logsumexp-neg-inf-slice-nan": ("logsumexp-stability",),
    "logsumexp-neg-inf-slice-warns": ("logsumexp-stability",),
    "logsumexp-axis-0-always": ("logsumexp-basic", "logsumexp-axis", "logsumexp-shape", "logsumexp-stability",),
    # right on one slice at a time: the stack of slices is charged in -basic and -axis, once
    "softmax-whole-sum": ("softmax-basic", "softmax-axis"),
    # the uniform distribution whatever the logits: a function that ignores its input, so it earns no cell that needs
    # the function's own work (the relations, the errors: docs/contract.md), and keeps only its purity
    "softmax-uniform": ("softmax-basic", "softmax-axis", "softmax-temperature", "softmax-stability", "softmax-errors"),
    "softmax-sum-without-keepdims": ("softmax-basic", "softmax-axis"),
    "log_softmax-global-max": ("log_softmax-stability",),
    # one distribution over the whole array: right on one slice, so the stack is charged in -basic and -axis
    "log_softmax-whole-array": ("log_softmax-basic", "log_softmax-axis"),
    "log_softmax-naive": ("log_softmax-stability",),
    "log_softmax-rounded": ("log_softmax-basic",),
    "log_softmax-last-axis-always": ("log_softmax-axis",),
    "softmax-assert-temperature": ("softmax-errors",),
    "softmax-raises-exception": ("softmax-errors",),
    "log_softmax-no-return": ("log_softmax-basic", "log_softmax-axis", "log_softmax-stability", "log_softmax-purity"),
    "logsumexp-returns-map": (
        "logsumexp-basic", "logsumexp-axis", "logsumexp-shape", "logsumexp-stability", "logsumexp-purity",
    ),
    "log_softmax-eval-dispatch": ("log_softmax-purity",),
    "logsumexp-rounded": ("logsumexp-basic",),
    "softmax-no-return": ("softmax-basic", "softmax-axis", "softmax-temperature", "softmax-stability", "softmax-errors",
                          "softmax-purity"),
    "logsumexp-eval-dispatch": ("logsumexp-purity",),
}

# The degenerate forms of each function (constant, uniform, one-hot, identity, echoed, ignored: testkit/zoo/degenerate.py),
# each losing every cell but what the contract grants it.
ZOO = ZOO + degenerate.specimens("ps1_softmax")
LOSES.update(degenerate.loses("ps1_softmax"))
