"""Read a results folder: ``RESULTS/<student>/<ps>/results.json``, one per submission.

The grading engine writes these files (:class:`autograder.model.results.SubmissionResult`);
everything in :mod:`autograder.reports` is built from them alone, so reports
can be regenerated, merged across shards, or produced on another machine than
the one that graded. This module only finds the files and orders what it
read; the model, its tolerant reader and the point formatter are
:mod:`autograder.model.results`.
"""

from __future__ import annotations

from pathlib import Path

from autograder.model.course import PROBLEM_SETS, function_of
from autograder.model.files import FEEDBACK_FILE, GRADES_FILE, REPORT_FILE, RESULTS_FILE  # noqa: F401 (re-exported)
from autograder.model.results import SubmissionResult, TestResult, fmt_points, read_result  # noqa: F401 (re-exported)

#: The reports' name for a submission's result.
Result = SubmissionResult
load_result = read_result


def result_files(results_dir) -> list:
    """Every ``<student>/<ps>/results.json`` under ``results_dir``, sorted."""
    return sorted(Path(results_dir).glob(f"*/*/{RESULTS_FILE}"))


def load_results(results_dir) -> list:
    """All results of a folder, sorted by (student, problem set)."""
    return sorted((read_result(p) for p in result_files(results_dir)), key=lambda r: (r.student, ps_key(r.assignment)))


def ps_key(ps: str):
    """Sort key: the course's problem sets in course order, then any other id."""
    return (PROBLEM_SETS.index(ps), "") if ps in PROBLEM_SETS else (len(PROBLEM_SETS), ps)


def problem_sets(results) -> list:
    return sorted({r.assignment for r in results}, key=ps_key)


def students(results) -> list:
    return sorted({r.student for r in results})


def by_student(results) -> dict:
    """``student -> {ps: Result}``."""
    out: dict = {}
    for r in results:
        out.setdefault(r.student, {})[r.assignment] = r
    return dict(sorted(out.items()))


def test_function(test: TestResult) -> str:
    """The contract function a test (grade_id) belongs to."""
    return function_of(test.name) if "-" in test.name else test.name
