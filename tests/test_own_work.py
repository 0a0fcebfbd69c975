"""Every cell needs the function's own work (docs/contract.md, "A function must do its own work").

A cell that judges a property rather than values (a relation between the function's own calls, an axis, a shape,
the errors) is satisfied by a function that ignores its inputs; so each also calls the function on one of its
inputs changed the way every correct result responds (``autograder/checks/changes.py``), and the two results must
differ where the correct ones do, and an input handed back unchanged computes nothing
(``autograder/checks/stub_failure.py``'s ``own_work_failure``). The degenerate forms of every function are zoo
specimens (``testkit/zoo/degenerate.py``, graded by ``tests/test_zoo.py`` and listed on docs/grading.md); here the
issue's own example, the rule's pieces, and the invariant that every such cell asks it.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.by_name import checks_for
from autograder.checks.changes import judges_own_work, others_lowered, results_differ, sharpened
from autograder.checks.evaluate import LocalTarget, evaluate
from autograder.checks.references import reference_function
from autograder.model.course import FUNCTIONS, GRADE_CELLS
from testkit.zoo import Specimen, degenerate, grade

#: The issue's example: a one-hot of the largest logit that never reads `temperature`.
ONE_HOT_SOFTMAX = '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    z = np.asarray(z, dtype=float)
    return (z == np.max(z, axis=axis, keepdims=True)).astype(float)
'''


def test_a_one_hot_softmax_that_never_reads_the_temperature_earns_only_purity():
    """It earned softmax-temperature 2/2 and softmax-axis 2/2 (with -purity, 5 of 15): the relations hold for a
    function that ignores its inputs. Now every cell but -purity is lost, each saying that calls whose correct
    results differ returned one result."""
    results = grade("ps1_softmax", Specimen("one-hot", "softmax", ONE_HOT_SOFTMAX))
    kept = {gid for gid, r in results.items() if gid.startswith("softmax-") and r.passed}
    assert kept == {"softmax-purity"}, kept
    for gid in ("softmax-axis", "softmax-temperature"):
        assert results[gid].kind == "stub" and "whose results differ" in results[gid].message, results[gid].message


def test_what_a_degenerate_form_earns_is_what_the_contract_grants():
    """Over the zoo's degenerate specimens: none earns a cell but ``-purity`` (and a function that ignores a
    parameter the cells not named for it, each listed in KEEPS); at most 1 point of each function's, or what KEEPS
    lists."""
    count = forms = 0
    for ps in FUNCTIONS:
        points, mine = dict(GRADE_CELLS[ps]), degenerate.forms_of(ps)
        forms += sum(len(f.bodies) for f in mine.values())
        assert set(mine) == set(FUNCTIONS[ps]), f"{ps}: tests/declared.py names the forms still to write"
        for specimen in degenerate.specimens(ps):
            count += 1
            cells = [gid for gid in points if gid.startswith(f"{specimen.function}-")]
            kept = set(cells) - set(degenerate.loses(ps)[specimen.name])
            allowed = {f"{specimen.function}-purity", *mine[specimen.function].keeps}
            assert kept <= allowed, (specimen.name, kept - allowed)
            if not specimen.name.endswith("-ignored"):
                assert sum(points[gid] for gid in kept) <= 1, (specimen.name, kept)
    assert count == forms >= 5 * sum(len(fns) for fns in FUNCTIONS.values())  # (six forms a function, five for one
    # argument: sigmoid(z) has no parameter to ignore)


@pytest.mark.parametrize("ps", list(FUNCTIONS))
def test_every_cell_that_judges_a_property_asks_for_the_functions_own_work(ps):
    """Each cell that does not compare its values with the reference (but -purity) holds a changed call whose correct
    result differs from its base's, so that a function that ignores that input cannot pass it; and no other cell
    holds one."""
    for gid, check in checks_for(ps).items():
        aspect = gid.rsplit("-", 1)[1]
        changed = [p for p in check.probes if p.differs_from is not None]
        if not judges_own_work(aspect, check.probes, check.compare_values):
            assert not changed, gid
            continue
        assert changed, f"{gid} judges a property but asks for no change of an input"
        reference = reference_function(check.function)
        for probe in changed:
            base = check.probes[probe.differs_from]
            assert base.differs_from is None and not probe.public, gid
            with np.errstate(all="ignore"):
                assert results_differ(reference(*base.args, **base.kwargs), reference(*probe.args, **probe.kwargs)), \
                    (gid, probe.label)


def test_a_change_keeps_the_input_valid_and_what_a_degenerate_function_reads():
    """The logits lowered but for each slice's largest: the largest stays where and what it was; a probability vector
    sharpened: still one, with its support and its order."""
    z = np.array([[1.0, 3.0, 2.0], [0.5, -1.0, 0.5]])
    (lowered,), _ = others_lowered(0, "z").change((z,), {})
    assert np.array_equal(np.argmax(lowered, axis=-1), np.argmax(z, axis=-1))
    assert np.array_equal(lowered.max(axis=-1), z.max(axis=-1)) and (lowered <= z).all()
    p = np.array([[0.5, 0.3, 0.2, 0.0]])
    (sharp,), _ = sharpened(0, "p").change((p,), {})
    assert np.allclose(sharp.sum(axis=-1), 1.0) and np.array_equal(sharp > 0, p > 0)
    assert np.array_equal(np.argsort(sharp), np.argsort(p))
    assert others_lowered(0, "z").change((np.zeros(3),), {}) is None  # (all are the largest: nothing to change)


def test_a_function_that_hands_its_input_back_computes_nothing():
    """A softmax that returns its logits passes every axis relation (slice by slice, z is z): it is told that it
    returns its argument unchanged."""
    def softmax(z, axis=-1, temperature=1.0):
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        return np.asarray(z, dtype=float)

    namespace = {"softmax": softmax}
    check = checks_for("ps1_softmax")["softmax-errors"]
    result = evaluate(check, LocalTarget(namespace))
    assert not result.passed and result.kind == "stub", result.message
    assert "returns its argument 1 unchanged" in result.message and "hands one of its inputs back" in result.hint


def test_a_wrong_formula_that_reads_its_input_keeps_its_property_cells():
    """The change is judged on the pattern of equalities only: a softmax off by a constant factor in every value (the
    numerator shifted, the sum not) responds to its input as the correct one does and keeps -axis and -temperature."""
    wrong = '''
import numpy as np

def softmax(z, axis=-1, temperature=1.0):
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    x = np.asarray(z, dtype=float) / temperature
    return 0.5 * np.exp(x - x.max(axis=axis, keepdims=True)) / np.sum(np.exp(x - x.max(axis=axis, keepdims=True)),
                                                                      axis=axis, keepdims=True)
'''
    results = grade("ps1_softmax", Specimen("half", "softmax", wrong))
    assert not results["softmax-basic"].passed
    assert all(results[g].passed for g in ("softmax-axis", "softmax-temperature", "softmax-errors", "softmax-purity"))
