"""A submission's cells in the order the grader runs them: the source's cells, the student's beside them.

One rule for every stage that needs it: the engine rebuilds a submission on
this order (:mod:`autograder.engine.restore`, which adds the tamper report),
and the similarity report reads it to know which definition each graded
test cell sees (:mod:`autograder.reading.graded`).

The source's known cells (those with a grade_id that are locked, graded or
solutions) come in the source's order; a locked one is the source's own, a
solution cell is the student's first cell of that grade_id. Every other cell
of the submission (the student's own, and duplicate solution cells) follows
the known cell it followed in the submission; those before the first known
cell come first. Of a locked cell's copies, the first one as released stands for it (else the first one); an
unchanged duplicate is dropped, a changed one is the student's own cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from autograder.model.given import same_as_given
from autograder.model.merged_cells import unmerge
from autograder.model.notebook import SourceCell, SubmittedCell
from autograder.model.recognise import recognise


@dataclass
class Partition:
    """The submitted cells sorted by the source's grade_ids.

    Attributes
    ----------
    occurrences : dict
        ``grade_id -> [index in the submission]`` of every copy of a known cell.
    primary : dict
        ``grade_id -> cell``: the first copy, in submission order.
    extras : dict
        ``grade_id (or None before the first known cell) -> [cell]``: the
        student's own cells (and duplicate solution cells) following it.
    changed : set
        The indices (of :attr:`occurrences`) of the copies of a locked cell that differ from it as the student
        was given it (:func:`changed_copy`).
    order : list
        The cells in the order the grader runs them (:func:`run_order`).
    """

    occurrences: dict[str, list[int]] = field(default_factory=dict)
    primary: dict[str, SubmittedCell] = field(default_factory=dict)
    extras: dict[str | None, list[SubmittedCell]] = field(default_factory=lambda: {None: []})
    changed: set[int] = field(default_factory=set)
    order: list[tuple[SourceCell | None, SubmittedCell | None]] = field(default_factory=list)


def partition(source_cells: Sequence[SourceCell], submitted_cells: list[SubmittedCell], notes: list[str]) -> Partition:
    """Sort ``submitted_cells`` by the grade_ids of ``source_cells`` (the source's cells in order). Cells that
    a key merged are taken apart (:func:`~autograder.model.merged_cells.unmerge`), cells that
    lost their nbgrader metadata are recognised (:func:`~autograder.model.recognise.recognise`); malformed
    cells are noted in ``notes`` and ignored (and an oversized cell's note, its text replaced when it was read),
    a recognised cell given its metadata (both in ``submitted_cells``: pass a copy), duplicate locked cells
    dropped; which copies of a locked cell were changed, and the order the grader runs the cells in, are in the
    partition."""
    protected = {c.grade_id: c.protected for c in source_cells if c.grade_id and (c.protected or c.solution)}
    locked = {c.grade_id: c for c in source_cells if c.grade_id and c.protected}
    notes.extend(cell.note for cell in submitted_cells if cell.well_formed and cell.note)
    unmerge(source_cells, submitted_cells, notes)  # (on bounded texts; a merged cell becomes the cells it was)
    well_formed = [c.well_formed for c in submitted_cells]
    recognise(source_cells, submitted_cells, notes)  # (after the oversized cells' text is replaced: bounded)
    first = _first_copies(locked, submitted_cells, well_formed)
    parts = Partition()
    anchor: str | None = None
    for i, cell in enumerate(submitted_cells):
        if not well_formed[i]:
            notes.append(f"cell {i} of the submission is not a well-formed notebook cell; ignored")
            continue
        gid = cell.grade_id
        if gid in protected:
            parts.occurrences.setdefault(gid, []).append(i)
            if protected[gid] and changed_copy(cell, locked[gid]):
                parts.changed.add(i)
            if first.get(gid, i) == i and gid not in parts.primary:
                parts.primary[gid] = cell
                anchor = gid
                parts.extras.setdefault(gid, [])
                continue
            if protected[gid] and i not in parts.changed:
                continue  # an unchanged duplicate of a locked cell: dropped (the engine reports it)
        parts.extras.setdefault(anchor, []).append(cell)  # (a changed copy of a locked cell: the student's own)
    parts.order = list(run_order(source_cells, parts))
    return parts


def _first_copies(locked: dict[str, SourceCell], submitted_cells: list[SubmittedCell], well_formed: list[bool],
                  ) -> dict[str, int]:
    """For each locked grade_id the submission holds more than once, the index of the copy that stands for the
    locked cell: the first one as the student was given it, else the first one. (A copy pasted and then written
    in — a test cell copied to hold the student's own code — is then the student's cell, as it ran for them.)"""
    seen: dict[str, list[int]] = {}
    for i, cell in enumerate(submitted_cells):
        gid = cell.grade_id if well_formed[i] else None
        if gid in locked:
            seen.setdefault(gid, []).append(i)
    return {gid: next((i for i in found if not changed_copy(submitted_cells[i], locked[gid])), found[0])
            for gid, found in seen.items() if len(found) > 1}


def changed_copy(cell: SubmittedCell, scell: SourceCell) -> bool:
    """Whether ``cell``, a copy of the locked cell ``scell``, differs from it as the student was given it."""
    return cell.kind != scell.cell_type or not same_as_given(cell.source, scell.source)


def run_order(source_cells: Iterable[SourceCell],
              parts: Partition) -> Iterator[tuple[SourceCell | None, SubmittedCell | None]]:
    """``(source cell or None, submitted cell or None)`` in the order the grader runs them: a locked cell
    of the source as ``(cell, None)``, a solution cell as ``(its source cell, the student's cell)``, one
    of the student's own as ``(None, cell)``. ``source_cells`` are the source's
    :class:`~autograder.model.notebook.SourceCell` in order."""
    yield from ((None, cell) for cell in parts.extras.get(None, ()))
    for scell in source_cells:
        gid = scell.grade_id
        if gid is None or not (scell.protected or scell.solution):
            continue
        if scell.protected:
            yield scell, None
        elif gid in parts.primary:
            yield scell, parts.primary[gid]
        else:
            continue
        yield from ((None, cell) for cell in parts.extras.get(gid, ()))
