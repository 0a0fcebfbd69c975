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

Since issue 81 the rule is stronger: "lessons ask; checks confirm". :func:`stated` looks for every task's forms
in *everything* a student reads or runs in the release notebook (:func:`student_visible`: every cell's source,
the task's own cell and "Going further" included, the set-up cell's self-checks and confirmation helpers, the
"What the next cells check" lists, and the feedback of every graded cell), not only above the asking cell: a
derivation's result printed three cells below its answer cell, or the code of a stable form in a visible
message, is as good as given. Only the answer cells (``<fn>-derivation``, the student's own text) are left out.

``tests/test_answers_above.py`` runs both on every release notebook, and on the releases before the lessons were
rewritten: :data:`BEFORE` (before issue 50's rewrite: ps1's bounds stated in section 1, ps4's σ(−z) = 1 − σ(z)
and σ′ stated before the derivation that asks for them) and :data:`BEFORE_ISSUE_81` (the forms issue 81 found
anywhere in the notebooks: ps1's stable recipe in task text and messages, ps2's (softmax − t)/N, ps3's Cholesky
formula in a docstring, ...), where they must find what the issues found.

Adding a problem set's entries: a :class:`Task` per part of its derivation (anchored at ``derive-<fn>``) and per
function whose stable form the student is to find (anchored at ``task-<fn>``), each with the forms of its answer;
a form is a regular expression over :func:`normalise`\\ d text (whitespace, ``$``, backquotes and ``**`` gone:
write ``x2`` for ``x**2``), matched case-insensitively. A set leaves :data:`NOT_YET_ASKING` once
:func:`stated` finds nothing in its release.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from autograder.checks.by_name import checks_for
from autograder.checks.check import Check
from autograder.model.course import FUNCTIONS

#: The release before the lessons were rewritten (the positive control's).
BEFORE = "890614a"
#: The release issue 81 read ("the notebooks stop handing out what their points pay for"): the positive control of
#: :func:`stated`.
BEFORE_ISSUE_81 = "dead8d5"
#: Problem sets whose release still states an answer somewhere (issue 81's rewrite not done yet): their test of
#: :func:`stated` is an expected failure, and strict (it fails once the set is clean, so the entry goes). This list
#: may only shrink.
NOT_YET_ASKING: frozenset = frozenset()


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


def _is_answer_cell(cell: dict) -> bool:
    """An answer cell of a derivation (``<fn>-derivation``): the student's own text, not the lesson's."""
    return _gid(cell).endswith("-derivation")


def student_visible(ps: str, cells: list) -> dict:
    """``where -> text`` of everything a student reads or runs in the notebook: each cell's source but the answer
    cells (by grade_id, or ``cell <i>`` for a cell without one), and the feedback of every graded cell
    (``feedback <grade_id>``)."""
    checks = checks_for(ps)
    out = {}
    for i, cell in enumerate(cells):
        if _is_answer_cell(cell):
            continue
        gid = _gid(cell) or f"cell {i}"
        out[gid] = _text(cell)
        if gid in checks:
            out[f"feedback {gid}"] = _feedback(checks[gid])
    return out


def stated(ps: str, notebook: dict, tasks: dict | None = None) -> list:
    """``(asks, where, form)`` for every answer form found anywhere a student looks in ``notebook``
    (:func:`student_visible`); the task must still be asked (its anchor present). ``tasks``: :data:`TASKS` unless
    given (:data:`EVER_ASKED` for a release of the past)."""
    cells = notebook["cells"]
    texts = {where: normalise(text) for where, text in student_visible(ps, cells).items()}
    hits = []
    for task in (TASKS if tasks is None else tasks).get(ps, ()):
        if anchor_index(cells, task) is None:
            raise KeyError(f"{ps}: no cell {task.anchors} asks {task.asks!r}")
        for where, flat in texts.items():
            for form in task.forms:
                if re.search(form, flat, re.IGNORECASE):
                    hits.append((task.asks, where, form))
    return hits


def found(ps: str, notebook: dict, tasks: dict | None = None) -> list:
    """``(asks, where, form)`` for every answer form found above its task in ``notebook`` (``tasks``: as
    :func:`stated`'s)."""
    cells = notebook["cells"]
    hits = []
    for task in (TASKS if tasks is None else tasks).get(ps, ()):
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
    # ps1: the derivation's parts, then the stable form of each function (the code or formula a task would otherwise
    # hand out). Shift invariance itself, softmax(z) = softmax(z - c), is a property the stability cells check and
    # their feedback names (a check says what it checks): (a)'s answer is the factoring that shows it.
    "ps1_softmax": (
        Task(("derive-logsumexp",), "(a) LSE and the softmax through any shift c: e^c factored out", (
            r"softmax\(z[+-]c\)=softmax\(z\)", r"LSE\(z\)=c\+\\?log", r"=e\^\{?c\}?S\(c\)", r"e\^\{z_i-c\}/S\(c\)",
            r"p_i/p_j=e\^", r"onlydifferencesmatter", r"onlylogitdifferences", r"onlythegaps",
            r"onlybyaconstant", r"onlythe(logit)?differences")),
        Task(("derive-logsumexp",), "(b) 1 <= S(m) <= C, so m <= LSE(z) <= m + log C", (
            r"\\le(LSE|logsumexp)\(z\)\\le", r"\\max_j?z_j\\le(LSE|logsumexp)", r"(LSE|logsumexp)\(z\)\\le\\max",
            r"1\\leS\(m\)", r"S\(m\)\\ge1", r"S\(m\)\\leC", r"\\max_jz_j\+\\logC", r"m\+\\logC",
            r"exponents?(is|are)?(then)?(atmost|\\le)0", r"sum(is|stays)?(then)?(\\ge|atleast)1",
            r"sumcannotunderflow")),
        Task(("derive-logsumexp",), "(c) the log-probability within log C of z_i - m", (
            r"z_i-m-\\logC", r"\\le\\logsoftmax\(z\)_i", r"\\logsoftmax\(z\)_i\\le", r"withinlogC",
            r"\\logsoftmax\(z\)_i=\(?z_i-m\)?-\\logS")),
        Task(("task-logsumexp",), "logsumexp's stable form: the max shift, added back; an all -inf slice shifted by 0", (
            r"LSE\(z\)=m\+\\log", r"m\+\\log\\sum_je\^\{?z_j-m\}?", r"=m\+\\logS\(m\)",
            r"m\+(np\.)?log\((np\.)?sum\((np\.)?exp\(z-m\)", r"m=(np\.)?max\(z,axis=axis,keepdims=True\)",
            r"z-z\.max\(", r"z-(np\.)?max\(z", r"exp\(z-m\)", r"exp\(z-z\.max", r"shiftitby0", r"shiftby0",
            r"where\((np\.)?isfinite\(", r"\+(np\.)?log1p\(", r"LSE\(z\)=m\+log1p")),
        Task(("task-softmax",), "softmax's stable form: shift by the maximum, then divide by T", (
            r"\(z-m\)/T", r"\(z_i-m\)/T", r"\(z-m\)/temperature", r"\(z_j-m\)/T", r"shift,thendivide",
            r"errstate\(over=", r"e/(np\.)?sum\(e")),
        Task(("task-log_softmax",), "log_softmax computed directly: (z - m) - log sum exp(z - m)", (
            r"\(z_i-m\)-\\log\\sum", r"\(z-m\)-(np\.)?log\((np\.)?sum\((np\.)?exp\(z-m\)", r"z_i-m-\\log\\sum",
            r"shifted-(np\.)?log")),
    ),
    "ps2_cross_entropy": (
        Task(("task-cross_entropy",), "the loss from the logits: LSE(z) - sum_c t_c z_c", (
            r"LSE\(z\)-\\sum_ct_c\\?,?z_c", r"LSE\(z\)-z_y", r"logsumexp\([^)]*\)-z\[", r"lse-z\[",
            r"LSE\(logits\)-logits\[", r"\(z-m\)-(np\.)?log\((np\.)?sum\((np\.)?exp\(z-m\)",
            r"log\((np\.)?sum\((np\.)?exp\(z-m\)")),
        Task(("derive-cross_entropy_grad",), "(a) the softmax's Jacobian", (
            r"p_i\(\\delta_\{?ik\}?-p_k\)", r"\\delta_\{?ik\}?p_i-p_ip_k", r"diag\(p\)-pp\^")),
        Task(("derive-cross_entropy_grad",), "(b) the gradient: softmax minus target, over N", (
            r"p_k-t_k", r"softmax\(z\)-t", r"softmaxminus(the)?target", r"softmax\(logits\)-onehot",
            r"\(p-t\)/N", r"predictionminustarget", r"\(softmax-(t|onehot)\)", r"(?<![a-z_])p-t(?![a-z_])",
            r"p_y-1", r"z_y\|?=1-p_y", r"forgot(ten)?(the)?1/N", r"forget(ting)?(the)?1/N",
            r"\(N-1\)/\(N\+1\)")),
    ),
    "ps3_gaussian": (
        Task(("derive-gaussian_mle",), "(a) the mean maximises the likelihood in mu", (
            r"\\hat\\mu=\\frac\{?1\}?\{?N\}?\\sum", r"\\partial\\ell/\\partial\\mu=\\frac", r"mu_hat=(np\.)?mean",
            r"thesamplemean", r"\\hat\\mu=\\bar\{?x\}?", r"mean\(x\)\)?(,|\\hat)")),
        Task(("derive-gaussian_mle",), "(b) sigma_hat: the root mean squared deviation, divided by N", (
            r"\\hat\\sigma\^2=\\frac\{?1\}?\{?N\}?", r"ddof=0", r"divide(d|s)?by\\?N,?not", r"S/\\sigma\^3-N/\\sigma",
            r"meansquareddeviation", r"\\?NandnotN-1", r"biasedlowby", r"rootmeansquare",
            r"sqrt\((np\.)?mean\(\(x-")),
        Task(("derive-gaussian_mle",), "(c) the maximum: completing the square", (
            r"S\+N\(\\hat\\mu-\\mu\)\^2", r"completingthesquare")),
        Task(("task-mvn_log_pdf",), "the Mahalanobis term and log det through the Cholesky factor", (
            r"2\\sum_i?\\logL_\{?ii\}?", r"\\prod_iL_\{?ii\}?\^2", r"\\lVertL\^\{-1\}\(x-\\mu\)\\rVert",
            r"\\lVerty\\rVert\^2withLy=", r"2\*(np\.)?sum\((np\.)?log\((np\.)?diag\(L\)\)\)",
            r"sum\(log\(diag\(L\)\)\)", r"2sum\(logdiagL\)", r"y=L\^\{-1\}\(x-\\mu\)", r"\\lVerty\\rVert\^2",
            r"logdet=2", r"sum\(y\*y", r"sum\(y\*\*2")),
    ),
    # ps4-ps6 (issue 81): each derivation part, then each stable form a task asks the student to find. A property a
    # check states is not an answer (sigmoid(z) and sigmoid(-z) are "the right pair"; the two labellings of a logit
    # "add up to |z|" far out): the identities, the formulas and the code that compute them are.
    "ps4_bernoulli": (
        Task(("derive-sigmoid", "derive-binary_cross_entropy_with_logits"), "(a) sigma(-z) and sigma'(z)", (
            r"\\sigma\(-z\)=1-\\sigma\(z\)", r"1-\\sigma\(z\)=\\sigma\(-z\)", r"\\sigma\(z\)\+\\sigma\(-z\)=1",
            r"\\sigma'\(z\)=\\sigma\(z\)", r"sigmoid\(z\)\+sigmoid\(-z\)", r"s\+s_neg", r"sigmoid\(-z\)=1-sigmoid\(z\)",
            r"1-sigmoid\(z\)=sigmoid\(-z\)", r"\\sigma\(z\)\\?,?\(1-\\sigma\(z\)\)", r"σ\(z\)\+σ\(-z\)=1",
            r"σ\(-z\)=1-σ\(z\)", r"1-σ\(z\)=σ\(-z\)", r"σ\(z\)·σ\(-z\)=", r"sigmoid\(z\)·sigmoid\(-z\)should", r"\\sigma\(z\)\(1-\\sigma\(z\)\)",
            r"s\*\(1-s\)", r"σ\(1-σ\)")),
        Task(("derive-sigmoid", "derive-binary_cross_entropy_with_logits"), "(b) the loss through softplus", (
            r"-\\log\\sigma\(z\)=", r"\\log\(1\+e\^\{-z\}\)=softplus", r"ysoftplus\(-z\)", r"softplus\(-z\)\+",
            r"softplus\(z\)\+softplus\(-z\)", r"softplus\(1000\)=1000", r"\\log\\sigma\(z\)=-softplus")),
        Task(("derive-sigmoid", "derive-binary_cross_entropy_with_logits"), "(c) the gradient sigma(z) - y; convex in w", (
            r"\\sigma\(z\)-y", r"sigmoid\(z\)-y", r"sigmoid\(z\)-labels", r"predictionminustarget",
            r"sigmoid\(z\)-(np\.)?asarray\(y", r"\(s-1\)\*s\*\(1-s\)", r"\|σ\(z\)-1\|", r"BCEgradient\(sigma\(z\)-1\)",
            r"2\(\\sigma\(z\)-y\)", r"x_nx_n\^\\top", r"\(x_n\^\\topv\)\^2", r"logcancelstheflatsigmoid")),
        Task(("task-sigmoid",), "the sigmoid without overflow: split by sign, exp only of -|z|", (
            r"e\^\{?-\|z\|\}?", r"exp\(-(np\.)?abs\(z\)\)", r"exp\(-\|z\|\)", r"e/\(1\+e\)", r"1/\(1\+e\)for",
            r"e=e\^\{-\|z\|\}")),
        Task(("task-bernoulli_log_pmf",), "the log-probability with 0 log 0 = 0: xlogy and xlog1py", (
            r"xlogy\(x,p\)\+xlog1py", r"xlog1py\(1-x,-p\)", r"xlogy\(x,p\)andxlog1py")),
        Task(("task-binary_cross_entropy",), "the loss with 0 log 0 = 0: xlogy and xlog1py", (
            r"xlogy\(y,p\)\+xlog1py", r"xlog1py\(1-y,-p\)", r"xlog1py\(1-x,-p\)")),
        Task(("task-binary_cross_entropy_with_logits",), "softplus without overflow", (
            r"\\max\(t,0\)\+\\log", r"maximum\(z,0(\.0)?\)", r"log1p\((np\.)?exp\(-(np\.)?abs", r"max\(z,0\)\+log1p",
            r"\\log\(1\+e\^\{-\|[tz]\|\}\)", r"logof1\+e\^\{?-\|[tz]\|\}?", r"log\(1\+e\^-\|z\|\)", r"\|z\|\+2·?log\(1\+", r"log1p\(exp\(-\|")),
    ),
    "ps5_gaussian_kl": (
        Task(("derive-gaussian_kl",), "(a) the log-ratio, log 2 pi cancelling", (
            r"\\log2\\picancel", r"\\log\\frac\{p\(x\)\}\{q\(x\)\}=\\log\\frac\{\\sigma_2\}\{\\sigma_1\}",
            r"\\frac12\\log2\\picancel")),
        Task(("derive-gaussian_kl",), "(b) the univariate closed form", (
            r"\\mathbb\{E\}\[?\(x-\\mu_2\)\^2\]?=\\sigma_1\^2\+",
            r"\\log\\frac\{\\sigma_2\}\{\\sigma_1\}\+\\frac\{\\sigma_1\^2\+\(\\mu_1-\\mu_2\)\^2\}",
            r"log\(sigma2/sigma1\)\+", r"\(s12\+\(m1-m2\)2\)", r"\\boxed", r"log2\+1/8-1/2",
            r"(np\.)?log\(2\.0\)\+1/8-0\.5", r"\\log3\+\\frac1\{?18\}?-\\frac12", r"-\\log3\+\\frac92",
            r"\(mu1-mu2\)\^2/\(2sigma2\^2\)", r"\\Delta\\mu\^2/2\\sigma\^2", r"½\(r²-1-logr²\)", r"½\(1/r²-1\+logr²\)",
            r"sigma\^2/\(2sigma\^2\)-1/2", r"\\frac12\\?\(e\^\{?u\}?-1-u\)\+\\frac12", r"log\(1\.0/s1\)\+s12/2",
            r"log\(1/2\)\+\(4\.0\+1\.0\)/2-0\.5", r"-\\log\(1\+d\)\+d\+d2/2", r"log\(1\+d\)\+d\+d\^2/2")),
        Task(("derive-gaussian_kl",), "(c) the VAE's KL, a sum of univariate ones", (
            r"-\\frac12\\sum_\{?j=1\}?\^\{?K\}?\\?\(1\+\\log\\sigma_j\^2", r"sumof(the)?univariateKLs?",
            r"-0\.5\*(np\.)?sum\(1\+logvar", r"-\\frac12\\sum_\{?j\}?\\?\(1\+v_j", r"-½Σ\(1\+logvar",
            r"\(sigma\^2-1-logsigma\^2\)/2", r"0\.5\*\(2\.0-1\.0-(np\.)?log\(2\.0\)\)", r"1\^2/2=0\.5",
            r"-\\frac12\\sum\(1\+\\text\{?logvar")),
        Task(("task-mvn_kl",), "the trace and log-determinants through Cholesky factors", (
            r"2\*(np\.)?sum\((np\.)?log\((np\.)?diag\(L", r"2sum\(log\(diag\(L", r"\\sum_\{i>j\}M_\{ij\}\^2",
            r"M_\{ii\}\^2-1-\\logM_\{ii\}\^2", r"\\lVertL_2\^\{-1\}L_1\\rVert", r"tr\(\\Sigma_2\^\{-1\}\\Sigma_1\)=\\lVert",
            r"logdet=2\*sum")),
        # the multivariate steps (the trace trick worked through) appear nowhere: they are (b)'s steps in D dimensions
        Task(("summary",), "nowhere: the expectations of the multivariate KL worked out", (
            r"\\mathbb\{E\}\[?\(x-\\mu_2\)\^\\top\\Sigma_2\^\{-1\}\(x-\\mu_2\)\]?=",
            r"\\mathbb\{E\}\[?\(x-\\mu_1\)\^\\top\\Sigma_1\^\{-1\}\(x-\\mu_1\)\]?=D")),
    ),
    "ps6_information": (
        Task(("task-bayes_posterior",), "the posterior as the softmax of the log prior plus the summed log-likelihoods", (
            r"softmax\(a\)_k", r"posterioris(the)?softmax", r"a_k=\\logp\(h_k\)\+\\sum", r"softmax\(log_prior\+",
            r"normalisewithasoftmax")),
        Task(("derive-map_linear_regression",), "(a) MAP is least squares plus lambda ||w||^2, lambda a ratio", (
            r"\\lambda=\\sigma_\\varepsilon\^2/\\sigma_w\^2", r"noise_std2/prior_std2",
            r"Gaussianprior(ontheweights)?(is|turnsleastsquaresinto)weightdecay,", r"-\\lVerty-Xw\\rVert\^2/\(2\\sigma",
            r"noise_std\^2/prior_std\^2", r"noise_std²/prior_std²", r"λ=σ_ε²/σ_w²", r"0\.52/22",
            r"\\lambda=0\.0625", r"lam=1/100", r"\\sigma_w\^2=1/\(N", r"prior_std=1/sqrt\(lam",
            r"\\lambda=\\sigma_\\varepsilon\^2/\\sigma_w\^2")),
        Task(("derive-map_linear_regression",), "(b) the regularised normal equations", (
            r"\(X\^\\topX\+\\lambdaI\)\\?,?w=X\^\\topy", r"-2X\^\\top\(y-Xw\)", r"y\^\\topy-2",
            r"\(X\^TX\+lamI\)w=X\^Ty", r"X\.T@X\+", r"XᵀX\+λI")),
        Task(("derive-map_linear_regression",), "(c) positive definite for lambda > 0", (
            r"\\lVertXv\\rVert\^2\+\\lambda\\lVertv\\rVert\^2",)),
        Task(("task-map_linear_regression",), "the stacked least-squares system [X; sqrt(lambda) I] w = [y; 0]", (
            r"\\begin\{bmatrix\}X\\\\\\sqrt", r"\[X;\\?sqrt\(?\\?(lambda|lam|λ)", r"vstack\(\[X,", r"root_lam\*(np\.)?eye",
            r"\\sqrt\{?\\lambda\}?\\?,?I\\end")),
    ),
}


def asked_in_the_course(ps: str, anchors: tuple) -> bool:
    """Whether a task anchored at ``anchors`` is still the course's: not the task of a function it no longer asks for
    (a function taken out takes its task, and what the lesson said about it, with it)."""
    fns = [a[len("task-"):] for a in anchors if a.startswith("task-")]
    return not fns or any(fn in FUNCTIONS[ps] for fn in fns)


#: Every task the lessons ever asked, whatever the course asks today: the positive controls read releases of the
#: past (:data:`BEFORE`, :data:`BEFORE_ISSUE_81`), whose tasks are fixed facts of their commits.
EVER_ASKED = TASKS
TASKS = {ps: tuple(t for t in tasks if asked_in_the_course(ps, t.anchors)) for ps, tasks in TASKS.items()}
