"""Each notebook's "What the next cells check" lists are the grading's own words (testkit.zoo.checklists).

A ``checks-<fn>`` cell is rendered from the checks (summary, tolerances, the
relations a property cell judges by) and from the bug zoo's reviewed table of
what each mistake costs, so a student reading it knows every cell a listed
mistake loses. The release notebooks are generated from the source ones
(``tests/test_release.py`` holds them equal).
"""

import json

import pytest

from autograder.checks import checks_for
from autograder.model.course import FUNCTIONS, GRADE_CELLS, PROBLEM_SETS, function_of, source_notebook
from testkit.zoo import checklists


def _lists(ps):
    nb = json.loads(source_notebook(ps).read_text(encoding="utf-8"))
    return {c["metadata"]["nbgrader"]["grade_id"][len("checks-"):]: "".join(c["source"])
            for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").startswith("checks-")}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_function_has_its_generated_check_list(ps):
    lists = _lists(ps)
    if not lists:
        pytest.skip(f"{ps}: the notebook has no checks-<fn> cells yet")
    assert set(lists) == set(FUNCTIONS[ps])
    stale = [fn for fn in FUNCTIONS[ps] if lists[fn] != checklists.render(ps, fn)]
    assert not stale, f"{ps}: stale check lists {stale}: run `python -m testkit.zoo.checklists`, then the release"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_a_listed_mistake_names_every_cell_it_loses_and_only_its_own_function(ps):
    for fn in FUNCTIONS[ps]:
        text = checklists.render(ps, fn)
        for words, lost in checklists.mistakes(ps, fn):
            assert all(function_of(g) == fn for g in lost), (fn, words, lost)
            line = next(line for line in text.splitlines() if line.startswith(f"  * {words}:"))
            named = {g for g, _ in GRADE_CELLS[ps] if f"`{g}`" in line}
            assert named == set(lost), (fn, words)


def test_a_relation_cell_says_it_compares_the_function_with_itself():
    for ps in PROBLEM_SETS:
        for gid, check in checks_for(ps).items():
            text = checklists.judging(check)
            if check.relations and not check.compares_with_reference:
                assert "against your own function, not the reference" in text, gid
                for relation in check.relations:
                    assert relation.statement in text, gid
            if check.compares_with_reference:
                assert "Compared with the reference solution" in text, gid
