"""Formgrader opens on the work: the course's own code cells and opening shown collapsed to their first line.

Each notebook starts with the set-up cell (460 lines: the students' self-checks, ``student_side/selfcheck.py``),
and a training section has a data cell (ps2's holds 1,016 lines of base64). Students see both collapsed
(``jupyter.source_hidden``, Colab's ``cellView: form``: :mod:`autograder.release.inline`), but nbgrader's
formgrader renders every cell's source in full (its ``formgrade`` template extends nbconvert's classic one,
which has no notion of a hidden source), so the first answer to grade sat ~10,000 px down the page.

:class:`CollapseCourseCells` is a preprocessor of nbconvert's ``HTMLExporter``, the exporter formgrader renders
each submission with (``HTMLExporter(config=…)`` with the course's ``nbgrader_config.py``, which lists it in
``HTMLExporter.preprocessors``; ``nbgrader generate_feedback`` renders with it too). In the HTML only (the
notebook on disk is not touched), it replaces the source of each set-up or data cell by its first line (the
``#@title`` line), of each lesson demo or figure (which the grader never runs: no output to see) by its first
line, and of each autograded test cell by its first line (the comment saying what it checks: the cell's score
box and its verdict, the output, stay), with one line saying how many lines are left out; the opening (the
``title`` cell: the points table, how the set is graded, what may be used, the notation) is cut to its heading
the same way. The questions, the tasks and the lesson's prose stay, and the person grading reads the student's
solution cells and answers in full.

Only a cell that is exactly the course's own is collapsed: its grade_id is the set-up cell's, a data cell's, a
lesson cell's, a locked test cell's or the locked opening's, and its source is, byte for byte, that cell's in the course's source notebook
(``source/<ps>/<ps>.ipynb`` of the course directory, as
:class:`~autograder.nbgrader_io.for_the_grader.AddGraderCells` reads it), or, for a test cell, that source
without its hidden tests (what our ``--gradebook`` writes, :mod:`autograder.nbgrader_io.autograded`). A student's
cell never is, whatever its metadata says: a student cannot hide code from the person grading by naming a cell
``data-…``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests

from autograder.model.course import grader_skips
from autograder.model.notebook import SubmittedCell, read_cells

#: The markdown cell of the opening (``docs/notebooks.md``: the cells, in order).
OPENING = "title"


def is_course_cell(cell: SubmittedCell) -> bool:
    """The set-up cell, a data cell, a lesson demo or figure, a locked test cell, or the locked opening (by its
    metadata, read by the model: :func:`~autograder.model.notebook.read_cells`): what the course writes into every
    copy, never the student's work."""
    locked = bool(cell.nbgrader.get("locked"))
    if cell.kind == "markdown":
        return cell.grade_id == OPENING and locked
    test = bool(cell.nbgrader.get("grade")) and locked
    return cell.kind == "code" and (grader_skips(cell.grade_id) or test)


def _without_hidden_tests(text: str) -> str:
    """A test cell's source without its hidden part, by nbgrader's own ``ClearHiddenTests``."""
    cell = new_code_cell(text)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return str(cell.source)


def collapsed(source: str, markdown: bool = False) -> str:
    """``source``'s first line, then one line saying how many lines are left out (a comment in code, a line in
    italics in markdown)."""
    first, *rest = source.splitlines() or [""]
    if not rest:
        return first
    note = f"({len(rest)} more lines, the course's own, collapsed for the grader)"
    return f"{first}\n\n*{note}*" if markdown else f"{first}\n# {note}"


def _one_name(value: Any) -> str | None:
    """``value`` when it is one path component (an assignment or notebook id), else None."""
    ok = isinstance(value, str) and value not in ("", ".", "..") and not any(c in value for c in "/\\\0")
    return value if ok else None


def _ids(resources: dict[str, Any]) -> tuple[str, str] | None:
    """(assignment, notebook) of the notebook being rendered: formgrader passes ``assignment_id`` and
    ``notebook_id``; nbgrader's converters (``generate_feedback``) pass ``resources["nbgrader"]``."""
    given = resources.get("nbgrader")
    info: dict[str, Any] = given if isinstance(given, dict) else {}
    assignment = _one_name(resources.get("assignment_id") or info.get("assignment"))
    notebook = _one_name(resources.get("notebook_id") or info.get("notebook"))
    return (assignment, notebook) if assignment and notebook else None


class CollapseCourseCells(Preprocessor):
    """The course's set-up and data cells collapsed to their title line in the HTML (see the module)."""

    def source_cells(self, resources: dict[str, Any]) -> dict[str, set[str]]:
        """``grade_id -> the sources it may have`` for the set-up, data and test cells of the course's source
        notebook ({} when unknown): a test cell's with and without its hidden tests."""
        ids = _ids(resources)
        if ids is None:
            return {}
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.source_directory, ".", ids[0])) / f"{ids[1]}.ipynb"
        try:
            raw = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            cells = read_cells(raw if isinstance(raw, list) else [])
        except (OSError, ValueError, AttributeError):
            return {}
        return {c.grade_id: {c.source, _without_hidden_tests(c.source)} for c in cells
                if c.grade_id and is_course_cell(c)}

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        given = self.source_cells(resources)
        for cell, read in zip(nb.cells, read_cells(list(nb.cells)), strict=True):
            if read.grade_id in given and read.source in given[read.grade_id] and is_course_cell(read):
                cell.source = collapsed(read.source, markdown=read.kind == "markdown")
        return nb, resources
