"""The bug zoo against the hidden checks (in-process, through LocalTarget).

Every correct specimen earns every point; every wrong one loses points on
its own function and only there, and gets the hint written for it.
"""

import importlib

import numpy as np
import pytest

from autograder.checks import checks_for, evaluate
from autograder.checks.evaluate import LocalTarget, reference_function
from autograder.course import FUNCTIONS
from tests.zoo import all_specimens

SPECIMENS = list(all_specimens())


def grade(ps, specimen):
    """Grade a namespace holding the reference functions with ``specimen`` swapped in."""
    namespace = {"np": np, "__name__": "__main__"}
    for fn in FUNCTIONS[ps]:
        namespace[fn] = reference_function(fn)
    exec(compile(specimen.source, f"<zoo {specimen.name}>", "exec"), namespace)
    return {gid: evaluate(check, LocalTarget(namespace)) for gid, check in checks_for(ps).items()}


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


def loses(ps):
    """The zoo module's reviewed ``LOSES`` (specimen -> the cells it loses), or None where it has none yet."""
    return getattr(importlib.import_module(f"tests.zoo.{ps}"), "LOSES", None)


def test_every_wrong_specimen_has_its_reviewed_cells():
    reviewed = [ps for ps in dict(SPECIMENS) if loses(ps) is not None]
    assert {"ps1_softmax", "ps2_cross_entropy", "ps3_gaussian", "ps4_bernoulli", "ps5_gaussian_kl"} <= set(reviewed)
    for ps, specimen in SPECIMENS:
        if not specimen.correct and ps in reviewed:
            assert specimen.name in loses(ps), f"add {specimen.name!r} to LOSES in tests/zoo/{ps}.py"


def test_grading_page_is_current():
    """docs/grading.md is what the zoo grades to today (regenerate: python -m tests.zoo.table)."""
    from tests.zoo import table

    assert table.PAGE.read_text(encoding="utf-8") == table.render(), (
        "docs/grading.md is stale: run `python -m tests.zoo.table` and review the new rows for double charges"
    )


def test_grading_is_deterministic():
    ps, specimen = next((p, s) for p, s in SPECIMENS if not s.correct)
    first = {gid: (r.passed, r.message, r.hint) for gid, r in grade(ps, specimen).items()}
    second = {gid: (r.passed, r.message, r.hint) for gid, r in grade(ps, specimen).items()}
    assert first == second
