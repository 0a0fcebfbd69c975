"""How the reports group a class's results: students, a student's results, a test's function.

The grading engine writes one results.json per submission; everything in
:mod:`autograder.reports` is built from those files alone, so reports can be
regenerated, merged across shards, or produced on another machine than the
one that graded. Finding and reading them is the model's job
(:func:`autograder.model.results.load_results`, one walker and one reader).
"""

from __future__ import annotations

from collections.abc import Iterable

from autograder.model.course import function_of
from autograder.model.results import SubmissionResult, TestResult


def students(results: Iterable[SubmissionResult]) -> list[str]:
    return sorted({r.student for r in results})


def by_student(results: Iterable[SubmissionResult]) -> dict[str, dict[str, SubmissionResult]]:
    """``student -> {ps: SubmissionResult}``."""
    out: dict[str, dict[str, SubmissionResult]] = {}
    for r in results:
        out.setdefault(r.student, {})[r.assignment] = r
    return dict(sorted(out.items()))


def test_function(test: TestResult) -> str:
    """The contract function a test (grade_id) belongs to."""
    return function_of(test.name) if "-" in test.name else test.name
