"""What the notebooks tell students about grading is what the checks do.

Read from the source notebooks and the checks registry, no kernel (fast):

* the opening's points table equals ``autograder/model/course.py`` (the rest of the
  common opening is ``tests/test_notebook_template.py``'s);
* before each function's graded cells, a "What the next … check" paragraph that
  names exactly those cells with their points;
* every tolerance the prose states is the checks' tolerance: the opening's
  default "1e-10 relative", a looser rtol named in the bullet of its cell, and
  the absolute tolerances the "Going further" sections quote;
* what a notebook calls "not graded" is not probed: no ps3 check makes
  ``sigma`` <= 0 or an empty sample raise, the ``log1p`` refinements appear
  only in "Going further (not graded)" sections, and ps2 keeps ℓ for
  log-likelihoods (its logits are z).

The numbers the prose quotes from computations are printed by the notebooks'
own lesson cells, checked where the notebooks are executed
(``tests/test_nbgrader_e2e.py`` with ``tests/lesson_claims.py``).
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from autograder.checks import checks_for
from autograder.model.course import (ANSWER_CELLS, GRADE_CELLS, PROBLEM_SETS, ROOT, autograded_max_score,
                                     function_of, is_answer_cell, max_score, source_notebook)
from testkit.zoo.checklists import relation_tolerances

#: Every notebook follows the one template (docs/notebooks.md, tests/test_notebook_template.py).
STRUCTURED = PROBLEM_SETS
DEFAULT_RTOL = 1e-10


def cells(ps):
    return nbformat.read(source_notebook(ps), as_version=4).cells


def guide() -> str:
    """The students' guide, where the rules every problem set shares are written once."""
    return (ROOT / "docs" / "students.md").read_text(encoding="utf-8")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def markdown_sections(ps):
    """(in_going_further, markdown source) for every markdown cell, in order.

    "Going further" runs from its ``## Going further`` heading to the next ``#``/``##`` heading (its own
    ``###`` subsections are inside it).
    """
    out, going_further = [], False
    for cell in cells(ps):
        if cell.cell_type != "markdown":
            continue
        heading = re.match(r"#{1,2}\s+(.*)", cell.source)
        if heading:
            going_further = "going further" in heading.group(1).lower()
        out.append((going_further, cell.source))
    return out


def sci(x: float) -> str:
    """1e-08 -> '1e-8', the way the notebooks write tolerances."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@pytest.mark.parametrize("ps", STRUCTURED)
def test_the_opening_has_the_course_points(ps):
    opening = cells(ps)[0].source
    table = dict(re.findall(r"`([a-z_]+-[a-z]+)` \((\d+)\)", opening))
    assert {gid: int(p) for gid, p in table.items()} == dict(GRADE_CELLS[ps] + ANSWER_CELLS[ps]), \
        f"{ps}: points table != course.py"
    total = f"**{max_score(ps):g} points**"
    if ANSWER_CELLS[ps]:  # the total says which part a person grades
        hand = max_score(ps) - autograded_max_score(ps)
        total += f": {autograded_max_score(ps):g} autograded, {hand:g} graded by hand"
    assert total in opening, total


@pytest.mark.parametrize("ps", STRUCTURED)
def test_each_group_of_graded_cells_follows_a_paragraph_naming_them(ps):
    nb = cells(ps)
    index = 0
    while index < len(nb):
        meta = nb[index].metadata.get("nbgrader", {})
        if not meta.get("grade") or is_answer_cell(meta):  # an answer cell follows its "Derive it yourself" prompt
            index += 1
            continue
        group = []
        fn = function_of(meta["grade_id"])
        while index + len(group) < len(nb) and nb[index + len(group)].metadata.get("nbgrader", {}).get("grade") \
                and function_of(grade_id(nb[index + len(group)])) == fn:
            group.append(nb[index + len(group)])
        intro = nb[index - 1]
        assert intro.cell_type == "markdown" and intro.source.startswith("**What the next cells check.**"), \
            f"{ps}: no 'What the next cells check' paragraph before {grade_id(group[0])}"
        named = re.findall(r"^- `([a-z_]+-[a-z]+)` \((\d+)\): ", intro.source, re.M)
        assert named == [(grade_id(c), str(c.metadata["nbgrader"]["points"])) for c in group], \
            f"{ps}: the paragraph before {grade_id(group[0])} names {named}"
        index += len(group)


def check_bullets(ps):
    """grade_id -> the text of its bullet in a "What the next cells check" paragraph."""
    return {gid: text for _, source in markdown_sections(ps)
            for gid, text in re.findall(r"^- `([a-z_]+-[a-z]+)` \(\d+\): (.*)$", source, re.M)}


@pytest.mark.parametrize("ps", STRUCTURED)
def test_stated_relative_tolerances_are_the_checks(ps):
    assert "to\n  1e-10 relative unless its line in the list says otherwise" in guide()
    bullets = check_bullets(ps)
    for check in checks_for(ps).values():
        if not check.compare_values:   # purity: judged on that property, values belong to the other cells
            assert "values are not judged" in bullets[check.grade_id], check.grade_id
            continue
        if check.rtol != DEFAULT_RTOL and check.compares_with_reference:
            assert f"{sci(check.rtol)} relative" in bullets[check.grade_id], \
                f"{check.grade_id} compares at rtol {check.rtol:g}; its description must say so"
        probe_rtols = {p.rtol for p in check.probes if p.rtol is not None and p.expect == "value"}
        probe_rtols |= relation_tolerances(check)[0] - {DEFAULT_RTOL}   # what a relation cell compares with
        for rtol in probe_rtols:
            assert f"{sci(rtol)} relative" in bullets[check.grade_id], \
                f"{check.grade_id} compares some inputs at rtol {rtol:g}; its description must say so"
        for rtol in set(re.findall(r"(\de-\d+) relative", bullets[check.grade_id])):
            assert float(rtol) in {check.rtol, *probe_rtols}, \
                f"{check.grade_id}: the notebook says {rtol}, the check uses {check.rtol:g}"


@pytest.mark.parametrize("ps", STRUCTURED)
def test_stated_absolute_tolerances_are_the_checks(ps):
    """A check that also accepts an absolute error says so, with the number, in its bullet; the opening
    says that such a value passes within either tolerance. (Purity cells compare no values.)"""
    assert "a value\n  passes when it is within either one" in guide()
    bullets = check_bullets(ps)
    for check in checks_for(ps).values():
        if not check.compare_values:
            continue
        atols = {p.atol for p in check.probes if p.atol and p.expect == "value"}
        if check.atol and any(p.atol is None for p in check.probes if p.expect == "value"):
            atols.add(check.atol)
        atols |= relation_tolerances(check)[1]
        for atol in atols:
            assert f"{sci(atol)} absolute" in bullets[check.grade_id], \
                f"{check.grade_id} accepts an absolute error of {atol:g}; its description must say so"
        for atol in set(re.findall(r"(\de-\d+) absolute", bullets[check.grade_id])):
            assert float(atol) in {float(sci(a)) for a in atols}, f"{check.grade_id}: the notebook says {atol} absolute"


@pytest.mark.parametrize("ps, functions, atol_text", [
    ("ps1_softmax", ("logsumexp", "log_softmax"), "within $10^{-12}$ absolute"),
    ("ps2_cross_entropy", ("cross_entropy",), "absolute error of at least $10^{-14}$"),
])
def test_the_log1p_refinement_is_not_needed_for_any_point(ps, functions, atol_text):
    """The "Going further" sections say the plain log earns every point: the checks' absolute tolerance
    they quote is the smallest one of those functions, and well above the 1.1e-16 the refinement changes."""
    going_further = "\n".join(src for gf, src in markdown_sections(ps) if gf)
    assert atol_text in going_further
    quoted = float("1e" + re.search(r"10\^\{(-\d+)\}", atol_text).group(1))
    # -errors cells judge raising; their valid-input probes only confirm ordinary values
    atols = [c.atol for c in checks_for(ps).values() if c.function in functions and not c.grade_id.endswith("-errors")]
    assert min(atols) == quoted
    assert quoted >= 10 * np.finfo(float).eps   # what log(1 + s) loses against log1p(s) is below eps / 2


@pytest.mark.parametrize("ps", ("ps1_softmax", "ps2_cross_entropy"))
def test_log1p_appears_only_in_going_further(ps):
    for going_further, source in markdown_sections(ps):
        if "log1p" in source:
            assert going_further, f"{ps}: a core section asks for log1p, which no check grades:\n{source[:200]}"


def test_what_ps3_calls_not_graded_is_not_probed():
    """ps3 says sigma <= 0 and empty samples are not graded: no check expects them to raise."""
    opening = cells("ps3_gaussian")[0].source
    assert "Not graded: `inf` or `nan` inputs, empty arrays, `sigma` ≤ 0." in opening
    for check in checks_for("ps3_gaussian").values():
        if check.function == "mvn_log_pdf":
            continue
        for probe in check.probes:
            assert probe.expect != "raises", f"{check.grade_id}: {probe.label} expects an error"
            if check.function == "gaussian_mle":
                assert np.size(probe.args[0]) > 0, f"{check.grade_id}: {probe.label} is an empty sample"
            else:
                assert np.all(np.asarray(probe.args[2], dtype=float) > 0), f"{check.grade_id}: {probe.label}"


def test_ps2_writes_logits_as_z():
    for cell in cells("ps2_cross_entropy"):
        if cell.cell_type == "markdown" or grade_id(cell).startswith(("fig-", "demo-")) or \
                cell.metadata.get("nbgrader", {}).get("solution"):
            text = cell.source.split("### BEGIN SOLUTION")[0]
            text = text.replace("| $\\ell$ | a log-likelihood, and nothing else |", "")   # the notation table
            assert "ℓ" not in text and "\\ell" not in text, f"ps2 {grade_id(cell)}: ℓ is for log-likelihoods"


@pytest.mark.parametrize("ps", STRUCTURED)
def test_the_shared_grading_rules_are_the_contracts(ps):
    """The rules of docs/contract.md ("How the hidden checks read a submission") in one wording everywhere:
    a mistake costs points once, error cells need working code and grade exactly the contract's ValueErrors,
    every function has one purity point, graded top to bottom (the submission rules), going further is not
    graded."""
    contract = (ROOT / "docs" / "contract.md").read_text()
    for rule in ("**A mistake costs points once.**", "**Error handling needs working code.**", "**Top to bottom.**",
                 "**One policy for errors and purity.**"):
        assert rule in contract, f"docs/contract.md no longer states {rule}; update the notebooks' shared bullets"
    rules = guide()
    for bullet in ("- **Points cell by cell.**", "so partial credit follows what works",
                   "- A mistake costs points once: when your function calls another function the",
                   "**Going further (not graded)** sections are for the curious:\n  nothing in them is checked."):
        assert bullet in rules, f"docs/students.md lacks the shared rule {bullet!r}"
    errors_rule = ("- **Errors:** each `ValueError` the course's contract names has an `-errors` cell (1 point), "
                   "earned only\n  if the function also computes results.")
    assert errors_rule in rules, "docs/students.md states the one -errors rule"
    assert "- **Purity:** every function has a `-purity` cell (1 point)" in rules
    assert "[the students' guide, *How it is graded*](../../docs/students.md#how-it-is-graded)" in cells(ps)[0].source
