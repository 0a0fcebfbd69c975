"""Every hint names a mistake and never hands over the answer (issue 50, part 2).

Read from the checks' data, no grading (fast):

* every hint text is whole (not empty, not cut off: a full stop at the end, balanced brackets and backticks);
* no hint states a line of code: a code span names a function, an argument or an operator, never a call with
  arguments, an assignment or a statement;
* no hint states a formula that solves the task: the reference formulas in their characteristic forms (the
  contract's, the reference solutions', the textbook's) are refused, as is any equation whose right-hand side is
  an expression of the function's variables;
* a rule explains only failures of the kinds it names (a purity, error-handling or warning failure is never
  explained by a rule written for wrong values), and the mistakes rules name are distinct.

That each hint is shown for the mistake it names, and only for it, is ``tests/test_zoo.py``'s (every zoo specimen
records its mistakes); that feedback without a recognised mistake says which property failed on which input and
no more is tested here on functions no rule knows.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, _forbidden_result, evaluate
from autograder.checks.failure import HINT_KINDS, VALUE_KINDS
from autograder.checks.generic_hints import GENERIC_HINTS
from autograder.model.course import FUNCTIONS, PROBLEM_SETS
from testkit.zoo import hint_rules


def texts(ps: str) -> list:
    """Every hint a student of ``ps`` can read: the rules' texts and each function's advice on a forbidden one."""
    advice = {_forbidden_result(check, ("scipy.special.softmax",)).hint for check in checks_for(ps).values()}
    return list(hint_rules(ps)) + sorted(advice - {""})  # (a function's other cells refer to its first)


def test_the_advice_on_a_forbidden_function_names_that_functions_own_tools():
    """A divergence written with scipy's jensenshannon is told to use xlogy, not lstsq (ps6's list is for its five
    functions together)."""
    advice = {check.function: _forbidden_result(check, ("x",)).hint for check in checks_for("ps6_information").values()
              if _forbidden_result(check, ("x",)).hint}
    for name in ("entropy", "kl_divergence", "js_divergence"):
        assert "xlogy" in advice[name] and "lstsq" not in advice[name] and "linalg" not in advice[name], advice[name]
    assert "logsumexp" in advice["bayes_posterior"] and "lstsq" not in advice["bayes_posterior"]
    assert "lstsq" in advice["map_linear_regression"] and "xlogy" not in advice["map_linear_regression"]


ALL_TEXTS = sorted({text for ps in PROBLEM_SETS for text in texts(ps)})


# ---------------------------------------------------------------------------------------------- whole
@pytest.mark.parametrize("text", ALL_TEXTS, ids=lambda t: t[:40])
def test_every_hint_is_whole(text):
    assert text.strip() == text and len(text) >= 30, text
    assert text.endswith("."), f"cut off (no full stop at the end): {text!r}"
    assert not text.endswith(("….", "...")), f"cut off: {text!r}"
    assert text.count("`") % 2 == 0, f"an unclosed code span: {text!r}"
    depth = 0  # brackets of any kind, together: an interval such as [0, C) closes with another one
    for ch in text:
        depth += (ch in "([{") - (ch in ")]}")
        assert depth >= 0, f"a closing bracket without its opening one: {text!r}"
    assert depth == 0, f"an unclosed bracket: {text!r}"
    assert "  " not in text and "\n" not in text, f"garbled spacing: {text!r}"
    assert len(text) <= 450, f"{len(text)} characters: say one mistake and one idea ({text!r})"


# ------------------------------------------------------------------------------------------- no code
#: A code span that names something (a function, an argument, an operator) rather than writing code.
_NAMES_SOMETHING = re.compile(
    r"(?:[A-Za-z_][\w.]*(?:\(\))?"          # np.log1p, math.exp, axis, globals()
    r"|[A-Za-z_]\w*=[\w.-]+"                 # keepdims=True: an argument's name and value
    r"|[-+*/@.=<>!]{1,2}\s?\w*"             # -=, @, .T, == 1
    r"|\w+ -O|exec`/`eval|if|return|assert"  # python -O, statements named by their keyword
    r"|'[^']*')"
)


def code_spans(text: str) -> list:
    return re.findall(r"`([^`]*)`", text)


@pytest.mark.parametrize("text", ALL_TEXTS, ids=lambda t: t[:40])
def test_no_hint_writes_code(text):
    for span in code_spans(text):
        assert _NAMES_SOMETHING.fullmatch(span), f"a line of code in a hint: `{span}` in {text!r}"


@pytest.mark.parametrize("span", ["z = np.array(z, dtype=float)", "np.max(z, axis=axis, keepdims=True)",
                                  "if temperature <= 0: raise ValueError(\"temperature must be > 0\")",
                                  "np.maximum(total, 0.0)", "xlogy(x, p) + xlog1py(1 - x, -p)",
                                  "z - m", "return mu_hat, sigma_hat"])
def test_the_code_guard_recognises_code(span):
    assert not _NAMES_SOMETHING.fullmatch(span)


# ----------------------------------------------------------------------------------------- no formula
def normalised(text: str) -> str:
    """``text`` with the notations of a formula made one: lower case, no spaces, ASCII operators, Greek letters by
    name, ``²`` as ``^2``, ``½`` as ``1/2``, ``Σ`` as ``sum``."""
    for a, b in (("−", "-"), ("·", "*"), ("×", "*"), ("²", "^2"), ("½", "1/2"), ("⁻¹", "^-1"), ("ᵀ", "^t"),
                 ("Σ", "sum"), ("σ", "sigma"), ("μ", "mu"), ("λ", "lambda"), ("π", "pi"), ("√", "sqrt"),
                 ("‖", "||"), ("**", "^"), ("`", "")):
        text = text.replace(a, b)
    return re.sub(r"\s+", "", text.lower())


#: The reference formulas in their characteristic forms (the contract's, the reference solutions', the
#: textbook's), normalised: a hint containing one hands over the answer. Each was in some hint before issue 50.
SOLUTION_FORMS = {
    "logsumexp": [r"m\+logsum", r"m\+log\(sum", r"logsumexp\(z\)=", r"=m\+"],
    "softmax": [r"z-z\.max\(", r"exp\(z-m\)/sum", r"e/e\.sum\("],
    "log_softmax": [r"z-logsumexp\(z\)", r"\(z-m\)-log", r"z-m-log"],
    "cross_entropy": [r"\(softmax-onehot\)/n", r"softmax\(z\)-onehot\(y\)", r"-sum_?c?t_?c\*?log",
                      r"softmax\(logits\)-onehot"],
    "gaussian": [r"-1/2\(\(x-mu\)/sigma\)\^2", r"-logsigma-1/2log2pi", r"2sumlogl_ii", r"logdetcov=2",
                 r"-1/2\(x-mu\)\^tcov\^-1", r"-\(d/2\)log2pi", r"solve_triangular\(l,x-mu"],
    "bernoulli": [r"xlogy\(x,p\)\+", r"xlog1py\(1-x,-p\)", r"1/\(1\+exp\(-z\)\)", r"e/\(1\+e\)",
                  r"logaddexp\(0,", r"softplus\(-z\)", r"=softplus", r"y\*?logp\+\(1-y\)\*?log\(1-p\)",
                  r"x\*?logp\+\(1-x\)\*?log\(1-p\)", r"max\(t,0\)\+"],
    "gaussian_kl": [r"log\(sigma2/sigma1\)\+", r"\(sigma1\^2\+\(mu1-mu2\)\^2\)", r"/\(2sigma2\^2\)",
                    r"1/2\[tr", r"tr\(cov2\^-1cov1\)\+", r"-1/2sum\(1\+logvar", r"logdetcov2-logdetcov1",
                    r"logdetsigma=2"],
    "information": [r"sump\*?log\(p/q\)", r"-sump\*?logp", r"1/2kl\(p\|\|m\)\+1/2kl\(q\|\|m\)", r"m=\(p\+q\)/2",
                    r"noise_std\^2/prior_std\^2", r"\(x\^tx\+lambdai\)w=x\^ty", r"maximum\(.*,0(\.0)?\)",
                    r"a_k=log_prior", r"log_prior\[k\]\+sum", r"xlogy\(p,p\)", r"abs\(s-1\)>1e-8"],
}
_FORMS = [(name, re.compile(form)) for name, forms in SOLUTION_FORMS.items() for form in forms]

#: An equation whose right-hand side is an expression of variables (``λ = noise_std² / prior_std²``); a plain
#: value on the right (``p = 0``, ``z = -1000``, ``prior_std = inf``) describes an input, which hints do.
_EQUATION = re.compile(r"(?<![<>=!])=(?!=)")
_MATH_WORDS = {"log", "exp", "sqrt", "det", "tr", "sum", "max", "min", "inf", "softmax", "softplus", "logsumexp",
               "onehot", "xlogy", "xlog1py", "kl", "mahalanobis"}
_EXPRESSION = re.compile(r"[A-Za-zσμλΣ_]\w*[²⁻¹ᵀ]*\s*[-+*/^·]|[-+*/^·]\s*[A-Za-zσμλΣ_(]|[A-Za-z]\w*\([^)]*[A-Za-z]")


def _mathy(token: str) -> bool:
    """``token`` belongs to a formula: a number, a symbol, a variable, an operator or a function of one."""
    token = token.strip(".,;:")
    return (not token or len(token) == 1 or bool(re.search(r"[()+\-*/^·²⁻¹ᵀ=|‖_\d]", token))
            or token.lower() in _MATH_WORDS or not token.isascii())


def _right_hand_side(text: str, start: int) -> str:
    """The formula after an ``=`` at ``start``: its tokens up to the first word of prose."""
    tokens = []
    for token in text[start:].split():
        if not _mathy(token):
            break
        tokens.append(token)
        if token.endswith((",", ";", ":", ".")):
            break
    return " ".join(tokens)


def solution_like(text: str) -> list:
    """What in ``text`` states the answer: reference forms it contains, and equations of expressions."""
    found = [f"{name}: {form.pattern}" for name, form in _FORMS if form.search(normalised(text))]
    for m in _EQUATION.finditer(text):
        rhs = _right_hand_side(text, m.end())
        if _EXPRESSION.search(rhs):
            found.append(f"an equation: ={rhs}")
    return found


@pytest.mark.parametrize("text", ALL_TEXTS, ids=lambda t: t[:40])
def test_no_hint_states_the_formula(text):
    assert not solution_like(text), f"{solution_like(text)} in {text!r}"


#: Hints as they were before issue 50, each stating the answer: the guard must refuse every one.
OLD_ANSWERS = [
    "After subtracting the maximum m you must add it back: log Σ exp(z) = m + log Σ exp(z - m).",
    "log_softmax(z) = z - logsumexp(z): after subtracting the maximum m you still need to subtract log Σ exp(z - m).",
    "The loss is a mean over N rows, so its gradient carries a factor 1/N: (softmax - onehot) / N.",
    "The normalising constant is missing: log N(x; mu, sigma²) = -½((x - mu)/sigma)² - log sigma - ½ log 2π.",
    "0·log 0 is nan in floating point, but the contract takes it as 0: use `scipy.special.xlogy(x, p) + "
    "scipy.special.xlog1py(1 - x, -p)`, which give exactly 0 there.",
    "Check the ½'s: log(σ2/σ1) + (σ1² + (μ1 − μ2)²) / (2σ2²) − ½.",
    "KL = −½ Σ (1 + logvar − mu² − exp(logvar)): check the factor −½ (the result is ≥ 0).",
    "Check the constants: KL = ½[tr(cov2⁻¹cov1) + Mahalanobis − D + log det cov2 − log det cov1].",
    "λ is inverted: λ = noise_std² / prior_std² (a broad prior, large prior_std, means little regularisation).",
    "JSD = ½ KL(p ‖ m) + ½ KL(q ‖ m): both terms, each with its ½.",
    "The prior is missing: the MAP weights solve (XᵀX + λI) w = Xᵀy with λ = noise_std² / prior_std².",
    "−log σ(z) = softplus(−z) goes with y and −log(1 − σ(z)) = softplus(z) with 1 − y.",
]


@pytest.mark.parametrize("text", OLD_ANSWERS, ids=lambda t: t[:40])
def test_the_formula_guard_recognises_an_answer(text):
    assert solution_like(text) or any(not _NAMES_SOMETHING.fullmatch(s) for s in code_spans(text)), text


# ------------------------------------------------------------------------------- one rule, one mistake
@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_each_rule_names_one_mistake_and_the_kinds_it_explains(ps):
    rules = hint_rules(ps)  # raises when two rules share a text or a mistake
    generic = {rule.text for rule in GENERIC_HINTS}
    for text, rule in rules.items():
        assert set(rule.kinds) <= set(HINT_KINDS), rule.mistake
        if text in generic:
            continue
        # a function's own rule explains what its formulas do (values, warnings, errors on valid input) or the
        # one contract error it names; the purity cell's reading is the generic rules' alone
        assert not {"mutation", "unverifiable", "lists"} & set(rule.kinds), rule.mistake
        assert set(rule.kinds) <= set(VALUE_KINDS) | {"no-raise", "wrong-exception", "no-result"}, rule.mistake


# --------------------------------------------------------------------- where no rule knows the mistake
def _softmax_off_by_a_little(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    x = np.asarray(z, dtype=float) / temperature
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return 1.01 * e / e.sum(axis=axis, keepdims=True)  # a mistake no rule knows


def _gaussian_kl_no_log_term(mu1, sigma1, mu2, sigma2):
    mu1, s1, mu2, s2 = (np.asarray(a, dtype=float) for a in (mu1, sigma1, mu2, sigma2))
    return (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5  # a mistake no rule knows


@pytest.mark.parametrize("ps, gid, function", [
    ("ps1_softmax", "softmax-basic", _softmax_off_by_a_little),
    ("ps5_gaussian_kl", "gaussian_kl-basic", _gaussian_kl_no_log_term),
])
def test_an_unknown_mistake_gets_the_failure_and_no_guess(ps, gid, function):
    check = checks_for(ps)[gid]
    result = evaluate(check, LocalTarget({check.function: function}))
    assert not result.passed and result.hint == "", result.hint
    assert result.message.startswith(f"{check.function}: {check.summary} Failed on "), result.message
    assert "from the correct result" in result.message  # which property, on which input: nothing more


def test_a_correct_function_that_loses_purity_is_told_about_purity():
    """Issue 50: a correct cross-entropy that lost its purity cell was told about an epsilon inside the log, a rule
    whose formula is within 1e-7 of the right one. Now the purity failure gets the purity hint."""
    def cross_entropy(logits, targets):
        z = np.asarray(logits, dtype=float)
        t = np.asarray(targets)
        z -= z.max(axis=1, keepdims=True)          # writes into the caller's array when it is float
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        if t.ndim == 1:
            if np.any((t < 0) | (t >= z.shape[1])):
                raise ValueError("targets out of range")
            return -np.mean(logp[np.arange(len(t)), t])
        return -np.mean(np.sum(t * logp, axis=1))

    result = evaluate(checks_for("ps2_cross_entropy")["cross_entropy-purity"], LocalTarget({"cross_entropy":
                                                                                             cross_entropy}))
    assert not result.passed and result.kind == "mutation", result.feedback()
    assert hint_rules("ps2_cross_entropy")[result.hint].mistake == "modifies-input", result.hint


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_function_of_the_course_has_hints(ps):
    """A function without a rule would leave every mistake of it unnamed: each has at least two."""
    checks = checks_for(ps)
    for fn in FUNCTIONS[ps]:
        own = {rule.mistake for c in checks.values() if c.function == fn for rule in c.hints}
        assert len(own) >= 2, f"{fn}: {own}"


@pytest.mark.parametrize("text, flagged", [
    ("so λ = noise_std² / prior_std² in general.", True),
    ("with e = exp(-|z|) for both signs.", True),
    ("log det cov = 2 Σ log L_ii, and the rest.", True),
    ("z = -1000 gives the log of 0.", False),
    ("At p = 0 or p = 1 one term is 0 · log 0.", False),
    ("prior_std = inf means no prior.", False),
    ("a (2, 3, 4) input with axis=1 gives shape (2, 4).", False),
])
def test_the_equation_guard_tells_a_formula_from_an_input(text, flagged):
    assert bool(solution_like(text)) is flagged, solution_like(text)
