"""Visible asserts and hidden checks agree cell by cell, on the whole zoo, in the other direction too.

``tests/test_checks_visible.py`` holds that a visible assert never fails where
its cell's hidden check passes. Here: a cell whose hidden check takes points
for a mistake of the zoo also fails its visible asserts, so a student who sees
a cell pass is not surprised by its grade. Three kinds of loss are told once,
elsewhere, by design, and are left out: a forbidden library call (the
function's first cell says it, with the notebook's ``library_calls``
self-check), a stub that computes nothing (no property points: the opening
says so) and the untouched template. :data:`HIDDEN_ONLY` lists, with the
reason, the mistakes only hidden inputs show: a new entry is for a mistake no worked example can show (prefer a
visible input that shows it, in the source notebook's test cell), and an entry goes once a visible input shows it.
"""

import importlib

import pytest

from autograder.checks.by_name import declarations_for
from autograder.model.course import function_of
from autograder.perimeter.guard.forbidden_walk import forbidden_uses
from testkit.zoo import zoo
from tests.test_checks_visible import READY, _cells, _namespace, _visible_fails

#: (specimen, cell) pairs whose mistake only the hidden inputs show (the visible inputs are the notebook's
#: worked examples, where these mistakes happen to give the right answer), each with why.
HIDDEN_ONLY = {
    ("cross_entropy-epsilon-in-log", "cross_entropy-basic"): "an epsilon of 1e-12 moves no visible value by 1e-8",
    ("cross_entropy-textbook-argmax-epsilon", "cross_entropy-basic"): "an epsilon of 1e-12 moves no visible value by "
                                                                      "1e-8",
    ("ps4-bce-add-eps", "binary_cross_entropy-basic"): "the epsilon moves no visible value by np.isclose's tolerance",
    ("ps4-bce-clip-in-place-in-a-class", "binary_cross_entropy-purity"): "the clip changes only a probability of "
                                                                          "exactly 0 or 1, a hidden purity input",
    ("ps4-logits-per-example", "binary_cross_entropy_with_logits-stability"): "the visible inputs hold one element "
                                                                              "each, where one loss per example is "
                                                                              "their mean",
    ("ps5-gaussian-kl-math-log", "gaussian_kl-basic"): "the visible values are scalars, where math.log works",
    ("ps5-mvn-kl-prod-diag", "mvn_kl-highdim"): "only the hidden D = 100 inputs overflow det's square root",
    ("ps6-entropy-exact-sum", "entropy-errors"): "rows that sum to 1 only up to rounding are hidden inputs",
    ("ps6-entropy-whole-array-sum", "entropy-basic"): "the visible inputs are 1-D, where the whole array is the row",
    ("ps6-entropy-allclose-default", "entropy-errors"): "a sum off by 1e-6 is a hidden input",
    ("ps6-js-one-term", "js_divergence-properties"): "the visible pair is symmetric under this mistake",
    ("ps6-js-one-term", "js_divergence-errors"): "it validates p and the mixture, not q: the visible bad q is caught "
                                                 "through the mixture; a negative q the mixture hides is hidden",
    ("ps6-bayes-1d-is-many-observations", "bayes_posterior-errors"): "a (5, 1) log-likelihood is a hidden input",
    ("ps6-bayes-no-shape-check", "bayes_posterior-errors"): "a (5, 1) log-likelihood is a hidden input",
    # the specimens added for the hints of issue 50 (each mistake a rule names): these show on hidden inputs only
    ("logsumexp-global-max", "logsumexp-stability"): "the visible inputs are 1-D, where the array's maximum is the "
                                                      "slice's",
    ("log_softmax-global-max", "log_softmax-stability"): "the visible inputs are 1-D, where the array's maximum is "
                                                          "the slice's",
    ("logsumexp-axis-0-always", "logsumexp-stability"): "the visible stability inputs are 1-D, where axis 0 is the "
                                                         "last axis",
    ("logsumexp-neg-inf-slice-nan", "logsumexp-stability"): "a slice of only -inf is a hidden input",
    ("logsumexp-neg-inf-slice-warns", "logsumexp-stability"): "a slice of only -inf is a hidden input",
    ("logsumexp-ravel", "logsumexp-axis"): "the visible inputs are at most 2-D, where a flattened result keeps its "
                                           "shape",
    ("ps4-bce-arguments-swapped", "binary_cross_entropy-shape"): "the visible asserts check the shape, which an inf "
                                                                 "keeps; every hidden shape input has hard labels, "
                                                                 "whose log makes the loss inf: one value for every "
                                                                 "call, no two results to judge",
    ("log_softmax-eval-dispatch", "log_softmax-purity"): "the source reading is the grader's: no input shows it",
    ("logsumexp-eval-dispatch", "logsumexp-purity"): "the source reading is the grader's: no input shows it",
    ("logsumexp-rounded", "logsumexp-basic"): "the visible asserts compare with np.isclose's default tolerance "
                                              "(rtol 1e-5), which these values rounded to 4 digits pass (3.4076 for "
                                              "3.40760596); -basic compares with the reference at 1e-10",
    ("softmax-module-thread-pool", "softmax-purity"): "a thread left running is seen by the grader's call, which a "
                                                      "visible assert does not make (the notebook's purity assert "
                                                      "compares the inputs, which the pool leaves alone)",
    ("ps6-entropy-axis-0", "entropy-basic"): "the visible inputs are 1-D, where axis 0 is the last axis",
    ("ps6-entropy-loop-over-entries", "entropy-basic"): "the visible inputs are 1-D, where a loop over entries works",
    # the specimens added for the hints of real code (the corpus): these too show on hidden inputs only
    ("logsumexp-flat-loop", "logsumexp-stability"): "the visible stability inputs are 1-D, where a loop over one "
                                                     "flat vector works",
    ("ps6-kl-builtin-sum-nan", "kl_divergence-basic"): "the visible inputs are 1-D, where Python's sum (along the first "
                                                        "axis) is the sum over the outcomes",
    ("ps6-entropy-flat-sum", "entropy-basic"): "the visible inputs are 1-D, where Python's sum over one flat vector "
                                               "works",
    ("gaussian_log_pdf-float32-constant", "gaussian_log_pdf-basic"): "a float32 log(2π) moves no visible value by "
                                                                     "np.isclose's tolerance (1.5e-8 against 1e-5)",
    ("ps6-kl-two-dimensions-at-most", "kl_divergence-axis"): "the visible axis input is 2-D; the 3-D one, which it "
                                                             "rejects, is the shape cell's visible input",
}


def _told_elsewhere(ps, specimen, ns) -> bool:
    """A loss told once, elsewhere: a forbidden call, a stub, the template, and a degenerate form (a function that
    ignores its inputs earns no property points, as a stub: ``testkit/zoo/degenerate.py``; the worked examples of
    the visible asserts are relations and values, which such a function can meet)."""
    forbidden = declarations_for(ps)[specimen.function].forbidden
    return (not specimen.hint or "template" in specimen.name or "-degenerate-" in specimen.name
            or bool(forbidden_uses(ns[specimen.function], forbidden)))


@pytest.mark.parametrize("ps", READY)
def test_a_cell_that_loses_points_for_a_mistake_fails_its_visible_asserts(ps):
    setup, graded = _cells(ps)
    loses = importlib.import_module(f"testkit.zoo.{ps}").LOSES
    silent, known = [], set()
    for specimen in zoo(ps):
        if specimen.correct:
            continue
        ns = _namespace(ps, setup, specimen)
        if _told_elsewhere(ps, specimen, ns):
            continue
        lost = set(loses.get(specimen.name, ()))
        for gid, source in graded:
            if function_of(gid) != specimen.function or gid not in lost:
                continue
            if _visible_fails(ns, source):
                continue
            if (specimen.name, gid) in HIDDEN_ONLY:
                known.add((specimen.name, gid))
            else:
                silent.append(f"{specimen.name}: {gid}")
    assert not silent, (f"visible asserts pass where the hidden check takes the points: {silent}: add a visible "
                        f"input that shows the mistake to the source notebook's test cell (then make release), or, "
                        f"where none can, an entry with the reason in HIDDEN_ONLY (tests/test_checks_visible_agree.py)")
    stale = {k for k in HIDDEN_ONLY if k[0] in {s.name for s in zoo(ps)}} - known
    assert not stale, f"HIDDEN_ONLY lists pairs that are no longer lost silently: {sorted(stale)}"
