"""One submission's results in Gradescope's ``results.json`` format (the autograder specification's output).

Gradescope shows, per test: its name, score, max_score, status and output; at the top: the score, the
output and an execution time. We map:

* one test per graded cell, in notebook order: ``name`` = grade_id, ``score``/``max_score``, ``status``
  (``passed``/``failed``), ``output`` = the message and the hint (:attr:`TestResult.output`, the text
  feedback.html shows), ``visibility``; a manually graded answer cell no person has graded yet is not a
  test (Gradescope's schema needs a score, and its points are neither earned nor lost): the feedback text
  says it awaits grading, and ``extra_data.pending_points`` holds its points;
* ``score`` = the submission's total from the results model (:class:`~autograder.model.results.SubmissionResult`),
  the same number as grades.csv and the engine's own results.json: after a late penalty, which the output
  states ("Submitted 27 h after the due date …: −2.9 points") and ``extra_data.late`` records (the tests
  keep each cell's own points, so they add up to ``extra_data.raw_score``);
* ``output`` = the feedback in words (:func:`autograder.reports.feedback.render_feedback_text`: restored
  test cells, cells that failed, notes, functions not attempted yet);
* ``stdout_visibility`` = ``hidden``: what run_autograder prints (the sandbox's mode, the engine's summary) is
  for the instructor;
* ``extra_data`` = what the instructor may want and the student need not see: the engine, the sandbox's
  isolation (``mode`` root/uid/userns/weak, its one ``line`` and warning), tamper notes and flags.

Every text is ``output_format``/``name_format`` ``"text"``: Gradescope shows it as it is (no Markdown or
HTML is interpreted), so nothing a student wrote can become markup there.
"""

from __future__ import annotations

#: Gradescope's visibility settings (the specification's four).
VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")


def sandbox_summary(sandbox: dict) -> dict:
    """The part of ``execution.sandbox`` that says how the submission was isolated."""
    keys = ("mode", "line", "warning", "uid_drop", "netns", "mountns", "pidns", "files", "network", "not_isolated",
            "cgroup", "timeout_s", "memory_mb")
    return {k: sandbox[k] for k in keys if k in sandbox}


def gradescope_results(result, visibility: str = "visible", execution_time: float | None = None) -> dict:
    """Gradescope's results.json object for one :class:`~autograder.model.results.SubmissionResult`.

    Raises
    ------
    ValueError
        ``visibility`` is not one of :data:`VISIBILITY`.
    """
    from autograder.reports.feedback import render_feedback_text

    if visibility not in VISIBILITY:
        raise ValueError(f"visibility: expected one of {', '.join(VISIBILITY)}, not {visibility!r}")
    tests = [{"name": t.name, "name_format": "text", "score": float(t.score), "max_score": float(t.max_score),
              "status": "passed" if t.passed else "failed", "output": t.output, "output_format": "text",
              "visibility": visibility} for t in result.tests if not t.pending]
    seconds = result.execution.duration_s if execution_time is None else execution_time
    return {
        "score": float(result.score),
        "execution_time": max(0, round(float(seconds))),
        "output": render_feedback_text(result),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "extra_data": {
            "engine": "probdl-autograder",
            "assignment": result.assignment,
            "max_score": float(result.max_score),
            "pending_points": result.pending_points,
            "sandbox": sandbox_summary(result.execution.sandbox),
            "tamper": list(result.tamper),
            "flags": list(result.flags),
            "raw_score": float(result.raw_score),
            "late": result.late.to_json() if result.late is not None else None,
        },
        "tests": tests,
    }
