"""Each notebook's "What the next cells check" lists are the grading's own words (testkit.zoo.checklists).

A ``checks-<fn>`` cell is rendered from the checks (summary, points, and what a
cell compares with: the reference and its tolerance, or the student's own
function), one short line per graded cell; the relations in full and what each
mistake of the bug zoo costs are on docs/grading.md. The release notebooks are generated from the source ones
(``tests/test_release.py`` holds them equal).
"""

import json
import re

import pytest

from autograder.checks.by_name import checks_for
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
def test_a_list_has_one_short_line_per_graded_cell(ps):
    """One line per graded cell, with its points; how a cell judges in full, and what each mistake costs, are on
    docs/grading.md (the students' guide links it), not in the notebook."""
    for fn in FUNCTIONS[ps]:
        lines = checklists.render(ps, fn).splitlines()
        cells = [(g, p) for g, p in GRADE_CELLS[ps] if function_of(g) == fn]
        assert lines[2:] == [line for line in lines[2:] if line.startswith("- `")] and len(lines) == 2 + len(cells)
        for (gid, points), line in zip(cells, lines[2:]):
            assert line.startswith(f"- `{gid}` ({points:g}): ")
            assert len(line.split()) <= 70, f"{gid}: {len(line.split())} words"


def test_a_relation_cell_says_it_compares_the_function_with_itself():
    for ps in PROBLEM_SETS:
        for gid, check in checks_for(ps).items():
            text = checklists.judging(check)
            if check.relations and not check.compares_with_reference:
                assert text.startswith("against your own function"), gid
            if check.compares_with_reference:
                assert text.startswith(f"against the reference, to {checklists.sci(check.rtol)} relative"), gid


def test_a_line_names_one_relative_tolerance_and_the_inputs_that_have_another():
    """"to 1e-5 relative or 1e-10 relative" read as a choice (ps6's bayes_posterior-stability, issue 81): a cell whose
    probes compare to two relative tolerances names the one most of them use, and the other as "some inputs"."""
    for ps in PROBLEM_SETS:
        for fn in FUNCTIONS[ps]:
            for line in checklists.render(ps, fn).splitlines()[2:]:
                assert len(re.findall(r"\de-\d+ relative(?! \))", line.split(" (some inputs")[0])) <= 1, line
    line = checklists.judging(checks_for("ps6_information")["bayes_posterior-stability"])
    assert line == "against your own function, to 1e-10 relative (some inputs 1e-5 relative).", line
