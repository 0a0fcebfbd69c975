"""A problem set fits its stated time: its words, its hygiene points, its working time.

The definitions are in ``testkit/load.py`` and ``docs/notebooks.md`` ("Load: words, points and time"):

* the markdown a student reads before "Going further" (release notebook, check lists and formulas
  included, table rows left out) is at most 2,200 words;
* hygiene (``-purity`` and ``-errors`` cells) is at most a quarter of a set's autograded points, and a value
  cell outweighs every hygiene cell of its function: a flipped gradient sign costs more than the 2 of
  ``cross_entropy_grad``'s 9 points it cost at commit 4945c91 (the set's idea and the container have their own
  rules: ``tests/test_rubric.py``);
* the opening's stated working time is the estimate of ``testkit/load.py``, and ``docs/notebooks.md``
  states the same per-function minutes.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from autograder.model.course import GRADE_CELLS, PROBLEM_SETS, ROOT, function_of, source_notebook
from testkit import load
from testkit.zoo import ps2_cross_entropy


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_markdown_before_going_further_is_at_most_2200_words(ps):
    assert load.words(ps) <= load.WORD_LIMIT, f"{ps}: {load.words(ps)} words before 'Going further'"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_hygiene_is_at_most_a_quarter_of_the_autograded_points(ps):
    hygiene, total = load.hygiene_points(ps), load.autograded_points(ps)
    assert hygiene <= load.HYGIENE_SHARE * total, f"{ps}: {hygiene:g} of {total:g} autograded points are hygiene"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_a_functions_value_cell_outweighs_each_of_its_hygiene_cells(ps):
    points = dict(GRADE_CELLS[ps])
    for gid, p in points.items():
        if gid.rsplit("-", 1)[1] in load.HYGIENE_ASPECTS:
            basic = points[f"{function_of(gid)}-basic"]
            assert basic > p, f"{ps}: {function_of(gid)}-basic ({basic:g}) must outweigh {gid} ({p:g})"


def test_a_flipped_gradient_sign_costs_more_than_two_points():
    points = dict(GRADE_CELLS["ps2_cross_entropy"])
    lost = sum(points[g] for g in ps2_cross_entropy.LOSES["cross_entropy_grad-wrong-sign"])
    assert lost > 2, lost


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_stated_working_time_is_the_estimate(ps):
    opening = nbformat.read(source_notebook(ps), as_version=4).cells[0].source
    stated = re.search(r"^\*\*Working time:\*\*.*$", opening, re.M)
    assert stated and stated.group(0) == load.working_time_line(ps), (
        f"{ps}: the opening says {stated.group(0) if stated else None!r}; the estimate is "
        f"{load.working_time_line(ps)!r}: run `make release` (testkit/load.py writes it; docs/notebooks.md)")


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_the_working_time_is_at_most_three_hours(ps):
    hours = load.estimate_minutes(ps)["total_hours"]
    if ps in load.OVER_THE_LIMIT:
        assert hours > load.HOURS_LIMIT, f"{ps} now fits in {load.HOURS_LIMIT:g} hours: remove it from OVER_THE_LIMIT"
        return
    assert hours <= load.HOURS_LIMIT, f"{ps}: {hours:g} hours by testkit/load.py's estimate"


@pytest.mark.parametrize("ps", sorted(load.OVER_THE_LIMIT))
def test_a_set_over_the_limit_is_over_for_its_functions_and_derivation_alone(ps):
    """A set may stay over 3 hours only when its functions and derivation alone are (no cut of its reading would
    bring it under, so none is owed), and its reason's arithmetic is today's."""
    e = load.estimate_minutes(ps)
    assert e["functions"] + e["derivation"] > 60 * load.HOURS_LIMIT, \
        f"{ps}: its functions and derivation are {e['functions'] + e['derivation']} minutes: cut its reading instead"
    missing = [number for number in load.arithmetic(ps) if number not in load.OVER_THE_LIMIT[ps]]
    assert not missing, f"testkit/load.py, OVER_THE_LIMIT[{ps!r}]: write its arithmetic as {missing}"


def test_the_guide_states_the_estimates_minutes():
    page = (ROOT / "docs" / "notebooks.md").read_text(encoding="utf-8")
    for fn, minutes in load.FUNCTION_MINUTES.items():
        assert f"| `{fn}` | {minutes} |" in page, f"docs/notebooks.md: the row of {fn} ({minutes} minutes)"
    for number in (load.WORDS_PER_MINUTE, load.MINUTES_PER_LESSON_CELL, load.DERIVATION_MINUTES, "2,200"):
        assert str(number) in page
