"""Compound specimens: whole notebooks whose grade depends on order and on errors carried forward.

A :class:`~testkit.zoo.Specimen` is one solution cell. The specimens here are
several cells in notebook order (:class:`Compound`): solution cells of more
than one function, and extra cells a student adds (a helper defined early, a
scratch cell at the bottom). Each names the graded cells that must lose
points, and only those:

* **errors carried forward** — a function that calls another contract
  function of its problem set is graded as if that callee were correct, so
  the callee's mistake costs only the callee's cells (likelihood = sum of my
  pdf, log_softmax = z − my logsumexp, softmax through my log_softmax, BCE
  through my Bernoulli log-pmf, the VAE's KL through my Gaussian KL);
  a helper of the student's own is *not* a contract function: its mistake
  counts wherever it is called (ps2's cross-entropy through my log_softmax
  helper), and neither is a contract function written again in the caller's
  own cell (JS through a KL in bits defined in the JS cell);
* **notebook order** — a graded cell sees the cells above it: a function
  that calls one defined in a later cell fails its cells (NameError, as
  under "Restart & Run All"), and a scratch cell at the bottom does not
  change any grade, good or bad.

Every function not named in ``solutions`` keeps the reference solution
cell of ``source/`` (its text, run in the notebook like a student's), and
the notebook's own locked cells (imports, toolboxes) stay as released.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from autograder.model.course import GRADE_CELLS, ROOT
from autograder.model.notebook import nbgrader_meta
from testkit.fill import filled_release
from testkit.zoo import zoo


@dataclass(frozen=True)
class Compound:
    """A submission of several cells, in notebook order.

    Attributes
    ----------
    name : str
        Short unique id (also the student's name in the engine and parity tests).
    ps : str
        The problem set.
    solutions : dict
        ``function -> source`` of its solution cell (``None``: left as
        released, the stub raising NotImplementedError); the other functions
        keep the reference solution cell.
    extra : tuple of (str or None, str)
        Extra code cells ``(after, source)``: inserted right after the cell
        whose grade_id is ``after`` (a function's solution cell, or one of
        its graded cells), or at the end of the notebook when ``after`` is
        ``None``. Several after the same cell keep their order (an extra at the
        end of the notebook comes after every graded cell).
    loses : frozenset of str
        The grade_ids that must score 0; every other graded cell gets its
        points.
    hint : str or None
        A substring of the hint shown on at least one losing cell (``None``
        when nothing is lost, or when the loss is a NameError without hint).
    kind : str or None
        When given, the result kind of every losing cell (e.g.
        ``"not-attempted"``: the cell saw the released template).
    """

    name: str
    ps: str
    solutions: dict
    extra: tuple = ()
    loses: frozenset = frozenset()
    hint: str | None = None
    kind: str | None = None

    def notebook(self, course_dir: Path = ROOT) -> dict:
        """The submission as nbgrader notebook data: the release of ``<course_dir>/release/``
        with its solution cells filled in (:func:`testkit.fill.filled_release`;
        a ``None`` solution keeps the released stub) and the extra cells inserted."""
        written = {fn: src for fn, src in self.solutions.items() if src is not None}
        nb = filled_release(self.ps, written, course_dir)
        released = json.loads((Path(course_dir) / "release" / self.ps / f"{self.ps}.ipynb").read_text(encoding="utf-8"))
        stubs = {nbgrader_meta(c).get("grade_id"): c["source"] for c in released["cells"]}
        for cell in nb["cells"]:
            gid = nbgrader_meta(cell).get("grade_id")
            if gid in self.solutions and self.solutions[gid] is None:
                cell["source"] = stubs[gid]
        for anchor, source in reversed(self.extra):
            cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
            if anchor is None:
                nb["cells"].append(cell)
                continue
            at = [i for i, c in enumerate(nb["cells"]) if nbgrader_meta(c).get("grade_id") == anchor]
            if not at:
                raise ValueError(f"{self.name}: no cell with grade_id {anchor!r} in {self.ps}")
            nb["cells"].insert(at[0] + 1, cell)
        return nb


def _cells(ps: str, *functions: str) -> frozenset:
    """Every graded cell of ``functions``."""
    return frozenset(gid for gid, _ in GRADE_CELLS[ps] if gid.rsplit("-", 1)[0] in functions)


def _loses(ps: str, name: str) -> frozenset:
    """The cells the single-function specimen ``name`` loses (its zoo module's reviewed ``LOSES``)."""
    import importlib

    return frozenset(importlib.import_module(f"testkit.zoo.{ps}").LOSES[name])



def _zoo_source(ps: str, name: str) -> str:
    """The source of the single-cell zoo specimen ``name``."""
    return next(s.source for s in zoo(ps) if s.name == name)


NAIVE_LOGSUMEXP = _zoo_source("ps1_softmax", "logsumexp-naive")
SOFTMAX_SHIFTED = _zoo_source("ps1_softmax", "softmax-keepdims")
NAIVE_SOFTMAX = _zoo_source("ps1_softmax", "softmax-naive-overflow")

MY_LOG_SOFTMAX = '''
import numpy as np

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - np.expand_dims(logsumexp(z, axis=axis), axis)
'''

SOFTMAX_VIA_LOG_SOFTMAX = '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return np.exp(log_softmax(np.asarray(z, dtype=float) / temperature, axis=axis))
'''



SIGMA_AS_VARIANCE_PDF = _zoo_source("ps3_gaussian", "gaussian_log_pdf-sigma-as-variance")
LIKELIHOOD_SUM_OF_PDF = _zoo_source("ps3_gaussian", "gaussian_log_likelihood-sum-of-log-pdf")
KL_BITS = _zoo_source("ps6_information", "ps6-kl-bits")
JS_FROM_KL = _zoo_source("ps6_information", "ps6-js-from-kl")

COMPOUNDS = (
    # ------------------------------------------------------------ errors carried forward
    Compound(
        "carry-log_softmax-via-my-naive-logsumexp",
        "ps1_softmax",
        {"logsumexp": NAIVE_LOGSUMEXP, "log_softmax": MY_LOG_SOFTMAX},
        loses=frozenset({"logsumexp-stability"}),
        hint="the raw logits are exponentiated",
    ),
    Compound(
        "carry-softmax-via-my-log_softmax-defined-early",
        "ps1_softmax",
        # log_softmax (on a naive logsumexp) written in an extra cell above softmax, which uses it
        {"logsumexp": NAIVE_LOGSUMEXP, "softmax": SOFTMAX_VIA_LOG_SOFTMAX, "log_softmax": MY_LOG_SOFTMAX},
        extra=(("logsumexp-purity", MY_LOG_SOFTMAX),),
        loses=frozenset({"logsumexp-stability"}),
        hint="the raw logits are exponentiated",
    ),
    Compound(
        "carry-likelihood-sum-of-my-pdf",
        "ps3_gaussian",
        {"gaussian_log_pdf": SIGMA_AS_VARIANCE_PDF,
         "gaussian_log_likelihood": LIKELIHOOD_SUM_OF_PDF},
        loses=_loses("ps3_gaussian", "gaussian_log_pdf-sigma-as-variance"),
        hint="the result treats it as a variance",
    ),
    Compound(
        "carry-likelihood-loop-over-my-pdf",
        "ps3_gaussian",
        # one call of the callee per observation: 2000 answered calls in the tails probe
        {"gaussian_log_pdf": SIGMA_AS_VARIANCE_PDF,
         "gaussian_log_likelihood": '''
import numpy as np

def gaussian_log_likelihood(x, mu, sigma):
    x, mu, sigma = np.broadcast_arrays(np.asarray(x, dtype=float), mu, sigma)
    total = 0.0
    for xi, mi, si in zip(x.ravel(), mu.ravel(), sigma.ravel()):
        total += gaussian_log_pdf(xi, mi, si)
    return float(total)
'''},
        loses=_loses("ps3_gaussian", "gaussian_log_pdf-sigma-as-variance"),
        hint="the result treats it as a variance",
    ),
    Compound(
        "carry-bce-via-my-bernoulli-log-pmf",
        "ps4_bernoulli",
        {"bernoulli_log_pmf": '''
import numpy as np

def bernoulli_log_pmf(x, p):
    x, p = np.asarray(x, dtype=float), np.asarray(p, dtype=float)
    return np.log(p ** x * (1 - p) ** (1 - x))
''',
         "binary_cross_entropy": '''
import numpy as np

def binary_cross_entropy(p, y):
    return float(-np.mean(bernoulli_log_pmf(y, p)))
'''},
        loses=frozenset({"bernoulli_log_pmf-edges"}),
        hint=None,
    ),
    Compound(
        "carry-vae-kl-via-my-gaussian-kl",
        "ps5_gaussian_kl",
        {"gaussian_kl": '''
import numpy as np

def gaussian_kl(mu1, sigma1, mu2, sigma2):
    return np.log(sigma2 / sigma1) + (sigma1 ** 2 + (mu1 - mu2) ** 2) / (2 * sigma2 ** 2)
''',
         "vae_kl": '''
import numpy as np

def vae_kl(mu, logvar):
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    return np.sum(gaussian_kl(mu, np.exp(0.5 * logvar), 0.0, 1.0), axis=-1)
'''},
        # the -½ is missing: wrong values (-basic) and KL(P ‖ P) = ½, not 0 (-properties); it broadcasts fine,
        # but lists fail without np.asarray (-purity)
        loses=frozenset({"gaussian_kl-basic", "gaussian_kl-properties", "gaussian_kl-purity"}),
        hint=None,
    ),
    Compound(
        "carry-not-for-a-library-version-under-a-contract-name",
        "ps1_softmax",
        # scipy's logsumexp imported under the contract name: a forbidden use in softmax,
        # not a callee to carry forward (logsumexp's own cells ran before and keep their points)
        {"softmax": '''
import numpy as np
from scipy.special import logsumexp

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    return np.exp(x - logsumexp(x, axis=axis, keepdims=True))
'''},
        loses=_cells("ps1_softmax", "softmax"),
        hint="Write it yourself",
    ),
    # ---------------------------------------- a helper of one's own is not carried forward
    Compound(
        "own-copy-of-kl-in-bits-in-the-js-cell",
        "ps6_information",
        # the KL in bits written again in the JS cell, above a JS through it (a real script does so): the copy is
        # the JS cell's own code and runs as written, so the JS is in bits too (and the KL cell loses its own)
        {"kl_divergence": KL_BITS, "js_divergence": KL_BITS + "\n" + JS_FROM_KL},
        loses=_loses("ps6_information", "ps6-kl-bits") | {"js_divergence-basic"},
        hint="the course measures information in nats",
    ),
    Compound(
        "own-helper-cross-entropy-via-my-naive-log-softmax",
        "ps2_cross_entropy",
        {"cross_entropy": '''
import numpy as np

def log_softmax(z):
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))

def cross_entropy(logits, targets):
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets)
    logp = log_softmax(logits)
    if targets.ndim == 1:
        if np.any((targets < 0) | (targets >= logits.shape[1])):
            raise ValueError("targets must be class indices in [0, C)")
        return float(-np.mean(logp[np.arange(len(targets)), targets]))
    return float(-np.mean(np.sum(targets * logp, axis=1)))
'''},
        loses=frozenset({"cross_entropy-stability"}),
        hint=None,
    ),
    # ------------------------------------------------------------------ notebook order
    Compound(
        "order-softmax-calls-log_softmax-defined-later",
        "ps1_softmax",
        # correct, given a log_softmax; but that is defined two sections below
        {"softmax": '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    p = np.exp(log_softmax(np.asarray(z, dtype=float) / temperature, axis=axis))
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    return p
'''},
        loses=_cells("ps1_softmax", "softmax"),
        hint=None,
    ),
    Compound(
        "order-scratch-cell-rebinds-softmax-naively",
        "ps1_softmax",
        {},
        extra=((None, "# trying the textbook formula\n" + NAIVE_SOFTMAX),),
        loses=frozenset(),
    ),
    Compound(
        "order-solution-only-in-a-scratch-cell",
        "ps1_softmax",
        # the solution cell left as released (raises NotImplementedError), softmax written at the bottom
        {"softmax": None},
        extra=((None, SOFTMAX_SHIFTED),),
        loses=_cells("ps1_softmax", "softmax"),
        kind="not-attempted",  # the graded cells above the scratch cell see the released template
    ),
)
