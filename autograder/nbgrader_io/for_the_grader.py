"""Plain ``nbgrader``: the grader's cell after each answer in formgrader, and never in nbgrader's feedback.

A derivation's model answer and rubric live in the source notebook's answer cell
(``autograder/model/derivations.py``). nbgrader alone cannot show them to the person
grading: ``generate_assignment`` runs ``ClearSolutions`` before ``SaveCells``, so the
gradebook stores an answer cell already cleared to ``YOUR ANSWER HERE``; ``autograde``'s
``OverwriteCells`` restores only **locked** cells from the gradebook (an answer cell is
the student's, unlocked); and nbgrader's own instructor-only text, the ``BEGIN MARK
SCHEME`` region that ``ClearMarkScheme`` removes from the release, works in "Manually
graded task" cells only (jupyter/nbgrader#1310), not in the "Manually graded answer"
cells of this course. So the course's ``nbgrader_config.py`` adds two preprocessors:

* :class:`AddGraderCells`, a sanitizing step of ``nbgrader autograde`` (after the
  course's ``OverwriteReleasedCells``): it reads the answer cells of the course's source
  notebook (``source/<ps>/<ps>.ipynb`` of the course directory, the file
  ``generate_assignment`` read) and puts the grader's cell ("For the grader": the model
  answer and the rubric) right after each answer cell of the notebook it grades, so that
  the ``autograded/`` notebook formgrader shows has it. A cell of the student's that
  imitates it is dropped first. It grades nothing and runs nothing: a markdown cell
  without nbgrader metadata.
* :class:`DropGraderCells`, a step of ``nbgrader generate_feedback``: the feedback
  notebook nbgrader writes from ``autograded/`` leaves the grader's cells out. (Students
  see a model answer on this course's own feedback page, once graded or published:
  ``autograder/reports/feedback.py``.)

Our own ``--gradebook`` writes the same cell into the autograded notebooks it builds
(``autograder/nbgrader_io/autograded.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nbformat import NotebookNode, from_dict
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.model import derivations
from autograder.model.course import is_answer_cell


def _grade_id(cell: NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if isinstance(meta, dict) else None


class AddGraderCells(NbGraderPreprocessor):
    """After each answer cell, the grader's cell from the course's source notebook (see the module)."""

    def source_path(self, resources: dict[str, Any]) -> Path:
        """The course's source notebook of the notebook being graded (the course directory of the config)."""
        coursedir = CourseDirectory(config=self.config)
        info = resources["nbgrader"]
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
        return folder / f"{info['notebook']}.ipynb"

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        path = self.source_path(resources)
        if not path.is_file():
            self.log.warning("no source notebook %s: the answer cells get no cell for the grader", path)
            return nb, resources
        notes = derivations.grader_notes(json.loads(path.read_text(encoding="utf-8")))
        kept = [cell for cell in nb.cells if not derivations.claims_to_be_for_the_grader(cell)]
        if len(kept) != len(nb.cells):
            self.log.warning("dropped %d cell(s) of the submission that imitate the cell for the grader",
                             len(nb.cells) - len(kept))
        taken = {cell.get("id") for cell in kept}
        cells = []
        for cell in kept:
            cells.append(cell)
            gid = _grade_id(cell)
            if gid in notes and is_answer_cell(cell.get("metadata", {}).get("nbgrader", {})):
                imitated = derivations.imitates_the_grader_cell(str(cell.get("source", "")))
                added = from_dict(derivations.grader_cell(gid, notes[gid], taken, imitated))
                taken.add(added["id"])
                cells.append(added)
        nb.cells = cells
        return nb, resources


class DropGraderCells(NbGraderPreprocessor):
    """Leave the grader's cells out of the feedback notebook nbgrader writes (see the module)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        nb.cells = [cell for cell in nb.cells if not derivations.is_grader_cell(cell)]
        return nb, resources
