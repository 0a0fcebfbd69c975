"""Lessons that ask and do not tell: no task's answer stands above the task.

For each task a student meets in a problem set — a part of the derivation ("Derive it yourself"), or a
function whose stable form the task asks the student to find — :data:`TASKS` names the cell that asks
it and the *characteristic forms* of its answer: the identities, bounds, intermediate results and code a
student would otherwise copy, written as regular expressions over :func:`normalise`\\ d text. The answer
must not appear in anything a student reads or runs above that cell (:func:`above`): the markdown, the
code of every cell (lesson figures and demos, the visible asserts and their messages, the set-up cell's
self-check messages), and what grading says about the cells above (each check's summary, relation
statements and hints, shown as feedback on a student's CI run). A ``"show that X"`` question states its
own X: the forms are what the question does not say.

``tests/test_answers_above.py`` runs it on every release notebook, and on the release of the commit before
the lessons were rewritten (:data:`BEFORE`), where it finds what the issue found (ps1's bounds stated in
section 1, ps4's σ(−z) = 1 − σ(z) and σ′ stated before the derivation that asks for them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from autograder.checks.by_name import checks_for
from autograder.checks.check import Check

#: The release before the lessons were rewritten (the positive control's).
BEFORE = "890614a"


@dataclass(frozen=True)
class Task:
    """One task: ``anchors`` (grade_ids of the cell that asks it, the first present in the notebook is used:
    an older id where a cell was renamed), what is asked, and the forms of its answer."""

    anchors: tuple
    asks: str
    forms: tuple


def normalise(text: str) -> str:
    r"""Text with the spelling of formulas made uniform: no whitespace, ``$`` or backquotes, ``\tfrac`` and
    ``\dfrac`` as ``\frac``, ``\operatorname{LSE}`` as ``LSE``, no ``\left``/``\big`` sizes or thin spaces,
    the Unicode minus as ``-``, bold markers gone."""
    t = text.replace("−", "-").replace("’", "'").replace("**", "")
    t = t.replace(r"\tfrac", r"\frac").replace(r"\dfrac", r"\frac")
    t = re.sub(r"\\(?:operatorname|mathrm|text|mathbf|mathcal)\{([^{}]*)\}", r"\1", t)
    t = re.sub(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])", "", t)
    t = re.sub(r"\\[,;!: ]", "", t)
    t = t.replace("$", "").replace("`", "")
    return re.sub(r"\s+", "", t)


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _gid(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _feedback(check: Check) -> str:
    """What grading says about a cell: its summary, its relations and every hint it may show."""
    parts = [check.summary] + [r.describe() for r in check.relations] + [h.text for h in check.hints]
    return "\n".join(parts)


def anchor_index(cells: list, task: Task) -> int | None:
    ids = [_gid(c) for c in cells]
    for anchor in task.anchors:
        if anchor in ids:
            return ids.index(anchor)
    return None


def above(ps: str, cells: list, index: int) -> dict:
    """``where -> text`` of everything above cell ``index``: each cell's source, and the feedback of the
    graded cells among them (``feedback <grade_id>``)."""
    checks = checks_for(ps)
    out = {}
    for cell in cells[:index]:
        gid = _gid(cell) or "(no id)"
        out[gid] = _text(cell)
        if gid in checks:
            out[f"feedback {gid}"] = _feedback(checks[gid])
    return out


def found(ps: str, notebook: dict) -> list:
    """``(asks, where, form)`` for every answer form found above its task in ``notebook``."""
    cells = notebook["cells"]
    hits = []
    for task in TASKS.get(ps, ()):
        index = anchor_index(cells, task)
        if index is None:
            raise KeyError(f"{ps}: no cell {task.anchors} asks {task.asks!r}")
        for where, text in above(ps, cells, index).items():
            flat = normalise(text)
            for form in task.forms:
                if re.search(form, flat, re.IGNORECASE):
                    hits.append((task.asks, where, form))
    return hits


def read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


TASKS: dict[str, tuple] = {
    "ps1_softmax": (
        Task(("derive-logsumexp",), "(a) a common shift changes neither LSE's offset nor the softmax", (
            r"softmax\(z[+-]c\)=softmax\(z\)", r"softmax\(z\)=softmax\(z[+-]c\)", r"LSE\(z\)=c\+\\?log",
            r"p_i/p_j=e\^", r"onlydifferencesmatter", r"onlylogitdifferences", r"onlythegaps",
            r"onlybyaconstant")),
        Task(("derive-logsumexp",), "(b) m <= LSE(z) <= m + log C", (
            r"\\le(LSE|logsumexp)\(z\)\\le", r"\\max_j?z_j\\le(LSE|logsumexp)", r"(LSE|logsumexp)\(z\)\\le\\max",
            r"1\\leS\(m\)\\leC", r"\\max_jz_j\+\\logC")),
        Task(("derive-logsumexp",), "(c) the log-probability within log C of z_i - m", (
            r"z_i-m-\\logC", r"\\le\\logsoftmax\(z\)_i", r"\\logsoftmax\(z\)_i\\le", r"withinlogC")),
        Task(("task-log_softmax",), "log_softmax computed directly: (z - m) - log sum exp(z - m)", (
            r"\(z_i-m\)-\\log\\sum", r"\(z-m\)-(np\.)?log\((np\.)?sum\((np\.)?exp\(z-m\)", r"z_i-m-\\log\\sum")),
    ),
    "ps2_cross_entropy": (
        Task(("task-cross_entropy",), "the loss from the logits: LSE(z) - sum_c t_c z_c", (
            r"LSE\(z\)-\\sum_ct_c\\?,?z_c", r"LSE\(z\)-z_y", r"logsumexp\([^)]*\)-z\[", r"lse-z\[",
            r"LSE\(logits\)-logits\[")),
        Task(("derive-cross_entropy_grad",), "(a) the softmax's Jacobian", (
            r"p_i\(\\delta_\{?ik\}?-p_k\)", r"\\delta_\{?ik\}?p_i-p_ip_k", r"diag\(p\)-pp\^")),
        Task(("derive-cross_entropy_grad",), "(b) the gradient: softmax minus target, over N", (
            r"p_k-t_k", r"softmax\(z\)-t", r"softmaxminus(the)?target", r"softmax\(logits\)-onehot",
            r"\(p-t\)/N", r"predictionminustarget")),
    ),
    "ps3_gaussian": (
        Task(("derive-gaussian_mle",), "(a) the mean maximises the likelihood in mu", (
            r"\\hat\\mu=\\frac\{?1\}?\{?N\}?\\sum", r"\\partial\\ell/\\partial\\mu=\\frac", r"mu_hat=(np\.)?mean",
            r"thesamplemean")),
        Task(("derive-gaussian_mle",), "(b) sigma_hat: the root mean squared deviation, divided by N", (
            r"\\hat\\sigma\^2=\\frac\{?1\}?\{?N\}?", r"ddof=0", r"divide(d|s)?by\\?N,?not", r"S/\\sigma\^3-N/\\sigma",
            r"meansquareddeviation")),
        Task(("derive-gaussian_mle",), "(c) the maximum: completing the square", (
            r"S\+N\(\\hat\\mu-\\mu\)\^2", r"completingthesquare")),
        Task(("task-mvn_log_pdf",), "the Mahalanobis term and log det through the Cholesky factor", (
            r"2\\sum_i?\\logL_\{?ii\}?", r"\\prod_iL_\{?ii\}?\^2", r"\\lVertL\^\{-1\}\(x-\\mu\)\\rVert",
            r"\\lVerty\\rVert\^2withLy=", r"2\*(np\.)?sum\((np\.)?log\((np\.)?diag\(L\)\)\)",
            r"sum\(log\(diag\(L\)\)\)")),
    ),
    "ps4_bernoulli": (
        Task(("derive-sigmoid", "derive-binary_cross_entropy_with_logits"), "(a) sigma(-z) and sigma'(z)", (
            r"\\sigma\(-z\)=1-\\sigma\(z\)", r"1-\\sigma\(z\)=\\sigma\(-z\)", r"\\sigma\(z\)\+\\sigma\(-z\)=1",
            r"\\sigma'\(z\)=\\sigma\(z\)", r"sigmoid\(z\)\+sigmoid\(-z\)", r"s\+s_neg", r"1-sigmoid\(z\)",
            r"\\sigma\(z\)\\?,?\(1-\\sigma\(z\)\)", r"σ\(z\)\+σ\(-z\)=1", r"σ\(-z\)=1-σ\(z\)",
            r"1-σ\(z\)=σ\(-z\)")),
        Task(("derive-sigmoid", "derive-binary_cross_entropy_with_logits"), "(b) the loss through softplus", (
            r"-\\log\\sigma\(z\)=", r"\\log\(1\+e\^\{-z\}\)=softplus", r"ysoftplus\(-z\)", r"softplus\(-z\)\+")),
        Task(("derive-sigmoid", "derive-binary_cross_entropy_with_logits"), "(c) the gradient sigma(z) - y", (
            r"\\sigma\(z\)-y", r"sigmoid\(z\)-y", r"sigmoid\(z\)-labels", r"predictionminustarget")),
        Task(("task-binary_cross_entropy_with_logits",), "softplus without overflow", (
            r"\\max\(t,0\)\+\\log", r"maximum\(z,0(\.0)?\)-z\*y", r"log1p\((np\.)?exp\(-(np\.)?abs")),
    ),
    "ps5_gaussian_kl": (
        Task(("derive-gaussian_kl",), "(a) the log-ratio, log 2 pi cancelling", (
            r"\\log2\\picancel", r"\\log\\frac\{p\(x\)\}\{q\(x\)\}=\\log\\frac\{\\sigma_2\}\{\\sigma_1\}")),
        Task(("derive-gaussian_kl",), "(b) the univariate closed form", (
            r"\\mathbb\{E\}\[?\(x-\\mu_2\)\^2\]?=\\sigma_1\^2\+",
            r"\\log\\frac\{\\sigma_2\}\{\\sigma_1\}\+\\frac\{\\sigma_1\^2\+\(\\mu_1-\\mu_2\)\^2\}",
            r"log\(sigma2/sigma1\)\+", r"\(s1\*\*2\+\(m1-m2\)\*\*2\)")),
        Task(("derive-gaussian_kl",), "(c) the VAE's KL, a sum of univariate ones", (
            r"-\\frac12\\sum_\{?j=1\}?\^\{?K\}?\\?\(1\+\\log\\sigma_j\^2", r"sumoftheunivariateKL",
            r"-0\.5\*(np\.)?sum\(1\+logvar")),
        # the multivariate steps (the trace trick worked through) appear nowhere: they are (b)'s steps in D dimensions
        Task(("summary",), "nowhere: the expectations of the multivariate KL worked out", (
            r"\\mathbb\{E\}\[?\(x-\\mu_2\)\^\\top\\Sigma_2\^\{-1\}\(x-\\mu_2\)\]?=",
            r"\\mathbb\{E\}\[?\(x-\\mu_1\)\^\\top\\Sigma_1\^\{-1\}\(x-\\mu_1\)\]?=D")),
    ),
    "ps6_information": (
        Task(("task-bayes_posterior",), "the posterior as the softmax of the log prior plus the summed log-likelihoods", (
            r"softmax\(a\)_k", r"posterioris(the)?softmax", r"a_k=\\logp\(h_k\)\+\\sum")),
        Task(("derive-map_linear_regression",), "(a) MAP is least squares plus lambda ||w||^2, lambda a ratio", (
            r"\\lambda=\\sigma_\\varepsilon\^2/\\sigma_w\^2", r"noise_std\*\*2/prior_std\*\*2",
            r"Gaussianprior(ontheweights)?(is|turnsleastsquaresinto)weightdecay", r"-\\lVerty-Xw\\rVert\^2/\(2\\sigma")),
        Task(("derive-map_linear_regression",), "(b) the regularised normal equations", (
            r"\(X\^\\topX\+\\lambdaI\)\\?,?w=X\^\\topy", r"-2X\^\\top\(y-Xw\)", r"y\^\\topy-2")),
        Task(("derive-map_linear_regression",), "(c) positive definite for lambda > 0", (
            r"\\lVertXv\\rVert\^2\+\\lambda\\lVertv\\rVert\^2",)),
    ),
}
