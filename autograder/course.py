"""The course layout: problem sets, their functions, graded cells and points.

This is the plan the source notebooks (nbgrader cell metadata), the checks
registry and the README's points table are all tested against.
"""

from pathlib import Path

#: Repository root; it is also the nbgrader course directory.
ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"

#: Problem-set id -> the contract functions it asks for, in notebook order.
FUNCTIONS = {
    "ps1_softmax": ("logsumexp", "softmax", "log_softmax"),
    "ps2_cross_entropy": ("cross_entropy", "cross_entropy_grad"),
    "ps3_gaussian": ("gaussian_log_pdf", "gaussian_log_likelihood", "gaussian_mle", "mvn_log_pdf"),
    "ps4_bernoulli": ("sigmoid", "bernoulli_log_pmf", "binary_cross_entropy", "binary_cross_entropy_with_logits"),
    "ps5_gaussian_kl": ("gaussian_kl", "mvn_kl", "vae_kl"),
    "ps6_information": ("entropy", "kl_divergence", "js_divergence", "bayes_posterior", "map_linear_regression"),
}

PROBLEM_SETS = tuple(FUNCTIONS)

#: All 21 contract functions, in course order.
ALL_FUNCTIONS = tuple(fn for fns in FUNCTIONS.values() for fn in fns)

#: Problem-set id -> graded cells as (grade_id, points), grade_id = "<function>-<aspect>".
GRADE_CELLS = {
    "ps1_softmax": (
        ("logsumexp-basic", 2), ("logsumexp-axis", 2), ("logsumexp-stability", 3), ("logsumexp-purity", 1),
        ("softmax-basic", 2), ("softmax-axis", 2), ("softmax-temperature", 2), ("softmax-stability", 3),
        ("softmax-errors", 1), ("softmax-purity", 1),
        ("log_softmax-basic", 2), ("log_softmax-axis", 1), ("log_softmax-stability", 3), ("log_softmax-purity", 1),
    ),
    "ps2_cross_entropy": (
        ("cross_entropy-basic", 2), ("cross_entropy-soft", 2), ("cross_entropy-stability", 3),
        ("cross_entropy-errors", 1), ("cross_entropy-purity", 1),
        ("cross_entropy_grad-basic", 2), ("cross_entropy_grad-batch", 2), ("cross_entropy_grad-soft", 2),
        ("cross_entropy_grad-stability", 2), ("cross_entropy_grad-purity", 1),
    ),
    "ps3_gaussian": (
        ("gaussian_log_pdf-basic", 2), ("gaussian_log_pdf-broadcast", 2), ("gaussian_log_pdf-tails", 2),
        ("gaussian_log_likelihood-basic", 2), ("gaussian_log_likelihood-tails", 1),
        ("gaussian_mle-basic", 2), ("gaussian_mle-purity", 1),
        ("mvn_log_pdf-basic", 2), ("mvn_log_pdf-batch", 2), ("mvn_log_pdf-conditioning", 3), ("mvn_log_pdf-errors", 1),
    ),
    "ps4_bernoulli": (
        ("sigmoid-basic", 1), ("sigmoid-stability", 2),
        ("bernoulli_log_pmf-basic", 2), ("bernoulli_log_pmf-edges", 2),
        ("binary_cross_entropy-basic", 2), ("binary_cross_entropy-soft", 1), ("binary_cross_entropy-edges", 2),
        ("binary_cross_entropy_with_logits-basic", 2), ("binary_cross_entropy_with_logits-stability", 3),
        ("binary_cross_entropy_with_logits-purity", 1),
    ),
    "ps5_gaussian_kl": (
        ("gaussian_kl-basic", 2), ("gaussian_kl-broadcast", 2), ("gaussian_kl-properties", 1),
        ("mvn_kl-basic", 2), ("mvn_kl-highdim", 3), ("mvn_kl-purity", 1),
        ("vae_kl-basic", 2), ("vae_kl-shape", 2), ("vae_kl-stability", 1),
    ),
    "ps6_information": (
        ("entropy-basic", 2), ("entropy-axis", 1), ("entropy-edges", 2), ("entropy-errors", 1),
        ("kl_divergence-basic", 2), ("kl_divergence-support", 2), ("kl_divergence-errors", 1),
        ("js_divergence-basic", 2), ("js_divergence-properties", 2),
        ("bayes_posterior-basic", 2), ("bayes_posterior-stability", 2), ("bayes_posterior-errors", 1),
        ("map_linear_regression-basic", 2), ("map_linear_regression-limits", 2), ("map_linear_regression-errors", 1),
    ),
}


#: Locked code cells that only illustrate the lesson (figures and demos) have a
#: grade_id starting with one of these. The grading engine does not run them:
#: they often call the student's functions thousands of times for a plot, and
#: they define nothing a solution or a check needs (a test keeps it so).
LESSON_CELL_PREFIXES = ("fig-", "demo-")


def is_lesson_cell(grade_id) -> bool:
    return bool(grade_id) and grade_id.startswith(LESSON_CELL_PREFIXES)


def function_of(grade_id: str) -> str:
    """The contract function a grade_id tests: the part before the last ``-``."""
    return grade_id.rsplit("-", 1)[0]


def problem_set_of(grade_id: str) -> str:
    """The problem-set id whose notebook holds ``grade_id``."""
    return problem_set_of_function(function_of(grade_id))


def problem_set_of_function(fn: str) -> str:
    """The problem-set id that asks for contract function ``fn``."""
    for ps, fns in FUNCTIONS.items():
        if fn in fns:
            return ps
    raise KeyError(f"no problem set asks for a function named {fn!r}")


def max_score(ps: str) -> float:
    return float(sum(points for _, points in GRADE_CELLS[ps]))


def source_notebook(ps: str) -> Path:
    return SOURCE / ps / f"{ps}.ipynb"


def release_notebook(ps: str) -> Path:
    return RELEASE / ps / f"{ps}.ipynb"
