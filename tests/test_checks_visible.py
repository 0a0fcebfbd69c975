"""A graded cell never fails its visible asserts while passing its hidden check, on the whole zoo.

For every zoo specimen (correct and wrong), the visible part of every graded
test cell of the source notebook is run in a namespace built like the
student's kernel: the notebook's locked code cells (the set-up cell with the
self-check of forbidden library calls, the imports, the data), the reference functions for the rest of the
notebook, and the specimen. A cell whose visible asserts fail must be one the
specimen loses at grading (``LOSES`` of its zoo module, which
``tests/test_zoo.py`` checks against the hidden checks): the visible asserts
are a subset of the hidden check. And the self-check of forbidden library
calls flags exactly the specimens the grader flags.
"""

import contextlib
import importlib
import io
import json
import traceback
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.checks.by_name import declarations_for
from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, function_of, is_data_cell, is_lesson_cell, source_notebook
from autograder.perimeter.guard.forbidden_walk import forbidden_uses
from testkit.corpus.load import fixtures
from testkit.zoo import PROBLEM_SETS, zoo

#: Problem sets with a source notebook and a reviewed LOSES table (a new one joins once it has both).
READY = tuple(ps for ps in PROBLEM_SETS if source_notebook(ps).exists()
              and hasattr(importlib.import_module(f"testkit.zoo.{ps}"), "LOSES"))


def _cells(ps):
    """(locked code cells to run first, [(grade_id, visible source)]) of the source notebook."""
    nb = json.loads(source_notebook(ps).read_text(encoding="utf-8"))
    setup, graded = [], []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        src = "".join(cell["source"])
        if cell["cell_type"] != "code" or is_lesson_cell(meta.get("grade_id")) or is_data_cell(meta.get("grade_id")):
            continue
        if meta.get("grade"):
            graded.append((meta["grade_id"], src.split("### BEGIN HIDDEN TESTS")[0]))
        elif meta.get("locked"):
            setup.append("\n".join(line for line in src.splitlines() if not line.lstrip().startswith("%")))
    return setup, graded


def _namespace(ps, setup, specimen):
    ns = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):   # (the set-up cell says it is done)
        for src in setup:
            exec(compile(src, "<locked cell>", "exec"), ns)
    for fn in FUNCTIONS[ps]:
        ns[fn] = reference_function(fn)
    exec(compile(specimen.source, f"<zoo {specimen.name}>", "exec"), ns)
    return ns


def _visible_error(ns, source) -> Exception | None:
    """What running a cell's visible asserts in ``ns`` raised (None: they passed)."""
    try:
        with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            warnings.simplefilter("ignore")  # the cells record their own warnings; nothing leaks into pytest
            exec(compile(source, "<visible asserts>", "exec"), dict(ns))
    except Exception as exc:  # noqa: BLE001 — any exception is the visible assert failing
        return exc
    return None


def _visible_fails(ns, source) -> bool:
    return _visible_error(ns, source) is not None


def test_the_six_notebooks_are_covered():
    assert set(READY) == set(PROBLEM_SETS), sorted(set(PROBLEM_SETS) - set(READY))


#: Specimens whose visible asserts are stricter than the hidden checks, by design, with why: the visible asserts of
#: cross_entropy and its gradient call with integer labels only, while the hidden cells but -basic also keep a function
#: that passes them with the labels as one-hot rows (docs/contract.md, "A form of the targets is one cell"). Such a
#: function fails these visible asserts and its -basic ones, which name the integer labels it must take.
VISIBLE_IN_ONE_FORM = {
    "cross_entropy-one-hot-only": {"cross_entropy-soft", "cross_entropy-shape", "cross_entropy-stability",
                                   "cross_entropy-purity"},
    "cross_entropy-one-hot-only-per-row": {"cross_entropy-purity"},
    "cross_entropy_grad-one-hot-only": {"cross_entropy_grad-batch", "cross_entropy_grad-soft",
                                        "cross_entropy_grad-purity"},
    # right for float targets, wrong for integer labels on more than one row (x[:, y]): -soft keeps it with the labels
    # as one-hot rows, and its visible asserts compare with the integer-label losses
    "cross_entropy-targets-as-columns": {"cross_entropy-soft"},
}
#: These cells' visible asserts call on a stack of slices (or on one 1-D slice), while the hidden cells other than
#: -basic, -axis and -shape also keep a function that passes them one slice at a time (or with its slices as rows),
#: once it is charged for the stack in those
#: (docs/contract.md, "A stack of slices is one aspect"). Such a function fails these visible asserts and its -basic
#: and -axis ones, which name the stack it must take.
VISIBLE_ON_A_STACK = {
    "softmax-whole-sum": {"softmax-stability"},
    "softmax-sum-without-keepdims": {"softmax-stability", "softmax-purity"},
    "logsumexp-flat-loop": {"logsumexp-purity"},
    # written for a batch of rows: kept with its inputs handed over as rows, fails the visible asserts on 1-D logits
    "softmax-rows-axis-1": {"softmax-temperature", "softmax-stability", "softmax-errors"},
    # one sum per row: kept with its points handed over as rows, fails the visible asserts on 1-D points
    "gaussian_log_likelihood-sum-over-rows": {"gaussian_log_likelihood-tails", "gaussian_log_likelihood-purity"},
    # a batch's dim=1: a single code kept as one row (vae_kl's -basic is one code), fails the visible asserts on one
    "ps5-vae-kl-batch-axis-1": {"vae_kl-basic", "vae_kl-stability"},
    # a batch's mean over its first axis (.mean(dim=0)): a single code kept as one row, fails on one code as well
    "ps5-vae-kl-batch-mean-axis-0": {"vae_kl-basic", "vae_kl-stability"},
    # written for a batch of rows (m[:, None]): kept with its inputs handed over as rows, fails on 1-D logits
    "logsumexp-rows-only": {"logsumexp-stability"},
    # the cross-entropies, one mean for every layout: written for a (1, m) row or for (n, m) rows, kept with a 1-D
    # input handed over as one row, fail the visible asserts on 1-D predictions and logits
    "ps4-bce-one-row-layout": {"binary_cross_entropy-soft", "binary_cross_entropy-edges",
                               "binary_cross_entropy-purity"},
    "ps4-logits-two-axes-unpacked": {"binary_cross_entropy_with_logits-stability",
                                     "binary_cross_entropy_with_logits-purity"},
    # an entropy over a fixed axis 1 (a batch's dim=1): kept with a 1-D p handed over as one row, fails the visible
    # asserts on one 1-D distribution
    "ps6-entropy-fixed-axis-1": {"entropy-edges", "entropy-errors", "entropy-purity"},
    # a log density summed over a fixed axis 1: its purity is judged on the 2-D calls it answers, and it fails the
    # visible purity assert on 1-D points (the sum is charged where the values are compared)
    "gaussian_log_pdf-summed-over-axis-1": {"gaussian_log_pdf-purity"},
}
#: A formula wrong on every input, whose results are still consistent with themselves: the visible asserts of the
#: cells that judge a function against itself show numbers (what a student checks against), so they fail too, while
#: the hidden cells compare the function with itself and charge the formula in -basic only (docs/students.md, "a
#: wrong formula loses only the cells that compare values").
VISIBLE_AS_VALUES = {
    "softmax-numerator-only-shift": {"softmax-axis", "softmax-temperature", "softmax-errors"},
    # the softmax at a temperature of its own: right as a softmax, wrong in every value at the temperature asked
    "softmax-fixed-temperature": {"softmax-axis", "softmax-stability", "softmax-errors"},
    # targets never read (class 0 always): its error handling is right, and the visible -errors assert first shows
    # what a valid call returns
    "cross_entropy-degenerate-ignored": {"cross_entropy-errors"},
}
#: Visible asserts that fail where the hidden cell passes, by design: the mistake is charged in another cell.
#: Soft labels are -soft's aspect: the visible purity input of binary_cross_entropy has one (y = 0.25), so a function
#: that rejects soft labels fails that visible assert and keeps the hidden purity point (its -soft cell charges it).
VISIBLE_WITH_SOFT_LABELS = {"ps4-bce-soft-labels-rejected": {"binary_cross_entropy-purity"}}
#: The visible error-handling assert of map_linear_regression first asks valid input for one weight per column of X
#: (so that a student sees what a working function returns), while the hidden -errors cell asks for results only: a
#: function that adds an intercept column fails that visible assert and keeps the hidden point (-shape charges it).
VISIBLE_WITH_ITS_SHAPE = {"ps6-map-intercept-added": {"map_linear_regression-errors"}}
_BY_DESIGN = (VISIBLE_IN_ONE_FORM, VISIBLE_ON_A_STACK, VISIBLE_AS_VALUES, VISIBLE_WITH_SOFT_LABELS, VISIBLE_WITH_ITS_SHAPE)
CHARGED_ELSEWHERE = {name: set().union(*(table.get(name, set()) for table in _BY_DESIGN))
                     for table in _BY_DESIGN for name in table}


@pytest.mark.parametrize("ps", READY)
def test_visible_asserts_are_a_subset_of_the_hidden_checks(ps):
    setup, graded = _cells(ps)
    loses = importlib.import_module(f"testkit.zoo.{ps}").LOSES
    stricter, one_form = [], set()
    for specimen in zoo(ps):
        ns = _namespace(ps, setup, specimen)
        lost = set(loses.get(specimen.name, ()))
        for gid, source in graded:
            if function_of(gid) == specimen.function and _visible_fails(ns, source) and gid not in lost:
                if gid in CHARGED_ELSEWHERE.get(specimen.name, ()):
                    one_form.add((specimen.name, gid))
                else:
                    stricter.append(f"{specimen.name}: {gid}")
    assert not stricter, f"visible asserts fail where the hidden check passes: {stricter}"
    listed = {(name, gid) for name, gids in CHARGED_ELSEWHERE.items() for gid in gids
              if any(s.name == name for s in zoo(ps))}
    assert one_form == listed, f"CHARGED_ELSEWHERE lists pairs the visible asserts no longer fail: {listed - one_form}"


@pytest.mark.parametrize("ps", READY)
def test_the_notebook_self_check_flags_what_the_grader_flags(ps):
    setup, _ = _cells(ps)
    declared = declarations_for(ps)
    flagged = 0
    for specimen in zoo(ps):
        ns = _namespace(ps, setup, specimen)
        exec(f"_seen = library_calls({specimen.function})", ns)  # called from the notebook's namespace, as in a cell
        seen, graded = ns.pop("_seen"), forbidden_uses(ns[specimen.function], declared[specimen.function].forbidden)
        assert set(seen) <= set(graded), specimen.name  # never a warning the grader would not give
        assert bool(seen) == bool(graded), specimen.name  # (a method of a class of the student's included)
        flagged += bool(seen)
    assert flagged >= 1, f"{ps}: the zoo has no specimen that calls a forbidden library function"


#: Visible asserts that raise NumPy's "truth value of an array is ambiguous" on a function that hands an array back
#: where one number is expected (``assert np.isclose(f(…), v), "…"`` on an array), each (specimen, cell), until the
#: cell asks for one number first with a message of its own. None since the cells of logsumexp, cross_entropy,
#: mvn_kl, kl_divergence and js_divergence do (an ``np.size(out) == 1`` assert; mvn_kl's purity compares with allclose).
ARRAY_FOR_A_NUMBER: set[tuple[str, str]] = set()


@pytest.mark.parametrize("ps", READY)
def test_a_result_of_the_wrong_shape_gets_the_cells_message_not_a_python_error(ps):
    """An array where one number is expected (one loss per row, the terms of a sum) makes an ``assert
    np.isclose(...)`` raise "The truth value of an array ... is ambiguous": a Python error the student cannot act on,
    where the cell's own message says what is wrong. No visible assert of a zoo specimen raises it itself (it may
    come from inside the specimen's own code: that is the student's error, shown as such), nor one of the corpus's
    fixtures (``testkit/corpus/fixtures``: real code showed a quadratic form never summed, an element-wise entropy)."""
    setup, graded = _cells(ps)
    raised, listed = [], set()
    real = [SimpleNamespace(name=s.id, function=s.function, source=s.source) for s in fixtures() if s.problem_set == ps]
    for specimen in (*zoo(ps), *real):
        ns = _namespace(ps, setup, specimen)
        for gid, source in graded:
            if function_of(gid) != specimen.function:
                continue
            error = _visible_error(ns, source)  # (an AssertionError is the cell's message: fine)
            if isinstance(error, ValueError) and "truth value" in str(error):
                where = traceback.extract_tb(error.__traceback__)[-1]
                if where.filename == "<visible asserts>":  # (raised in the specimen's own code: its error, as such)
                    if (specimen.name, gid) in ARRAY_FOR_A_NUMBER:
                        listed.add((specimen.name, gid))
                    else:
                        raised.append(f"{specimen.name}: {gid}, line {where.lineno}")
    assert not raised, f"visible asserts that raise on an array result instead of saying what is wrong: {raised}"
    names = {s.name for s in zoo(ps)}
    stale = {pair for pair in ARRAY_FOR_A_NUMBER if pair[0] in names} - listed
    assert not stale, f"ARRAY_FOR_A_NUMBER lists cells whose visible asserts now say what is wrong: {sorted(stale)}"
