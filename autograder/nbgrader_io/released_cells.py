"""Plain ``nbgrader autograde`` without the false "checksum has changed" alarm on every test cell.

nbgrader's ``generate_assignment`` stores each locked cell in the gradebook as the source notebook has it,
hidden tests included, with the checksum of that text; the release then drops the hidden tests and gets
another checksum. At autograde, :class:`nbgrader.preprocessors.OverwriteCells` compares a submitted locked
cell with the gradebook's checksum, so a cell the student never touched is reported as changed
("Attribute 'checksum' for cell softmax-basic has changed!", one line per test cell of every notebook: 56
for the demo's untouched submissions, 14 per problem set of 14 test cells), then restored from the
gradebook. It is nbgrader's own behaviour for any cell with hidden tests (jupyter/nbgrader#1961, open), not
something our ``--gradebook`` writes: stock ``generate_assignment`` stores the same checksums.

:class:`OverwriteReleasedCells` is ``OverwriteCells`` that first recognises the released cell: when a
submitted locked cell's checksum (nbgrader's :func:`~nbgrader.utils.compute_checksum`) equals that of the
gradebook's cell with its hidden tests removed (nbgrader's own :class:`~nbgrader.preprocessors.ClearHiddenTests`,
with the course's delimiters), the cell is the release's, untouched: its hidden tests are put back before
``OverwriteCells`` looks, so it says nothing. A cell the student did change is reported and restored as
before. The course's ``nbgrader_config.py`` puts it in ``Autograde.sanitize_preprocessors`` in place of
``OverwriteCells``.
"""

from __future__ import annotations

import copy
from typing import Any

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.api import MissingEntry, SourceCell
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class OverwriteReleasedCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, silent on a locked cell handed in as released (see the module)."""

    def _released_checksum(self, cell: NotebookNode, source_cell: SourceCell) -> str:
        """The checksum of ``cell`` as the release has it: the gradebook's text without its hidden tests."""
        released = copy.deepcopy(cell)
        released.source = source_cell.source
        ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
        return utils.compute_checksum(released)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any],
                        cell_index: int) -> tuple[NotebookNode, dict[str, Any]]:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source_cell = None  # OverwriteCells reports it
            if (source_cell is not None and source_cell.locked and cell.cell_type == source_cell.cell_type
                    and utils.compute_checksum(cell) == self._released_checksum(cell, source_cell)):
                cell.source = source_cell.source
        return super().preprocess_cell(cell, resources, cell_index)
