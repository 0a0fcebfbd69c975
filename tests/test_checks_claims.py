"""Every claim the notebooks make about grading is tied to a check, and the refinements they call
"going further" are not graded.

``GRADED`` is the table: a claim in the notebook's "what the next cells
check" list → the graded cell it names → a zoo specimen that breaks that
claim and nothing else. The specimen must lose exactly that cell
(``LOSES``, checked against the hidden checks by ``tests/test_zoo.py``), and
the notebook must name the cell. ``NOT_GRADED`` lists correct specimens
written in the plain textbook form that a notebook's "going further" section
improves on (log1p, the σ-ratio trick): they must earn every point.
"""

import importlib
import json

import pytest

from autograder.model.course import GRADE_CELLS, function_of, problem_set_of, source_notebook
from testkit.zoo import zoo

#: (claim, graded cell, specimen that breaks only that claim)
GRADED = (
    ("logsumexp is stable at large magnitudes", "logsumexp-stability", "logsumexp-naive"),
    ("softmax subtracts the maximum (no overflow)", "softmax-stability", "softmax-naive-overflow"),
    ("softmax shifts each slice by its own maximum", "softmax-stability", "softmax-global-max"),
    ("softmax normalises along `axis`", "softmax-axis", "softmax-ignores-axis"),
    ("temperature divides the logits", "softmax-temperature", "softmax-multiplies-temperature"),
    ("temperature <= 0 raises ValueError", "softmax-errors", "softmax-no-temperature-check"),
    ("softmax leaves its input unchanged", "softmax-purity", "softmax-inplace-shift"),
    ("log_softmax([0, -1000]) is [0, -1000]", "log_softmax-stability", "log_softmax-log-of-softmax"),
    ("cross_entropy is stable for logits up to ±1e4", "cross_entropy-stability", "cross_entropy-naive-exp"),
    ("cross_entropy takes soft labels", "cross_entropy-soft", "cross_entropy-argmax-of-soft-labels"),
    ("targets outside [0, C) raise ValueError", "cross_entropy-errors", "cross_entropy-no-index-check"),
    ("cross_entropy_grad takes soft labels", "cross_entropy_grad-soft", "cross_entropy_grad-argmax-of-soft-labels"),
    ("cross_entropy_grad is stable", "cross_entropy_grad-stability", "cross_entropy_grad-naive-softmax"),
    ("gaussian_log_pdf: no log of an underflowed density", "gaussian_log_pdf-tails", "gaussian_log_pdf-log-of-pdf"),
    ("gaussian_log_pdf broadcasts (arrays of sigma)", "gaussian_log_pdf-broadcast", "gaussian_log_pdf-math-log"),
    ("the likelihood sums log densities", "gaussian_log_likelihood-tails", "gaussian_log_likelihood-log-of-product"),
    ("gaussian_mle uses ddof=0", "gaussian_mle-basic", "gaussian_mle-ddof-1"),
    ("gaussian_mle leaves the sample unchanged", "gaussian_mle-purity", "gaussian_mle-inplace-centering"),
    ("mvn_log_pdf uses a Cholesky factor, not inv/det", "mvn_log_pdf-conditioning", "mvn_log_pdf-inv-det"),
    ("a covariance that is not SPD raises ValueError", "mvn_log_pdf-errors", "mvn_log_pdf-no-validation"),
    ("sigmoid has no overflow at z = -1000", "sigmoid-stability", "ps4-sigmoid-naive"),
    ("0 · log 0 = 0 in bernoulli_log_pmf", "bernoulli_log_pmf-edges", "ps4-bernoulli-naive-nan"),
    ("no epsilon clipping in binary_cross_entropy", "binary_cross_entropy-edges", "ps4-bce-keras-clip"),
    ("binary_cross_entropy takes soft labels", "binary_cross_entropy-soft", "ps4-bce-hard-labels-only"),
    ("BCE with logits is stable for |z| up to 1e4", "binary_cross_entropy_with_logits-stability",
     "ps4-logits-via-sigmoid"),
    ("BCE with logits leaves its inputs unchanged", "binary_cross_entropy_with_logits-purity",
     "ps4-logits-abs-in-place"),
    ("BCE with logits accepts lists", "binary_cross_entropy_with_logits-purity", "ps4-logits-no-asarray"),
    ("mvn_kl is accurate in hundreds of dimensions", "mvn_kl-highdim", "ps5-mvn-kl-inv-det"),
    ("mvn_kl leaves its inputs unchanged", "mvn_kl-purity", "ps5-mvn-kl-difference-in-place"),
    ("vae_kl removes the summed axis (keepdims costs the shape cell only)", "vae_kl-shape", "ps5-vae-kl-keepdims"),
    ("logsumexp removes the reduced axis", "logsumexp-shape", "logsumexp-keeps-dims"),
    ("cross_entropy returns one number", "cross_entropy-shape", "cross_entropy-length-1-array"),
    ("gaussian_mle returns a tuple", "gaussian_mle-shape", "gaussian_mle-returns-array"),
)

#: (refinement called "going further", a correct specimen written without it)
NOT_GRADED = (
    ("log1p in logsumexp", "logsumexp-keepdims"),
    ("log1p in log_softmax", "log_softmax-shifted"),
    ("log1p in cross_entropy's log-softmax", "cross_entropy-log-softmax-indexing"),
    ("log1p(-p) in bernoulli_log_pmf", "ps4-bernoulli-log-one-minus-p"),
    ("log1p(-p) in binary_cross_entropy", "ps4-bce-log-one-minus-p"),
    ("log1p in softplus", "ps4-logits-tf-formula-plain-log"),
    ("the σ-ratio (log1p) trick in gaussian_kl", "ps5-gaussian-kl-formula"),
)


def _specimen(ps, name):
    return next(s for s in zoo(ps) if s.name == name)


#: The claims of the functions the course asks for (a function taken out takes its claims with it).
_CELLS = {gid for ps in GRADE_CELLS for gid, _ in GRADE_CELLS[ps]}
_SPECIMENS = {s.name for ps in GRADE_CELLS for s in zoo(ps)}
GRADED = tuple(g for g in GRADED if g[1] in _CELLS)
NOT_GRADED = tuple(n for n in NOT_GRADED if n[1] in _SPECIMENS)


@pytest.mark.parametrize("claim,grade_id,name", GRADED, ids=[g[0] for g in GRADED])
def test_each_graded_claim_has_a_cell_that_a_violation_loses(claim, grade_id, name):
    ps = problem_set_of(grade_id)
    specimen = _specimen(ps, name)
    assert specimen.function == function_of(grade_id) and not specimen.correct
    assert importlib.import_module(f"testkit.zoo.{ps}").LOSES[name] == (grade_id,), (
        f"{name} breaks only '{claim}', so it must lose {grade_id} and nothing else"
    )
    text = "".join("".join(c["source"]) for c in json.loads(source_notebook(ps).read_text())["cells"]
                   if c["cell_type"] == "markdown")
    assert f"`{grade_id}`" in text, f"the notebook never names the cell {grade_id} that grades '{claim}'"


@pytest.mark.parametrize("refinement,name", NOT_GRADED, ids=[n[0] for n in NOT_GRADED])
def test_going_further_refinements_are_not_graded(refinement, name):
    ps = next(p for p in ("ps1_softmax", "ps2_cross_entropy", "ps4_bernoulli", "ps5_gaussian_kl")
              if any(s.name == name for s in zoo(p)))
    specimen = _specimen(ps, name)
    assert specimen.correct, f"{name} (without {refinement}) must earn every point"
    assert "log1p" not in specimen.source, f"{name} should be written without {refinement}"


@pytest.mark.parametrize("ps", ("ps1_softmax", "ps2_cross_entropy", "ps4_bernoulli", "ps5_gaussian_kl"))
def test_the_notebooks_call_these_refinements_not_graded(ps):
    """Where a notebook recommends a refinement of NOT_GRADED (a log1p form) outside its "Going further"
    section, the same paragraph says it is not graded: no sentence suggests it earns points."""
    from tests.test_notebook_claims import markdown_sections
    for going_further, source in markdown_sections(ps):
        for paragraph in source.split("\n\n"):
            if not going_further and ("log1p(" in paragraph or "xlog1py(1 - x, -p)" in paragraph):
                assert "not graded" in paragraph, f"{ps}: this paragraph recommends log1p as if graded:\n{paragraph[:300]}"
