"""One submission's results in Gradescope's ``results.json`` format (the autograder specification's output).

Gradescope shows, per test: its name, score, max_score, status and output; at the top: the score, the
output and an execution time. On Gradescope the autograder owns the points of the autograded cells only;
the derivations (manually graded answer cells) are graded by a person in Gradescope itself, as manual
questions of the same programming assignment (docs/instructors.md, "Gradescope"), so the assignment's
total is the autograder's score plus those questions' points. We map:

* one test per autograded cell, in notebook order: ``name`` = grade_id, ``score``/``max_score``,
  ``status`` (``passed``/``failed``), ``output`` = the message and the hint (:attr:`TestResult.output`, the
  text feedback.html shows), ``visibility``;
* one entry per answer cell, in its place, **without a score** (the specification's ``score`` is optional
  on a test when the top level has one, and Gradescope then shows no points for it): its name says a
  person grades it and for how many points, its output says its state — awaiting grading, with the
  student's answer as handed in (what the person grading the manual question reads), not answered (the
  cell is as released), no answer at all (no notebook could be graded, and why), or not read (the grader
  itself failed on the notebook: the answer is in the upload) — never 0 / 3, whose points are the manual
  question's, not the autograder's;
* ``score`` = the autograded cells' points after a late penalty: the results model's total
  (:class:`~autograder.model.results.SubmissionResult`: the same number as grades.csv and the engine's own
  results.json) without points a person gave (there are none on Gradescope: its manual questions hold
  them). The output states the penalty ("Submitted 27 h after the due date …: −2.9 points") and
  ``extra_data.late`` records it (the tests keep each cell's own points, so they add up to
  ``extra_data.raw_score``);
* ``output`` = the feedback in words (:func:`autograder.reports.feedback.render_feedback_text`: restored
  test cells, cells that failed, notes, functions not attempted yet), opening with the autograder's points
  and which questions a person grades;
* ``stdout_visibility`` = ``hidden``: what run_autograder prints (the sandbox's mode, the engine's summary) is
  for the instructor;
* ``extra_data`` = what the instructor may want and the student need not see: the engine, the autograder's
  points (``max_score``: the assignment's "Autograder points"), the manual questions (``manual``: name,
  points, state), the sandbox's isolation (``mode`` root/uid/userns/weak, its one ``line`` and warning),
  tamper notes and flags.

Every text is ``output_format``/``name_format`` ``"text"``: Gradescope shows it as it is (no Markdown or
HTML is interpreted), so nothing a student wrote — their answer included — can become markup there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograder.model.results import UNREADABLE, SubmissionResult, TestResult, fmt_points, round_points
from autograder.reports.feedback import render_feedback_text

#: Gradescope's visibility settings (the specification's four).
VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")

#: The longest part of a student's answer copied into an entry's output (the rest is in the uploaded notebook).
MAX_ANSWER_CHARS = 10_000

#: The states of an answer cell on Gradescope (``extra_data.manual[].state``): ``NOT_READ`` when the grader
#: itself failed on the notebook (the answer is there, in the upload, for the person grading it to read).
AWAITING, NOT_ANSWERED, NO_ANSWER, NOT_READ, GRADED = (
    "awaiting grading", "not answered", "no answer", "not read", "graded")


def sandbox_summary(sandbox: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``execution.sandbox`` that says how the submission was isolated."""
    keys = ("mode", "line", "warning", "uid_drop", "netns", "mountns", "pidns", "files", "network", "not_isolated",
            "cgroup", "timeout_s", "memory_mb")
    return {k: sandbox[k] for k in keys if k in sandbox}


def answer_cells(result: SubmissionResult) -> set[str]:
    """The grade_ids of ``result`` that a person grades (:attr:`~autograder.model.results.SubmissionResult.answer_cells`:
    one rule for every platform, so the autograder's maximum is the same for every student)."""
    return result.answer_cells


def _state(test: TestResult, result: SubmissionResult) -> str:
    if test.kind == UNREADABLE:
        return NOT_READ if result.grading_error else NO_ANSWER
    if test.pending:
        return AWAITING
    return NOT_ANSWERED if test.unanswered else GRADED


def _answer_output(test: TestResult, result: SubmissionResult, state: str) -> str:
    """What the entry of one answer cell says (plain text)."""
    points = fmt_points(test.max_score)
    where = (f"A person grades this answer in Gradescope (the manual question \"{test.name}\", {points} points): "
             "its points are not in the autograder's score.")
    if state == AWAITING:
        answer = result.answers.get(test.name, "")
        if len(answer) > MAX_ANSWER_CHARS:
            answer = (answer[:MAX_ANSWER_CHARS] + f"\n… ({len(answer) - MAX_ANSWER_CHARS:,} more characters: "
                      "the whole answer is in the uploaded notebook)")
        return f"Awaiting grading. {where}\n\nThe answer as handed in:\n\n{answer}"
    if state == NOT_ANSWERED:
        return f"{test.message} {where}"
    if state == NO_ANSWER:  # its message says why no notebook could be graded
        return f"No answer to grade. {test.message} {where}"
    if state == NOT_READ:
        return (f"Not read by the autograder: it failed on this notebook (your instructor sees why); the answer is "
                f"in the uploaded notebook. {where}")
    return f"{test.message} {where}"


def _headline(result: SubmissionResult, auto: list[TestResult], manual: list[TestResult], score: float) -> str:
    """The output's first line: the autograder's points, and which answers a person grades."""
    line = (f"{result.assignment} — {result.student}: {fmt_points(score)} / "
            f"{fmt_points(sum(t.max_score for t in auto))} autograder points. "
            f"{sum(1 for t in auto if t.passed)} of {len(auto)} autograded cells passed.")
    if manual:
        names = ", ".join(f"{t.name} ({fmt_points(t.max_score)} points)" for t in manual)
        line += (f" Graded by a person in Gradescope, not by the autograder: {names}. Those points are not in "
                 "this score: Gradescope adds them to the assignment's total when your instructor publishes "
                 "the grades.")
    return line


def gradescope_results(result: SubmissionResult, visibility: str = "visible",
                       execution_time: float | None = None) -> dict[str, Any]:
    """Gradescope's results.json object for one :class:`~autograder.model.results.SubmissionResult`.

    Raises
    ------
    ValueError
        ``visibility`` is not one of :data:`VISIBILITY`.
    """
    if visibility not in VISIBILITY:
        raise ValueError(f"visibility: expected one of {', '.join(VISIBILITY)}, not {visibility!r}")
    person = answer_cells(result)
    auto = [t for t in result.tests if t.name not in person]
    manual = [t for t in result.tests if t.name in person]
    # the autograder's points: the autograded cells' (a late penalty is bounded by them: nothing else is earned
    # on Gradescope before its manual questions are graded), rounded to the course's precision
    points = result.autograded_points
    score = points.score
    tests: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    for t in result.tests:
        if t.name in person:
            state = _state(t, result)
            states.append({"name": t.name, "points": float(t.max_score), "state": state})
            tests.append({"name": f"{t.name}: graded by a person ({fmt_points(t.max_score)} points)",
                          "name_format": "text", "output": _answer_output(t, result, state), "output_format": "text",
                          "visibility": visibility})
        else:
            tests.append({"name": t.name, "name_format": "text", "score": float(t.earned),
                          "max_score": float(t.max_score), "status": "passed" if t.passed else "failed",
                          "output": t.output, "output_format": "text", "visibility": visibility})
    seconds = result.execution.duration_s if execution_time is None else execution_time
    return {
        "score": score,
        "execution_time": max(0, round(float(seconds))),
        "output": render_feedback_text(result, headline=_headline(result, auto, manual, score)),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "extra_data": {
            "engine": "probdl-autograder",
            "assignment": result.assignment,
            "max_score": points.max_score,
            "notebook_max_score": float(result.max_score),
            "manual": states,
            "pending_points": float(sum(s["points"] for s in states if s["state"] == AWAITING)),
            "sandbox": sandbox_summary(result.execution.sandbox),
            "tamper": list(result.tamper),
            "flags": list(result.flags),
            "raw_score": round_points(result.raw_score),
            "late": result.late.to_json() if result.late is not None else None,
        },
        "tests": tests,
    }
