"""Every number a student reads in a source or release notebook is checked (``tests/notebook_numbers.py``).

Prose, printed strings and assert messages: each computed number there is a literal the cell's own
code checks or uses, a lesson cell's printed output (``tests/lesson_claims.py``, checked where the
notebook runs), or a value computed here. A deliberately wrong number fails these tests.
"""

from __future__ import annotations

import copy
import json

import pytest

from autograder.model.course import PROBLEM_SETS, release_notebook, source_notebook
from tests.lesson_claims import CLAIMS
from tests.notebook_numbers import NUMBER, is_computed, unchecked, value_of, wrong_values

STAGES = {"source": source_notebook, "release": release_notebook}


def notebook(ps, stage) -> dict:
    return json.loads(STAGES[stage](ps).read_text(encoding="utf-8"))


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_computed_number_a_student_reads_is_checked(ps, stage):
    missing = unchecked(ps, notebook(ps, stage))
    assert not missing, f"{stage}/{ps}: numbers that nothing checks (add a claim, or compute them): {missing}"


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_numbers_computed_here_are_the_notebooks(ps, stage):
    assert wrong_values(ps, notebook(ps, stage)) == []


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_claimed_prose_is_in_the_release_too(ps):
    """What the lesson claims is checked on the executed source notebook; the release says the same."""
    cells = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in notebook(ps, "release")["cells"]}
    for claim in CLAIMS[ps]:
        assert claim.prose in cells.get(claim.text_id, ""), f"release/{ps} {claim.text_id}: {claim.prose!r}"


def _mutated(ps, stage, old, new):
    nb = copy.deepcopy(notebook(ps, stage))
    hits = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if old in text:
            cell["source"], hits = text.replace(old, new), hits + text.count(old)
    assert hits, f"{old!r} is not in {stage}/{ps}"
    return nb


#: (problem set, a number as the notebook writes it, a wrong one): prose backed by a printed output, an
#: assert message backed by its own literal, one backed by a value computed here, and a printed label.
WRONG = (
    ("ps1_softmax", "$(0.731,\\ 0.269)$", "$(0.713,\\ 0.269)$"),
    ("ps2_cross_entropy", "-log(0.65900114) ≈ 0.41703002", "-log(0.65900114) ≈ 0.41730002"),
    ("ps3_gaussian", "= -800.919$", "= -800.991$"),
    ("ps4_bernoulli", "truly costs 27.63 nats", "truly costs 27.36 nats"),
    ("ps5_gaussian_kl", "costs 47.20 nats", "costs 47.02 nats"),
    ("ps6_information", "KL(q || p) = 0.3681", "KL(q || p) = 0.5310"),
)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("ps,right,wrong", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_number_is_caught(ps, right, wrong, stage):
    nb = _mutated(ps, stage, right, wrong)
    problems = unchecked(ps, nb) + wrong_values(ps, nb)
    [token] = {m.group() for m in NUMBER.finditer(wrong)} - {m.group() for m in NUMBER.finditer(right)}
    assert any(token in p for p in problems), f"{stage}/{ps}: changing {right!r} to {wrong!r} went unnoticed"


def test_what_counts_as_a_computed_number():
    assert all(map(is_computed, ("0.731", "709.78", "-745.13", "4.9 \\times 10^{-324}", "9.08e-05", "0.5310")))
    assert not any(map(is_computed, ("0.5", "1000", "1e-10", "2.0", "1e-300", "10", "1.0")))
    assert value_of("4.9 \\times 10^{-324}") == pytest.approx(4.9e-324)
