"""The bug zoo against the hidden checks (in-process, through LocalTarget).

Every correct specimen earns every point; every wrong one loses points on
its own function and only there, and gets the hint written for it. The
compound specimens (``testkit/zoo/compound.py``: several cells, errors carried
forward, order) are run as notebooks, cell by cell from the top, each graded
cell's check evaluated where it stands, as ``run_check`` does in a kernel. That
stock ``nbgrader autograde`` loses the same cells of each compound specimen in a
real kernel is ``tests/test_parity.py``'s (every compound specimen is in its batch).
"""

import contextlib
import importlib

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.generic_hints import GENERIC_HINTS
from autograder.model.course import FUNCTIONS, GRADE_CELLS, grader_skips
from autograder.model.notebook import cell_text, nbgrader_meta
from autograder.model.pysource import python_source
from testkit.zoo import all_specimens, grade, hint_rules
from testkit.zoo.compound import COMPOUNDS

SPECIMENS = list(all_specimens())


def test_zoo_is_big_enough():
    wrong = [s for _, s in SPECIMENS if not s.correct]
    assert len(wrong) >= 30
    for ps, fns in FUNCTIONS.items():
        for fn in fns:
            right = [s for p, s in SPECIMENS if p == ps and s.function == fn and s.correct]
            assert len(right) >= 2, f"{fn} needs at least two differently written correct implementations"
    names = [s.name for _, s in SPECIMENS]
    assert len(names) == len(set(names)), "specimen names must be unique"


@pytest.mark.parametrize("ps,specimen", SPECIMENS, ids=[s.name for _, s in SPECIMENS])
def test_specimen(ps, specimen):
    results = grade(ps, specimen)
    failed = {gid: r for gid, r in results.items() if not r.passed}
    if specimen.correct:
        assert not failed, {gid: r.feedback() for gid, r in failed.items()}
        return
    assert failed, f"{specimen.name} passed every check"
    elsewhere = {gid: r.feedback() for gid, r in failed.items() if r.function != specimen.function}
    assert not elsewhere, f"{specimen.name} lost points outside {specimen.function}: {elsewhere}"
    # One mistake, the cells of its own aspect: exactly the reviewed list (docs/grading.md publishes it).
    expected = (loses(ps) or {}).get(specimen.name, tuple(failed))
    assert tuple(failed) == tuple(expected), (
        f"{specimen.name} should lose exactly {expected}, lost {tuple(failed)}: "
        + "; ".join(f"{gid}: {r.feedback()}" for gid, r in failed.items() if gid not in expected)
    )
    hints = [r.hint for r in failed.values()]
    assert any(specimen.hint in h for h in hints), (
        f"{specimen.name}: expected a hint containing {specimen.hint!r}, got {hints}"
    )
    # Each hint names what is wrong in it, and no other mistake; each mistake it records is named somewhere.
    shown = {gid: shown_mistake(ps, r) for gid, r in failed.items()}
    strangers = {gid: (m, failed[gid].hint) for gid, m in shown.items() if m is not None and m not in specimen.mistakes}
    assert not strangers, f"{specimen.name} ({specimen.mistakes}) is told about another mistake: {strangers}"
    assert set(specimen.mistakes) <= set(shown.values()), (
        f"{specimen.name}: records {specimen.mistakes}, but its hints name {sorted(set(shown.values()) - {None})}"
    )
    if not specimen.mistakes:  # the untouched template, and a degenerate form no rule names, get no hint at all
        assert not any(hints), f"{specimen.name}: record its mistake"


def shown_mistake(ps, result):
    """The mistake the hint shown on a failed cell names (``forbidden`` for the advice on a forbidden function),
    or None when the cell shows no hint."""
    if not result.hint:
        return None
    if result.kind == "forbidden":
        return "forbidden"
    rules = hint_rules(ps)
    assert result.hint in rules, f"{result.grade_id}: a hint no rule of {ps} has: {result.hint!r}"
    return rules[result.hint].mistake


def test_every_hint_rule_has_a_specimen():
    """Each hint rule of a problem set is made by a zoo specimen of that problem set that records its mistake, and
    each generic rule (:data:`~autograder.checks.generic_hints.GENERIC_HINTS`) by one of any problem set;
    ``test_specimen`` shows the specimen gets that hint and no hint about another mistake."""
    generic = {rule.mistake for rule in GENERIC_HINTS}
    missing = {}
    for ps in FUNCTIONS:
        made = {m for p, s in SPECIMENS if p == ps for m in s.mistakes}
        missing[ps] = sorted({r.mistake for r in hint_rules(ps).values()} - generic - made)
    missing["generic"] = sorted(generic - {m for _, s in SPECIMENS for m in s.mistakes})
    assert not any(missing.values()), f"hint rules no zoo specimen makes: {missing}"


def loses(ps):
    """The zoo module's reviewed ``LOSES`` (specimen -> the cells it loses), or None where it has none yet."""
    return getattr(importlib.import_module(f"testkit.zoo.{ps}"), "LOSES", None)


def test_every_wrong_specimen_has_its_reviewed_cells():
    reviewed = [ps for ps in dict(SPECIMENS) if loses(ps) is not None]
    assert {"ps1_softmax", "ps2_cross_entropy", "ps3_gaussian", "ps4_bernoulli", "ps5_gaussian_kl"} <= set(reviewed)
    for ps, specimen in SPECIMENS:
        if not specimen.correct and ps in reviewed:
            assert specimen.name in loses(ps), f"add {specimen.name!r} to LOSES in testkit/zoo/{ps}.py"


def test_grading_page_is_current():
    """docs/grading.md is what the zoo grades to today (regenerate: python -m testkit.zoo.table)."""
    from testkit.zoo import table

    assert table.PAGE.read_text(encoding="utf-8") == table.render(), (
        "docs/grading.md is stale: run `python -m testkit.zoo.table` and review the new rows for double charges"
    )


def test_grading_is_deterministic():
    ps, specimen = next((p, s) for p, s in SPECIMENS if not s.correct)
    first = {gid: (r.passed, r.message, r.hint) for gid, r in grade(ps, specimen).items()}
    second = {gid: (r.passed, r.message, r.hint) for gid, r in grade(ps, specimen).items()}
    assert first == second


def run_in_order(ps, nb):
    """Grade notebook data top to bottom in one namespace: code cells run (lesson cells, which
    only plot, the set-up and data cells and the visible asserts of graded cells are skipped, as the engine
    does), and
    each graded cell's check is evaluated at its position. ``{grade_id: CheckResult}``."""
    checks = checks_for(ps)
    namespace = {"__name__": "__main__", "get_ipython": _NoMagic}
    results = {}
    for index, cell in enumerate(nb["cells"]):
        gid = nbgrader_meta(cell).get("grade_id")
        if cell["cell_type"] != "code" or grader_skips(gid):
            continue
        if gid in checks:
            results[gid] = evaluate(checks[gid], LocalTarget(namespace))
            continue
        with contextlib.suppress(Exception):  # an error ends the cell, not the notebook (each cell its own code)
            exec(compile(python_source(cell_text(cell)), f"<cell {index}>", "exec"), namespace)
    return results


class _NoMagic:
    """``get_ipython()`` for cells run outside IPython: line magics (``%matplotlib inline``) do nothing."""

    @staticmethod
    def run_line_magic(*args, **kwargs):
        return None

    def __new__(cls):
        return cls


@pytest.mark.parametrize("compound", COMPOUNDS, ids=[c.name for c in COMPOUNDS])
def test_compound_specimen_loses_only_its_own_cells(compound):
    results = run_in_order(compound.ps, compound.notebook())
    assert set(results) == {gid for gid, _ in GRADE_CELLS[compound.ps]}
    lost = {gid for gid, r in results.items() if not r.passed}
    assert lost == set(compound.loses), {
        "lost but should not": {gid: results[gid].feedback() for gid in lost - compound.loses},
        "kept but should lose": sorted(compound.loses - lost),
    }
    if compound.hint is not None:
        hints = [results[gid].hint for gid in lost]
        assert any(compound.hint in h for h in hints), (compound.name, hints)
    if compound.kind is not None:
        assert {results[gid].kind for gid in lost} == {compound.kind}, compound.name


def test_compound_specimens_cover_carry_and_order():
    names = [c.name for c in COMPOUNDS]
    assert len(names) == len(set(names))
    assert set(names).isdisjoint(s.name for _, s in SPECIMENS)
    carried = [c for c in COMPOUNDS if c.name.startswith("carry-")]
    assert {c.ps for c in carried} >= {"ps1_softmax", "ps3_gaussian", "ps4_bernoulli", "ps5_gaussian_kl"}
    assert any(c.name.startswith("order-") and any(a is None for a, _ in c.extra) for c in COMPOUNDS)


def test_a_callee_is_carried_only_during_the_callers_probes():
    """The reference answers the caller's calls of its callee, and only inside that call."""
    namespace = {"np": np, "__name__": "__main__"}
    _one_function_a_cell(NAIVE_PAIR, namespace)
    own = namespace["logsumexp"]
    target = LocalTarget(namespace)
    z = [1000.0, 1000.0]
    inside = target.call("log_softmax", (z,), {}, ("logsumexp", "softmax"))
    assert inside.status == "returned" and np.allclose(inside.value, [-np.log(2), -np.log(2)]), inside
    assert not inside.warnings  # the naive logsumexp's overflow is not the caller's
    assert inside.carried == ("logsumexp",)  # what the reference answered, for the message (below)
    assert namespace["logsumexp"] is own  # restored
    outside = target.call("log_softmax", (z,), {})
    assert outside.status == "returned" and np.isneginf(outside.value).all()  # 1000 - inf: the student's own
    assert any("overflow" in w for w in outside.warnings)
    assert outside.carried == ()


#: ps1's callers of logsumexp written against a whole-array logsumexp of their own (``z - logsumexp(z)``): the
#: pairs of the course whose two functions ps1 still asks for.
WHOLE_ARRAY_CALLERS = [caller for caller in ("log_softmax", "softmax") if caller in FUNCTIONS["ps1_softmax"]]


def _own_whole_array_lse(caller: str) -> str:
    return OWN_WHOLE_ARRAY_LSE if caller == "log_softmax" else OWN_WHOLE_ARRAY_LSE_SOFTMAX


@pytest.mark.parametrize("caller", WHOLE_ARRAY_CALLERS)
def test_a_failure_says_when_the_callee_was_answered_by_the_reference(caller):
    """A log_softmax (or softmax) that drops the reduced axis works with the student's own whole-array logsumexp and
    raises with the contract's one (carried forward): the message says that the callee was answered, or the student
    would read about an error their notebook never shows. A failure with no callee answered says nothing of it."""
    namespace = {"np": np, "__name__": "__main__"}
    _one_function_a_cell(_own_whole_array_lse(caller), namespace)
    checks = checks_for("ps1_softmax")
    result = evaluate(checks[f"{caller}-axis"], LocalTarget(namespace))
    assert not result.passed and "could not be broadcast" in result.message, result.message
    assert "calls of `logsumexp` were answered by a correct `logsumexp`" in result.message, result.message
    alone = evaluate(checks["logsumexp-axis"], LocalTarget(namespace))
    assert not alone.passed and "answered by a correct" not in alone.message, alone.message


OWN_WHOLE_ARRAY_LSE = """
def logsumexp(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - logsumexp(z)
"""
OWN_WHOLE_ARRAY_LSE_SOFTMAX = OWN_WHOLE_ARRAY_LSE.split("\ndef log_softmax")[0] + """
def softmax(z, axis=-1, temperature=1.0):
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(z, dtype=float) / temperature
    return np.exp(z - logsumexp(z))
"""


def test_no_credit_for_a_circle():
    """Each defined through the other: nothing is ever computed. Neither callee is answered by the
    reference (each reaches its caller), so both fail with RecursionError, as they do when run.
    (Not a compound specimen: IPython and nbgrader take minutes to format a 1000-frame traceback.)"""
    namespace = {"np": np, "__name__": "__main__"}
    _one_function_a_cell(CIRCLE, namespace)
    for gid in ("gaussian_log_pdf-basic", "gaussian_log_likelihood-basic"):
        result = evaluate(checks_for("ps3_gaussian")[gid], LocalTarget(namespace))
        assert not result.passed and "RecursionError" in result.message, result.message


def _one_function_a_cell(source: str, namespace: dict) -> None:
    """Run ``source`` as a notebook would hold it, each top-level function in a cell of its own (a callee in the
    caller's own cell is the caller's own code, not carried forward: tests below)."""
    for index, block in enumerate(source.strip().split("\ndef ")):
        exec(compile(block if index == 0 else "def " + block, f"<cell {index}>", "exec"), namespace)


@pytest.mark.parametrize("caller", WHOLE_ARRAY_CALLERS)
def test_a_callee_written_in_the_callers_own_cell_runs_as_written(caller):
    """genlm/llamppl's log_softmax comes with a logsumexp of its own, over the whole array, in the same cell: that
    is the log_softmax's answer, graded as written (no normalisation per slice: a value failure), not a callee to
    answer with the contract's logsumexp (which would make it raise where the notebook does not). So is a softmax's."""
    namespace = {"np": np, "__name__": "__main__"}
    exec(compile(_own_whole_array_lse(caller), "<one cell>", "exec"), namespace)
    result = evaluate(checks_for("ps1_softmax")[f"{caller}-axis"], LocalTarget(namespace))
    assert not result.passed and "answered by a correct" not in result.message, result.message
    assert "could not be broadcast" not in result.message, result.message
    outcome = LocalTarget(namespace).call(caller, ([[1.0, 2.0], [3.0, 5.0]],), {}, ("logsumexp",))
    assert outcome.status == "returned" and outcome.carried == (), outcome


CIRCLE = """
def gaussian_log_pdf(x, mu, sigma):
    x, mu, sigma = np.broadcast_arrays(np.asarray(x, dtype=float), mu, sigma)
    out = np.empty(x.shape)
    for i in np.ndindex(x.shape):
        out[i] = gaussian_log_likelihood(x[i], mu[i], sigma[i])
    return out

def gaussian_log_likelihood(x, mu, sigma):
    return float(np.sum(gaussian_log_pdf(x, mu, sigma)))
"""

NAIVE_PAIR = """
def logsumexp(z, axis=-1):
    return np.log(np.sum(np.exp(z), axis=axis))

def log_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - np.expand_dims(logsumexp(z, axis=axis), axis)
"""
