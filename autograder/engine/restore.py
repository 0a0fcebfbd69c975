"""Rebuild a submission on the source's skeleton: locked cells from the source.

The source notebook's protected cells (graded tests and every locked cell)
are taken from the source, in source order, whatever the submission did to
them: deleted, edited, duplicated or moved cells are restored and what the
student changed is reported as *tamper* notes. Solution cells are taken from
the submission by grade_id. The student's extra cells are kept, each after
the known cell it followed in the submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograder.model.course import grader_skips
from autograder.model.given import given_text
from autograder.model.invariant import known
from autograder.model.notebook import SourceCell, SourceNotebook, SubmittedCell
from autograder.model.run_order import Partition, partition


@dataclass
class Cell:
    """One cell of the rebuilt notebook."""

    index: int
    cell_type: str
    source: str
    grade_id: str | None
    origin: str  # "source" (restored), "solution" (student's), "student" (extra)
    is_test: bool = False

    @property
    def runs(self) -> bool:
        """Executed in the child: code cells except graded test cells, the source's lesson cells
        (figures, demos) and its self-check import (``course.grader_skips``)."""
        skipped = self.origin == "source" and grader_skips(self.grade_id)
        return self.cell_type == "code" and not self.is_test and not skipped


@dataclass
class Rebuilt:
    cells: list = field(default_factory=list)
    tamper: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    #: solution grade_id -> the student's source of that cell
    student_code: dict = field(default_factory=dict)
    #: locked markdown cell's grade_id -> the text the student's copy holds, where they wrote in it (restored from the
    #: source all the same; read for an answer written there: :mod:`autograder.engine.answer_beside`)
    edited_text: dict = field(default_factory=dict)


def _moved(sequence: Sequence[int]) -> set[int]:
    """Items of ``sequence`` (source positions) outside one longest increasing run."""
    if not sequence:
        return set()
    n = len(sequence)
    best, prev = [1] * n, [-1] * n
    for i in range(n):
        for j in range(i):
            if sequence[j] < sequence[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = max(range(n), key=best.__getitem__)
    keep = set()
    while i != -1:
        keep.add(i)
        i = prev[i]
    return {sequence[i] for i in range(n) if i not in keep}


def rebuild(source: SourceNotebook, submitted_cells: Sequence[SubmittedCell]) -> Rebuilt:
    """The notebook to run and the tamper report (see the module docstring).

    Three steps: :func:`~autograder.model.run_order.partition` the submitted cells by the source's
    grade_ids (cells that lost their metadata recognised), :func:`_report_tampering` (locked cells, order, solution
    cells), :func:`_emit` the notebook in the source's order.
    """
    out = Rebuilt()
    known = {c.grade_id: c for c in source.cells if c.grade_id and (c.protected or c.solution)}
    submitted_cells = list(submitted_cells)  # partition replaces an oversized or recognised cell (not the caller's)
    parts = partition(source.cells, submitted_cells, out.notes)
    _report_tampering(source, known, parts, submitted_cells, out)
    _emit(source, parts, out)
    return out


def _report_tampering(source: SourceNotebook, known: dict, parts: Partition, submitted_cells: list[SubmittedCell],
                      out: Rebuilt) -> None:
    """The tamper report (``out.tamper``) and the notes on solution cells (``out.notes``)."""
    for gid, scell in known.items():
        if scell.protected:
            _report_locked(gid, scell, parts, submitted_cells, out)
    position = {c.grade_id: k for k, c in enumerate(source.cells)}
    moved = _moved([position[gid] for gid in parts.primary])
    if moved:
        names = [source.cells[k].grade_id for k in sorted(moved)]
        locked = [n for n in names if known[n].protected]
        mine = [n for n in names if not known[n].protected]
        if locked:
            out.tamper.append(f"cells were reordered ({', '.join(f'`{n}`' for n in locked)} moved); "
                              "restored to the source order")
        if mine:
            out.notes.append(f"solution cells {', '.join(f'`{n}`' for n in mine)} were moved; they run in the "
                             "source order")
    for gid in source.solution_ids:
        found = parts.occurrences.get(gid, [])
        if not found:
            out.notes.append(f"solution cell `{gid}` is missing from the submission")
        elif len(found) > 1:
            out.notes.append(f"solution cell `{gid}` appears {len(found)} times; all copies run in order")


def _report_locked(gid: str, scell: SourceCell, parts: Partition, submitted_cells: list[SubmittedCell],
                   out: Rebuilt) -> None:
    """One locked cell: deleted, duplicated, edited, or its nbgrader metadata (points) changed."""
    what = "graded test cell" if scell.is_test else "locked cell"
    found, primary_cell = parts.occurrences.get(gid, []), parts.primary.get(gid)
    if not found:
        out.tamper.append(f"{what} `{gid}` was deleted; restored from the source")
        return
    primary = next((i for i in found if submitted_cells[i] is primary_cell), found[0])
    changed = [i for i in found if i in parts.changed]
    if len(found) > 1:
        kept = [i for i in changed if i != primary]
        out.tamper.append(f"{what} `{gid}` appears {len(found)} times; the source's stands in its place"
                          + (f"; the changed {'copy' if len(kept) == 1 else 'copies'} (cell "
                             f"{', '.join(map(str, kept))}) {'runs' if len(kept) == 1 else 'run'} as the "
                             "student's own" if kept else "")
                          + ("; the unchanged copies were removed" if len(found) - 1 > len(kept) else ""))
    if primary in changed:
        out.tamper.append(f"{what} `{gid}` was edited (cell {primary}); restored from the source")
        if scell.cell_type == "markdown" and submitted_cells[primary].kind == "markdown":
            out.edited_text[gid] = submitted_cells[primary].source
    meta = submitted_cells[primary].nbgrader
    points: Any = meta.get("points")  # whatever the submitted metadata holds
    claimed: float | None
    try:
        claimed = float(points)
    except (TypeError, ValueError):
        claimed = None
    if scell.is_test and (not meta.get("grade") or claimed != scell.points):
        out.tamper.append(f"the nbgrader metadata of `{gid}` was changed; the source's points "
                          f"({scell.points:g}) count")


def _emit(source: SourceNotebook, parts: Partition, out: Rebuilt) -> None:
    """The notebook to run (``out.cells``): the source's cells in its order, locked ones from the source,
    solution cells from the submission (``out.student_code``), each followed by the student's own cells."""

    def emit(cell_type: str, text: str, gid: str | None, origin: str, is_test: bool = False) -> None:
        out.cells.append(Cell(len(out.cells), cell_type, text, gid, origin, is_test))

    for scell, cell in parts.order:
        if scell is None:
            cell = known(cell, "run_order: a student's cell comes with no source cell")
            emit(cell.kind, cell.source, None, "student")
        elif cell is None:
            text = given_text(scell.source, scell.cell_type)
            emit(scell.cell_type, text, scell.grade_id, "source", scell.is_test)
        else:
            text = cell.source
            out.student_code[scell.grade_id] = text
            ctype = cell.kind  # (whatever the submitted cell holds)
            if ctype != scell.cell_type:  # (a key pressed in command mode: Y, M, R) restored, as nbgrader does
                kind = "a function's code, runs" if scell.cell_type == "code" else "an answer, is read by a person"
                told = f"a {ctype}" if ctype in ("code", "markdown", "raw") else "another type of"
                out.notes.append(f"solution cell `{scell.grade_id}` was changed to {told} cell; "
                                 f"it is taken as the {scell.cell_type} cell it was released as ({kind})")
            emit(scell.cell_type, text, scell.grade_id, "solution")
