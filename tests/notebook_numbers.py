"""Every number a student reads in a notebook, and what checks it.

A student reads numbers in three places: the markdown (prose, tables, the "What the next cells check"
lists), the strings a cell prints, and the messages of the visible asserts. :func:`read_numbers` finds
the *computed* numbers there (:func:`is_computed`: at least three significant digits, or a mantissa
other than 1 times a power of ten, such as ``4.9 × 10^-324`` or ``9.08e-05``; inputs such as ``0.5``,
``1000`` and tolerances such as ``1e-10`` are not claims). Each must be checked by one of:

* the code that shows it: a number in an assert message or a printed string that is a literal of the
  same cell's code, at the precision shown (``np.isclose(x, 0.41703002)`` with the message
  ``"… ≈ 0.41703002"``): the assert itself checks that literal against the reference solution, or the
  computation uses it as its input;
* a :class:`~tests.lesson_claims.Claim`: the prose states what a lesson cell prints (checked where the
  notebook is executed, ``tests/test_nbgrader_e2e.py``);
* a :class:`Value`: the text states a number that the test computes independently (here, no kernel).

:func:`unchecked` lists what none of them covers; ``tests/test_notebook_numbers.py`` asserts it is
empty for every source and release notebook, and that a deliberately wrong number is caught.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

import mpmath as mp
import numpy as np
from scipy.special import xlogy

from autograder.model.course import FUNCTIONS
from tests.lesson_claims import CLAIMS

#: A number as the notebooks write it: 0.731, -745.13, 4.9 \times 10^{-324}, 9.08e-05, 1.8e+308.
NUMBER = re.compile(
    r"(?<![\w.])(?<!10\^\{)[-−]?\d+(?:\.\d+)?(?:\s*\\times\s*10\^\{[-−]?\d+\}|[eE][-+]?\d+)?(?![\w])"
)


@dataclass(frozen=True)
class Value:
    """``text`` occurs in cell ``cell_id``'s student-visible text, and contains every string ``compute()`` returns."""

    cell_id: str
    text: str
    compute: Callable[[], tuple]


def fixed(values, digits: int) -> tuple:
    """Numbers formatted as a notebook writes them: ``digits`` decimals (``-0.341``)."""
    return tuple(f"{v:.{digits}f}" for v in np.ravel(values))


def times_ten(value: float, digits: int = 1) -> str:
    r"""``4.9 \times 10^{-324}`` for 4.94e-324 (the mantissa to ``digits`` decimals)."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def _softmax(z):
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    return e / e.sum()


def _kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.sum(xlogy(p, p / q)))


#: Numbers the prose or a message states that no lesson cell prints: computed here.
VALUES: dict[str, tuple[Value, ...]] = {
    "ps1_softmax": (
        Value("sec-scores", r"$e^{z} \approx (7.39,\ 2.72,\ 1.11)$ with total $11.21$",
              lambda: fixed(np.exp([2.0, 1.0, 0.1]), 2) + fixed(np.exp([2.0, 1.0, 0.1]).sum(), 2)),
        Value("sec-scores", r"$p \approx (0.659,\ 0.242,\ 0.099)$", lambda: fixed(_softmax([2.0, 1.0, 0.1]), 3)),
        Value("sec-overflow", r"up to about $1.8 \times 10^{308}$", lambda: (times_ten(np.finfo(float).max),)),
        Value("logsumexp-stability", "1000 + log(2) ≈ 1000.693147", lambda: fixed(1000 + np.log(2), 6)),
        # log softmax([0, -1000])_1 = -1000 - log(1 + e^-1000), in mpmath (e^-1000 is 0 in float64)
        Value("task-log_softmax", "(`log_softmax([0.0, -1000.0])` is `[0.0, -1000.0]`)",
              lambda: (f"{float(-1000 - mp.log(1 + mp.exp(-1000))):.1f}",)),
        Value("logsumexp-stability", "-1000 + log(2) ≈ -999.306853", lambda: fixed(-1000 + np.log(2), 6)),
        Value("sec-temperature", r"$(0.982,\ 0.018,\ 0.000)$ | $(0.659,\ 0.242,\ 0.099)$ | $(0.400,\ 0.327,\ 0.273)$",
              lambda: fixed(_softmax(np.array([2.0, 1.0, 0.1]) / 0.25), 3) + fixed(_softmax([2.0, 1.0, 0.1]), 3)
              + fixed(_softmax(np.array([2.0, 1.0, 0.1]) / 5), 3)),
    ),
    "ps2_cross_entropy": (
        Value("cross_entropy-basic", "-log(0.65900114) ≈ 0.41703002",
              lambda: fixed(_softmax([2.0, 1.0, 0.1])[0], 8) + fixed(-np.log(_softmax([2.0, 1.0, 0.1])[0]), 8)),
    ),
    "ps3_gaussian": (
        Value("mvn_log_pdf-basic", "(Mahalanobis² = 7.8/1.91, log det = log 1.91)", lambda: (
            f"{np.array([1.0, 2.0]) @ np.array([[1.0, -0.3], [-0.3, 2.0]]) @ np.array([1.0, 2.0]):.1f}",
            f"{np.linalg.det([[2.0, 0.3], [0.3, 1.0]]):.2f}")),
        Value("going-further", r"below about $4.9 \times 10^{-324}$", lambda: (times_ten(np.finfo(float).smallest_subnormal),)),
        # E[sigma_hat] = sigma sqrt(2/N) Γ(N/2) / Γ((N-1)/2) for the maximum-likelihood sigma_hat of N normal draws
        # (sqrt of a chi-square with N - 1 degrees of freedom, times sigma / sqrt(N)), at N = 5, in mpmath
        Value("going-further", r"maximum-likelihood $\hat\sigma$ averages about $0.84\sigma$",
              lambda: (f"{float(mp.sqrt(mp.mpf(2) / 5) * mp.gamma(mp.mpf(5) / 2) / mp.gamma(2)):.2f}",)),
    ),
    "ps4_bernoulli": (
        Value("sec-sigmoid", r"for every $z < -709.78$", lambda: fixed(-np.log(np.finfo(float).max), 2)),
        # (mpmath: below log(2^-1075), half the smallest subnormal, the true sigmoid rounds to 0 as the textbook formula
        # does; above it, down from -709.78, it is a subnormal number, as sigma(-710), where the formula gives 0)
        Value("sec-sigmoid", r"wrong down to $z \approx -745.13$",
              lambda: fixed(float(mp.log(mp.mpf(np.finfo(float).smallest_subnormal) / 2)), 2)),
        Value("sec-sigmoid", r"$\sigma(-710) \approx 4.5 \times 10^{-309}$",
              lambda: (times_ten(float(1 / (1 + mp.exp(mp.mpf(710))))),)),
        # (mpmath at 30 digits: e^710 overflows float64, and the subnormal result is what a stable sigmoid returns)
        Value("sigmoid-stability", "sigmoid(-710) is about 4.5e-309",
              lambda: (f"{float(1 / (1 + mp.exp(mp.mpf(710)))):.1e}",)),
        Value("binary_cross_entropy-edges", "= -log(1e-300) = 690.78 (clipping to 1e-7 would give 16.12)",
              lambda: fixed(-np.log(1e-300), 2) + fixed(-np.log(1e-7), 2)),
        Value("going-further", "between −745.13 and −708.40", lambda: tuple(
            t.replace("-", "−") for t in fixed(np.log(np.finfo(float).smallest_subnormal) - np.log(2), 2)
            + fixed(np.log(np.finfo(float).tiny), 2))),
    ),
    "ps6_information": (
        Value("entropy-basic", "H([0.5, 0.5]) = log 2 = 0.6931 nats", lambda: fixed(np.log(2), 4)),
        Value("kl_divergence-basic", "swapped arguments give KL(q || p) = 0.3681",
              lambda: (f"{_kl([0.9, 0.1], [0.5, 0.5]):.4f}",)),
        Value("map_linear_regression-basic", "= [0.99997, 1.99007]", lambda: fixed(np.linalg.solve(
            np.array([[2.01, 1.0], [1.0, 2.01]]), [4.0, 5.0]), 5)),   # (XᵀX + 0.01 I) w = Xᵀy for the cell's X, y
    ),
}

#: (the numbers of a function's task taken out of the course leave with it)
VALUES = {ps: tuple(v for v in values if not v.cell_id.startswith("task-") or v.cell_id[len("task-"):] in FUNCTIONS[ps])
          for ps, values in VALUES.items()}


def is_computed(token: str) -> bool:
    """A number that states a result: three significant digits or more, or a mantissa ≠ 1 times 10^k."""
    token = token.replace("−", "-")
    mantissa = re.split(r"\s*\\times|[eE]", token)[0]
    scientific = mantissa != token
    digits = re.sub(r"[^0-9]", "", mantissa).lstrip("0")
    if scientific:
        return float(mantissa) not in (1.0, -1.0)
    return len(digits) >= 3 and "." in mantissa


def value_of(token: str) -> float:
    token = token.replace("−", "-")
    match = re.fullmatch(r"(-?[\d.]+)\s*\\times\s*10\^\{(-?\d+)\}", token)
    return float(match.group(1)) * 10.0 ** int(match.group(2)) if match else float(token)


def _decimals(token: str) -> int:
    mantissa = re.split(r"\s*\\times|[eE]", token)[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


@dataclass(frozen=True)
class Read:
    """One computed number a student reads: where, in what kind of text, and the text around it."""

    cell_id: str
    kind: str  # "markdown", "assert", "print"
    token: str
    text: str


def _code_texts(source: str):
    """(kind, text, literals) for each assert message and printed string of a code cell."""
    code = "\n".join(line for line in source.split("### BEGIN HIDDEN TESTS")[0].splitlines()
                     if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return
    literals = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            literals.append(float(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            yield "assert", _strings(node.msg), literals
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            yield "print", _strings(node), literals


def _strings(node) -> str:
    return "".join(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def read_numbers(nb: dict):
    """Every computed number of a notebook (as JSON data) a student reads, with the literals that check it."""
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        cell_id = meta.get("grade_id") or cell.get("id", "")
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            texts = [("markdown", source, [])]
        elif meta.get("solution"):
            continue   # the student's cell: in the release a template, in the source the instructor's
        else:
            texts = list(_code_texts(source))
        for kind, text, literals in texts:
            for match in NUMBER.finditer(text):
                if is_computed(match.group()):
                    yield Read(cell_id, kind, match.group(), text), literals


def unchecked(ps: str, nb: dict) -> list[str]:
    """The computed numbers of notebook ``nb`` that nothing checks, as ``cell: token`` lines."""
    claimed = {}
    for claim in CLAIMS.get(ps, ()):
        claimed.setdefault(claim.text_id, []).append(claim.prose)
    for value in VALUES.get(ps, ()):
        claimed.setdefault(value.cell_id, []).append(value.text)
    missing = []
    for read, literals in read_numbers(nb):
        if read.kind != "markdown" and _shown_literal(read.token, literals):
            continue
        if any(read.token in text and text in read.text for text in claimed.get(read.cell_id, ())):
            continue
        missing.append(f"{read.cell_id} ({read.kind}): {read.token}")
    return missing


def _shown_literal(token: str, literals) -> bool:
    """``token`` is one of ``literals`` as shown: equal, or the literal rounded to the token's decimals."""
    shown = value_of(token)
    decimals = _decimals(token)
    for literal in literals:
        for candidate in (literal, -literal):
            if candidate == shown or (decimals and round(candidate, decimals) == shown):
                return True
    return False


def wrong_values(ps: str, nb: dict) -> list[str]:
    """The :data:`VALUES` of ``ps`` whose text is missing from notebook ``nb`` or states another number."""
    texts = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = "".join(cell["source"])
        texts[meta.get("grade_id") or cell.get("id", "")] = (
            source if cell["cell_type"] == "markdown" else " ".join(t for _, t, _ in _code_texts(source)))
    wrong = []
    for value in VALUES.get(ps, ()):
        if value.text not in texts.get(value.cell_id, ""):
            wrong.append(f"{value.cell_id}: no longer says {value.text!r}")
            continue
        for expected in value.compute():
            if expected not in value.text:
                wrong.append(f"{value.cell_id}: says {value.text!r}, but the number is {expected}")
    return wrong
