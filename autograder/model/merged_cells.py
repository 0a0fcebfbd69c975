"""Cells merged by a key (Shift+M in Jupyter's command mode), taken apart again as they were released.

JupyterLab's and the classic Notebook's merge join the selected cells' texts, a blank line between them, into the
first cell, which keeps its own type and metadata (one cell selected: it and the cell below). Pressed by accident
after the last run, it changes nothing the student sees in the checks they ran, but:

* a solution cell merged with the locked cell below it (each function's "What the next cells check") becomes a code
  cell ending in prose: a SyntaxError where it runs, so the function it defines is never defined (0 on all its
  cells, as under plain nbgrader), and the locked cell is reported deleted;
* the locked cell above a solution cell (its task), merged with it, becomes a locked markdown cell holding the
  student's code, which the rebuild restores from the source: the code is lost and the solution cell is missing.

:func:`unmerge` takes them apart where the course's own text shows the seam, and nowhere else:

* a solution cell whose text ends with the texts of the source cells that follow it — none of which the submission
  still holds (by grade_id, or by text for a cell without one) — keeps what comes before them, and those cells are
  put back after it as released;
* where a solution cell is missing, a cell whose text begins with the text of the source cell before it and goes on
  is that source cell as released, then the solution cell holding the rest (taken apart again as above when more
  cells were merged into it).

What is cut off is the course's text; no text of the student's is dropped. One note per merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from autograder.model.given import given_text
from autograder.model.notebook import SourceCell, SubmittedCell
from autograder.model.recognise import release_metadata

#: At most this many cells after a solution cell are looked for at its end (a merge of a whole selection).
MAX_MERGED = 8


def unmerge(source_cells: Sequence[SourceCell], submitted_cells: list[SubmittedCell], notes: list[str]) -> None:
    """Take apart, in ``submitted_cells`` (a copy: it is changed in place), the cells a merge joined (see the module
    docstring); a note in ``notes`` for each."""
    order = list(source_cells)
    cells = [c for c in submitted_cells if c.is_cell]
    held = {c.grade_id for c in cells}, {c.source.strip() for c in cells}  # (as handed in)
    for k, scell in enumerate(order):
        if not scell.solution or not scell.grade_id:
            continue
        at = next((i for i, c in enumerate(submitted_cells) if c.is_cell and c.grade_id == scell.grade_id), None)
        if at is None and k and (at := _split_above(order[k - 1], scell, submitted_cells)) is not None:
            notes.append(f"solution cell `{scell.grade_id}` was merged into the cell above it (as Shift+M in "
                         "Jupyter's command mode does): taken apart again, the cell above as released")
        if at is not None:
            taken = _split_below(submitted_cells, at, order[k + 1:k + 1 + MAX_MERGED], held)
            if taken:
                notes.append(f"solution cell `{scell.grade_id}` was merged with the {len(taken)} cell"
                             f"{'s' if len(taken) > 1 else ''} below it (as Shift+M in Jupyter's command mode "
                             "does): taken apart again, those cells as released")


def _split_above(above: SourceCell, scell: SourceCell, submitted_cells: list[SubmittedCell]) -> int | None:
    """Where the solution cell ``scell`` is missing: the cell holding ``above``'s text and then more, made ``above``
    as released and followed by ``scell`` holding the rest; the new cell's index, or None."""
    head = given(above).strip()
    for i, cell in enumerate(submitted_cells):
        if not cell.is_cell or cell.grade_id != above.grade_id:  # (the merge keeps the first's)
            continue
        text = cell.source.strip()
        rest = text[len(head):]
        if head and text.startswith(head) and rest.startswith("\n") and rest.strip():
            submitted_cells[i] = replace(cell, kind=above.cell_type, source=given(above))
            submitted_cells.insert(i + 1, released(scell, rest.strip("\n")))
            return i + 1
    return None


def _split_below(submitted_cells: list[SubmittedCell], at: int, below: list[SourceCell],
                 held: tuple[set[str | None], set[str]]) -> list[SourceCell]:
    """The source cells of ``below`` (those after a solution cell, in order) whose texts end the solution cell
    ``submitted_cells[at]``, cut off it and put back after it as released; [] when none. ``held``: the grade_ids
    and the texts of the submission's cells (a cell still held was not merged)."""
    held_ids, held_texts = held
    run: list[SourceCell] = []
    for scell in below:  # (the run of cells the submission no longer holds)
        if (scell.grade_id in held_ids) if scell.grade_id else (given(scell).strip() in held_texts):
            break
        run.append(scell)
    text = submitted_cells[at].source
    for m in range(len(run), 0, -1):
        left = _peeled(text, run[:m])
        if left is not None:
            submitted_cells[at] = replace(submitted_cells[at], source=left)
            submitted_cells[at + 1:at + 1] = [released(s, given(s)) for s in run[:m]]
            return run[:m]
    return []


def _peeled(text: str, tail: list[SourceCell]) -> str | None:
    """``text`` without the texts of ``tail`` at its end (the last first, each after a line break), when it ends so
    and something is left; else None."""
    for scell in reversed(tail):
        text, end = text.rstrip(), given(scell).strip()
        if not end or not text.endswith(end) or not text[:-len(end)].endswith("\n"):
            return None
        text = text[:-len(end)]
    left = text.rstrip()
    return left if left.strip() else None


def given(scell: SourceCell) -> str:
    """``scell``'s text as the student was given it (a test cell without its hidden tests)."""
    return given_text(scell.source, scell.cell_type)


def released(scell: SourceCell, text: str) -> SubmittedCell:
    """A cell of ``scell``'s type and nbgrader metadata (as its release carries it) holding ``text`` (put back by
    the grader: no position in the notebook handed in)."""
    return SubmittedCell(-1, scell.cell_type, text, scell.grade_id or None,
                         release_metadata(scell) if scell.grade_id else {})
