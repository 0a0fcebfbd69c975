"""Rebuild a submission on the source's skeleton: locked cells from the source.

The source notebook's protected cells (graded tests and every locked cell)
are taken from the source, in source order, whatever the submission did to
them: deleted, edited, duplicated or moved cells are restored and what the
student changed is reported as *tamper* notes. Solution cells are taken from
the submission by grade_id. The student's extra cells are kept, each after
the known cell it followed in the submission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograder.course import is_lesson_cell
from autograder.engine.notebook import SourceNotebook, cell_text, grade_id_of, nbgrader_meta

_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)


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
        """Executed in the child: code cells except graded test cells and the
        source's lesson cells (figures, demos: ``course.is_lesson_cell``)."""
        lesson = self.origin == "source" and is_lesson_cell(self.grade_id)
        return self.cell_type == "code" and not self.is_test and not lesson


@dataclass
class Rebuilt:
    cells: list = field(default_factory=list)
    tamper: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    #: solution grade_id -> the student's source of that cell
    student_code: dict = field(default_factory=dict)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip()


def _same(submitted: str, source: str) -> bool:
    """The student's copy of a locked cell is what they were given: the source's
    text, or that text with nbgrader's hidden tests removed (the release)."""
    mine = _normal(submitted)
    return mine == _normal(source) or mine == _normal(strip_hidden_tests(source))


def _moved(sequence):
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


def strip_hidden_tests(source: str) -> str:
    return _HIDDEN.sub("", source)


def rebuild(source: SourceNotebook, submitted_cells: list) -> Rebuilt:
    """The notebook to run and the tamper report (see the module docstring)."""
    out = Rebuilt()
    known = {c.grade_id: c for c in source.cells if c.grade_id and (c.protected or c.solution)}
    position = {c.grade_id: k for k, c in enumerate(source.cells)}

    occurrences: dict = {}
    extras: dict = {None: []}
    anchor = None
    primary: dict = {}
    for i, cell in enumerate(submitted_cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            out.notes.append(f"cell {i} of the submission is not a well-formed notebook cell; ignored")
            continue
        gid = grade_id_of(cell)
        if gid in known:
            occurrences.setdefault(gid, []).append(i)
            if gid not in primary:
                primary[gid] = cell
                anchor = gid
                extras.setdefault(gid, [])
                continue
            if known[gid].protected:
                continue  # a duplicate of a locked cell: dropped (reported below)
        extras.setdefault(anchor, []).append(cell)

    # --- tamper report ------------------------------------------------------
    for gid, scell in known.items():
        if not scell.protected:
            continue
        what = "graded test cell" if scell.is_test else "locked cell"
        found = occurrences.get(gid, [])
        if not found:
            out.tamper.append(f"{what} `{gid}` was deleted; restored from the source")
            continue
        if len(found) > 1:
            out.tamper.append(f"{what} `{gid}` appears {len(found)} times; the copies were removed")
        for i in found:
            cell = submitted_cells[i]
            if cell.get("cell_type") != scell.cell_type or not _same(cell_text(cell), scell.source):
                out.tamper.append(f"{what} `{gid}` was edited (cell {i}); restored from the source")
                break
        meta = nbgrader_meta(submitted_cells[found[0]])
        try:
            claimed = float(meta.get("points"))
        except (TypeError, ValueError):
            claimed = None
        if scell.is_test and (not meta.get("grade") or claimed != scell.points):
            out.tamper.append(f"the nbgrader metadata of `{gid}` was changed; the source's points "
                              f"({scell.points:g}) count")
    order = [position[gid] for gid in primary]
    moved = _moved(order)
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
        found = occurrences.get(gid, [])
        if not found:
            out.notes.append(f"solution cell `{gid}` is missing from the submission")
        elif len(found) > 1:
            out.notes.append(f"solution cell `{gid}` appears {len(found)} times; all copies run in order")

    # --- the rebuilt notebook -----------------------------------------------
    def emit(cell_type, text, gid, origin, is_test=False):
        out.cells.append(Cell(len(out.cells), cell_type, text, gid, origin, is_test))

    def emit_extras(key):
        for cell in extras.get(key, ()):
            emit(cell["cell_type"], cell_text(cell), None, "student")

    emit_extras(None)
    for scell in source.cells:
        gid = scell.grade_id
        if gid not in known:
            continue
        if scell.protected:
            text = strip_hidden_tests(scell.source) if scell.cell_type == "code" else scell.source
            emit(scell.cell_type, text, gid, "source", scell.is_test)
        elif gid in primary:
            cell = primary[gid]
            text = cell_text(cell)
            out.student_code[gid] = text
            ctype = cell.get("cell_type")
            if ctype != scell.cell_type:
                out.notes.append(f"solution cell `{gid}` was changed to a {ctype} cell; it does not run")
            emit(ctype, text, gid, "solution")
        else:
            continue
        emit_extras(gid)
    return out
