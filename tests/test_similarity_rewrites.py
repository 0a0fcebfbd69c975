"""A copy disguised by :mod:`testkit.rewrites`' rules is reported as a plain copy is.

The class is :func:`testkit.similarity_class.versions`' independent versions of every function (student
``ind-NN``), and for each rule of :data:`testkit.rewrites.REWRITES` a copier per version who hands in
``ind-NN``'s cell rewritten by that rule (``<rule>-NN``; a rule that does not apply to a version plants
nothing), and copiers who compose two and three rules chosen by a seed (``two-NN``, ``three-NN``). Each
rule's copies are judged in a class of their own (the independent versions and those copies: one copy of each
version, as in a real class), by the report's own index at its default settings.

Measured (reported at the default threshold; 23 rules, 94 to 333 copies each (none where a rule does not apply), 2,568 independent pairs):

=============================  ======  =====
rule                           before  after
=============================  ======  =====
as-it-stands (the baseline)     91 %    92 %
call-counter                    69 %    92 %
last-input-kept                 75 %    92 %
errors-raised-as-value-errors   63 %    92 %
floating-point-errors-ignored   68 %    92 %
numpy-imported-inside           74 %    91 %
input-copied (110 copies)       50 %    85 %
decorated                       82 %    92 %
static-method                   81 %    90 %
inner-function                  84 %    92 %
looked-up-in-a-table            84 %    92 %
two rules composed              78 %    91 %
three rules composed            72 %    91 %
=============================  ======  =====

the others at 90-95 % before and after; the independent pairs reported (the independent versions alone): 69 of
2,568 before, 74 after (2.7 %, 2.9 %; tests/test_similarity_detection.py bounds them at 5 %). What
the report misses of a plain ``as-it-stands`` copy is short code everyone writes alike (``logsumexp`` in one
line): no rule is needed to miss it. ``looked-up-in-a-table`` (``return TABLE["f"](z)``) was not seen through
until :mod:`autograder.similarity.tables` (84 % before it; two and three rules composed 90 % and 88 %).
"""

from __future__ import annotations

import itertools
import json
import random

import pytest

from autograder.model.course import FUNCTIONS, ROOT
from autograder.model.notebook import nbgrader_meta
from autograder.model.submissions import scan
from autograder.similarity.corpus import given_code, read_all
from autograder.similarity.index import compare
from testkit.rewrites import REWRITES, Split, rewritten
from testkit.similarity_class import _filled, versions

#: The rules that only print the cell again, and those composed.
BASELINE = "as-it-stands"
COMPOSED = {"two": 2, "three": 3}
#: Rules not seen through yet (measured above): held to what they reach, so that a regression shows.
NOT_YET: dict[str, float] = {}


def _compose(source: str, function: str, rules) -> str | Split | None:
    out: str | Split = source
    for rule in rules:
        new = rewritten(out.cell if isinstance(out, Split) else out, function, rule)
        if new is None:
            return None
        if isinstance(out, Split):
            new = Split(out.above, new) if isinstance(new, str) else Split(out.above + "\n" + new.above, new.cell)
        out = new
    return out


def _composed(source: str, function: str, seed: str, count: int) -> str | Split | None:
    rng = random.Random(seed)
    rules = [r for r in REWRITES if r.name != BASELINE]
    for _ in range(20):
        out = _compose(source, function, rng.sample(rules, count))
        if out is not None:
            return out
    return None


def _write(folder, student: str, ps: str, code: dict) -> None:
    """The release with ``code`` in its solution cells; a :class:`Split`'s cell above put in a new code cell."""
    nb = json.loads(_filled(ps))
    cells = []
    for cell in nb["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in code:
            source = code[grade_id]
            if isinstance(source, Split):
                cells.append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                              "source": source.above})
                source = source.cell
            cell["source"] = source
        cells.append(cell)
    nb["cells"] = cells
    path = folder / student / ps / f"{ps}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def rewritten_class(tmp_path_factory):
    """``(entries by (ps, function), given, truth)``; truth: ``(ps, function) -> {"independent": [...],
    "planted": {variant: [(original, copy)]}}``."""
    folder = tmp_path_factory.mktemp("rewrites") / "submitted"
    truth, codes = {}, {}
    for ps, functions in FUNCTIONS.items():
        for function in functions:
            found = truth.setdefault((ps, function), {"independent": [], "planted": {}})
            for i, (name, source) in enumerate(versions(ps, function)):
                original = f"ind-{i:02d}"
                codes.setdefault((original, ps), {})[function] = source
                found["independent"].append(original)
                made = {rule.name: rewritten(source, function, rule) for rule in REWRITES}
                made |= {v: _composed(source, function, f"{v}-{function}-{name}", n) for v, n in COMPOSED.items()}
                for variant, copy in made.items():
                    if copy is not None:
                        codes.setdefault((f"{variant}-{i:02d}", ps), {})[function] = copy
                        found["planted"].setdefault(variant, []).append((original, f"{variant}-{i:02d}"))
    for (student, ps), code in codes.items():
        _write(folder, student, ps, code)
    given = {ps: given_code(ROOT, ps) for ps in FUNCTIONS}
    entries, notes = read_all(scan(folder, FUNCTIONS).submissions, given, workers=2)
    # a demonstration under the cell runs a function that calls eval (one zoo specimen): read as it should be
    assert all(n[0].startswith("demonstrated-") and "eval" in n[3] for n in notes), notes
    by: dict = {}
    for e in entries:
        by.setdefault((e.problem_set, e.function), []).append(e)
    return by, given, truth


@pytest.fixture(scope="module")
def detection(rewritten_class):
    """``({variant: {(function, original): reported}}, [independent pairs reported, independent pairs])``."""
    by, given, truth = rewritten_class
    rates: dict = {}
    alarms = [0, 0]
    for (ps, function), info in truth.items():
        independent = [e for e in by[(ps, function)] if e.student.startswith("ind-")]
        compared = compare(independent, given[ps].hashes)
        names = [e.student for e in compared.entries]
        reported = {(names[p.a], names[p.b]) for p in compared.pairs}
        alarms[0] += len(reported)
        alarms[1] += len(list(itertools.combinations(info["independent"], 2)))
        for variant, planted in info["planted"].items():
            copies = {c for _, c in planted}
            compared = compare(independent + [e for e in by[(ps, function)] if e.student in copies],
                               given[ps].hashes)
            names = [e.student for e in compared.entries]
            reported = {frozenset((names[p.a], names[p.b])) for p in compared.pairs}
            found = rates.setdefault(variant, {})
            found.update({(function, a): frozenset((a, b)) in reported for a, b in planted})
    return rates, alarms


def test_every_rule_plants_copies(detection):
    rates, _ = detection
    assert set(rates) == {r.name for r in REWRITES} | set(COMPOSED)
    assert all(len(found) >= 90 for found in rates.values()), {v: len(r) for v, r in rates.items()}


@pytest.mark.parametrize("variant", [r.name for r in REWRITES] + list(COMPOSED))
def test_a_copy_rewritten_this_way_is_reported_as_a_plain_copy_is(detection, variant):
    """Each rule's copies are reported within 5 points of the plain reprints of the same versions."""
    rates, _ = detection
    found = rates[variant]
    rate = sum(found.values()) / len(found)
    plain = sum(rates[BASELINE][k] for k in found) / len(found)
    floor = NOT_YET.get(variant, plain - 0.05)
    assert rate >= floor, f"{variant}: {sum(found.values())} of {len(found)} reported ({plain:.0%} as it stands)"


def test_independent_versions_are_rarely_reported(detection):
    """As tests/test_similarity_detection.py bounds them (69 of 2,568 measured before, 74 after)."""
    _, (alarms, pairs) = detection
    assert alarms / pairs <= 0.05, f"{alarms} of {pairs} independent pairs reported"
