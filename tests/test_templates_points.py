"""One denominator everywhere: what every platform records of a submission is the autograded points out of the
problem set's autograded maximum, the same maximum for every student whatever they answered, rounded to the
course's precision (:class:`autograder.model.results.AutogradedPoints`).

Before, a blank derivation (kind ``not-answered``) or a notebook that could not be read counted as autograded in
the student templates: one student saw "Points 20.5/50", the next "40/40"; and a late penalty printed as
``Points 0.010000000000001563/32``. The reporters here (JUnit, Gradescope) and the templates (tests/test_reports_gitlab.py,
tests/test_templates_classroom50.py) all read :attr:`~autograder.model.results.SubmissionResult.autograded_points`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from autograder.model.course import ANSWER_CELLS, GRADE_CELLS, autograded_max_score
from autograder.model.lateness import Lateness
from autograder.model.results import POINTS_DECIMALS, SubmissionResult, TestResult, round_points
from autograder.reports.feedback import render_feedback
from autograder.reports.gradescope import gradescope_results
from autograder.reports.junit import junit_tree

PS = "ps2_cross_entropy"
#: Its autograded points, as the course declares them.
AUTO = autograded_max_score(PS)


def _result(answer: str, earned: float = 0.0) -> SubmissionResult:
    """A ``PS`` result whose autograded cells earned ``earned`` in all and whose derivation is ``answer``: pending,
    blank (not answered), graded by hand, or the whole notebook unreadable."""
    cells = GRADE_CELLS[PS]
    (derivation, hand_max), = ANSWER_CELLS[PS]
    if answer == "unreadable":
        return SubmissionResult.not_graded("s", PS, [*cells, (derivation, hand_max)], sum(p for _, p in cells) + hand_max,
                                           "the notebook is not valid JSON (line 1)")
    tests, left = [], earned
    for gid, points in cells:
        got = min(float(points), left)
        left -= got
        tests.append(TestResult(gid, got, float(points), got >= points, "", "", "passed" if got >= points else "value"))
    if answer == "pending":
        tests.append(TestResult.awaiting_grading(derivation, hand_max, "my derivation"))
    elif answer == "blank":
        tests.append(TestResult.not_answered(derivation, hand_max, "YOUR ANSWER HERE"))
    else:
        tests.append(TestResult.graded_by_hand(derivation, 5.0, hand_max))
    return SubmissionResult.scored("s", PS, sum(p for _, p in cells) + hand_max, tests)


@pytest.mark.parametrize("answer", ["pending", "blank", "graded", "unreadable"])
def test_the_autograded_maximum_is_the_same_whatever_the_student_answered(answer):
    result = _result(answer, earned=20.5 if answer != "unreadable" else 0.0)
    points = result.autograded_points
    assert points.max_score == autograded_max_score(PS) == AUTO
    assert points.score == (0.0 if answer == "unreadable" else 20.5)
    assert points.by_hand_max == 8 and points.pending == (8 if answer == "pending" else 0)
    # every reporter says the same denominator
    suite = junit_tree([result]).getroot().find("testsuite")
    assert f": {points.score:g} / {AUTO:g} autograded points" in suite.get("name")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["autograded_max_score"] == f"{AUTO:g}"
    gradescope = gradescope_results(result)
    assert gradescope["extra_data"]["max_score"] == AUTO and gradescope["score"] == points.score
    assert sum(t.get("max_score", 0) for t in gradescope["tests"]) == AUTO, "no answer cell is an autograded test"


def _late(result: SubmissionResult, penalty: float) -> SubmissionResult:
    result.late = Lateness("late", None, 0.0, None, "timestamp.txt", "", 3600.0, result.score, penalty,
                           "10% off per started day", "deadlines.toml")
    result.score = result.score - penalty
    return result


def test_late_penalties_are_rounded_to_the_courses_precision():
    """800 of 2,699 penalties tried left a remainder such as 0.010000000000001563 (3.21 - 3.2): the points every
    platform records are rounded to the course's precision (two decimals), never a float's error."""
    tried = wrong = 0
    for earned_cents in range(0, int(100 * AUTO) + 1, 7):
        for share in (0.1, 0.15, 0.3):
            earned = earned_cents / 100
            result = _late(_result("pending", earned), share * earned)
            points = result.autograded_points
            tried += 1
            text = repr(points.score)
            wrong += len(text.partition(".")[2]) > POINTS_DECIMALS
            assert points.score == round(earned - share * earned, POINTS_DECIMALS) + 0.0
            assert points.max_score == AUTO
    assert tried > 1000 and wrong == 0
    result = _late(_result("pending", 3.21), 3.2)
    assert 3.21 - 3.2 != 0.01 and result.autograded_points.score == 0.01
    gradescope = gradescope_results(result)
    assert gradescope["score"] == 0.01 and "0.01" in junit_tree([result]).getroot().find("testsuite").get("name")


def test_round_points_has_no_negative_zero():
    assert str(round_points(-0.0001)) == "0.0" and round_points(32 - 31.99) == 0.01


def test_an_unreadable_notebooks_feedback_says_it_could_not_be_read(tmp_path):
    """Before: "No cell of your notebook defines `logsumexp`" for a notebook that was never read."""
    result = SubmissionResult.not_graded("s", "ps1_softmax", [*GRADE_CELLS["ps1_softmax"], *ANSWER_CELLS["ps1_softmax"]],
                                         50, "the notebook is not valid JSON (Expecting value: line 1 column 1)")
    page = render_feedback(result)
    assert "No cell of your notebook defines" not in page
    assert "Your notebook could not be read, so none of its cells was run or looked at: the notebook is not valid " \
           "JSON" in page
    honest = _result("pending", 10)
    assert "could not be read" not in render_feedback(honest)


def test_junit_names_hand_graded_points_apart():
    hand = ANSWER_CELLS[PS][0][1]
    suite = junit_tree([_result("graded", AUTO - 2)]).getroot().find("testsuite")
    assert suite.get("name") == f"s/ps2_cross_entropy: {AUTO - 2:g} / {AUTO:g} autograded points, 5 / {hand:g} graded by hand"
    suite = junit_tree([_result("pending", AUTO)]).getroot().find("testsuite")
    assert suite.get("name") == f"s/ps2_cross_entropy: {AUTO:g} / {AUTO:g} autograded points ({hand:g} awaiting grading)"
    assert ET.tostring(suite)
