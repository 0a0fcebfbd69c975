"""An nbgrader course's gradebook as the reports take it: hand-graded points in, scores out.

:func:`autograder.reports.after_grading.write_reports` writes every report from a results folder alone and
imports nothing of nbgrader; a command with ``--gradebook`` hands it a :class:`CourseGradebook`, and the
reports call its two steps in their place: :meth:`~CourseGradebook.read_hand_grades` before any report reads
the results (the points a person gave in formgrader), :meth:`~CourseGradebook.write` once the results are final
(the scores, the late penalties and the ``autograded/`` notebooks, :mod:`autograder.nbgrader_io.gradebook`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.model.files import StrPath, hand_over
from autograder.model.results import SubmissionResult
from autograder.nbgrader_io.gradebook import read_hand_grades, write_gradebook


class CourseGradebook:
    """The gradebook of the nbgrader course folder ``folder`` (its ``nbgrader_config.py`` says where)."""

    def __init__(self, folder: StrPath) -> None:
        self.folder = Path(folder)

    def read_hand_grades(self, results: Iterable[SubmissionResult]) -> list[SubmissionResult]:
        """The results whose answer cells a person graded (or un-graded) since, updated
        (:func:`~autograder.nbgrader_io.gradebook.read_hand_grades`)."""
        return read_hand_grades(results, self.folder)

    def write(self, results_dir: StrPath, results: list[SubmissionResult] | None) -> dict[str, Any]:
        """The scores and autograded notebooks of ``results`` written into the gradebook
        (:func:`~autograder.nbgrader_io.gradebook.write_gradebook`), then handed to the ``sudo`` user; what was
        written, for ``--json``."""
        info = write_gradebook(results_dir, self.folder, results=results)
        hand_over(self.folder / "gradebook.db", self.folder / "autograded")
        return info


def gradebook_of(folder: StrPath | None) -> CourseGradebook | None:
    """The gradebook of the course folder a command's ``--gradebook`` names; None when it names none."""
    return CourseGradebook(folder) if folder is not None else None
