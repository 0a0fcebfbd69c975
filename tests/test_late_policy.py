"""Late policies and the course file deadlines.toml (autograder/model/late_policy.py, deadlines.py, penalties.py).

Every expected penalty is worked out by hand in the test from the policy's definition
(docs/contract.md, "Deadlines"): ⌈seconds late / period⌉ × deduction, at most the cap, bounded to [0, score].
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autograder.model.deadlines import Deadlines, DeadlinesError, parse_deadlines, parse_duration, read_deadlines_file
from autograder.model.late_policy import Amount, LatePolicy, bounded, duration_words
from autograder.model.lateness import GRACE, LATE, ON_TIME, UNKNOWN_TIME, Lateness
from autograder.model.penalties import apply, assess
from autograder.model.results import SubmissionResult, TestResult
from autograder.model.submission_time import SubmissionTime

UTC = UTC
DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
H, D = 3600.0, 86400.0
KNOWN = {"ps1_softmax", "ps2_cross_entropy"}


def result(student="ada", ps="ps1_softmax", earned=20.0, max_score=29.0, submitted=None, pending=3.0):
    tests = [TestResult(f"softmax-t{i}", 1.0 if i < earned else 0.0, 1.0, i < earned) for i in range(26)]
    tests.append(TestResult("logsumexp-derivation", None, pending, False, kind="manual"))
    r = SubmissionResult.scored(student, ps, max_score, tests)
    r.submitted = submitted
    return r


def at(delta_s: float) -> SubmissionTime:
    return SubmissionTime(DUE + timedelta(seconds=delta_s), "timestamp.txt")


def deadlines(**policy):
    return Deadlines(due={"ps1_softmax": DUE}, policy=LatePolicy(**policy), source="test")


# -- the policies ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("late_s, expected", [
    (1e-6, 2.9),           # a microsecond late: one started day, 10% of 29 points
    (D, 2.9),              # exactly one day late: still one day
    (D + 1, 5.8),          # a second into the second day
    (3 * D, 8.7),
    (6 * D + 1, 14.5),     # seven started days would be 20.3: the cap, 50% of 29
    (40 * D, 14.5),
])
def test_per_day_percent_with_cap(late_s, expected):
    p = LatePolicy("per_day", Amount(10, percent=True), Amount(50, percent=True))
    assert p.penalty("ada", "ps1", 26.0, 29.0, late_s) == pytest.approx(expected, rel=0, abs=1e-12)


def test_per_hour_points_and_the_score_bound():
    p = LatePolicy("per_hour", Amount(0.5))
    assert p.penalty("ada", "ps1", 20.0, 29.0, 2.5 * H) == 1.5   # three started hours
    assert p.penalty("ada", "ps1", 1.0, 29.0, 10 * H) == 1.0     # 5 points would go below 0: the score
    assert p.penalty("ada", "ps1", 0.0, 29.0, 10 * H) == 0.0


def test_grace_period_costs_nothing_and_lateness_counts_from_the_due_date():
    p = LatePolicy("per_hour", Amount(1), grace_s=15 * 60)
    assert p.penalty("ada", "ps1", 20.0, 29.0, 15 * 60) is None
    assert p.penalty("ada", "ps1", 20.0, 29.0, 15 * 60 + 1) == 1.0
    assert p.penalty("ada", "ps1", 20.0, 29.0, H + 1) == 2.0   # two started hours from the due date


def test_zero_none_and_zero_after():
    assert LatePolicy("zero").penalty("ada", "ps1", 20.0, 29.0, 1.0) == 20.0
    assert LatePolicy("none").penalty("ada", "ps1", 20.0, 29.0, 1e6) is None
    p = LatePolicy("per_day", Amount(1), zero_after_s=3 * D)
    assert p.penalty("ada", "ps1", 20.0, 29.0, 3 * D) == 3.0 and p.penalty("ada", "ps1", 20.0, 29.0, 3 * D + 1) == 20.0
    assert LatePolicy("zero").penalty("ada", "ps1", 20.0, 29.0, 0.0) is None  # on time


def test_nbgraders_bound():
    assert (bounded(None, 5.0), bounded(-1.0, 5.0), bounded(7.0, 5.0), bounded(2.0, 5.0)) == (None, 0.0, 5.0, 2.0)


def test_bad_policies_name_the_field():
    with pytest.raises(ValueError, match="method"):
        LatePolicy("per_week")
    with pytest.raises(ValueError, match="deduct and cap"):
        LatePolicy("per_day", Amount(-1))


def test_words():
    assert [duration_words(s) for s in (30, 90, 27 * H, 2 * D, 518401, 7 * D)] == [
        "1 min", "2 min", "27 h", "2 d", "6 d 1 h", "7 d"]
    assert LatePolicy("per_day", Amount(10, True), Amount(50, True), 900).describe() == (
        "10% off per started day late, at most 50%; a grace period of 15 min")


# -- one submission against its due date ----------------------------------------------------------------------


def test_on_time_late_and_within_grace():
    d = deadlines(method="per_day", deduct=Amount(2), grace_s=600)
    assert assess(result(submitted=at(0)), d).status == ON_TIME
    assert assess(result(submitted=at(-5)), d).status == ON_TIME
    grace = assess(result(submitted=at(600)), d)
    assert (grace.status, grace.penalty) == (GRACE, 0.0) and "within the grace period" in grace.line()
    late = apply(result(submitted=at(27 * H)), d)
    assert (late.late.status, late.late.penalty, late.score, late.raw_score) == (LATE, 4.0, 16.0, 20.0)
    assert late.late.line().startswith("Submitted 27 h after the due date (due 2026-03-01 23:59 UTC): −4 points")


@pytest.mark.parametrize("method, expected", [("none", 20.0), ("zero", 0.0), ("per_hour", 20.0 - 27), ("per_day", 16.0)])
def test_late_under_each_policy(method, expected):
    """27 h late: 27 started hours, 2 started days."""
    d = deadlines(method=method, deduct=Amount(1 if method == "per_hour" else 2))
    r = apply(result(submitted=at(27 * H)), d)
    assert r.score == max(expected, 0.0) and r.late.status == LATE
    assert r.score + r.late_penalty == r.raw_score == 20.0


def test_an_extension_moves_the_due_date_of_that_student_only():
    d = Deadlines(due={"ps1_softmax": DUE}, extensions={("ada", None): timedelta(days=2),
                                                        ("ada", "ps1_softmax"): timedelta(days=3),
                                                        ("ben", None): timedelta(hours=12)},
                  policy=LatePolicy("zero"))
    assert apply(result("ada", submitted=at(2.5 * D)), d).score == 20.0  # the set's extension wins: 3 d
    assert apply(result("ada", submitted=at(3 * D + 1)), d).score == 0.0
    assert apply(result("ben", submitted=at(11 * H)), d).late.line().endswith("with an extension of 12 h).")
    assert apply(result("cleo", submitted=at(11 * H)), d).score == 0.0


def test_missing_or_garbled_time_keeps_the_raw_score_and_is_flagged():
    d = deadlines(method="zero")
    for submitted in (None, SubmissionTime(None, "timestamp.txt", "unreadable", "timestamp.txt holds no time")):
        r = apply(result(submitted=submitted), d)
        assert (r.late.status, r.score, r.late_penalty) == (UNKNOWN_TIME, 20.0, 0.0)
        assert r.flagged and "could not be read" in r.late.line()


def test_a_problem_set_without_due_date_has_no_record():
    r = apply(result(ps="ps2_cross_entropy", submitted=at(10 * D)), deadlines(method="zero"))
    assert r.late is None and r.score == 20.0


def test_a_deadline_moved_after_grading_recomputes_from_the_raw_score():
    """The record keeps the raw score: moving the due date, changing the policy, removing all deadlines."""
    graded = result(submitted=at(27 * H))
    first = apply(graded, deadlines(method="zero"))
    assert first.score == 0.0
    moved = Deadlines(due={"ps1_softmax": DUE + timedelta(days=2)}, policy=LatePolicy("zero"))
    assert apply(first, moved).score == 20.0 and apply(first, moved).late.status == ON_TIME
    assert apply(first, deadlines(method="per_day", deduct=Amount(1))).score == 18.0
    gone = apply(first, None)
    assert gone.late is None and gone.score == 20.0
    assert apply(gone, None) is gone  # nothing changes: the same object, nothing written


def test_pending_answers_are_not_penalised_until_graded():
    """The policy sees the points earned so far (autograded and hand-graded), as nbgrader's plugin does."""
    r = apply(result(earned=26, submitted=at(D)), deadlines(method="zero"))
    assert (r.raw_score, r.late_penalty, r.score, r.pending_points) == (26.0, 26.0, 0.0, 3.0)


def test_the_record_round_trips():
    r = apply(result(submitted=at(27 * H)), deadlines(method="per_day", deduct=Amount(2)))
    again = SubmissionResult.from_json(r.to_json())
    assert again.late == r.late and again.score == r.score and again.raw_score == 20.0 and again.submitted == r.submitted
    assert Lateness.from_json({"status": "late", "penalty": 1e9, "raw_score": 3.0}, 0.0).penalty == 3.0
    assert Lateness.from_json({"status": "sometime"}, 0.0) is None


# -- the course file ------------------------------------------------------------------------------------------

COURSE_FILE = """
timezone = "Europe/Berlin"
[due]
ps1_softmax = 2026-03-01T23:59:00
ps2_cross_entropy = "2026-03-08 23:59+00:00"
[policy]
method = "per_day"
deduct = "10%"
cap = "50%"
grace = "15m"
zero_after = "1w"
[extensions]
ada = "2d"
ben = { ps1_softmax = "1d12h" }
"""


def test_the_course_file(tmp_path):
    path = tmp_path / "deadlines.toml"
    path.write_text(COURSE_FILE)
    d = read_deadlines_file(path, KNOWN)
    assert d.due == {"ps1_softmax": datetime(2026, 3, 1, 22, 59, tzinfo=UTC),  # Berlin in winter: UTC+1
                     "ps2_cross_entropy": datetime(2026, 3, 8, 23, 59, tzinfo=UTC)}
    assert d.policy == LatePolicy("per_day", Amount(10, True), Amount(50, True), 900.0, 7 * D)
    assert d.due_for("ben", "ps1_softmax") == (d.due["ps1_softmax"] + timedelta(hours=36), timedelta(hours=36))
    assert d.extension("ada", "ps2_cross_entropy") == timedelta(days=2) and d.extension("cleo", "ps1_softmax") == timedelta(0)
    assert d.source == "deadlines.toml"


@pytest.mark.parametrize("text, message", [
    ("[due]\nps1_softmx = 2026-03-01T23:59:00", "[due]: 'ps1_softmx' is not a problem set of this course (did you mean 'ps1_softmax'?)"),
    ("[due]\nps1_softmax = \"next friday\"", "[due] ps1_softmax: expected a date and time"),
    ("[due]\nps1_softmax = 12", "[due] ps1_softmax: expected a date and time"),
    ("timezone = \"Mars/Olympus\"", "timezone: 'Mars/Olympus' is not a time zone"),
    ("[policy]\nmethod = \"per_week\"", "[policy].method: expected one of 'none', 'zero', 'per_hour', 'per_day'"),
    ("[policy]\nmethod = \"per_day\"", "[policy].deduct: needed with method = 'per_day'"),
    ("[policy]\nmethod = \"per_day\"\ndeduct = \"ten\"", "[policy].deduct: expected points"),
    ("[policy]\nmethod = \"per_day\"\ndeduct = -1", "[policy].deduct: expected points"),
    ("[policy]\ngrace = \"15 minutes\"", "[policy].grace: expected a duration"),
    ("[policy]\npenalty = 1", "[policy].penalty: not a policy field"),
    ("[extensions]\nada = \"soon\"", "[extensions].ada: expected a duration"),
    ("[extensions]\nada = { ps9 = \"1d\" }", "[extensions].ada: 'ps9' is not a problem set"),
    ("[extensions]\nada = { ps1_softmax = true }", "[extensions].ada.ps1_softmax: expected a duration"),
    ("due = 3", "[due] must be a table"),
    ("[deadline]\nps1_softmax = 2026-03-01T23:59:00", "'deadline' is not a field of this file"),
    ("[due\n", "not valid TOML"),
])
def test_every_mistake_in_the_course_file_names_the_field(tmp_path, text, message):
    path = tmp_path / "deadlines.toml"
    path.write_text(text)
    with pytest.raises(DeadlinesError) as err:
        read_deadlines_file(path, KNOWN)
    assert message in str(err.value) and "deadlines.toml" in str(err.value)


def test_durations():
    assert [parse_duration(v, "x").total_seconds() for v in ("2d", "36h", "1d12h", "90m", "1w", " 45 s ", 30, "0")] == [
        2 * D, 36 * H, 36 * H, 5400.0, 7 * D, 45.0, 30.0, 0.0]
    for bad in ("", "2 days", "1d-2h", True, -5, "h", "1d 2h x", "0" * 200_000 + "x"):
        with pytest.raises(DeadlinesError, match="x: expected a duration"):  # (the long one: read in one pass, where
            parse_duration(bad, "x")                                        # a search from every digit took minutes)


def test_a_date_alone_is_the_end_of_that_day():
    d = parse_deadlines({"due": {"ps1_softmax": datetime(2026, 3, 1).date()}}, KNOWN)
    assert d.due["ps1_softmax"] == datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)


def test_hand_graded_points_are_penalised_once_graded():
    """A derivation graded by hand counts in the points the policy sees (nbgrader's ``notebook.score``)."""
    r = result(earned=26, submitted=at(D))
    graded = SubmissionResult.scored("ada", "ps1_softmax", 29.0, [*r.tests[:-1], TestResult.graded_by_hand(
        "logsumexp-derivation", 2.0, 3.0)])
    graded.submitted = r.submitted
    late = apply(graded, deadlines(method="zero"))
    assert (late.raw_score, late.late_penalty, late.score) == (28.0, 28.0, 0.0)
